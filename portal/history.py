"""An opportunity's history, read from the audit log (portal/audit.py).

Every audited create, change and delete that belongs to the opportunity (its own row and
every row under it: stakeholders, proposals and their sections, options and lines,
scenarios, sheets, objections …) carries its `opportunity_id`, so the history is one
indexed query. Whoever may see the opportunity may read its history.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404

bp = Blueprint("history", __name__)

PAGE = 100
# Already on the row (the entity's #id) or implied by the page (the opportunity).
_SHOWN_ELSEWHERE = {"id", "opportunity_id"}
ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted")}
ENTITIES = {
    "opportunity": _l("Opportunity"),
    "stakeholder": _l("Stakeholder"),
    "opportunity_team": _l("Team member"),
    "proposal": _l("Proposal"),
    "proposal_section": _l("Proposal section"),
    "section_block_use": _l("Library block inserted"),
    "proposal_option": _l("Quote option"),
    "proposal_line": _l("Quote line"),
    "proposal_approval": _l("Approval"),
    "proposal_revision": _l("Proposal version"),
    "proposal_comment": _l("Comment"),
    "price_scenario": _l("Price scenario"),
    "price_competitor": _l("Price scenario competitor"),
    "negotiation_sheet": _l("Negotiation sheet"),
    "negotiation_goal": _l("Negotiation goal"),
    "counterpart_interest": _l("Counterpart interest"),
    "planned_concession": _l("Planned concession"),
    "negotiation_round": _l("Negotiation round"),
    "objection": _l("Objection"),
    "objection_step": _l("Objection step"),
    "opportunity_activity": _l("Activity"),
    "stage_move": _l("Stage move"),
    "matrix_competitor": _l("Competitor in the matrix"),
    "matrix_criterion": _l("Matrix criterion"),
    "matrix_score": _l("Matrix score"),
    "opportunity_likelihood": _l("Likelihood"),
}


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 120 else text[:117] + "…"


@bp.get("/opportunities/<int:opportunity_id>/history")
@allowed(*ALL_ROLES)
def opportunity_history(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    before = request.args.get("before", type=int)
    stmt = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.opportunity_id == opportunity.id)
        .order_by(AuditEvent.id.desc())
        .limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    rows = db.session.execute(stmt).all()
    events = [
        {
            "id": event.id,
            "at": event.at,
            "who": who,
            "what": ENTITIES.get(event.entity, event.entity.replace("_", " ")),
            "entity_id": event.entity_id,
            "action": ACTIONS.get(event.action, event.action),
            "changes": [
                (field, _short(change[0]), _short(change[1]))
                for field, change in sorted((event.changes or {}).items())
                if isinstance(change, list) and len(change) == 2 and field not in _SHOWN_ELSEWHERE
            ],
        }
        for event, who in rows[:PAGE]
    ]
    more = rows[PAGE][0].id + 1 if len(rows) > PAGE else None
    return render_template(
        "history/opportunity.html", opportunity=opportunity, events=events, more=more
    )
