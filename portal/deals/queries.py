"""Read queries for opportunities, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import ceil

from sqlalchemy import func, or_, select

from portal.accounts.models import Account
from portal.auth.models import User
from portal.deals.models import STATUS_CODES, Opportunity, Stage
from portal.extensions import db
from portal.security import opportunity_scope

SORTS = {
    "deadline": (Opportunity.bid_deadline.is_(None), Opportunity.bid_deadline, Opportunity.id),
    "-amount": (Opportunity.amount.desc(), Opportunity.id),
    "name": (Opportunity.name, Opportunity.id),
    "stage": (Stage.position, Opportunity.name, Opportunity.id),
    "-updated": (Opportunity.updated_at.desc(), Opportunity.id.desc()),
}
SEARCH_MAX = 100
PAGE_MAX = 100_000


@dataclass(frozen=True)
class ListCriteria:
    """The list's query-string filters, cleaned. Invalid values are dropped, not fatal,
    so a stale bookmark still opens the list."""

    q: str | None = None
    stage: int | None = None
    status: str | None = None
    owner: int | None = None
    sort: str = "deadline"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> ListCriteria:
        def whole(name, low=1, high=2**31 - 1):
            try:
                value = int(args.get(name, ""))
            except ValueError:
                return None
            return value if low <= value <= high else None

        q = (args.get("q") or "").strip()[:SEARCH_MAX] or None
        status = args.get("status") if args.get("status") in STATUS_CODES else None
        sort = args.get("sort") if args.get("sort") in SORTS else "deadline"
        return cls(
            q=q,
            stage=whole("stage"),
            status=status,
            owner=whole("owner"),
            sort=sort,
            page=whole("page", high=PAGE_MAX) or 1,
        )


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
    items: list[ListRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def opportunity_page(user, criteria: ListCriteria, per_page: int = 20) -> ListPage:
    """One page of the opportunities `user` may see, filtered and sorted.

    One query, whatever the page size: plain columns (no ORM objects to build) with
    the total count as a window over the filtered rows. A page past the end is empty
    and still reports the total.
    """
    stmt = (
        select(
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
            func.count().over().label("total"),
        )
        .join(Account, Opportunity.account_id == Account.id)
        .join(Stage, Opportunity.stage_id == Stage.id)
        .join(User, Opportunity.owner_id == User.id)
        .where(opportunity_scope(user))
    )
    if criteria.q:
        pattern = _like_pattern(criteria.q)
        stmt = stmt.where(
            or_(
                Opportunity.name.ilike(pattern, escape="\\"),
                Account.name.ilike(pattern, escape="\\"),
            )
        )
    if criteria.stage:
        stmt = stmt.where(Opportunity.stage_id == criteria.stage)
    if criteria.status:
        stmt = stmt.where(Opportunity.status == criteria.status)
    if criteria.owner:
        stmt = stmt.where(Opportunity.owner_id == criteria.owner)
    stmt = (
        stmt.order_by(*SORTS[criteria.sort]).limit(per_page).offset((criteria.page - 1) * per_page)
    )
    rows = db.session.execute(stmt).all()
    if rows:
        total = rows[0].total
    elif criteria.page > 1:  # past the end: count without the offset
        total = db.session.execute(
            select(func.count()).select_from(stmt.limit(None).offset(None).subquery())
        ).scalar_one()
    else:
        total = 0
    return ListPage([ListRow(*row[:-1]) for row in rows], total, criteria.page, per_page)
