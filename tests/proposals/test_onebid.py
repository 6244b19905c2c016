"""One bid, one truth: the consistency check finds each disagreement, and none on a
consistent bid (proposals.onebid, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal as D

import pytest

from proposals.onebid import (
    BidFacts,
    Code,
    PriceGoal,
    QuoteFacts,
    blocking,
    conflicts,
    difference_pct,
    disagreements,
    price_matches,
    quote_is_the_bid,
    tech_range_from_matrix,
)

# The demo's flagship, told consistently: bid 11.4 M, the linked option comes to 11.4 M,
# the matrix rivals are the scenario's, goals 11.0–11.4 M inside the buyer's 12.3 M.
CONSISTENT = BidFacts(
    currency="CNY",
    official_name="Lowest-price method, as published",
    bid_price=D("11400000"),
    scenario_updated_at=datetime(2026, 11, 20, 9, 0),
    quote=QuoteFacts(
        option_name="Advanced",
        proposal_title="DC refresh",
        contract_value=D("11400000.00"),
        currency="CNY",
        changed_at=datetime(2026, 11, 19, 17, 0),
    ),
    matrix_rivals={1: "联创网络", 2: "远景科技", 3: "海川信息"},
    scenario_rivals={1: "联创网络", 2: "远景科技", 3: "海川信息"},
    price_goal=PriceGoal(D("11400000"), D("11300000"), D("11000000"), "CNY"),
    buyer_max=D("12300000"),
    buyer_currency="CNY",
    our_batna_value=D("9800000"),
    our_batna_currency="CNY",
)


def codes(facts: BidFacts) -> list[Code]:
    return [d.code for d in disagreements(facts)]


def test_a_consistent_bid_has_no_disagreement():
    assert disagreements(CONSISTENT) == []
    assert quote_is_the_bid(CONSISTENT)


def test_no_official_scenario_is_a_gap_not_a_conflict():
    found = disagreements(BidFacts(currency="CNY"))
    assert [d.code for d in found] == [Code.NO_OFFICIAL]
    assert found[0].is_gap and conflicts(found) == [] and blocking(found) == []


def test_an_official_scenario_without_a_price_and_a_price_without_a_quote_are_gaps():
    no_price = replace(CONSISTENT, bid_price=None, quote=None)
    assert codes(no_price) == [Code.NO_BID_PRICE]
    no_quote = replace(CONSISTENT, quote=None)
    assert codes(no_quote) == [Code.NOT_LINKED]
    assert not quote_is_the_bid(no_quote)


def test_the_quote_off_the_bid_price_blocks_until_a_leader_overrides():
    # The flagship before the fix: bid 11.4 M, recommended option 4.171 M.
    off = replace(CONSISTENT, quote=replace(CONSISTENT.quote, contract_value=D("4171000")))
    (found,) = disagreements(off)
    assert found.code == Code.PRICE_VS_QUOTE and found.blocking and found.area == "quote"
    # (4,171,000 − 11,400,000) / 11,400,000 = −63.41 %
    assert round(found.params["difference_pct"], 2) == D("-63.41")
    overridden = replace(off, override_holds=True)
    (still,) = disagreements(overridden)
    assert still.code == Code.PRICE_VS_QUOTE and not still.blocking
    assert still.params["overridden"]


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        # 0.5 % of 10,000,000 is 50,000: the boundary itself matches, a cent beyond does not.
        (D("10050000.00"), True),
        (D("9950000.00"), True),
        (D("10050000.01"), False),
        (D("9949999.99"), False),
    ],
)
def test_the_tolerance_holds_either_way_boundary_included(value, matches):
    assert price_matches(D("10000000"), value, D("0.5")) is matches


def test_difference_is_against_the_bid_price():
    assert difference_pct(D("200"), D("210")) == D("5")
    assert not price_matches(D("0"), D("0"), D("0.5"))  # no bid price: nothing matches


def test_a_quote_in_another_currency_is_a_blocking_disagreement():
    other = replace(CONSISTENT, quote=replace(CONSISTENT.quote, currency="USD"))
    (found,) = disagreements(other)
    assert found.code == Code.CURRENCY and found.blocking
    assert not quote_is_the_bid(other)


def test_matrix_rivals_missing_from_the_official_scenario_are_named():
    # The issue: the matrix names 华信 / NorthBridge, the scenario 联创 / 远景 / 海川.
    facts = replace(CONSISTENT, matrix_rivals={1: "联创网络", 7: "NorthBridge", 8: "华信科技"})
    (found,) = disagreements(facts)
    assert found.code == Code.RIVALS_MISSING
    assert found.params["names"] == ["NorthBridge", "华信科技"]


def test_scenario_rivals_beyond_the_matrix_are_not_a_disagreement():
    facts = replace(CONSISTENT, matrix_rivals={1: "联创网络"})
    assert disagreements(facts) == []


def test_negotiation_goals_above_the_buyers_maximum_are_outside_the_zone():
    # The sheet: expected 12.0 M, walk-away 11.2 M; the buyer pays at most 11.8 M.
    facts = replace(
        CONSISTENT,
        bid_price=D("11400000"),
        price_goal=PriceGoal(D("12800000"), D("12000000"), D("11200000"), "CNY"),
        buyer_max=D("11800000"),
    )
    (found,) = disagreements(facts)
    assert found.code == Code.GOALS_OUTSIDE_ZOPA
    assert found.params["goals"] == ["expected"]  # the best case may open above it


def test_a_bid_below_the_walk_away_is_found():
    facts = replace(
        CONSISTENT, price_goal=PriceGoal(D("12000000"), D("11800000"), D("11500000"), "CNY")
    )
    assert codes(facts) == [Code.BID_BELOW_WALK_AWAY]


def test_a_walk_away_below_our_batna_is_found():
    # Walking away is worth 11.1 M to us, yet we would sign at 11.0 M.
    facts = replace(CONSISTENT, our_batna_value=D("11100000"))
    (found,) = disagreements(facts)
    assert found.code == Code.WALK_AWAY_BELOW_BATNA and found.area == "negotiation"


def test_figures_in_other_currencies_are_not_compared():
    facts = replace(
        CONSISTENT,
        buyer_max=D("1"),
        buyer_currency="USD",
        our_batna_value=D("99999999"),
        our_batna_currency="USD",
    )
    assert disagreements(facts) == []


def test_a_stale_approval_is_found():
    assert codes(replace(CONSISTENT, approval_stale=True)) == [Code.STALE_APPROVAL]


def test_a_scenario_older_than_the_latest_quote_change_is_found():
    facts = replace(
        CONSISTENT, quote=replace(CONSISTENT.quote, changed_at=datetime(2026, 11, 21, 8, 0))
    )
    (found,) = disagreements(facts)
    assert found.code == Code.SCENARIO_OLDER_THAN_QUOTE and found.area == "price"


def test_every_disagreement_at_once_in_a_fixed_order():
    facts = replace(
        CONSISTENT,
        quote=replace(
            CONSISTENT.quote, contract_value=D("9000000"), changed_at=datetime(2026, 12, 1)
        ),
        matrix_rivals={**CONSISTENT.matrix_rivals, 9: "云启数智"},
        price_goal=PriceGoal(D("13000000"), D("12500000"), D("11600000"), "CNY"),
        our_batna_value=D("12000000"),
        approval_stale=True,
    )
    assert codes(facts) == [
        Code.PRICE_VS_QUOTE,
        Code.SCENARIO_OLDER_THAN_QUOTE,
        Code.RIVALS_MISSING,
        Code.GOALS_OUTSIDE_ZOPA,
        Code.BID_BELOW_WALK_AWAY,
        Code.WALK_AWAY_BELOW_BATNA,
        Code.STALE_APPROVAL,
    ]


def test_technical_points_from_the_matrix_are_rescaled_with_one_point_either_side():
    # Weighted total 7.25 of 10, technical maximum 70: 7.25 × 7 = 50.75; ±1 matrix point
    # is ±7 technical points.
    assert tech_range_from_matrix(D("7.25"), D("70")) == (D("43.75"), D("50.75"), D("57.75"))
    # Clamped to 0 … maximum: 9.6 × 6 = 57.6, +6 would pass 60.
    assert tech_range_from_matrix(D("9.6"), D("60")) == (D("51.60"), D("57.60"), D("60.00"))
    assert tech_range_from_matrix(D("0.5"), D("60"))[0] == D("0.00")
