"""The leadership bid desk: open bids by deadline with what leadership decides on.

Every figure comes from the bid as every page sees it (portal.bid.truth.bid_states): the
official price-score scenario only (a what-if never reaches the desk), its bid price, and
the bid's disagreements for the health column. The price-score position is read from the
stored bid summary (portal.bid.summary: computed when the scenario or quote changes), never
simulated per page load; a summary being recomputed is shown as such.

The desk is paged (PAGE_SIZE bids, keyset on the sort's columns with the opportunity id
last, the cursor in the URL): the filters (DeskCriteria, from the query string) and the
approval filters (the latest approval request of each bid) are SQL, so a page costs a fixed
number of queries, over its own bids only, whatever the number of open bids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, literal, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import Account
from portal.bid.truth import BidState, bid_states
from portal.deals.models import Opportunity
from portal.exports.packs import latest_revisions
from portal.extensions import db
from portal.pricescore.models import PriceScenario
from portal.security import opportunity_scope
from proposals.biddesk import (
    DEADLINE_WINDOWS,
    PricePosition,
    days_left,
    deadline_bounds,
)

#: Bids in one zip download: each is a full render when not cached.
MAX_ZIP = 20
SEARCH_MAX = 100
#: Sort codes of the desk; "-" first: largest first.
SORTS = ("deadline", "-deadline", "name", "-amount", "-margin", "-pwin", "stage")
APPROVAL_FILTERS = ("none", "pending", "approved", "rejected", "withdrawn")
GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class DeskCriteria:
    """The desk's query-string filters, cleaned. An unknown value is dropped, not fatal, so
    an old bookmark still opens the desk."""

    q: str | None = None
    stage: int | None = None
    owner: int | None = None
    deadline: str | None = None  # a proposals.biddesk.DEADLINE_WINDOWS code
    approval: str | None = None  # an APPROVAL_FILTERS code ("none": no request yet)
    grade: str | None = None  # the account grade
    mine: bool = False  # only pending requests the user may decide
    sort: str = "deadline"

    @classmethod
    def from_args(cls, args) -> DeskCriteria:
        def whole(name):
            try:
                value = int(args.get(name, ""))
            except ValueError:
                return None
            return value if 1 <= value <= 2**31 - 1 else None

        def one_of(name, codes):
            value = args.get(name)
            return value if value in codes else None

        return cls(
            q=(args.get("q") or "").strip()[:SEARCH_MAX] or None,
            stage=whole("stage"),
            owner=whole("owner"),
            deadline=one_of("deadline", DEADLINE_WINDOWS),
            approval=one_of("approval", APPROVAL_FILTERS),
            grade=one_of("grade", GRADES),
            mine=args.get("mine") in ("1", "on", "y"),
            sort=one_of("sort", SORTS) or "deadline",
        )

    def args(self) -> dict[str, str]:
        """The filters set, as query-string values (for links and redirects: no empty or
        None values in the URL)."""
        out = {
            "q": self.q,
            "stage": self.stage,
            "owner": self.owner,
            "deadline": self.deadline,
            "approval": self.approval,
            "grade": self.grade,
            "mine": "1" if self.mine else None,
            "sort": None if self.sort == "deadline" else self.sort,
        }
        return {k: str(v) for k, v in out.items() if v is not None}

    @property
    def narrowed(self) -> bool:
        return any(k != "sort" for k in self.args())


@dataclass(frozen=True)
class DeskRow:
    opportunity: Opportunity
    stage_name: str
    days_left: int | None
    margin_pct: Decimal | None  # None without a priced quote
    approval: str | None  # state code of the latest approval request; None without one
    scenario: PriceScenario | None  # the official one; None without one
    position: PricePosition | None  # at the bid price; None without one
    bid: BidState | None = None
    margin_frozen: bool = True  # False: read from the live draft, not a frozen revision
    decidable: object | None = None  # the latest approval request, pending and the user's
    revision: object | None = None  # the latest revision (its customer proposal PDF)
    recomputing: bool = False  # the stored position is being recomputed


@dataclass(frozen=True)
class QuoteMargin:
    """Margin (percent 0–100, unrounded; None for a zero contract value) of a bid's quote;
    `frozen` is False when it comes from the live draft (no revision frozen yet)."""

    pct: Decimal | None
    frozen: bool


def quote_margins(opportunity_ids: Sequence[int], revisions=None) -> dict[int, QuoteMargin]:
    """Margin of each opportunity's current quote: the recommended option (else the first)
    of its latest revision, a submitted one preferred (packs.latest_revisions: one query,
    or `revisions` already read); without any revision, the same option of its latest
    proposal's live draft."""
    from proposals.drafting import options_from_snapshot
    from proposals.pricing import quote_totals

    margins: dict[int, QuoteMargin] = {}
    if revisions is None:
        revisions = latest_revisions(opportunity_ids)
    for opportunity_id, revision in revisions.items():
        totals = quote_totals(options_from_snapshot(revision.snapshot or {}))
        chosen = totals.recommended or (totals.options[0] if totals.options else None)
        if chosen is not None:
            margins[opportunity_id] = QuoteMargin(chosen.margin_pct, True)
    missing = [i for i in opportunity_ids if i not in margins]
    for opportunity_id, totals in draft_quotes(missing).items():
        chosen = totals.recommended or (totals.options[0] if totals.options else None)
        if chosen is not None:
            margins[opportunity_id] = QuoteMargin(chosen.margin_pct, False)
    return margins


