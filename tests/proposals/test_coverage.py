"""Decision-chain coverage rules by stage (proposals.coverage), each tied to its source."""

from __future__ import annotations

from datetime import date, timedelta

from proposals.coverage import (
    STAGE_RULES,
    OurLevel,
    PlanWarningCode,
    actionable_warnings,
    chain_rollup,
    coverage_plan,
    level_match,
    stage_rule,
)
from proposals.workspace import Stakeholder

TODAY = date(2026, 11, 30)
RECENT = TODAY - timedelta(days=5)


def person(pid, map_role=None, buying_role=None, decision_type=None, influence=3,
           attitude="neutral", last_contact=RECENT):  # fmt: skip
    return Stakeholder(pid, f"P{pid}", map_role, buying_role, decision_type, influence,
                       attitude, last_contact)  # fmt: skip


def won_chain():
    return [
        person(1, "money", "economic", "final", 5, "supporter"),
        person(2, "authority", None, "financial", 3, "supporter"),
        person(3, "product", "technical", "technical", 4, "supporter"),
        person(4, "product", "coach", "user", 2, "supporter"),
    ]


def plan(people, stage="business", mode="centralized", planned=()):
    return coverage_plan(people, STAGE_RULES[stage], mode, set(planned), TODAY)


def test_a_won_chain_raises_nothing():
    assert plan(won_chain()).codes == ()


def test_business_stage_needs_a_supporter_in_every_map_role():
    # Article 000: by business evaluation the whole decision chain (MAP) must be won.
    people = won_chain()
    people[1] = person(2, "authority", None, "financial", 3, "neutral")
    result = plan(people)
    warning = next(w for w in result.warnings if w.code == "role_without_supporter")
    assert warning.roles == ("authority",)
    assert result.supported_roles == ("money", "product")


def test_early_stage_does_not_demand_full_support():
    # Article 000 stage model: winning the chain is a business-evaluation activity.
    people = won_chain()
    people[1] = person(2, "authority", None, "financial", 3, "neutral")
    assert "role_without_supporter" not in plan(people, stage="demand").codes


def test_distributed_account_needs_role_support_one_stage_earlier():
    # Article 004: a distributed buyer decides across departments together.
    people = won_chain()
    people[1] = person(2, "authority", None, "financial", 3, "neutral")
    assert "role_without_supporter" in plan(people, "technical", "distributed").codes
    assert "role_without_supporter" not in plan(people, "technical", "centralized").codes


def test_influential_opponent_needs_a_plan_until_a_task_exists():
    # Article 000: no influential opponent is left without someone working on them.
    people = won_chain() + [person(5, "authority", None, "final", 4, "opponent")]
    warning = next(w for w in plan(people).warnings if w.code == "opponent_without_plan")
    assert warning.stakeholder_ids == (5,)
    assert warning.level == OurLevel.EXECUTIVE
    assert "opponent_without_plan" not in plan(people, planned={5}).codes


def test_opposing_technical_gatekeeper_is_warned():
    # Article 004: the technical decision maker weighs architecture, security, compatibility.
    people = won_chain() + [person(5, "product", "technical", "technical", 4, "opponent")]
    warning = next(w for w in plan(people).warnings if w.code == "gatekeeper_opponent")
    assert warning.stakeholder_ids == (5,)
    assert warning.level == OurLevel.SPECIALIST
    weak = won_chain() + [person(5, "product", "technical", "technical", 2, "opponent")]
    assert "gatekeeper_opponent" not in plan(weak).codes


def test_missing_authority_role_is_warned_at_every_stage():
    # Article 000 MAP: Authority = procurement and the functional departments.
    people = [p for p in won_chain() if p.map_role != "authority"]
    assert PlanWarningCode.NO_AUTHORITY_ROLE in plan(people, stage="demand").codes


