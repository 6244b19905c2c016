"""From stored sheet rows to the domain's answers: zone, plan costs, warnings, approval, positions.

No rules live here: it only builds the domain objects of proposals.negotiation from the
rows and collects the results the templates show.

Deal economics (what each concession costs us) come from the quote only when it *is* the
bid: the option linked to the official price-score scenario, whose contract value matches
the bid price (portal.bid.truth), in the sheet's currency. Otherwise the figures typed on
the sheet stand in (``totals_from_figures``). ``SheetAnalysis.source`` says which basis was
used and every message on the sheet names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.bid.truth import BidState, bid_state
from portal.drafts.models import ProposalOption
from portal.drafts.workflow import authority_rules
from portal.negotiation import charts
from portal.negotiation.models import NegotiationSheet
from proposals.coach import LoggedRound, RoundVerdict, round_verdicts
from proposals.negotiation import (
    DEFAULT_HIGHER_IS_BETTER,
    Concession,
    ConcessionApproval,
    ConcessionKind,
    ConcessionWarning,
    Goal,
    NegotiationRound,
    NoZopa,
    PlannedStep,
    RoundTrack,
    Term,
    Zopa,
    approval_at_price,
    concession_approval,
    concession_warnings,
    deal_economics_from_totals,
    plan_steps,
    positions_by_round,
    totals_from_figures,
    zopa,
)
from proposals.pricing import (
    ApprovalDecision,
    OptionTotals,
    QuotePart,
    discount_limit_for_role,
)

# Where the deal economics came from.
SOURCE_QUOTE = "quote"  # the bid's quote option (linked to the official scenario, = bid price)
SOURCE_SHEET = "sheet"  # the figures typed on the sheet (no bid quote)
SOURCE_SHEET_CURRENCY = "sheet_currency"  # the bid's quote is in another currency
SOURCE_SHEET_NOT_BID = "sheet_not_bid"  # an option is linked, but it is not the bid price

ZERO = Decimal(0)


@dataclass
class SheetAnalysis:
    totals: OptionTotals
    price_goal: Goal | None
    zone: Zopa | NoZopa | None
    zone_chart: charts.ZoneChart | None
    steps: list[PlannedStep]
    warnings: list[ConcessionWarning]
    approval: ConcessionApproval | None
    walk_away_approval: ApprovalDecision | None
    rep_limit_pct: Decimal | None
    tracks: list[RoundTrack]
    rounds_chart: charts.RoundsChart | None
    source: str = SOURCE_SHEET
    quote_option: ProposalOption | None = None  # the option priced, when source is "quote"
    bid: BidState | None = None  # the bid as every page sees it (portal.bid.truth)
    verdicts: list[RoundVerdict] = field(default_factory=list)  # the coach, per logged round

    def verdict_for(self, number: int) -> RoundVerdict | None:
        return next((v for v in self.verdicts if v.number == number), None)

    @property
    def bid_warnings(self) -> list:
        """The bid's disagreements that concern this sheet (goals, walk-away, BATNA)."""
        return [d for d in self.bid.found if d.area == "negotiation"] if self.bid else []

    def warnings_for(self, order: int) -> list[ConcessionWarning]:
        return [w for w in self.warnings if w.step == order]

    @property
    def plan_warnings(self) -> list[ConcessionWarning]:
        return [w for w in self.warnings if w.step is None]


def domain_goal(row) -> Goal:
    return Goal(
        term=Term(row.term),
        best=row.best,
        expected=row.expected,
        walk_away=row.walk_away,
        core=row.core,
        higher_is_better=row.higher_is_better,
    )


def domain_concession(row) -> Concession:
    return Concession(
        order=row.position,
        part=QuotePart(row.part),
        kind=ConcessionKind(row.kind),
        amount=row.amount,
        value_to_buyer=row.value_to_buyer or "",
        condition=row.condition or "",
    )


def default_direction(term: str) -> bool:
    return DEFAULT_HIGHER_IS_BETTER[Term(term)]


