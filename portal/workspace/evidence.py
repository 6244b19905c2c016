"""What the portal's own records say about the NSABC activities it can judge
(proposals.evidence.JUDGED_ACTIVITIES): the decision chain, the procurement-criteria
planner, the competition matrix, open objections and the quote approval. One place for
every judged activity: the tick and the activity editor both ask :func:`activity_problem`."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.timeutil import today
from portal.workspace.models import MatrixCriterion, MatrixScore
from proposals import evidence
from proposals.evidence import Evidence, EvidenceKind


def _locale() -> str:
    return "zh_CN" if str(get_locale()) == "zh_CN" else "en"


def judged_kind(template) -> EvidenceKind | None:
    return evidence.JUDGED_ACTIVITIES.get((template.stage.code, template.element))


def evidence_of(kind: EvidenceKind, opportunity) -> Evidence:
    """What the records show for one kind of evidence (a bounded number of queries)."""
    if kind == EvidenceKind.DECISION_CHAIN:
        from portal.workspace import tasks

        plan = tasks.chain_plan(opportunity, tasks.open_tasks(opportunity.id), today())
        return evidence.chain_evidence(len(plan.supported_roles), plan.role_count, plan.has_coach)
    if kind == EvidenceKind.PROCUREMENT_CRITERIA:
        from portal.pricescore.planner import _latest_recommendation

        return evidence.criteria_evidence(_latest_recommendation(opportunity.id) is not None)
    if kind == EvidenceKind.COMPETITION:
        criteria = db.session.scalar(
            select(func.count(MatrixCriterion.id)).where(
                MatrixCriterion.opportunity_id == opportunity.id
            )
        )
        rivals = db.session.scalar(
            select(func.count(func.distinct(MatrixScore.competitor_id))).where(
                MatrixScore.opportunity_id == opportunity.id
            )
        )
        return evidence.competition_evidence(criteria or 0, rivals or 0)
    if kind == EvidenceKind.OBJECTIONS:
        from portal.objections.models import Objection

        open_count = db.session.scalar(
            select(func.count(Objection.id)).where(
                Objection.opportunity_id == opportunity.id, Objection.status == "open"
            )
        )
        return evidence.objections_evidence(open_count or 0)
    from portal.exports.desk import approval_states

    return evidence.quote_evidence(approval_states([opportunity.id]).get(opportunity.id))


def grid_evidence(opportunity, templates) -> dict[int, Evidence]:
    """Evidence per judged activity template of the grid, each kind computed once."""
    by_kind: dict[EvidenceKind, Evidence] = {}
    out = {}
    for template in templates:
        kind = judged_kind(template)
        if kind is None:
            continue
        if kind not in by_kind:
            by_kind[kind] = evidence_of(kind, opportunity)
        out[template.id] = by_kind[kind]
    return out


def activity_problem(template, opportunity, status: str, reason: str) -> str | None:
    """Why ``status`` cannot be saved against the evidence without a reason, or None."""
    kind = judged_kind(template)
    if kind is None:
        return None
    found = evidence_of(kind, opportunity)
    if not evidence.done_problem(found, status, reason):
        return None
    return _(
        "The records do not show this as done: %(found)s Open the activity and record why "
        "it is done anyway.",
        found=found.found[_locale()],
    )
