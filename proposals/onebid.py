"""One bid, one truth: the bid price of an opportunity and every place that disagrees with it.

Framework-free domain core (no Flask, no database): the portal gathers the facts of one
bid into :class:`BidFacts` and every page, the bid desk and the bid pack read the answer
of :func:`disagreements`, so two pages cannot tell different stories about one bid.

Conventions as in :mod:`proposals.pricing`: money is ``Decimal`` in the opportunity's
currency, percentages are ``Decimal`` 0–100 (the price tolerance too: ``Decimal("0.5")``
is 0.5 %), comparisons use unrounded values.

The *bid price* is the chosen price of the opportunity's **official** price-score scenario
(the one that holds the rules the buyer published); what-if scenarios never set it. The
quote option linked to the official scenario ("Use this price") is *the bid's quote*; its
contract value must match the bid price within the tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HUNDRED = Decimal(100)
#: Default admin setting: the quote may differ from the bid price by 0.5 % either way.
DEFAULT_TOLERANCE_PCT = Decimal("0.5")


class Code(StrEnum):
    """Stable codes of the disagreements (the portal words them in both languages)."""

    NO_OFFICIAL = "no_official"  # no official price-score scenario
    NO_BID_PRICE = "no_bid_price"  # the official scenario has no chosen price
    NOT_LINKED = "not_linked"  # no quote option carries the bid price
    SCENARIO_INCOMPLETE = "scenario_incomplete"  # the official scenario lacks inputs
    PRICE_VS_QUOTE = "price_vs_quote"  # quote contract value ≠ bid price beyond tolerance
    CURRENCY = "currency"  # the bid's quote is in another currency than the opportunity
    RIVALS_MISSING = "rivals_missing"  # rivals of the matrix absent from the official scenario
    GOALS_OUTSIDE_ZOPA = "goals_outside_zopa"  # a price goal above the buyer's maximum
    BID_BELOW_WALK_AWAY = "bid_below_walk_away"  # the bid price is below our walk-away
    WALK_AWAY_BELOW_BATNA = "walk_away_below_batna"  # walking away pays more than the floor
    STALE_APPROVAL = "stale_approval"  # an approval given or asked for another quote
    SCENARIO_OLDER_THAN_QUOTE = "scenario_older_than_quote"  # quote changed after scenario


#: Pieces not there yet (a bid still being prepared) rather than figures that contradict
#: each other: shown as "missing", not counted as disagreements.
GAPS = frozenset({Code.NO_OFFICIAL, Code.NO_BID_PRICE, Code.NOT_LINKED, Code.SCENARIO_INCOMPLETE})

#: Where the user fixes each disagreement (the portal maps areas to pages).
AREA = {
    Code.NO_OFFICIAL: "price",
    Code.NO_BID_PRICE: "price",
    Code.NOT_LINKED: "price",
    Code.SCENARIO_INCOMPLETE: "price",
    Code.PRICE_VS_QUOTE: "quote",
    Code.CURRENCY: "quote",
    Code.RIVALS_MISSING: "price",
    Code.GOALS_OUTSIDE_ZOPA: "negotiation",
    Code.BID_BELOW_WALK_AWAY: "negotiation",
    Code.WALK_AWAY_BELOW_BATNA: "negotiation",
    Code.STALE_APPROVAL: "quote",
    Code.SCENARIO_OLDER_THAN_QUOTE: "price",
}


@dataclass(frozen=True)
class Disagreement:
    """One place where the bid's figures do not agree. ``blocking`` ones stop a proposal
    from being submitted (unless a leader overrode the price check); ``params`` carries the
    figures the message names (money as Decimal, names as str)."""

    code: Code
    blocking: bool = False
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def area(self) -> str:
        return AREA[self.code]

    @property
    def is_gap(self) -> bool:
        return self.code in GAPS


@dataclass(frozen=True)
class QuoteFacts:
    """The quote option linked to the official scenario: its contract value (money, the
    quote's currency) and when any line or option of its proposal last changed."""

    option_name: str
    proposal_title: str
    contract_value: Decimal
    currency: str
    changed_at: datetime | None = None


@dataclass(frozen=True)
class PriceGoal:
    """The negotiation sheet's price goal (money, the sheet's currency; higher is better)."""

    best: Decimal
    expected: Decimal
    walk_away: Decimal
    currency: str


@dataclass(frozen=True)
class BidFacts:
    """Everything :func:`disagreements` looks at, for one opportunity.

    ``scenario_rivals`` and ``matrix_rivals`` map rival (competitor record) ids to names.
    ``scenario_missing`` lists what the official scenario still lacks (the price-score
    engine's keys, proposals.scoring.missing_inputs): until it is empty the bid has no
    P(win), and no page may show one or fill the gap with a guess.
    ``approval_stale`` is true when the latest approval request is pending or approved for
    a quote other than the current one. ``override_holds`` is true when a leader recorded
    an override for exactly the current bid price and contract value.
    """

    currency: str
    official_name: str | None = None
    bid_price: Decimal | None = None
    scenario_updated_at: datetime | None = None
    quote: QuoteFacts | None = None
    tolerance_pct: Decimal = DEFAULT_TOLERANCE_PCT
    matrix_rivals: Mapping[int, str] = field(default_factory=dict)
    scenario_rivals: Mapping[int, str] = field(default_factory=dict)
    scenario_missing: tuple[str, ...] = ()
    price_goal: PriceGoal | None = None
    buyer_max: Decimal | None = None
    buyer_currency: str | None = None
    our_batna_value: Decimal | None = None
    our_batna_currency: str | None = None
    approval_stale: bool = False
    override_holds: bool = False


def difference_pct(bid_price: Decimal, contract_value: Decimal) -> Decimal:
    """(contract value − bid price) / bid price × 100, unrounded; positive when the quote is
    above the bid price. ``bid_price`` must be above zero."""
    return (contract_value - bid_price) / bid_price * HUNDRED


def price_matches(bid_price: Decimal, contract_value: Decimal, tolerance_pct: Decimal) -> bool:
    """True when the quote's contract value is within ``tolerance_pct`` (0–100) of the bid
    price, either way, boundary included (0.5 % off with a 0.5 % tolerance matches)."""
    if bid_price <= 0:
        return False
    return abs(difference_pct(bid_price, contract_value)) <= tolerance_pct


def quote_is_the_bid(facts: BidFacts) -> bool:
    """True when the linked quote option *is* the bid: same currency and within tolerance.
    Only then may other areas (negotiation costs) price from the quote."""
    q = facts.quote
    return bool(
        q is not None
        and facts.bid_price is not None
        and q.currency == facts.currency
        and price_matches(facts.bid_price, q.contract_value, facts.tolerance_pct)
    )


def disagreements(facts: BidFacts) -> list[Disagreement]:
    """Every disagreement between the bid's figures, in a fixed order (price first, then
    quote, rivals, negotiation, approval); [] for a consistent bid."""
    out: list[Disagreement] = []
    if facts.official_name is None:
        out.append(Disagreement(Code.NO_OFFICIAL))
    elif facts.bid_price is None:
        out.append(Disagreement(Code.NO_BID_PRICE, params={"scenario": facts.official_name}))
    elif facts.quote is None:
        out.append(Disagreement(Code.NOT_LINKED, params={"price": facts.bid_price}))
    else:
        q = facts.quote
        if q.currency != facts.currency:
            out.append(
                Disagreement(
                    Code.CURRENCY,
                    blocking=True,
                    params={"quote": q.currency, "opportunity": facts.currency},
                )
            )
        elif not price_matches(facts.bid_price, q.contract_value, facts.tolerance_pct):
            out.append(
                Disagreement(
                    Code.PRICE_VS_QUOTE,
                    blocking=not facts.override_holds,
                    params={
                        "price": facts.bid_price,
                        "quote": q.contract_value,
                        "option": q.option_name,
                        "difference_pct": difference_pct(facts.bid_price, q.contract_value),
                        "tolerance_pct": facts.tolerance_pct,
                        "overridden": facts.override_holds,
                    },
                )
            )
        if (
            q.changed_at is not None
            and facts.scenario_updated_at is not None
            and facts.scenario_updated_at < q.changed_at
        ):
            out.append(
                Disagreement(
                    Code.SCENARIO_OLDER_THAN_QUOTE,
                    params={"scenario": facts.official_name, "option": q.option_name},
                )
            )
    if facts.official_name is not None and facts.scenario_missing:
        out.append(
            Disagreement(
                Code.SCENARIO_INCOMPLETE,
                params={"scenario": facts.official_name, "missing": facts.scenario_missing},
            )
        )
    if facts.official_name is not None:
        missing = sorted(
            (name for rid, name in facts.matrix_rivals.items() if rid not in facts.scenario_rivals),
            key=str.casefold,
        )
        if missing:
            out.append(Disagreement(Code.RIVALS_MISSING, params={"names": missing}))
    out.extend(_negotiation(facts))
    if facts.approval_stale:
        out.append(Disagreement(Code.STALE_APPROVAL))
    return out


def _negotiation(facts: BidFacts) -> list[Disagreement]:
    goal = facts.price_goal
    if goal is None:
        return []
    out = []
    if facts.buyer_max is not None and (facts.buyer_currency or goal.currency) == goal.currency:
        above = [
            name
            for name, value in (
                ("best", goal.best),
                ("expected", goal.expected),
                ("walk_away", goal.walk_away),
            )
            if value > facts.buyer_max
        ]
        # The best case may reach beyond the buyer's stated maximum (it is an opening
        # position); the expected outcome and the walk-away must lie inside the zone.
        above = [a for a in above if a != "best"]
        if above:
            out.append(
                Disagreement(
                    Code.GOALS_OUTSIDE_ZOPA,
                    params={"goals": above, "buyer_max": facts.buyer_max},
                )
            )
    if (
        facts.bid_price is not None
        and goal.currency == facts.currency
        and facts.bid_price < goal.walk_away
    ):
        out.append(
            Disagreement(
                Code.BID_BELOW_WALK_AWAY,
                params={"price": facts.bid_price, "walk_away": goal.walk_away},
            )
        )
    if (
        facts.our_batna_value is not None
        and (facts.our_batna_currency or goal.currency) == goal.currency
        and goal.walk_away < facts.our_batna_value
    ):
        out.append(
            Disagreement(
                Code.WALK_AWAY_BELOW_BATNA,
                params={"walk_away": goal.walk_away, "batna": facts.our_batna_value},
            )
        )
    return out


def conflicts(found: Sequence[Disagreement]) -> list[Disagreement]:
    """The figures that contradict each other (everything but the gaps)."""
    return [d for d in found if not d.is_gap]


def blocking(found: Sequence[Disagreement]) -> list[Disagreement]:
    """The disagreements that stop a proposal from being submitted."""
    return [d for d in found if d.blocking]


def tech_range_from_matrix(
    weighted_total: Decimal, tech_max: Decimal, spread_points: Decimal = Decimal(1)
) -> tuple[Decimal, Decimal, Decimal]:
    """Our technical points (low, likely, high) from the competition matrix.

    ``weighted_total`` is our weighted score on the matrix's 0–10 scale; it is rescaled to
    the tender's technical points (``tech_max``), and the range is one matrix point
    (``spread_points`` on the 0–10 scale) either side, clamped to 0…tech_max. Rounded to
    2 decimals ``ROUND_HALF_UP``: the scenario's technical points are held to 2 places.
    """
    ten = Decimal(10)
    scale = tech_max / ten
    cent = Decimal("0.01")

    def points(x: Decimal) -> Decimal:
        return min(tech_max, max(Decimal(0), x * scale)).quantize(cent, rounding=ROUND_HALF_UP)

    return (
        points(weighted_total - spread_points),
        points(weighted_total),
        points(weighted_total + spread_points),
    )
