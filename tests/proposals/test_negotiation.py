"""Negotiation: goals, ZOPA, concession costs and warnings, approval of a plan, round positions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.negotiation import (
    SITUATIONS,
    Concession,
    ConcessionKind,
    DealEconomics,
    Goal,
    NegotiationRound,
    NegotiationSituation,
    NoZopa,
    NoZopaReason,
    PositionBand,
    Term,
    WarningCode,
    Zopa,
    concession_approval,
    concession_warnings,
    cost_of_concession,
    deal_economics_from_totals,
    plan_steps,
    position_after_round,
    validate_concession,
    validate_goal,
    zopa,
)
from proposals.pricing import QuoteLine, QuoteOption, QuotePart, option_totals

D = Decimal


def standard_totals():
    return option_totals(
        QuoteOption(
            "Standard",
            True,
            3,
            (
                QuoteLine(QuotePart.SOLUTION, "Licences", D(10), D(1000), D(400), D(10)),
                QuoteLine(QuotePart.SERVICES, "Implementation", D(5), D(800), D(500)),
                QuoteLine(QuotePart.MAINTENANCE, "Support", D(1), D(2000), D(600), D(5)),
            ),
        )
    )


def economics() -> DealEconomics:
    # solution 9000, services 4000, maintenance 3 × 1900, contract 18700, cost 8300
    return deal_economics_from_totals(
        standard_totals(), training_day_cost=D("1200"), cost_of_capital_pct=D("8")
    )


def concession(
    order: int,
    kind: ConcessionKind,
    amount: str,
    part: QuotePart = QuotePart.SOLUTION,
    condition: str = "If you sign this month, then we …",
) -> Concession:
    return Concession(order, part, kind, D(amount), "helps their budget", condition)


def price_goal(core: bool = False) -> Goal:
    return Goal(
        Term.PRICE, best=D(100), expected=D(90), walk_away=D(80), core=core, higher_is_better=True
    )


# --- goals ----------------------------------------------------------------------------


def test_valid_goals() -> None:
    assert validate_goal(price_goal()) == {}
    payment = Goal(Term.PAYMENT_TERMS, D(30), D(45), D(60), core=False, higher_is_better=False)
    assert validate_goal(payment) == {}
    flat = Goal(Term.PRICE, D(100), D(100), D(100), core=True, higher_is_better=True)
    assert validate_goal(flat) == {}


@pytest.mark.parametrize(
    ("best", "expected", "walk_away", "higher", "field", "code"),
    [
        ("100", "90", "110", True, "walk_away", "walk_away_better_than_best"),
        ("100", "120", "80", True, "expected", "expected_out_of_range"),
        ("100", "70", "80", True, "expected", "expected_out_of_range"),
        ("30", "45", "20", False, "walk_away", "walk_away_better_than_best"),
        ("30", "25", "60", False, "expected", "expected_out_of_range"),
        ("30", "61", "60", False, "expected", "expected_out_of_range"),
    ],
)
def test_invalid_goals(
    best: str, expected: str, walk_away: str, higher: bool, field: str, code: str
) -> None:
    term = Term.PRICE if higher else Term.PAYMENT_TERMS
    errors = validate_goal(
        Goal(term, D(best), D(expected), D(walk_away), core=False, higher_is_better=higher)
    )
    assert errors[field].code == code


def test_negative_price_goal() -> None:
    errors = validate_goal(Goal(Term.PRICE, D(10), D(0), D(-5), core=False, higher_is_better=True))
    assert errors["walk_away"].code == "negative"


# --- ZOPA -----------------------------------------------------------------------------


def test_zopa_overlap() -> None:
    assert zopa(D("80000"), D("100000"), "CNY", "cny") == Zopa(
        D("80000"), D("100000"), D("20000"), "CNY"
    )


def test_zopa_touching_is_a_single_price() -> None:
    result = zopa(D("90000"), D("90000"), "CNY", "CNY")
    assert (
        isinstance(result, Zopa) and result.width == 0 and result.low == result.high == D("90000")
    )


def test_no_zopa_reports_the_gap() -> None:
    result = zopa(D("100000"), D("90000"), "USD", "USD")
    assert isinstance(result, NoZopa)
    assert result.reason is NoZopaReason.NO_OVERLAP and result.gap == D("10000")


def test_currency_mismatch_is_an_error_not_a_comparison() -> None:
    # numerically overlapping, but 80000 CNY and 100000 USD cannot be compared
    result = zopa(D("80000"), D("100000"), "CNY", "USD")
    assert isinstance(result, NoZopa) and result.reason is NoZopaReason.CURRENCY_MISMATCH
    assert "CNY" in result.message and "USD" in result.message


@pytest.mark.parametrize(("ours", "theirs"), [("yuan", "CNY"), ("CNY", ""), ("C1Y", "C1Y")])
def test_invalid_currency(ours: str, theirs: str) -> None:
    result = zopa(D(1), D(2), ours, theirs)
    assert isinstance(result, NoZopa) and result.reason is NoZopaReason.INVALID_CURRENCY


def test_negative_amounts() -> None:
    result = zopa(D(-1), D(2), "EUR", "EUR")
    assert isinstance(result, NoZopa) and result.reason is NoZopaReason.NEGATIVE_AMOUNT


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_zopa_exists_exactly_when_buyer_reaches_walk_away(
    walk_away: Decimal, buyer_max: Decimal
) -> None:
    result = zopa(walk_away, buyer_max, "EUR", "EUR")
    assert isinstance(result, Zopa) == (buyer_max >= walk_away)
    if isinstance(result, Zopa):
        assert result.low + result.width == result.high


# --- concession costs -----------------------------------------------------------------


def test_economics_come_from_the_quote() -> None:
    e = economics()
    assert (e.solution_net, e.services_net, e.maintenance_net) == (
        D("9000.00"),
        D("4000.00"),
        D("5700.00"),
    )
    assert e.annual_maintenance_cost == D("600.00")
    assert e.contract_value == D("18700.00")


@pytest.mark.parametrize(
    ("kind", "amount", "part", "cost"),
    [
        (ConcessionKind.DISCOUNT_PCT, "5", QuotePart.SOLUTION, "450.00"),  # 9000 × 5 %
        (ConcessionKind.DISCOUNT_PCT, "2", QuotePart.MAINTENANCE, "114.00"),  # 3 × 1900 × 2 %
        (ConcessionKind.DISCOUNT_PCT, "0.333", QuotePart.SERVICES, "13.32"),  # 13.32 exactly
        (ConcessionKind.EXTRA_TRAINING_DAYS, "2", QuotePart.SERVICES, "2400.00"),  # 2 × 1200
        (ConcessionKind.LONGER_WARRANTY_YEARS, "1", QuotePart.MAINTENANCE, "600.00"),
        (ConcessionKind.LONGER_WARRANTY_YEARS, "0.5", QuotePart.MAINTENANCE, "300.00"),
        (
            ConcessionKind.PAYMENT_TERMS_DAYS,
            "30",
            QuotePart.SOLUTION,
            "122.96",
        ),  # 18700 × 8 % × 30/365 = 122.958…
    ],
)
def test_cost_of_concession(kind: ConcessionKind, amount: str, part: QuotePart, cost: str) -> None:
    assert cost_of_concession(concession(1, kind, amount, part), economics()) == D(cost)


def test_validate_concession() -> None:
    assert validate_concession(concession(1, ConcessionKind.DISCOUNT_PCT, "5")) == {}
    assert (
        validate_concession(concession(1, ConcessionKind.DISCOUNT_PCT, "0"))["amount"].code
        == "not_positive"
    )
    assert (
        validate_concession(concession(1, ConcessionKind.DISCOUNT_PCT, "101"))["amount"].code
        == "out_of_range"
    )
    wrong = concession(1, ConcessionKind.EXTRA_TRAINING_DAYS, "1", QuotePart.SOLUTION)
    assert validate_concession(wrong)["part"].code == "wrong_part"
    assert (
        validate_concession(concession(0, ConcessionKind.DISCOUNT_PCT, "1"))["order"].code
        == "invalid_order"
    )


# --- warnings -------------------------------------------------------------------------


def good_plan() -> list[Concession]:
    return [
        concession(1, ConcessionKind.DISCOUNT_PCT, "5"),  # 450
        concession(2, ConcessionKind.LONGER_WARRANTY_YEARS, "0.5", QuotePart.MAINTENANCE),  # 300
        concession(3, ConcessionKind.PAYMENT_TERMS_DAYS, "30"),  # 122.96
    ]


def test_good_plan_has_no_warnings() -> None:
    assert (
        concession_warnings(good_plan(), economics(), walk_away=D("17000"), start_price=D("18700"))
        == []
    )


def test_plan_steps_sorted_with_running_price() -> None:
    steps = plan_steps(reversed(good_plan()), economics(), D("18700"))
    assert [s.concession.order for s in steps] == [1, 2, 3]
    assert [s.price_after for s in steps] == [D("18250.00"), D("17950.00"), D("17827.04")]


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_warns_about_concession_without_condition(blank: str) -> None:
    plan = good_plan()
    plan[1] = concession(
        2, ConcessionKind.LONGER_WARRANTY_YEARS, "0.5", QuotePart.MAINTENANCE, condition=blank
    )
    warnings = concession_warnings(plan, economics(), D("0"), D("18700"))
    assert [(w.code, w.step) for w in warnings] == [(WarningCode.NO_CONDITION, 2)]


def test_warns_about_growing_steps() -> None:
    plan = [
        concession(1, ConcessionKind.DISCOUNT_PCT, "2"),  # 180
        concession(
            2, ConcessionKind.LONGER_WARRANTY_YEARS, "1", QuotePart.MAINTENANCE
        ),  # 600: grows
        concession(
            3, ConcessionKind.EXTRA_TRAINING_DAYS, "0.25", QuotePart.SERVICES
        ),  # 300: shrinks
    ]
    warnings = concession_warnings(plan, economics(), D("0"), D("18700"))
    assert [(w.code, w.step) for w in warnings] == [(WarningCode.GROWING_STEPS, 2)]


def test_equal_steps_do_not_count_as_growing() -> None:
    plan = [concession(n, ConcessionKind.DISCOUNT_PCT, "1") for n in (1, 2)]
    assert concession_warnings(plan, economics(), D("0"), D("18700")) == []


def test_warns_once_at_the_step_that_crosses_walk_away() -> None:
    warnings = concession_warnings(
        good_plan(), economics(), walk_away=D("18000"), start_price=D("18700")
    )
    assert [(w.code, w.step) for w in warnings] == [(WarningCode.CROSSES_WALK_AWAY, 2)]
    assert "17950.00" in warnings[0].message


def test_landing_exactly_on_walk_away_is_allowed() -> None:
    assert (
        concession_warnings(
            good_plan()[:2], economics(), walk_away=D("17950"), start_price=D("18700")
        )
        == []
    )


def test_warns_when_core_term_is_conceded_or_listed_tradeable() -> None:
    warranty_goal = Goal(Term.WARRANTY, D(1), D(2), D(3), core=True, higher_is_better=False)
    scope_goal = Goal(Term.SCOPE, D(0), D(1), D(2), core=False, higher_is_better=False)
    warnings = concession_warnings(
        good_plan(),
        economics(),
        D("0"),
        D("18700"),
        goals=[price_goal(core=True), warranty_goal, scope_goal],
        tradeable_terms=[Term.SCOPE],
    )
    assert [(w.code, w.term) for w in warnings] == [
        (WarningCode.CORE_TERM_TRADEABLE, Term.PRICE),
        (WarningCode.CORE_TERM_TRADEABLE, Term.WARRANTY),
    ]
    listed_only = concession_warnings(
        [],
        economics(),
        D("0"),
        D("18700"),
        goals=[Goal(Term.DELIVERY_DATE, D(90), D(60), D(30), True, True)],
        tradeable_terms=[Term.DELIVERY_DATE],
    )
    assert [w.term for w in listed_only] == [Term.DELIVERY_DATE]


# --- approval of a plan ---------------------------------------------------------------


def test_small_plan_stays_within_rep_authority() -> None:
    plan = [concession(1, ConcessionKind.DISCOUNT_PCT, "10")]  # 900 off: 2200 / 20000 = 11 %
    result = concession_approval(plan, standard_totals(), economics())
    assert result.cumulative_discount_pct == D("11")
    assert result.negotiator_limit_pct == D("15")
    assert result.required_role is None and result.negotiator_can_approve


def test_plan_that_adds_up_past_rep_limit_needs_leader() -> None:
    plan = [
        concession(1, ConcessionKind.DISCOUNT_PCT, "20"),  # 1800
        concession(2, ConcessionKind.DISCOUNT_PCT, "10", QuotePart.SERVICES),  # 400
    ]
    result = concession_approval(plan, standard_totals(), economics())
    assert result.cumulative_discount_pct == D("17.5")  # (1300 + 2200) / 20000
    assert result.required_role == "leader"
    assert not result.negotiator_can_approve
    assert concession_approval(
        plan, standard_totals(), economics(), negotiator_role="leader"
    ).negotiator_can_approve


def test_non_price_concessions_eat_margin() -> None:
    # 5 extra training days cost 6000: margin (18700 − 14300) / 18700 = 23.5 % < 25 %
    plan = [concession(1, ConcessionKind.EXTRA_TRAINING_DAYS, "5", QuotePart.SERVICES)]
    result = concession_approval(plan, standard_totals(), economics())
    assert result.cumulative_discount_pct == D("6.5")
    assert result.required_role == "leader"
    assert [r.metric.value for r in result.reasons] == ["margin_pct"]


# --- rounds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offer", "conceded", "band"),
    [
        ("105", "-25", PositionBand.ABOVE_EXPECTED),
        ("95", "25", PositionBand.ABOVE_EXPECTED),
        ("90", "50", PositionBand.ABOVE_EXPECTED),
        ("85", "75", PositionBand.BETWEEN_EXPECTED_AND_WALK_AWAY),
        ("80", "100", PositionBand.BETWEEN_EXPECTED_AND_WALK_AWAY),
        ("79", "105", PositionBand.BELOW_WALK_AWAY),
    ],
)
def test_position_for_price(offer: str, conceded: str, band: PositionBand) -> None:
    rounds = [NegotiationRound(1, D("70"), D("100")), NegotiationRound(2, D("75"), D(offer))]
    position = position_after_round(price_goal(), rounds)
    assert position is not None
    assert position.round_number == 2
    assert position.conceded_pct == D(conceded)
    assert position.band is band


def test_position_uses_highest_round_number_not_list_order() -> None:
    rounds = [NegotiationRound(3, None, D("82")), NegotiationRound(1, None, D("100"))]
    position = position_after_round(price_goal(), rounds)
    assert position is not None and position.round_number == 3 and position.offer == D("82")


def test_position_for_lower_is_better_term() -> None:
    goal = Goal(Term.PAYMENT_TERMS, D(30), D(45), D(60), core=False, higher_is_better=False)
    position = position_after_round(goal, [NegotiationRound(1, D(90), D(40))])
    assert position is not None and position.band is PositionBand.ABOVE_EXPECTED
    assert position.conceded_pct is not None and round(position.conceded_pct, 2) == D("33.33")
    worse = position_after_round(goal, [NegotiationRound(1, D(90), D(70))])
    assert worse is not None and worse.band is PositionBand.BELOW_WALK_AWAY


def test_position_edge_cases() -> None:
    assert position_after_round(price_goal(), []) is None
    flat = Goal(Term.PRICE, D(100), D(100), D(100), core=True, higher_is_better=True)
    position = position_after_round(flat, [NegotiationRound(1, None, D(100))])
    assert (
        position is not None
        and position.conceded_pct is None
        and position.band is PositionBand.ABOVE_EXPECTED
    )


# --- situations -----------------------------------------------------------------------


def test_six_situations_with_labels_in_both_languages() -> None:
    assert set(SITUATIONS) == set(NegotiationSituation)
    assert len(SITUATIONS) == 6
    for key, info in SITUATIONS.items():
        assert info.situation is key
        assert info.label_en and info.label_zh and info.description_en and info.description_zh
    assert "破" in SITUATIONS[NegotiationSituation.DEADLOCK].label_zh
    assert "拖" in SITUATIONS[NegotiationSituation.DELAY].label_zh
