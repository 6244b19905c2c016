"""The leadership bid desk: open bids by deadline with what leadership decides on.

Every figure comes from the bid as every page sees it (portal.bid.truth.bid_states): the
official price-score scenario only (a what-if never reaches the desk), its bid price, and
the bid's disagreements for the health column. The list costs a fixed number of SQL
queries for the bids, their official scenarios, margins (latest revisions, else the live
draft) and approval states, plus one quote read per bid with a pending or approved
approval (to spot a stale one). The price-score position is computed in Python from the
official scenario (proposals.biddesk.price_position).

The filters (DeskCriteria, from the query string) narrow the bids in SQL first (search,
stage, owner, deadline window, account grade), then by the latest approval request
(approval state, "needs my decision"); only the bids left are read and priced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import Account
from portal.bid.truth import BidState, bid_states
from portal.deals.models import Opportunity
from portal.exports.packs import latest_revisions
from portal.extensions import db
from portal.pricescore import inputs
from portal.pricescore.models import PriceScenario
from portal.security import opportunity_scope
from proposals.biddesk import (
    DEADLINE_WINDOWS,
    PricePosition,
    days_left,
    deadline_bounds,
    deadline_order,
    price_position,
)
from proposals.scoring import validate_scenario

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


def open_bids(user, criteria: DeskCriteria | None = None, today: date | None = None):
    """The open bids `user` may see that pass the SQL part of `criteria` (search, stage,
    owner, deadline window relative to `today`, account grade)."""
    query = (
        select(Opportunity)
        .where(Opportunity.status == "open", opportunity_scope(user))
        .options(
            joinedload(Opportunity.account),
            joinedload(Opportunity.stage),
            joinedload(Opportunity.owner),
        )
    )
    c = criteria or DeskCriteria()
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
    return list(db.session.scalars(query).unique())


def _position(scenario: PriceScenario | None) -> PricePosition | None:
    if scenario is None or scenario.chosen_price is None:
        return None
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return None
    return _price_position(estimate, scenario.chosen_price, scenario.seed)


@lru_cache(maxsize=4096)
def _price_position(estimate, price: Decimal, seed: int | None) -> PricePosition:
    # A pure function of the scenario's inputs (a frozen, hashable proposals.scoring
    # Scenario) and the price: a filter change re-reads the bids but rarely their inputs,
    # so the simulation is not run again for a bid whose scenario did not change.
    return price_position(estimate, price, seed=seed)


def _approval_passes(criteria: DeskCriteria, approval, decidable: bool) -> bool:
    if criteria.mine and not decidable:
        return False
    if criteria.approval == "none":
        return approval is None
    if criteria.approval:
        return approval is not None and approval.state == criteria.approval
    return True


def _sort_key(sort: str):
    def last_if_none(value):
        return (value is None, -(value or 0))

    keys = {
        "deadline": lambda r: deadline_order(r.opportunity.bid_deadline, r.opportunity.name),
        "-deadline": lambda r: (
            r.opportunity.bid_deadline is None,
            -(r.opportunity.bid_deadline or date.min).toordinal(),
            r.opportunity.name.casefold(),
        ),
        "name": lambda r: r.opportunity.name.casefold(),
        "-amount": lambda r: (-r.opportunity.amount, r.opportunity.name.casefold()),
        "-margin": lambda r: (*last_if_none(r.margin_pct), r.opportunity.name.casefold()),
        "-pwin": lambda r: (
            *last_if_none(r.position.p_win if r.position else None),
            r.opportunity.name.casefold(),
        ),
        "stage": lambda r: (r.opportunity.stage.position, r.opportunity.name.casefold()),
    }
    return keys[sort]


def desk_rows(
    user, today: date, locale: str, criteria: DeskCriteria | None = None, may_decide=None
) -> list[DeskRow]:
    """Open bids `user` may see (reps: their own and their team's; leaders, admins: all)
    that pass `criteria`, in its order (nearest bid deadline first by default).
    `may_decide(approval)` says whether the user may decide a pending request (the approval
    queue's rule); without it nothing is decidable here."""
    criteria = criteria or DeskCriteria()
    bids = open_bids(user, criteria, today)
    approvals = latest_approvals([o.id for o in bids])
    decidable = {
        i: a
        for i, a in approvals.items()
        if a.state == "pending" and may_decide is not None and may_decide(a)
    }
    bids = [o for o in bids if _approval_passes(criteria, approvals.get(o.id), o.id in decidable)]
    ids = [o.id for o in bids]
    states = bid_states(bids)
    revisions = latest_revisions(ids)
    margins = quote_margins(ids, revisions)
    rows = []
    for o in bids:
        scenario = states[o.id].scenario
        margin = margins.get(o.id)
        approval = approvals.get(o.id)
        rows.append(
            DeskRow(
                o,
                o.stage.name_zh if locale == "zh_CN" else o.stage.name_en,
                days_left(o.bid_deadline, today),
                margin.pct if margin else None,
                approval.state if approval else None,
                scenario,
                _position(scenario),
                states[o.id],
                margin.frozen if margin else True,
                decidable.get(o.id),
                revisions.get(o.id),
            )
        )
    rows.sort(key=_sort_key(criteria.sort))
    return rows
