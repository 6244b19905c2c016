"""The last step of the demo: link each official scenario to the quote option that carries
the bid, take the bid price from that option where the scenario names none, let the
opportunity amount follow the bid price, and stage the stale approval of the demo that
shows one on purpose."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.deals.models import Opportunity
from portal.drafts.models import Approval, Proposal, ProposalOption
from portal.extensions import db
from portal.pricescore.demo import linked_options
from portal.pricescore.models import PriceScenario
from portal.timeutil import utcnow
from proposals.pricing import option_totals, quote_fingerprint

STALE_PREFIX = "演示·不一致：审批过期"


def link_demo_bids() -> None:
    for prefix, scenario_name, option_name in linked_options():
        opportunity = db.session.scalars(
            select(Opportunity).where(Opportunity.name.startswith(prefix))
        ).first()
        if opportunity is None:
            continue
        scenario = db.session.scalars(
            select(PriceScenario).where(
                PriceScenario.opportunity_id == opportunity.id,
                PriceScenario.name == scenario_name,
            )
        ).first()
        option = db.session.scalars(
            select(ProposalOption)
            .join(Proposal, Proposal.id == ProposalOption.proposal_id)
            .where(Proposal.opportunity_id == opportunity.id, ProposalOption.name == option_name)
        ).first()
        if scenario is None or option is None:
            continue
        totals = option_totals(option.as_domain())
        scenario.linked_option_id = option.id
        if scenario.chosen_price is None:
            scenario.chosen_price = totals.contract_value
        opportunity.amount = scenario.chosen_price
        if prefix.startswith(STALE_PREFIX):
            _stage_stale_approval(opportunity, scenario, option)
    db.session.flush()


def _stage_stale_approval(opportunity, scenario: PriceScenario, option: ProposalOption) -> None:
    """A leader approved the quote at a 20 % licence discount; presales raised it to 25 %
    afterwards (the demo's lines hold 25 %), and the official scenario was last saved
    before that change."""
    from portal.auth.models import User

    licence = option.lines[0]
    current = licence.discount_pct
    licence.discount_pct = Decimal(20)
    approved_fingerprint = quote_fingerprint([o.as_domain() for o in option.proposal.options])
    licence.discount_pct = current
    leader = db.session.scalars(select(User).where(User.role == "leader")).first()
    now = utcnow()
    db.session.add(
        Approval(
            proposal=option.proposal,
            opportunity_id=opportunity.id,
            required_role="leader",
            fingerprint=approved_fingerprint,
            reasons=[],
            state="approved",
            requested_by_id=option.proposal.created_by_id,
            requested_at=now - timedelta(days=4),
            decided_by_id=leader.id if leader else None,
            decided_at=now - timedelta(days=3),
            comment="同意，按20%折扣。",
        )
    )
    scenario.updated_at = now - timedelta(days=3)
    option.proposal.quote_changed_at = now - timedelta(days=1)
