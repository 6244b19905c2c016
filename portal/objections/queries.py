"""Read-side queries of the objections area: playbook statistics and pipeline reports."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import True_

from portal.extensions import db
from portal.objections.models import Objection, ObjectionStep, PlaybookResponse
from proposals.objections import (
    ObjectionRecord,
    OpenObjection,
    ResponseStats,
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


def open_objections(scope) -> list[OpenObjection]:
    """Open objections counted per type and day raised (one row per day, not per
    objection: the age grid needs no more)."""
    rows = db.session.execute(
        _in_scope(
            select(Objection.objection_type, Objection.raised_on, func.count(Objection.id))
            .where(Objection.status == "open")
            .group_by(Objection.objection_type, Objection.raised_on),
            scope,
        )
    )
    return [OpenObjection(t, raised, n) for t, raised, n in rows]


def objection_records(scope, raised_since: date | None = None) -> list[ObjectionRecord]:
    """The objections in `scope` with their stored match tokens, oldest first; with
    `raised_since`, only the open ones raised on or after that day (read through
    ix_objection_status_raised)."""
    stmt = _in_scope(
        select(
            Objection.opportunity_id,
            Objection.objection_type,
            Objection.customer_words,
            Objection.match_tokens,
        ).order_by(Objection.id),
        scope,
    )
    if raised_since is not None:
        stmt = stmt.where(Objection.status == "open", Objection.raised_on >= raised_since)
    token_sets: dict[str, frozenset[str]] = {}  # recurring wordings share one set
    return [
        ObjectionRecord(
            opp,
            t,
            words,
            token_sets.get(tokens) or token_sets.setdefault(tokens, frozenset(tokens.split())),
        )
        for opp, t, words, tokens in db.session.execute(stmt)
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
