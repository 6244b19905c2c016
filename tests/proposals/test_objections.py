"""Objections: LSCPA steps, closing, playbook, ranking, age buckets, recurrence."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.objections import (
    PLAYBOOK_SEED,
    STEP_ORDER,
    AgeBucket,
    CloseOutcome,
    LscpaStep,
    ObjectionRecord,
    ObjectionType,
    OpenObjection,
    ResponseStats,
    can_complete,
    objection_age_buckets,
    objection_similarity,
    objection_tokens,
    rank_responses,
    recurring_objections,
    success_rate,
    validate_close,
    validate_step,
    wilson_lower_bound,
)

D = Decimal
L, S, C, P, A = STEP_ORDER


# --- step order -----------------------------------------------------------------------


def test_steps_are_in_lscpa_order() -> None:
    assert [s.value for s in STEP_ORDER] == ["listen", "sympathize", "confirm", "process", "assure"]


def test_first_step_needs_nothing() -> None:
    assert can_complete(L, [])


def test_next_step_after_previous_done() -> None:
    assert can_complete(C, [L, S])
    assert can_complete(A, [L, S, C, P])


def test_step_blocked_names_first_missing_step() -> None:
    check = can_complete(P, [L, C])
    assert not check
    assert check.missing is S
    assert check.error is not None and check.error.code == "previous_step_missing"
    assert "sympathize" in check.error.message


def test_redoing_a_done_step_is_allowed_and_strings_are_accepted() -> None:
    assert can_complete("sympathize", ["listen", "sympathize", "confirm"])  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(STEP_ORDER), st.sets(st.sampled_from(STEP_ORDER)))
def test_can_complete_iff_all_earlier_steps_done(step: LscpaStep, done: set[LscpaStep]) -> None:
    earlier = set(STEP_ORDER[: STEP_ORDER.index(step)])
    assert bool(can_complete(step, done)) == earlier.issubset(done)


# --- step validation ------------------------------------------------------------------


def test_listen_needs_notes() -> None:
    assert validate_step(L, {"notes": " "})["notes"].code == "required"
    assert validate_step(L, {"notes": "Too expensive vs. last year"}) == {}
    assert validate_step(S, {}) == {}


@pytest.mark.parametrize("value", [True, "yes", "Yes", "on", "1", "true"])
def test_confirm_accepts_yes(value: object) -> None:
    assert validate_step(C, {"customer_confirmed": value}) == {}


@pytest.mark.parametrize("value", [None, False, "no", "", "maybe"])
def test_confirm_requires_customer_confirmation(value: object) -> None:
    assert (
        validate_step(C, {"customer_confirmed": value})["customer_confirmed"].code
        == "confirmation_required"
    )


def test_process_requires_a_chosen_response() -> None:
    assert validate_step(P, {})["response_key"].code == "response_required"
    assert validate_step(P, {"response_key": "price_tco"}) == {}
    assert validate_step(P, {"response_key": "custom"})["notes"].code == "required"
    assert validate_step(P, {"response_key": "custom", "notes": "Offered a workshop"}) == {}


def test_assure_requires_commitment_owner_and_due_date() -> None:
    errors = validate_step(A, {})
    assert {k: e.code for k, e in errors.items()} == {
        "commitment": "required",
        "owner": "required",
        "due_date": "required",
    }
    good = {"commitment": "Send TCO sheet", "owner": "Li Wei", "due_date": "2024-05-10"}
    assert validate_step(A, good) == {}
    assert validate_step(A, {**good, "due_date": date(2024, 5, 10)}) == {}
    assert validate_step(A, {**good, "due_date": "10/05/2024"})["due_date"].code == "invalid_date"
    assert validate_step(A, good, today=date(2024, 5, 11))["due_date"].code == "due_date_past"
    assert validate_step(A, good, today=date(2024, 5, 10)) == {}


# --- closing --------------------------------------------------------------------------


def test_resolved_requires_all_five_steps() -> None:
    errors = validate_close(CloseOutcome.RESOLVED, [L, S, C, P])
    assert errors["outcome"].code == "steps_incomplete" and "assure" in errors["outcome"].message
    assert validate_close(CloseOutcome.RESOLVED, STEP_ORDER) == {}


@pytest.mark.parametrize("outcome", [CloseOutcome.ESCALATED, CloseOutcome.LOST])
def test_escalated_or_lost_can_close_early(outcome: CloseOutcome) -> None:
    assert validate_close(outcome, [L]) == {}


# --- playbook -------------------------------------------------------------------------

_EN_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def test_playbook_covers_the_four_types_with_four_responses_each() -> None:
    keys = [r.key for r in PLAYBOOK_SEED]
    assert len(keys) == len(set(keys))
    for objection_type in (
        ObjectionType.PRICE,
        ObjectionType.TIME,
        ObjectionType.RISK,
        ObjectionType.DECISION,
    ):
        assert sum(1 for r in PLAYBOOK_SEED if r.objection_type is objection_type) == 4


@pytest.mark.parametrize("response", PLAYBOOK_SEED, ids=lambda r: r.key)
def test_playbook_entry_is_bilingual_and_three_to_six_sentences(response) -> None:  # type: ignore[no-untyped-def]
    assert response.title_en.strip() and response.title_zh.strip()
    assert 3 <= len(_EN_SENTENCE_END.findall(response.body_en)) <= 6
    assert 3 <= response.body_zh.count("。") <= 6
    assert re.search(r"[\u4e00-\u9fff]", response.title_zh + response.body_zh)
    assert not re.search(r"[\u4e00-\u9fff]", response.title_en + response.body_en)


# --- success rate and ranking ---------------------------------------------------------


def test_success_rate() -> None:
    assert success_rate(0, 0) is None
    assert success_rate(4, 3) == D("75")
    assert success_rate(1, 1) == D("100")
    with pytest.raises(ValueError):
        success_rate(1, 2)
    with pytest.raises(ValueError):
        success_rate(-1, 0)


def test_wilson_lower_bound_known_values() -> None:
    assert round(wilson_lower_bound(1, 1), 1) == D("20.7")
    assert round(wilson_lower_bound(50, 40), 1) == D("67.0")
    assert wilson_lower_bound(0, 0) == 0
    assert wilson_lower_bound(5, 0) == 0


def test_one_lucky_success_does_not_outrank_a_proven_response() -> None:
    ranked = rank_responses([ResponseStats("lucky", 1, 1), ResponseStats("proven", 50, 40)])
    assert [r.key for r in ranked] == ["proven", "lucky"]
    assert ranked[1].success_rate == D("100")


def test_untried_ranks_above_proven_failure_and_ties_are_stable() -> None:
    ranked = rank_responses(
        [ResponseStats("failed", 5, 0), ResponseStats("b_new", 0, 0), ResponseStats("a_new", 0, 0)]
    )
    assert [r.key for r in ranked] == ["a_new", "b_new", "failed"]


counts = st.integers(min_value=0, max_value=300).flatmap(
    lambda used: st.tuples(st.just(used), st.integers(min_value=0, max_value=used))
)


@settings(max_examples=100, deadline=None)
@given(counts)
def test_lower_bound_is_below_rate_and_grows_with_success(pair: tuple[int, int]) -> None:
    used, resolved = pair
    bound = wilson_lower_bound(used, resolved)
    rate = success_rate(used, resolved)
    assert D(0) <= bound <= (rate if rate is not None else D(0)) + D("1e-20")
    # one more use that succeeded never lowers the bound
    assert wilson_lower_bound(used + 1, resolved + 1) >= bound


@settings(max_examples=100, deadline=None)
@given(st.lists(counts, max_size=8))
def test_ranking_is_sorted_by_lower_bound(pairs: list[tuple[int, int]]) -> None:
    ranked = rank_responses([ResponseStats(f"r{i}", u, r) for i, (u, r) in enumerate(pairs)])
    bounds = [r.lower_bound for r in ranked]
    assert bounds == sorted(bounds, reverse=True)
    assert len(ranked) == len(pairs)


# --- age buckets ----------------------------------------------------------------------


def test_age_buckets_boundaries() -> None:
    today = date(2024, 3, 31)
    ages = [0, 7, 8, 30, 31, 90, 91, 400]
    objections = [OpenObjection(ObjectionType.PRICE, today - timedelta(days=a)) for a in ages]
    objections.append(OpenObjection(ObjectionType.RISK, today + timedelta(days=2)))  # future: age 0
    objections.append(OpenObjection(ObjectionType.TIME, datetime(2024, 3, 1, 23, 59)))  # 30 days
    buckets = objection_age_buckets(objections, today)
    assert buckets[ObjectionType.PRICE] == {
        AgeBucket.DAYS_0_7: 2,
        AgeBucket.DAYS_8_30: 2,
        AgeBucket.DAYS_31_90: 2,
        AgeBucket.OVER_90: 2,
    }
    assert buckets[ObjectionType.RISK][AgeBucket.DAYS_0_7] == 1
    assert buckets[ObjectionType.TIME][AgeBucket.DAYS_8_30] == 1
    assert set(buckets) == set(ObjectionType)
    assert all(set(row) == set(AgeBucket) for row in buckets.values())
    assert sum(sum(row.values()) for row in buckets.values()) == len(objections)


def test_age_buckets_empty() -> None:
    buckets = objection_age_buckets([], date(2024, 1, 1))
    assert all(count == 0 for row in buckets.values() for count in row.values())


# --- recurring objections -------------------------------------------------------------


def test_tokens_normalise_case_width_stopwords_and_chinese() -> None:
    assert objection_tokens("The PRICE is too high") == {"price", "high"}
    assert objection_tokens("ＰＲＩＣＥ") == {"price"}  # full-width letters
    assert objection_tokens("价格太高") == {"价格", "格太", "太高"}
    assert objection_tokens("贵") == {"贵"}
    assert objection_similarity("", "") == 0


def test_recurring_objections_groups_across_opportunities() -> None:
    records = [
        ObjectionRecord(
            1, ObjectionType.PRICE, "Your price is too high compared to the competitor"
        ),
        ObjectionRecord(2, ObjectionType.PRICE, "price too high compared to competitor quote"),
        ObjectionRecord(3, ObjectionType.PRICE, "价格太高了"),
        ObjectionRecord(4, ObjectionType.PRICE, "价格太高"),
        ObjectionRecord(
            5, ObjectionType.RISK, "price too high compared to competitor"
        ),  # other type
        ObjectionRecord(6, ObjectionType.TIME, "go-live date before year end is impossible"),
        ObjectionRecord(
            6, ObjectionType.TIME, "go live date before year end impossible"
        ),  # same opportunity only
    ]
    groups = recurring_objections(records)
    assert len(groups) == 2
    english = next(g for g in groups if 1 in g.opportunity_ids)
    assert english.opportunity_ids == (1, 2)
    assert english.objection_type is ObjectionType.PRICE
    assert english.common_tokens == {"price", "high", "compared", "competitor"}
    chinese = next(g for g in groups if 3 in g.opportunity_ids)
    assert chinese.opportunity_ids == (3, 4)


def test_dissimilar_objections_do_not_recur() -> None:
    records = [
        ObjectionRecord("a", ObjectionType.RISK, "worried about data migration"),
        ObjectionRecord("b", ObjectionType.RISK, "the vendor might go bankrupt"),
        ObjectionRecord("c", ObjectionType.RISK, ""),
        ObjectionRecord("d", ObjectionType.RISK, ""),
    ]
    assert recurring_objections(records) == []


def test_groups_chain_and_sort_by_reach() -> None:
    records = [
        ObjectionRecord(1, ObjectionType.DECISION, "board must approve budget"),
        ObjectionRecord(2, ObjectionType.DECISION, "board must approve budget first"),
        ObjectionRecord(3, ObjectionType.DECISION, "board must approve budget first quarter"),
        ObjectionRecord(4, ObjectionType.TIME, "no time this quarter"),
        ObjectionRecord(5, ObjectionType.TIME, "no time this quarter at all"),
    ]
    groups = recurring_objections(records)
    assert [g.opportunity_ids for g in groups] == [(1, 2, 3), (4, 5)]


def test_playbook_ranked_for_the_raisers_decision_type_and_role_with_enough_history():
    # Article 004: each decision-maker type cares about different things, so what worked
    # with people like the raiser comes first once there is enough of it.
    from proposals.objections import ResponseStats, rank_for_raiser

    overall = {"tco": ResponseStats("tco", 40, 32), "roi": ResponseStats("roi", 40, 10)}
    segment = {"tco": ResponseStats("tco", 3, 0), "roi": ResponseStats("roi", 4, 4)}
    ranked, by_segment = rank_for_raiser(["tco", "roi"], segment, overall)
    assert by_segment and [r.key for r in ranked] == ["roi", "tco"]
    thin = {"roi": ResponseStats("roi", 2, 2)}
    ranked, by_segment = rank_for_raiser(["tco", "roi"], thin, overall)
    assert not by_segment and [r.key for r in ranked] == ["tco", "roi"]
    ranked, by_segment = rank_for_raiser(["tco", "new"], {}, overall)
    assert [r.key for r in ranked] == ["tco", "new"] and ranked[1].used == 0


def _pairwise_groups(records, threshold=Decimal("0.5")):
    """The rule as first written: every pair of the same type compared (the reference)."""
    from proposals.objections import _jaccard

    tokens = [objection_tokens(r.text) for r in records]
    parent = list(range(len(records)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(records)):
        for j in range(i + 1, len(records)):
            same_type = records[i].objection_type == records[j].objection_type
            if same_type and _jaccard(tokens[i], tokens[j]) >= threshold:
                parent[root(j)] = root(i)
    members = {}
    for i in range(len(records)):
        members.setdefault(root(i), []).append(i)
    return sorted(
        sorted(i for i in group)
        for group in members.values()
        if len({records[i].opportunity_id for i in group}) >= 2
    )


_WORDS = [
    "price",
    "high",
    "budget",
    "cut",
    "delivery",
    "late",
    "价格",
    "太高",
    "预算",
    "交付",
    "延期",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from([ObjectionType.PRICE, ObjectionType.TIME]),
            st.lists(st.sampled_from(_WORDS), min_size=0, max_size=5),
        ),
        max_size=40,
    ),
    st.sampled_from([Decimal("0.5"), Decimal("0.34"), Decimal("0.8"), Decimal("1")]),
)
def test_indexed_grouping_finds_exactly_the_pairwise_groups(rows, threshold) -> None:
    records = [ObjectionRecord(opp, kind, " ".join(words)) for opp, kind, words in rows]
    position = {id(record): i for i, record in enumerate(records)}
    groups = recurring_objections(records, threshold)
    found = sorted(sorted(position[id(o)] for o in group.objections) for group in groups)
    assert found == _pairwise_groups(records, threshold)


def test_grouping_does_not_compare_every_pair(monkeypatch) -> None:
    import proposals.objections as module

    calls = {"n": 0}
    real = module._jaccard

    def counting(a, b):
        calls["n"] += 1
        return real(a, b)

    monkeypatch.setattr(module, "_jaccard", counting)
    # 2,000 objections: 400 recurring themes of 5 texts each, with distinct detail words.
    records = [
        ObjectionRecord(
            i, ObjectionType.PRICE, f"theme{i % 400} cost{i % 400} budget{i % 400} site{i}"
        )
        for i in range(2000)
    ]
    groups = recurring_objections(records)
    assert len(groups) == 400
    assert calls["n"] < 20_000  # pairwise would be 1,999,000
