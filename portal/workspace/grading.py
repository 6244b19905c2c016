"""The evidence behind an opportunity's suggested grade (proposals.grading): its
qualification inputs, the official price-score P(win) at the bid price (read as the bid
desk reads it), decision-chain coverage and NSABC health."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.timeutil import today
from portal.workspace.models import Qualification
from proposals.grading import QUALIFICATION_INPUTS, GradeSuggestion, suggest_grade


def qualification_of(opportunity_id: int) -> Qualification | None:
    return db.session.scalars(
        select(Qualification).where(Qualification.opportunity_id == opportunity_id)
    ).first()


def grade_suggestion(opportunity, grid, plan) -> GradeSuggestion | None:
    """``grid``: the NSABC grid (portal.workspace.queries.load_grid); ``plan``: the
    decision-chain plan (portal.workspace.tasks.chain_plan)."""
    from portal.bid.summary import position_for  # the desk's stored reading of P(win)
    from portal.bid.truth import official_scenario

    row = qualification_of(opportunity.id)
    ratings = {name: getattr(row, name) for name in QUALIFICATION_INPUTS} if row else {}
    position = position_for(opportunity.id, official_scenario(opportunity.id))
    scores = [h.score for h in grid.health.values() if h.score is not None]
    return suggest_grade(
        ratings,
        Decimal(str(position.p_win)) if position else None,
        len(plan.supported_roles) if opportunity.stakeholders else None,
        plan.role_count,
        plan.has_coach,
        Decimal(sum(scores)) / len(scores) if scores else None,
        opportunity.close_date,
        today(),
    )
