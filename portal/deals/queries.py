"""Read queries for opportunities, scoped to what the user may see."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from math import ceil

from sqlalchemy import and_, func, or_, select

from portal.accounts.models import Account
from portal.auth.models import User
from portal.deals.models import STATUS_CODES, Opportunity, Stage
from portal.extensions import db
from portal.generation import ALL_OPPORTUNITIES, NAMES, user_scope
from portal.search import (
    id_in,
    match_conditions,
    prefix_lookups,
    rank_columns,
    reads_account_names,
    row_condition,
    search_condition,
)
from portal.security import (
    SEE_ALL_ROLES,
    first_in_scope,
    opportunity_scope,
    visible_opportunity_ids,
)

# Each sort is a keyset: its columns end in the id, so (values of the last row shown) is a
# unique position to continue from, read from an index (models: ix_opportunity_*_id).
# (column, descending); a first column that may be NULL sorts its NULLs last.
SORTS = {
    "deadline": ((Opportunity.bid_deadline, False), (Opportunity.id, False)),
    "-amount": ((Opportunity.amount, True), (Opportunity.id, True)),
    "name": ((Opportunity.name, False), (Opportunity.id, False)),
    "stage": ((Stage.position, False), (Opportunity.name, False), (Opportunity.id, False)),
    "-updated": ((Opportunity.updated_at, True), (Opportunity.id, True)),
}
NULLABLE_FIRST = {"deadline"}
RELEVANCE = "relevance"
SEARCH_MAX = 100
PAGE_MAX = 100_000
# Search results ordered by relevance are capped (offset paging within the best ones):
# ranking every match of a common word would cost the whole table.
RELEVANCE_MAX = 200
# Up to this many matching rows the list says exactly how many; above, "about N".
COUNT_EXACT_MAX = 1000
# Up to this many matches a search ranks them all (equal name, prefix, closeness). Above, it
# lists the names equal to the query or starting with it (an index range), then the other
# matches in bid-deadline order (walking that index): ranking would read every match.
RANK_MAX = COUNT_EXACT_MAX
CURSOR_MAX = 600
CURSOR_ARGS = ("after", "before", "page")


DEFAULT_STATUS = "open"


@dataclass(frozen=True)
class ListCriteria:
    """The list's query-string filters, cleaned. Invalid values are dropped, not fatal,
    so a stale bookmark still opens the list.

    `after` / `before` are keyset cursors (the sort values of the row to continue after or
    before, see `encode_cursor`); `page` is only the number shown, carried along."""

    q: str | None = None
    stage: int | None = None
    status: str | None = None
    owner: int | None = None
    account_name: str | None = None
    sort: str = "deadline"
    page: int = 1
    after: tuple | None = None
    before: tuple | None = None

    @classmethod
    def from_args(cls, args) -> ListCriteria:
        def whole(name, low=1, high=2**31 - 1):
            try:
                value = int(args.get(name, ""))
            except ValueError:
                return None
            return value if low <= value <= high else None

        q = (args.get("q") or "").strip()[:SEARCH_MAX] or None
        # No status in the URL: the open ones (closed bids pile up over the years);
        # "status=" (the filter's "All statuses") shows every one.
        raw_status = args.get("status", DEFAULT_STATUS)
        status = raw_status if raw_status in STATUS_CODES else None
        sorts = (*SORTS, RELEVANCE) if q else tuple(SORTS)
        sort = args.get("sort") if args.get("sort") in sorts else (RELEVANCE if q else "deadline")
        account_name = (args.get("account_name") or "").strip()[:200] or None
        page = whole("page", high=PAGE_MAX) or 1
        after = before = None
        if sort != RELEVANCE:
            after = decode_cursor(args.get("after"), _PARSERS[sort])
            before = None if after else decode_cursor(args.get("before"), _PARSERS[sort])
            if after is None and before is None:
                page = 1  # a page number without a position: the first page
        return cls(
            q=q,
            stage=whole("stage"),
            status=status,
            owner=whole("owner"),
            account_name=account_name,
            sort=sort,
            page=page,
            after=after,
            before=before,
        )


def _cursor_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def encode_cursor(values) -> str:
    """A URL-safe token of a row's sort values."""
    raw = json.dumps([_cursor_value(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_PARSE_DATE = date.fromisoformat  # the one parser whose value may be None (no deadline)
_PARSERS = {
    "deadline": (_PARSE_DATE, int),
    "-amount": (Decimal, int),
    "name": (str, int),
    "stage": (int, str, int),
    "-updated": (datetime.fromisoformat, int),
}


def decode_cursor(token: str | None, parsers: tuple) -> tuple | None:
    """The sort values of a cursor token (each read by its parser: str, int, Decimal,
    date.fromisoformat …), or None when it is missing or not one of ours."""
    if not token or len(token) > CURSOR_MAX:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw.decode())
        if not isinstance(values, list) or len(values) != len(parsers):
            return None
        parsed = []
        for parser, value in zip(parsers, values, strict=True):
            if value is None and parser is _PARSE_DATE:
                parsed.append(None)
            elif isinstance(value, str | int) and not isinstance(value, bool):
                parsed.append(parser(value))
            else:
                return None
        return tuple(parsed)
    except (ValueError, TypeError, ArithmeticError, UnicodeDecodeError, json.JSONDecodeError):
        return None


@dataclass(frozen=True)
class ListRow:
    id: int
    name: str
    account: str
    stage_position: int
    stage_en: str
    stage_zh: str
    procurement_form: str
    amount: Decimal
    currency: str
    bid_deadline: date | None
    owner: str
    status: str

    def stage_name(self, locale: str) -> str:
        return self.stage_zh if locale == "zh_CN" else self.stage_en


@dataclass(frozen=True)
class ListPage:
    """One page of the list. `total` is exact when `total_exact`, else an estimate
    ("about"), or None when the database gives no estimate (more than COUNT_EXACT_MAX).
    `prev_args` / `next_args` are the query-string values that open the neighbour pages."""

    items: list[ListRow]
    total: int | None
    total_exact: bool
    page: int
    per_page: int
    prev_args: dict | None = None
    next_args: dict | None = None
    # A search ordered by relevance lists its closest RELEVANCE_MAX matches only.
    listed_max: int | None = None
    # More than RANK_MAX matches: equal and prefix names first, the rest by bid deadline.
    unranked: bool = False
    query: str | None = None
    # The count's limit when it is not exact ("more than count_max").
    count_max: int = COUNT_EXACT_MAX

    @property
    def pages(self) -> int | None:
        if not self.total_exact:
            return None
        listed = self.total if self.listed_max is None else min(self.total, self.listed_max)
        return max(1, ceil(listed / self.per_page))

    @property
    def listed_fewer(self) -> bool:
        """Whether more rows match than the search lists (the closest listed_max)."""
        return self.listed_max is not None and bool(self.total) and self.total > self.listed_max

    @property
    def has_prev(self) -> bool:
        return self.prev_args is not None

    @property
    def has_next(self) -> bool:
        return self.next_args is not None


def _filtered(stmt, user, criteria: ListCriteria, search: bool = True, scope: bool = True):
    """`stmt` narrowed to the user's scope and the criteria's filters; without the search
    condition unless `search`, without the scope unless `scope` (a page applies it through
    security.first_in_scope)."""
    if scope:
        stmt = stmt.where(opportunity_scope(user))
    if criteria.q and search:
        stmt = stmt.where(search_condition(criteria.q, visible_opportunity_ids(user.role, user.id)))
    if criteria.stage:
        stmt = stmt.where(Opportunity.stage_id == criteria.stage)
    if criteria.status:
        stmt = stmt.where(Opportunity.status == criteria.status)
    if criteria.owner:
        stmt = stmt.where(Opportunity.owner_id == criteria.owner)
    if criteria.account_name:
        stmt = stmt.where(Account.name == criteria.account_name)
    return stmt


def _after(keys, values, backwards: bool):
    """Rows strictly after `values` in the order of `keys` (before it when `backwards`)."""
    terms = []
    for i, (column, descending) in enumerate(keys):
        later = column < values[i] if descending != backwards else column > values[i]
        terms.append(and_(*(keys[j][0] == values[j] for j in range(i)), later))
    return or_(*terms)


def opportunity_page(user, criteria: ListCriteria, per_page: int = 20) -> ListPage:
    """One page of the opportunities `user` may see, filtered and sorted.

    Keyset pagination: a page continues from the sort values of the row before it (the
    cursor in the URL), so page 50 costs what page 1 costs; no window count over every
    row. The count is exact up to COUNT_EXACT_MAX matching rows (a count stopped there),
    above it PostgreSQL's planner estimate ("about"); a search's count stops at RANK_MAX
    ("more than"). A search ordered by relevance with at most RANK_MAX matches ranks them
    all and lists the closest RELEVANCE_MAX; with more, see _relevance_page.
    """
    columns = (
        Opportunity.id,
        Opportunity.name,
        Account.name,
        Stage.position,
        Stage.name_en,
        Stage.name_zh,
        Opportunity.procurement_form,
        Opportunity.amount,
        Opportunity.currency,
        Opportunity.bid_deadline,
        User.display_name,
        Opportunity.status,
    )
    joined = (
        select(*columns)
        .join(Account, Opportunity.account_id == Account.id)
        .join(Stage, Opportunity.stage_id == Stage.id)
        .join(User, Opportunity.owner_id == User.id)
    )
    listed_max = None
    unranked = False
    if criteria.sort == RELEVANCE:
        unfiltered = _filtered(joined, user, criteria, search=False)
        ids = _search_ids(user, criteria)
        if ids is None:
            rows, prev_args, next_args = _unranked_page(unfiltered, user, criteria, per_page)
            total, exact, unranked = None, False, True
        else:
            rows, prev_args, next_args = _relevance_page(
                unfiltered.where(id_in(ids)), criteria, per_page
            )
            total, exact = len(ids), True
        listed_max = RELEVANCE_MAX
    else:
        rows, prev_args, next_args = _keyset_page(
            _filtered(joined, user, criteria, scope=False), user, criteria, per_page
        )
        total, exact = _count(user, criteria)
    return ListPage(
        [ListRow(*row[: len(columns)]) for row in rows],
        total,
        exact,
        criteria.page,
        per_page,
        prev_args,
        next_args,
        listed_max,
        unranked,
        criteria.q,
        RANK_MAX if criteria.q else COUNT_EXACT_MAX,
    )


def _ids_query(user, criteria: ListCriteria, condition, join_account: bool):
    stmt = select(Opportunity.id)
    if join_account:
        stmt = stmt.join(Account, Opportunity.account_id == Account.id)
    return _filtered(stmt, user, criteria, search=False).where(condition)


def _search_ids(user, criteria: ListCriteria) -> list[int] | None:
    """The ids of the rows the search matches (with every filter), when there are at most
    RANK_MAX; None when there are more. Each name looked up (portal.search.match_conditions:
    the opportunity's, the account's, a stakeholder's) is read up to RANK_MAX + 1 rows, so
    a common word costs what RANK_MAX rows cost, however many rows it matches."""
    visible = visible_opportunity_ids(user.role, user.id)
    join_account = bool(criteria.account_name) or reads_account_names(criteria.q, visible)
    found: set[int] = set()
    for condition in match_conditions(criteria.q, visible):
        stmt = _ids_query(user, criteria, condition, join_account).limit(RANK_MAX + 1)
        found.update(db.session.scalars(stmt))
        if len(found) > RANK_MAX:
            return None
    return sorted(found)


def _relevance_page(base, criteria: ListCriteria, per_page: int):
    """A page of `base` (at most RANK_MAX rows: the matches, or the equal and prefix names
    of a search with more) ranked: equal name, prefix, then closeness."""
    match_class, closeness = rank_columns(criteria.q)
    last_page = ceil(RELEVANCE_MAX / per_page)
    page = min(criteria.page, last_page)
    rows = db.session.execute(
        base.order_by(match_class, closeness.desc(), Opportunity.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    more = len(rows) > per_page and page < last_page
    return rows[:per_page], *_page_args(page, more)


def _page_args(page: int, more: bool):
    return ({"page": page - 1} if page > 1 else None), ({"page": page + 1} if more else None)


def _unranked_page(base, user, criteria: ListCriteria, per_page: int):
    """A page of a search with more than RANK_MAX matches, within the first RELEVANCE_MAX:
    the names equal to the query or starting with it (each read as an index range, at most
    RELEVANCE_MAX + 1 per name looked up), ranked; then the other matches by bid deadline,
    walking the deadline index and testing each row (its names, its stakeholders): the
    rows read are bounded by the page and the share of rows that match, not by how many."""
    q = criteria.q
    last_page = ceil(RELEVANCE_MAX / per_page)
    page = min(criteria.page, last_page)
    offset = (page - 1) * per_page
    lookups = prefix_lookups(q)
    head: set[int] = set()
    for condition, order in lookups:
        stmt = _ids_query(user, criteria, condition, join_account=True)
        head.update(db.session.scalars(stmt.order_by(order).limit(RELEVANCE_MAX + 1)))
    match_class, closeness = rank_columns(q)
    rows = []
    if head and offset < len(head):
        rows = db.session.execute(
            base.where(id_in(sorted(head)))
            .order_by(match_class, closeness.desc(), Opportunity.id)
            .limit(per_page + 1)
            .offset(offset)
        ).all()
    if len(rows) <= per_page and len(head) <= RELEVANCE_MAX:
        # Not one of the head's rows (whose names start with q): the head is complete here,
        # no name looked up reached its limit.
        rest = base.where(row_condition(q), *(~condition for condition, _ in lookups))
        # Among one status, the bid desk's order (deadline, name, id): only the index that
        # starts with the status gives it, where (deadline, id) was planned on the index
        # without the status, reading every closed bid before the first open one.
        by_name = (Opportunity.name,) if criteria.status else ()
        rows += db.session.execute(
            rest.order_by(Opportunity.bid_deadline.asc().nulls_last(), *by_name, Opportunity.id)
            .limit(per_page + 1 - len(rows))
            .offset(max(0, offset - len(head)))
        ).all()
    more = len(rows) > per_page and page < last_page
    return rows[:per_page], *_page_args(page, more)


def _keyset_page(base, user, criteria: ListCriteria, per_page: int):
    """A page of `base` (the filters without the user's scope, which each read applies
    through first_in_scope) after or before the criteria's cursor."""
    keys = SORTS[criteria.sort]
    stmt = base.add_columns(*(column for column, _ in keys))
    backwards = criteria.before is not None
    cursor = criteria.before if backwards else criteria.after
    if criteria.sort in NULLABLE_FIRST:
        rows = _nulls_last_segments(stmt, user, keys, cursor, backwards, per_page + 1)
    else:
        if cursor is not None:
            stmt = stmt.where(_after(keys, cursor, backwards))
        sort = [(column, descending != backwards) for column, descending in keys]
        rows = _first(stmt, user, sort, per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    if not rows:
        return rows, None, None
    n = len(keys)
    first, last = rows[0][-n:], rows[-1][-n:]
    has_prev = more if backwards else cursor is not None
    has_next = True if backwards else more
    prev_args = (
        {"before": encode_cursor(first), "page": max(1, criteria.page - 1)} if has_prev else None
    )
    next_args = {"after": encode_cursor(last), "page": criteria.page + 1} if has_next else None
    return rows, prev_args, next_args


def _first(stmt, user, sort, limit: int) -> list:
    """The first `limit` rows of `stmt` in `user`'s scope in `sort` order (see
    security.first_in_scope: a rep's or presales' parts of scope each walk their index)."""
    return db.session.execute(first_in_scope(stmt, user.role, user.id, sort, limit)).all()


def _nulls_last_segments(stmt, user, keys, cursor, backwards: bool, limit: int):
    """Keyset over (nullable column, id) with NULLs last, as two index range scans: the
    rows with a value in (value, id) order, then the NULL rows in id order. (One ORDER BY
    ... NULLS LAST is not read from the index on SQLite, which sorts NULLs first.)"""
    (column, _), (ident, _) = keys
    valued = stmt.where(column.is_not(None))
    nulls = stmt.where(column.is_(None))
    forward, backward = [(column, False), (ident, False)], [(column, True), (ident, True)]
    if not backwards:
        if cursor is not None and cursor[0] is None:
            segments = [(nulls.where(ident > cursor[1]), forward)]
        else:
            if cursor is not None:
                valued = valued.where(_after(keys, cursor, False))
            segments = [(valued, forward), (nulls, forward)]
    else:
        if cursor[0] is None:
            segments = [(nulls.where(ident < cursor[1]), backward), (valued, backward)]
        else:
            segments = [(valued.where(_after(keys, cursor, True)), backward)]
    rows = []
    for segment, sort in segments:
        rows += _first(segment, user, sort, limit - len(rows))
        if len(rows) >= limit:
            break
    return rows


def _count(user, criteria: ListCriteria) -> tuple[int | None, bool]:
    """(count, exact) of the rows the list matches: counted up to COUNT_EXACT_MAX + 1,
    above that PostgreSQL's estimate for the filtered query (None on SQLite). A search is
    counted up to RANK_MAX, name by name (_search_ids); above, None ("more than")."""
    if criteria.q:
        ids = _search_ids(user, criteria)
        return (None, False) if ids is None else (len(ids), True)
    ids = select(Opportunity.id)
    if criteria.account_name:
        ids = ids.join(Account, Opportunity.account_id == Account.id)
    unscoped = _filtered(ids, user, criteria, scope=False)
    # In id order: the count then walks an index (each part of a rep's scope its own) and
    # stops at the cap.
    first = first_in_scope(
        unscoped, user.role, user.id, [(Opportunity.id, False)], COUNT_EXACT_MAX + 1
    )
    capped = db.session.execute(select(func.count()).select_from(first.subquery())).scalar_one()
    if capped <= COUNT_EXACT_MAX:
        return capped, True
    if db.session.get_bind().dialect.name != "postgresql":
        return None, False
    ids = unscoped.where(opportunity_scope(user))
    compiled = ids.compile(
        dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = (
        db.session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, COUNT_EXACT_MAX + 1), False


def list_scopes(user, criteria: ListCriteria) -> tuple[str, ...]:
    """The data generations (portal/generation.py) a list page depends on: the names it
    prints, and the opportunities of the user's scope (a leader's list filtered on one
    owner: that owner's; unfiltered: every opportunity)."""
    if user.role not in SEE_ALL_ROLES:
        return (NAMES, user_scope(user.id))
    if criteria.owner:
        return (NAMES, user_scope(criteria.owner))
    return (NAMES, ALL_OPPORTUNITIES)
