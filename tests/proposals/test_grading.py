"""Grading from evidence (proposals.grading), tied to the articles."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from proposals.grading import suggest_grade

TODAY = date(2026, 11, 30)
SOON = TODAY + timedelta(days=60)
ALL_GOOD = dict.fromkeys(
    ("project_level", "funding", "technical_fit", "relationship", "creditworthiness",
     "competition"), 5
)  # fmt: skip


def test_strong_evidence_on_every_side_suggests_grade_a():
    # Article 002: A = closing soon and likely.
    s = suggest_grade(ALL_GOOD, D("0.8"), 3, 3, True, 90, SOON, TODAY)
    assert s.likelihood == 94 and s.grade == "A"  # 93.5 rounds half up
    assert s.weakest_input is None  # every input at its best: nothing to name


def test_the_factor_dragging_it_down_is_named():
    # Article 000: an uncovered decision chain (no coach, one role) weighs on the deal.
    s = suggest_grade(ALL_GOOD, D("0.7"), 1, 3, False, 80, SOON, TODAY)
    assert s.drag.key == "coverage" and s.drag.score == D(25)
    assert s.likelihood == 75


def test_weakest_qualification_input_is_named():
    # Article 002 qualification: funding not secured is a classic weak point.
    ratings = {**ALL_GOOD, "funding": 1, "competition": 2}
    s = suggest_grade(ratings, None, None, 3, False, None, SOON, TODAY)
    assert s.weakest_input == "funding"
    assert [f.key for f in s.factors] == ["qualification"]


def test_missing_evidence_is_left_out_and_none_without_any():
    assert suggest_grade({}, None, None, 3, False, None, SOON, TODAY) is None
    only_pwin = suggest_grade({}, D("0.3"), None, 3, False, None, None, TODAY)
    assert only_pwin.likelihood == 30 and only_pwin.grade == "C"


def test_ratings_outside_one_to_five_are_refused():
    with pytest.raises(ValueError):
        suggest_grade({"funding": 6}, None, None, 3, False, None, None, TODAY)
