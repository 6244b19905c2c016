"""Demo data for the workspace: competitors, matrices, activity progress, likelihoods."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.deals.models import Opportunity
from portal.extensions import db
from portal.timeutil import today
from portal.workspace import queries
from portal.workspace.models import (
    Competitor,
    Likelihood,
    MatrixCompetitor,
    MatrixCriterion,
    MatrixScore,
    OpportunityActivity,
)

COMPETITORS = [
    ("华信科技 Huaxin Tech", "Strong local service network; aggressive on price."),
    ("NorthBridge Systems", "Global brand; expensive after-sales."),
    ("云启数智 Yunqi Digital", "Young vendor, good cloud-native stack."),
]
# name (zh / en), weight, our score, competitor scores
CRITERIA = [
    ("技术方案 Technical solution", 35, 8, (7, 8, 6)),
    ("价格 Price", 30, 6, (8, 5, 7)),
    ("本地服务 Local service", 15, 7, (9, 6, 5)),
    ("行业案例 Industry references", 10, 9, (6, 8, 4)),
    ("交付周期 Delivery time", 10, 6, (7, 6, 8)),
]


def create() -> None:
    rng = random.Random(7)
    existing = {c.name: c for c in db.session.scalars(select(Competitor))}
    competitors = [
        existing.get(name) or Competitor(name=name, notes=notes) for name, notes in COMPETITORS
    ]
    db.session.add_all(competitors)
    db.session.flush()
    opportunities = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
    if not opportunities:
        return
    start = today()
    for index, opportunity in enumerate(opportunities):
        if opportunity.status == "open":
            db.session.add(
                Likelihood(
                    opportunity_id=opportunity.id, percent=rng.choice((20, 35, 50, 60, 75, 85))
                )
            )
        queries.ensure_templates(opportunity.stage.model_id, commit=False)
        grid = queries.load_grid(opportunity, start)
        for activity in grid.activities:
            if activity.stage_index < grid.current_index:
                status = rng.choices(["done", "in_progress", "not_applicable"], weights=[8, 1, 1])[
                    0
                ]
            elif activity.stage_index == grid.current_index:
                status = rng.choice(["done", "in_progress", "not_started"])
            else:
                continue
            db.session.add(
                OpportunityActivity(
                    opportunity_id=opportunity.id,
                    template_id=activity.id,
                    status=status,
                    owner_id=opportunity.owner_id,
                    evidence="",
                    due_date=start + timedelta(days=rng.randint(-10, 30))
                    if status != "done"
                    else None,
                )
            )
        # Rivals already named for this opportunity (its price-score scenarios, negotiation
        # sheet and objections) are the ones its matrix scores.
        rivals = [
            entry.competitor
            for entry in db.session.scalars(
                select(MatrixCompetitor)
                .where(MatrixCompetitor.opportunity_id == opportunity.id)
                .order_by(MatrixCompetitor.position, MatrixCompetitor.id)
            )
        ]
        if not rivals and index % 3 == 0 and opportunity.status == "open":
            rivals = competitors[: 2 + index % 2]
            for position, rival in enumerate(rivals):
                db.session.add(
                    MatrixCompetitor(
                        opportunity_id=opportunity.id, competitor_id=rival.id, position=position
                    )
                )
        if rivals:
            for position, (name, weight, ours, theirs) in enumerate(CRITERIA):
                criterion = MatrixCriterion(
                    opportunity_id=opportunity.id,
                    name=name,
                    weight=Decimal(weight),
                    our_score=Decimal(ours),
                    position=position,
                )
                for k, rival in enumerate(rivals):
                    score = theirs[k % len(theirs)]
                    criterion.scores.append(
                        MatrixScore(
                            opportunity_id=opportunity.id,
                            competitor_id=rival.id,
                            score=Decimal(score),
                        )
                    )
                db.session.add(criterion)
    db.session.flush()


def align_judged_activities() -> None:
    """Run last, once every demo record exists: an NSABC activity the portal judges from its
    records (decision chain, procurement criteria, competition, objections, quote) is done
    exactly when the records back it, so the demo never ticks what its own data contradicts
    (an activity already started stays in progress; one the records back is done)."""
    from portal.workspace.evidence import grid_evidence
    from portal.workspace.models import ActivityTemplate

    rows = db.session.scalars(
        select(OpportunityActivity).order_by(OpportunityActivity.opportunity_id)
    ).all()
    by_opportunity: dict[int, list[OpportunityActivity]] = {}
    for row in rows:
        by_opportunity.setdefault(row.opportunity_id, []).append(row)
    for opportunity_id, activities in by_opportunity.items():
        opportunity = db.session.get(Opportunity, opportunity_id)
        templates = [db.session.get(ActivityTemplate, a.template_id) for a in activities]
        found = grid_evidence(opportunity, templates)
        for activity in activities:
            evidence = found.get(activity.template_id)
            if evidence is None or activity.status == "not_applicable":
                continue
            if evidence.supports:
                activity.status, activity.due_date = "done", None
            elif activity.status == "done":
                activity.status = "in_progress"
                activity.due_date = today() + timedelta(days=7)
    db.session.flush()
