"""The version of all business data: a counter row bumped by every writing transaction.

Every create, update and delete of an audited row writes an audit event (portal/audit.py)
and marks its session; just before that session commits, `UPDATE data_generation SET
value = value + 1` runs in the same transaction. The row lock taken by that UPDATE is held
until the commit, so two writers bump it one after the other and the numbers follow the
commit order: once a reader sees generation g, every transaction that committed before it
is visible, and the next commit shows up as g + 1. (The newest audit event id, used before,
is allocated when a transaction *starts* writing: a transaction holding id 947 that commits
after 948 left caches on stale data.)

The bump is the last statement before COMMIT, so the lock is held for microseconds and no
transaction waits for the counter while holding other row locks it could be asked for.

Per-process caches (fragments, the logged-in user) check the generation once a request.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import BigInteger, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db

_BUMP = text("UPDATE data_generation SET value = value + 1 WHERE id = 1")
_READ = "SELECT value FROM data_generation WHERE id = 1"


class DataGeneration(db.Model):
    """One row (id 1): the generation of all business data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def data_generation() -> int:
    """The current generation, read once per request (plain SQL: it runs on hot paths)."""
    if "data_generation" not in g:
        g.data_generation = db.session.connection().exec_driver_sql(_READ).scalar() or 0
    return g.data_generation


def mark_changed(session: Session) -> None:
    """Called by the audit hook: this transaction changed business data."""
    session.info["data_changed"] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the audit hook runs here and may mark the session
    if not session.info.pop("data_changed", False):
        return
    connection = session.connection()
    if connection.execute(_BUMP).rowcount == 0:
        # The row is gone (a test emptied every table): start again.
        connection.execute(text("INSERT INTO data_generation (id, value) VALUES (1, 1)"))
    if has_app_context():
        g.pop("data_generation", None)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("data_changed", None)
