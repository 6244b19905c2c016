"""More property-based checks of the pricing rules (proposals.pricing)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proposals.pricing import (
    CENT,
    QuoteLine,
    QuoteOption,
    QuotePart,
    option_totals,
    quote_totals,
    tco_over_years,
)

money = st.decimals(
    min_value=0, max_value=10_000_000, places=4, allow_nan=False, allow_infinity=False
)
quantity = st.decimals(
    min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False
)
discount = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
line = st.builds(
    QuoteLine,
    part=st.sampled_from(list(QuotePart)),
    description=st.just("x"),
    quantity=quantity,
    unit_price=money,
    unit_cost=money,
    discount_pct=discount,
)
option = st.builds(
    QuoteOption,
    name=st.sampled_from(["A", "B", "C"]),
    recommended=st.booleans(),
    maintenance_years=st.integers(min_value=0, max_value=10),
    lines=st.lists(line, max_size=10).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(option, st.integers(min_value=1, max_value=15))
def test_tco_is_one_off_parts_plus_years_of_maintenance(opt, years) -> None:
    totals = option_totals(opt)
    expected = (
        totals.solution.net_amount
        + totals.services.net_amount
        + totals.maintenance_per_year.net_amount * years
    )
    assert tco_over_years(opt, years) == expected
    assert tco_over_years(opt, years) == tco_over_years(opt, years).quantize(CENT)
    if opt.maintenance_years >= 1:
        assert tco_over_years(opt, opt.maintenance_years) == totals.contract_value


@settings(max_examples=100, deadline=None)
@given(line, discount)
def test_more_discount_never_raises_the_price(item, other) -> None:
    low, high = sorted((item.discount_pct, other))
    cheaper = QuoteLine(item.part, "x", item.quantity, item.unit_price, item.unit_cost, high)
    dearer = QuoteLine(item.part, "x", item.quantity, item.unit_price, item.unit_cost, low)
    assert cheaper.net_amount <= dearer.net_amount


@settings(max_examples=100, deadline=None)
@given(st.lists(option, min_size=1, max_size=3))
def test_quote_range_brackets_every_option(options) -> None:
    quote = quote_totals(options)
    values = [o.contract_value for o in quote.options]
    assert quote.lowest_contract_value == min(values)
    assert quote.highest_contract_value == max(values)
    if sum(o.recommended for o in options) == 1:
        assert quote.recommended is not None and quote.recommended.recommended


@settings(max_examples=100, deadline=None)
@given(option)
def test_splitting_a_quote_into_options_keeps_every_cent(opt) -> None:
    """Moving lines between two options never creates or loses a cent: the rounding is per line."""
    assume(len(opt.lines) >= 2)
    half = len(opt.lines) // 2
    first = QuoteOption("A", True, opt.maintenance_years, opt.lines[:half])
    second = QuoteOption("B", False, opt.maintenance_years, opt.lines[half:])
    whole = option_totals(opt)
    parts = [option_totals(first), option_totals(second)]
    assert whole.contract_value == sum((p.contract_value for p in parts), D(0))
    assert whole.contract_cost == sum((p.contract_cost for p in parts), D(0))
    assert whole.contract_list == sum((p.contract_list for p in parts), D(0))
