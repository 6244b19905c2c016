"""The leadership bid desk: open bids by deadline with what leadership decides on.

The list costs a fixed number of SQL queries whatever the number of bids: one for the
opportunities (account, stage and owner joined), two for the price-score scenarios and
their competitors, and one each for margins and approval states once those exist (see
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
from portal.exports.packs import load_scenarios, pick_scenario
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
    margin_pct: Decimal | None  # None until quotes exist (proposal drafts)
    approval: str | None  # None until approvals exist (proposal drafts)
    scenario: PriceScenario | None
    position: PricePosition | None  # at the chosen price; None without one


def quote_margins(opportunity_ids: Sequence[int]) -> dict[int, Decimal]:
    """Margin (percent, 0–100) of each opportunity's current quote: empty until proposal
    drafts exist. After that merge: one query over the latest revision's quote per id."""
    return {}


def approval_states(opportunity_ids: Sequence[int]) -> dict[int, str]:
    """Approval state of each opportunity's current quote (e.g. pending, approved): empty
    until proposal drafts exist. After that merge: one query over the approval rows."""
    return {}


def open_bids(user) -> list[Opportunity]:
    return list(db.session.scalars(
        select(Opportunity)
        .where(Opportunity.status == "open", opportunity_scope(user))
        .options(joinedload(Opportunity.account), joinedload(Opportunity.stage),
                 joinedload(Opportunity.owner))
    ).unique())


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
        rows.append(DeskRow(
            o,
            o.stage.name_zh if locale == "zh_CN" else o.stage.name_en,
            days_left(o.bid_deadline, today),
            margins.get(o.id),
            approvals.get(o.id),
            scenario,
            _position(scenario),
        ))
    return rows
