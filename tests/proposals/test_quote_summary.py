"""The stored quote summary: the figures of quote_totals and the quote_fingerprint, kept as
plain JSON that reads back to the same values, and nothing read that is not that shape."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from proposals.pricing import QuoteLine, QuoteOption, QuotePart, quote_fingerprint, quote_totals
from proposals.quote_summary import SUMMARY_VERSION, QuoteSummary, summarise

D = Decimal


def _quote() -> list[QuoteOption]:
    def line(part, qty, price, cost, discount="0"):
        return QuoteLine(QuotePart(part), f"{part} {qty}", D(qty), D(price), D(cost), D(discount))

    return [
        QuoteOption(
            "Standard",
            False,
            3,
            (
                line("solution", "7", "1234.5678", "400", "12.5"),
                line("services", "3", "800", "500"),
                line("maintenance", "1", "2000", "600", "5"),
            ),
        ),
        QuoteOption("Premium", True, 5, (line("solution", "1", "99999", "77777", "33.33"),)),
        QuoteOption("Nothing yet", False, 1, ()),  # no lines: margin and discount are None
    ]


def test_the_summary_is_what_quote_totals_and_quote_fingerprint_say():
    options = _quote()
    summary = summarise(options, [11, 12, 13])
    totals = quote_totals(options)
    assert summary.fingerprint == quote_fingerprint(options)
    assert [o.id for o in summary.options] == [11, 12, 13]
    for figures, priced in zip(summary.options, totals.options, strict=True):
        assert figures.option_name == figures.name == priced.option_name
        assert figures.recommended == priced.recommended
        assert figures.maintenance_years == priced.maintenance_years
        assert figures.contract_list == priced.contract_list
        assert figures.contract_value == priced.contract_value
        assert figures.contract_cost == priced.contract_cost
        assert figures.discount_pct == priced.discount_pct
        assert figures.margin_pct == priced.margin_pct
    assert summary.options[2].margin_pct is None and summary.options[2].discount_pct is None
    # Unrounded percentages: the page rounds once, as the quote card does.
    assert summary.options[0].margin_pct == totals.options[0].margin_pct
    assert len(str(summary.options[0].margin_pct)) > 6


def test_the_stored_json_reads_back_to_the_same_figures():
    summary = summarise(_quote(), [1, 2, None])
    stored = json.loads(json.dumps(summary.as_json()))  # what the JSON column hands back
    assert stored["v"] == SUMMARY_VERSION
    assert stored["options"][0]["value"] == str(summary.options[0].contract_value)
    assert QuoteSummary.from_json(stored) == summary


def test_without_options_the_summary_is_empty_and_fingerprinted():
    summary = summarise([])
    assert summary.options == () and summary.fingerprint == quote_fingerprint([])
    assert QuoteSummary.from_json(summary.as_json()) == summary


def test_one_id_per_option():
    with pytest.raises(ValueError):
        summarise(_quote(), [1])


def _with(**changes):
    def change(data):
        data.update(changes)
        return data

    return change


def _option_with(**changes):
    def change(data):
        data["options"][0].update(changes)
        return data

    return change


def _without(key):
    def change(data):
        data["options"][0].pop(key)
        return data

    return change


@pytest.mark.parametrize(
    "stored",
    [
        lambda d: None,  # not stored yet
        lambda d: "text",
        _with(v=SUMMARY_VERSION + 1),  # another format: priced from the lines instead
        _with(fingerprint="abc"),
        _with(options=None),
        _option_with(value="1,000"),
        _option_with(margin_pct=12.5),  # a float is not a stored figure
        _option_with(id="12"),
        _without("name"),
    ],
)
def test_anything_but_the_stored_shape_is_not_read(stored):
    data = summarise(_quote(), [1, 2, 3]).as_json()
    assert QuoteSummary.from_json(data) is not None
    assert QuoteSummary.from_json(stored(data)) is None
