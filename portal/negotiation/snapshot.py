"""Versions of a negotiation sheet: a JSON snapshot after every save, and what changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.negotiation.models import NegotiationSheet, SheetVersion

SHEET_FIELDS = (
    "situation",
    "intended_outcome",
    "delay_advantage",
    "delay_until",
    "new_force",
    "no_rival_evidence",
    "our_batna",
    "our_batna_value",
    "our_batna_currency",
    "buyer_batna",
    "buyer_max",
    "buyer_currency",
    "currency",
    "contract_list",
    "solution_net",
    "services_net",
    "maintenance_net_per_year",
    "maintenance_years",
    "contract_cost",
    "annual_maintenance_cost",
    "training_day_cost",
    "cost_of_capital_pct",
    "lead_id",
    "technical_id",
    "finance_id",
    "sponsor_id",
    "checklist",
)
CHILDREN = {
    "goals": ("term", "label", "unit", "best", "expected", "walk_away", "core", "higher_is_better"),
    "interests": ("stakeholder_id", "position", "interest"),
    "concessions": ("position", "kind", "part", "amount", "value_to_buyer", "condition"),
    "rounds": ("number", "held_on", "their_ask", "our_offer", "given", "received", "notes"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def snapshot(sheet: NegotiationSheet) -> dict[str, Any]:
    data: dict[str, Any] = {name: _plain(getattr(sheet, name)) for name in SHEET_FIELDS}
    for relation, fields in CHILDREN.items():
        data[relation] = [
            {name: _plain(getattr(row, name)) for name in fields}
            for row in getattr(sheet, relation)
        ]
    return data


def record_version(sheet: NegotiationSheet, change: str, user_id: int | None) -> SheetVersion:
    """Add the next numbered snapshot of `sheet` (flushed rows; committed by the caller)."""
    number = (
        db.session.scalar(
            select(func.max(SheetVersion.number)).where(SheetVersion.sheet_id == sheet.id)
        )
        or 0
    ) + 1
    row = SheetVersion(
        sheet_id=sheet.id, number=number, change=change, saved_by_id=user_id, data=snapshot(sheet)
    )
    db.session.add(row)
    return row


def snapshot_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Names of the sheet fields and parts that differ between two snapshots."""
    if before is None:
        return []
    return [key for key in after if before.get(key) != after.get(key)]
