"""Procurement-criteria planner: which price weight, benchmark method and abnormal-low rule
should we ask the buyer for?

For every price weight (points, 10–60 step 5) × benchmark method × abnormal-low rule on/off,
our price is re-optimised over the candidate grid (the price with the best expected margin)
and the cell keeps that price, our P(win) there (fraction 0–1), the best P(win) at any price
and the expected margin (currency units, P(win) × (price − cost)). All cells face the same
drawn competitor fields (common random numbers), so differences between cells are the
rules', not sampling noise.

The recommendation applies the sales method's rule (a strong position argues for a low
price weight and a method that does not reward the cheapest bid; a weak one for the
opposite), with "strong" and "weak" read from our lead in the competition matrix (our
weighted total minus the best rival's, points out of 100), and picks the cell with the best
expected margin among the cells that rule allows.

No Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from proposals.scoring import (
    METHODS,
    AbnormalLow,
    Method,
    Scenario,
    draw_bids,
    evaluate_draws,
    reweighted,
)

PLANNER_WEIGHTS: tuple[float, ...] = tuple(float(w) for w in range(10, 65, 5))
# Methods that do not reward the cheapest bid: the benchmark sits at an average, so a bid
# far below it loses points.
NOT_CHEAPEST: tuple[Method, ...] = ("average", "trimmed", "composite")
CHEAPEST: tuple[Method, ...] = ("lowest", "linear")
# |lead| below this many points (of 100) in the competition matrix counts as "even".
EVEN_BAND = 5.0
DEFAULT_ABNORMAL_LOW = AbnormalLow(0.8, "average", "zero")


@dataclass(frozen=True)
class PlanCell:
    """One combination of rules and our best answer to it (see the module docstring)."""

    weight: float
    method: Method
    abnormal_low: bool
    price: float  # currency units: our price with the best expected margin
    p_win: float  # at that price
    best_p_win: float  # at any price of the grid
    expected_margin: float  # currency units, at that price


@dataclass(frozen=True)
class CriteriaPlan:
    cells: tuple[PlanCell, ...]
    weights: tuple[float, ...]
    methods: tuple[Method, ...]
    current: tuple[float, Method, bool]  # the scenario's own weight, method, rule on/off
    trials: int
    prices: int

    def cell(self, weight: float, method: str, abnormal_low: bool) -> PlanCell:
        return next(
            c
            for c in self.cells
            if c.weight == weight and c.method == method and c.abnormal_low == abnormal_low
        )

    @property
    def current_cell(self) -> PlanCell | None:
        w, m, al = self.current
        found = [
            c
            for c in self.cells
            if abs(c.weight - w) < 1e-9 and c.method == m and c.abnormal_low == al
        ]
        return found[0] if found else None


def plan_criteria(
    scenario: Scenario,
    prices: Sequence[float] | np.ndarray,
    weights: Sequence[float] = PLANNER_WEIGHTS,
    methods: Sequence[Method] = METHODS,
    trials: int = 400,
    seed: int | None = 0,
) -> CriteriaPlan:
    """Every weight × method × abnormal-low rule (off, on), our price re-optimised in each.

    Weights change the technical points as :func:`proposals.scoring.reweighted` does (the
    sheet keeps its total). "On" uses the scenario's own abnormal-low rule if it has one,
    else 80 % of the average, scored zero. Only the benchmark method changes; K, deductions,
    limits and every other rule stay as the scenario states them (the benchmark source is
    set back to the bids, since the method is what varies).
    """
    cand = np.asarray(prices, dtype=float)
    rules = scenario.rules
    draws = draw_bids(scenario, trials, seed)
    al_on = rules.abnormal_low or DEFAULT_ABNORMAL_LOW
    cells = []
    for al in (False, True):
        for method in methods:
            bm = replace(rules.benchmark, method=method, source="bids")
            base = replace(rules, benchmark=bm, abnormal_low=al_on if al else None)
            for w in weights:
                r, scale = reweighted(base, float(w))
                d = replace(
                    draws, comp_tech=draws.comp_tech * scale, our_tech=draws.our_tech * scale
                )
                p_win, _ = evaluate_draws(r, d, cand)
                margin = p_win * (cand - scenario.our_cost)
                i = int(np.argmax(margin))
                cells.append(
                    PlanCell(
                        float(w),
                        method,
                        al,
                        float(cand[i]),
                        float(p_win[i]),
                        float(p_win.max()),
                        float(margin[i]),
                    )
                )
    current = (rules.price_weight, rules.benchmark.method, rules.abnormal_low is not None)
    return CriteriaPlan(
        tuple(cells), tuple(float(w) for w in weights), tuple(methods), current, trials, len(cand)
    )


Position = str  # "strong" | "even" | "weak" | "unknown"


def position_from_lead(lead: float | None) -> Position:
    """Our competitive position from our lead in the competition matrix (points of 100)."""
    if lead is None:
        return "unknown"
    if lead >= EVEN_BAND:
        return "strong"
    if lead <= -EVEN_BAND:
        return "weak"
    return "even"


@dataclass(frozen=True)
class Recommendation:
    """What to ask the buyer for. ``ask`` is the cell recommended; ``current`` the rules as
    the scenario states them (None if its weight is off the planner's grid)."""

    position: Position
    lead: float | None
    ask: PlanCell
    current: PlanCell | None

    @property
    def margin_gain(self) -> float | None:
        """Expected margin gained over the current rules (currency units)."""
        return (
            None
            if self.current is None
            else self.ask.expected_margin - self.current.expected_margin
        )

    @property
    def p_win_gain(self) -> float | None:
        return None if self.current is None else self.ask.p_win - self.current.p_win


def allowed_cells(plan: CriteriaPlan, position: Position) -> list[PlanCell]:
    """The cells the sales method's rule lets us argue for, given our position: strong →
    a price weight no higher than today's and a method that does not reward the cheapest
    bid; weak → a weight no lower than today's and a method that does; even or unknown →
    any cell."""
    w0 = plan.current[0]
    if position == "strong":
        return [c for c in plan.cells if c.weight <= w0 + 1e-9 and c.method in NOT_CHEAPEST]
    if position == "weak":
        return [c for c in plan.cells if c.weight >= w0 - 1e-9 and c.method in CHEAPEST]
    return list(plan.cells)


def recommend(plan: CriteriaPlan, lead: float | None) -> Recommendation:
    """The allowed cell with the best expected margin (ties: higher P(win), then the
    cell nearest today's weight). If no cell is allowed (e.g. today's weight is off the
    grid in the needed direction), every cell is considered."""
    position = position_from_lead(lead)
    cells = allowed_cells(plan, position) or list(plan.cells)
    w0 = plan.current[0]
    ask = max(cells, key=lambda c: (round(c.expected_margin, 6), c.p_win, -abs(c.weight - w0)))
    return Recommendation(position, lead, ask, plan.current_cell)
