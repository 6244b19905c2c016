"""Documents from a revision snapshot: views, totals from the quote, labels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from proposals.proposal_pdf import LABEL_KEYS, revision_document

LABELS = {key: key for key in LABEL_KEYS} | {
    "maintenance_term": "Maintenance over {years} years",
    "quote_note": "{years} years",
    "maintenance_term_one": "Maintenance for one year",
    "quote_note_one": "one year",
    "discount_note": "(-{pct})",
    "contract_total": "Contract value",
}
SNAPSHOT = {
    "title": "T",
    "language": "zh_CN",
    "currency": "CNY",
    "sections": [
        {"kind": "executive_summary", "title": "Summary", "body": "x"},
        {"kind": "proposed_solution", "title": "Solution", "body": "y"},
        {"kind": "commercial_terms", "title": "Terms", "body": "z"},
    ],
    "options": [
        {
            "name": "A",
            "recommended": True,
            "maintenance_years": 2,
            "lines": [
                {
                    "part": "solution",
                    "description": "S",
                    "quantity": "2",
                    "unit_price": "10.005",
                    "unit_cost": "5",
                    "discount_pct": "10",
                },
                {
                    "part": "maintenance",
                    "description": "M",
                    "quantity": "1",
                    "unit_price": "3",
                    "unit_cost": "1",
                    "discount_pct": "0",
                },
            ],
        }
    ],
}


def build(view):
    return revision_document(
        SNAPSHOT,
        view=view,
        labels=LABELS,
        render_markdown=str.upper,
        customer="C",
        date="2025-01-01",
        version="v1",
        confidentiality="conf",
    )


def test_customer_view_prices_from_the_snapshot():
    built = build("customer")
    (table,) = built.document.quote_tables
    # 2 × 10.005 × 0.9 = 18.009 → 18.01; maintenance 3 × 2 years.
    assert table.total == Decimal("24.01") == built.totals.options[0].contract_value
    assert built.expected_totals == {"A · Contract value": Decimal("24.01")}
    assert table.recommended and table.lines[0].description == "S (-10.0%)"
    assert ("Maintenance over 2 years", Decimal(6)) in table.subtotals
    assert [s.html for s in built.document.sections] == ["X", "Y", "Z"]
    assert built.document.language == "zh-CN" and not built.document.internal


def test_finance_and_technical_views_pick_their_sections():
    finance = build("finance")
    assert finance.document.internal
    assert [s.title for s in finance.document.sections] == ["Terms", "costs_margins"]
    technical = build("technical")
    assert [s.title for s in technical.document.sections] == ["Solution"]
    assert technical.document.quote_tables == () and technical.expected_totals == {}


def test_an_empty_snapshot_is_an_empty_document():
    built = revision_document(
        {},
        view="customer",
        labels=LABELS,
        render_markdown=str,
        customer="C",
        date="",
        version="v1",
        confidentiality="",
    )
    assert built.document.sections == () and built.document.quote_tables == ()


def test_unknown_view_is_refused():
    with pytest.raises(ValueError):
        build("cfo")
