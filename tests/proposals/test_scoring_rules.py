"""Tender rules beyond the five methods, each with a hand-worked example; every example is
checked in the exact sheet AND in the vector path the simulation uses."""

from __future__ import annotations

import math
import os
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.scoring import (
    AbnormalLow,
    Benchmark,
    Bid,
    CompetitorEstimate,
    DeviationRounding,
    Empirical,
    Lognormal,
    Normal,
    Scenario,
    ScoringRules,
    Triangular,
    analytic_p_win,
    draw_bids,
    price_points_array,
    score_all,
    simulate_strategy,
    validate_bids,
    validate_rules,
    validate_scenario,
)

D = Decimal


def sheet_points(rules, field):
    return [r.price_points for r in score_all(rules, field).rows]


def vector_points(rules, field):
    """The same bids through the simulation's vector path (rejected → None)."""
    prices = np.array([float(b.price) for b in field])
    tech = np.array([float(b.tech) for b in field])
    factor = np.array([float(b.factor()) for b in field])
    pts, _ = price_points_array(rules, prices, tech=tech, factor=factor)
    return [None if np.isnan(x) else D(str(x)).quantize(D("0.01")) for x in pts]


def both(rules, field):
    exact = sheet_points(rules, field)
    assert vector_points(rules, field) == exact
    return exact


def field(*prices, tech=50):
    return [Bid(chr(ord("A") + i), p, tech) for i, p in enumerate(prices)]


AVG = Benchmark("average", deduct_above=1, deduct_below=0.5)


# --------------------------------------------------------------------------- deviation rounding


def test_deviation_rounded_up_to_whole_percent():
    # "不足1%按1%计". Average of 100, 102.3, 97.7 = 100 (benchmark).
    # B +2.3 % → counts as 3 % → 30 − 3×1 = 27.00; C −2.3 % → 3 % → 30 − 3×0.5 = 28.50.
    up = DeviationRounding("up")
    rules = ScoringRules(benchmark=Benchmark("average", round_above=up, round_below=up))
    assert both(rules, field(100, 102.3, 97.7)) == [D("30.00"), D("27.00"), D("28.50")]
    # no rounding: 30 − 2.3 = 27.70 and 30 − 1.15 = 28.85
    assert both(ScoringRules(benchmark=AVG), field(100, 102.3, 97.7)) == [
        D("30.00"),
        D("27.70"),
        D("28.85"),
    ]
    # per direction: up above, none below → 27.00 and 28.85
    rules = ScoringRules(benchmark=Benchmark("average", round_above=up))
    assert both(rules, field(100, 102.3, 97.7))[1:] == [D("27.00"), D("28.85")]
    # exactly 2 % stays 2 % (no rounding up of a whole percent): 102, 98 → 28.00, 29.00
    rules = ScoringRules(benchmark=Benchmark("average", round_above=up, round_below=up))
    assert both(rules, field(100, 102, 98))[1:] == [D("28.00"), D("29.00")]


def test_deviation_rounded_to_nearest_or_decimals():
    # average of 100, 102.35, 97.65 = 100; deviations ±2.35 %
    # nearest whole %: 2.35 → 2 → B 28.00, C 30 − 1 = 29.00
    near = DeviationRounding("nearest")
    rules = ScoringRules(benchmark=Benchmark("average", round_above=near, round_below=near))
    assert both(rules, field(100, 102.35, 97.65))[1:] == [D("28.00"), D("29.00")]
    # one decimal, half-up: 2.35 → 2.4 → B 27.60, C 30 − 1.2 = 28.80
    one = DeviationRounding("decimals", 1)
    rules = ScoringRules(benchmark=Benchmark("average", round_above=one, round_below=one))
    assert both(rules, field(100, 102.35, 97.65))[1:] == [D("27.60"), D("28.80")]


# --------------------------------------------------------------------------- benchmark sources


def test_fixed_published_benchmark():
    # benchmark 95. 100: +5/95 = +5.263158 % → 30 − 5.263158 = 24.736842 → 24.74
    # 90: −5.263158 % → 30 − 2.631579 = 27.368421 → 27.37
    rules = ScoringRules(benchmark=Benchmark("average", source="fixed", fixed_price=95))
    assert both(rules, field(100, 90)) == [D("24.74"), D("27.37")]
    assert score_all(rules, field(100, 90)).benchmark == 95


