"""The quote figures of a bid as they stood when its outcome was recorded.

Discount from list and margin are computed by their one owner (proposals.pricing through
portal.bid.truth) once, at close, and kept here; the analytics page reads them with one
aggregate query instead of pricing every closed quote again on each visit.
Percentages are 0–100 as proposals.pricing.OptionTotals holds them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.deals.models import Opportunity
from portal.extensions import db
from portal.timeutil import utcnow

MONEY = Numeric(16, 2)
PCT = Numeric(7, 3)


class OutcomeQuote(db.Model):
    __tablename__ = "outcome_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    contract_list: Mapped[Decimal] = mapped_column(MONEY)
    contract_value: Mapped[Decimal] = mapped_column(MONEY)
    margin_pct: Mapped[Decimal | None] = mapped_column(PCT)
    discount_pct: Mapped[Decimal | None] = mapped_column(PCT)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


def quote_figures(opportunity) -> OutcomeQuote | None:
    """The bid's quote figures now, from their owner (portal.bid.truth → proposals.pricing),
    or None when the bid has no priced quote linked to its official scenario."""
    from portal.bid.truth import bid_state

    totals = bid_state(opportunity).totals
    if totals is None:
        return None
    return OutcomeQuote(
        opportunity_id=opportunity.id,
        currency=opportunity.currency,
        contract_list=totals.contract_list,
        contract_value=totals.contract_value,
        margin_pct=totals.margin_pct,
        discount_pct=totals.discount_pct,
    )


@event.listens_for(Session, "before_flush")
def _take_quote_figures(session: Session, _ctx, _instances) -> None:
    """When an outcome is first recorded, keep the quote figures as they stand (the quote
    may be edited later; the analytics compare what was offered at close)."""
    from portal.outcomes.models import BidOutcome

    new = [o for o in session.new if isinstance(o, BidOutcome)]
    if not new:
        return
    pending = {q.opportunity_id for q in session.new if isinstance(q, OutcomeQuote)}
    for outcome in new:
        opportunity = outcome.opportunity
        if opportunity is None and outcome.opportunity_id is not None:
            opportunity = session.get(Opportunity, outcome.opportunity_id)
        if opportunity is None or opportunity.id is None or opportunity.id in pending:
            continue
        taken = session.scalar(
            select(OutcomeQuote.id).where(OutcomeQuote.opportunity_id == opportunity.id)
        )
        if taken is None:
            figures = quote_figures(opportunity)
            if figures is not None:
                session.add(figures)
