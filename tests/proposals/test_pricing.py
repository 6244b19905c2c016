"""Quote pricing: hand-computed totals, rounding rules, validation, approval matrix, fingerprint."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.pricing import (
    CENT,
    DEFAULT_APPROVAL_RULES,
    ApprovalDecision,
    ApprovalMetric,
    ApprovalRule,
    QuoteLine,
    QuoteOption,
    QuotePart,
    can_approve_alone,
    discount_limit_for_role,
    display_pct,
    option_totals,
    parse_decimal,
    quote_fingerprint,
    quote_totals,
    required_approver,
    required_approver_for_quote,
    round_money,
    tco_over_years,
    validate_line,
    validate_option,
    validate_quote,
)

D = Decimal


def line(
    part: str, qty: str, price: str, cost: str, discount: str = "0", description: str = "item"
) -> QuoteLine:
    return QuoteLine(QuotePart(part), description, D(qty), D(price), D(cost), D(discount))


def standard_option(**changes: object) -> QuoteOption:
    option = QuoteOption(
        name="Standard",
        recommended=True,
        maintenance_years=3,
        lines=(
            line("solution", "10", "1000", "400", "10", "Licences"),
            line("services", "5", "800", "500", "0", "Implementation days"),
            line("maintenance", "1", "2000", "600", "5", "Annual support"),
        ),
    )
    return replace(option, **changes)


# --- hand-computed example ------------------------------------------------------------


def test_option_totals_hand_computed() -> None:
    totals = option_totals(standard_option())

    assert totals.solution.list_amount == D("10000.00")
    assert totals.solution.net_amount == D("9000.00")
    assert totals.solution.cost_amount == D("4000.00")
    assert totals.services.net_amount == D("4000.00")
    assert totals.maintenance_per_year.net_amount == D("1900.00")
    assert totals.maintenance_per_year.cost_amount == D("600.00")

    assert totals.first_year_price == D("14900.00")  # 9000 + 4000 + 1 × 1900
    assert totals.contract_list == D("20000.00")  # 10000 + 4000 + 3 × 2000
    assert totals.contract_value == D("18700.00")  # 9000 + 4000 + 3 × 1900
    assert totals.tco == totals.contract_value
    assert totals.contract_cost == D("8300.00")  # 4000 + 2500 + 3 × 600
    assert totals.margin_amount == D("10400.00")
    assert display_pct(totals.margin_pct) == D("55.6")  # 10400 / 18700 = 55.61…
    assert totals.discount_pct == D("6.5")  # 1300 / 20000
    assert totals.part_net_over_term(QuotePart.MAINTENANCE) == D("5700.00")


def test_zero_year_term_has_no_maintenance_in_first_year() -> None:
    option = standard_option(maintenance_years=0, lines=standard_option().lines[:2])
    totals = option_totals(option)
    assert totals.first_year_price == totals.contract_value == D("13000.00")


def test_tco_over_common_horizon_renews_maintenance() -> None:
    assert tco_over_years(standard_option(), 5) == D("22500.00")  # 9000 + 4000 + 5 × 1900
    with pytest.raises(ValueError):
        tco_over_years(standard_option(), 0)


def test_zero_revenue_has_no_percentages() -> None:
    free = QuoteOption("Free", True, 1, (line("solution", "0", "100", "50"),))
    totals = option_totals(free)
    assert totals.contract_value == 0
    assert totals.margin_pct is None
    assert totals.discount_pct is None

    full_discount = QuoteOption("Gift", True, 1, (line("solution", "1", "100", "50", "100"),))
    totals = option_totals(full_discount)
    assert totals.margin_pct is None
    assert totals.discount_pct == D("100")


def test_loss_gives_negative_margin() -> None:
    totals = option_totals(QuoteOption("Loss", True, 0, (line("solution", "1", "100", "150"),)))
    assert totals.margin_amount == D("-50.00")
    assert totals.margin_pct == D("-50")


def test_quote_totals_finds_recommended_and_range() -> None:
    basic = standard_option(name="Basic", recommended=False, maintenance_years=1)
    quote = quote_totals([basic, standard_option()])
    assert quote.recommended is not None and quote.recommended.option_name == "Standard"
    assert quote.lowest_contract_value == D("14900.00")
    assert quote.highest_contract_value == D("18700.00")
    assert quote_totals([basic, standard_option(recommended=False)]).recommended is None


# --- rounding -------------------------------------------------------------------------


def test_line_rounds_half_up_not_bankers() -> None:
    assert line("solution", "3", "0.335", "0").list_amount == D("1.01")  # 1.005 → 1.01
    assert line("solution", "1", "0.125", "0.005").cost_amount == D("0.01")
    assert round_money(D("-2.345")) == D("-2.35")


def test_net_is_rounded_once_from_the_exact_list_amount() -> None:
    item = line("solution", "1", "0.125", "0", "10")
    assert item.list_amount == D("0.13")
    # exact net 0.1125 → 0.11; rounding the list first would give 0.13 × 0.9 = 0.117 → 0.12
    assert item.net_amount == D("0.11")


def test_total_is_sum_of_rounded_lines_not_rounded_sum() -> None:
    lines = tuple(line("solution", "1", "33.335", "0") for _ in range(3))
    totals = option_totals(QuoteOption("Three", True, 0, lines))
    assert [item.net_amount for item in lines] == [D("33.34")] * 3
    assert totals.contract_value == D("100.02")  # not round(100.005) = 100.01


def test_large_numbers_keep_cents_exact() -> None:
    item = line("solution", "999999999999.9999", "999999999999.9999", "0")
    # exact product is 999999999999999800000000.00000001: 32 significant digits
    assert item.list_amount == D("999999999999999800000000.00")
    assert option_totals(QuoteOption("Big", True, 0, (item, item))).contract_value == D(
        "1999999999999999600000000.00"
    )


def test_display_pct_rounds_half_up_to_one_decimal() -> None:
    assert display_pct(D("15.05")) == D("15.1")
    assert display_pct(D("15.04999")) == D("15.0")
    assert display_pct(D("-0.05")) == D("-0.1")
    assert display_pct(None) is None


money = st.decimals(
    min_value=0, max_value=10_000_000, places=4, allow_nan=False, allow_infinity=False
)
quantities = st.decimals(
    min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False
)
discounts = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
lines_strategy = st.builds(
    QuoteLine,
    part=st.sampled_from(list(QuotePart)),
    description=st.just("x"),
    quantity=quantities,
    unit_price=money,
    unit_cost=money,
    discount_pct=discounts,
)
options_strategy = st.builds(
    QuoteOption,
    name=st.just("Option"),
    recommended=st.just(True),
    maintenance_years=st.integers(min_value=0, max_value=10),
    lines=st.lists(lines_strategy, max_size=12).map(tuple),
)


def is_whole_cents(amount: Decimal) -> bool:
    return amount == amount.quantize(CENT)


@settings(max_examples=100, deadline=None)
@given(options_strategy)
def test_totals_equal_sum_of_rounded_lines(option: QuoteOption) -> None:
    totals = option_totals(option)
    for part in QuotePart:
        chosen = [item for item in option.lines if item.part is part]
        assert totals.part(part).list_amount == sum((i.list_amount for i in chosen), D(0))
        assert totals.part(part).net_amount == sum((i.net_amount for i in chosen), D(0))
        assert totals.part(part).cost_amount == sum((i.cost_amount for i in chosen), D(0))

    years = option.maintenance_years
    by_line = sum(
        (
            item.net_amount * (years if item.part is QuotePart.MAINTENANCE else 1)
            for item in option.lines
        ),
        D(0),
    )
    assert totals.contract_value == by_line
    for amount in (
        totals.contract_value,
        totals.contract_list,
        totals.contract_cost,
        totals.first_year_price,
    ):
        assert is_whole_cents(amount)
    assert totals.margin_amount == totals.contract_value - totals.contract_cost
    assert totals.contract_value <= totals.contract_list
    assert (totals.margin_pct is None) == (totals.contract_value == 0)
    if totals.discount_pct is not None:
        assert D(0) <= totals.discount_pct <= D(100)


@settings(max_examples=100, deadline=None)
@given(lines_strategy)
def test_each_line_is_whole_cents_and_net_within_list(item: QuoteLine) -> None:
    assert (
        is_whole_cents(item.list_amount)
        and is_whole_cents(item.net_amount)
        and is_whole_cents(item.cost_amount)
    )
    assert D(0) <= item.net_amount <= item.list_amount
    exact = item.quantity * item.unit_price * (100 - item.discount_pct) / 100
    assert abs(item.net_amount - exact) <= D("0.005")


@settings(max_examples=100, deadline=None)
@given(options_strategy, st.randoms(use_true_random=False))
def test_totals_and_fingerprint_ignore_line_order(option: QuoteOption, rnd: random.Random) -> None:
    shuffled = list(option.lines)
    rnd.shuffle(shuffled)
    other = replace(option, lines=tuple(shuffled))
    assert option_totals(other) == option_totals(option)
    assert quote_fingerprint([other]) == quote_fingerprint([option])


# --- validation -----------------------------------------------------------------------

VALID_RAW = {
    "part": "solution",
    "description": "ERP licences",
    "quantity": "10",
    "unit_price": "1,234.50",
    "unit_cost": "400",
    "discount_pct": "12.5",
}


def test_validate_line_accepts_good_input() -> None:
    parsed, errors = validate_line(VALID_RAW)
    assert errors == {}
    assert parsed == QuoteLine(
        QuotePart.SOLUTION, "ERP licences", D("10"), D("1234.50"), D("400"), D("12.5")
    )


def test_blank_discount_means_zero() -> None:
    parsed, errors = validate_line({**VALID_RAW, "discount_pct": "  "})
    assert errors == {} and parsed is not None and parsed.discount_pct == 0


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("quantity", "-1", "negative"),
        ("unit_price", "-0.01", "negative"),
        ("unit_cost", "-5", "negative"),
        ("discount_pct", "100.01", "out_of_range"),
        ("discount_pct", "-1", "out_of_range"),
        ("quantity", "abc", "not_a_number"),
        ("unit_price", "12abc", "not_a_number"),
        ("unit_price", "1e5", "not_a_number"),
        ("unit_price", "1,23", "not_a_number"),
        ("unit_price", "١٢", "not_a_number"),
        ("unit_price", "NaN", "not_finite"),
        ("unit_price", "-Infinity", "not_finite"),
        ("unit_cost", "inf", "not_finite"),
        ("unit_price", "1" * 30, "too_large"),
        ("quantity", "1234567890123", "too_large"),
        ("unit_price", "973483096584.1358", "too_large"),  # 12 digits: not exact on SQLite
        ("unit_price", "1.23456", "too_many_decimals"),
        ("discount_pct", "10.555", "too_many_decimals"),
        ("quantity", "", "required"),
        ("description", "   ", "required"),
        ("description", "x" * 501, "too_long"),
        ("part", "hardware", "invalid_choice"),
        ("part", "", "required"),
    ],
)
def test_validate_line_rejects(field: str, value: str, code: str) -> None:
    parsed, errors = validate_line({**VALID_RAW, field: value})
    assert parsed is None
    assert errors[field].code == code
    assert errors[field].message


def test_eleven_integer_digits_are_allowed_twelve_are_not() -> None:
    parsed, errors = validate_line({**VALID_RAW, "unit_price": "99,999,999,999.9999"})
    assert errors == {} and parsed is not None
    _, errors = validate_line({**VALID_RAW, "unit_price": "999,999,999,999.99"})
    assert errors["unit_price"].code == "too_large"


def test_validate_line_reports_every_field_at_once() -> None:
    _, errors = validate_line(
        {"part": "x", "description": "", "quantity": "-1", "unit_price": "NaN", "unit_cost": "?"}
    )
    assert set(errors) == {"part", "description", "quantity", "unit_price", "unit_cost"}


def test_parse_decimal_refuses_float_but_takes_decimal_and_int() -> None:
    assert parse_decimal(1.5, max_decimals=2)[1].code == "not_a_number"  # type: ignore[union-attr]
    assert parse_decimal(D("2.50"), max_decimals=2) == (D("2.50"), None)
    assert parse_decimal(7, max_decimals=2) == (D(7), None)


def test_quote_line_refuses_float_and_bad_ranges() -> None:
    with pytest.raises(TypeError):
        QuoteLine(QuotePart.SOLUTION, "x", 1.0, D(1), D(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        line("solution", "-1", "1", "1")
    with pytest.raises(ValueError):
        line("solution", "1", "1", "1", "101")


def test_validate_option() -> None:
    assert validate_option(standard_option()) == {}
    assert validate_option(standard_option(name="  "))["name"].code == "required"
    assert (
        validate_option(standard_option(maintenance_years=0))["maintenance_years"].code
        == "maintenance_term_required"
    )
    assert (
        validate_option(standard_option(maintenance_years=11))["maintenance_years"].code
        == "out_of_range"
    )
    assert validate_option(standard_option(lines=()))["lines"].code == "no_lines"


def test_validate_quote_option_count_and_recommendation() -> None:
    a = standard_option(name="A", recommended=True)
    b = standard_option(name="B", recommended=False)
    c = standard_option(name="C", recommended=False)
    d = standard_option(name="D", recommended=False)
    assert validate_quote([a]) == {}
    assert validate_quote([a, b, c]) == {}
    assert validate_quote([])["options"].code == "too_few"
    assert validate_quote([a, b, c, d])["options"].code == "too_many"
    assert validate_quote([b, c])["recommended"].code == "no_recommended"
    assert (
        validate_quote([a, replace(b, recommended=True)])["recommended"].code
        == "several_recommended"
    )
    assert validate_quote([a, replace(b, name=" a ")])["names"].code == "duplicate_name"
    assert validate_quote([a, replace(b, name="")])["option.1.name"].code == "required"


# --- approval matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    discount_pct: Decimal | None
    margin_pct: Decimal | None
    contract_cost: Decimal = D("100")
    option_name: str = "A"


@pytest.mark.parametrize(
    ("discount", "margin", "role"),
    [
        ("0", "60", None),
        ("15", "60", None),  # exactly at the limit is fine: "above" means strictly greater
        ("15.0001", "60", "leader"),
        ("30", "60", "leader"),
        ("30.01", "60", "admin"),
        ("0", "25", None),  # exactly 25 % margin is fine: "below" means strictly less
        ("0", "24.99", "leader"),
        ("0", "15", "leader"),
        ("0", "14.99", "admin"),
        ("0", "-10", "admin"),
        ("20", "20", "leader"),
    ],
)
def test_approval_boundaries(discount: str, margin: str, role: str | None) -> None:
    decision = required_approver(Figures(D(discount), D(margin)), DEFAULT_APPROVAL_RULES)
    assert decision.required_role == role
    assert decision.needs_approval is (role is not None)


def test_approval_lists_every_breach_with_value_and_limit() -> None:
    decision = required_approver(Figures(D("20"), D("10")))
    assert decision.required_role == "admin"
    assert {(r.metric, r.limit, r.role) for r in decision.reasons} == {
        (ApprovalMetric.DISCOUNT_PCT, D("15"), "leader"),
        (ApprovalMetric.MARGIN_PCT, D("25"), "leader"),
        (ApprovalMetric.MARGIN_PCT, D("15"), "admin"),
    }
    assert all(r.value in (D("20"), D("10")) and r.option_name == "A" for r in decision.reasons)


def test_zero_revenue_needs_top_approval_only_when_it_costs_us() -> None:
    assert required_approver(Figures(None, None, contract_cost=D("50"))).required_role == "admin"
    assert required_approver(Figures(None, None, contract_cost=D("0"))).required_role is None


def test_approval_on_real_totals_uses_unrounded_percentages() -> None:
    # 15.04 % displays as 15.0 but is above 15 %.
    option = QuoteOption("A", True, 0, (line("solution", "1", "10000", "1000", "15.04"),))
    totals = option_totals(option)
    assert display_pct(totals.discount_pct) == D("15.0")
    assert required_approver(totals).required_role == "leader"


def test_quote_approval_takes_the_highest_option() -> None:
    cheap = QuoteOption(
        "Cheap", False, 0, (line("solution", "1", "100", "90", "5"),)
    )  # margin 5.3 %
    fine = QuoteOption("Fine", True, 0, (line("solution", "1", "100", "10"),))
    decision = required_approver_for_quote(quote_totals([fine, cheap]))
    assert decision.required_role == "admin"
    assert {r.option_name for r in decision.reasons} == {"Cheap"}


def test_can_approve_alone_by_role_order() -> None:
    leader_needed = ApprovalDecision("leader", ())
    assert not can_approve_alone("rep", leader_needed)
    assert can_approve_alone("leader", leader_needed)
    assert can_approve_alone("admin", leader_needed)
    assert can_approve_alone("presales", ApprovalDecision(None, ()))
    with pytest.raises(ValueError):
        can_approve_alone("intern", leader_needed)


def test_unknown_rule_role_is_an_error() -> None:
    with pytest.raises(ValueError):
        required_approver(Figures(D(0), D(50)), [ApprovalRule("ceo", D(10), None)])


def test_discount_limit_for_role() -> None:
    assert discount_limit_for_role("presales") == D("15")
    assert discount_limit_for_role("rep") == D("15")
    assert discount_limit_for_role("leader") == D("30")
    assert discount_limit_for_role("admin") is None


# --- fingerprint ----------------------------------------------------------------------


def test_fingerprint_is_stable_and_value_based() -> None:
    first = quote_fingerprint([standard_option()])
    assert first == quote_fingerprint([standard_option()])
    assert len(first) == 64 and int(first, 16) >= 0
    same_value = standard_option(
        lines=tuple(
            replace(item, unit_price=item.unit_price.quantize(D("0.01")))
            for item in standard_option().lines
        )
    )
    assert quote_fingerprint([same_value]) == first
    a, b = standard_option(name="A"), standard_option(name="B", recommended=False)
    assert quote_fingerprint([a, b]) == quote_fingerprint([b, a])


@pytest.mark.parametrize(
    "change",
    [
        {"unit_price": D("1000.01")},
        {"quantity": D("11")},
        {"unit_cost": D("401")},
        {"discount_pct": D("11")},
        {"description": "Other licences"},
        {"part": QuotePart.SERVICES},
    ],
)
def test_fingerprint_changes_when_a_line_changes(change: dict[str, object]) -> None:
    option = standard_option()
    changed = replace(option, lines=(replace(option.lines[0], **change), *option.lines[1:]))
    assert quote_fingerprint([changed]) != quote_fingerprint([option])


def test_fingerprint_changes_with_term_or_added_line() -> None:
    option = standard_option()
    assert quote_fingerprint([replace(option, maintenance_years=4)]) != quote_fingerprint([option])
    extra = replace(option, lines=(*option.lines, line("services", "1", "100", "50")))
    assert quote_fingerprint([extra]) != quote_fingerprint([option])
