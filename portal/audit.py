"""The audit log: every create, update and delete of business data, with who and what changed.

Written from a session hook rather than in each view, so no view can forget it.
Models opt in with `__audited__ = True`; the log row is inserted in the same
transaction as the change it describes, so a rolled-back change leaves no trace.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event, insert, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.exports.jobs import NOT_PRINTED
from portal.exports.warm import note_changes as note_pdf_inputs
from portal.extensions import db
from portal.generation import mark_changed
from portal.timeutil import utcnow

IGNORED_FIELDS = {
    "version",
    "updated_at",
    "updated_by_id",
    "password_hash",
    "created_at",
    # Derived from other rows (portal.drafts.stored_quote): a change of the quote is logged
    # as the option or line edits that made it, never as an edit of the proposal.
    "quote_summary",
}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    opportunity_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _field_changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in IGNORED_FIELDS:
            continue
        if action == "create":
            value = getattr(obj, key)
            if value not in (None, ""):
                changes[key] = [None, _plain(value)]
        elif action == "delete":
            changes[key] = [_plain(getattr(obj, key)), None]
        else:
            hist = state.attrs[key].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if old != new:
                    changes[key] = [_plain(old), _plain(new)]
    return changes


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


# Rows without an opportunity_id of their own reach it through their parent.
_PARENT_OPPORTUNITY = {
    "proposal_id": "SELECT opportunity_id FROM proposal WHERE id = :id",
    "option_id": (
        "SELECT p.opportunity_id FROM proposal_option o JOIN proposal p ON p.id = o.proposal_id "
        "WHERE o.id = :id"
    ),
    "section_id": (
        "SELECT p.opportunity_id FROM proposal_section s JOIN proposal p ON p.id = s.proposal_id "
        "WHERE s.id = :id"
    ),
    "scenario_id": "SELECT opportunity_id FROM price_scenario WHERE id = :id",
}


def _opportunity_of(session: Session, obj: Any, memo: dict) -> int | None:
    if type(obj).__tablename__ == "opportunity":
        return obj.id
    own = getattr(obj, "opportunity_id", None)
    if own is not None or hasattr(type(obj), "opportunity_id"):
        return own
    for column, sql in _PARENT_OPPORTUNITY.items():
        parent = getattr(obj, column, None)
        if parent is None:
            continue
        if (column, parent) not in memo:
            memo[(column, parent)] = (
                session.connection().execute(text(sql), {"id": parent}).scalar()
            )
        return memo[(column, parent)]
    return None


def _entity_id(obj: Any) -> int | None:
    # New rows have their key after the flush but no identity yet: read it off the row.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return key[0] if len(key) == 1 else None


@event.listens_for(Session, "after_flush")
def _record(session: Session, _ctx) -> None:
    rows = []
    memo: dict = {}
    actor = _actor_id()
    for action, objs in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objs:
            if not getattr(type(obj), "__audited__", False):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _field_changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(
                {
                    "at": utcnow(),
                    "user_id": actor,
                    "entity": type(obj).__tablename__,
                    "entity_id": _entity_id(obj),
                    "opportunity_id": _opportunity_of(session, obj, memo),
                    "action": action,
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)
        mark_changed(session)
        # The PDFs of the bids changed are re-rendered in the background once edits settle.
        note_pdf_inputs(
            session, [r["opportunity_id"] for r in rows if r["entity"] not in NOT_PRINTED]
        )
