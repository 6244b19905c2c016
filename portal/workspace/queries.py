"""Loading what the workspace pages show, in a fixed number of queries, and turning rows
into the plain values `proposals/` computes on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Row, cast, false, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import Account
from portal.auth.models import User
from portal.deals.models import Opportunity, Stage, StageModel, StageTotal, Stakeholder
from portal.extensions import db
from portal.security import (
    first_in_scope,
    opportunity_scope,
    sort_clauses,
    visible_opportunity_ids,
)
from portal.workspace.models import (
    ActivityTemplate,
    Competitor,
    Likelihood,
    MatrixCompetitor,
    MatrixCriterion,
    MatrixScore,
    OpportunityActivity,
    StageMove,
)
from proposals import pipeline, workspace
from proposals.stages import NSABC_ACTIVITIES, ActivityStatus, NsabcElement

ELEMENTS = tuple(NsabcElement)


# --- NSABC activities ------------------------------------------------------------------


def ensure_templates(model_id: int, commit: bool = True) -> None:
    """Seed the NSABC grid of a stage model from proposals/stages.py on first use.

    Done lazily (not at install time) so a model added later by an admin gets the grid of
    any stage whose code matches the built-in one; a model whose grid exists is never
    touched again, so admins' renames and additions stay.
    """
    stages = db.session.scalars(select(Stage).where(Stage.model_id == model_id)).all()
    stage_ids = [stage.id for stage in stages]
    if not stage_ids or db.session.scalar(
        select(func.count(ActivityTemplate.id)).where(ActivityTemplate.stage_id.in_(stage_ids))
    ):
        return
    added = False
    for stage in stages:
        for element, template in NSABC_ACTIVITIES.get(stage.code, {}).items():
            db.session.add(
                ActivityTemplate(
                    stage_id=stage.id,
                    element=str(element),
                    position=0,
                    title_en=template.title["en"],
                    title_zh=template.title["zh_CN"],
                    hint_en=template.hint["en"],
                    hint_zh=template.hint["zh_CN"],
                )
            )
            added = True
    if not added:
        return
    if not commit:
        db.session.flush()
        return
    try:
        db.session.commit()
    except IntegrityError:  # another request seeded it at the same moment
        db.session.rollback()


@dataclass
class Grid:
    stages: list[Stage]
    current_index: int
    cells: dict[tuple[int, str], list[ActivityTemplate]]
    rows: dict[int, OpportunityActivity]
    activities: list[workspace.Activity]
    health: dict
    templates: dict[int, ActivityTemplate] = field(default_factory=dict)

    def row(self, template_id: int) -> OpportunityActivity | None:
        return self.rows.get(template_id)

    def status(self, template_id: int) -> str:
        row = self.rows.get(template_id)
        return row.status if row else ActivityStatus.NOT_STARTED.value

    def undone(self, stage_index: int) -> list[ActivityTemplate]:
        return [
            self.templates[a.id]
            for a in workspace.undone_activities_for_stage(self.activities, stage_index)
        ]


def load_grid(opportunity: Opportunity, today: date) -> Grid:
    """The opportunity's stage model, its activity templates and their progress (3 queries)."""
    model_id = opportunity.stage.model_id
    ensure_templates(model_id)
    stages = db.session.scalars(
        select(Stage).where(Stage.model_id == model_id).order_by(Stage.position)
    ).all()
    index_of = {stage.id: index for index, stage in enumerate(stages)}
    templates = db.session.scalars(
        select(ActivityTemplate)
        .where(ActivityTemplate.stage_id.in_(index_of))
        .order_by(ActivityTemplate.position, ActivityTemplate.id)
    ).all()
    rows = {
        row.template_id: row
        for row in db.session.scalars(
            select(OpportunityActivity)
            .options(joinedload(OpportunityActivity.owner))
            .where(OpportunityActivity.opportunity_id == opportunity.id)
        )
    }
    cells: dict[tuple[int, str], list[ActivityTemplate]] = defaultdict(list)
    activities = []
    for template in templates:
        cells[(template.stage_id, template.element)].append(template)
        row = rows.get(template.id)
        activities.append(
            workspace.Activity(
                stage_index=index_of[template.stage_id],
                element=NsabcElement(template.element),
                status=ActivityStatus(row.status if row else "not_started"),
                due_date=row.due_date if row else None,
                id=template.id,
                title=template.title_en,
            )
        )
    current = index_of.get(opportunity.stage_id, 0)
    return Grid(
        stages=list(stages),
        current_index=current,
        cells=cells,
        rows=rows,
        activities=activities,
        health=workspace.element_health(activities, current, today),
        templates={template.id: template for template in templates},
    )


