"""Each rival's bids across closed tenders, read from the recorded outcomes.

Rows → proposals.rival_history.PastBid; the ratios and the summary are computed there.
One query per page (or per set of rivals), whatever the number of outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, select

from portal.deals.models import Opportunity
from portal.extensions import db
from portal.outcomes.models import BidOutcome, OutcomeBidder
from portal.security import opportunity_scope
from proposals.rival_history import HistorySummary, PastBid, summarise, usable_ratios


@dataclass(frozen=True)
class HistoryRow:
    bid: PastBid
    currency: str
    # None when the reader may not see the opportunity: the figures still count.
    opportunity_name: str | None
    account_name: str | None


@dataclass(frozen=True)
class RivalHistory:
    rows: list[HistoryRow]
    summary: HistorySummary


def _statement(competitor_ids):
    return (
        select(OutcomeBidder, BidOutcome, Opportunity)
        .join(BidOutcome, BidOutcome.id == OutcomeBidder.outcome_id)
        .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
        .where(OutcomeBidder.competitor_id.in_(list(competitor_ids)))
        .order_by(BidOutcome.closed_on, BidOutcome.id)
    )


def _past_bid(bidder: OutcomeBidder, outcome: BidOutcome) -> PastBid:
    return PastBid(
        opportunity_id=outcome.opportunity_id,
        closed_on=outcome.closed_on,
        price=bidder.price,
        control_price=outcome.control_price,
        budget=outcome.budget,
        our_price=outcome.our_price,
        scoring_method=outcome.scoring_method,
        price_weight=outcome.price_weight,
        result=outcome.result,
        rank=bidder.rank,
        won_by_rival=outcome.winner_competitor_id == bidder.competitor_id,
    )


def rival_history(competitor_id: int, user) -> RivalHistory:
    """The rival's recorded bids, oldest first, for ``user`` (names of opportunities the
    user may not see are withheld)."""
    from portal.accounts.models import Account

    stmt = (
        _statement([competitor_id])
        .add_columns(
            case((opportunity_scope(user), True), else_=False).label("visible"),
            Account.name,
        )
        .join(Account, Account.id == Opportunity.account_id)
    )
    rows = []
    for bidder, outcome, opportunity, visible, account_name in db.session.execute(stmt):
        rows.append(
            HistoryRow(
                _past_bid(bidder, outcome),
                opportunity.currency,
                opportunity.name if visible else None,
                account_name if visible else None,
            )
        )
    return RivalHistory(rows, summarise([r.bid for r in rows]))


def past_ratios(competitor_ids: Iterable[int]) -> dict[int, tuple[float, ...]]:
    """Each rival's past bids as ratios to the control price (or budget), oldest first:
    what a history-based price model replays. Rivals without history are absent."""
    ids = list(competitor_ids)
    if not ids:
        return {}
    bids: dict[int, list[PastBid]] = {}
    for bidder, outcome, _opportunity in db.session.execute(_statement(ids)):
        bids.setdefault(bidder.competitor_id, []).append(_past_bid(bidder, outcome))
    return {cid: usable_ratios(found) for cid, found in bids.items() if usable_ratios(found)}
