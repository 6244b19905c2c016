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
from portal.drafts.workflow import authority_rules
from portal.extensions import db
from portal.pricescore import inputs
from portal.pricescore.models import PriceScenario
from proposals.bidvalue import DiscountEffect, what_discount_buys
from proposals.negotiation import approval_at_price
from proposals.pricing import OptionTotals, option_totals
from proposals.quote_summary import OptionFigures
from proposals.scoring import validate_scenario

TRIALS = 2000
#: "Per 1 % of discount": the bid price against the bid price less one percent.
ONE_POINT_OFF = Decimal("0.99")


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
    # The option row and its priced totals; in the approval queue, read from the stored
    # quote summary, both are the option's stored figures (OptionFigures: id, name,
    # contract_list, contract_value), see portal.bid.summary.linked_effects.
    option: ProposalOption | OptionFigures
    totals: OptionTotals | OptionFigures
    effect: DiscountEffect | None  # None: no discount on the option, or the scenario is invalid
    # One more percent off the bid price under the same scenario (None: no bid price yet).
    per_point: DiscountEffect | None = None
    # Who must approve the contract sold at the bid price (proposals.negotiation).
    approver_at_bid: str | None = None

    def text(self, locale: str | None = None) -> str:
        return self.effect.text(locale or reader_locale()) if self.effect else ""

    def per_point_text(self, locale: str | None = None) -> str:
        return self.per_point.text(locale or reader_locale()) if self.per_point else ""


def effect_for(scenario: PriceScenario, option: ProposalOption) -> LinkedEffect:
    totals = option_totals(option.as_domain())
    effect = per_point = None
    estimate = inputs.from_model(scenario)
    valid = not any(i.severity == "error" for i in validate_scenario(estimate).values())
    if valid and 0 < totals.contract_value < totals.contract_list:
        effect = what_discount_buys(
            estimate.rules,
            estimate,
            Decimal(totals.contract_list),
            Decimal(totals.contract_value),
            TRIALS,
            scenario.seed,
        )
    approver = None
    if scenario.chosen_price:
        if valid:
            per_point = what_discount_buys(
                estimate.rules,
                estimate,
                scenario.chosen_price,
                (scenario.chosen_price * ONE_POINT_OFF).quantize(Decimal("0.01")),
                TRIALS,
                scenario.seed,
            )
        if totals.contract_list:
            approver = approval_at_price(totals, scenario.chosen_price, authority_rules())
            approver = approver.required_role
    return LinkedEffect(scenario, option, totals, effect, per_point, approver)


def effects_for_proposal(proposal: Proposal) -> list[LinkedEffect]:
    """What the discount of the option linked to the opportunity's official scenario buys,
    when that option belongs to this proposal ([] otherwise: what-ifs never reach
    approvals)."""
    scenarios = db.session.scalars(
        select(PriceScenario)
        .join(ProposalOption, ProposalOption.id == PriceScenario.linked_option_id)
        .where(
            ProposalOption.proposal_id == proposal.id,
            PriceScenario.opportunity_id == proposal.opportunity_id,
            PriceScenario.official.is_(True),
        )
        .options(
            selectinload(PriceScenario.competitors),
            selectinload(PriceScenario.linked_option).selectinload(ProposalOption.lines),
        )
        .order_by(PriceScenario.id)
    ).all()
    return [effect_for(s, s.linked_option) for s in scenarios]