def test_control_price_times_one_minus_discount_published_or_drawn():
    # 最高限价 200 × (1 − 下浮率 10 %) = 180. 189: +5 % → 25.00; 171: −5 % → 27.50
    rules = ScoringRules(ceiling=200, benchmark=Benchmark("average", source="control", k=0.10))
    assert both(rules, field(189, 171)) == [D("25.00"), D("27.50")]
    # drawn 下浮率 {8 %, 12 %}: the sheet uses the mean, 10 %; the simulation draws one
    drawn = ScoringRules(
        ceiling=200, benchmark=Benchmark("average", source="control", k_set=(0.08, 0.12))
    )
    assert both(drawn, field(189, 171)) == [D("25.00"), D("27.50")]
    sc = Scenario(
        drawn,
        Triangular.exact(50),
        150,
        (CompetitorEstimate("A", Triangular.exact(171), Triangular.exact(50)),),
    )
    assert set(draw_bids(sc, 200, seed=3).k) == {0.08, 0.12}
    # a separate control price wins over the ceiling: 190 × 0.9 = 171 → 171 scores 30
    own = ScoringRules(
        ceiling=200, benchmark=Benchmark("average", source="control", control_price=190, k=0.1)
    )
    assert both(own, field(189, 171))[1] == D("30.00")


def test_weighted_blend_of_control_price_and_average():
    # A × control × K1 + B × average = 0.4 × 200 × 0.95 + 0.6 × 190 = 76 + 114 = 190
    # (average of 180, 190, 200 = 190). 180: −5.263158 % → 30 − 2.631579 → 27.37;
    # 190: 30.00; 200: +5.263158 % → 24.74
    rules = ScoringRules(
        ceiling=200,
        benchmark=Benchmark("average", source="blend", blend_a=0.4, blend_b=0.6, k1=0.95),
    )
    assert both(rules, field(180, 190, 200)) == [D("27.37"), D("30.00"), D("24.74")]


def test_lowest_bid_that_is_not_abnormally_low():
    # average of 60, 100, 110, 130 = 100; 80 % of it = 80, so 60 is abnormally low.
    # With "explain" the 60 stays scored (risk), but the benchmark is the lowest NORMAL bid,
    # 100: 60 → 30×100/60 = 50 → capped at 30; 100 → 30; 110 → 27.27; 130 → 23.08.
    al = AbnormalLow(0.8, "average", "explain")
    rules = ScoringRules(abnormal_low=al, benchmark=Benchmark("lowest", source="lowest_normal"))
    assert both(rules, field(60, 100, 110, 130)) == [
        D("30.00"),
        D("30.00"),
        D("27.27"),
        D("23.08"),
    ]
    sheet = score_all(rules, field(60, 100, 110, 130))
    assert sheet.benchmark == 100
    assert (sheet.rows[0].status, sheet.rows[0].risk) == ("valid", "explanation_required")
    # from the bids as they are, the 60 sets the benchmark: 100 → 30×60/100 = 18.00
    plain = ScoringRules(abnormal_low=al)
    assert both(plain, field(60, 100, 110, 130))[1] == D("18.00")


# --------------------------------------------------------------------------- price limits


def test_fixed_floor_price_rejects_lower_bids():
    rules = ScoringRules(floor_price=80)
    sheet = score_all(rules, field(79, 100))
    assert (sheet.rows[0].status, sheet.rows[0].reason) == ("rejected", "below_floor_price")
    assert both(rules, field(79, 100)) == [None, D("30.00")]  # lone valid bid: full points


def test_bids_too_far_below_the_benchmark_are_invalid():
    # average of 100, 100, 100, 70 = 92.5; 10 % below it is 83.25, so 70 is invalid.
    # One pass: the benchmark stays 92.5. 100: +8.108108 % → 30 − 8.108108 = 21.89.
    rules = ScoringRules(benchmark=AVG, below_benchmark_limit=0.10)
    assert both(rules, field(100, 100, 100, 70)) == [D("21.89")] * 3 + [None]
    sheet = score_all(rules, field(100, 100, 100, 70))
    assert sheet.benchmark == D("92.5")
    assert sheet.rows[3].reason == "below_benchmark_limit"


