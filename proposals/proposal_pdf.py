"""Printable documents from a frozen proposal revision (its snapshot, see proposals.drafting).

Three views of one revision, all priced from the snapshot with proposals.pricing (never
from the live draft):

- ``customer``: every section, then the quote options as tables (recommended marked,
  totals per part, first-year price and contract value = TCO over the term);
- ``finance``: internal; value and commercial/payment-terms sections, a "Costs and
  margins" table (list, discount vs list, net, cost, margin, TCO) and the quote tables;
- ``technical``: the solution, implementation-plan and risk-reduction sections only.

Framework-free: the caller passes translated labels (a mapping, keys in ``LABEL_KEYS``)
and the Markdown renderer; the result is a ``proposals.documents.Document`` plus the
totals the pre-flight must find printed (label → contract value), computed from the
quote, not read back from the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import escape

from proposals.documents import Document, DocumentSection, QuoteLine, QuoteTable, format_money
from proposals.drafting import options_from_snapshot
from proposals.pricing import OptionTotals, QuotePart, QuoteTotals, display_pct, quote_totals

VIEWS = ("customer", "finance", "technical")
TECHNICAL_KINDS = ("proposed_solution", "implementation_plan", "risk_reduction")
FINANCE_KINDS = ("value_roi", "commercial_terms")

#: Labels the caller must translate. `maintenance_term` and `quote_note` hold `{years}`
#: (`*_one` for a one-year term); "<option> · <contract_total>" is what the totals
#: pre-flight looks for in the PDF text.
LABEL_KEYS = (
    "solution",
    "services",
    "maintenance_per_year",
    "maintenance_term",
    "maintenance_term_one",
    "first_year",
    "contract_total",
    "quote_note",
    "quote_note_one",
    "discount_note",
    "costs_margins",
    "option",
    "list_price",
    "discount",
    "net",
    "cost",
    "margin",
    "margin_pct",
    "tco",
    "term_years",
)


def _pct(value: Decimal | None) -> str:
    shown = display_pct(value)
    return "—" if shown is None else f"{shown}%"


def contract_label(labels: Mapping[str, str], option_name: str) -> str:
    return f"{option_name} · {labels['contract_total']}"


def _years(labels: Mapping[str, str], key: str, years: int) -> str:
    return labels[f"{key}_one" if years == 1 else key].format(years=years)


def quote_tables(
    totals: QuoteTotals, options, labels: Mapping[str, str], currency: str
) -> tuple[QuoteTable, ...]:
    """One table per option: lines grouped by part (net amounts, after discount), the part
    subtotals, the first-year price, and the contract value (TCO over the term) as total."""
    part_label = {
        QuotePart.SOLUTION: labels["solution"],
        QuotePart.SERVICES: labels["services"],
        QuotePart.MAINTENANCE: labels["maintenance_per_year"],
    }
    tables = []
    for option, t in zip(options, totals.options, strict=True):
        lines = []
        for part in QuotePart:  # group order fixed: solution, services, maintenance
            for line in option.lines:
                if line.part is not part:
                    continue
                description = line.description
                if line.discount_pct:
                    description += " " + labels["discount_note"].format(pct=_pct(line.discount_pct))
                lines.append(
                    QuoteLine(
                        description,
                        line.quantity,
                        line.unit_price,
                        line.net_amount,
                        part_label[part],
                    )
                )
        present = {line.part for line in option.lines}
        subtotals = [
            (labels[part.value], t.part(part).net_amount)
            for part in (QuotePart.SOLUTION, QuotePart.SERVICES)
            if part in present
        ]
        if t.maintenance_years and QuotePart.MAINTENANCE in present:
            subtotals.append(
                (
                    _years(labels, "maintenance_term", t.maintenance_years),
                    t.part_net_over_term(QuotePart.MAINTENANCE),
                )
            )
        subtotals.append((labels["first_year"], t.first_year_price))
        tables.append(
            QuoteTable(
                title=option.name,
                lines=tuple(lines),
                total=t.contract_value,
                total_label=contract_label(labels, option.name),
                currency=currency,
                recommended=t.recommended and totals.recommended is t,
                note=_years(labels, "quote_note", t.maintenance_years),
                subtotals=tuple(subtotals),
            )
        )
    return tuple(tables)


def margins_table_html(
    totals: Sequence[OptionTotals], labels: Mapping[str, str], currency: str
) -> str:
    """An HTML table (plain markup, escaped) of each option's list price, discount vs list,
    net contract value, cost, margin (amount and %) and TCO over the term."""
    money = lambda v: escape(format_money(v, currency))  # noqa: E731
    rows = [
        (labels["term_years"], [str(t.maintenance_years) for t in totals]),
        (labels["list_price"], [money(t.contract_list) for t in totals]),
        (labels["discount"], [_pct(t.discount_pct) for t in totals]),
        (labels["net"], [money(t.contract_value) for t in totals]),
        (labels["cost"], [money(t.contract_cost) for t in totals]),
        (labels["margin"], [money(t.margin_amount) for t in totals]),
        (labels["margin_pct"], [_pct(t.margin_pct) for t in totals]),
        (labels["tco"], [money(t.tco) for t in totals]),
    ]
    head = "".join(
        f"<th>{escape(t.option_name)}{' ★' if t.recommended else ''}</th>" for t in totals
    )
    body = "".join(
        f"<tr><th>{escape(label)}</th>{''.join(f'<td>{v}</td>' for v in values)}</tr>"
        for label, values in rows
    )
    return (
        f"<table><thead><tr><th>{escape(labels['option'])}</th>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


@dataclass(frozen=True)
class RevisionDocument:
    document: Document
    expected_totals: dict[str, Decimal]
    totals: QuoteTotals


def revision_document(
    snapshot: Mapping,
    *,
    view: str,
    labels: Mapping[str, str],
    render_markdown: Callable[[str], str],
    customer: str,
    date: str,
    version: str,
    confidentiality: str,
    title: str | None = None,
    subtitle: str = "",
) -> RevisionDocument:
    """The `view` (one of VIEWS) of a revision snapshot as a Document. Section bodies are
    Markdown rendered by `render_markdown` (which must sanitise). The expected totals map
    each printed contract-value label to the quote's contract value (empty for the
    technical annex, which prints no prices)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    language = snapshot.get("language") or "en"
    currency = snapshot.get("currency") or "CNY"
    options = options_from_snapshot(snapshot)
    totals = quote_totals(options)
    raw = list(snapshot.get("sections") or [])
    if view == "technical":
        raw = [s for s in raw if s.get("kind") in TECHNICAL_KINDS]
    elif view == "finance":
        raw = [s for s in raw if s.get("kind") in FINANCE_KINDS]
    # A section with no text yet is left out: a bare heading on a page of its own reads
    # as unfinished work (the internal bid pack lists such sections as empty instead).
    sections = [
        DocumentSection(s.get("title") or "", render_markdown(s.get("body") or ""))
        for s in raw
        if (s.get("body") or "").strip()
    ]
    tables: tuple[QuoteTable, ...] = ()
    if view != "technical":
        tables = quote_tables(totals, options, labels, currency)
    if view == "finance" and totals.options:
        sections.append(
            DocumentSection(
                labels["costs_margins"],
                margins_table_html(totals.options, labels, currency),
                anchor="costs-margins",
            )
        )
    expected = (
        {}
        if view == "technical"
        else {contract_label(labels, t.option_name): t.contract_value for t in totals.options}
    )
    document = Document(
        title=title or snapshot.get("title") or "",
        customer=customer,
        date=date,
        version=version,
        confidentiality=confidentiality,
        language="zh-CN" if language == "zh_CN" else "en",
        sections=tuple(sections),
        quote_tables=tables,
        internal=view == "finance",
        subtitle=subtitle,
    )
    return RevisionDocument(document, expected, totals)
