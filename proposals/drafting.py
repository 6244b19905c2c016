"""Proposal drafting rules: default sections, the status workflow, stale library blocks,
and comparing two frozen revisions (text and prices).

Framework-free: plain values, dicts and dataclasses; the web layer stores and renders.
A revision *snapshot* is a plain dict (JSON-serialisable, numbers as strings)::

    {"title": str, "language": "en" | "zh_CN", "currency": "CNY", "status": str,
     "sections": [{"kind": str, "title": str, "body": str}, ...],
     "options": [{"name": str, "recommended": bool, "maintenance_years": int,
                  "lines": [{"part": str, "description": str, "quantity": "1",
                             "unit_price": "10.00", "unit_cost": "5", "discount_pct": "0"}]}]}
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from proposals.pricing import (
    OptionTotals,
    QuoteLine,
    QuoteOption,
    option_totals,
)

# --- sections ---------------------------------------------------------------------------

# Default section kinds, in proposal order, following the proposal design principles:
# problem first, value quantified, feasible, risk reduced, differentiated, proven, priced.
DEFAULT_SECTION_KINDS: tuple[str, ...] = (
    "executive_summary",
    "customer_needs",
    "proposed_solution",
    "value_roi",
    "implementation_plan",
    "risk_reduction",
    "differentiation",
    "customer_cases",
    "commercial_terms",
)
CUSTOM_SECTION = "custom"
SECTION_KINDS: tuple[str, ...] = DEFAULT_SECTION_KINDS + (CUSTOM_SECTION,)
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")

# --- status workflow --------------------------------------------------------------------


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    WON = "won"
    LOST = "lost"


# Statuses in which sections and quote may still be edited. A submitted proposal is
# frozen until someone starts a new draft from it.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.IN_REVIEW, Status.APPROVED})

# target -> statuses it may be reached from
_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.IN_REVIEW, Status.APPROVED, Status.SUBMITTED}),
    Status.IN_REVIEW: frozenset({Status.DRAFT}),
    Status.APPROVED: frozenset({Status.DRAFT, Status.IN_REVIEW}),
    Status.SUBMITTED: frozenset({Status.DRAFT, Status.IN_REVIEW, Status.APPROVED}),
    Status.WON: frozenset({Status.SUBMITTED}),
    Status.LOST: frozenset({Status.SUBMITTED}),
}


@dataclass(frozen=True)
class TransitionCheck:
    """Whether a status change may happen; ``code`` says why not (``None`` when allowed)."""

    allowed: bool
    code: str | None = None


def check_transition(
    current: str,
    target: str,
    *,
    needs_approval: bool,
    approval_valid: bool,
    quote_valid: bool = True,
) -> TransitionCheck:
    """Decide a status change.

    Rules: the order is draft → in review → approved → submitted → won/lost; "back to
    draft" is allowed from in review, approved and submitted (a new draft continues from
    the frozen revision). Approved and submitted need a valid quote (``quote_valid``), and,
    when the quote breaches the authority matrix (``needs_approval``), an approval that
    still matches the quote (``approval_valid``). Codes: ``unknown_status``,
    ``not_allowed`` (no such step), ``quote_invalid``, ``approval_required``, ``same``.
    """
    try:
        now, goal = Status(current), Status(target)
    except ValueError:
        return TransitionCheck(False, "unknown_status")
    if now is goal:
        return TransitionCheck(False, "same")
    if now not in _TRANSITIONS[goal]:
        return TransitionCheck(False, "not_allowed")
    if goal in (Status.IN_REVIEW, Status.APPROVED, Status.SUBMITTED) and not quote_valid:
        return TransitionCheck(False, "quote_invalid")
    if goal in (Status.APPROVED, Status.SUBMITTED) and needs_approval and not approval_valid:
        return TransitionCheck(False, "approval_required")
    return TransitionCheck(True)


def next_steps(current: str) -> tuple[Status, ...]:
    """Statuses reachable from ``current`` in workflow order (before any approval check)."""
    now = Status(current)
    return tuple(s for s in Status if now in _TRANSITIONS[s])


# --- content library ----------------------------------------------------------------------

STALE_AFTER_DAYS = 180


def is_stale(last_reviewed: date | None, today: date) -> bool:
    """A block not reviewed for more than 180 days (or never) is stale.

    Exactly 180 days after the review it is still fresh; day 181 it is stale.
    """
    if last_reviewed is None:
        return True
    return today - last_reviewed > timedelta(days=STALE_AFTER_DAYS)


def parse_tags(raw: str | None, limit: int = 12) -> tuple[str, ...]:
    """Split user-typed tags on commas (ASCII or Chinese) and whitespace-trim them.

    Duplicates (case-insensitive) and empty tags are dropped; at most ``limit`` are kept.
    """
    if not raw:
        return ()
    seen: dict[str, str] = {}
    for part in raw.replace("，", ",").replace("、", ",").split(","):
        tag = " ".join(part.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag[:40]
    return tuple(seen.values())[:limit]


# --- snapshots and comparison ---------------------------------------------------------------


def options_from_snapshot(snapshot: Mapping) -> list[QuoteOption]:
    """Rebuild the priced options of a snapshot (numbers are stored as strings)."""
    options = []
    for raw in snapshot.get("options", []):
        lines = tuple(
            QuoteLine(
                part=line["part"],
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                unit_cost=Decimal(line["unit_cost"]),
                discount_pct=Decimal(line["discount_pct"]),
            )
            for line in raw.get("lines", [])
        )
        options.append(
            QuoteOption(
                name=raw["name"],
                recommended=bool(raw["recommended"]),
                maintenance_years=int(raw["maintenance_years"]),
                lines=lines,
            )
        )
    return options


@dataclass(frozen=True)
class DiffLine:
    """One line of a text diff: ``op`` is ``"same"``, ``"added"`` or ``"removed"``."""

    op: str
    text: str


@dataclass(frozen=True)
class SectionDiff:
    """How one section changed: ``change`` is ``same``, ``changed``, ``added`` or ``removed``."""

    title: str
    change: str
    lines: tuple[DiffLine, ...]


def text_diff(old: str, new: str, context: int = 2) -> tuple[DiffLine, ...]:
    """A readable line diff of two texts (difflib), with ``context`` unchanged lines around
    each change; elided runs are shown as a single ``same`` line reading "…"."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group_index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if group_index:
            out.append(DiffLine("same", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", text) for text in old_lines[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
            if tag in ("replace", "insert"):
                out.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return tuple(out)


def _section_key(section: Mapping) -> tuple[str, str]:
    # Default kinds appear once, so the kind pairs them; custom sections pair by title.
    kind = section.get("kind", CUSTOM_SECTION)
    return (kind, section.get("title", "") if kind == CUSTOM_SECTION else "")


def section_diffs(old: Sequence[Mapping], new: Sequence[Mapping]) -> tuple[SectionDiff, ...]:
    """Pair sections of two snapshots (by kind, custom ones by title) and diff their text.

    Order follows the newer snapshot, then sections only in the older one (removed).
    """
    old_by_key = {_section_key(s): s for s in old}
    out: list[SectionDiff] = []
    seen = set()
    for section in new:
        key = _section_key(section)
        seen.add(key)
        before = old_by_key.get(key)
        title = section.get("title", "")
        if before is None:
            out.append(SectionDiff(title, "added", text_diff("", section.get("body", ""))))
            continue
        body_old, body_new = before.get("body", ""), section.get("body", "")
        title_changed = before.get("title", "") != title
        if body_old == body_new and not title_changed:
            out.append(SectionDiff(title, "same", ()))
        else:
            lines = text_diff(body_old, body_new)
            if title_changed:
                lines = (
                    DiffLine("removed", f"# {before.get('title', '')}"),
                    DiffLine("added", f"# {title}"),
                ) + lines
            out.append(SectionDiff(title, "changed", lines))
    for section in old:
        if _section_key(section) not in seen:
            out.append(
                SectionDiff(
                    section.get("title", ""), "removed", text_diff(section.get("body", ""), "")
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class FigureChange:
    """One priced figure before and after; ``delta`` is after − before (``None`` if either is)."""

    label: str
    before: Decimal | None
    after: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class LineChange:
    """A quote line added, removed or changed (matched by part and description)."""

    part: str
    description: str
    change: str  # "added" | "removed" | "changed"
    fields: tuple[tuple[str, str | None, str | None], ...]  # (field, before, after)


@dataclass(frozen=True)
class OptionDiff:
    name: str
    change: str  # "same" | "changed" | "added" | "removed"
    figures: tuple[FigureChange, ...]
    lines: tuple[LineChange, ...]


_FIGURES = (
    ("contract_value", "contract_value"),
    ("first_year_price", "first_year_price"),
    ("contract_cost", "contract_cost"),
    ("margin_pct", "margin_pct"),
    ("discount_pct", "discount_pct"),
)
_LINE_FIELDS = ("quantity", "unit_price", "unit_cost", "discount_pct")


def _figures(before: OptionTotals | None, after: OptionTotals | None) -> tuple[FigureChange, ...]:
    return tuple(
        FigureChange(
            label,
            getattr(before, attr) if before else None,
            getattr(after, attr) if after else None,
        )
        for label, attr in _FIGURES
    )


def _line_keys(lines: Sequence[Mapping]) -> list[tuple[str, str, int]]:
    # (part, description, n-th line with that description): two lines may share a text.
    counts: dict[tuple[str, str], int] = {}
    keys = []
    for line in lines:
        base = (line["part"], " ".join(line["description"].split()).casefold())
        counts[base] = counts.get(base, 0) + 1
        keys.append((*base, counts[base]))
    return keys


def _line_changes(old: Sequence[Mapping], new: Sequence[Mapping]) -> tuple[LineChange, ...]:
    old_by_key = dict(zip(_line_keys(old), old, strict=True))
    out: list[LineChange] = []
    seen = set()
    for key, line in zip(_line_keys(new), new, strict=True):
        seen.add(key)
        before = old_by_key.get(key)
        if before is None:
            out.append(
                LineChange(
                    line["part"],
                    line["description"],
                    "added",
                    tuple((f, None, line[f]) for f in _LINE_FIELDS),
                )
            )
            continue
        fields = tuple(
            (f, before[f], line[f]) for f in _LINE_FIELDS if Decimal(before[f]) != Decimal(line[f])
        )
        if fields:
            out.append(LineChange(line["part"], line["description"], "changed", fields))
    for key, line in zip(_line_keys(old), old, strict=True):
        if key not in seen:
            out.append(
                LineChange(
                    line["part"],
                    line["description"],
                    "removed",
                    tuple((f, line[f], None) for f in _LINE_FIELDS),
                )
            )
    return tuple(out)


def price_diffs(old: Mapping, new: Mapping) -> tuple[OptionDiff, ...]:
    """Compare the quotes of two snapshots, option by option (matched by name,
    case-insensitively): contract value, first-year price, cost, margin % and discount %
    before/after, and the lines added, removed or repriced."""
    old_opts = {o["name"].strip().casefold(): o for o in old.get("options", [])}
    old_priced = dict(
        zip(old_opts, (option_totals(o) for o in options_from_snapshot(old)), strict=True)
    )
    new_list = list(new.get("options", []))
    new_priced = [option_totals(o) for o in options_from_snapshot(new)]
    out: list[OptionDiff] = []
    seen = set()
    for raw, priced in zip(new_list, new_priced, strict=True):
        key = raw["name"].strip().casefold()
        seen.add(key)
        if key not in old_opts:
            out.append(
                OptionDiff(
                    raw["name"],
                    "added",
                    _figures(None, priced),
                    _line_changes([], raw.get("lines", [])),
                )
            )
            continue
        figures = _figures(old_priced[key], priced)
        lines = _line_changes(old_opts[key].get("lines", []), raw.get("lines", []))
        term_changed = int(old_opts[key]["maintenance_years"]) != int(raw["maintenance_years"])
        changed = lines or term_changed or any(f.changed for f in figures)
        out.append(OptionDiff(raw["name"], "changed" if changed else "same", figures, lines))
    for key, raw in old_opts.items():
        if key not in seen:
            out.append(
                OptionDiff(
                    raw["name"],
                    "removed",
                    _figures(old_priced[key], None),
                    _line_changes(raw.get("lines", []), []),
                )
            )
    return tuple(out)
