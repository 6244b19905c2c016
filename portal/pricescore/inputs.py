"""Between stored/typed values and the engine's dataclasses: no arithmetic, only mapping.

The rules dict (the JSON column) holds points as numbers, K and alpha as fractions 0–1,
and the abnormally-low threshold as a fraction 0–1 (the form shows it as percent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from proposals.scoring import (
    AbnormalLow,
    Benchmark,
    CompetitorEstimate,
    DeviationRounding,
    Empirical,
    Lognormal,
    Normal,
    Scenario,
    ScoringRules,
    Triangular,
    missing_inputs,
    validate_scenario,
)


@dataclass(frozen=True)
class CompetitorInput:
    name: str
    # None where the rep has not entered the figure yet
    price: tuple[Decimal | None, Decimal | None, Decimal | None]  # low, likely, high (currency)
    tech: tuple[Decimal | None, Decimal | None, Decimal | None]  # technical points
    price_model: str = "triangular"
    # past bid ÷ our cost for "empirical"; ÷ control price for "history"
    past_ratios: tuple[float, ...] = ()
    sme_deduction_pct: Decimal = Decimal(0)
    preference_margin_pct: Decimal = Decimal(0)


def _opt(value) -> float | None:
    return None if value is None or value == "" else float(value)


def _pieces(value) -> tuple[tuple[float, float], ...]:
    return tuple((float(a), float(b)) for a, b in value or ())


def scoring_rules(rules: Mapping[str, Any], ceiling: Decimal | None) -> ScoringRules:
    """The engine's rules from the JSON column; keys added later read their defaults."""
    places = int(rules.get("round_places", 2))
    bm = Benchmark(
        method=rules["method"],
        k=None if rules.get("k") is None else float(rules["k"]),
        k_set=tuple(float(x) for x in rules.get("k_set") or ()),
        trim_n=int(rules["trim_n"]),
        trim_min_remaining=int(rules["trim_min_remaining"]),
        trim_tiers=tuple((int(a), int(b)) for a, b in rules.get("trim_tiers") or ()),
        alpha=float(rules["alpha"]),
        deduct_above=float(rules["deduct_above"]),
        deduct_below=float(rules["deduct_below"]),
        above_pieces=_pieces(rules.get("above_pieces")),
        below_pieces=_pieces(rules.get("below_pieces")),
        round_above=DeviationRounding(rules.get("round_above", "none"), places),
        round_below=DeviationRounding(rules.get("round_below", "none"), places),
        floor=float(rules["floor"]),
        source=rules.get("source", "bids"),
        fixed_price=_opt(rules.get("fixed_price")),
        control_price=_opt(rules.get("control_price")),
        blend_a=float(rules.get("blend_a", 0.5)),
        blend_b=float(rules.get("blend_b", 0.5)),
        k1=float(rules.get("k1", 1.0)),
        linear_anchor=rules.get("linear_anchor", "highest"),
    )
    al = None
    if rules.get("abnormal_low"):
        al = AbnormalLow(
            threshold=float(rules["al_threshold"]),
            reference=rules["al_reference"],
            action=rules["al_action"],
            compare=rules.get("al_compare", "all"),
        )
    return ScoringRules(
        price_weight=float(rules["price_weight"]),
        tech_max=float(rules["tech_max"]),
        benchmark=bm,
        abnormal_low=al,
        ceiling=None if ceiling is None else float(ceiling),
        decimals=int(rules["decimals"]),
        floor_price=_opt(rules.get("floor_price")),
        below_benchmark_limit=_opt(rules.get("below_limit")),
        min_tech=_opt(rules.get("min_tech")),
        tie_order=rules.get("tie_order", "price"),
    )


def _num(value) -> float | None:
    """A stored or typed figure for the engine; None (not entered yet) stays None."""
    return None if value is None else float(value)


