"""The leadership bid desk: open bids by deadline with what leadership decides on.

The list costs a fixed number of SQL queries whatever the number of bids: one for the
opportunities (account, stage and owner joined), two for the price-score scenarios and
their competitors, and one each for margins (latest revisions) and approval states (see
`quote_margins` / `approval_states`). The price-score position is computed in Python from
the loaded scenarios (proposals.biddesk.price_position).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.deals.models import Opportunity
from portal.exports.packs import latest_revisions, load_scenarios, pick_scenario
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
    margin_pct: Decimal | None  # None without a revision with a priced quote
    approval: str | None  # state code of the latest approval request; None without one
    scenario: PriceScenario | None
    position: PricePosition | None  # at the chosen price; None without one


def quote_margins(opportunity_ids: Sequence[int]) -> dict[int, Decimal | None]:
    """Margin (percent, 0–100, unrounded; None for a zero contract value) of each
    opportunity's current quote: the recommended option (else the first) of its latest
    revision, a submitted one preferred (packs.latest_revisions: one query)."""
    from proposals.drafting import options_from_snapshot
    from proposals.pricing import quote_totals

    margins: dict[int, Decimal | None] = {}
    for opportunity_id, revision in latest_revisions(opportunity_ids).items():
        totals = quote_totals(options_from_snapshot(revision.snapshot or {}))
        chosen = totals.recommended or (totals.options[0] if totals.options else None)
        if chosen is not None:
            margins[opportunity_id] = chosen.margin_pct
    return margins


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
    scenarios = load_scenarios(ids)
    margins = quote_margins(ids)
    approvals = approval_states(ids)
    rows = []
    for o in bids:
        scenario = pick_scenario(scenarios[o.id])
        rows.append(
            DeskRow(
                o,
                o.stage.name_zh if locale == "zh_CN" else o.stage.name_en,
                days_left(o.bid_deadline, today),
                margins.get(o.id),
                approvals.get(o.id),
                scenario,
                _position(scenario),
            )
        )
    return rows
