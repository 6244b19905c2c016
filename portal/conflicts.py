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


class Conflicts(list):
    """The differing fields, and whether the save that won was the user's own (from
    another tab or window): then the view says so instead of "someone else"."""

    by_me: bool = False


def saved_by_me(obj) -> bool:
    """True when the row's last save was made by the logged-in user."""
    from flask_login import current_user

    saver = getattr(obj, "updated_by_id", None)
    return saver is not None and saver == getattr(current_user, "id", None)


def differing_fields(form, obj, fields: tuple[str, ...]) -> Conflicts:
    """Fields whose submitted value differs from what is saved now."""
    out = Conflicts()
    out.by_me = saved_by_me(obj)
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
