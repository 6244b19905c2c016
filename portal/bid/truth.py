"""The facts of each bid, read once and handed to proposals.onebid; every page asks here.

The bid price of an opportunity is its official scenario's chosen price; the bid's quote is
the option linked to that scenario. `bid_states(ids)` reads everything for many bids in a
fixed number of queries (an approval is compared with the fingerprint stored with its
proposal's quote summary, not with the quote's lines); `bid_state(id)` is the same for one
bid.
No rule is decided here: rows → proposals.onebid.BidFacts → disagreements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.bid.models import BidOverride, PortalSetting
from portal.drafts.models import Approval, Proposal, ProposalOption
from portal.extensions import db
from portal.negotiation.models import NegotiationSheet
from portal.pricescore import inputs
from portal.pricescore.models import PriceScenario
from portal.workspace.models import MatrixCompetitor
from proposals import onebid
from proposals.pricing import OptionTotals, option_totals

TOLERANCE_KEY = "bid_price_tolerance_pct"


def tolerance_pct() -> Decimal:
    """The admin's price tolerance (percent 0–100), or the default 0.5 %."""
    raw = db.session.scalar(select(PortalSetting.value).where(PortalSetting.key == TOLERANCE_KEY))
    try:
        value = Decimal(raw) if raw is not None else onebid.DEFAULT_TOLERANCE_PCT
    except InvalidOperation:
        value = onebid.DEFAULT_TOLERANCE_PCT
    return value if value.is_finite() and value >= 0 else onebid.DEFAULT_TOLERANCE_PCT


