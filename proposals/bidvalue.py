"""What a bid price is worth: the strategy report behind the price-score page, and what a
price change (a discount) buys in points, rank and chance of winning.

Built on :mod:`proposals.scoring`; pure Python + NumPy, no Flask. Units as there: prices
in currency units (``Decimal`` or float in, float inside the simulation), points out of
100, probabilities as fractions 0–1 (shown as percent only in the text).

"Likely" values: the deterministic view takes every range at its most likely value
(our technical score, each competitor's price and technical score) and K at
:meth:`Benchmark.deterministic_k`, which is exactly the simulation with zero-width ranges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from proposals.scoring import (
    Bid,
    Draws,
    RankFlip,
    Scenario,
    ScoreSheet,
    ScoringRules,
    StrategyResult,
    draw_bids,
    evaluate_draws,
    price_points_array,
    rank_flip_prices,
    round_points,
    score_bids,
    simulate_strategy,
    weight_sensitivity,
)

OUR_NAME = "__us__"  # our row in score sheets; templates show it as "Our bid"
SENSITIVITY_WEIGHTS = tuple(range(10, 65, 5))


def likely_bids(scenario: Scenario) -> list[Bid]:
    """Each competitor at its most likely price and technical score."""
    return [
        Bid(c.name, c.price.likely, c.tech.likely, c.sme_deduction, c.preference_margin)
        for c in scenario.competitors
    ]


def our_sheet(
    scenario: Scenario, price: Decimal, bids: Sequence[Bid], rules: ScoringRules | None = None
) -> ScoreSheet:
    """The score sheet with our bid at ``price`` (with our own price adjustments) and
    ``bids`` (usually :func:`likely_bids`)."""
    return score_bids(
        scenario.rules if rules is None else rules,
        price,
        scenario.our_tech.likely,
        bids,
        our_name=OUR_NAME,
        our_sme_deduction=scenario.our_sme_deduction,
        our_preference_margin=scenario.our_preference_margin,
    )


def candidate_grid(low: float, high: float, steps: int) -> np.ndarray:
    """``steps`` evenly spaced candidate prices from ``low`` to ``high`` inclusive, each
    rounded to a tenth of the step's order of magnitude (a step of 64,407 gives prices on
    whole thousands), so the table reads like prices a rep would bid. Ends stay exact."""
    low, high, steps = float(low), float(high), int(steps)
    grid = np.linspace(low, high, steps)
    if steps > 2 and high > low:
        step = (high - low) / (steps - 1)
        unit = 10.0 ** max(0, math.floor(math.log10(step)) - 1)
        grid[1:-1] = np.round(grid[1:-1] / unit) * unit
    return np.unique(np.round(grid, 2))


def _likely_draws(scenario: Scenario) -> Draws:
    comps = scenario.competitors
    return Draws(
        comp_prices=np.array([[c.price.likely for c in comps]], dtype=float).reshape(1, len(comps)),
        comp_tech=np.array([[c.tech.likely for c in comps]], dtype=float).reshape(1, len(comps)),
        our_tech=np.array([scenario.our_tech.likely], dtype=float),
        k=np.array([scenario.rules.benchmark.deterministic_k()]),
        factors=draw_bids(scenario, 0).factors,
    )


@dataclass(frozen=True)
class PricePoint:
    """One candidate price: simulated odds and margin, and the deterministic view at the
    likely values (our price points, total and rank; None when our bid is rejected)."""

    price: float
    p_win: float
    expected_rank: float
    expected_margin: float
    points: float | None
    total: float | None
    rank: int | None


@dataclass(frozen=True, eq=False)
class StrategyReport:
    scenario: Scenario
    chosen_price: float
    result: StrategyResult
    rows: tuple[PricePoint, ...]
    sheet: ScoreSheet  # every bidder at the likely values, us at the chosen price
    flips: tuple[RankFlip, ...]
    sensitivity: tuple[tuple[float, float], ...]  # (price weight, P(win) at the chosen price)
    p_win_chosen: float
    expected_rank_chosen: float
    margin_chosen: float

    @property
    def our_row(self):
        return self.sheet.by_name(OUR_NAME)

    def row_at(self, price: float) -> PricePoint:
        return min(self.rows, key=lambda r: abs(r.price - price))


def deterministic_rows(scenario: Scenario, prices: np.ndarray) -> list[tuple]:
    """(points, total, rank) for our bid at each price, competitors at likely values."""
    rules = scenario.rules
    comps = scenario.competitors
    matrix = np.empty((len(prices), 1 + len(comps)))
    matrix[:, 0] = prices
    matrix[:, 1:] = [c.price.likely for c in comps]
    tech = np.array([scenario.our_tech.likely, *(c.tech.likely for c in comps)], dtype=float)
    factor = np.array([scenario.our_factor(), *(c.factor() for c in comps)], dtype=float)
    points, _status = price_points_array(rules, matrix, tech=tech, factor=factor)
    _, ranks = evaluate_draws(rules, _likely_draws(scenario), prices)
    out = []
    for i in range(len(prices)):
        pts = points[i, 0]
        if np.isnan(pts):
            out.append((None, None, None))
            continue
        total = float(
            round_points(Decimal(str(pts)) + Decimal(str(scenario.our_tech.likely)), rules.decimals)
        )
        out.append((float(pts), total, int(round(ranks[i]))))
    return out


def strategy_report(
    scenario: Scenario,
    prices: Sequence[float] | np.ndarray,
    chosen_price: float,
    trials: int = 2000,
    seed: int | None = 0,
    weights: Sequence[float] = SENSITIVITY_WEIGHTS,
) -> StrategyReport:
    """Everything the strategy page shows for one scenario, at one chosen price.

    The simulation, the chosen price's odds and the weight sensitivity use the same seed,
    so they describe the same drawn competitor fields. Rank flips are searched over the
    candidate price range.
    """
    grid = np.asarray(prices, dtype=float)
    result = simulate_strategy(scenario, grid, trials=trials, seed=seed)
    det = deterministic_rows(scenario, grid)
    rows = tuple(
        PricePoint(float(p), float(w), float(r), float(m), *d)
        for p, w, r, m, d in zip(
            grid, result.p_win, result.expected_rank, result.expected_margin, det, strict=True
        )
    )
    chosen = float(chosen_price)
    p_win, exp_rank = evaluate_draws(scenario.rules, draw_bids(scenario, trials, seed), [chosen])
    bids = likely_bids(scenario)
    sheet = our_sheet(scenario, Decimal(str(chosen)), bids)
    flips = rank_flip_prices(
        scenario.rules,
        chosen,
        scenario.our_tech.likely,
        bids,
        price_range=(float(grid.min()), float(grid.max())),
        steps=241,
        our_factor=scenario.our_factor(),
    )
    sensitivity = weight_sensitivity(scenario, chosen, weights, trials=trials, seed=seed)
    return StrategyReport(
        scenario,
        chosen,
        result,
        rows,
        sheet,
        flips,
        sensitivity,
        float(p_win[0]),
        float(exp_rank[0]),
        float(p_win[0]) * (chosen - scenario.our_cost),
    )


# --------------------------------------------------------------------------- discounts


@dataclass(frozen=True)
class DiscountEffect:
    """Our bid at two prices, competitors at their likely values (points, rank) and over
    the same simulated trials (P(win), a fraction 0–1). Points and rank are None when our
    bid is rejected at that price (e.g. above the ceiling)."""

    price_before: Decimal
    price_after: Decimal
    points_before: Decimal | None
    points_after: Decimal | None
    rank_before: int | None
    rank_after: int | None
    p_win_before: float
    p_win_after: float

    @property
    def points_change(self) -> Decimal | None:
        if self.points_before is None or self.points_after is None:
            return None
        return self.points_after - self.points_before

    def text(self, locale: str = "en") -> str:
        """ "+3.2 price points, rank 2 → 1, P(win) 38% → 61%" (or its Chinese wording)."""
        zh = locale == "zh_CN"
        change = self.points_change
        if change is None:
            pts = "价格分无法比较（报价无效）" if zh else "price points n/a (bid rejected)"
        else:
            shown = _signed(change)
            pts = f"价格分{shown}分" if zh else f"{shown} price points"
        out = "无效" if zh else "out"
        r0 = out if self.rank_before is None else str(self.rank_before)
        r1 = out if self.rank_after is None else str(self.rank_after)
        w0, w1 = f"{self.p_win_before:.0%}", f"{self.p_win_after:.0%}"
        if zh:
            return f"{pts}，排名 {r0} → {r1}，中标概率 {w0} → {w1}"
        return f"{pts}, rank {r0} → {r1}, P(win) {w0} → {w1}"

    def __str__(self) -> str:
        return self.text("en")


def _signed(x: Decimal) -> str:
    """+3.2 / −0.75 / ±0: sign always shown, trailing zeros dropped."""
    if x == 0:
        return "±0"
    digits = format(abs(x).normalize(), "f")
    return ("+" if x > 0 else "−") + digits


def what_discount_buys(
    rules: ScoringRules,
    scenario: Scenario,
    price_before,
    price_after,
    trials: int = 2000,
    seed: int | None = 0,
) -> DiscountEffect:
    """What moving our bid from ``price_before`` to ``price_after`` buys.

    ``rules`` replaces the scenario's rules (pass ``scenario.rules`` to keep them), so a
    leader can ask the same question under the rules the buyer finally published.
    Both prices face the same drawn trials, so the P(win) difference is the price's effect,
    not sampling noise.
    """
    scenario = replace(scenario, rules=rules)
    before, after = Decimal(str(price_before)), Decimal(str(price_after))
    bids = likely_bids(scenario)
    rows = [our_sheet(scenario, p, bids, rules).by_name(OUR_NAME) for p in (before, after)]
    p_win, _ = evaluate_draws(
        rules, draw_bids(scenario, trials, seed), [float(before), float(after)]
    )
    return DiscountEffect(
        before,
        after,
        rows[0].price_points,
        rows[1].price_points,
        rows[0].rank,
        rows[1].rank,
        float(p_win[0]),
        float(p_win[1]),
    )
