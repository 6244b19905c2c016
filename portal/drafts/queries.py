"""Loading proposal rows through the opportunity the current user may see."""

from __future__ import annotations

from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from portal.drafts.models import (
    Proposal,
    ProposalLine,
    ProposalOption,
    ProposalRevision,
    ProposalSection,
    SectionBlockUse,
)
from portal.extensions import db
from portal.security import get_opportunity_or_404, scope_for_role


def get_proposal_or_404(opportunity_id: int, proposal_id: int, with_sections: bool = False):
    """(opportunity, proposal) if the user may see the opportunity and the proposal is its own."""
    opportunity = get_opportunity_or_404(opportunity_id)
    stmt = select(Proposal).where(
        Proposal.id == proposal_id, Proposal.opportunity_id == opportunity.id
    )
    if with_sections:
        stmt = stmt.options(
            selectinload(Proposal.sections)
            .selectinload(ProposalSection.block_uses)
            .selectinload(SectionBlockUse.block)
        )
    proposal = db.session.scalars(stmt).first()
    if proposal is None:
        abort(404)
    return opportunity, proposal


@cache
def _line_statement(role: str):
    # Built once per role and process (building it costs more than running it); the ids
    # and the user are bound per request.
    from portal.deals.models import Opportunity

    return (
        select(Opportunity, Proposal, ProposalLine)
        .join(Proposal, Proposal.opportunity_id == Opportunity.id)
        .join(ProposalOption, ProposalOption.proposal_id == Proposal.id)
        .join(ProposalLine, ProposalLine.option_id == ProposalOption.id)
        .where(
            Opportunity.id == bindparam("opportunity_id"),
            Proposal.id == bindparam("proposal_id"),
            ProposalLine.id == bindparam("line_id"),
            scope_for_role(role, bindparam("user_id")),
        )
    )


def line_or_404(opportunity_id: int, proposal_id: int, line_id: int):
    """(opportunity, proposal, line) in one query: the line must belong to the proposal, the
    proposal to the opportunity, and the user must see the opportunity; else 404. The line
    autosave runs on every typing pause, so it checks and loads all three at once."""
    row = db.session.execute(
        _line_statement(current_user.role),
        {
            "opportunity_id": opportunity_id,
            "proposal_id": proposal_id,
            "line_id": line_id,
            "user_id": current_user.id,
        },
    ).first()
    if row is None:
        abort(404)
    return tuple(row)


def child_or_404(model, object_id: int, proposal: Proposal):
    """A section, option, line or revision that belongs to this proposal, or 404."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    owner = obj.option.proposal_id if model is ProposalLine else obj.proposal_id
    if owner != proposal.id:
        abort(404)
    return obj


__all__ = ["get_proposal_or_404", "child_or_404", "ProposalOption", "ProposalRevision"]