def price_model(c: CompetitorInput, our_cost: Decimal | None, control_price: Decimal | None = None):
    """The engine's price model of one competitor row (None for what is not entered).
    "history": the rival's recorded bids as ratios to the control price, scaled to this
    tender's ``control_price`` (NaN without one, which the engine's check refuses)."""
    low, likely, high = (_num(v) for v in c.price)
    if c.price_model == "history":
        scale = float(control_price) if control_price is not None else float("nan")
        return Empirical(tuple(c.past_ratios), scale)
    if c.price_model == "normal":
        return Normal(low, high)
    if c.price_model == "lognormal":
        return Lognormal(low, high)
    if c.price_model == "empirical":
        return Empirical(tuple(c.past_ratios), _num(our_cost))
    return Triangular(low, likely, high)


def parse_numbers(text: str | None, limit: int = 500) -> tuple[float, ...]:
    """ "1.08, 0.97；1.1" → (1.08, 0.97, 1.1); raises ValueError on anything else,
    including NaN and infinities."""
    if not text or not text.strip():
        return ()
    for sep in ("，", "；", ";", "、", "\n", " "):
        text = text.replace(sep, ",")
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            d = Decimal(part)
        except InvalidOperation as exc:
            raise ValueError(part) from exc
        if not d.is_finite():
            raise ValueError(part)
        values.append(float(d))
    if len(values) > limit:
        raise ValueError("too many")
    return tuple(values)


def _tri(values) -> Triangular:
    low, likely, high = (_num(v) for v in values)
    return Triangular(low, likely, high)


def engine_scenario(
    rules: Mapping[str, Any],
    ceiling: Decimal | None,
    our_cost: Decimal | None,
    our_tech: tuple[Decimal | None, Decimal | None, Decimal | None],
    competitors: Iterable[CompetitorInput],
    our_adjust: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0)),
) -> Scenario:
    """``our_adjust``: our SME deduction and preference margin in percent. Figures not
    entered yet (None) reach the engine as None, which reports them as missing."""
    from proposals.rival_history import scenario_control_price

    control = scenario_control_price(ceiling, rules.get("control_price"))
    return Scenario(
        rules=scoring_rules(rules, ceiling),
        our_tech=_tri(our_tech),
        our_cost=_num(our_cost),
        competitors=tuple(
            CompetitorEstimate(
                c.name,
                price_model(c, our_cost, control),
                _tri(c.tech),
                float(c.sme_deduction_pct) / 100.0,
                float(c.preference_margin_pct) / 100.0,
            )
            for c in competitors
        ),
        our_sme_deduction=float(our_adjust[0]) / 100.0,
        our_preference_margin=float(our_adjust[1]) / 100.0,
    )


def from_model(scenario) -> Scenario:
    """The engine Scenario of a saved PriceScenario."""
    return engine_scenario(
        scenario.rules,
        scenario.ceiling,
        scenario.our_cost,
        (scenario.our_tech_low, scenario.our_tech_likely, scenario.our_tech_high),
        [competitor_input(c) for c in scenario.competitors],
        (scenario.our_sme_deduction_pct, scenario.our_preference_margin_pct),
    )


def missing(scenario) -> tuple[str, ...]:
    """What a saved PriceScenario still lacks before it has a P(win): the engine's keys
    (proposals.scoring.missing_inputs), e.g. ("our_cost", "competitors[0].tech",
    "candidate_prices"). Empty for a complete scenario. No simulation is run."""
    grid = (_num(scenario.grid_min), _num(scenario.grid_max))
    return missing_inputs(validate_scenario(from_model(scenario), grid))


def competitor_input(c) -> CompetitorInput:
    try:
        ratios = parse_numbers(c.past_ratios)
    except ValueError:
        ratios = ()  # refused by the form before saving; kept harmless here
    return CompetitorInput(
        c.name,
        (c.price_low, c.price_likely, c.price_high),
        (c.tech_low, c.tech_likely, c.tech_high),
        c.price_model or "triangular",
        ratios,
        c.sme_deduction_pct or Decimal(0),
        c.preference_margin_pct or Decimal(0),
    )
