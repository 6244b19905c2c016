"""Negotiation preparation (谈判准备): goals per term, ZOPA, concession plans, round tracking.

Framework-free domain core; conventions as in :mod:`proposals.pricing`: money is
``Decimal`` in one currency, percentages are ``Decimal`` 0–100, money results are rounded
to cents ``ROUND_HALF_UP`` once, percentages are returned unrounded (use
``pricing.display_pct`` to show them).

Direction: every goal says whether a higher value is better *for us*. For our selling
price higher is better; for payment terms (days until we are paid) lower is better.
"Better"/"above" in this module always means better for us.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from proposals.pricing import (
    DEFAULT_APPROVAL_RULES,
    DEFAULT_ROLE_ORDER,
    HUNDRED,
    ZERO,
    ApprovalReason,
    ApprovalRule,
    FieldError,
    OptionTotals,
    PartTotals,
    QuotePart,
    can_approve_alone,
    discount_limit_for_role,
    discount_pct_of,
    margin_pct_of,
    required_approver,
    round_money,
)

DAYS_PER_YEAR = Decimal(365)


class Term(StrEnum):
    """Negotiable terms. Suggested units for goal values: price in quote currency,
    payment_terms in days until payment, delivery_date in days after signing, warranty in
    years; scope and other in a unit the team writes down (modules, training days …)."""

    PRICE = "price"
    PAYMENT_TERMS = "payment_terms"
    DELIVERY_DATE = "delivery_date"
    WARRANTY = "warranty"
    SCOPE = "scope"
    OTHER = "other"


# Which way is better for us, when the user has not said otherwise. More delivery time is
# better for us; shorter payment terms and a shorter warranty cost us less.
DEFAULT_HIGHER_IS_BETTER: dict[Term, bool] = {
    Term.PRICE: True,
    Term.PAYMENT_TERMS: False,
    Term.DELIVERY_DATE: True,
    Term.WARRANTY: False,
    Term.SCOPE: False,
    Term.OTHER: True,
}


@dataclass(frozen=True)
class Goal:
    """Our goal for one term: ``best`` (ideal), ``expected`` (realistic), ``walk_away``
    (worst we accept). ``core`` terms are not to be traded."""

    term: Term
    best: Decimal
    expected: Decimal
    walk_away: Decimal
    core: bool
    higher_is_better: bool

    def is_better(self, a: Decimal, b: Decimal) -> bool:
        """True when ``a`` is strictly better for us than ``b``."""
        return a > b if self.higher_is_better else a < b


def validate_goal(goal: Goal) -> dict[str, FieldError]:
    """Check the order best ≥ expected ≥ walk-away (in the goal's direction).

    Codes: ``walk_away_better_than_best`` (key ``walk_away``) and
    ``expected_out_of_range`` (key ``expected``: expected must lie between walk-away and
    best, both inclusive). Equal values are allowed (no room on that term). A price goal
    with a negative value gets ``negative`` on that field.
    """
    errors: dict[str, FieldError] = {}
    if goal.term is Term.PRICE:
        for name in ("best", "expected", "walk_away"):
            if getattr(goal, name) < 0:
                errors[name] = FieldError("negative", "A price cannot be negative.")
    if goal.is_better(goal.walk_away, goal.best):
        errors.setdefault(
            "walk_away",
            FieldError(
                "walk_away_better_than_best",
                "The walk-away point cannot be better than the best outcome.",
            ),
        )
    elif goal.is_better(goal.expected, goal.best) or goal.is_better(goal.walk_away, goal.expected):
        errors.setdefault(
            "expected",
            FieldError(
                "expected_out_of_range", "The expected outcome must lie between walk-away and best."
            ),
        )
    return errors


# --- ZOPA -----------------------------------------------------------------------------


class NoZopaReason(StrEnum):
    """Why there is no zone of possible agreement (stable codes for the web layer)."""

    NO_OVERLAP = "no_overlap"
    CURRENCY_MISMATCH = "currency_mismatch"
    INVALID_CURRENCY = "invalid_currency"
    NEGATIVE_AMOUNT = "negative_amount"


@dataclass(frozen=True)
class Zopa:
    """Zone of possible agreement on price: any price in [low, high]. ``width`` may be 0
    (the two limits touch: exactly one price works)."""

    low: Decimal
    high: Decimal
    width: Decimal
    currency: str


@dataclass(frozen=True)
class NoZopa:
    """No zone: ``reason`` is a stable code, ``message`` English text, ``gap`` how far the
    buyer's maximum is below our walk-away (only for ``no_overlap``)."""

    reason: NoZopaReason
    message: str
    gap: Decimal | None = None


def _currency_code(code: str) -> str | None:
    cleaned = code.strip().upper()
    return cleaned if len(cleaned) == 3 and cleaned.isascii() and cleaned.isalpha() else None


def zopa(
    our_walk_away: Decimal, buyer_max: Decimal, our_currency: str, buyer_currency: str
) -> Zopa | NoZopa:
    """Overlap between the lowest price we accept and the most the buyer (we estimate) pays.

    Both amounts are totals in their currency (ISO 4217 codes, case-insensitive). Amounts
    in different currencies are **not** compared: that returns ``NoZopa(currency_mismatch)``
    because converting would hide an exchange-rate assumption; convert first, explicitly.
    ``buyer_max == our_walk_away`` is a zero-width zone, ``buyer_max < our_walk_away`` is
    ``NoZopa(no_overlap)`` with the gap. Negative amounts give ``NoZopa(negative_amount)``.
    """
    ours, theirs = _currency_code(our_currency), _currency_code(buyer_currency)
    if ours is None or theirs is None:
        return NoZopa(
            NoZopaReason.INVALID_CURRENCY, "Use a three-letter currency code such as CNY or USD."
        )
    if ours != theirs:
        return NoZopa(
            NoZopaReason.CURRENCY_MISMATCH,
            f"Our walk-away is in {ours} but the buyer's maximum is in {theirs}; "
            "convert one of them first.",
        )
    if our_walk_away < 0 or buyer_max < 0:
        return NoZopa(NoZopaReason.NEGATIVE_AMOUNT, "Prices cannot be negative.")
    if buyer_max < our_walk_away:
        return NoZopa(
            NoZopaReason.NO_OVERLAP,
            "The buyer's maximum is below our walk-away price: there is no deal on price alone.",
            gap=our_walk_away - buyer_max,
        )
    return Zopa(low=our_walk_away, high=buyer_max, width=buyer_max - our_walk_away, currency=ours)


# --- concessions ----------------------------------------------------------------------


class ConcessionKind(StrEnum):
    """What we give. ``amount`` units: percentage points, days, years, days."""

    DISCOUNT_PCT = "discount_pct"
    EXTRA_TRAINING_DAYS = "extra_training_days"
    LONGER_WARRANTY_YEARS = "longer_warranty_years"
    PAYMENT_TERMS_DAYS = "payment_terms_days"


# The term a concession gives ground on, to spot a core term being traded.
CONCESSION_TERM: dict[ConcessionKind, Term] = {
    ConcessionKind.DISCOUNT_PCT: Term.PRICE,
    ConcessionKind.EXTRA_TRAINING_DAYS: Term.SCOPE,
    ConcessionKind.LONGER_WARRANTY_YEARS: Term.WARRANTY,
    ConcessionKind.PAYMENT_TERMS_DAYS: Term.PAYMENT_TERMS,
}


@dataclass(frozen=True)
class Concession:
    """One planned concession, given in ``order`` (1 = first), traded for something:
    ``condition`` reads "if you …, then we …"."""

    order: int
    part: QuotePart
    kind: ConcessionKind
    amount: Decimal
    value_to_buyer: str
    condition: str


@dataclass(frozen=True)
class DealEconomics:
    """The quote numbers concession costs are computed from (quote currency, % 0–100).

    Build it with :func:`deal_economics_from_totals` so costs follow the quote instead of
    being typed in. ``part_net`` is each part's net over the contract term (maintenance ×
    years); ``annual_maintenance_cost`` is our cost of one year of maintenance;
    ``training_day_cost`` our cost of one trainer day; ``cost_of_capital_pct`` per year.
    """

    solution_net: Decimal
    services_net: Decimal
    maintenance_net: Decimal
    annual_maintenance_cost: Decimal
    training_day_cost: Decimal
    contract_value: Decimal
    cost_of_capital_pct: Decimal

    def part_net(self, part: QuotePart) -> Decimal:
        """Net amount of one part over the contract term, quote currency."""
        return {
            QuotePart.SOLUTION: self.solution_net,
            QuotePart.SERVICES: self.services_net,
            QuotePart.MAINTENANCE: self.maintenance_net,
        }[QuotePart(part)]


def deal_economics_from_totals(
    totals: OptionTotals, training_day_cost: Decimal, cost_of_capital_pct: Decimal
) -> DealEconomics:
    """Economics of one priced option plus two company rates (daily trainer cost in
    currency, cost of capital in % per year)."""
    return DealEconomics(
        solution_net=totals.part_net_over_term(QuotePart.SOLUTION),
        services_net=totals.part_net_over_term(QuotePart.SERVICES),
        maintenance_net=totals.part_net_over_term(QuotePart.MAINTENANCE),
        annual_maintenance_cost=totals.maintenance_per_year.cost_amount,
        training_day_cost=training_day_cost,
        contract_value=totals.contract_value,
        cost_of_capital_pct=cost_of_capital_pct,
    )


def validate_concession(concession: Concession) -> dict[str, FieldError]:
    """Check a concession on its own. Codes: ``not_positive`` (amount ≤ 0),
    ``out_of_range`` (discount above 100), ``wrong_part`` (training days belong to
    services, warranty years to maintenance), ``invalid_order`` (order < 1).
    A blank condition is a warning (:func:`concession_warnings`), not an error, so a
    draft plan can be saved."""
    errors: dict[str, FieldError] = {}
    if concession.order < 1:
        errors["order"] = FieldError("invalid_order", "Number concessions from 1.")
    if concession.amount <= 0:
        errors["amount"] = FieldError("not_positive", "Enter an amount above zero.")
    elif concession.kind is ConcessionKind.DISCOUNT_PCT and concession.amount > HUNDRED:
        errors["amount"] = FieldError("out_of_range", "Enter a discount between 0 and 100.")
    expected_part = {
        ConcessionKind.EXTRA_TRAINING_DAYS: QuotePart.SERVICES,
        ConcessionKind.LONGER_WARRANTY_YEARS: QuotePart.MAINTENANCE,
    }.get(concession.kind)
    if expected_part is not None and concession.part is not expected_part:
        errors["part"] = FieldError(
            "wrong_part", f"This concession belongs to the {expected_part.value} part."
        )
    return errors


def cost_of_concession(concession: Concession, economics: DealEconomics) -> Decimal:
    """Cost to us of one concession, in quote currency, rounded to cents ``ROUND_HALF_UP``.

    Per kind (``amount`` in the kind's unit):

    * ``discount_pct``: part net over the term × amount / 100 (percentage points off the
      part's current net price; for maintenance the whole term is discounted).
    * ``extra_training_days``: amount × ``training_day_cost``.
    * ``longer_warranty_years``: amount × ``annual_maintenance_cost`` (we support the
      customer for free for those years; fractional years allowed).
    * ``payment_terms_days``: contract value × cost_of_capital_pct / 100 × amount / 365
      (simple interest on money we wait longer for; the part is informational here).
    """
    amount = concession.amount
    match concession.kind:
        case ConcessionKind.DISCOUNT_PCT:
            cost = economics.part_net(concession.part) * amount / HUNDRED
        case ConcessionKind.EXTRA_TRAINING_DAYS:
            cost = amount * economics.training_day_cost
        case ConcessionKind.LONGER_WARRANTY_YEARS:
            cost = amount * economics.annual_maintenance_cost
        case ConcessionKind.PAYMENT_TERMS_DAYS:
            cost = (
                economics.contract_value
                * economics.cost_of_capital_pct
                / HUNDRED
                * amount
                / DAYS_PER_YEAR
            )
        case _:  # pragma: no cover - StrEnum is exhaustive
            raise ValueError(f"unknown concession kind {concession.kind!r}")
    return round_money(cost)


class WarningCode(StrEnum):
    """Stable codes of concession-plan warnings; see :func:`concession_warnings`."""

    NO_CONDITION = "no_condition"
    GROWING_STEPS = "growing_steps"
    CROSSES_WALK_AWAY = "crosses_walk_away"
    CORE_TERM_TRADEABLE = "core_term_tradeable"


@dataclass(frozen=True)
class ConcessionWarning:
    """A problem with the plan. ``step`` is the concession's ``order`` (None: whole plan);
    ``term`` is set for core-term warnings."""

    code: WarningCode
    message: str
    step: int | None = None
    term: Term | None = None


@dataclass(frozen=True)
class PlannedStep:
    """A concession with its computed cost and what is left of our price after it."""

    concession: Concession
    cost: Decimal
    cumulative_cost: Decimal
    price_after: Decimal


def plan_steps(
    plan: Iterable[Concession], economics: DealEconomics, start_price: Decimal
) -> list[PlannedStep]:
    """Concessions sorted by ``order`` with cost, cumulative cost and ``start_price`` minus
    the cumulative cost (our effective price after each step, quote currency)."""
    steps: list[PlannedStep] = []
    cumulative = ZERO
    for concession in sorted(plan, key=lambda c: c.order):
        cost = cost_of_concession(concession, economics)
        cumulative += cost
        steps.append(PlannedStep(concession, cost, cumulative, start_price - cumulative))
    return steps


def concession_warnings(
    plan: Iterable[Concession],
    economics: DealEconomics,
    walk_away: Decimal,
    start_price: Decimal,
    goals: Iterable[Goal] = (),
    tradeable_terms: Iterable[Term] = (),
) -> list[ConcessionWarning]:
    """Warnings for a concession plan: per step in plan order (no_condition, growing_steps,
    crosses_walk_away), then one core_term_tradeable per core term.

    * ``no_condition``: a concession whose condition is blank: never give for nothing.
    * ``growing_steps``: a step costs strictly more than the previous one (steps should
      shrink, or the buyer learns that pushing pays).
    * ``crosses_walk_away``: ``start_price`` minus cumulative cost falls strictly below
      ``walk_away``; reported once, at the first step where it happens (reaching exactly
      the walk-away is allowed).
    * ``core_term_tradeable``: a goal marked core whose term is in ``tradeable_terms`` or
      is conceded by the plan (discount → price, training → scope, warranty → warranty,
      payment days → payment terms); one warning per term.
    Money in quote currency.
    """
    steps = plan_steps(plan, economics, start_price)
    warnings: list[ConcessionWarning] = []
    previous_cost: Decimal | None = None
    crossed = False
    for step in steps:
        order = step.concession.order
        if not step.concession.condition.strip():
            warnings.append(
                ConcessionWarning(
                    WarningCode.NO_CONDITION,
                    f"Step {order} gives something for nothing: "
                    "add what the buyer gives in return.",
                    step=order,
                )
            )
        if previous_cost is not None and step.cost > previous_cost:
            warnings.append(
                ConcessionWarning(
                    WarningCode.GROWING_STEPS,
                    f"Step {order} costs {step.cost}, more than the previous step "
                    f"({previous_cost}); make steps smaller.",
                    step=order,
                )
            )
        if not crossed and step.price_after < walk_away:
            crossed = True
            warnings.append(
                ConcessionWarning(
                    WarningCode.CROSSES_WALK_AWAY,
                    f"After step {order} our price is {step.price_after}, "
                    f"below the walk-away of {walk_away}.",
                    step=order,
                )
            )
        previous_cost = step.cost

    conceded = {CONCESSION_TERM[step.concession.kind] for step in steps} | set(tradeable_terms)
    seen: set[Term] = set()
    for goal in goals:
        if goal.core and goal.term in conceded and goal.term not in seen:
            seen.add(goal.term)
            warnings.append(
                ConcessionWarning(
                    WarningCode.CORE_TERM_TRADEABLE,
                    f"{goal.term.value} is a core term but the plan trades it.",
                    term=goal.term,
                )
            )
    return warnings


@dataclass(frozen=True)
class ConcessionApproval:
    """Approval needed if every planned concession is given.

    ``cumulative_discount_pct`` is the overall discount vs list after the discount
    concessions (unrounded, 0–100, ``None`` with a zero list); ``negotiator_limit_pct`` the
    discount the negotiator may give alone (``None``: unlimited).
    """

    cumulative_discount_pct: Decimal | None
    margin_pct_after: Decimal | None
    negotiator_limit_pct: Decimal | None
    required_role: str | None
    negotiator_can_approve: bool
    reasons: tuple[ApprovalReason, ...]


@dataclass(frozen=True)
class _FiguresAfterConcessions:
    option_name: str
    discount_pct: Decimal | None
    margin_pct: Decimal | None
    contract_cost: Decimal


def concession_approval(
    plan: Iterable[Concession],
    totals: OptionTotals,
    economics: DealEconomics,
    rules: Sequence[ApprovalRule] = DEFAULT_APPROVAL_RULES,
    role_order: Sequence[str] = DEFAULT_ROLE_ORDER,
    negotiator_role: str = "rep",
) -> ConcessionApproval:
    """Who must approve the quote once the whole plan is conceded.

    Discount concessions lower the contract value by their cost; the other kinds add
    their cost to our contract cost. The overall discount vs the contract list and the
    margin after concessions are then checked against ``rules`` exactly as a quote is
    (see ``pricing.required_approver``), so a plan of small steps that adds up past the
    rep's limit is caught.
    """
    price_reduction = ZERO
    extra_cost = ZERO
    for step in plan_steps(plan, economics, totals.contract_value):
        if step.concession.kind is ConcessionKind.DISCOUNT_PCT:
            price_reduction += step.cost
        else:
            extra_cost += step.cost
    value_after = totals.contract_value - price_reduction
    cost_after = totals.contract_cost + extra_cost
    figures = _FiguresAfterConcessions(
        option_name=totals.option_name,
        discount_pct=discount_pct_of(totals.contract_list, value_after),
        margin_pct=margin_pct_of(value_after, cost_after),
        contract_cost=cost_after,
    )
    decision = required_approver(figures, rules, role_order)
    return ConcessionApproval(
        cumulative_discount_pct=figures.discount_pct,
        margin_pct_after=figures.margin_pct,
        negotiator_limit_pct=discount_limit_for_role(negotiator_role, rules, role_order),
        required_role=decision.required_role,
        negotiator_can_approve=can_approve_alone(negotiator_role, decision, role_order),
        reasons=decision.reasons,
    )


# --- rounds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NegotiationRound:
    """One round: the buyer's ask and our offer (values in the goal's unit; price in quote
    currency), with what was given and received (free text)."""

    number: int
    their_ask: Decimal | None
    our_offer: Decimal
    concessions_given: tuple[str, ...] = field(default_factory=tuple)
    concessions_received: tuple[str, ...] = field(default_factory=tuple)


class PositionBand(StrEnum):
    """Where an offer sits, "above" meaning better for us."""

    ABOVE_EXPECTED = "above_expected"
    BETWEEN_EXPECTED_AND_WALK_AWAY = "between_expected_and_walk_away"
    BELOW_WALK_AWAY = "below_walk_away"


@dataclass(frozen=True)
class RoundPosition:
    """Position of our latest offer. ``conceded_pct`` is how far it has moved from best
    towards walk-away (0 at best, 100 at walk-away; below 0 if better than best, above 100
    past walk-away; ``None`` when best equals walk-away), unrounded."""

    round_number: int
    offer: Decimal
    conceded_pct: Decimal | None
    band: PositionBand


def position_after_round(goal: Goal, rounds: Sequence[NegotiationRound]) -> RoundPosition | None:
    """Where our offer in the latest round (highest ``number``) sits against the goal.

    Bands: ``above_expected`` when the offer is at or better than expected;
    ``between_expected_and_walk_away`` when worse than expected but not worse than
    walk-away (exactly at walk-away is still acceptable); ``below_walk_away`` otherwise.
    Returns ``None`` with no rounds.
    """
    if not rounds:
        return None
    latest = max(rounds, key=lambda r: r.number)
    offer = latest.our_offer
    span = goal.walk_away - goal.best
    conceded = None if span == 0 else (offer - goal.best) / span * HUNDRED
    if not goal.is_better(goal.expected, offer):
        band = PositionBand.ABOVE_EXPECTED
    elif not goal.is_better(goal.walk_away, offer):
        band = PositionBand.BETWEEN_EXPECTED_AND_WALK_AWAY
    else:
        band = PositionBand.BELOW_WALK_AWAY
    return RoundPosition(round_number=latest.number, offer=offer, conceded_pct=conceded, band=band)


# --- the six situations (article 001) -------------------------------------------------


class NegotiationSituation(StrEnum):
    """The six negotiation situations (article 001), as stable keys."""

    WIN_LOSE = "win_lose"
    WIN_WIN = "win_win"
    LOSE_WIN = "lose_win"
    LOSE_LOSE = "lose_lose"
    DEADLOCK = "deadlock"
    DELAY = "delay"


@dataclass(frozen=True)
class SituationInfo:
    """Labels, a short description and the advice for one situation (article 001), in
    English and Simplified Chinese. ``inputs`` names the sheet fields this situation asks
    for (see :func:`situation_input_problems`)."""

    situation: NegotiationSituation
    label_en: str
    label_zh: str
    description_en: str
    description_zh: str
    advice_en: str = ""
    advice_zh: str = ""
    inputs: tuple[str, ...] = ()


SITUATION_INPUTS = ("delay_advantage", "delay_until", "new_force", "no_rival_evidence")
"""Sheet fields a situation can ask for: 拖 the advantage we are waiting for and by when,
破 the new negotiating force, 单赢 the evidence that no rival qualifies."""

SITUATIONS: dict[NegotiationSituation, SituationInfo] = {
    info.situation: info
    for info in (
        # Article 001 A: one-sided win needs an absolute advantage: no rival can offer what
        # the buyer needs (a near-monopoly position).
        SituationInfo(
            NegotiationSituation.WIN_LOSE,
            "We win, they lose",
            "单赢",
            "We take our terms and the buyer gives way. This only holds when our position "
            "is overwhelming: no rival can supply what the buyer needs.",
            "我方拿到条件、客户让步。前提是我方优势压倒性：没有竞争对手能满足客户需求。",
            "Record why no rival qualifies. If one could, the buyer will turn to it: plan "
            "for a win-win instead.",
            "写明为什么没有对手能满足需求；若有对手能满足，客户会转向对手，应改按双赢准备。",
            ("no_rival_evidence",),
        ),
        # Article 001 B: both feel they won, ideally the customer a little more; the
        # preferred goal.
        SituationInfo(
            NegotiationSituation.WIN_WIN,
            "Both win",
            "双赢",
            "Both sides leave feeling they won. The preferred goal of a negotiation.",
            "双方都觉得自己赢了，这是谈判的首选目标。",
            "Trade terms that are worth more to the buyer than they cost us, and let the "
            "buyer feel it won a little more than we did.",
            "用对客户价值高、对我方成本低的条件交换，并让客户感觉自己赢得更多一点。",
        ),
        # Article 001 C: a large concession made from a weak position, to gain an important
        # relationship and deeper opportunities later.
        SituationInfo(
            NegotiationSituation.LOSE_WIN,
            "We lose, they win",
            "单输",
            "From a weak competitive position we concede heavily to win an important "
            "relationship and the larger opportunities it opens later.",
            "在竞争劣势下，为赢得重要的合作机会和日后更深的合作而大幅让步。",
            "Name the future opportunity this buys and keep the loss within the walk-away "
            "your leadership approved.",
            "写明换来的后续机会，并把损失控制在领导批准的底线之内。",
        ),
        # Article 001 D: nobody concedes and the talks end badly.
        SituationInfo(
            NegotiationSituation.LOSE_LOSE,
            "Both lose",
            "双输",
            "Neither side concedes and the talks break up on bad terms.",
            "双方都不让步，谈判不欢而散。",
            "Go back to interests: find a term you can give that costs little, in exchange "
            "for one that matters to you.",
            "回到双方利益：找出我方代价小的条件，换取对我方重要的条件。",
        ),
        # Article 001 E: break first, then build: create a deadlock on purpose, then bring a
        # new negotiating force in, to upset the buyer's existing plan.
        SituationInfo(
            NegotiationSituation.DEADLOCK,
            "Break, then rebuild",
            "破",
            "We create a deadlock on purpose, not to close but to break the buyer's current "
            "thinking and set-up, then bring in a new negotiating force that turns the "
            "talks our way.",
            "有意先制造僵局，目的不是谈成，而是打破客户原有的思路和布局，再引入新的谈判力量，"
            "让谈判朝有利于我方的方向发展。",
            "Decide beforehand who or what the new force is (an executive, a partner, a new "
            "option) and when it enters.",
            "事先确定新的谈判力量（高层、合作伙伴或新方案）以及何时引入。",
            ("new_force",),
        ),
        # Article 001 F: our tactic: hold off the buyer's decision while our advantage builds.
        SituationInfo(
            NegotiationSituation.DELAY,
            "Delay",
            "拖",
            "We slow the buyer's decision down while an advantage of ours builds up (a "
            "reference going live, a new release, a supporter's promotion).",
            "我方延缓客户决策，等待自身优势积累（如样板上线、新版本发布、支持者升迁）。",
            "Name the advantage you are waiting for and the date it arrives; make no large "
            "concession while you wait.",
            "写明在等待的优势以及到来的日期；等待期间不做大幅让步。",
            ("delay_advantage", "delay_until"),
        ),
    )
}


class SituationInputProblem(StrEnum):
    DELAY_ADVANTAGE = "delay_advantage"
    DELAY_UNTIL = "delay_until"
    NEW_FORCE = "new_force"
    NO_RIVAL_EVIDENCE = "no_rival_evidence"


def situation_input_problems(situation: str | None, values: dict) -> tuple[str, ...]:
    """Inputs the chosen situation asks for that are blank (in ``SITUATION_INPUTS`` order).

    ``values`` maps input names to the typed value (str, date or None). No situation or a
    situation without inputs: nothing is missing. A blank or whitespace text counts as
    missing.
    """
    info = SITUATIONS.get(situation) if situation else None
    if info is None:
        return ()
    missing = []
    for name in info.inputs:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return tuple(missing)


# --- deal economics typed on the sheet ------------------------------------------------


def totals_from_figures(
    *,
    solution_net: Decimal,
    services_net: Decimal,
    maintenance_net_per_year: Decimal,
    maintenance_years: int,
    contract_cost: Decimal,
    annual_maintenance_cost: Decimal,
    contract_list: Decimal | None = None,
    option_name: str = "",
) -> OptionTotals:
    """Option figures from amounts typed on a negotiation sheet (quote currency).

    Stands in for :func:`pricing.option_totals` when no priced quote exists: the part
    amounts are net, maintenance per year × ``maintenance_years``; ``contract_list`` is
    the list amount before any discount (``None``: no discount given yet, list = net).
    ``contract_cost`` is our cost over the whole contract; ``annual_maintenance_cost`` one
    year of it (used for warranty-year concessions). List amounts per part are not known
    here and are set to the net amounts.
    """
    contract_value = solution_net + services_net + maintenance_net_per_year * maintenance_years
    contract_list = contract_value if contract_list is None else contract_list
    return OptionTotals(
        option_name=option_name,
        recommended=True,
        maintenance_years=maintenance_years,
        solution=PartTotals(solution_net, solution_net, ZERO),
        services=PartTotals(services_net, services_net, ZERO),
        maintenance_per_year=PartTotals(
            maintenance_net_per_year, maintenance_net_per_year, annual_maintenance_cost
        ),
        first_year_price=solution_net
        + services_net
        + maintenance_net_per_year * min(maintenance_years, 1),
        contract_list=contract_list,
        contract_value=contract_value,
        contract_cost=contract_cost,
        margin_amount=contract_value - contract_cost,
        margin_pct=margin_pct_of(contract_value, contract_cost),
        discount_pct=discount_pct_of(contract_list, contract_value),
    )


@dataclass(frozen=True)
class RoundTrack:
    """Position after one round (cumulative over the rounds up to it)."""

    round: NegotiationRound
    position: RoundPosition


def positions_by_round(goal: Goal, rounds: Sequence[NegotiationRound]) -> list[RoundTrack]:
    """:func:`position_after_round` after each round in number order (the live position as
    the log grows)."""
    ordered = sorted(rounds, key=lambda r: r.number)
    out: list[RoundTrack] = []
    for i, rnd in enumerate(ordered):
        position = position_after_round(goal, ordered[: i + 1])
        assert position is not None
        out.append(RoundTrack(rnd, position))
    return out


# --- technique checklist ---------------------------------------------------------------


class TechniqueArea(StrEnum):
    """The four areas of negotiation technique to prepare."""

    PRICE = "price"
    CONDITIONS = "conditions"
    TIME = "time"
    POWER = "power"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    area: TechniqueArea
    label_en: str
    label_zh: str


TECHNIQUE_AREA_LABELS: dict[TechniqueArea, tuple[str, str]] = {
    TechniqueArea.PRICE: ("Price", "价格"),
    TechniqueArea.CONDITIONS: ("Conditions", "条件"),
    TechniqueArea.TIME: ("Time", "时间"),
    TechniqueArea.POWER: ("Power", "权力"),
}

TECHNIQUE_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "price_value_first",
        TechniqueArea.PRICE,
        "We open with the value delivered before any number is discussed",
        "先谈交付的价值，再谈任何数字",
    ),
    ChecklistItem(
        "price_tco_ready",
        TechniqueArea.PRICE,
        "A total-cost comparison against the buyer's alternative is ready",
        "已准备好与客户备选方案的总成本对比",
    ),
    ChecklistItem(
        "price_tiers",
        TechniqueArea.PRICE,
        "Two or three priced options are ready, so price moves with scope",
        "准备了两到三档报价，价格随范围变化",
    ),
    ChecklistItem(
        "price_scope_for_discount",
        TechniqueArea.PRICE,
        "Any discount comes with a matching cut in scope",
        "任何降价都伴随相应的范围缩减",
    ),
    ChecklistItem(
        "price_benchmarks",
        TechniqueArea.PRICE,
        "Industry price references are at hand to anchor the discussion",
        "手头有行业价格参考，用来锚定讨论",
    ),
    ChecklistItem(
        "cond_package",
        TechniqueArea.CONDITIONS,
        "Terms are negotiated as a package, never one at a time",
        "条款打包谈，不逐条让步",
    ),
    ChecklistItem(
        "cond_if_then",
        TechniqueArea.CONDITIONS,
        "Every concession is phrased as “if you …, then we …”",
        "每个让步都按“如果你方……，那么我方……”提出",
    ),
    ChecklistItem(
        "cond_tradeables",
        TechniqueArea.CONDITIONS,
        "We know which terms cost us little but matter to the buyer",
        "清楚哪些条件对我方成本低、对客户价值高",
    ),
    ChecklistItem(
        "time_decision_window",
        TechniqueArea.TIME,
        "The buyer's decision window and budget deadline are known",
        "已掌握客户的决策窗口和预算截止时间",
    ),
    ChecklistItem(
        "time_no_deadline_giveaways",
        TechniqueArea.TIME,
        "No large concession is planned close to a deadline",
        "不在截止日前夕安排大的让步",
    ),
    ChecklistItem(
        "time_cooling_off",
        TechniqueArea.TIME,
        "A pause is agreed in advance if talks get heated",
        "事先约定谈判僵持时的冷静期",
    ),
    ChecklistItem(
        "power_real_decider",
        TechniqueArea.POWER,
        "We are talking to the person who really decides",
        "谈判对象是真正拍板的人",
    ),
    ChecklistItem(
        "power_exec_to_exec",
        TechniqueArea.POWER,
        "An executive-to-executive contact is lined up",
        "已安排高层对高层的沟通",
    ),
    ChecklistItem(
        "power_champion",
        TechniqueArea.POWER,
        "Our champion inside the customer is briefed",
        "客户内部的支持者已提前沟通",
    ),
    ChecklistItem(
        "power_third_party",
        TechniqueArea.POWER,
        "A third-party reference or authority can back our position",
        "有第三方案例或权威可以支持我方立场",
    ),
)


@dataclass(frozen=True)
class _PriceFigures:
    option_name: str
    discount_pct: Decimal | None
    margin_pct: Decimal | None
    contract_cost: Decimal


def approval_at_price(
    totals: OptionTotals,
    price: Decimal,
    rules: Sequence[ApprovalRule] = DEFAULT_APPROVAL_RULES,
    role_order: Sequence[str] = DEFAULT_ROLE_ORDER,
):
    """Who must approve if the whole contract is sold at ``price`` (e.g. our walk-away).

    Discount % is against ``totals.contract_list`` and margin % against
    ``totals.contract_cost``, checked exactly as a quote is (``pricing.required_approver``).
    Returns the :class:`pricing.ApprovalDecision`.
    """
    figures = _PriceFigures(
        option_name=totals.option_name,
        discount_pct=discount_pct_of(totals.contract_list, price),
        margin_pct=margin_pct_of(price, totals.contract_cost),
        contract_cost=totals.contract_cost,
    )
    return required_approver(figures, rules, role_order)