def stage_moves(opportunity_id: int, limit: int = 5) -> list[StageMove]:
    return list(
        db.session.scalars(
            select(StageMove)
            .options(
                joinedload(StageMove.moved_by),
                joinedload(StageMove.from_stage),
                joinedload(StageMove.to_stage),
            )
            .where(StageMove.opportunity_id == opportunity_id)
            .order_by(StageMove.moved_at.desc(), StageMove.id.desc())
            .limit(limit)
        )
    )


# --- the pipeline board ------------------------------------------------------------------


@dataclass
class Board:
    model: StageModel
    stages: list[Stage]
    columns: dict[int, list[Row]]
    totals: dict[int, pipeline.ColumnTotal]
    count: int


def board(
    user,
    model: StageModel,
    *,
    per_column: int,
    expand: int | None = None,
    owner=None,
    account=None,
    procurement_form=None,
    status="open",
) -> Board:
    """The board of every opportunity `user` may see in `model`: always 3 queries.

    Totals (count and sum per currency) cover every card of a column: for a user who sees
    every opportunity, with no filter but the status, read from stage_total (kept by the
    database's triggers, constant however many opportunities there are); otherwise summed
    by the database over the user's scope and filters. Only the first `per_column` cards
    of each column (all of column `expand`) are loaded, as plain rows with their account,
    owner and latest stage move.
    """
    stages = db.session.scalars(
        select(Stage).where(Stage.model_id == model.id).order_by(Stage.position)
    ).all()
    # The model's stages by id (a handful): the totals then read one index, no join.
    stage_ids = [s.id for s in stages]
    filters = []
    if owner:
        filters.append(Opportunity.owner_id == owner)
    if account:
        filters.append(Opportunity.account_id == account)
    if procurement_form:
        filters.append(Opportunity.procurement_form == procurement_form)
    if status:
        filters.append(Opportunity.status == status)
    conditions = [Opportunity.stage_id.in_(stage_ids), opportunity_scope(user), *filters]

    if visible_opportunity_ids(user.role, user.id) is None and not (
        owner or account or procurement_form
    ):
        groups = _stored_totals(stage_ids, status)
    else:
        groups = _summed_totals(conditions)
    totals = pipeline.grouped_column_totals(
        (
            (stage_id, currency, count, None if total is None else Decimal(total).scaleb(-2))
            for stage_id, currency, count, total in groups
        ),
        columns=stage_ids,
    )

    # The first cards of each column, one small LIMIT query per column united into one
    # statement: each walks ix_opportunity_status_stage_deadline (bid deadline, undated
    # last, then id), or for a rep or presales each part of their scope its own index
    # (security.first_in_scope), and stops, instead of ranking every card of the board.
    card_sort = [(Opportunity.bid_deadline, False, True), (Opportunity.id, False)]
    firsts = []
    for stage in stages:
        column = select(Opportunity.bid_deadline, Opportunity.id).where(
            Opportunity.stage_id == stage.id, *filters
        )
        if stage.id == expand:
            first = column.where(opportunity_scope(user))
        else:
            first = first_in_scope(column, user.role, user.id, card_sort, per_column)
        first = first.subquery()
        firsts.append(select(list(first.c)[-1]))  # the id
    shown_ids = union_all(*firsts) if firsts else select(Opportunity.id).where(false())
    latest_move = (
        select(func.max(StageMove.id))
        .where(StageMove.opportunity_id == Opportunity.id)
        .correlate(Opportunity)
        .scalar_subquery()
    )
    card_owner, mover = aliased(User), aliased(User)
    cards = db.session.execute(
        select(
            Opportunity.id,
            Opportunity.stage_id,
            Opportunity.name,
            Opportunity.amount,
            Opportunity.currency,
            Opportunity.procurement_form,
            Opportunity.bid_deadline,
            Opportunity.version,
            Account.name.label("account_name"),
            card_owner.display_name.label("owner_name"),
            StageMove.moved_at,
            StageMove.overridden,
            mover.display_name.label("mover_name"),
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(card_owner, card_owner.id == Opportunity.owner_id)
        .outerjoin(StageMove, StageMove.id == latest_move)
        .outerjoin(mover, mover.id == StageMove.moved_by_id)
        .where(Opportunity.id.in_(shown_ids))
        .order_by(Stage.position, *sort_clauses(card_sort))
    ).all()
    columns: dict[int, list[Row]] = {stage.id: [] for stage in stages}
    for card in cards:
        columns[card.stage_id].append(card)
    return Board(
        model=model,
        stages=list(stages),
        columns=columns,
        totals=totals,
        count=sum(total.count for total in totals.values()),
    )


def _integer_sum(column):
    """SUM of whole numbers, read back as an int on both databases: PostgreSQL's sum of
    bigints is numeric (a Decimal), which the page's plural forms refuse."""
    return cast(func.sum(column), BigInteger)


def _stored_totals(stage_ids: list[int], status: str | None):
    """(stage, currency, count, cents) from stage_total, kept by the database's triggers:
    a few dozen rows however many opportunities there are (one user who sees them all)."""
    return db.session.execute(
        select(
            StageTotal.stage_id,
            StageTotal.currency,
            _integer_sum(StageTotal.cards),
            _integer_sum(StageTotal.cents),
        )
        .where(
            StageTotal.stage_id.in_(stage_ids), *([StageTotal.status == status] if status else [])
        )
        .group_by(StageTotal.stage_id, StageTotal.currency)
        .having(func.sum(StageTotal.cards) > 0)
    ).all()


def _summed_totals(conditions):
    """(stage, currency, count, cents) summed over the opportunities in `conditions` (a
    user's scope, a filter): what a board that is not every opportunity's costs."""
    # Summed in whole cents: SQLite stores amounts as floats, whose sum drifts by cents on
    # large totals (a plain SUM fails the totals test).
    cents = _integer_sum(cast(func.round(Opportunity.amount * 100), BigInteger))
    return db.session.execute(
        # count(*), not count(id): the totals then come from an index-only scan of
        # ix_opportunity_status_stage_totals (status, stage_id, currency, amount).
        select(Opportunity.stage_id, Opportunity.currency, func.count(), cents)
        .where(*conditions)
        .group_by(Opportunity.stage_id, Opportunity.currency)
    ).all()


def board_choices(user):
    """Owners and stage models to filter the board by (2 queries). Accounts are not
    listed (there are thousands): the filter is an autocomplete (accounts.suggest)."""
    owners = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(("rep", "leader", "admin")))
        .order_by(User.display_name)
    ).all()
    models = db.session.scalars(select(StageModel).order_by(StageModel.id)).all()
    return owners, models


