"""Name search over opportunities, their accounts and their stakeholders, in any script.

One interface over both databases:
- PostgreSQL: `ILIKE '%q%'` answered by GIN trigram indexes (pg_trgm, migration
  0017_scale_b) on opportunity, account and stakeholder names. Trigrams need no word
  segmenter, so a Chinese substring (交通局) is found like a Latin one.
- SQLite: the FTS5 table `search_fts_names` (tokenizer `trigram`, kept by triggers on the
  three tables; rowid = id * 4 + kind) answers `MATCH '"q"'`, a case-insensitive substring
  match.

Queries shorter than three characters (a two-character Chinese name such as 张伟 or 电网 is
common) have no trigram to look up. On PostgreSQL a two-character query is looked up as a
character pair: GIN indexes on name_bigrams(name), the lower-cased pairs of each name
(migration 0017_scale_b). One character, and on SQLite one or two, fall back to
`LIKE '%q%'` evaluated on the candidate set the rest of the query already selected (the
user's scope and filters): for a rep a few hundred rows, for a leader the whole table
(measured in bench/bench_lists_scale.py). On PostgreSQL a rep's or presales' search
always takes that path: LIKE over their few hundred rows costs less than every match in
the whole table.

Ranking (`rank_columns`): a name equal to the query first, then a name starting with it,
then the closest: PostgreSQL's trigram similarity, on SQLite the share of the name the
query covers. A query with more matches than the list ranks (portal/deals/queries.py
RANK_MAX) reads them per name up to that limit (`match_conditions`), its equal and prefix
names as index ranges (`prefix_lookups`), and the others by testing rows in list order
(`row_condition`): no step reads every matching row (the account lookup does list the
ids of every matching account, a fifth as many at the benchmark).
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import aliased

from portal.accounts.models import Account
from portal.deals.models import Opportunity, Stakeholder
from portal.extensions import db
from portal.security import InIds

TRIGRAM = 3
KIND_OPPORTUNITY, KIND_ACCOUNT, KIND_STAKEHOLDER = 1, 2, 3


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def like_pattern(text_: str) -> str:
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(q: str) -> str:
    # One FTS5 string (a phrase): the trigram tokenizer matches it as a substring.
    return '"' + q.replace('"', '""') + '"'


def _fts_ids(q: str, kind: int) -> Select:
    """Ids of rows of `kind` whose name contains `q` (SQLite FTS5, q of 3+ characters)."""
    return (
        select(literal_column(f"(search_fts_names.rowid - {kind}) / 4").label("id"))
        .select_from(text("search_fts_names"))
        .where(
            text("search_fts_names MATCH :fts_q").bindparams(fts_q=_fts_phrase(q)),
            literal_column("search_fts_names.rowid % 4") == kind,
        )
    )


def matching_opportunity_ids(q: str) -> Select:
    """A SELECT of the ids of opportunities whose name, account name or a stakeholder's name
    contains `q` (3+ characters, or 2 on PostgreSQL; case-insensitive), answered from the
    trigram (bigram) indexes."""
    by_account = aliased(Opportunity)
    if _dialect() == "postgresql":
        contains = _pg_contains(q)
        return union(
            select(Opportunity.id).where(contains(Opportunity.name)),
            select(by_account.id).where(
                InIds(by_account.account_id, select(Account.id).where(contains(Account.name)))
            ),
            select(Stakeholder.opportunity_id).where(contains(Stakeholder.name)),
        )
    return union(
        _fts_ids(q, KIND_OPPORTUNITY),
        select(by_account.id).where(by_account.account_id.in_(_fts_ids(q, KIND_ACCOUNT))),
        select(Stakeholder.opportunity_id).where(Stakeholder.id.in_(_fts_ids(q, KIND_STAKEHOLDER))),
    )


def _indexed(q: str) -> bool:
    """Whether `q` is looked up in an index (else LIKE over the candidate rows)."""
    return len(q) >= TRIGRAM or (len(q) == 2 and _dialect() == "postgresql")


def _looked_up(q: str, visible) -> bool:
    """Whether search_condition(q, visible) reads the indexes rather than LIKE over the
    candidate rows. A user who sees a few hundred rows (`visible` given) filters them by
    LIKE on PostgreSQL (cheaper than every match of a common word); SQLite's FTS5 lookup
    is cheaper than its LIKE either way (measured: 70 vs 167 ms at 100,000)."""
    return _indexed(q) and (visible is None or _dialect() == "sqlite")


def reads_account_names(q: str, visible=None) -> bool:
    """Whether search_condition(q, visible) refers to Account (the query must join it)."""
    return not _looked_up(q, visible)


def search_condition(q: str, visible=None) -> ColumnElement[bool]:
    """Condition on a query over Opportunity joined to its Account: `q` appears in the
    opportunity's name, its account's name or one of its stakeholders' names. `visible`
    (security.visible_opportunity_ids, None for all) bounds the stakeholders a short
    query reads."""
    if _looked_up(q, visible):
        return InIds(Opportunity.id, matching_opportunity_ids(q))
    # No index for it, or a few hundred rows in scope (a rep's, presales'): LIKE over the
    # candidate rows costs less than every match of the whole table (see _looked_up).
    pattern = like_pattern(q)
    named = select(Stakeholder.opportunity_id).where(Stakeholder.name.ilike(pattern, escape="\\"))
    if visible is not None:
        named = named.where(InIds(Stakeholder.opportunity_id, visible))
    return or_(
        Opportunity.name.ilike(pattern, escape="\\"),
        Account.name.ilike(pattern, escape="\\"),
        Opportunity.id.in_(named.scalar_subquery()),
    )


def match_conditions(q: str, visible=None) -> list[ColumnElement[bool]]:
    """The conditions whose OR is search_condition(q, visible), one per name looked up (the
    opportunity's, its account's, a stakeholder's), each answered from its own index, so a
    query for the first N matches of each stops there however many rows match. On a query
    over Opportunity (the account's needs no join)."""
    if not _looked_up(q, visible):
        return [search_condition(q, visible)]
    if _dialect() == "postgresql":
        contains = _pg_contains(q)
        return [
            contains(Opportunity.name),
            InIds(Opportunity.account_id, select(Account.id).where(contains(Account.name))),
            # Correlated: a name most stakeholders share is tested row by row up to the
            # limit, where an id list would read every stakeholder that has it.
            select(literal(1))
            .where(Stakeholder.opportunity_id == Opportunity.id, contains(Stakeholder.name))
            .exists(),
        ]
    return [
        Opportunity.id.in_(_fts_ids(q, KIND_OPPORTUNITY)),
        Opportunity.account_id.in_(_fts_ids(q, KIND_ACCOUNT)),
        Opportunity.id.in_(
            select(Stakeholder.opportunity_id).where(
                Stakeholder.id.in_(_fts_ids(q, KIND_STAKEHOLDER))
            )
        ),
    ]


def row_condition(q: str) -> ColumnElement[bool]:
    """search_condition evaluated on each row of Opportunity joined to its Account (its
    names, and its stakeholders' through their opportunity_id index): for walking an
    index in list order, where the rows read are bounded by the page, not by the matches."""
    pattern = like_pattern(q)
    named = (
        select(literal(1))
        .where(Stakeholder.opportunity_id == Opportunity.id)
        .where(Stakeholder.name.ilike(pattern, escape="\\"))
    )
    return or_(
        Opportunity.name.ilike(pattern, escape="\\"),
        Account.name.ilike(pattern, escape="\\"),
        named.exists(),
    )


def prefix_lookups(q: str) -> list[tuple[ColumnElement[bool], ColumnElement]]:
    """(condition, order) on Opportunity joined to its Account, one per name: the
    opportunity's name, or its account's, equals `q` or starts with it (match class 0 or 1
    of rank_columns), ignoring case; ordered by that name lower-cased, the equal one first.
    PostgreSQL reads each as one range of a btree on the lower-cased name in byte order
    (migration 0024_search_rank); SQLite narrows to the FTS5 matches first."""
    low = q.lower()
    high = low + "\U0010ffff"  # above every name that starts with `low`, in byte order
    prefix = like_pattern(q)[1:]
    lookups = []
    for column, kind in ((Opportunity.name, KIND_OPPORTUNITY), (Account.name, KIND_ACCOUNT)):
        if _dialect() == "postgresql":
            key = func.lower(column).collate("C")
            lookups.append(((key >= low) & (key < high), key))
            continue
        condition = column.ilike(prefix, escape="\\")
        if len(q) >= TRIGRAM:
            row = Opportunity.id if kind == KIND_OPPORTUNITY else Account.id
            condition = row.in_(_fts_ids(q, kind)) & condition
        lookups.append((condition, func.lower(column)))
    return lookups


def _pg_contains(q: str):
    if len(q) < TRIGRAM:
        pair = cast(array([q.lower()]), ARRAY(Text))
        return lambda column: func.name_bigrams(column).op("@>")(pair)
    pattern = like_pattern(q)
    return lambda column: column.ilike(pattern, escape="\\")


def rank_columns(q: str) -> tuple[ColumnElement, ColumnElement]:
    """(match class, closeness) of a row of Opportunity joined to its Account, best first
    when ordered by (class ASC, closeness DESC): class 0 when a name equals `q`, 1 when a
    name starts with it, 2 otherwise (a stakeholder's name, or inside a name)."""
    folded = q.casefold()
    prefix = like_pattern(q)[1:]  # "q%": the escaped text without the leading %
    match_class = case(
        (
            or_(func.lower(Opportunity.name) == folded, func.lower(Account.name) == folded),
            0,
        ),
        (
            or_(
                Opportunity.name.ilike(prefix, escape="\\"),
                Account.name.ilike(prefix, escape="\\"),
            ),
            1,
        ),
        else_=2,
    )
    if _dialect() == "postgresql":
        closeness = func.greatest(
            func.similarity(Opportunity.name, q), func.similarity(Account.name, q)
        )
    else:
        # The share of a name containing q that q covers: a short such name is closer.
        length = literal(float(len(q)))
        pattern = like_pattern(q)

        def coverage(name):
            return case(
                (name.ilike(pattern, escape="\\"), length / func.max(func.length(name), 1)),
                else_=0.0,
            )

        closeness = func.max(coverage(Opportunity.name), coverage(Account.name))
    return match_class, closeness


def account_suggestions(q: str, limit: int = 10) -> list[tuple[int, str]]:
    """(id, name) of up to `limit` accounts whose name contains `q`, best first (equal,
    then starting with q, then shortest), for the account filter's autocomplete."""
    q = q.strip()
    if not q:
        return []
    pattern = like_pattern(q)
    stmt = select(Account.id, Account.name)
    if len(q) >= TRIGRAM and _dialect() == "sqlite":
        stmt = stmt.where(Account.id.in_(_fts_ids(q, KIND_ACCOUNT)))
    else:
        stmt = stmt.where(Account.name.ilike(pattern, escape="\\"))
    stmt = stmt.order_by(
        case(
            (func.lower(Account.name) == q.casefold(), 0),
            (Account.name.ilike(like_pattern(q)[1:], escape="\\"), 1),
            else_=2,
        ),
        func.length(Account.name),
        Account.name,
        Account.id,
    ).limit(limit)
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def id_in(ids: list[int]) -> ColumnElement[bool]:
    """Opportunity.id is one of `ids` (a few hundred, from the search's lookups). On
    PostgreSQL an InitPlan over one array parameter, looked up through the primary key,
    as InIds does: with the ids inline the planner prices a hash join over the whole
    account table below a few hundred key lookups."""
    if _dialect() == "postgresql":
        ids_param = bindparam("search_ids", ids, type_=ARRAY(Integer))
        return InIds(Opportunity.id, select(func.unnest(ids_param)))
    return Opportunity.id.in_(ids)
