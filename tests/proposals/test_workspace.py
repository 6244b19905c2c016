"""Opportunity-workspace analytics: NSABC health, coverage, competition matrix, grading."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.stages import (
    AccountGrade,
    ActivityStatus,
    Attitude,
    BuyingRole,
    DecisionType,
    MapRole,
    NsabcElement,
)
from proposals.workspace import (
    COVERAGE_WARNINGS,
    Activity,
    Competitor,
    CoverageWarningCode,
    Criterion,
    CustomerValueLabel,
    InsightKind,
    NumberErrorCode,
    Stakeholder,
    competition_matrix,
    customer_value_scores,
    decision_chain_coverage,
    element_health,
    suggest_account_grade,
    undone_activities_for_stage,
    validate_score,
    validate_weight,
)

TODAY = date(2025, 3, 1)
NEEDS, SOLUTION, AUTHORITY, BENEFIT, COMPETITOR = NsabcElement
DONE = ActivityStatus.DONE
IN_PROGRESS = ActivityStatus.IN_PROGRESS
NOT_STARTED = ActivityStatus.NOT_STARTED
NOT_APPLICABLE = ActivityStatus.NOT_APPLICABLE
fast = settings(max_examples=60, deadline=None)


# ----------------------------------------------------------------------------- health


def test_health_with_no_activities_is_unknown_for_every_element():
    health = element_health([], current_stage_index=2, today=TODAY)
    assert list(health) == list(NsabcElement)
    assert all(h.score is None and h.counted == 0 for h in health.values())


def test_health_all_not_applicable_is_unknown_not_perfect():
    activities = [Activity(0, NEEDS, NOT_APPLICABLE), Activity(1, NEEDS, NOT_APPLICABLE)]
    assert element_health(activities, 1, TODAY)[NEEDS].score is None


def test_health_credits_done_half_in_progress_and_ignores_later_stages():
    activities = [
        Activity(0, NEEDS, DONE),
        Activity(0, NEEDS, IN_PROGRESS),
        Activity(0, NEEDS, NOT_STARTED),
        Activity(0, NEEDS, NOT_APPLICABLE),
        Activity(3, NEEDS, NOT_STARTED),  # later stage: not due yet
    ]
    health = element_health(activities, 1, TODAY)[NEEDS]
    assert health.score == 50  # (1 + 0.5 + 0) / 3
    assert (health.counted, health.done, health.overdue) == (3, 1, 0)


def test_health_past_stage_gaps_weigh_more_than_current_stage_gaps():
    past_gap = [Activity(0, SOLUTION, NOT_STARTED), Activity(1, SOLUTION, DONE)]
    current_gap = [Activity(0, SOLUTION, DONE), Activity(1, SOLUTION, NOT_STARTED)]
    # past gap: (1×0 + 0.5×1) / 1.5 = 33.3; current gap: (1×1 + 0.5×0) / 1.5 = 66.7
    assert element_health(past_gap, 1, TODAY)[SOLUTION].score == 33
    assert element_health(current_gap, 1, TODAY)[SOLUTION].score == 67


def test_health_overdue_in_progress_earns_nothing_and_weighs_fully():
    yesterday = TODAY - timedelta(days=1)
    activities = [
        Activity(1, AUTHORITY, DONE),
        Activity(1, AUTHORITY, IN_PROGRESS, due_date=yesterday),
    ]
    health = element_health(activities, 1, TODAY)[AUTHORITY]
    # (0.5×1 + 1×0) / 1.5
    assert health.score == 33
    assert health.overdue == 1


def test_health_due_today_or_done_late_is_not_overdue():
    activities = [
        Activity(1, BENEFIT, IN_PROGRESS, due_date=TODAY),
        Activity(1, BENEFIT, DONE, due_date=TODAY - timedelta(days=9)),
    ]
    health = element_health(activities, 1, TODAY)[BENEFIT]
    assert health.overdue == 0
    assert health.score == 75


def test_health_rounds_half_up():
    # 1 done + 1 in progress + 2 not started... → (1 + 0.5) / 4 = 37.5 → 38
    activities = [
        Activity(0, COMPETITOR, DONE),
        Activity(0, COMPETITOR, IN_PROGRESS),
        Activity(0, COMPETITOR, NOT_STARTED),
        Activity(0, COMPETITOR, NOT_STARTED),
    ]
    assert element_health(activities, 0, TODAY)[COMPETITOR].score == 38


activity_strategy = st.builds(
    Activity,
    stage_index=st.integers(0, 4),
    element=st.sampled_from(NsabcElement),
    status=st.sampled_from(ActivityStatus),
    due_date=st.none() | st.dates(date(2025, 1, 1), date(2025, 6, 1)),
)


@fast
@given(st.lists(activity_strategy, max_size=30), st.integers(0, 4))
def test_health_scores_stay_within_0_and_100(activities, current):
    for health in element_health(activities, current, TODAY).values():
        assert health.score is None or 0 <= health.score <= 100
        assert (health.score is None) == (health.counted == 0)


def test_undone_activities_for_stage_lists_open_work_of_that_stage_only():
    activities = [
        Activity(2, NEEDS, DONE, id=1),
        Activity(2, SOLUTION, IN_PROGRESS, id=2),
        Activity(2, AUTHORITY, NOT_APPLICABLE, id=3),
        Activity(2, BENEFIT, NOT_STARTED, id=4),
        Activity(1, BENEFIT, NOT_STARTED, id=5),
    ]
    assert [a.id for a in undone_activities_for_stage(activities, 2)] == [2, 4]
    assert undone_activities_for_stage(activities, 3) == []
    assert undone_activities_for_stage([], 0) == []


# --------------------------------------------------------------------------- coverage


def person(
    id,
    *,
    map_role=None,
    buying_role=None,
    decision_type=None,
    influence=3,
    attitude=Attitude.NEUTRAL,
    days_ago=5,
):
    return Stakeholder(
        id=id,
        name=f"P{id}",
        map_role=map_role,
        buying_role=buying_role,
        decision_type=decision_type,
        influence=influence,
        attitude=attitude,
        last_contact=None if days_ago is None else TODAY - timedelta(days=days_ago),
    )


def well_covered_chain():
    return [
        person(
            1,
            map_role=MapRole.MONEY,
            buying_role=BuyingRole.ECONOMIC,
            decision_type=DecisionType.FINAL,
            influence=5,
            attitude=Attitude.SUPPORTER,
        ),
        person(
            2,
            map_role=MapRole.AUTHORITY,
            buying_role=BuyingRole.TECHNICAL,
            influence=4,
            attitude=Attitude.NEUTRAL,
            days_ago=10,
        ),
        person(
            3,
            map_role=MapRole.PRODUCT,
            buying_role=BuyingRole.USER,
            influence=2,
            attitude=Attitude.OPPONENT,
            days_ago=60,
        ),
        person(
            4, buying_role=BuyingRole.COACH, influence=2, attitude=Attitude.SUPPORTER, days_ago=None
        ),
    ]


def test_coverage_with_no_stakeholders_only_says_so():
    coverage = decision_chain_coverage([], TODAY)
    assert coverage.warning_codes == (CoverageWarningCode.NO_STAKEHOLDERS,)
    assert coverage.key_supporter_pct is None
    assert coverage.max_days_since_contact is None
    assert coverage.median_days_since_contact is None
    assert coverage.days_since_contact == {}
    assert coverage.missing_map_roles == tuple(MapRole)
    assert coverage.missing_buying_roles == tuple(BuyingRole)
    assert coverage.warnings[0].text == COVERAGE_WARNINGS["no_stakeholders"]


def test_coverage_of_a_well_covered_chain():
    coverage = decision_chain_coverage(well_covered_chain(), TODAY)
    assert coverage.warnings == ()
    assert (coverage.key_stakeholders, coverage.key_supporters) == (2, 1)
    assert coverage.key_supporter_pct == 50.0
    assert coverage.days_since_contact == {1: 5, 2: 10, 3: 60, 4: None}
    assert coverage.max_days_since_contact == 60
    assert coverage.median_days_since_contact == 10.0
    assert coverage.never_contacted == (4,)
    assert coverage.missing_map_roles == ()
    assert coverage.missing_buying_roles == ()


def test_coverage_warns_about_missing_roles_in_fixed_order():
    coverage = decision_chain_coverage(
        [person(1, map_role=MapRole.PRODUCT, buying_role=BuyingRole.USER)], TODAY
    )
    assert coverage.warning_codes == (
        CoverageWarningCode.NO_MONEY_ROLE,
        CoverageWarningCode.NO_ECONOMIC_BUYER,
        CoverageWarningCode.NO_COACH,
    )
    assert coverage.missing_map_roles == (MapRole.MONEY, MapRole.AUTHORITY)
    assert coverage.missing_buying_roles == (
        BuyingRole.ECONOMIC,
        BuyingRole.TECHNICAL,
        BuyingRole.COACH,
    )
    # No high-influence people: the share is unknown, not 0 %.
    assert coverage.key_supporter_pct is None
    assert "Money" in coverage.warnings[0].text["en"]
    assert coverage.warnings[0].text["zh_CN"]


@pytest.mark.parametrize(
    "opponent",
    [
        person(9, decision_type=DecisionType.FINAL, influence=3, attitude=Attitude.OPPONENT),
        person(9, buying_role=BuyingRole.ECONOMIC, influence=2, attitude=Attitude.OPPONENT),
        person(9, influence=5, attitude=Attitude.OPPONENT),
    ],
    ids=["final", "economic", "influence5"],
)
def test_coverage_flags_a_key_decision_maker_who_opposes(opponent):
    coverage = decision_chain_coverage([*well_covered_chain(), opponent], TODAY)
    warning = next(
        w for w in coverage.warnings if w.code == CoverageWarningCode.KEY_DECISION_MAKER_OPPONENT
    )
    assert warning.stakeholder_ids == (9,)


def test_coverage_ignores_a_minor_opponent():
    minor = person(9, decision_type=DecisionType.TECHNICAL, influence=4, attitude=Attitude.OPPONENT)
    codes = decision_chain_coverage([*well_covered_chain(), minor], TODAY).warning_codes
    assert CoverageWarningCode.KEY_DECISION_MAKER_OPPONENT not in codes


def test_stale_contact_means_key_person_over_30_days_or_never():
    chain = [
        *well_covered_chain(),
        person(7, influence=4, days_ago=30),  # exactly 30: still fresh
        person(8, influence=4, days_ago=31),
        person(9, influence=5, attitude=Attitude.SUPPORTER, days_ago=None),
        person(10, influence=3, days_ago=200),  # not a key person
    ]
    coverage = decision_chain_coverage(chain, TODAY)
    stale = [w for w in coverage.warnings if w.code == CoverageWarningCode.STALE_CONTACT]
    assert stale[0].stakeholder_ids == (8, 9)


def test_contact_logged_in_the_future_counts_as_today():
    coverage = decision_chain_coverage([person(1, days_ago=-3)], TODAY)
    assert coverage.days_since_contact == {1: 0}


def test_key_supporter_share_is_percent_rounded_half_up():
    chain = [
        person(1, influence=4, attitude=Attitude.SUPPORTER),
        person(2, influence=5, attitude=Attitude.SUPPORTER),
        person(3, influence=4, attitude=Attitude.NEUTRAL),
    ]
    assert decision_chain_coverage(chain, TODAY).key_supporter_pct == 66.7


def test_stakeholder_rejects_influence_outside_1_to_5():
    with pytest.raises(ValueError):
        person(1, influence=0)
    with pytest.raises(ValueError):
        person(1, influence=6)


# ------------------------------------------------------------------- competition matrix

ACME, BETA = Competitor("acme", "Acme"), Competitor("beta", "Beta")


def test_matrix_with_weights_summing_to_100_is_not_normalised():
    criteria = [
        Criterion("price", "Price", 40, 6, {"acme": 8, "beta": 5}),
        Criterion("tech", "Technology", 60, 9, {"acme": 6, "beta": 7}),
    ]
    result = competition_matrix(criteria, [ACME, BETA])
    assert not result.normalised and not result.weights_all_zero
    assert result.weights == {"price": 40, "tech": 60}
    assert result.us.total_10 == pytest.approx(7.8)
    assert result.us.total_100 == pytest.approx(78)
    assert [c.total_10 for c in result.competitors] == [pytest.approx(6.8), pytest.approx(6.2)]
    assert [s.name for s in result.ranking] == ["", "Acme", "Beta"]
    assert [s.rank for s in result.ranking] == [1, 2, 3]
    assert result.rows[0].gap == pytest.approx(-2)


def test_matrix_normalises_weights_and_keeps_original_sum():
    criteria = [
        Criterion("a", "A", 1, 5, {"acme": 5}),
        Criterion("b", "B", 3, 5, {"acme": 5}),
    ]
    result = competition_matrix(criteria, [ACME])
    assert result.normalised
    assert result.original_weight_sum == 4
    assert result.weights == {"a": 25, "b": 75}


def test_matrix_all_weights_zero_uses_equal_weights_and_flags_it():
    criteria = [
        Criterion("a", "A", 0, 9, {"acme": 3}),
        Criterion("b", "B", 0, 1, {"acme": 3}),
        Criterion("c", "C", 0, 5, {"acme": 3}),
    ]
    result = competition_matrix(criteria, [ACME])
    assert result.weights_all_zero and result.normalised
    assert result.original_weight_sum == 0
    assert list(result.weights.values()) == pytest.approx([100 / 3] * 3)
    assert result.us.total_10 == pytest.approx(5)
    # Equal weights: nothing is above or below the mean, so no advice.
    assert result.insights == ()


def test_matrix_with_one_competitor_and_a_tie_shares_rank():
    criteria = [
        Criterion("a", "A", 1, 6, {"acme": 4}),
        Criterion("b", "B", 1, 4, {"acme": 6}),
        Criterion("c", "C", 1, 5, {"acme": 5}),
    ]
    result = competition_matrix(criteria, [ACME])
    assert result.us.rank == result.competitors[0].rank == 1
    assert result.ranking[0].is_us  # us listed first on a tie


def test_matrix_competition_ranking_skips_after_a_tie():
    gamma = Competitor("gamma", "Gamma")
    criteria = [Criterion("a", "A", 1, 5, {"acme": 5, "beta": 2, "gamma": 9})]
    result = competition_matrix(criteria, [ACME, BETA, gamma])
    assert {s.name or "us": s.rank for s in result.ranking} == {
        "Gamma": 1,
        "us": 2,
        "Acme": 2,
        "Beta": 4,
    }


def test_matrix_with_no_competitors_ranks_us_alone_and_uses_our_score_for_insights():
    criteria = [
        Criterion("a", "A", 10, 8),  # strong, low weight
        Criterion("b", "B", 60, 3),  # weak, high weight
        Criterion("c", "C", 30, 6),
    ]
    result = competition_matrix(criteria, [])
    assert result.competitors == ()
    assert result.us.rank == 1 and result.ranking == (result.us,)
    assert result.rows[0].best_competitor_score is None and result.rows[0].gap is None
    assert [(i.kind, i.criterion_id) for i in result.insights] == [
        (InsightKind.STRONG_BUT_UNIMPORTANT, "a"),
        (InsightKind.WEAK_BUT_IMPORTANT, "b"),
    ]


def test_matrix_with_no_criteria_has_no_totals():
    result = competition_matrix([], [ACME])
    assert result.rows == () and result.weights == {} and result.insights == ()
    assert result.us.total_10 is None and result.us.rank is None
    assert result.competitors[0].total_10 is None and result.competitors[0].rank is None
    assert result.ranking == ()
    assert not result.normalised and not result.weights_all_zero


def test_matrix_insights_compare_with_the_best_competitor():
    criteria = [
        # strong but a rival is stronger → not "strong"; weight below mean → no insight
        Criterion("service", "Service", 5, 8, {"acme": 9}),
        # we score 6 (not < 5) but trail Beta, weight above mean → weak but important
        Criterion("price", "Price", 50, 6, {"acme": 4, "beta": 7}),
        # strong and ahead, weight below mean → strong but unimportant
        Criterion("local", "Local support", 10, 9, {"acme": 6, "beta": 9}),
        Criterion("tech", "Technology", 35, 7, {"acme": 7}),
    ]
    result = competition_matrix(criteria, [ACME, BETA])
    insights = {i.criterion_id: i for i in result.insights}
    assert set(insights) == {"price", "local"}
    assert insights["price"].kind == InsightKind.WEAK_BUT_IMPORTANT
    assert insights["price"].best_competitor_score == 7
    assert "importance" in insights["price"].advice["en"] and insights["price"].advice["zh_CN"]
    assert insights["local"].kind == InsightKind.STRONG_BUT_UNIMPORTANT
    assert insights["local"].weight_pct == pytest.approx(10)


def test_missing_competitor_score_is_left_out_and_renormalised():
    criteria = [
        Criterion("a", "A", 75, 5, {"acme": 8}),
        Criterion("b", "B", 25, 5, {}),  # Acme not scored here
    ]
    result = competition_matrix(criteria, [ACME, BETA])
    acme, beta = result.competitors
    assert acme.total_10 == pytest.approx(8)  # not 8×0.75 = 6
    assert acme.unscored_criteria == ("b",)
    assert beta.total_10 is None and beta.rank is None
    assert beta.unscored_criteria == ("a", "b")
    assert [s.party_id for s in result.ranking] == ["acme", None]


def test_scores_of_unknown_competitors_are_ignored():
    criteria = [Criterion("a", "A", 1, 5, {"deleted": 10})]
    result = competition_matrix(criteria, [ACME])
    assert result.rows[0].best_competitor_score is None


def test_criterion_rejects_bad_values_and_matrix_rejects_duplicate_ids():
    with pytest.raises(ValueError):
        Criterion("a", "A", -1, 5)
    with pytest.raises(ValueError):
        Criterion("a", "A", 1, 11)
    with pytest.raises(ValueError):
        Criterion("a", "A", 1, 5, {"acme": -0.5})
    with pytest.raises(ValueError):
        competition_matrix([Criterion("a", "A", 1, 5), Criterion("a", "B", 1, 5)], [])


score = st.integers(0, 20).map(lambda half_points: half_points / 2)


@st.composite
def matrices(draw):
    n = draw(st.integers(1, 6))
    competitors = [Competitor(f"c{i}", f"C{i}") for i in range(draw(st.integers(0, 3)))]
    criteria = [
        Criterion(
            f"k{j}",
            f"K{j}",
            draw(st.integers(0, 50)),
            draw(score),
            {c.id: draw(score) for c in competitors if draw(st.booleans())},
        )
        for j in range(n)
    ]
    return criteria, competitors


@fast
@given(matrices())
def test_matrix_invariants(data):
    criteria, competitors = data
    result = competition_matrix(criteria, competitors)
    assert sum(result.weights.values()) == pytest.approx(100)
    assert 0 <= result.us.total_10 <= 10
    assert result.us.total_100 == pytest.approx(result.us.total_10 * 10)
    ranked = [s for s in (result.us, *result.competitors) if s.rank is not None]
    assert len(result.ranking) == len(ranked)
    assert min(s.rank for s in ranked) == 1
    for better, worse in zip(result.ranking, result.ranking[1:], strict=False):
        assert better.rank <= worse.rank
        assert better.total_10 >= worse.total_10 - 1e-9
    for insight in result.insights:
        assert insight.weight_pct != pytest.approx(100 / len(criteria))


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7.0), (" 7.5 ", 7.5), ("0", 0.0), ("10", 10.0), (".5", 0.5), ("７．５", 7.5)],
)
def test_validate_score_accepts_numbers_in_range(text, expected):
    check = validate_score(text, 0, 10)
    assert check.ok and check.value == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", NumberErrorCode.REQUIRED),
        ("   ", NumberErrorCode.REQUIRED),
        (None, NumberErrorCode.REQUIRED),
        ("abc", NumberErrorCode.NOT_A_NUMBER),
        ("nan", NumberErrorCode.NOT_A_NUMBER),
        ("inf", NumberErrorCode.NOT_A_NUMBER),
        ("1e1", NumberErrorCode.NOT_A_NUMBER),
        ("7,5", NumberErrorCode.NOT_A_NUMBER),
        ("-0.1", NumberErrorCode.BELOW_MINIMUM),
        ("10.01", NumberErrorCode.ABOVE_MAXIMUM),
    ],
)
def test_validate_score_rejects_with_stable_codes(text, code):
    check = validate_score(text, 0, 10)
    assert not check.ok and check.value is None
    assert check.error.code == code
    assert "0 to 10" in check.error.message["en"]
    assert "0到10" in check.error.message["zh_CN"]


def test_validate_weight_allows_0_to_100():
    assert validate_weight("0").value == 0
    assert validate_weight("100").value == 100
    assert validate_weight("100.5").error.code == NumberErrorCode.ABOVE_MAXIMUM
    assert validate_weight("-1").error.code == NumberErrorCode.BELOW_MINIMUM
    assert validate_weight("heavy").error.code == NumberErrorCode.NOT_A_NUMBER


# ------------------------------------------------------------- account grade and value


@pytest.mark.parametrize(
    ("days", "likelihood", "grade"),
    [
        (90, 70, "A"),
        (91, 70, "B"),
        (30, 69, "B"),
        (180, 50, "B"),
        (181, 50, "C"),
        (100, 49, "C"),
        (365, 0, "C"),
        (366, 30, "C"),
        (366, 29, "D"),
        (-20, 80, "A"),  # slipped close date: still deciding now
    ],
)
def test_suggest_account_grade(days, likelihood, grade):
    result = suggest_account_grade(TODAY + timedelta(days=days), likelihood, TODAY)
    assert result == grade and isinstance(result, AccountGrade)


def test_account_grade_without_close_date_depends_on_likelihood_only():
    assert suggest_account_grade(None, 95, TODAY) == AccountGrade.C
    assert suggest_account_grade(None, 10, TODAY) == AccountGrade.D


@pytest.mark.parametrize("likelihood", [-1, 100.5, float("nan")])
def test_account_grade_rejects_likelihood_outside_percent_range(likelihood):
    with pytest.raises(ValueError):
        suggest_account_grade(TODAY, likelihood, TODAY)


@pytest.mark.parametrize(
    ("scores", "overall", "label"),
    [
        ((10, 8, 7, 7), 8.0, CustomerValueLabel.CORE),
        ((7, 6, 5, 6), 6.0, CustomerValueLabel.IMPORTANT),
        ((5, 4, 3, 3.8), 4.0, CustomerValueLabel.STANDARD),  # 3.95 rounds half up to 4.0
        ((1, 2, 3, 4), 2.5, CustomerValueLabel.LOW),
        ((0, 0, 0, 0), 0.0, CustomerValueLabel.LOW),
    ],
)
def test_customer_value_scores(scores, overall, label):
    value = customer_value_scores(*scores)
    assert value.overall == overall
    assert value.label == label
    assert value.label_text["en"] and value.label_text["zh_CN"]


def test_customer_value_reports_weakest_dimension_and_rejects_out_of_range():
    assert customer_value_scores(8, 9, 2, 7).weakest == "relationship"
    with pytest.raises(ValueError, match="strategic"):
        customer_value_scores(5, 5, 5, 11)
