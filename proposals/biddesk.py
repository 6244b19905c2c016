"""What the leadership bid desk and the bid pack say about a bid, as pure functions.

No Flask, no database: the portal maps its rows onto these inputs. Units: prices in
currency units (Decimal in, float inside the simulation as in :mod:`proposals.bidvalue`),
probabilities as fractions 0–1, ranks from 1 (first place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
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


#: Deadline windows of the desk filter: code → days ahead of today (None: no upper bound).
DEADLINE_WINDOWS = ("overdue", "7", "30", "90", "undated")


def deadline_bounds(window: str, today: date) -> tuple[date | None, date | None]:
    """The bid-deadline range (inclusive dates; None: open) a desk window code stands for:
    "overdue" is before today; "7"/"30"/"90" are today up to that many days ahead (the
    deadline day itself counts as still open); "undated" has no range (bids without a
    deadline: the caller tests for a missing date). An unknown code raises ValueError."""
    if window == "overdue":
        return None, today - timedelta(days=1)
    if window in ("7", "30", "90"):
        return today, today + timedelta(days=int(window))
    if window == "undated":
        return None, None
    raise ValueError(window)
