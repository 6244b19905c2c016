"""What the leadership bid desk and the bid pack say about a bid, as pure functions.

No Flask, no database: the portal maps its rows onto these inputs. Units: prices in
currency units (Decimal in, float inside the simulation as in :mod:`proposals.bidvalue`),
probabilities as fractions 0–1, ranks from 1 (first place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from proposals.bidvalue import OUR_NAME, likely_bids, our_sheet
from proposals.scoring import Scenario, draw_bids, evaluate_draws

#: The simulation size and the price-score page's (portal/pricescore: TRIALS), so the desk
#: shows the same P(win) as the scenario page for the same seed.
DESK_TRIALS = 2000


@dataclass(frozen=True)
class PricePosition:
    """Where our bid stands at `price`: `p_win` (0–1) over simulated competitor fields,
    `expected_rank` over the same draws, and `rank` at everyone's most likely values
    (None when our bid is out, e.g. above the ceiling or rejected as abnormally low)."""

    price: Decimal
    p_win: float
    expected_rank: float
    rank: int | None
    bidders: int


def price_position(
    scenario: Scenario, price: Decimal, trials: int = DESK_TRIALS, seed: int | None = 0
) -> PricePosition:
    """Our P(win), expected rank and likely rank at one bid price (cheaper than the whole
    strategy report: one price, no grid, no sensitivity)."""
    chosen = float(price)
    p_win, expected_rank = evaluate_draws(
        scenario.rules, draw_bids(scenario, trials, seed), [chosen]
    )
    bids = likely_bids(scenario)
    sheet = our_sheet(scenario, Decimal(str(chosen)), bids)
    return PricePosition(
        Decimal(price),
        float(p_win[0]),
        float(expected_rank[0]),
        sheet.by_name(OUR_NAME).rank,
        1 + len(bids),
    )


def deadline_order(deadline: date | None, name: str) -> tuple:
    """Sort key for open bids: nearest bid deadline first, bids without one last, then name."""
    return (deadline is None, deadline or date.max, name.casefold())


def days_left(deadline: date | None, today: date) -> int | None:
    """Whole days from `today` to the deadline (negative once it has passed)."""
    return None if deadline is None else (deadline - today).days
