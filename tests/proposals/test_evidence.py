"""Evidence the portal judges NSABC activities by (proposals.evidence)."""

from __future__ import annotations

from proposals.evidence import (
    JUDGED_ACTIVITIES,
    chain_evidence,
    competition_evidence,
    criteria_evidence,
    done_problem,
    objections_evidence,
    quote_evidence,
)


def test_decision_chain_is_won_with_every_map_role_and_a_coach():
    # Article 000: win the decision chain (MAP) in business evaluation, with a coach.
    assert chain_evidence(3, 3, True).supports
    assert not chain_evidence(3, 3, False).supports
    assert not chain_evidence(2, 3, True).supports
    assert "2 of 3" in chain_evidence(2, 3, True).found["en"]


def test_procurement_criteria_need_a_saved_analysis():
    # Article 000: influencing the procurement criteria (price weight, method) is analysed.
    assert criteria_evidence(True).supports and not criteria_evidence(False).supports


def test_competition_analysis_needs_a_scored_rival():
    # DOMAIN competition matrix: criteria × importance × our and each rival's strength.
    assert competition_evidence(3, 1).supports
    assert not competition_evidence(3, 0).supports
    assert not competition_evidence(0, 2).supports


def test_trust_is_not_won_with_open_objections():
    # Article 004 LSCPA: an objection is handled through to Assure before it is closed.
    assert objections_evidence(0).supports and not objections_evidence(2).supports


def test_the_quote_counts_once_approved():
    # DOMAIN quote approval authority: below the threshold a leader must approve.
    assert quote_evidence("approved").supports
    for state in (None, "pending", "rejected", "withdrawn"):
        assert not quote_evidence(state).supports


def test_done_against_the_evidence_needs_a_reason():
    against = chain_evidence(1, 3, False)
    assert done_problem(against, "done", "")
    assert done_problem(against, "done", "   ")
    assert not done_problem(against, "done", "Coach met off the record; chain confirmed")
    assert not done_problem(against, "in_progress", "")
    assert not done_problem(chain_evidence(3, 3, True), "done", "")
    assert not done_problem(None, "done", "")


def test_the_judged_activities_cover_the_five_kinds():
    assert set(JUDGED_ACTIVITIES.values()) == {
        "decision_chain", "procurement_criteria", "competition", "objections", "quote"
    }  # fmt: skip