# --------------------------------------------------------------------------- abnormally low


def test_abnormally_low_against_the_other_bidders_needs_explanation():
    # 76, 100, 100. Against all three: average 92 → 80 % = 73.6 → 76 is not low.
    # Against the others only: average(100, 100) = 100 → 80 → 76 IS low (87号令 Art. 60).
    # "explain" leaves the score alone: lowest method, 76 → 30, 100 → 30×76/100 = 22.80.
    bids = field(76, 100, 100)
    everyone = ScoringRules(abnormal_low=AbnormalLow(0.8, "average", "explain", "all"))
    assert [r.risk for r in score_all(everyone, bids).rows] == [None, None, None]
    others = ScoringRules(abnormal_low=AbnormalLow(0.8, "average", "explain", "others"))
    sheet = score_all(others, bids)
    assert [r.risk for r in sheet.rows] == ["explanation_required", None, None]
    assert [r.status for r in sheet.rows] == ["valid"] * 3
    assert both(others, bids) == [D("30.00"), D("22.80"), D("22.80")]
    # same comparison with "zero": 76 is out of the benchmark and scores 0; 100s share 30
    zero = ScoringRules(abnormal_low=AbnormalLow(0.8, "average", "zero", "others"))
    assert both(zero, bids) == [D("0.00"), D("30.00"), D("30.00")]


def test_abnormally_low_against_the_others_benchmark():
    # average method, K 0: 70 vs benchmark of the others (100, 110) = 105 → 84 → low;
    # 100 vs benchmark(70, 110) = 90 → 72 → fine. Rejected: benchmark = 105;
    # 100: −4.761905 % → 30 − 2.380952 = 27.619 → 27.62; 110: +4.761905 % → 25.24
    rules = ScoringRules(
        benchmark=AVG, abnormal_low=AbnormalLow(0.8, "benchmark", "reject", "others")
    )
    assert both(rules, field(70, 100, 110)) == [None, D("27.62"), D("25.24")]


def test_abnormally_low_against_the_others_blend_benchmark():
    # Found by the property test: blend = 0.3 × 200 × 0.95 + 0.7 × average of the others.
    # Bids 50, 50: each one's reference = 57 + 35 = 92, 70 % of it = 64.4 → both are low,
    # both scored zero (excluded) in the sheet and in the vector path alike.
    rules = ScoringRules(
        ceiling=200,
        benchmark=Benchmark("lowest", source="blend", blend_a=0.3, blend_b=0.7, k1=0.95),
        abnormal_low=AbnormalLow(0.7, "benchmark", "zero", "others"),
    )
    bids = field(50, 50)
    assert [r.status for r in score_all(rules, bids).rows] == ["excluded", "excluded"]
    _, status = price_points_array(rules, np.array([50.0, 50.0]))
    assert status.tolist() == [1, 1]


# --------------------------------------------------------------------------- adjustments


def test_sme_price_deduction():
    # 财库〔2020〕46号 style: A is a small enterprise, 10 % off its price for scoring:
    # A 100 → 90 = benchmark → 30; B 95 → 30×90/95 = 28.421 → 28.42 (ranked on these).
    bids = [Bid("A", 100, 50, sme_deduction=0.10), Bid("B", 95, 50)]
    assert both(ScoringRules(), bids) == [D("30.00"), D("28.42")]
    sheet = score_all(ScoringRules(), bids)
    assert sheet.rows[0].evaluated_price == D("90.00")
    assert sheet.rows[0].rank == 1
    # without the deduction B is cheapest: A 30×95/100 = 28.50
    assert both(ScoringRules(), field(100, 95)) == [D("28.50"), D("30.00")]


def test_domestic_preference_margin():
    # World Bank style: B is foreign, 15 % added for evaluation: 95 × 1.15 = 109.25.
    # A 100 is now the benchmark → 30; B → 30×100/109.25 = 27.460 → 27.46
    bids = [Bid("A", 100, 50), Bid("B", 95, 50, preference_margin=0.15)]
    assert both(ScoringRules(), bids) == [D("30.00"), D("27.46")]