def test_coach_marked_opponent_is_a_contradiction_and_no_coach():
    # Article 000: the coach tells us the real chain and attitudes; an opposing one cannot.
    people = won_chain()
    people[3] = person(4, "product", "coach", "user", 2, "opponent")
    result = plan(people)
    assert "coach_opponent" in result.codes
    assert result.has_coach is False


def test_single_threaded_deal_is_flagged():
    # Article 004: relying on one person makes the relationship fragile.
    old = TODAY - timedelta(days=200)
    people = [
        person(1, "money", "economic", "final", 5, "supporter"),
        person(2, "authority", None, None, 3, "supporter", last_contact=old),
        person(3, "product", "coach", None, 3, "supporter", last_contact=None),
    ]
    warning = next(w for w in plan(people).warnings if w.code == "single_threaded")
    assert warning.stakeholder_ids == (1,)
    assert "single_threaded" not in plan(people, stage="demand").codes


def test_centralized_account_needs_its_top_decider_won():
    # Article 004: in a centralized account one senior leader decides.
    people = won_chain()
    people[0] = person(1, "money", "economic", "final", 5, "neutral")
    people.append(person(6, "money", None, None, 3, "supporter"))
    assert "top_decider_not_won" in plan(people, mode="centralized").codes
    assert "top_decider_not_won" in plan(people, mode="hybrid").codes
    assert "top_decider_not_won" not in plan(people, mode="distributed").codes


def test_level_matching():
    # Article 004: executive to executive, manager to manager, specialist to specialist.
    assert level_match(person(1, buying_role="economic")) == OurLevel.EXECUTIVE
    assert level_match(person(1, decision_type="final")) == OurLevel.EXECUTIVE
    assert level_match(person(1, decision_type="technical")) == OurLevel.SPECIALIST
    assert level_match(person(1, decision_type="user")) == OurLevel.MANAGER


def test_no_stakeholders_no_plan_warnings():
    assert plan([]).codes == ()


def test_other_stage_models_fall_back_by_position():
    assert stage_rule("planning", 1, 8) == STAGE_RULES["demand"]
    assert stage_rule("signing", 8, 8) == STAGE_RULES["delivery"]
    assert stage_rule("evaluation", 6, 8) == STAGE_RULES["bidding"]
    assert stage_rule("business", 9, 9) == STAGE_RULES["business"]


def test_rollup_counts_supported_roles_coach_and_overdue_tasks():
    rollup = chain_rollup(won_chain()[:2], [TODAY - timedelta(days=1), TODAY, None], TODAY)
    assert (rollup.supported_roles, rollup.role_count) == (2, 3)
    assert rollup.has_coach is False
    assert (rollup.open_tasks, rollup.overdue_tasks) == (3, 1)


def test_actionable_warnings_merge_coverage_and_plan_with_levels():
    from proposals.workspace import decision_chain_coverage

    people = [person(1, "money", "economic", "final", 5, "opponent")]
    cov = decision_chain_coverage(people, TODAY)
    merged = actionable_warnings(cov.warnings, plan(people), people)
    codes = [w.code for w in merged]
    assert codes[0] == "key_decision_maker_opponent" and merged[0].level == OurLevel.EXECUTIVE
    assert "no_coach" in codes and "no_authority_role" in codes
    assert "no_stakeholders" not in [
        w.code for w in actionable_warnings(decision_chain_coverage([], TODAY).warnings,
                                            plan([]), [])
    ]  # fmt: skip


def test_admin_rules_round_trip_and_override_the_defaults():
    from proposals.coverage import StageRule, format_rule, parse_rule, rules_with_overrides

    rule = StageRule(True, False, 4, 30)
    assert parse_rule(format_rule(rule)) == rule
    for bad in (
        "",
        "support=2;plan=0;contacts=1;window=9",
        "support=1;plan=1;contacts=99;window=9",
    ):
        try:
            parse_rule(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    rules = rules_with_overrides({"technical": format_rule(rule), "demand": "garbage"})
    assert rules["technical"] == rule and rules["demand"] == STAGE_RULES["demand"]
    assert stage_rule("technical", 2, 5, rules) == rule
