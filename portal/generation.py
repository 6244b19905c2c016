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
from sqlalchemy import BigInteger, String, event, inspect, select, text
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


# --- generations per scope -----------------------------------------------------------------
#
# The global counter above changes with every write of anyone; a fragment that shows a
# rep's opportunities only needs to change when one of *those* rows changes. Each writing
# transaction therefore also bumps, in the same transaction and in a fixed (sorted) order,
# one counter per scope it touched:
#   "opportunities"  any opportunity (or its stakeholders) changed: what a leader's
#                    unfiltered list shows;
#   "user:<id>"      an opportunity that user owns, presells or is on the team of changed
#                    (before or after the change), or their team membership changed;
#   "names"          a row whose name the lists print changed: account, stage, user.
# A fragment is cached under the values of the scopes it shows (FragmentCache).

_BUMP_SCOPE = text(
    "INSERT INTO scope_generation (key, value) VALUES (:key, 1) "
    "ON CONFLICT (key) DO UPDATE SET value = scope_generation.value + 1"
)
ALL_OPPORTUNITIES = "opportunities"
NAMES = "names"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


class ScopeGeneration(db.Model):
    """A counter per scope of data (see above); a missing row reads as 0."""

    __tablename__ = "scope_generation"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def scope_generations(keys: tuple[str, ...]) -> tuple[int, ...]:
    """The current values of `keys`, in that order (one query, remembered for the request)."""
    known = g.setdefault("scope_generations", {}) if has_app_context() else {}
    missing = [key for key in keys if key not in known]
    if missing:
        rows = db.session.execute(
            select(ScopeGeneration.key, ScopeGeneration.value).where(
                ScopeGeneration.key.in_(missing)
            )
        ).all()
        found = dict(rows)
        for key in missing:
            known[key] = found.get(key, 0)
    return tuple(known[key] for key in keys)


def _touched_scopes(session: Session) -> set[str]:
    """Scopes changed by the objects this flush writes (called before they are flushed
    away: after_flush still lists them, with their attribute history)."""
    from portal.accounts.models import Account
    from portal.auth.models import User
    from portal.deals.models import Opportunity, Stage, StageModel, Stakeholder, TeamMember

    scopes: set[str] = set()
    opportunity_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Opportunity):
            scopes.add(ALL_OPPORTUNITIES)
            if obj.id is not None:
                opportunity_ids.add(obj.id)
            for attr in ("owner_id", "presales_id"):
                history = inspect(obj).attrs[attr].history
                for value in (*history.added, *history.deleted, *history.unchanged):
                    if value is not None:
                        scopes.add(user_scope(value))
        elif isinstance(obj, Stakeholder):
            scopes.add(ALL_OPPORTUNITIES)
            if obj.opportunity_id is not None:
                opportunity_ids.add(obj.opportunity_id)
        elif isinstance(obj, TeamMember):
            history = inspect(obj).attrs["user_id"].history
            for value in (*history.added, *history.deleted, *history.unchanged):
                if value is not None:
                    scopes.add(user_scope(value))
        elif isinstance(obj, Account | Stage | StageModel | User) and obj not in session.new:
            scopes.add(NAMES)
    if opportunity_ids:
        # Whoever sees these opportunities through the team (and the stakeholder's
        # opportunity's owner and presales).
        rows = session.execute(
            select(Opportunity.owner_id, Opportunity.presales_id)
            .where(Opportunity.id.in_(opportunity_ids))
            .union_all(
                select(TeamMember.user_id, TeamMember.user_id).where(
                    TeamMember.opportunity_id.in_(opportunity_ids)
                )
            )
        ).all()
        scopes.update(user_scope(uid) for row in rows for uid in row if uid is not None)
    return scopes


@event.listens_for(Session, "after_flush")
def _collect_scopes(session: Session, _context) -> None:
    if session.new or session.dirty or session.deleted:
        scopes = _touched_scopes(session)
        if scopes:
            session.info.setdefault("scopes_changed", set()).update(scopes)


@event.listens_for(Session, "before_commit")
def _bump_scopes_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    scopes = session.info.pop("scopes_changed", None)
    if not scopes:
        return
    connection = session.connection()
    for key in sorted(scopes):  # one order for every writer: no deadlock between two
        connection.execute(_BUMP_SCOPE, {"key": key})
    if has_app_context():
        g.pop("scope_generations", None)


@event.listens_for(Session, "after_rollback")
def _forget_scopes_on_rollback(session: Session) -> None:
    session.info.pop("scopes_changed", None)