# --- decision chain ----------------------------------------------------------------------


def coverage(opportunity: Opportunity, today: date) -> workspace.Coverage:
    return workspace.decision_chain_coverage([_person(s) for s in opportunity.stakeholders], today)


def _person(s: Stakeholder) -> workspace.Stakeholder:
    return workspace.Stakeholder(
        id=s.id,
        name=s.name,
        map_role=s.map_role,
        buying_role=s.buying_role,
        decision_type=s.decision_type,
        influence=s.influence,
        attitude=s.attitude,
        last_contact=s.last_contact,
    )


# --- competition matrix ------------------------------------------------------------------


@dataclass
class Matrix:
    criteria: list[MatrixCriterion]
    entries: list[MatrixCompetitor]
    scores: dict[tuple[int, int], MatrixScore]
    result: workspace.MatrixResult
    available: list[Competitor]

    def standing(self, competitor_id: int):
        return next(s for s in self.result.competitors if s.party_id == competitor_id)

    def row(self, criterion_id: int):
        return next(r for r in self.result.rows if r.criterion_id == criterion_id)


def load_matrix(opportunity_id: int) -> Matrix:
    """Criteria, the competitors in this matrix (deleted ones too: history stays), their
    scores, and the competitors that could still be added (4 queries)."""
    criteria = db.session.scalars(
        select(MatrixCriterion)
        .where(MatrixCriterion.opportunity_id == opportunity_id)
        .order_by(MatrixCriterion.position, MatrixCriterion.id)
    ).all()
    entries = db.session.scalars(
        select(MatrixCompetitor)
        .options(joinedload(MatrixCompetitor.competitor))
        .where(MatrixCompetitor.opportunity_id == opportunity_id)
        .order_by(MatrixCompetitor.position, MatrixCompetitor.id)
    ).all()
    scores = {
        (score.criterion_id, score.competitor_id): score
        for score in db.session.scalars(
            select(MatrixScore).where(MatrixScore.opportunity_id == opportunity_id)
        )
    }
    in_matrix = {entry.competitor_id for entry in entries}
    available = [
        competitor
        for competitor in db.session.scalars(
            select(Competitor).where(Competitor.deleted_at.is_(None)).order_by(Competitor.name)
        )
        if competitor.id not in in_matrix
    ]
    result = workspace.competition_matrix(
        [
            workspace.Criterion(
                id=c.id,
                name=c.name,
                weight=float(c.weight),
                our_score=float(c.our_score),
                competitor_scores={
                    entry.competitor_id: float(scores[(c.id, entry.competitor_id)].score)
                    for entry in entries
                    if (c.id, entry.competitor_id) in scores
                },
            )
            for c in criteria
        ],
        [
            workspace.Competitor(id=entry.competitor_id, name=entry.competitor.name)
            for entry in entries
        ],
    )
    return Matrix(list(criteria), list(entries), scores, result, available)


def competitor_usage() -> dict[int, int]:
    """Competitor id → number of opportunity matrices it appears in."""
    return dict(
        db.session.execute(
            select(MatrixCompetitor.competitor_id, func.count(MatrixCompetitor.id)).group_by(
                MatrixCompetitor.competitor_id
            )
        ).all()
    )


# --- likelihood and account grade -----------------------------------------------------------


def likelihood_of(opportunity_id: int) -> Likelihood | None:
    return db.session.scalars(
        select(Likelihood).where(Likelihood.opportunity_id == opportunity_id)
    ).first()


def account_outlook(user, account_id: int, today: date):
    """Open opportunities of the account that `user` may see, with their likelihood, and
    the grade suggested from them (2 queries)."""
    rows = db.session.execute(
        select(Opportunity, Likelihood.percent)
        .outerjoin(Likelihood, Likelihood.opportunity_id == Opportunity.id)
        .where(
            Opportunity.account_id == account_id,
            Opportunity.status == "open",
            opportunity_scope(user),
        )
        .order_by(Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.id)
    ).all()
    suggestion = pipeline.suggest_grade_for_account(
        [pipeline.OpportunityOutlook(opp.id, opp.close_date, percent) for opp, percent in rows],
        today,
    )
    return rows, suggestion