def test_adjustments_do_not_move_the_ceiling_check():
    # the ceiling applies to the quoted price: 105 > 100 is out even with 10 % SME off
    rules = ScoringRules(ceiling=100)
    bids = [Bid("A", 105, 50, sme_deduction=0.1), Bid("B", 99, 50)]
    assert both(rules, bids) == [None, D("30.00")]


# --------------------------------------------------------------------------- technical minimum


def test_minimum_technical_score():
    # "技术分低于40分无效": A (39 points) is out before price scoring, B is alone → 30.
    rules = ScoringRules(min_tech=40)
    bids = [Bid("A", 100, 39), Bid("B", 120, 50)]
    assert both(rules, bids) == [None, D("30.00")]
    assert score_all(rules, bids).rows[0].reason == "below_min_tech"
    assert "min_tech" in validate_rules(ScoringRules(min_tech=80))  # above tech_max 70


# --------------------------------------------------------------------------- deduction shapes


def test_piecewise_deductions():
    # 1 point per % up to 5 %, then 2 points per %: average of 100, 108, 92 = 100;
    # 108: 5×1 + 3×2 = 11 → 19.00; 92 below at 0.5 per % → 30 − 4 = 26.00
    rules = ScoringRules(benchmark=Benchmark("average", above_pieces=((0, 1), (5, 2))))
    assert both(rules, field(100, 108, 92)) == [D("30.00"), D("19.00"), D("26.00")]
    # with rounding up first: 103.3, 96.7 → ±3.3 % → 4 % → 26.00 and 30 − 2 = 28.00
    up = DeviationRounding("up")
    rules = ScoringRules(
        benchmark=Benchmark(
            "average", above_pieces=((0, 1), (5, 2)), round_above=up, round_below=up
        )
    )
    assert both(rules, field(100, 103.3, 96.7)) == [D("30.00"), D("26.00"), D("28.00")]


def test_huge_deviation_with_a_tiny_rate_is_deducted_in_full():
    # fixed benchmark 1, bid 200: +19,900 %; at 0.001 points per % → 19.9 → 30 − 19.9 = 10.10
    rules = ScoringRules(
        benchmark=Benchmark("average", source="fixed", fixed_price=1, above_pieces=((0, 0.001),))
    )
    assert both(rules, field(200, 1)) == [D("10.10"), D("30.00")]


def test_trimming_depends_on_the_number_of_bids():
    # "7家及以上去掉一个最高和一个最低": with 6 bids no trim: average(90, 95, 100, 100, 105,
    # 130) = 620/6 = 103.333; 100 → −3.2258 % → 30 − 1.6129 = 28.387 → 28.39.
    # With a 7th bid of 100: drop 90 and 130 → (95+100+100+100+105)/5 = 100 → 100 scores 30.
    rules = ScoringRules(benchmark=Benchmark("trimmed", trim_tiers=((7, 1),)))
    six = field(90, 95, 100, 100, 105, 130)
    assert both(rules, six)[2] == D("28.39")
    assert score_all(rules, six + [Bid("G", 100, 50)]).benchmark == 100
    assert both(rules, six + [Bid("G", 100, 50)])[2] == D("30.00")
    # two tiers: ≥ 7 drop 1, ≥ 10 drop 2 → 10 bids 80..170 step 10: drop 80, 90, 160, 170
    tiers = ScoringRules(benchmark=Benchmark("trimmed", trim_tiers=((7, 1), (10, 2))))
    ten = field(*range(80, 180, 10))
    assert score_all(tiers, ten).benchmark == 125  # (100+…+150)/6
    both(tiers, ten)


# --------------------------------------------------------------------------- linear, weights


def test_linear_scoring_anchored_on_the_budget():
    # EU style: points = 30 × (budget − bid) / (budget − lowest); budget 200, lowest 150:
    # 180 → 30 × 20 / 50 = 12.00 (anchored on the highest bid it would score 0)
    rules = ScoringRules(ceiling=200, benchmark=Benchmark("linear", linear_anchor="budget"))
    assert both(rules, field(150, 180)) == [D("30.00"), D("12.00")]
    assert both(ScoringRules(benchmark=Benchmark("linear")), field(150, 180))[1] == D("0.00")


