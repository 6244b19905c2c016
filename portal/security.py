"""Who may do what: the one place that decides.

Every view declares the roles that may call it with `@allowed(...)` (or `@public`).
A request to an endpoint with no declaration is refused (fail closed), and
`tests/portal/test_access.py` walks every registered route as each role.

Ownership of opportunities:
- a rep sees and edits the opportunities they own or are on the team of;
- presales see and edit the opportunities they are assigned to (as presales or team member);
- leaders and admins see and edit everything.
Anything a user may not see answers 404, never 403, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import Boolean, ColumnElement, Select, select, true, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.visitors import InternalTraversal

from portal.extensions import db

ROLES = ("presales", "rep", "leader", "admin")
ALL_ROLES = ROLES
SEE_ALL_ROLES = ("leader", "admin")

F = TypeVar("F", bound=Callable)


def allowed(*roles: str) -> Callable[[F], F]:
    """Declare which roles may call a view; anyone else gets 403 (404 for hidden objects)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown or '(none)'}")

    def mark(view: F) -> F:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Declare a view that answers without login (the login page and nothing else)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


def check_request_access():
    """before_request hook: enforce the declaration of the endpoint being called."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not hasattr(view, "allowed_roles"):
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    roles = view.allowed_roles
    if roles is None:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def opportunity_scope(user) -> ColumnElement[bool]:
    """SQL condition selecting the opportunities `user` may see and edit."""
    return scope_for_role(user.role, user.id)


def scope_for_role(role: str, user_id) -> ColumnElement[bool]:
    """The ownership condition for a role; `user_id` is a value or a bind parameter (for
    statements built once and run with each user's id).

    Written as `id IN (owned UNION team)` rather than `owner = u OR EXISTS (team)`: the
    planner estimates each branch from its own index (owner_id / presales_id, and the
    team's (user_id, opportunity_id)) and hashes a few hundred ids, where the OR was
    misestimated fifty-fold at 100,000 rows (and tipped PostgreSQL into JIT compiling).
    """
    from portal.deals.models import Opportunity

    visible = visible_opportunity_ids(role, user_id)
    if visible is None:
        return true()
    return InIds(Opportunity.id, visible)


class InIds(ColumnElement[bool]):
    """`column IN (ids)`, written on PostgreSQL as `column = ANY(ARRAY(ids))`: the ids are
    computed first (an InitPlan) and then looked up through the primary key, where the IN
    form was planned as a hash join over a sequential scan of the whole table (its cost
    model prices a few hundred key lookups above reading 100,000 rows)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, ids):
        self.column = column
        self.ids = ids

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(InIds)
def _in_ids(element: InIds, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)
    return f"{column} IN {ids}"


@compiles(InIds, "postgresql")
def _in_ids_postgresql(element: InIds, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{ids})"


def scope_parts(role: str, user_id) -> list[ColumnElement[bool]] | None:
    """The conditions whose union is the scope of `role`/`user_id`, each read from an index
    of its own (held: the owner's or presales' ix_opportunity_*_deadline; the team's:
    opportunity_team), or None when the role sees every opportunity."""
    from portal.deals.models import Opportunity, TeamMember

    if role in SEE_ALL_ROLES:
        return None
    holder = Opportunity.owner_id if role == "rep" else Opportunity.presales_id
    team = select(TeamMember.opportunity_id).where(TeamMember.user_id == user_id)
    return [holder == user_id, InIds(Opportunity.id, team)]


def first_in_scope(stmt: Select, role: str, user_id, sort, limit: int) -> Select:
    """The first `limit` rows of `stmt` (which does not apply the scope itself) in the
    scope of `role`/`user_id`, ordered by `sort`: (column, descending[, nulls last]) for
    each of the columns `stmt` selects last, in that order.

    For a user who sees a part of the opportunities, the first `limit` rows of each part
    of the scope (scope_parts), then the first `limit` of those: each part walks its own
    index in that order and stops, where `id IN (scope)` would fetch every row of the
    user's book and sort it (a rep with 8,000 deals read them all for each board column).
    """

    parts = scope_parts(role, user_id)
    if parts is None:
        return stmt.order_by(*sort_clauses(sort)).limit(limit)
    firsts = [
        stmt.where(part).order_by(*sort_clauses(sort)).limit(limit).subquery().select()
        for part in parts
    ]
    merged = union(*firsts).subquery()
    return select(merged).order_by(*sort_clauses(sort, list(merged.c)[-len(sort) :])).limit(limit)


def sort_clauses(sort, columns=None) -> list:
    """The ORDER BY clauses of `sort` ((column, descending[, nulls last]) each), applied to
    `columns` instead of the sort's own when given (the same columns of a subquery)."""
    if columns is None:
        columns = [own for own, *_ in sort]
    clauses = []
    for (_own, descending, *nulls_last), column in zip(sort, columns, strict=True):
        clause = column.desc() if descending else column.asc()
        clauses.append(clause.nulls_last() if nulls_last and nulls_last[0] else clause)
    return clauses


def visible_opportunity_ids(role: str, user_id):
    """A SELECT of the ids of the opportunities `role`/`user_id` may see, or None when the
    role sees them all. For a subquery that should only look at those rows (such as the
    stakeholders searched by a short query)."""
    from portal.deals.models import Opportunity, TeamMember

    if role in SEE_ALL_ROLES:
        return None
    held = aliased(Opportunity)  # not correlated with the opportunity being filtered
    holder = held.owner_id if role == "rep" else held.presales_id
    return union(
        select(held.id).where(holder == user_id),
        select(TeamMember.opportunity_id).where(TeamMember.user_id == user_id),
    )


def get_opportunity_or_404(opportunity_id: int, *options):
    """Load an opportunity the current user may see, or answer 404."""
    from portal.deals.models import Opportunity

    stmt = select(Opportunity).where(
        Opportunity.id == opportunity_id, opportunity_scope(current_user)
    )
    if options:
        stmt = stmt.options(*options)
    opportunity = db.session.scalars(stmt).first()
    if opportunity is None:
        abort(404)
    return opportunity


def serialize_opportunity_writes():
    """before_request hook: a POST under /opportunities/<id>/… first takes that opportunity's
    row lock, so two writes to one deal run one after the other, each seeing what the
    other committed.

    This is what makes numbers allocated as "the highest so far + 1" (revision numbers,
    round numbers, concession positions, sheet versions), the first save of a sheet that
    does not exist yet, two leaders deciding one approval, and a line save racing a
    decision end with one winner: the second request reads the state the first committed
    and answers with the view's usual conflict (409 with the current state) instead of a
    unique-constraint 500 or a StaleDataError.

    PostgreSQL: SELECT … FOR UPDATE (held to the end of the request's transaction).
    SQLite: a no-op UPDATE of the row, which takes the database's write lock (SQLite has
    one writer at a time; pysqlite begins the transaction at that statement, so every
    later read in the request sees the previous writer's commit).
    """
    if request.method != "POST" or not request.view_args:
        return None
    opportunity_id = request.view_args.get("opportunity_id")
    if not isinstance(opportunity_id, int):
        return None
    lock_opportunity(opportunity_id)
    return None


def lock_opportunity(opportunity_id: int) -> None:
    """Take the write lock of one opportunity row until the transaction ends."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT id FROM opportunity WHERE id = :id FOR UPDATE"), {"id": opportunity_id}
        )
    else:
        db.session.execute(
            text("UPDATE opportunity SET id = id WHERE id = :id"), {"id": opportunity_id}
        )
