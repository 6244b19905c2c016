"""The demo's decision chains tell the same story as their opportunities (issue 15): every
demo bid's chain is covered for its stage and its judged NSABC activities agree with the
records, except the one opportunity whose name announces a chain gap. The closed bids of the
demo's two-year history are left as they were at close."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db


def test_demo_chains_match_their_opportunities_and_activities(app):
    from portal.deals.models import Opportunity
    from portal.demo import CHAIN_GAP_PREFIX, load_demo_data
    from portal.workspace import tasks
    from portal.workspace.evidence import grid_evidence
    from portal.workspace.models import ActivityTemplate, OpportunityActivity
    from portal.workspace.queries import _person
    from proposals.coverage import actionable_warnings
    from proposals.workspace import decision_chain_coverage

    with app.test_request_context():
        load_demo_data()
        opportunities = db.session.scalars(
            select(Opportunity).where(Opportunity.status == "open").order_by(Opportunity.id)
        ).all()
        gaps = [o for o in opportunities if o.name.startswith(CHAIN_GAP_PREFIX)]
        assert len(gaps) == 1 and "Demo chain gap" in gaps[0].name
        for o in opportunities:
            plan = tasks.chain_plan(o, [], date.today())
            people = [_person(s) for s in o.stakeholders]
            cover = decision_chain_coverage(people, date.today())
            warned = {w.code for w in actionable_warnings(cover.warnings, plan, people)}
            if o in gaps:
                assert {"no_coach", "gatekeeper_opponent", "no_authority_role"} <= warned
                assert len(plan.supported_roles) < plan.role_count and not plan.has_coach
            else:
                assert plan.has_coach, o.name
                assert warned == set(), (o.name, warned)
            activities = db.session.scalars(
                select(OpportunityActivity).where(OpportunityActivity.opportunity_id == o.id)
            ).all()
            templates = [db.session.get(ActivityTemplate, a.template_id) for a in activities]
            found = grid_evidence(o, templates)
            for a in activities:
                if a.template_id in found and a.status == "done":
                    assert found[a.template_id].supports, (o.name, a.template_id)
        flagship = next(o for o in opportunities if o.name.startswith("调度数据中心"))
        rollup = tasks.chain_rollups([flagship.id], date.today())[flagship.id]
        assert rollup.supported_roles == rollup.role_count == 3 and rollup.has_coach
