"""The stored summary of a quote: the figures that pages listing many quotes print.

The approval queue and the bid desk show, for each of a page of proposals, every option's
contract value, discount and margin and compare an approval's fingerprint with the quote's.
Pricing every line of every proposal on each request makes a page's cost grow with the
quotes; so the summary is computed on change and stored with the proposal, and pages read
it. The figures are those of :func:`proposals.pricing.quote_totals` and
:func:`proposals.pricing.quote_fingerprint` (one truth: nothing is priced here), kept in a
plain JSON shape:

``{"v": 1, "fingerprint": "<sha256 hex>", "options": [{"id": …, "name": …,
"recommended": bool, "years": int, "list": "…", "value": "…", "cost": "…",
"discount_pct": "…" | null, "margin_pct": "…" | null}, …]}``

Money is the quote currency as Decimal text (exact cents, see ``proposals.pricing``);
percentages are 0–100 Decimal text, unrounded (round with ``display_pct`` to show them),
``null`` where ``quote_totals`` gives ``None``. Options keep the order they were given in.
``id`` is the caller's key of the option (the stored option's id), or ``null``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from proposals.pricing import QuoteOption, quote_fingerprint, quote_totals

#: Format of the stored JSON. A summary of another version (or none) is not read: the
#: caller computes the figures from the lines instead, until the summary is stored again.
SUMMARY_VERSION = 1


@dataclass(frozen=True)
class OptionFigures:
    """One option as the summary keeps it (money in quote currency, percentages 0–100
    unrounded, ``None`` where the denominator is zero). Answers the names of
    :class:`proposals.pricing.OptionTotals` that lists print."""

    id: int | None
    option_name: str
    recommended: bool
    maintenance_years: int
    contract_list: Decimal
    contract_value: Decimal
    contract_cost: Decimal
    discount_pct: Decimal | None
    margin_pct: Decimal | None

    @property
    def name(self) -> str:
        return self.option_name


@dataclass(frozen=True)
class QuoteSummary:
    """The fingerprint of a quote and the figures of each of its options, in order."""

    fingerprint: str
    options: tuple[OptionFigures, ...]

    def as_json(self) -> dict:
        """The stored shape (see the module docstring)."""
        return {
            "v": SUMMARY_VERSION,
            "fingerprint": self.fingerprint,
            "options": [
                {
                    "id": o.id,
                    "name": o.option_name,
                    "recommended": o.recommended,
                    "years": o.maintenance_years,
                    "list": str(o.contract_list),
                    "value": str(o.contract_value),
                    "cost": str(o.contract_cost),
                    "discount_pct": _text(o.discount_pct),
                    "margin_pct": _text(o.margin_pct),
                }
                for o in self.options
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> QuoteSummary | None:
        """The summary stored as `data`, or ``None`` when there is none, it is of another
        version or it does not have the stored shape (never a guess)."""
        if not isinstance(data, Mapping) or data.get("v") != SUMMARY_VERSION:
            return None
        try:
            fingerprint = data["fingerprint"]
            if not isinstance(fingerprint, str) or len(fingerprint) != 64:
                return None
            options = tuple(
                OptionFigures(
                    id=_key(o["id"]),
                    option_name=str(o["name"]),
                    recommended=bool(o["recommended"]),
                    maintenance_years=int(o["years"]),
                    contract_list=Decimal(o["list"]),
                    contract_value=Decimal(o["value"]),
                    contract_cost=Decimal(o["cost"]),
                    discount_pct=_number(o["discount_pct"]),
                    margin_pct=_number(o["margin_pct"]),
                )
                for o in data["options"]
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            return None
        return cls(fingerprint, options)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _key(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError("a stored option id is a whole number")


def _number(value: object) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a stored percentage is text")
    return Decimal(value)


def summarise(
    options: Sequence[QuoteOption], ids: Sequence[int | None] | None = None
) -> QuoteSummary:
    """The summary of a quote: ``quote_totals`` and ``quote_fingerprint`` of `options`,
    each option tagged with its id from `ids` (same order and length; ``None`` without)."""
    if ids is None:
        ids = [None] * len(options)
    if len(ids) != len(options):
        raise ValueError("one id per option")
    totals = quote_totals(options)
    return QuoteSummary(
        fingerprint=quote_fingerprint(options),
        options=tuple(
            OptionFigures(
                id=option_id,
                option_name=t.option_name,
                recommended=t.recommended,
                maintenance_years=t.maintenance_years,
                contract_list=t.contract_list,
                contract_value=t.contract_value,
                contract_cost=t.contract_cost,
                discount_pct=t.discount_pct,
                margin_pct=t.margin_pct,
            )
            for option_id, t in zip(ids, totals.options, strict=True)
        ),
    )
