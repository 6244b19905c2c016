"""Tender price-score engine: hand-checked examples per method, edge cases, properties."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.scoring import (
    METHOD_EXPLANATIONS,
    METHODS,
    REASON_TEXT,
    RULE_EXPLANATIONS,
    AbnormalLow,
    Benchmark,
    Bid,
    CompetitorEstimate,
    Scenario,
    ScoringRules,
    Triangular,
    draw_bids,
    evaluate_draws,
    price_points_array,
    rank_flip_prices,
    rank_reversals,
    round_points,
    round_points_array,
    score_all,
    score_bids,
    simulate_strategy,
    validate_bids,
    validate_rules,
    validate_scenario,
    weight_sensitivity,
)

FAST = settings(max_examples=100, deadline=None)
D = Decimal


def points(sheet, *names):
    return [sheet.by_name(n).price_points for n in names]


def bids(*prices, tech=50):
    return [Bid(chr(ord("A") + i), p, tech) for i, p in enumerate(prices)]


# --------------------------------------------------------------------------- methods by hand


def test_lowest_bid_method():
    # benchmark = 90; us 30×90/100 = 27; A 30; B 30×90/120 = 22.5
    # totals: us 27+60 = 87, A 30+55 = 85, B 22.5+65 = 87.5 → B, us, A
    rules = ScoringRules(price_weight=30, tech_max=70)
    sheet = score_bids(rules, 100, 60, [Bid("A", 90, 55), Bid("B", 120, 65)])
    assert sheet.benchmark == 90
    assert points(sheet, "us", "A", "B") == [D("27.00"), D("30.00"), D("22.50")]
    assert [r.name for r in sheet.ranking] == ["B", "us", "A"]


def test_lowest_bid_rounds_half_up():
    # 30×90/97 = 27.8350515… → 27.84 (two places); with 0 places → 28
    assert score_all(ScoringRules(), bids(90, 97)).by_name("B").price_points == D("27.84")
    assert score_all(ScoringRules(decimals=0), bids(90, 97)).by_name("B").price_points == D("28")


def test_average_with_k_set_uses_mean_k_deterministically():
    # K set {2 %, 4 %, 6 %} → mean 4 %; average(100, 110, 90) = 100 → benchmark 96
    # A 100: +4.1667 % → 40 − 4.1667 = 35.8333 → 35.83
    # B 110: +14.5833 % → 40 − 14.5833 = 25.4167 → 25.42
    # C 90: −6.25 % → 40 − 0.5×6.25 = 36.875 → 36.88 (half-up, not half-even)
    rules = ScoringRules(
        price_weight=40,
        tech_max=60,
        benchmark=Benchmark(
            "average", k_set=(0.02, 0.04, 0.06), deduct_above=1.0, deduct_below=0.5
        ),
    )
    sheet = score_all(rules, bids(100, 110, 90))
    assert sheet.benchmark == 96 and sheet.k == D("0.04")
    assert points(sheet, "A", "B", "C") == [D("35.83"), D("25.42"), D("36.88")]
    pts, _ = price_points_array(rules, np.array([[100.0, 110.0, 90.0]]))
    np.testing.assert_array_equal(pts, [[35.83, 25.42, 36.88]])


def test_average_deduction_stops_at_floor():
    # average(100, 100, 200) = 133.33; 200 is +50 % → 40 − 2×50 = −60 → floor 10
    # 100 is −25 % → 40 − 0.5×25 = 27.5
    rules = ScoringRules(
        price_weight=40,
        tech_max=60,
        benchmark=Benchmark("average", deduct_above=2.0, deduct_below=0.5, floor=10),
    )
    assert points(score_all(rules, bids(100, 100, 200)), "A", "C") == [D("27.50"), D("10.00")]


def test_trimmed_average_drops_ends():
    # drop 80 and 150 → mean(95, 100, 105) = 100
    # 95: −5 % → 30 − 2.5 = 27.5; 105: +5 % → 25; 80: −20 % → 20; 150: +50 % → floor 0
    rules = ScoringRules(benchmark=Benchmark("trimmed", trim_n=1, trim_min_remaining=3))
    sheet = score_all(rules, bids(80, 95, 100, 105, 150))
    assert sheet.benchmark == 100
    assert points(sheet, "A", "B", "C", "D", "E") == [
        D("20.00"),
        D("27.50"),
        D("30.00"),
        D("25.00"),
        D("0.00"),
    ]


def test_trimmed_average_falls_back_to_plain_average():
    # 4 bids − 2 = 2 remain < 3 → plain mean(90, 100, 110, 120) = 105
    # 100: −4.7619 % → 30 − 2.38095 = 27.619 → 27.62
    rules = ScoringRules(benchmark=Benchmark("trimmed", trim_n=1, trim_min_remaining=3))
    sheet = score_all(rules, bids(90, 100, 110, 120))
    assert sheet.benchmark == 105
    assert sheet.by_name("B").price_points == D("27.62")


def test_composite_benchmark():
    # 0.4×80 + 0.6×100 = 92; 100: +8.6957 % → 21.3043 → 21.30
    # 80: −13.0435 % → 30 − 6.5217 = 23.4783 → 23.48; 120: +30.43 % → floor 0
    rules = ScoringRules(benchmark=Benchmark("composite", alpha=0.4))
    sheet = score_all(rules, bids(80, 100, 120))
    assert sheet.benchmark == 92
    assert points(sheet, "A", "B", "C") == [D("23.48"), D("21.30"), D("0.00")]


def test_linear_interpolation():
    # 20 × (150 − 120)/(150 − 100) = 12
    sheet = score_all(
        ScoringRules(price_weight=20, tech_max=80, benchmark=Benchmark("linear")),
        bids(100, 120, 150),
    )
    assert points(sheet, "A", "B", "C") == [D("20.00"), D("12.00"), D("0.00")]


# --------------------------------------------------------------------------- common rules


def test_abnormally_low_scored_zero_or_rejected():
    # mean(50, 100, 110) = 86.67; 80 % of it = 69.33 → 50 is abnormally low
    # benchmark from 100, 110 = 100 → 110 gets 30×100/110 = 27.27
    zero = ScoringRules(abnormal_low=AbnormalLow(0.8, "average", "zero"))
    sheet = score_all(zero, bids(50, 100, 110))
    a = sheet.by_name("A")
    assert (a.status, a.reason, a.price_points, a.rank) == ("excluded", "abnormally_low", 0, 3)
    assert points(sheet, "B", "C") == [D("30.00"), D("27.27")]
    reject = replace(zero, abnormal_low=AbnormalLow(0.8, "average", "reject"))
    a = score_all(reject, bids(50, 100, 110)).by_name("A")
    assert (a.status, a.price_points, a.rank) == ("rejected", None, None)


def test_abnormally_low_against_benchmark():
    # average method, K 10 %: benchmark of all = 0.9 × mean(60, 100, 110) = 81;
    # 90 % of 81 = 72.9 → 60 is out; new benchmark 0.9 × 105 = 94.5
    rules = ScoringRules(
        benchmark=Benchmark("average", k=0.1), abnormal_low=AbnormalLow(0.9, "benchmark", "zero")
    )
    sheet = score_all(rules, bids(60, 100, 110))
    assert sheet.by_name("A").status == "excluded"
    assert sheet.benchmark == D("94.5")


def test_bid_exactly_at_abnormal_threshold_is_kept_in_both_views():
    # mean(80, 120) = 100; 80 == 0.8 × 100 is not *below* the threshold
    rules = ScoringRules(abnormal_low=AbnormalLow(0.8))
    assert score_all(rules, bids(80, 120)).by_name("A").status == "valid"
    _, status = price_points_array(rules, np.array([80.0, 120.0]))
    assert status.tolist() == [0, 0]


def test_above_ceiling_is_rejected():
    sheet = score_all(ScoringRules(ceiling=105), bids(100, 110))
    b = sheet.by_name("B")
    assert (b.status, b.reason, b.rank) == ("rejected", "above_ceiling", None)
    assert sheet.by_name("A").price_points == 30  # now a lone valid bidder
    assert set(REASON_TEXT) >= {"above_ceiling", "abnormally_low", "non_positive_price"}


@pytest.mark.parametrize("method", METHODS)
def test_single_valid_bidder_gets_full_points(method):
    rules = ScoringRules(benchmark=Benchmark(method, k=0.05))
    sheet = score_bids(rules, 123.45, 40, [])
    us = sheet.by_name("us")
    assert (us.price_points, us.rank) == (D("30.00"), 1)


@pytest.mark.parametrize("method", METHODS)
def test_all_bids_equal(method):
    sheet = score_all(ScoringRules(benchmark=Benchmark(method)), bids(100, 100, 100))
    assert all(r.price_points == 30 and r.rank == 1 for r in sheet.rows)  # all share first


@pytest.mark.parametrize("action", ["zero", "reject"])
def test_every_bid_abnormally_low(action):
    # threshold above 100 % (flagged by validation) makes every bid "low": still defined
    rules = ScoringRules(abnormal_low=AbnormalLow(1.5, "average", action))
    sheet = score_all(rules, [Bid("A", 100, 50), Bid("B", 100, 60)])
    assert sheet.benchmark is None
    if action == "zero":
        assert [(r.price_points, r.rank) for r in sheet.rows] == [(0, 2), (0, 1)]
    else:
        assert all(r.rank is None for r in sheet.rows)
    assert "abnormal_low.threshold" in validate_rules(rules)


def test_ties_follow_the_tie_order_and_the_sheet_says_which():
    # A: 30 + 55 = 85; B: 30×90/108 = 25, 25 + 60 = 85: equal totals.
    # 87号令 Art. 65 (default "price"): the lower quoted price first → A (90) before B (108).
    field = [Bid("A", 90, 55), Bid("B", 108, 60)]
    sheet = score_all(ScoringRules(), field)
    assert [sheet.by_name(n).rank for n in "AB"] == [1, 2]
    assert (sheet.tie_order, sheet.ties, sheet.by_name("A").tied_with) == ("price", True, ("B",))
    # "tech": the higher technical score first → B (60) before A (55)
    sheet = score_all(ScoringRules(tie_order="tech"), field)
    assert [sheet.by_name(n).rank for n in "AB"] == [2, 1]
    # "shared": both rank 1
    sheet = score_all(ScoringRules(tie_order="shared"), field)
    assert [sheet.by_name(n).rank for n in "AB"] == [1, 1]
    # 0 places: 100 → 30, 101 → 29.70 → 30; same tech → lower price first under "tech" too
    sheet = score_all(ScoringRules(decimals=0, tie_order="tech"), bids(101, 100))
    assert [sheet.by_name(n).rank for n in "AB"] == [2, 1]
    # identical bids share the rank: 1, 1, 3
    sheet = score_all(ScoringRules(), bids(100, 100, 120))
    assert [r.rank for r in sheet.rows] == [1, 1, 3]
    assert not score_all(ScoringRules(), bids(100, 120)).ties


def test_rounding_views_agree():
    assert round_points(2.675, 2) == D("2.68")  # float 2.675 is 2.67499… in binary
    assert round_points_array(np.array([2.675, 0.125, 1.005]), 2).tolist() == [2.68, 0.13, 1.01]
    assert np.round(0.125, 2) == 0.12  # why we do not use np.round (half-to-even)


@FAST
@given(st.integers(0, 10**8), st.integers(0, 4))
def test_rounding_property(units, decimals):
    x = units / 10**6  # up to six decimal places, as points are entered and computed
    assert float(round_points(x, decimals)) == round_points_array(x, decimals)


# --------------------------------------------------------------------------- flips, reversals


def test_rank_flip_price_against_competitor():
    # lowest, weight 30; A bids 100 with tech 65, we have tech 60.
    # For p < 100 we get 30 + 60 = 90, A gets 65 + round(0.3p, 2).
    # Tie order "tech": we lead while round(0.3p) < 25.00 ⇔ 0.3p < 24.995 ⇔ p < 83.3167
    # (at 25.00 A wins the tie on technical points). Above 100 we never catch A.
    tech_first = ScoringRules(tie_order="tech")
    (flip,) = rank_flip_prices(tech_first, 90, 60, [Bid("A", 100, 65)], price_range=(50, 150))
    assert not flip.beats_now and flip.win_side == "below"
    assert flip.threshold == pytest.approx(83.3167, abs=1e-3)
    assert len(flip.transitions) == 1
    # Tie order "price" (default): at 25.00 our lower price wins the tie, so we lead while
    # round(0.3p) ≤ 25.00 ⇔ 0.3p < 25.005 ⇔ p < 83.35.
    (flip,) = rank_flip_prices(ScoringRules(), 90, 60, [Bid("A", 100, 65)], price_range=(50, 150))
    assert flip.threshold == pytest.approx(83.35, abs=1e-3)
    assert (
        rank_flip_prices(ScoringRules(), 90, 60, [Bid("A", 100, 10)], price_range=(50, 150))[
            0
        ].threshold
        is None
    )


def test_rank_reversal_between_two_other_bidders():
    # linear, weight 40. Before: range 100..300 → A 40, B 40×180/200 = 36
    #   totals A 50 + 40 = 90, B 60 + 36 = 96 → B leads.
    # C re-prices 300 → 130: range 100..130 → A 40, B 40×10/30 = 13.33 → A 90, B 73.33.
    rules = ScoringRules(price_weight=40, tech_max=60, benchmark=Benchmark("linear"))
    field = [Bid("A", 100, 50), Bid("B", 120, 60), Bid("C", 300, 50)]
    (rev,) = rank_reversals(rules, field, "C", 130)
    assert (rev.was_ahead, rev.was_behind) == ("B", "A")
    assert "130" in rev.explanation["en"] and "评标基准价" in rev.explanation["zh_CN"]
    # lowest bid method: C was not and is not the lowest → benchmark and order unchanged
    assert rank_reversals(ScoringRules(), field, "C", 250) == ()


# --------------------------------------------------------------------------- simulation


def exact_scenario(rules, our_tech, comps, cost=80.0):
    return Scenario(
        rules,
        Triangular.exact(our_tech),
        cost,
        tuple(
            CompetitorEstimate(f"C{i}", Triangular.exact(p), Triangular.exact(t))
            for i, (p, t) in enumerate(comps)
        ),
    )


def test_strategy_best_prices_zero_width():
    # lowest, weight 30; competitor 100 / tech 60; us tech 59. For p < 100 we get 89 vs
    # 60 + round(0.3p): win while 0.3p < 28.995 ⇔ p < 96.65 → 90..96 win, 97..100 lose.
    res = simulate_strategy(
        exact_scenario(ScoringRules(), 59, [(100, 60)]), np.arange(90, 101), trials=50
    )
    assert res.p_win.tolist() == [1.0] * 7 + [0.0] * 4
    assert res.best_for_win == 96 and res.best_for_margin == 96
    assert res.expected_margin[6] == pytest.approx(16.0)  # 1 × (96 − 80)


def test_zero_competitors_and_ceiling():
    rules = ScoringRules(ceiling=100)
    res = simulate_strategy(exact_scenario(rules, 50, []), [90, 110], trials=10)
    assert res.p_win.tolist() == [1.0, 0.0] and res.expected_rank.tolist() == [1.0, 2.0]
    assert validate_scenario(exact_scenario(rules, 50, [])) == {}


def stochastic_scenario(method="average", n=6):
    rules = ScoringRules(
        price_weight=40,
        tech_max=60,
        ceiling=130,
        benchmark=Benchmark(method, k_set=(0.0, 0.02, 0.05)),
        abnormal_low=AbnormalLow(0.8),
    )
    comps = tuple(
        CompetitorEstimate(
            f"C{i}", Triangular(85 + i % 6, 100 + i % 6, 125), Triangular(40, 48 + i % 6, 58)
        )
        for i in range(n)
    )
    return Scenario(rules, Triangular(42, 50, 55), 75.0, comps)


def test_simulation_reproducible_and_chunk_independent():
    sc = stochastic_scenario()
    cand = np.linspace(80, 130, 26)
    a, b = simulate_strategy(sc, cand, 500, seed=7), simulate_strategy(sc, cand, 500, seed=7)
    np.testing.assert_array_equal(a.p_win, b.p_win)
    np.testing.assert_array_equal(a.expected_rank, b.expected_rank)
    assert not np.array_equal(a.p_win, simulate_strategy(sc, cand, 500, seed=8).p_win)
    draws = draw_bids(sc, 500, seed=7)
    small = evaluate_draws(sc.rules, draws, cand, chunk_elements=100)
    np.testing.assert_array_equal(small[0], a.p_win)
    assert 0 < a.p_win.max() <= 1 and a.best_for_margin > sc.our_cost


def test_fifty_competitors_work_and_over_hundred_refused():
    sc = stochastic_scenario("trimmed", n=50)
    assert validate_scenario(sc) == {}
    res = simulate_strategy(sc, np.linspace(80, 130, 11), trials=200)
    assert res.expected_rank.max() <= 52
    assert validate_scenario(stochastic_scenario(n=101))["competitors"].code == "too_many"


def test_weight_sensitivity_by_hand():
    # us 80 / tech 50, competitor 100 / tech 60, sheet scaled so tech shares are kept:
    # win iff w + 50s > 0.8w + 60s with s = (100 − w)/70 ⇔ 0.2w > 10s ⇔ w > 41.67
    sc = exact_scenario(ScoringRules(price_weight=30, tech_max=70), 50, [(100, 60)])
    curve = dict(weight_sensitivity(sc, 80, trials=20))
    assert list(curve) == [float(w) for w in range(10, 65, 5)]
    assert [curve[w] for w in (35.0, 40.0, 45.0, 50.0)] == [0.0, 0.0, 1.0, 1.0]


method_st = st.sampled_from(METHODS)
rules_st = st.builds(
    lambda m, w, k, trim, alpha, above, below, floor, al, ceiling, dec: ScoringRules(
        price_weight=w,
        tech_max=100 - w,
        decimals=dec,
        ceiling=ceiling,
        abnormal_low=al,
        benchmark=Benchmark(
            m,
            k=k,
            trim_n=trim,
            trim_min_remaining=2,
            alpha=alpha,
            deduct_above=above,
            deduct_below=below,
            floor=min(floor, w),
        ),
    ),
    method_st,
    st.integers(10, 60),
    st.sampled_from([0.0, 0.02, 0.05]),
    st.integers(0, 2),
    st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    st.sampled_from([0.5, 1.0, 2.0]),
    st.sampled_from([0.0, 0.25, 1.0]),
    st.sampled_from([0.0, 5.0]),
    st.none()
    | st.builds(
        AbnormalLow,
        st.sampled_from([0.7, 0.85]),
        st.sampled_from(["average", "benchmark"]),
        st.sampled_from(["zero", "reject"]),
    ),
    st.none() | st.integers(120, 200),
    st.integers(0, 3),
)
price_st = st.integers(50, 250)
field_st = st.lists(st.tuples(price_st, st.integers(0, 40)), max_size=6)


@FAST
@given(rules_st, price_st, st.integers(0, 40), field_st)
def test_price_points_stay_between_floor_and_weight(rules, our_price, our_tech, comps):
    sheet = score_bids(
        rules, our_price, our_tech, [Bid(f"C{i}", p, t) for i, (p, t) in enumerate(comps)]
    )
    for r in sheet.rows:
        if r.status == "valid":
            assert rules.benchmark.floor <= r.price_points <= rules.price_weight
        elif r.status == "excluded":
            assert r.price_points == 0


@FAST
@given(st.integers(10, 60), price_st, st.integers(1, 100), field_st)
def test_lowest_bid_lowering_price_never_lowers_points(weight, price, cut, comps):
    rules = ScoringRules(price_weight=weight, tech_max=100 - weight)
    field = [Bid(f"C{i}", p, t) for i, (p, t) in enumerate(comps)]
    lower = max(price - cut, 1)
    before = score_bids(rules, price, 30, field).by_name("us").price_points
    after = score_bids(rules, lower, 30, field).by_name("us").price_points
    assert after >= before


@FAST
@given(rules_st, st.integers(0, 40), field_st, st.lists(price_st, min_size=1, max_size=8))
def test_zero_width_simulation_equals_deterministic_view(rules, our_tech, comps, cand):
    res = simulate_strategy(exact_scenario(rules, our_tech, comps), cand, trials=3, seed=1)
    field = [Bid(f"C{i}", p, t) for i, (p, t) in enumerate(comps)]
    for j, price in enumerate(cand):
        us = score_bids(rules, price, our_tech, field).by_name("us")
        rank = us.rank if us.rank is not None else len(comps) + 2
        assert res.expected_rank[j] == rank
        assert res.p_win[j] == (rank == 1)


@FAST
@given(rules_st, st.lists(price_st, min_size=1, max_size=7))
def test_vector_points_equal_exact_points(rules, prices):
    exact = [r.price_points for r in score_all(rules, bids(*prices)).rows]
    pts, _ = price_points_array(rules, np.array(prices, dtype=float))
    assert [None if np.isnan(x) else D(str(x)) for x in pts] == exact


# --------------------------------------------------------------------------- validation, text


def test_validation_reports_without_raising():
    bad = ScoringRules(price_weight=40, tech_max=70, benchmark=Benchmark("average", k=1.5))
    issues = validate_rules(bad)
    assert (issues["tech_max"].code, issues["tech_max"].severity) == ("points_not_100", "warning")
    assert issues["benchmark.k"].code == "k_range"
    assert validate_rules(ScoringRules(price_weight=-5))["price_weight"].code == "weight_range"
    sc = Scenario(
        ScoringRules(ceiling=70),
        Triangular(50, 60, 55),
        80.0,
        (
            CompetitorEstimate("X", Triangular(120, 100, 110), Triangular(40, 50, 60)),
            CompetitorEstimate("Y", Triangular(-5, 100, 110), Triangular(40, 70, 60)),
        ),
    )
    issues = validate_scenario(sc, candidate_prices=[0, 90])
    assert issues["our_tech"].code == "likely_outside"
    assert issues["competitors[0].price"].code == "low_above_high"
    assert issues["competitors[1].price"].code == "non_positive"
    assert issues["competitors[1].tech"].code == "likely_outside"
    assert issues["candidate_prices"].code == "non_positive"
    assert (issues["ceiling"].code, issues["ceiling"].severity) == ("ceiling_below_cost", "warning")
    assert issues["ceiling"].zh_CN
    trim = replace(sc, rules=ScoringRules(benchmark=Benchmark("trimmed", trim_n=2)))
    assert validate_scenario(trim)["benchmark.trim"].code == "trim_drops_all"
    assert validate_bids(ScoringRules(), [Bid("A", 0, 50)])["bids[0].price"].code == "non_positive"


def test_explanations_in_both_languages():
    assert set(METHOD_EXPLANATIONS) == set(METHODS)
    for text in [*METHOD_EXPLANATIONS.values(), *RULE_EXPLANATIONS.values(), *REASON_TEXT.values()]:
        assert text["en"] and text["zh_CN"]
