"""Decision-chain coverage plan and its tasks: the warnings of proposals.coverage for one
opportunity, the dated tasks raised from them, a user's own task list, and the batched
one-line roll-up the bid desk shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.deals.models import Opportunity, Stage, Stakeholder
from portal.extensions import db
from portal.workspace.models import ChainTask
from portal.workspace.queries import _person
from proposals import coverage
from proposals.coverage import ChainPlan, ChainRollup, OurLevel

RULE_KEY = "coverage_rule."  # + stage code: the admin's rule (proposals.coverage.format_rule)


def stored_rules() -> dict[str, str]:
    """The admin's coverage rules by stage code, as stored (one query)."""
    from portal.bid.models import PortalSetting

    return {
        row.key[len(RULE_KEY) :]: row.value
        for row in db.session.scalars(
            select(PortalSetting).where(PortalSetting.key.startswith(RULE_KEY))
        )
    }


def rule_for(opportunity: Opportunity) -> coverage.StageRule:
    stage = opportunity.stage
    count = db.session.scalar(select(func.count(Stage.id)).where(Stage.model_id == stage.model_id))
    rules = coverage.rules_with_overrides(stored_rules())
    return coverage.stage_rule(stage.code, stage.position, count or 1, rules)


def open_tasks(opportunity_id: int) -> list[ChainTask]:
    return list(
        db.session.scalars(
            select(ChainTask)
            .where(ChainTask.opportunity_id == opportunity_id, ChainTask.done_at.is_(None))
            .options(joinedload(ChainTask.assignee), joinedload(ChainTask.stakeholder))
            .order_by(ChainTask.due_date, ChainTask.id)
        )
    )


def chain_plan(opportunity: Opportunity, tasks: Sequence[ChainTask], today: date) -> ChainPlan:
    planned = {t.stakeholder_id for t in tasks if t.stakeholder_id is not None}
    return coverage.coverage_plan(
        [_person(s) for s in opportunity.stakeholders],
        rule_for(opportunity),
        opportunity.account.decision_mode if opportunity.account else None,
        planned,
        today,
    )


def suggested_assignee(opportunity: Opportunity, level: str) -> int:
    """Level matching on our side: an executive (a leader) for their executives, the
    solution specialist (the opportunity's presales, else a solution team member) for their
    technical people, the account owner for everyone else; the owner when nobody fits."""
    if level == OurLevel.SPECIALIST:
        if opportunity.presales_id:
            return opportunity.presales_id
        for member in opportunity.team:
            if member.team_role == "solution":
                return member.user_id
    if level == OurLevel.EXECUTIVE:
        leader = db.session.scalar(
            select(User.id).where(User.active, User.role == "leader").order_by(User.id).limit(1)
        )
        if leader:
            return leader
    return opportunity.owner_id


def assignable_users() -> list[tuple[int, str]]:
    return [
        (row.id, row.display_name)
        for row in db.session.execute(
            select(User.id, User.display_name).where(User.active).order_by(User.display_name)
        )
    ]


def tasks_of(user_id: int) -> list[ChainTask]:
    """Open chain tasks assigned to a user, earliest due first."""
    return list(
        db.session.scalars(
            select(ChainTask)
            .where(ChainTask.assignee_id == user_id, ChainTask.done_at.is_(None))
            .options(joinedload(ChainTask.opportunity), joinedload(ChainTask.stakeholder))
            .order_by(ChainTask.due_date, ChainTask.id)
        )
    )


def chain_rollups(opportunity_ids: Sequence[int], today: date) -> dict[int, ChainRollup]:
    """The desk's coverage summary per opportunity (two queries: stakeholders, open tasks)."""
    if not opportunity_ids:
        return {}
    ids = list(opportunity_ids)
    people: dict[int, list] = defaultdict(list)
    for s in db.session.scalars(select(Stakeholder).where(Stakeholder.opportunity_id.in_(ids))):
        people[s.opportunity_id].append(_person(s))
    due: dict[int, list] = defaultdict(list)
    for opportunity_id, due_date in db.session.execute(
        select(ChainTask.opportunity_id, ChainTask.due_date).where(
            ChainTask.opportunity_id.in_(ids), ChainTask.done_at.is_(None)
        )
    ):
        due[opportunity_id].append(due_date)
    return {i: coverage.chain_rollup(people[i], due[i], today) for i in ids}
