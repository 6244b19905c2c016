"""Recording the outcome of a bid: the one place that writes outcomes and closes the deal.

Callers commit. The prediction snapshot (method, price weight, P(win) at the submitted
price, each rival's 80 % band) comes from portal.bid.truth when the outcome is first
recorded and is kept as it was on later edits, so the record says what the portal
predicted before the result was known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.bid import service as bid_service
from portal.bid import truth
from portal.extensions import db
from portal.outcomes import labels
from portal.outcomes.models import BidOutcome, OutcomeBidder
from portal.timeutil import utcnow
from portal.workspace.models import Competitor
from proposals.outcomes import status_for


@dataclass
class BidderInput:
    """One row of the bidders table as confirmed by the rep (money in currency units)."""

    name: str
    is_us: bool = False
    competitor_id: int | None = None
    price: Decimal | None = None
    tech_score: Decimal | None = None
    price_score: Decimal | None = None
    total_score: Decimal | None = None
    rank: int | None = None
    winner: bool = False


@dataclass
class OutcomeInput:
    result: str
    reason_code: str
    reason_text: str
    closed_on: date
    our_price: Decimal | None
    control_price: Decimal | None
    budget: Decimal | None


def outcome_of(opportunity_id: int) -> BidOutcome | None:
    return db.session.scalars(
        select(BidOutcome)
        .where(BidOutcome.opportunity_id == opportunity_id)
        .options(selectinload(BidOutcome.bidders).joinedload(OutcomeBidder.competitor))
    ).first()


def starting_figures(opportunity_id: int) -> dict:
    """What a new outcome form starts from: the bid price and the buyer's control price
    the official scenario holds (real figures of this bid, never invented)."""
    prediction = truth.official_prediction(opportunity_id)
    if prediction is None:
        return {}
    return {"our_price": prediction.price, "control_price": prediction.control_price}


def rival_for(opportunity_id: int, row: BidderInput) -> Competitor:
    """The shared competitor record of a bidder row: the one picked, else the one of that
    name (created if new), put on the opportunity's rival list either way."""
    competitor = db.session.get(Competitor, row.competitor_id) if row.competitor_id else None
    if competitor is None:
        competitor = bid_service.competitor_named(row.name)
    bid_service.add_rival(opportunity_id, competitor)
    return competitor


def record(opportunity, outcome: BidOutcome | None, data: OutcomeInput, rows: list[BidderInput]):
    """Create or update the opportunity's outcome with its bidders and close the
    opportunity with the status the result implies. Returns the outcome."""
    now = utcnow()
    if outcome is None:
        prediction = truth.official_prediction(opportunity.id, data.our_price)
        outcome = BidOutcome(
            opportunity_id=opportunity.id,
            recorded_by_id=current_user.id,
            recorded_at=now,
        )
        if prediction is not None:
            outcome.scoring_method = prediction.method
            outcome.price_weight = prediction.price_weight
            outcome.predicted_p_win = prediction.p_win
        bands = prediction.bands if prediction is not None else {}
        db.session.add(outcome)
    else:
        bands = {
            b.competitor_id: (b.predicted_p10, b.predicted_p90)
            for b in outcome.bidders
            if b.competitor_id is not None and b.predicted_p10 is not None
        }
    outcome.result = data.result
    outcome.reason_code = data.reason_code
    outcome.reason_text = data.reason_text
    outcome.closed_on = data.closed_on
    outcome.our_price = data.our_price
    outcome.control_price = data.control_price
    outcome.budget = data.budget
    outcome.updated_by_id = current_user.id
    outcome.updated_at = now

    outcome.bidders.clear()
    db.session.flush()
    winner_id = None
    for row in rows:
        competitor = None if row.is_us else rival_for(opportunity.id, row)
        band = bands.get(competitor.id) if competitor is not None else None
        outcome.bidders.append(
            OutcomeBidder(
                competitor_id=competitor.id if competitor is not None else None,
                is_us=row.is_us,
                name_as_published=row.name,
                price=row.price,
                tech_score=row.tech_score,
                price_score=row.price_score,
                total_score=row.total_score,
                rank=row.rank,
                predicted_p10=band[0] if band else None,
                predicted_p90=band[1] if band else None,
            )
        )
        if row.winner and competitor is not None:
            winner_id = competitor.id
    outcome.winner_competitor_id = None if data.result == "won" else winner_id

    opportunity.status = status_for(data.result)
    # The deal's own "why" follows the outcome (the deal form asks for one when lost).
    opportunity.status_reason = data.reason_text or str(labels.REASONS[data.reason_code])
    opportunity.close_date = data.closed_on
    opportunity.updated_by_id = current_user.id
    db.session.flush()
    return outcome