def deal_totals(
    sheet: NegotiationSheet, bid: BidState | None = None
) -> tuple[OptionTotals, str, ProposalOption | None]:
    """The option totals the concession costs are computed from, and their source: the
    bid's quote option when it is the bid, else the typed figures."""
    if bid is None and sheet.opportunity_id:
        bid = bid_state(sheet.opportunity)
    option = bid.option if bid is not None else None
    if option is None or not option.lines:
        return _typed_totals(sheet), SOURCE_SHEET, None
    if option.proposal.currency != sheet.currency:
        return _typed_totals(sheet), SOURCE_SHEET_CURRENCY, option
    if not bid.quote_is_the_bid:
        return _typed_totals(sheet), SOURCE_SHEET_NOT_BID, option
    return bid.totals, SOURCE_QUOTE, option


def _typed_totals(sheet: NegotiationSheet) -> OptionTotals:
    return totals_from_figures(
        solution_net=sheet.solution_net or ZERO,
        services_net=sheet.services_net or ZERO,
        maintenance_net_per_year=sheet.maintenance_net_per_year or ZERO,
        maintenance_years=sheet.maintenance_years or 0,
        contract_cost=sheet.contract_cost or ZERO,
        annual_maintenance_cost=sheet.annual_maintenance_cost or ZERO,
        contract_list=sheet.contract_list,
    )


def analyse(sheet: NegotiationSheet | None) -> SheetAnalysis | None:
    if sheet is None or sheet.id is None:
        return None
    bid = bid_state(sheet.opportunity) if sheet.opportunity_id else None
    totals, source, quote_option = deal_totals(sheet, bid)
    economics = deal_economics_from_totals(
        totals, sheet.training_day_cost or ZERO, sheet.cost_of_capital_pct or ZERO
    )
    goals = [domain_goal(g) for g in sheet.goals]
    price_row = sheet.goal("price")
    price_goal = domain_goal(price_row) if price_row else None

    zone = chart = None
    if price_goal is not None and sheet.buyer_max is not None:
        zone = zopa(price_goal.walk_away, sheet.buyer_max, sheet.currency, sheet.buyer_currency)
        if isinstance(zone, Zopa) or zone.reason.value == "no_overlap":
            chart = charts.zone_chart(
                price_goal.walk_away, sheet.buyer_max, price_goal.best, price_goal.expected
            )

    plan = [domain_concession(c) for c in sheet.concessions]
    start = totals.contract_value
    walk_away = price_goal.walk_away if price_goal else ZERO
    tradeable = [g.term for g in goals if not g.core]
    steps = plan_steps(plan, economics, start)
    warnings = concession_warnings(plan, economics, walk_away, start, goals, tradeable)
    approval = concession_approval(plan, totals, economics) if plan else None
    # Checked against the admin's approval limits on the bid's basis (list price and cost).
    walk_away_approval = (
        approval_at_price(totals, price_goal.walk_away, authority_rules())
        if price_goal and totals.contract_list
        else None
    )

    tracks: list[RoundTrack] = []
    rounds_chart = None
    rounds = [
        NegotiationRound(
            r.number,
            r.their_ask,
            r.our_offer,
            tuple(filter(None, [r.given])),
            tuple(filter(None, [r.received])),
        )
        for r in sheet.rounds
    ]
    verdicts: list[RoundVerdict] = []
    if price_goal is not None and rounds:
        tracks = positions_by_round(price_goal, rounds)
        opportunity = sheet.opportunity
        # The buyer's decision date is the deadline that matters at the table; the bid
        # deadline stands in before one is known.
        deadline = (opportunity.close_date or opportunity.bid_deadline) if opportunity else None
        verdicts = round_verdicts(
            price_goal,
            [LoggedRound(r.number, r.held_on, r.our_offer, r.received or "") for r in sheet.rounds],
            deadline,
        )
        rounds_chart = charts.rounds_chart(
            price_goal.best,
            price_goal.expected,
            price_goal.walk_away,
            [(r.number, r.our_offer, r.their_ask) for r in sorted(rounds, key=lambda r: r.number)],
        )
    return SheetAnalysis(
        totals=totals,
        price_goal=price_goal,
        zone=zone,
        zone_chart=chart,
        steps=steps,
        warnings=warnings,
        approval=approval,
        walk_away_approval=walk_away_approval,
        rep_limit_pct=discount_limit_for_role("rep"),
        tracks=tracks,
        rounds_chart=rounds_chart,
        source=source,
        quote_option=quote_option,
        bid=bid,
        verdicts=verdicts,
    )
