"""Between stored/typed values and the engine's dataclasses: no arithmetic, only mapping.

The rules dict (the JSON column) holds points as numbers, K and alpha as fractions 0–1,
and the abnormally-low threshold as a fraction 0–1 (the form shows it as percent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from proposals.scoring import (
    AbnormalLow,
    Benchmark,
    CompetitorEstimate,
    Scenario,
    ScoringRules,
    Triangular,
)


@dataclass(frozen=True)
class CompetitorInput:
    name: str
    price: tuple[Decimal, Decimal, Decimal]  # low, likely, high (currency units)
    tech: tuple[Decimal, Decimal, Decimal]  # technical points


def scoring_rules(rules: Mapping[str, Any], ceiling: Decimal | None) -> ScoringRules:
    bm = Benchmark(
        method=rules["method"],
        k=None if rules.get("k") is None else float(rules["k"]),
        k_set=tuple(float(x) for x in rules.get("k_set") or ()),
        trim_n=int(rules["trim_n"]),
        trim_min_remaining=int(rules["trim_min_remaining"]),
        alpha=float(rules["alpha"]),
        deduct_above=float(rules["deduct_above"]),
        deduct_below=float(rules["deduct_below"]),
        floor=float(rules["floor"]),
    )
    al = None
    if rules.get("abnormal_low"):
        al = AbnormalLow(
            threshold=float(rules["al_threshold"]),
            reference=rules["al_reference"],
            action=rules["al_action"],
        )
    return ScoringRules(
        price_weight=float(rules["price_weight"]),
        tech_max=float(rules["tech_max"]),
        benchmark=bm,
        abnormal_low=al,
        ceiling=None if ceiling is None else float(ceiling),
        decimals=int(rules["decimals"]),
    )


def _tri(values) -> Triangular:
    low, likely, high = (float(v) for v in values)
    return Triangular(low, likely, high)


def engine_scenario(
    rules: Mapping[str, Any],
    ceiling: Decimal | None,
    our_cost: Decimal,
    our_tech: tuple[Decimal, Decimal, Decimal],
    competitors: Iterable[CompetitorInput],
) -> Scenario:
    return Scenario(
        rules=scoring_rules(rules, ceiling),
        our_tech=_tri(our_tech),
        our_cost=float(our_cost),
        competitors=tuple(
            CompetitorEstimate(c.name, _tri(c.price), _tri(c.tech)) for c in competitors
        ),
    )


def from_model(scenario) -> Scenario:
    """The engine Scenario of a saved PriceScenario."""
    return engine_scenario(
        scenario.rules,
        scenario.ceiling,
        scenario.our_cost,
        (scenario.our_tech_low, scenario.our_tech_likely, scenario.our_tech_high),
        [competitor_input(c) for c in scenario.competitors],
    )


def competitor_input(c) -> CompetitorInput:
    return CompetitorInput(
        c.name,
        (c.price_low, c.price_likely, c.price_high),
        (c.tech_low, c.tech_likely, c.tech_high),
    )
