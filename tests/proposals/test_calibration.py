"""Calibration statistics, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from proposals import calibration as cal


def test_brier_score_hand_computed():
    # (0.8-1)² + (0.3-0)² + (0.6-0)² + (0.1-1)² = 0.04 + 0.09 + 0.36 + 0.81 = 1.30; / 4
    pairs = [(0.8, True), (0.3, False), (0.6, False), (0.1, True)]
    assert cal.brier_score(pairs) == pytest.approx(0.325)


def test_brier_score_perfect_and_coin_and_empty():
    assert cal.brier_score([(1.0, True), (0.0, False)]) == 0
    assert cal.brier_score([(0.5, True), (0.5, False)]) == pytest.approx(0.25)
    assert cal.brier_score([]) is None


def test_reliability_buckets_counts_means_and_rates():
    pairs = [(0.05, False), (0.12, False), (0.18, True), (0.3, True), (0.95, True), (1.0, True)]
    buckets = cal.reliability_buckets(pairs, bands=10)
    assert len(buckets) == 10
    first, second, fourth, last = buckets[0], buckets[1], buckets[3], buckets[9]
    assert (first.lower, first.upper, first.count, first.wins) == (0.0, 0.1, 1, 0)
    assert first.observed_rate == 0
    # 0.12 and 0.18: mean 0.15, one win of two
    assert second.count == 2 and second.mean_predicted == pytest.approx(0.15)
    assert second.observed_rate == 0.5
    # 0.3 sits on an edge: it belongs to 30–40 %, not 20–30 %
    assert buckets[2].count == 0 and buckets[2].mean_predicted is None
    assert fourth.count == 1 and fourth.observed_rate == 1
    # 1.0 belongs to the last band
    assert last.count == 2 and last.mean_predicted == pytest.approx(0.975)


def test_reliability_buckets_clamps_and_refuses_zero_bands():
    buckets = cal.reliability_buckets([(-0.2, False), (1.4, True)], bands=5)
    assert buckets[0].count == 1 and buckets[4].count == 1
    with pytest.raises(ValueError):
        cal.reliability_buckets([], bands=0)


def test_wilson_interval_small_samples():
    low, high = cal.wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    # three wins out of three is not "certain": about 44 % to 100 %
    low, high = cal.wilson_interval(3, 3)
    assert low == pytest.approx(0.4385, abs=1e-4) and high == pytest.approx(1.0)
    low, high = cal.wilson_interval(0, 4)
    assert low == 0.0 and high == pytest.approx(0.4899, abs=1e-4)
    assert cal.wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        cal.wilson_interval(4, 3)


def test_empirical_quantiles_interpolate():
    assert cal.quantile([4, 1, 3, 2], 0.5) == 2.5
    assert cal.median([7, 1, 3]) == 3
    values = [0.80, 0.85, 0.90, 0.95, 1.00]
    assert cal.quantile(values, 0.1) == pytest.approx(0.82)  # 0.4 of the way 0.80 → 0.85
    assert cal.quantile(values, 0.9) == pytest.approx(0.98)
    assert cal.quantile(values, 0) == 0.80 and cal.quantile(values, 1) == 1.00
    assert cal.quantile([], 0.5) is None
    assert cal.quantile([5], 0.9) == 5
    with pytest.raises(ValueError):
        cal.quantile(values, 1.5)


def test_band_hits_count_inside_below_above():
    hits = cal.band_hits(
        [(100, 90, 110), (90, 90, 110), (110, 90, 110), (80, 90, 110), (120, 90, 110)]
    )
    assert (hits.count, hits.inside, hits.below, hits.above) == (5, 3, 1, 1)
    assert hits.rate == pytest.approx(0.6)
    # a band typed the wrong way round is read as its ends swapped
    assert cal.band_hits([(100, 110, 90)]).inside == 1
    assert cal.band_hits([]).rate is None


def test_rate():
    assert cal.rate(1, 4) == 0.25 and cal.rate(0, 0) is None


def test_median_of_counts_matches_the_expanded_median():
    assert cal.median_of_counts({10: 1, 30: 1}) == 20  # like median([10, 30])
    assert cal.median_of_counts({5: 3, 9: 1}) == 5  # [5, 5, 5, 9]
    assert cal.median_of_counts({1: 2, 2: 2}) == 1.5  # [1, 1, 2, 2]
    assert cal.median_of_counts({7: 0}) is None and cal.median_of_counts({}) is None
    counts = {3: 4, 8: 2, 1: 5, 20: 1}
    expanded = [v for v, n in counts.items() for _ in range(n)]
    assert cal.median_of_counts(counts) == cal.median(expanded)


def test_figures_from_sums_match_the_pairs():
    pairs = [(0.8, True), (0.3, False), (0.6, False), (0.1, True), (0.35, True)]
    n = len(pairs)
    sum_p = sum(p for p, _ in pairs)
    sum_p2 = sum(p * p for p, _ in pairs)
    wins = sum(1 for _, w in pairs if w)
    sum_p_won = sum(p for p, w in pairs if w)
    assert cal.brier_from_sums(sum_p, sum_p2, wins, sum_p_won, n) == pytest.approx(
        cal.brier_score(pairs)
    )
    assert cal.brier_from_sums(0, 0, 0, 0, 0) is None
    expected = cal.reliability_buckets(pairs)
    grouped: dict[int, list] = {}
    for p, won in pairs:
        grouped.setdefault(cal.band_index(p), []).append((p, won))
    for index, members in grouped.items():
        bucket = cal.bucket_from_sums(
            index, 10, len(members), sum(w for _, w in members), sum(p for p, _ in members)
        )
        assert bucket == expected[index]
    assert cal.band_index(0.3) == 3 and cal.band_index(1.0) == 9 and cal.band_index(-1) == 0
