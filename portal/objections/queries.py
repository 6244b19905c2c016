"""Read-side queries of the objections area: playbook statistics and pipeline reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.sql.elements import True_

from portal.extensions import db
from portal.objections.models import Objection, ObjectionGroup, ObjectionStep, PlaybookResponse
from proposals.objections import (
    AgeBucket,
    ObjectionType,
    ResponseStats,
    age_bucket_starts,
    age_grid_from_reached,
    rank_for_raiser,
    rank_responses,
)


def response_stats(
    objection_type: str | None = None,
    decision_type: str | None = None,
    map_role: str | None = None,
) -> dict[int, ResponseStats]:
    """Per playbook response: objections it was used on (Process step) and how many resolved;
    with ``decision_type``/``map_role``, only objections raised by such a stakeholder."""
    stmt = (
        select(
            ObjectionStep.response_id,
            func.count(ObjectionStep.id),
            func.sum(case((Objection.status == "resolved", 1), else_=0)),
        )
        .join(Objection, Objection.id == ObjectionStep.objection_id)
        .where(ObjectionStep.step == "process", ObjectionStep.response_id.is_not(None))
        .group_by(ObjectionStep.response_id)
    )
    if objection_type:
        stmt = stmt.join(PlaybookResponse, PlaybookResponse.id == ObjectionStep.response_id).where(
            PlaybookResponse.objection_type == objection_type
        )
    if decision_type or map_role:
        from portal.deals.models import Stakeholder

        stmt = stmt.join(Stakeholder, Stakeholder.id == Objection.stakeholder_id).where(
            Stakeholder.decision_type == decision_type, Stakeholder.map_role == map_role
        )
    return {
        rid: ResponseStats(str(rid), used, int(resolved or 0))
        for rid, used, resolved in db.session.execute(stmt)
    }


def ranked_playbook_for(objection):
    """(response, RankedResponse) pairs for this objection's type, best first, ranked by the
    history with people of the raiser's decision type and MAP role when there is enough of
    it (proposals.objections.rank_for_raiser), else overall; and the raiser used (the
    Stakeholder) or None when ranked overall."""
    ensure_playbook()
    responses = {
        str(r.id): r
        for r in db.session.scalars(
            select(PlaybookResponse).where(
                PlaybookResponse.objection_type == objection.objection_type,
                PlaybookResponse.active,
            )
        )
    }
    raiser = objection.stakeholder
    overall = {str(k): v for k, v in response_stats(objection.objection_type).items()}
    segment = {}
    if raiser is not None and (raiser.decision_type or raiser.map_role):
        segment = {
            str(k): v
            for k, v in response_stats(
                objection.objection_type, raiser.decision_type, raiser.map_role
            ).items()
        }
    ranked, by_segment = rank_for_raiser(responses, segment, overall)
    return [(responses[r.key], r) for r in ranked], (raiser if by_segment else None)


def ranked_playbook(objection_type: str, active_only: bool = True):
    """(response, RankedResponse) pairs for one type, best first (Wilson lower bound)."""
    ensure_playbook()
    stmt = select(PlaybookResponse).where(PlaybookResponse.objection_type == objection_type)
    if active_only:
        stmt = stmt.where(PlaybookResponse.active)
    responses = {str(r.id): r for r in db.session.scalars(stmt)}
    stats = response_stats(objection_type)
    ranked = rank_responses(stats.get(int(key), ResponseStats(key, 0, 0)) for key in responses)
    return [(responses[r.key], r) for r in ranked]


def _in_scope(stmt, scope):
    from portal.deals.models import Opportunity

    if isinstance(scope, True_):  # a leader's: every objection, no join needed
        return stmt
    return stmt.join(Opportunity, Opportunity.id == Objection.opportunity_id).where(scope)


def open_objection_counts(scope, today: date) -> dict[ObjectionType, dict[AgeBucket, int]]:
    """Open objections in `scope` counted per type and age bucket, every cell present (the
    buckets of proposals.objections, counted by the database from
    ix_objection_status_type_raised alone: one row per type comes back)."""
    starts = age_bucket_starts(today)
    # Per type, how many were raised on or after each bucket's first day (the last bucket:
    # all of them): proposals.objections.age_grid_from_reached makes the buckets of them.
    reached = [
        func.count().filter(Objection.raised_on >= day) if day is not None else func.count()
        for _bucket, day in starts
    ]
    rows = db.session.execute(
        _in_scope(
            select(Objection.objection_type, *reached)
            .where(Objection.status == "open")
            .group_by(Objection.objection_type),
            scope,
        )
    )
    return age_grid_from_reached((kind, reached) for kind, *reached in rows)


@dataclass(frozen=True)
class Quote:
    """One wording of a recurring objection, as first raised, and where."""

    text: str
    opportunity_id: int
    opportunity_name: str


@dataclass(frozen=True)
class RecurringGroup:
    """A group of similar objections (placed at save time, see models.ObjectionGroup) as
    one reader sees it: the opportunities in their scope that raised it, and its first
    distinct wordings."""

    group_id: int
    objection_type: ObjectionType
    opportunity_count: int
    quotes: tuple[Quote, ...]


def _group_filter(stmt, scope, raised_since: date | None):
    # Recent: the open objections raised on or after that day (the pipeline's default);
    # None: every objection ever logged.
    if raised_since is not None:
        stmt = stmt.where(Objection.status == "open", Objection.raised_on >= raised_since)
    return _in_scope(stmt, scope)


def _reach():
    return func.count(distinct(Objection.opportunity_id))


def recurring_groups(
    scope, raised_since: date | None, limit: int, quotes: int
) -> list[RecurringGroup]:
    """The groups whose objections in `scope` span two or more opportunities, the most
    opportunities first (then the older group), at most `limit`, each with its first
    `quotes` distinct wordings. Two queries however many groups there are: the count
    per group (an index-only range of ix_objection_status_raised_group when recent, a walk
    of ix_objection_group_status_raised when not) and the quotes of the groups shown."""
    reach = _reach().label("reach")
    counted = (
        _group_filter(
            select(Objection.group_id, reach).where(Objection.group_id.is_not(None)),
            scope,
            raised_since,
        )
        .group_by(Objection.group_id)
        .having(_reach() >= 2)
        .order_by(reach.desc(), Objection.group_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        select(ObjectionGroup.id, ObjectionGroup.objection_type, counted.c.reach)
        .join(counted, counted.c.group_id == ObjectionGroup.id)
        .order_by(counted.c.reach.desc(), ObjectionGroup.id)
    ).all()
    return _with_quotes(rows, scope, raised_since, quotes)


def group_seen_by(
    group_id: int, scope, raised_since: date | None, quotes: int
) -> RecurringGroup | None:
    """One group as `scope` sees it (recent objections when `raised_since` is given and
    there are any, else all of them), however many opportunities it spans; None when no
    objection of the group is in scope."""
    for since in dict.fromkeys((raised_since, None)):
        reach = _reach().label("reach")
        row = db.session.execute(
            _group_filter(
                select(ObjectionGroup.id, ObjectionGroup.objection_type, reach)
                .join(Objection, Objection.group_id == ObjectionGroup.id)
                .where(ObjectionGroup.id == group_id)
                .group_by(ObjectionGroup.id, ObjectionGroup.objection_type),
                scope,
                since,
            )
        ).first()
        if row is not None:
            return _with_quotes([row], scope, since, quotes)[0]
    return None


def _with_quotes(rows, scope, raised_since: date | None, per_group: int) -> list[RecurringGroup]:
    """The groups of `rows` (id, type, opportunities) with their first `per_group` distinct
    wordings (told apart by their stored key) in id order, each with the opportunity that
    raised it first (one query)."""
    from portal.deals.models import Opportunity

    if not rows:
        return []
    firsts = (
        _group_filter(
            select(Objection.group_id, func.min(Objection.id).label("first_id")).where(
                Objection.group_id.in_([row[0] for row in rows])
            ),
            scope,
            raised_since,
        )
        # The wording's key, not its text: read from ix_objection_group_status_raised alone.
        .group_by(Objection.group_id, Objection.wording_key)
        .subquery()
    )
    ranked = select(
        firsts.c.group_id,
        firsts.c.first_id,
        func.row_number()
        .over(partition_by=firsts.c.group_id, order_by=firsts.c.first_id)
        .label("position"),
    ).subquery()
    # The LIMIT never cuts (no more rows qualify), but tells the planner how few rows come
    # out, so each is looked up by key instead of joining the whole table.
    picked = (
        select(ranked.c.group_id, ranked.c.first_id, ranked.c.position)
        .where(ranked.c.position <= per_group)
        .limit(len(rows) * per_group)
        .subquery()
    )
    quoted = db.session.execute(
        select(
            picked.c.group_id, Objection.customer_words, Objection.opportunity_id, Opportunity.name
        )
        .join(Objection, Objection.id == picked.c.first_id)
        .join(Opportunity, Opportunity.id == Objection.opportunity_id)
        .order_by(picked.c.group_id, picked.c.position)
    )
    quotes: dict[int, list[Quote]] = {}
    for group_id, words, opportunity_id, name in quoted:
        quotes.setdefault(group_id, []).append(Quote(words, opportunity_id, name))
    return [
        RecurringGroup(group_id, ObjectionType(kind), reach, tuple(quotes.get(group_id, ())))
        for group_id, kind, reach in rows
    ]


def ensure_playbook(commit: bool = True) -> None:
    """Insert the built-in playbook responses that are missing (edited ones stay as edited).

    Called before the playbook is read, so a fresh installation (or a test database) has
    the seeded responses without a separate step; a concurrent first call is harmless.
    """
    from sqlalchemy.exc import IntegrityError

    from proposals.objections import PLAYBOOK_SEED

    existing = set(
        db.session.scalars(select(PlaybookResponse.key).where(PlaybookResponse.key.is_not(None)))
    )
    missing = [seed for seed in PLAYBOOK_SEED if seed.key not in existing]
    if not missing:
        return
    for seed in missing:
        db.session.add(
            PlaybookResponse(
                key=seed.key,
                objection_type=seed.objection_type.value,
                title_en=seed.title_en,
                title_zh=seed.title_zh,
                body_en=seed.body_en,
                body_zh=seed.body_zh,
                active=True,
            )
        )
    if not commit:
        db.session.flush()
        return
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