def draft_quotes(opportunity_ids: Sequence[int]) -> dict:
    """The live quote totals (proposals.pricing.QuoteTotals) of each opportunity's latest
    proposal that has options (two queries)."""
    from portal.drafts.models import Proposal, ProposalOption
    from proposals.pricing import quote_totals

    if not opportunity_ids:
        return {}
    latest: dict[int, Proposal] = {}
    for proposal in db.session.scalars(
        select(Proposal)
        .where(Proposal.opportunity_id.in_(list(opportunity_ids)))
        .options(selectinload(Proposal.options).selectinload(ProposalOption.lines))
        .order_by(Proposal.id)
    ):
        if proposal.options:
            latest[proposal.opportunity_id] = proposal
    return {
        opportunity_id: quote_totals(
            [o.as_domain() for o in sorted(p.options, key=lambda o: (o.position, o.id))]
        )
        for opportunity_id, p in latest.items()
    }


def latest_approvals(opportunity_ids: Sequence[int]) -> dict:
    """Each opportunity's latest approval request (drafts.models.Approval; one query)."""
    from portal.drafts.models import Approval

    if not opportunity_ids:
        return {}
    latest = {}
    for approval in db.session.scalars(
        select(Approval)
        .where(Approval.opportunity_id.in_(list(opportunity_ids)))
        .order_by(Approval.id)
    ):
        latest[approval.opportunity_id] = approval  # the last one wins
    return latest


def approval_states(opportunity_ids: Sequence[int]) -> dict[int, str]:
    """State code (pending, approved, rejected, withdrawn) of each opportunity's latest
    approval request (one query over the approval rows)."""
    return {i: a.state for i, a in latest_approvals(opportunity_ids).items()}


#: Bids on one page of the desk.
PAGE_SIZE = 50
#: Above this many matching bids the desk says "more than …" instead of counting them all.
COUNT_CAP = 1000


def _sort_keys(sort: str) -> tuple[list, bool, bool]:
    """SQL sort keys of a desk sort (all in one direction, the last one unique: keyset
    pagination compares the tuple), whether they run descending, and whether the first key
    may be empty (those bids come last, ordered by the other keys). Plain columns, so the
    default order walks ix_opportunity_status_deadline instead of sorting every open bid."""
    from portal.bid.models import BidSummary
    from portal.deals.models import Stage

    if sort == "-deadline":
        return [Opportunity.bid_deadline, Opportunity.id], True, True
    if sort == "name":
        return [Opportunity.name, Opportunity.id], False, False
    if sort == "-amount":
        return [Opportunity.amount, Opportunity.id], True, False
    if sort == "-margin":
        return [BidSummary.margin_pct, Opportunity.id], True, True
    if sort == "-pwin":
        return [BidSummary.p_win, Opportunity.id], True, True
    if sort == "stage":
        return [Stage.position, Opportunity.name, Opportunity.id], False, False
    return [Opportunity.bid_deadline, Opportunity.name, Opportunity.id], False, True


def _latest_approval(column):
    from portal.drafts.models import Approval

    return (
        select(column)
        .where(Approval.opportunity_id == Opportunity.id)
        .order_by(Approval.id.desc())
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )


def _bids_query(user, c: DeskCriteria, today: date | None, decide_roles: Sequence[str]):
    """The open bids `user` may see that pass `criteria`, with the joins its sort needs."""
    from portal.bid.models import BidSummary
    from portal.deals.models import Stage
    from portal.drafts.models import Approval

    query = select(Opportunity.id).where(Opportunity.status == "open", opportunity_scope(user))
    if c.sort in ("-margin", "-pwin"):
        query = query.outerjoin(BidSummary, BidSummary.opportunity_id == Opportunity.id)
    if c.sort == "stage":
        query = query.join(Stage, Stage.id == Opportunity.stage_id)
    if c.q:
        like = "%" + c.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Opportunity.name.ilike(like, escape="\\"),
                Opportunity.account.has(Account.name.ilike(like, escape="\\")),
            )
        )
    if c.stage:
        query = query.where(Opportunity.stage_id == c.stage)
    if c.owner:
        query = query.where(Opportunity.owner_id == c.owner)
    if c.grade:
        query = query.where(Opportunity.account.has(Account.grade == c.grade))
    if c.deadline == "undated":
        query = query.where(Opportunity.bid_deadline.is_(None))
    elif c.deadline:
        low, high = deadline_bounds(c.deadline, today or date.today())
        if low is not None:
            query = query.where(Opportunity.bid_deadline >= low)
        if high is not None:
            query = query.where(Opportunity.bid_deadline <= high)
    # The latest approval request decides the approval filters (index: opportunity, id).
    if c.approval == "none":
        query = query.where(~exists().where(Approval.opportunity_id == Opportunity.id))
    elif c.approval:
        query = query.where(_latest_approval(Approval.state) == c.approval)
    if c.mine:
        query = query.where(
            _latest_approval(Approval.state) == "pending",
            _latest_approval(Approval.required_role).in_(list(decide_roles) or [""]),
        )
    return query


