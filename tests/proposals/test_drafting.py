"""Drafting rules: status workflow, stale library blocks, tags, snapshot diffs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.drafting import (
    DEFAULT_SECTION_KINDS,
    check_transition,
    is_stale,
    next_steps,
    options_from_snapshot,
    parse_tags,
    price_diffs,
    section_diffs,
    text_diff,
)
from proposals.pricing import QuoteLine, QuoteOption, QuotePart, option_totals


def test_default_sections_follow_the_proposal_principles() -> None:
    assert DEFAULT_SECTION_KINDS[0] == "executive_summary"
    assert DEFAULT_SECTION_KINDS[-1] == "commercial_terms"
    assert len(DEFAULT_SECTION_KINDS) == 9


@pytest.mark.parametrize(
    ("current", "target", "needs", "valid", "quote_ok", "code"),
    [
        ("draft", "in_review", False, False, True, None),
        ("draft", "in_review", True, False, True, None),  # asking for approval is the point
        ("draft", "approved", False, False, True, None),
        ("draft", "approved", True, False, True, "approval_required"),
        ("draft", "submitted", True, False, True, "approval_required"),
        ("approved", "submitted", True, True, True, None),
        ("in_review", "submitted", True, False, True, "approval_required"),
        ("draft", "submitted", False, False, False, "quote_invalid"),
        ("submitted", "draft", True, False, True, None),  # a new draft continues from the revision
        ("submitted", "won", False, False, True, None),
        ("draft", "won", False, False, True, "not_allowed"),
        ("won", "draft", False, False, True, "not_allowed"),
        ("won", "lost", False, False, True, "not_allowed"),
        ("submitted", "approved", False, False, True, "not_allowed"),
        ("draft", "draft", False, False, True, "same"),
        ("draft", "bogus", False, False, True, "unknown_status"),
    ],
)
def test_transitions(current, target, needs, valid, quote_ok, code) -> None:
    check = check_transition(
        current, target, needs_approval=needs, approval_valid=valid, quote_valid=quote_ok
    )
    assert check.code == code
    assert check.allowed == (code is None)


def test_next_steps_in_workflow_order() -> None:
    assert [str(s) for s in next_steps("submitted")] == ["draft", "won", "lost"]
    assert [str(s) for s in next_steps("in_review")] == ["draft", "approved", "submitted"]


def test_stale_after_180_days() -> None:
    today = date(2026, 11, 23)
    assert not is_stale(today - timedelta(days=180), today)
    assert is_stale(today - timedelta(days=181), today)
    assert is_stale(None, today)


def test_parse_tags() -> None:
    assert parse_tags(" 案例，电力、Energy , energy,, ") == ("案例", "电力", "Energy")
    assert parse_tags(None) == ()
    assert len(parse_tags(",".join(str(i) for i in range(40)))) == 12


def test_text_diff_marks_added_and_removed_lines() -> None:
    diff = text_diff("a\nb\nc", "a\nB\nc")
    assert [(d.op, d.text) for d in diff] == [
        ("same", "a"),
        ("removed", "b"),
        ("added", "B"),
        ("same", "c"),
    ]
    assert text_diff("same", "same") == ()


def test_section_diffs_pair_by_kind_and_report_added_removed() -> None:
    old = [
        {"kind": "executive_summary", "title": "Summary", "body": "one"},
        {"kind": "custom", "title": "Appendix", "body": "x"},
    ]
    new = [
        {"kind": "executive_summary", "title": "Summary", "body": "two"},
        {"kind": "value_roi", "title": "Value", "body": "ROI"},
    ]
    changes = {d.title: d.change for d in section_diffs(old, new)}
    assert changes == {"Summary": "changed", "Value": "added", "Appendix": "removed"}


def _snap(qty="10", price="100", discount="0", years=1, name="Standard"):
    return {
        "options": [
            {
                "name": name,
                "recommended": True,
                "maintenance_years": years,
                "lines": [
                    {
                        "part": "solution",
                        "description": "Licence",
                        "quantity": qty,
                        "unit_price": price,
                        "unit_cost": "50",
                        "discount_pct": discount,
                    }
                ],
            }
        ]
    }


def test_price_diffs_show_figures_and_line_changes() -> None:
    [diff] = price_diffs(_snap(), _snap(qty="12", discount="10"))
    assert diff.change == "changed"
    value = diff.figures[0]
    assert (value.label, value.before, value.after, value.delta) == (
        "contract_value",
        D("1000.00"),
        D("1080.00"),
        D("80.00"),
    )
    [line] = diff.lines
    assert line.change == "changed" and ("quantity", "10", "12") in line.fields


def test_price_diffs_added_and_removed_options() -> None:
    diffs = price_diffs(_snap(name="A"), _snap(name="B"))
    assert [(d.name, d.change) for d in diffs] == [("B", "added"), ("A", "removed")]
    assert diffs[0].figures[0].before is None and diffs[0].figures[0].delta is None


def test_unchanged_quote_is_same() -> None:
    assert price_diffs(_snap(), _snap(qty="10.00"))[0].change == "same"


money = st.decimals(
    min_value=0, max_value=10_000_000, places=4, allow_nan=False, allow_infinity=False
)
lines = st.builds(
    QuoteLine,
    part=st.sampled_from(list(QuotePart)),
    description=st.text(min_size=1, max_size=8),
    quantity=st.decimals(
        min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False
    ),
    unit_price=money,
    unit_cost=money,
    discount_pct=st.decimals(
        min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False
    ),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(lines, max_size=10), st.integers(min_value=0, max_value=10))
def test_snapshot_round_trip_keeps_every_cent(items, years) -> None:
    option = QuoteOption(name="Opt", recommended=True, maintenance_years=years, lines=tuple(items))
    snap = {
        "options": [
            {
                "name": "Opt",
                "recommended": True,
                "maintenance_years": years,
                "lines": [
                    {
                        "part": i.part.value,
                        "description": i.description,
                        "quantity": format(i.quantity, "f"),
                        "unit_price": format(i.unit_price, "f"),
                        "unit_cost": format(i.unit_cost, "f"),
                        "discount_pct": format(i.discount_pct, "f"),
                    }
                    for i in items
                ],
            }
        ]
    }
    [rebuilt] = options_from_snapshot(snap)
    assert option_totals(rebuilt) == option_totals(option)
    assert all(d.change == "same" for d in price_diffs(snap, snap))
