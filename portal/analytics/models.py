"""Each closed bid as it stood when its outcome was recorded: one narrow row per bid.

The analytics page groups these rows instead of joining outcomes, opportunities, accounts,
stakeholders, quotes and negotiation rounds on every visit, so it answers in the same few
aggregate queries whether there are a thousand closed bids or a hundred thousand.

Every figure is taken from its owner when the outcome is recorded: discount from list and
margin from the bid's quote (proposals.pricing through portal.bid.truth), decision-maker
coverage as the desk counts it (MAP roles with a supporter, a coach who is not an
opponent), concessions from the negotiation sheet. A later change of the outcome (result,
date, method) refreshes the row; the quote figures stay those of the close.
Percentages are 0–100.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.accounts.models import Account
from portal.deals.models import Opportunity, Stakeholder
from portal.extensions import db
from portal.timeutil import utcnow

MONEY = Numeric(16, 2)
PCT = Numeric(7, 3)


class ClosedBid(db.Model):
    __tablename__ = "closed_bid"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("bid_outcome.id", ondelete="CASCADE"), unique=True
    )
    result: Mapped[str] = mapped_column(String(16))
    closed_on: Mapped[date] = mapped_column(index=True)
    cycle_days: Mapped[int]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    presales_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    procurement_form: Mapped[str] = mapped_column(String(32))
    scoring_method: Mapped[str | None] = mapped_column(String(24))
    grade: Mapped[str] = mapped_column(String(1))
    industry: Mapped[str] = mapped_column(String(120), default="")
    supported_roles: Mapped[int] = mapped_column(default=0)
    has_coach: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    contract_list: Mapped[Decimal | None] = mapped_column(MONEY)
    contract_value: Mapped[Decimal | None] = mapped_column(MONEY)
    margin_pct: Mapped[Decimal | None] = mapped_column(PCT)
    discount_pct: Mapped[Decimal | None] = mapped_column(PCT)
    planned_pct: Mapped[Decimal | None] = mapped_column(PCT)
    conceded_pct: Mapped[Decimal | None] = mapped_column(PCT)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


def _date(moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def take_snapshot(
    session: Session, outcome, opportunity, row: ClosedBid | None = None
) -> ClosedBid:
    """Fill (or refresh) the closed-bid row of ``outcome``. Quote figures are taken only
    when the row has none yet (the quote as it stood at close)."""
    from portal.negotiation.models import NegotiationRoundLog, PlannedConcession

    if row is None:
        row = ClosedBid(opportunity_id=opportunity.id)
    account = session.get(Account, opportunity.account_id)
    row.outcome_id = outcome.id
    row.result = outcome.result
    row.closed_on = outcome.closed_on
    row.cycle_days = max(0, (outcome.closed_on - _date(opportunity.created_at or utcnow())).days)
    row.owner_id = opportunity.owner_id
    row.presales_id = opportunity.presales_id
    row.account_id = opportunity.account_id
    row.procurement_form = opportunity.procurement_form
    row.scoring_method = outcome.scoring_method
    row.grade = account.grade if account is not None else "C"
    row.industry = account.industry if account is not None else ""
    row.currency = opportunity.currency
    # The desk's roll-up (proposals.coverage.chain_rollup): MAP roles with a supporter and
    # a coach who is not an opponent.
    people = session.execute(
        select(Stakeholder.map_role, Stakeholder.buying_role, Stakeholder.attitude).where(
            Stakeholder.opportunity_id == opportunity.id
        )
    ).all()
    row.supported_roles = len({m for m, _b, a in people if m and a == "supporter"})
    row.has_coach = any(b == "coach" and a != "opponent" for _m, b, a in people)
    planned = session.scalar(
        select(func.sum(PlannedConcession.amount)).where(
            PlannedConcession.opportunity_id == opportunity.id,
            PlannedConcession.kind == "discount_pct",
        )
    )
    row.planned_pct = planned
    offers = session.scalars(
        select(NegotiationRoundLog.our_offer)
        .where(NegotiationRoundLog.opportunity_id == opportunity.id)
        .order_by(NegotiationRoundLog.number)
    ).all()
    row.conceded_pct = (
        ((offers[0] - offers[-1]) * 100 / offers[0]).quantize(Decimal("0.001"))
        if offers and offers[0]
        else None
    )
    if row.contract_value is None:
        from portal.bid.truth import bid_state

        totals = bid_state(opportunity).totals
        if totals is not None:
            row.contract_list = totals.contract_list
            row.contract_value = totals.contract_value
            row.margin_pct = totals.margin_pct
            row.discount_pct = totals.discount_pct
    return row


@event.listens_for(Session, "before_flush")
def _note_changed_outcomes(session: Session, _ctx, _instances) -> None:
    """A recorded (or corrected) outcome keeps its closed-bid row in step: note it here,
    take the row once the flush has written everything it reads (stakeholders, rounds)."""
    from portal.outcomes.models import BidOutcome

    due = session.info.setdefault("closed_bids_due", [])
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, BidOutcome) and (obj in session.new or session.is_modified(obj)):
            due.append(obj)


@event.listens_for(Session, "after_flush_postexec")
def _take_closed_bids(session: Session, _ctx) -> None:
    due = session.info.pop("closed_bids_due", None)
    if not due:
        return
    for outcome in due:
        opportunity = session.get(Opportunity, outcome.opportunity_id)
        if opportunity is None:
            continue
        row = session.scalar(select(ClosedBid).where(ClosedBid.opportunity_id == opportunity.id))
        # Added now, written by the flush that commit() runs next.
        session.add(take_snapshot(session, outcome, opportunity, row))


@event.listens_for(Session, "after_rollback")
def _forget_due(session: Session) -> None:
    session.info.pop("closed_bids_due", None)
    session.info.pop("stage_stays_due", None)


class StageStay(db.Model):
    """How long an opportunity stayed in a stage before a move took it on: written with each
    stage move (portal.workspace.models.StageMove), so "median days in stage" is one grouped
    count instead of a window over every move ever made. Whole days; the owner, presales and
    account as they were at the move, for the page's filters."""

    __tablename__ = "stage_stay"

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(
        ForeignKey("stage_move.id", ondelete="CASCADE"), unique=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    left_at: Mapped[datetime] = mapped_column(index=True)
    days: Mapped[int]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    presales_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@event.listens_for(Session, "before_flush")
def _note_stage_moves(session: Session, _ctx, _instances) -> None:
    from portal.workspace.models import StageMove

    moves = [m for m in session.new if isinstance(m, StageMove)]
    if moves:
        session.info.setdefault("stage_stays_due", []).extend(moves)


@event.listens_for(Session, "after_flush_postexec")
def _take_stage_stays(session: Session, _ctx) -> None:
    from portal.workspace.models import StageMove

    moves = session.info.pop("stage_stays_due", None)
    for move in moves or ():
        opportunity = session.get(Opportunity, move.opportunity_id)
        if opportunity is None or move.id is None:
            continue
        entered = session.scalar(
            select(func.max(StageMove.moved_at)).where(
                StageMove.opportunity_id == move.opportunity_id,
                StageMove.moved_at <= move.moved_at,
                StageMove.id != move.id,
            )
        )
        entered = entered or opportunity.created_at or move.moved_at
        left = move.moved_at or utcnow()
        session.add(
            StageStay(
                move_id=move.id,
                opportunity_id=opportunity.id,
                stage_id=move.from_stage_id,
                left_at=left,
                days=max(0, (_aware(left) - _aware(entered)).days),
                owner_id=opportunity.owner_id,
                presales_id=opportunity.presales_id,
                account_id=opportunity.account_id,
            )
        )
