"""A rival's bids across closed tenders, and the price model its history gives.

Pure functions over plain values. A past bid is compared with two references:

- the buyer's control price (最高限价), or the budget when no control price was published:
  ``bid ÷ reference`` (0.93: the rival bid 7 % under the control price);
- our own price on the same tender: ``bid ÷ our price`` (1.04: 4 % above us).

Ratios are Decimals rounded to 4 places; None when either figure is missing or the
reference is not positive. The history-based price model replays the rival's ratios to
the control price against this tender's control price (an empirical distribution: each
past ratio equally likely), and only when it rests on at least ``MIN_PAST_BIDS`` bids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from proposals.scoring import Empirical, PriceModel

#: Fewest past bids a history-based price model may rest on; below it, typed ranges only.
MIN_PAST_BIDS = 3

_RATIO_PLACES = Decimal("0.0001")


def ratio(price: Decimal | None, reference: Decimal | None) -> Decimal | None:
    """``price ÷ reference`` to 4 places (half up), or None when either is missing or the
    reference is zero or negative."""
    if price is None or reference is None or reference <= 0:
        return None
    return (Decimal(price) / Decimal(reference)).quantize(_RATIO_PLACES, ROUND_HALF_UP)


def reference_price(control_price: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """What a bid is measured against: the control price, else the budget, else None."""
    if control_price is not None and control_price > 0:
        return control_price
    if budget is not None and budget > 0:
        return budget
    return None


@dataclass(frozen=True)
class PastBid:
    """One bid of the rival on a closed tender (money in that tender's currency units;
    ``price_weight`` in points out of 100)."""

    opportunity_id: int
    closed_on: date
    price: Decimal | None
    control_price: Decimal | None
    budget: Decimal | None
    our_price: Decimal | None
    scoring_method: str | None = None
    price_weight: Decimal | None = None
    result: str = ""  # the tender's result for us: won / lost / abandoned / no_decision
    rank: int | None = None
    won_by_rival: bool = False  # this rival was awarded the tender

    @property
    def to_reference(self) -> Decimal | None:
        return ratio(self.price, reference_price(self.control_price, self.budget))

    @property
    def reference_kind(self) -> str | None:
        """ "control" or "budget": which figure ``to_reference`` divides by."""
        if self.control_price is not None and self.control_price > 0:
            return "control"
        if self.budget is not None and self.budget > 0:
            return "budget"
        return None

    @property
    def to_ours(self) -> Decimal | None:
        return ratio(self.price, self.our_price)


@dataclass(frozen=True)
class HistorySummary:
    """The rival's record: bids counted, bids usable for the price model (with a ratio to
    a control price or budget), and the ratio's median and 10th/90th percentiles."""

    bids: int
    usable: int
    median: Decimal | None
    p10: Decimal | None
    p90: Decimal | None
    wins: int

    @property
    def enough(self) -> bool:
        return self.usable >= MIN_PAST_BIDS


def usable_ratios(bids: Iterable[PastBid]) -> tuple[float, ...]:
    """The ratios to the control price (or budget) of the bids that have one, oldest
    first (the order bids are given in is kept)."""
    return tuple(float(b.to_reference) for b in bids if b.to_reference is not None)


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) with linear interpolation between order statistics
    (Hyndman–Fan type 7, numpy's default): q=0 is the smallest, q=1 the largest, the
    median of an even count is the midpoint. Raises ValueError on no values or q outside
    0–1."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 1:
        raise ValueError("q outside 0–1")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = int(np.floor(position))
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _dec(x: float) -> Decimal:
    return Decimal(str(x)).quantize(_RATIO_PLACES, ROUND_HALF_UP)


def summarise(bids: Sequence[PastBid]) -> HistorySummary:
    ratios = usable_ratios(bids)
    return HistorySummary(
        bids=len(bids),
        usable=len(ratios),
        median=_dec(quantile(ratios, 0.5)) if ratios else None,
        p10=_dec(quantile(ratios, 0.1)) if ratios else None,
        p90=_dec(quantile(ratios, 0.9)) if ratios else None,
        wins=sum(1 for b in bids if b.won_by_rival),
    )


def history_model(ratios: Sequence[float], control_price: float) -> Empirical | None:
    """The rival's price on a tender with this ``control_price`` (currency units): its
    past ratios to the control price, each equally likely, times this control price.
    None when fewer than ``MIN_PAST_BIDS`` ratios or no positive control price."""
    if len(ratios) < MIN_PAST_BIDS or not control_price or control_price <= 0:
        return None
    # Empirical scales its ratios by one figure; here that figure is the control price.
    return Empirical(tuple(float(r) for r in ratios), float(control_price))


def price_band(model: PriceModel, low: float = 0.1, high: float = 0.9) -> tuple[float, float]:
    """The ``low``–``high`` quantile band of a rival price model (currency units): 0.1 and
    0.9 give the 80 % band the calibration checks real prices against. Triangular, normal
    and lognormal models use their inverse CDF; an empirical one its type-7 quantiles."""
    if isinstance(model, Empirical):
        prices = [r * model.cost for r in model.ratios]
        return quantile(prices, low), quantile(prices, high)
    values = model.sample(np.array([low, high], dtype=float))
    return float(values[0]), float(values[1])


def scenario_control_price(ceiling, rules_control_price) -> Decimal | None:
    """The buyer's control price of a tender as a scenario holds it: the control price
    typed in the benchmark rules when set, else the budget ceiling (最高限价), as the
    engine reads them; None when neither is a positive number. History-based price models
    scale to this figure."""
    for value in (rules_control_price, ceiling):
        if value is None or value == "":
            continue
        try:
            figure = Decimal(str(value))
        except ArithmeticError:
            continue
        if figure.is_finite() and figure > 0:
            return figure
    return None