def test_price_weight_zero_price_only_disqualifies():
    # fixed-budget selection: 0 price points; C above the ceiling is out; A wins on tech
    rules = ScoringRules(price_weight=0, tech_max=100, ceiling=200)
    bids = [Bid("A", 100, 80), Bid("B", 90, 70), Bid("C", 210, 90)]
    assert validate_rules(rules) == {}
    sheet = score_all(rules, bids)
    assert [r.rank for r in sheet.rows] == [1, 2, None]
    assert both(rules, bids) == [D("0.00"), D("0.00"), None]


def test_maxima_not_adding_up_to_100():
    # 40 price + 80 technical = 120-point sheet: a warning, not an error; a lone bidder
    # with 80 technical points totals 120.
    rules = ScoringRules(price_weight=40, tech_max=80)
    issues = validate_rules(rules)
    assert (issues["tech_max"].code, issues["tech_max"].severity) == ("points_not_100", "warning")
    assert score_all(rules, [Bid("A", 100, 80)]).rows[0].total == 120
    rules = ScoringRules(price_weight=10, tech_max=50)  # a 60-point sheet is fine too
    assert score_all(rules, field(100, 110, tech=50)).rows[0].total == 60


# --------------------------------------------------------------------------- validation


NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("rules", "field_name"),
    [
        (ScoringRules(price_weight=NAN), "price_weight"),
        (ScoringRules(tech_max=INF), "tech_max"),
        (ScoringRules(ceiling=NAN), "ceiling"),
        (ScoringRules(ceiling=-INF), "ceiling"),
        (ScoringRules(floor_price=NAN), "floor_price"),
        (ScoringRules(min_tech=NAN), "min_tech"),
        (ScoringRules(below_benchmark_limit=INF), "below_benchmark_limit"),
        (ScoringRules(benchmark=Benchmark("average", k=NAN)), "benchmark.k"),
        (ScoringRules(benchmark=Benchmark("average", k_set=(0.1, INF))), "benchmark.k"),
        (ScoringRules(benchmark=Benchmark("average", deduct_above=NAN)), "benchmark.deductions"),
        (ScoringRules(benchmark=Benchmark("average", floor=NAN)), "benchmark.floor"),
        (
            ScoringRules(benchmark=Benchmark(source="fixed", fixed_price=INF)),
            "benchmark.fixed_price",
        ),
        (ScoringRules(abnormal_low=AbnormalLow(NAN)), "abnormal_low.threshold"),
    ],
)
def test_non_finite_rules_are_refused_at_the_field(rules, field_name):
    assert validate_rules(rules)[field_name].code == "not_finite"


def test_non_finite_bids_and_estimates_are_refused_at_the_field():
    issues = validate_bids(
        ScoringRules(), [Bid("A", NAN, 50), Bid("B", 100, INF), Bid("C", D("NaN"), 1)]
    )
    assert issues["bids[0].price"].code == "not_finite"
    assert issues["bids[1].tech"].code == "not_finite"
    assert issues["bids[2].price"].code == "not_finite"
    # a Triangular rival with high = ∞ used to pass and vanish (P(win) = 1)
    comp = CompetitorEstimate("X", Triangular(90, 100, INF), Triangular(40, 50, 60))
    sc = Scenario(ScoringRules(), Triangular(40, 50, NAN), NAN, (comp,))
    issues = validate_scenario(sc, candidate_prices=[100, INF])
    assert issues["competitors[0].price"].code == "not_finite"
    assert issues["our_tech"].code == "not_finite"
    assert issues["our_cost"].code == "not_finite"
    assert issues["candidate_prices"].code == "not_finite"
    normal = CompetitorEstimate("N", Normal(NAN, 100), Triangular(40, 50, 60))
    past = CompetitorEstimate("E", Empirical((1.1, INF), 80), Triangular(40, 50, 60))
    issues = validate_scenario(replace_comps(sc, normal, past))
    assert issues["competitors[0].price"].code == "not_finite"
    assert issues["competitors[1].price"].code == "not_finite"


def replace_comps(sc, *comps):
    return Scenario(sc.rules, Triangular(40, 50, 60), 80.0, comps)


