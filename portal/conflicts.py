"""Optimistic locking: detect that someone else saved first, and show what differs.

Every editable row has a `version` column (SQLAlchemy's version_id_col). Its form
sends back the version the editor started from. A mismatch means another save
landed in between: the editor gets both versions side by side, their own input kept,
and chooses to overwrite knowingly or to discard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class FieldConflict:
    name: str
    label: Any
    mine: Any
    saved: Any


def differing_fields(form, obj, fields: tuple[str, ...]) -> list[FieldConflict]:
    """Fields whose submitted value differs from what is saved now."""
    out = []
    for name in fields:
        field = form[name]
        saved = getattr(obj, name)
        if _norm(field.data) != _norm(saved):
            out.append(FieldConflict(name, field.label.text, field.data, saved))
    return out


def _norm(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def rebase(form, saved_version: int) -> None:
    """Point the form at the saved version, so saving again overwrites knowingly.

    raw_data is replaced too: WTForms renders what was submitted, not `.data`.
    """
    form.version.data = saved_version
    form.version.raw_data = [str(saved_version)]
