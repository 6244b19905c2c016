"""A rival's bids across closed tenders: ratios, quantiles and the history price model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from proposals.rival_history import (
    MIN_PAST_BIDS,
    PastBid,
    history_model,
    price_band,
    quantile,
    ratio,
    scenario_control_price,
    summarise,
    usable_ratios,
)
from proposals.scoring import Lognormal, Triangular

D = Decimal


def _bid(price, control=None, budget=None, ours=None, won=False):
    return PastBid(
        opportunity_id=1,
        closed_on=date(2025, 1, 1),
        price=None if price is None else D(price),
        control_price=None if control is None else D(control),
        budget=None if budget is None else D(budget),
        our_price=None if ours is None else D(ours),
        won_by_rival=won,
    )


def test_ratios_to_the_control_price_else_the_budget_and_to_our_price():
    bid = _bid("930000", control="1000000", budget="1200000", ours="900000")
    assert (bid.to_reference, bid.reference_kind, bid.to_ours) == (
        D("0.9300"),
        "control",
        D("1.0333"),
    )
    by_budget = _bid("930000", budget="1200000")
    assert (by_budget.to_reference, by_budget.reference_kind) == (D("0.7750"), "budget")
    assert _bid("930000").to_reference is None and _bid(None, control="1").to_reference is None
    assert ratio(D(1), D(0)) is None and ratio(D(2), D(3)) == D("0.6667")


def test_quantiles_interpolate_between_order_statistics():
    values = [0.95, 0.88, 0.90, 1.02]
    assert quantile(values, 0) == 0.88 and quantile(values, 1) == 1.02
    assert quantile(values, 0.5) == pytest.approx(0.925)  # midpoint of 0.90 and 0.95
    # position 0.1 × 3 = 0.3: 0.88 + 0.3 × (0.90 − 0.88)
    assert quantile(values, 0.1) == pytest.approx(0.886)
    assert quantile(values, 0.9) == pytest.approx(float(np.quantile(values, 0.9)))
    assert quantile([0.7], 0.9) == 0.7
    with pytest.raises(ValueError):
        quantile([], 0.5)
    with pytest.raises(ValueError):
        quantile([1.0], 1.5)


def test_summary_counts_usable_bids_and_wins():
    bids = [
        _bid("900000", control="1000000", won=True),
        _bid("950000", control="1000000"),
        _bid("880000", budget="1000000"),
        _bid("700000"),  # neither control price nor budget: counted, not usable
    ]
    summary = summarise(bids)
    assert (summary.bids, summary.usable, summary.wins) == (4, 3, 1)
    assert summary.median == D("0.9000") and summary.enough
    assert usable_ratios(bids) == (0.9, 0.95, 0.88)
    assert not summarise(bids[:2]).enough and summarise([]).median is None


def test_the_history_model_scales_ratios_to_this_tenders_control_price():
    model = history_model((0.9, 0.95, 0.88), 12_800_000)
    assert (model.low, model.high) == pytest.approx((11_264_000, 12_160_000))
    assert model.likely == pytest.approx(11_520_000)  # median 0.9 × 12.8M
    draws = model.sample(np.linspace(0, 0.999, 3000))
    assert set(np.round(draws)) == {11_264_000, 11_520_000, 12_160_000}
    assert history_model((0.9, 0.95), 12_800_000) is None  # below MIN_PAST_BIDS
    assert MIN_PAST_BIDS == 3
    assert history_model((0.9, 0.95, 0.88), 0) is None


def test_price_band_is_the_10th_to_90th_percentile_of_any_model():
    low, high = price_band(history_model((0.8, 0.9, 1.0, 1.1), 1000))
    assert (low, high) == pytest.approx((830, 1070))
    tri_low, tri_high = price_band(Triangular(100, 100, 200))
    # triangular with the mode at the low end: F(x) = 1 − ((200 − x) / 100)²
    assert tri_low == pytest.approx(200 - 100 * np.sqrt(0.9))
    assert tri_high == pytest.approx(200 - 100 * np.sqrt(0.1))
    logn = Lognormal(90, 110)
    low, high = price_band(logn)
    assert low == pytest.approx(np.exp(logn.mu - 1.2815516 * logn.sigma), rel=1e-6)
    assert low < logn.likely < high


def test_the_control_price_of_a_scenario():
    assert scenario_control_price(D("12800000"), None) == D("12800000")
    assert scenario_control_price(D("12800000"), 12_000_000) == D("12000000")
    assert scenario_control_price(None, "") is None and scenario_control_price(D(0), None) is None