def _naive(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive UTC, PostgreSQL aware UTC, fresh objects aware UTC.
    return moment.replace(tzinfo=None) if moment is not None and moment.tzinfo else moment


@dataclass
class BidState:
    """One bid as every page shows it."""

    opportunity_id: int
    currency: str
    scenario: PriceScenario | None  # the official scenario
    option: ProposalOption | None  # the quote option linked to it
    totals: OptionTotals | None  # that option priced
    facts: onebid.BidFacts
    found: list[onebid.Disagreement] = field(default_factory=list)
    override: BidOverride | None = None

    @property
    def bid_price(self) -> Decimal | None:
        return self.facts.bid_price

    @property
    def conflicts(self) -> list[onebid.Disagreement]:
        """Figures that contradict each other."""
        return onebid.conflicts(self.found)

    @property
    def gaps(self) -> list[onebid.Disagreement]:
        """Pieces of the bid not there yet (no official scenario, price or linked quote)."""
        return [d for d in self.found if d.is_gap]

    @property
    def healthy(self) -> bool:
        return not self.conflicts

    @property
    def blocking(self) -> list[onebid.Disagreement]:
        return onebid.blocking(self.found)

    @property
    def quote_is_the_bid(self) -> bool:
        return onebid.quote_is_the_bid(self.facts)

    def of(self, code: str) -> onebid.Disagreement | None:
        return next((d for d in self.found if d.code == code), None)


def official_scenarios(opportunity_ids: Sequence[int]) -> dict[int, PriceScenario]:
    """The official scenario of each opportunity that has one, with its competitors."""
    if not opportunity_ids:
        return {}
    return {
        s.opportunity_id: s
        for s in db.session.scalars(
            select(PriceScenario)
            .where(
                PriceScenario.opportunity_id.in_(list(opportunity_ids)),
                PriceScenario.official.is_(True),
            )
            .options(selectinload(PriceScenario.competitors))
        )
    }


def official_scenario(opportunity_id: int) -> PriceScenario | None:
    return official_scenarios([opportunity_id]).get(opportunity_id)


def bid_states(opportunities: Sequence) -> dict[int, BidState]:
    """BidState of each opportunity (objects with id and currency)."""
    ids = [o.id for o in opportunities]
    if not ids:
        return {}
    tolerance = tolerance_pct()
    scenarios = official_scenarios(ids)
    option_ids = [s.linked_option_id for s in scenarios.values() if s.linked_option_id]
    options = (
        {
            o.id: o
            for o in db.session.scalars(
                select(ProposalOption)
                .where(ProposalOption.id.in_(option_ids))
                .options(selectinload(ProposalOption.lines), selectinload(ProposalOption.proposal))
            )
        }
        if option_ids
        else {}
    )
    rivals: dict[int, dict[int, str]] = {i: {} for i in ids}
    for entry in db.session.scalars(
        select(MatrixCompetitor)
        .where(MatrixCompetitor.opportunity_id.in_(ids))
        .options(selectinload(MatrixCompetitor.competitor))
    ):
        rivals[entry.opportunity_id][entry.competitor_id] = entry.competitor.name
    sheets = {
        s.opportunity_id: s
        for s in db.session.scalars(
            select(NegotiationSheet)
            .where(NegotiationSheet.opportunity_id.in_(ids))
            .options(selectinload(NegotiationSheet.goals))
        )
    }
    proposal_ids = [o.proposal_id for o in options.values()]
    approvals: dict[int, Approval] = {}
    overrides: dict[int, BidOverride] = {}
    if proposal_ids:
        for a in db.session.scalars(
            select(Approval).where(Approval.proposal_id.in_(proposal_ids)).order_by(Approval.id)
        ):
            approvals[a.proposal_id] = a  # the latest wins
        for o in db.session.scalars(
            select(BidOverride)
            .where(BidOverride.proposal_id.in_(proposal_ids))
            .options(selectinload(BidOverride.decided_by))
            .order_by(BidOverride.id)
        ):
            overrides[o.proposal_id] = o
    stale = _stale_approvals(
        approvals.values(), {o.proposal_id: o.proposal for o in options.values()}
    )
    out = {}
    for opp in opportunities:
        scenario = scenarios.get(opp.id)
        option = options.get(scenario.linked_option_id) if scenario else None
        out[opp.id] = _state(
            opp,
            scenario,
            option,
            rivals[opp.id],
            sheets.get(opp.id),
            option is not None and option.proposal_id in stale,
            overrides.get(option.proposal_id) if option else None,
            tolerance,
        )
    return out


def bid_state(opportunity) -> BidState:
    return bid_states([opportunity])[opportunity.id]


def _stale_approvals(approvals, proposals: dict[int, Proposal]) -> set[int]:
    """Proposal ids whose latest approval (pending or approved) was given for another quote
    than the current one, by the fingerprint stored with each proposal's quote summary
    (portal.drafts.stored_quote; `proposals` by id, already loaded): no line is read."""
    from portal.drafts.stored_quote import stored_quotes

    checked = {a.proposal_id: a for a in approvals if a.state in ("pending", "approved")}
    if not checked:
        return set()
    quotes = stored_quotes([proposals[i] for i in checked])
    return {i for i, a in checked.items() if a.fingerprint != quotes[i].fingerprint}


def _state(opp, scenario, option, rivals, sheet, approval_stale, override, tolerance) -> BidState:
    totals = option_totals(option.as_domain()) if option is not None and option.lines else None
    quote = None
    if option is not None:
        quote = onebid.QuoteFacts(
            option_name=option.name,
            proposal_title=option.proposal.title,
            contract_value=totals.contract_value if totals else Decimal(0),
            currency=option.proposal.currency,
            changed_at=_naive(option.proposal.quote_changed_at),
        )
    bid_price = scenario.chosen_price if scenario is not None else None
    override_holds = bool(
        override is not None
        and quote is not None
        and bid_price is not None
        and override.bid_price == bid_price
        and override.contract_value == quote.contract_value
    )
    goal = sheet.goal("price") if sheet is not None else None
    facts = onebid.BidFacts(
        currency=opp.currency,
        official_name=scenario.name if scenario is not None else None,
        bid_price=bid_price,
        scenario_updated_at=_naive(scenario.updated_at) if scenario is not None else None,
        quote=quote,
        tolerance_pct=tolerance,
        matrix_rivals=rivals,
        scenario_rivals=(
            {c.competitor_id: c.name for c in scenario.competitors} if scenario else {}
        ),
        scenario_missing=inputs.missing(scenario) if scenario is not None else (),
        price_goal=(
            onebid.PriceGoal(goal.best, goal.expected, goal.walk_away, sheet.currency)
            if goal is not None
            else None
        ),
        buyer_max=sheet.buyer_max if sheet is not None else None,
        buyer_currency=sheet.buyer_currency if sheet is not None else None,
        our_batna_value=sheet.our_batna_value if sheet is not None else None,
        our_batna_currency=sheet.our_batna_currency if sheet is not None else None,
        approval_stale=approval_stale,
        override_holds=override_holds,
    )
    return BidState(
        opp.id,
        opp.currency,
        scenario,
        option,
        totals,
        facts,
        onebid.disagreements(facts),
        override if override_holds else None,
    )


def proposal_of_bid(state: BidState) -> Proposal | None:
    return state.option.proposal if state.option is not None else None


# --- the official scenario's prediction, as recorded with an outcome ---------------------


@dataclass(frozen=True)
class OfficialPrediction:
    """What the official scenario said about the bid: its method and price weight (points
    out of 100), the buyer's control price (its ceiling, else the rules' control price;
    currency units), P(win) at ``price`` (a fraction 0–1, the same simulation the price
    strategy page shows: same trials, same seed) and each rival's 80 % price band
    (10th–90th percentile, currency units) by competitor id."""

    scenario_id: int
    method: str
    price_weight: Decimal
    control_price: Decimal | None
    price: Decimal | None
    p_win: Decimal | None
    bands: dict[int, tuple[Decimal, Decimal]]


def official_prediction(
    opportunity_id: int, price: Decimal | None = None
) -> OfficialPrediction | None:
    """The official scenario's prediction at ``price`` (default: its chosen price, the bid
    price), or None without an official scenario. P(win) and a band are None/absent when
    the scenario's figures do not pass the engine's checks."""
    from portal.pricescore import inputs
    from portal.pricescore.views import TRIALS
    from proposals.rival_history import price_band, scenario_control_price
    from proposals.scoring import draw_bids, evaluate_draws, validate_scenario

    scenario = official_scenario(opportunity_id)
    if scenario is None:
        return None
    rules = scenario.rules
    price = price if price is not None else scenario.chosen_price
    estimate = inputs.from_model(scenario)
    sound = not any(i.severity == "error" for i in validate_scenario(estimate).values())
    p_win = None
    bands: dict[int, tuple[Decimal, Decimal]] = {}
    if sound:
        if price is not None and price > 0:
            wins, _rank = evaluate_draws(
                estimate.rules, draw_bids(estimate, TRIALS, scenario.seed), [float(price)]
            )
            p_win = Decimal(str(round(float(wins[0]), 4)))
        for row, model in zip(scenario.competitors, estimate.competitors, strict=True):
            low, high = price_band(model.price)
            bands[row.competitor_id] = (
                Decimal(str(round(low, 2))),
                Decimal(str(round(high, 2))),
            )
    return OfficialPrediction(
        scenario_id=scenario.id,
        method=str(rules.get("method", "")),
        price_weight=Decimal(str(rules.get("price_weight", 0))),
        control_price=scenario_control_price(scenario.ceiling, rules.get("control_price")),
        price=price,
        p_win=p_win,
        bands=bands,
    )
