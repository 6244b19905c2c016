"""Read queries for opportunities, scoped to what the user may see."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.accounts.models import Account
from portal.deals.models import Opportunity, Stage
from portal.extensions import db
from portal.security import opportunity_scope

SORTS = {
    "deadline": (Opportunity.bid_deadline.is_(None), Opportunity.bid_deadline, Opportunity.id),
    "-amount": (Opportunity.amount.desc(), Opportunity.id),
    "name": (Opportunity.name, Opportunity.id),
    "stage": (Stage.position, Opportunity.name, Opportunity.id),
    "-updated": (Opportunity.updated_at.desc(), Opportunity.id.desc()),
}


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def opportunity_page(user, *, q=None, stage=None, status=None, owner=None, sort=None, page=None,
                     per_page=20):
    """One page of the opportunities `user` may see, filtered and sorted.

    Always two queries (count + rows with account, stage and owner joined in), whatever
    the page size: the list must not issue one query per row.
    """
    stmt = (
        select(Opportunity)
        .join(Opportunity.account)
        .join(Opportunity.stage)
        .options(
            contains_eager(Opportunity.account),
            contains_eager(Opportunity.stage),
            joinedload(Opportunity.owner),
        )
        .where(opportunity_scope(user))
    )
    if q and q.strip():
        pattern = _like_pattern(q.strip())
        stmt = stmt.where(
            or_(
                Opportunity.name.ilike(pattern, escape="\\"),
                Account.name.ilike(pattern, escape="\\"),
            )
        )
    if stage:
        stmt = stmt.where(Opportunity.stage_id == stage)
    if status:
        stmt = stmt.where(Opportunity.status == status)
    if owner:
        stmt = stmt.where(Opportunity.owner_id == owner)
    stmt = stmt.order_by(*SORTS.get(sort or "deadline", SORTS["deadline"]))
    return db.paginate(stmt, page=page or 1, per_page=per_page, error_out=False, max_per_page=100)