def test_sheet_rejects_a_nan_price_instead_of_raising():
    sheet = score_all(ScoringRules(), [Bid("A", D("NaN"), 50), Bid("B", 100, 50)])
    assert (sheet.rows[0].status, sheet.rows[0].reason) == ("rejected", "not_a_number")
    assert both(ScoringRules(), [Bid("A", NAN, 50), Bid("B", 100, 50)]) == [None, D("30.00")]


# --------------------------------------------------------------------------- rival price models


def test_normal_and_lognormal_models_hit_their_percentiles():
    u = np.random.default_rng(5).random(200_000)
    for model in (Normal(90, 110), Lognormal(90, 110)):
        draws = model.sample(u)
        # 5 % below low and 5 % above high, by construction of the 90 % range
        assert np.mean(draws < 90) == pytest.approx(0.05, abs=0.003)
        assert np.mean(draws > 110) == pytest.approx(0.05, abs=0.003)
        assert model.cdf(np.array([90.0, 110.0])) == pytest.approx([0.05, 0.95], abs=1e-6)
    assert Normal(90, 110).likely == 100
    assert Lognormal(90, 110).likely == pytest.approx(math.sqrt(90 * 110))  # the median


def test_empirical_model_replays_past_bid_to_cost_ratios():
    # past bids at 1.05, 1.10, 1.20 × our cost; our cost now 100 → 105, 110, 120 each 1/3
    model = Empirical((1.05, 1.10, 1.20), 100)
    draws = model.sample(np.random.default_rng(1).random(30_000))
    assert set(np.round(draws, 6)) == {105.0, 110.0, 120.0}
    assert np.mean(draws == 105) == pytest.approx(1 / 3, abs=0.01)
    assert model.cdf(np.array([104.0, 105.0, 115.0, 120.0])).tolist() == [0, 1 / 3, 2 / 3, 1]


def test_friedman_and_gates_by_hand():
    # Two rivals, each equally likely to bid 105, 110 or 120 (empirical, cost 100).
    # At 108: P(beat one rival) = P(rival > 108) = 2/3.
    # Friedman: (2/3)² = 4/9 = 0.4444. Gates: 1 / (1 + 2 × (1/3)/(2/3)) = 1 / 2 = 0.5.
    rival = Empirical((1.05, 1.10, 1.20), 100)
    comps = tuple(CompetitorEstimate(n, rival, Triangular.exact(0)) for n in ("X", "Y"))
    sc = Scenario(ScoringRules(price_weight=100, tech_max=0), Triangular.exact(0), 100, comps)
    friedman, gates = analytic_p_win(sc, [108.0, 125.0])
    assert friedman.tolist() == pytest.approx([4 / 9, 0.0])
    assert gates.tolist() == pytest.approx([0.5, 0.0])
    # With independent rivals and price-only scoring the Monte Carlo agrees with Friedman
    res = simulate_strategy(sc, [108.0], trials=40_000, seed=2)
    assert res.p_win[0] == pytest.approx(4 / 9, abs=0.01)
    assert res.friedman[0] == pytest.approx(4 / 9)


def test_switching_one_rivals_model_changes_only_its_column():
    comps = (
        CompetitorEstimate("X", Triangular(90, 100, 110), Triangular.exact(50)),
        CompetitorEstimate("Y", Triangular(90, 100, 110), Triangular.exact(50)),
    )
    sc = Scenario(ScoringRules(), Triangular.exact(50), 80, comps)
    other = Scenario(
        sc.rules,
        sc.our_tech,
        80,
        (comps[0], CompetitorEstimate("Y", Normal(90, 110), Triangular.exact(50))),
    )
    a, b = draw_bids(sc, 500, seed=4), draw_bids(other, 500, seed=4)
    assert np.array_equal(a.comp_prices[:, 0], b.comp_prices[:, 0])
    assert not np.array_equal(a.comp_prices[:, 1], b.comp_prices[:, 1])


# --------------------------------------------------------------------------- exact = vector


