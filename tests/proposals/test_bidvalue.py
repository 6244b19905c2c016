"""What a discount buys, and the strategy report behind the price-score page."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from proposals.bidvalue import (
    OUR_NAME,
    DiscountEffect,
    candidate_grid,
    strategy_report,
    what_discount_buys,
)
from proposals.scoring import Benchmark, CompetitorEstimate, Scenario, ScoringRules, Triangular

RULES = ScoringRules(price_weight=30, tech_max=70, benchmark=Benchmark("lowest"), ceiling=120)


def exact_scenario(rules=RULES) -> Scenario:
    """Known bids: A at 90 with 64 technical points, B at 100 with 60; us at 62."""
    return Scenario(
        rules,
        Triangular.exact(62),
        our_cost=70,
        competitors=(
            CompetitorEstimate("A", Triangular.exact(90), Triangular.exact(64)),
            CompetitorEstimate("B", Triangular.exact(100), Triangular.exact(60)),
        ),
    )


def test_discount_effect_by_hand():
    # At 100: benchmark 90 (A) → our points 30 × 90/100 = 27.00, total 89.00; A has 94 → rank 2.
    # At 85: we are lowest → 30.00 points, total 92.00; A gets 30 × 85/90 = 28.33 → 92.33,
    # still ahead → rank 2. At 80: A gets 26.67 → 90.67 < 92.00 → rank 1.
    effect = what_discount_buys(RULES, exact_scenario(), 100, 85)
    assert (effect.points_before, effect.points_after) == (Decimal("27.00"), Decimal("30.00"))
    assert (effect.rank_before, effect.rank_after) == (2, 2)
    assert (effect.p_win_before, effect.p_win_after) == (0.0, 0.0)
    effect = what_discount_buys(RULES, exact_scenario(), 100, 80)
    assert effect.rank_after == 1 and effect.p_win_after == 1.0
    assert str(effect) == "+3 price points, rank 2 → 1, P(win) 0% → 100%"
    assert effect.text("zh_CN") == "价格分+3分，排名 2 → 1，中标概率 0% → 100%"


def test_text_format_matches_the_approval_wording():
    effect = DiscountEffect(
        Decimal(100), Decimal(95), Decimal("24.10"), Decimal("27.30"), 2, 1, 0.38, 0.61
    )
    assert effect.text() == "+3.2 price points, rank 2 → 1, P(win) 38% → 61%"
    raised = DiscountEffect(
        Decimal(95), Decimal(100), Decimal("27.30"), Decimal("24.55"), 1, 2, 0.61, 0.38
    )
    assert raised.text() == "−2.75 price points, rank 1 → 2, P(win) 61% → 38%"


def test_a_price_above_the_ceiling_is_out():
    effect = what_discount_buys(RULES, exact_scenario(), 100, 130)
    assert effect.points_after is None and effect.rank_after is None
    assert "n/a" in effect.text() and "rank 2 → out" in effect.text()
    assert "无效" in effect.text("zh_CN")


def test_rules_argument_replaces_the_scenarios_rules():
    heavy = ScoringRules(price_weight=60, tech_max=40, benchmark=Benchmark("lowest"), ceiling=120)
    effect = what_discount_buys(heavy, exact_scenario(), 100, 90)
    assert effect.points_before == Decimal("54.00") and effect.points_after == Decimal("60.00")


def test_same_seed_same_answer():
    scenario = Scenario(
        RULES,
        Triangular(55, 62, 66),
        70,
        (CompetitorEstimate("A", Triangular(80, 90, 105), Triangular(58, 64, 68)),),
    )
    a = what_discount_buys(RULES, scenario, 100, 90, seed=5)
    b = what_discount_buys(RULES, scenario, 100, 90, seed=5)
    assert a == b and a.p_win_after >= a.p_win_before


def test_grid_prices_are_readable_and_keep_the_ends():
    grid = candidate_grid(9_000_000, 12_800_000, 60)
    assert grid[0] == 9_000_000 and grid[-1] == 12_800_000
    assert np.all(grid[1:-1] % 1000 == 0) and np.all(np.diff(grid) > 0)
    assert list(candidate_grid(10, 20, 2)) == [10, 20]


def test_report_with_exact_ranges_equals_the_deterministic_view():
    grid = candidate_grid(60, 120, 61)
    report = strategy_report(exact_scenario(), grid, 80, trials=50, seed=1)
    for row in report.rows:
        assert row.p_win == (1.0 if row.rank == 1 else 0.0)
        assert row.expected_rank == row.rank
    assert report.our_row.name == OUR_NAME and report.our_row.rank == 1
    assert report.p_win_chosen == 1.0 and report.margin_chosen == pytest.approx(10.0)
    # the highest price still certain to win is where A overtakes us
    assert report.result.best_for_win == report.result.best_for_margin
    assert 80 <= report.result.best_for_win < 85
    assert [f.competitor for f in report.flips] == ["A", "B"]
    assert len(report.sensitivity) == 11 and report.sensitivity[0][0] == 10


def test_report_without_competitors_wins_with_any_valid_price():
    scenario = Scenario(RULES, Triangular(55, 62, 66), 70, ())
    report = strategy_report(scenario, candidate_grid(80, 120, 5), 100, trials=20)
    assert all(r.p_win == 1.0 for r in report.rows) and report.flips == ()
    assert report.result.best_for_margin == 120