@dataclass(frozen=True)
class DeskPage:
    rows: list[DeskRow]
    total: int  # matching bids, counted up to COUNT_CAP + 1
    next_after: int | None  # the cursor of the next page (an opportunity id)
    after: int | None  # the cursor this page started after

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP


def _page_ids(query, sort: str, after: int | None, limit: int) -> list[int]:
    """Up to `limit` bid ids of `query` in the order of `sort`, after the bid `after`."""
    keys, descending, nullable = _sort_keys(sort)

    def run(q, used: list, cursor: Sequence | None, count: int) -> list[int]:
        if cursor is not None:
            mark, values = tuple_(*used), tuple_(*[literal(v) for v in cursor])
            q = q.where(mark < values if descending else mark > values)
        order = [k.desc() if descending else k.asc() for k in used]
        return [
            r[0] for r in db.session.execute(q.add_columns(*used).order_by(*order).limit(count))
        ]

    cursor = None
    if after is not None:
        cursor = db.session.execute(query.add_columns(*keys).where(Opportunity.id == after)).first()
    values = list(cursor[1:]) if cursor is not None else None
    if not nullable:
        return run(query, keys, values, limit)
    lead, rest = keys[0], keys[1:]
    ids: list[int] = []
    rest_values = None
    if values is None or values[0] is not None:
        ids = run(query.where(lead.is_not(None)), keys, values, limit)
    else:
        rest_values = values[1:]
    if len(ids) < limit:
        ids += run(query.where(lead.is_(None)), rest, rest_values, limit - len(ids))
    return ids


def desk_page(
    user,
    today: date,
    locale: str,
    criteria: DeskCriteria | None = None,
    may_decide=None,
    after: int | None = None,
    limit: int | None = None,
) -> DeskPage:
    """One page of the open bids `user` may see (reps: their own and their team's; leaders,
    admins: all) that pass `criteria`, in its order (nearest bid deadline first by
    default), starting after the bid `after` (keyset: stable under inserts, no OFFSET).
    `may_decide(approval)` says whether the user may decide a pending request (the approval
    queue's rule); without it nothing is decidable here. A fixed number of queries
    whatever the number of bids: the figures come from the stored bid summaries."""
    from types import SimpleNamespace

    from portal.bid import summary
    from portal.drafts.models import APPROVER_ROLES

    criteria = criteria or DeskCriteria()
    limit = limit or PAGE_SIZE
    decide_roles = [
        r
        for r in APPROVER_ROLES
        if may_decide is not None and may_decide(SimpleNamespace(required_role=r))
    ]
    query = _bids_query(user, criteria, today, decide_roles)
    total = db.session.scalar(
        select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())
    )
    ids = _page_ids(query, criteria.sort, after, limit + 1)
    next_after = ids[limit - 1] if len(ids) > limit else None
    ids = ids[:limit]
    by_id = {
        o.id: o
        for o in db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_(ids))
            .options(
                joinedload(Opportunity.account),
                joinedload(Opportunity.stage),
                joinedload(Opportunity.owner),
            )
        ).unique()
    }
    bids = [by_id[i] for i in ids if i in by_id]
    approvals = latest_approvals(ids)
    states = bid_states(bids)
    revisions = latest_revisions(ids)
    stored = summary.summaries(ids)
    # Margins: stored with the summary; priced here only for a bid being recomputed.
    unsure = [i for i in ids if not stored[i].fresh]
    margins = quote_margins(unsure, {i: r for i, r in revisions.items() if i in unsure})
    for i in ids:
        if stored[i].fresh and stored[i].row.margin_pct is not None:
            margins[i] = QuoteMargin(stored[i].row.margin_pct, stored[i].row.margin_frozen)
    rows = []
    for o in bids:
        scenario = states[o.id].scenario
        margin = margins.get(o.id)
        approval = approvals.get(o.id)
        decidable = (
            approval
            if approval is not None
            and approval.state == "pending"
            and may_decide is not None
            and may_decide(approval)
            else None
        )
        kept = stored[o.id]
        rows.append(
            DeskRow(
                o,
                o.stage.name_zh if locale == "zh_CN" else o.stage.name_en,
                days_left(o.bid_deadline, today),
                margin.pct if margin else None,
                approval.state if approval else None,
                scenario,
                kept.position,
                states[o.id],
                margin.frozen if margin else True,
                decidable,
                revisions.get(o.id),
                recomputing=(
                    not kept.fresh and scenario is not None and scenario.chosen_price is not None
                ),
            )
        )
    return DeskPage(rows, total, next_after, after)
