"""The leadership bid desk: open bids by deadline with what leadership decides on.

Every figure comes from the bid as every page sees it (portal.bid.truth.bid_states): the
official price-score scenario only (a what-if never reaches the desk), its bid price, and
the bid's disagreements for the health column. The list costs a fixed number of SQL
queries for the bids, their official scenarios, margins (latest revisions, else the live
draft) and approval states, plus one quote read per bid with a pending or approved
approval (to spot a stale one). The price-score position is computed in Python from the
official scenario (proposals.biddesk.price_position).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.bid.truth import BidState, bid_states
from portal.deals.models import Opportunity
from portal.exports.packs import latest_revisions
from portal.extensions import db
from portal.pricescore import inputs
from portal.pricescore.models import PriceScenario
from portal.security import opportunity_scope
from proposals.biddesk import PricePosition, days_left, deadline_order, price_position
from proposals.scoring import validate_scenario

#: Bids in one zip download: each is a full render when not cached.
MAX_ZIP = 20


@dataclass(frozen=True)
class DeskRow:
    opportunity: Opportunity
    stage_name: str
    days_left: int | None
    margin_pct: Decimal | None  # None without a priced quote
    approval: str | None  # state code of the latest approval request; None without one
    scenario: PriceScenario | None  # the official one; None without one
    position: PricePosition | None  # at the bid price; None without one
    bid: BidState | None = None
    margin_frozen: bool = True  # False: read from the live draft, not a frozen revision


@dataclass(frozen=True)
class QuoteMargin:
    """Margin (percent 0–100, unrounded; None for a zero contract value) of a bid's quote;
    `frozen` is False when it comes from the live draft (no revision frozen yet)."""

    pct: Decimal | None
    frozen: bool


def quote_margins(opportunity_ids: Sequence[int]) -> dict[int, QuoteMargin]:
    """Margin of each opportunity's current quote: the recommended option (else the first)
    of its latest revision, a submitted one preferred (packs.latest_revisions: one query);
    without any revision, the same option of its latest proposal's live draft."""
    from proposals.drafting import options_from_snapshot
    from proposals.pricing import quote_totals

    margins: dict[int, QuoteMargin] = {}
    for opportunity_id, revision in latest_revisions(opportunity_ids).items():
        totals = quote_totals(options_from_snapshot(revision.snapshot or {}))
        chosen = totals.recommended or (totals.options[0] if totals.options else None)
        if chosen is not None:
            margins[opportunity_id] = QuoteMargin(chosen.margin_pct, True)
    missing = [i for i in opportunity_ids if i not in margins]
    for opportunity_id, totals in draft_quotes(missing).items():
        chosen = totals.recommended or (totals.options[0] if totals.options else None)
        if chosen is not None:
            margins[opportunity_id] = QuoteMargin(chosen.margin_pct, False)
    return margins


def draft_quotes(opportunity_ids: Sequence[int]) -> dict:
    """The live quote totals (proposals.pricing.QuoteTotals) of each opportunity's latest
    proposal that has options (two queries)."""
    from portal.drafts.models import Proposal, ProposalOption
    from proposals.pricing import quote_totals

    if not opportunity_ids:
        return {}
    latest: dict[int, Proposal] = {}
    for proposal in db.session.scalars(
        select(Proposal)
        .where(Proposal.opportunity_id.in_(list(opportunity_ids)))
        .options(selectinload(Proposal.options).selectinload(ProposalOption.lines))
        .order_by(Proposal.id)
    ):
        if proposal.options:
            latest[proposal.opportunity_id] = proposal
    return {
        opportunity_id: quote_totals(
            [o.as_domain() for o in sorted(p.options, key=lambda o: (o.position, o.id))]
        )
        for opportunity_id, p in latest.items()
    }


def approval_states(opportunity_ids: Sequence[int]) -> dict[int, str]:
    """State code (pending, approved, rejected, withdrawn) of each opportunity's latest
    approval request (one query over the approval rows)."""
    from portal.drafts.models import Approval

    if not opportunity_ids:
        return {}
    states: dict[int, str] = {}
    for opportunity_id, state in db.session.execute(
        select(Approval.opportunity_id, Approval.state)
        .where(Approval.opportunity_id.in_(list(opportunity_ids)))
        .order_by(Approval.id)
    ):
        states[opportunity_id] = state  # the last one wins
    return states


def open_bids(user) -> list[Opportunity]:
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(Opportunity.status == "open", opportunity_scope(user))
            .options(
                joinedload(Opportunity.account),
                joinedload(Opportunity.stage),
                joinedload(Opportunity.owner),
            )
        ).unique()
    )


def _position(scenario: PriceScenario | None) -> PricePosition | None:
    if scenario is None or scenario.chosen_price is None:
        return None
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return None
    return price_position(estimate, scenario.chosen_price, seed=scenario.seed)


def desk_rows(user, today: date, locale: str) -> list[DeskRow]:
    """Open bids `user` may see (reps: their own and their team's; leaders, admins: all),
    nearest bid deadline first."""
    bids = sorted(open_bids(user), key=lambda o: deadline_order(o.bid_deadline, o.name))
    ids = [o.id for o in bids]
    states = bid_states(bids)
    margins = quote_margins(ids)
    approvals = approval_states(ids)
    rows = []
    for o in bids:
        scenario = states[o.id].scenario
        margin = margins.get(o.id)
        rows.append(
            DeskRow(
                o,
                o.stage.name_zh if locale == "zh_CN" else o.stage.name_en,
                days_left(o.bid_deadline, today),
                margin.pct if margin else None,
                approvals.get(o.id),
                scenario,
                _position(scenario),
                states[o.id],
                margin.frozen if margin else True,
            )
        )
    return rows
