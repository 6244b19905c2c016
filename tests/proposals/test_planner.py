"""Procurement-criteria planner: re-optimised price per rule combination, and what to ask."""

from __future__ import annotations

import pytest

from proposals.planner import (
    CHEAPEST,
    NOT_CHEAPEST,
    PLANNER_WEIGHTS,
    allowed_cells,
    plan_criteria,
    position_from_lead,
    recommend,
)
from proposals.scoring import (
    METHODS,
    Benchmark,
    CompetitorEstimate,
    Scenario,
    ScoringRules,
    Triangular,
)


def one_rival(method="lowest", weight=30.0):
    # known values: the rival bids 100 with 60 technical points (of 70), we have 65, cost 80
    rules = ScoringRules(price_weight=weight, tech_max=100 - weight, benchmark=Benchmark(method))
    rival = CompetitorEstimate("R", Triangular.exact(100), Triangular.exact(60))
    return Scenario(rules, Triangular.exact(65), 80.0, (rival,))


def test_every_weight_method_and_rule_is_planned():
    plan = plan_criteria(one_rival(), [90, 100, 110], trials=2)
    assert len(plan.cells) == len(PLANNER_WEIGHTS) * len(METHODS) * 2 == 110
    assert PLANNER_WEIGHTS[0] == 10 and PLANNER_WEIGHTS[-1] == 60
    assert plan.current == (30.0, "lowest", False)
    assert plan.current_cell == plan.cell(30, "lowest", False)


def test_our_price_is_re_optimised_in_each_cell_by_hand():
    plan = plan_criteria(one_rival(), [90, 100, 110], trials=2)
    # weight 30 (lowest bid): at 110 we get 30×100/110 = 27.27 + 65 = 92.27 against the
    # rival's 30 + 60 = 90 → we still win at our highest price: margin 110 − 80 = 30.
    cell = plan.cell(30, "lowest", False)
    assert (cell.price, cell.p_win, cell.expected_margin) == (110, 1.0, 30.0)
    # weight 60: technical points shrink by 40/70 → us 37.14, rival 34.29.
    # At 110: 60×100/110 = 54.55 + 37.14 = 91.69 < 60 + 34.29 = 94.29 → we lose;
    # at 100: 60 + 37.14 = 97.14 > 94.29 → we win, margin 20.
    cell = plan.cell(60, "lowest", False)
    assert (cell.price, cell.p_win, cell.expected_margin) == (100, 1.0, 20.0)
    assert cell.best_p_win == 1.0


@pytest.mark.parametrize(
    ("lead", "position"),
    [(None, "unknown"), (12.0, "strong"), (5.0, "strong"), (4.9, "even"), (-5.0, "weak")],
)
def test_position_from_the_competition_matrix_lead(lead, position):
    assert position_from_lead(lead) == position


def test_strong_position_asks_for_a_low_weight_and_a_method_not_rewarding_the_cheapest():
    plan = plan_criteria(one_rival("average"), [90, 100, 110], trials=2)
    strong = allowed_cells(plan, "strong")
    assert strong and all(c.weight <= 30 and c.method in NOT_CHEAPEST for c in strong)
    rec = recommend(plan, lead=10.0)
    assert rec.position == "strong" and rec.ask in strong
    assert rec.ask.expected_margin == max(c.expected_margin for c in strong)
    assert rec.margin_gain == rec.ask.expected_margin - plan.current_cell.expected_margin


def test_weak_position_asks_for_a_high_weight_and_the_cheapest_bid_rewarded():
    plan = plan_criteria(one_rival("average"), [90, 100, 110], trials=2)
    rec = recommend(plan, lead=-10.0)
    assert rec.position == "weak"
    assert rec.ask.weight >= 30 and rec.ask.method in CHEAPEST