rounding_st = st.builds(
    DeviationRounding, st.sampled_from(["none", "up", "nearest", "decimals"]), st.integers(0, 2)
)
benchmark_st = st.builds(
    Benchmark,
    method=st.sampled_from(["lowest", "average", "trimmed", "composite", "linear"]),
    k=st.sampled_from([None, 0.0, 0.05]),
    trim_n=st.integers(0, 2),
    trim_min_remaining=st.integers(1, 3),
    trim_tiers=st.sampled_from([(), ((4, 1),), ((3, 1), (6, 2))]),
    alpha=st.sampled_from([0.0, 0.5, 1.0]),
    deduct_above=st.sampled_from([0.5, 1.0, 2.0]),
    deduct_below=st.sampled_from([0.0, 0.5]),
    above_pieces=st.sampled_from([(), ((0, 1), (5, 2)), ((0, 0.5), (2, 1), (10, 3))]),
    below_pieces=st.sampled_from([(), ((0, 0.25), (4, 1))]),
    round_above=rounding_st,
    round_below=rounding_st,
    floor=st.sampled_from([0.0, 5.0]),
    source=st.sampled_from(["bids", "fixed", "control", "blend", "lowest_normal"]),
    fixed_price=st.sampled_from([100.0, 137.5]),
    control_price=st.sampled_from([None, 180.0]),
    blend_a=st.sampled_from([0.3, 0.5]),
    blend_b=st.sampled_from([0.7, 0.5]),
    k1=st.sampled_from([0.95, 1.0]),
    linear_anchor=st.sampled_from(["highest", "budget"]),
)
rules_st = st.builds(
    ScoringRules,
    price_weight=st.sampled_from([0.0, 10.0, 30.0, 60.0]),
    tech_max=st.sampled_from([40.0, 70.0]),
    benchmark=benchmark_st,
    abnormal_low=st.none()
    | st.builds(
        AbnormalLow,
        st.sampled_from([0.7, 0.85]),
        st.sampled_from(["average", "benchmark"]),
        st.sampled_from(["zero", "reject", "explain"]),
        st.sampled_from(["all", "others"]),
    ),
    ceiling=st.sampled_from([None, 200.0, 240.0]),
    decimals=st.integers(0, 3),
    floor_price=st.sampled_from([None, 60.0]),
    below_benchmark_limit=st.sampled_from([None, 0.0, 0.15]),
    min_tech=st.sampled_from([None, 10.0]),
    tie_order=st.sampled_from(["price", "tech", "shared"]),
)
bid_st = st.builds(
    lambda p, t, s, m: (p, t, s, m),
    st.integers(50, 250),
    st.integers(0, 40),
    st.sampled_from([0, 0.1, 0.2]),
    st.sampled_from([0, 0.15]),
)


@settings(max_examples=int(os.environ.get("SCORING_EXAMPLES", "300")), deadline=None)
@given(rules_st, st.lists(bid_st, min_size=1, max_size=8))
def test_exact_and_vector_paths_agree_on_every_accepted_input(rules, raw):
    bids = [Bid(f"B{i}", p, t, s, m) for i, (p, t, s, m) in enumerate(raw)]
    issues = validate_bids(rules, bids)
    if any(i.severity == "error" for i in issues.values()):
        return
    sheet = score_all(rules, bids)
    prices = np.array([float(b.price) for b in bids])
    tech = np.array([float(b.tech) for b in bids])
    factor = np.array([float(b.factor()) for b in bids])
    pts, status = price_points_array(rules, prices, tech=tech, factor=factor)
    assert [None if np.isnan(x) else D(str(x)) for x in pts] == [
        None if r.price_points is None else D(str(float(r.price_points))) for r in sheet.rows
    ]
    codes = {"valid": 0, "excluded": 1, "rejected": 2}
    assert status.tolist() == [codes[r.status] for r in sheet.rows]
    # and the simulation ranks us as the sheet does (zero-width estimates)
    us, *rest = bids
    comps = tuple(
        CompetitorEstimate(
            b.name,
            Triangular.exact(float(b.price)),
            Triangular.exact(float(b.tech)),
            float(b.sme_deduction),
            float(b.preference_margin),
        )
        for b in rest
    )
    sc = Scenario(
        rules,
        Triangular.exact(float(us.tech)),
        50.0,
        comps,
        float(us.sme_deduction),
        float(us.preference_margin),
    )
    res = simulate_strategy(sc, [float(us.price)], trials=2, seed=1)
    mine = sheet.rows[0]
    rank = mine.rank if mine.rank is not None else len(bids) + 1
    assert res.expected_rank[0] == rank
