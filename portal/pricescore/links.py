"""A price-score scenario linked to a quote option of a proposal of the same opportunity.

"Use this price" on a scenario can name the quote option that carries the price. From then
on the proposal's approval request (on the proposal page and in the leaders' approval
queue) states what the option's discount buys under that scenario: our bid at the option's
list price against our bid at its net price (contract figures, see
``proposals.pricing.option_totals``), through ``proposals.bidvalue.what_discount_buys``.
No arithmetic here: rows → domain objects → the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.drafts.models import Proposal, ProposalOption
from portal.extensions import db
from portal.pricescore import inputs
from portal.pricescore.models import PriceScenario
from proposals.bidvalue import DiscountEffect, what_discount_buys
from proposals.pricing import OptionTotals, option_totals
from proposals.scoring import validate_scenario

TRIALS = 2000


def reader_locale() -> str:
    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def option_choices(opportunity_id: int) -> list[tuple[Proposal, list[ProposalOption]]]:
    """The quote options a scenario of this opportunity may link to, by proposal."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.opportunity_id == opportunity_id)
        .options(selectinload(Proposal.options))
        .order_by(Proposal.id)
    ).all()
    return [
        (p, sorted(p.options, key=lambda o: (o.position, o.id))) for p in proposals if p.options
    ]


def option_of_opportunity(opportunity_id: int, option_id: int) -> ProposalOption | None:
    """The option when it belongs to a proposal of this opportunity, else None."""
    return db.session.scalars(
        select(ProposalOption)
        .join(Proposal, Proposal.id == ProposalOption.proposal_id)
        .where(ProposalOption.id == option_id, Proposal.opportunity_id == opportunity_id)
    ).first()


@dataclass(frozen=True)
class LinkedEffect:
    scenario: PriceScenario
    option: ProposalOption
    totals: OptionTotals
    effect: DiscountEffect | None  # None: no discount on the option, or the scenario is invalid

    def text(self, locale: str | None = None) -> str:
        return self.effect.text(locale or reader_locale()) if self.effect else ""


def effect_for(scenario: PriceScenario, option: ProposalOption) -> LinkedEffect:
    totals = option_totals(option.as_domain())
    effect = None
    if 0 < totals.contract_value < totals.contract_list:
        estimate = inputs.from_model(scenario)
        if not any(i.severity == "error" for i in validate_scenario(estimate).values()):
            effect = what_discount_buys(
                estimate.rules,
                estimate,
                Decimal(totals.contract_list),
                Decimal(totals.contract_value),
                TRIALS,
                scenario.seed,
            )
    return LinkedEffect(scenario, option, totals, effect)


def effects_for_proposal(proposal: Proposal) -> list[LinkedEffect]:
    """What the discount of each linked option of this proposal buys, one per scenario."""
    scenarios = db.session.scalars(
        select(PriceScenario)
        .join(ProposalOption, ProposalOption.id == PriceScenario.linked_option_id)
        .where(
            ProposalOption.proposal_id == proposal.id,
            PriceScenario.opportunity_id == proposal.opportunity_id,
        )
        .options(
            selectinload(PriceScenario.competitors),
            selectinload(PriceScenario.linked_option).selectinload(ProposalOption.lines),
        )
        .order_by(PriceScenario.id)
    ).all()
    return [effect_for(s, s.linked_option) for s in scenarios]
