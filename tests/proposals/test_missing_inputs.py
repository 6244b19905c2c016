"""A scenario whose figures are not all entered has no P(win): the engine says what is
missing instead of guessing (issue 15: scenarios start empty, never from invented
samples). Also the bid's truth: an incomplete official scenario is a gap, not a conflict;
and coverage tasks titled in the reader's language."""

from __future__ import annotations

import math
from decimal import Decimal as D

from proposals import coverage
from proposals.onebid import BidFacts, Code, conflicts, disagreements
from proposals.scoring import (
    CompetitorEstimate,
    Empirical,
    Scenario,
    ScoringRules,
    Triangular,
    missing_inputs,
    validate_scenario,
)

NONE3 = Triangular(None, None, None)


PRICE = Triangular(90, 100, 110)
TECH = Triangular(50, 55, 60)


def _rival(name="A", price=PRICE, tech=TECH):
    return CompetitorEstimate(name, price, tech)


def test_a_complete_scenario_misses_nothing():
    sc = Scenario(ScoringRules(), Triangular(50, 55, 60), 80.0, (_rival(),))
    issues = validate_scenario(sc, (90.0, 110.0))
    assert missing_inputs(issues) == () and not issues


def test_every_empty_figure_is_reported_missing_in_a_fixed_order():
    sc = Scenario(
        ScoringRules(),
        NONE3,
        None,
        (_rival("A", price=NONE3), _rival("B", tech=Triangular(50, None, 60))),
    )
    issues = validate_scenario(sc, (None, None))
    assert missing_inputs(issues) == (
        "our_cost",
        "our_tech",
        "competitors[0].price",
        "competitors[1].tech",
        "candidate_prices",
    )
    # missing blocks the calculation like an error, so no reader can compute a P(win)
    assert all(issues[k].severity == "error" for k in missing_inputs(issues))


def test_missing_is_not_confused_with_a_wrong_figure():
    # NaN typed or stored is "not finite", an error at the field, not "missing"
    sc = Scenario(ScoringRules(), Triangular(50, 55, math.nan), 80.0)
    issues = validate_scenario(sc)
    assert issues["our_tech"].code == "not_finite" and missing_inputs(issues) == ()


def test_past_bids_wait_for_our_cost_rather_than_failing():
    # the empirical model replays past bids against our cost: only the cost is missing
    rival = CompetitorEstimate("A", Empirical((1.08, 0.97), None), Triangular(50, 55, 60))
    issues = validate_scenario(Scenario(ScoringRules(), Triangular(50, 55, 60), None, (rival,)))
    assert missing_inputs(issues) == ("our_cost",)


def test_an_incomplete_official_scenario_is_a_gap_not_a_conflict():
    facts = BidFacts(
        currency="CNY",
        official_name="Official",
        bid_price=D("900000"),
        scenario_missing=("our_cost",),
    )
    found = disagreements(facts)
    gap = next(d for d in found if d.code == Code.SCENARIO_INCOMPLETE)
    assert gap.is_gap and gap.area == "price" and not gap.blocking
    assert gap.params["missing"] == ("our_cost",) and gap not in conflicts(found)
    complete = disagreements(BidFacts(currency="CNY", official_name="Official"))
    assert all(d.code != Code.SCENARIO_INCOMPLETE for d in complete)


def test_a_rule_made_task_title_reads_in_each_language():
    # the warning's own wording, in either language, is recognised and not stored as text
    en = coverage.task_title("no_coach", "王总", "en")
    zh = coverage.task_title("no_coach", "王总", "zh_CN")
    assert en.endswith(" — 王总") and en != zh and "内线" in zh
    assert coverage.rule_title_name("no_coach", zh) == (True, "王总")
    assert coverage.rule_title_name("no_coach", en.split(" — ")[0]) == (True, None)
    # a title the user rewrote is theirs
    assert coverage.rule_title_name("no_coach", "Ask Li for an intro") == (False, None)
    assert coverage.task_title("unknown_code", None, "en") == "unknown_code"
