"""Grading from evidence: a derived likelihood and a suggested grade for one opportunity.

Article 002 qualifies an opportunity by project level, funding, technical fit,
relationship and creditworthiness, and by the competition (product, price, solution,
after-sales); each is rated 1 (against us) to 5 (for us). With the official price-score
P(win), the decision-chain coverage and the NSABC health they make a likelihood the rep can
compare with their own. The grade recorded stays the rep's: this is a suggestion with the
factor that drags it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from proposals.stages import AccountGrade
from proposals.workspace import suggest_account_grade

QUALIFICATION_INPUTS = (
    "project_level",
    "funding",
    "technical_fit",
    "relationship",
    "creditworthiness",
    "competition",
)
"""The qualification inputs (article 002), each rated 1 (against us) to 5 (for us)."""

#: Weight of each kind of evidence in the derived likelihood; missing evidence is left out
#: and the remaining weights renormalised.
FACTOR_WEIGHTS: dict[str, Decimal] = {
    "qualification": Decimal(40),
    "p_win": Decimal(25),
    "coverage": Decimal(20),
    "nsabc": Decimal(15),
}


@dataclass(frozen=True)
class Factor:
    """One piece of evidence as a score 0–100 (higher = better for us)."""

    key: str
    score: Decimal


@dataclass(frozen=True)
class GradeSuggestion:
    """``likelihood`` percent 0–100 (whole, half up); ``drag`` the lowest-scoring factor;
    ``weakest_input`` the lowest-rated qualification input (None without inputs or when
    all are rated 5)."""

    likelihood: int
    grade: AccountGrade
    factors: tuple[Factor, ...]
    drag: Factor
    weakest_input: str | None


def _rating_score(rating: int) -> Decimal:
    """1–5 → 0–100 (1 = 0, 3 = 50, 5 = 100)."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1–5, got {rating!r}")
    return Decimal(rating - 1) * 25


def suggest_grade(
    ratings: Mapping[str, int | None],
    p_win: Decimal | float | None,
    supported_roles: int | None,
    role_count: int,
    has_coach: bool,
    nsabc_health: Decimal | int | None,
    close_date: date | None,
    today: date,
) -> GradeSuggestion | None:
    """Derive the likelihood and suggested grade, or None with no evidence at all.

    * qualification: mean of the rated inputs (1–5 → 0–100); left out when none is rated.
    * p_win: the official price-score P(win), 0–1 → 0–100; left out when None.
    * coverage: MAP roles with a supporter as percent of ``role_count``, lowered by a
      quarter without a coach (article 000: the coach gives us the real chain); left out
      when ``supported_roles`` is None (no stakeholders mapped).
    * nsabc: the mean NSABC element health 0–100; left out when None.

    Likelihood = weighted mean (FACTOR_WEIGHTS, renormalised over present factors);
    the grade comes from :func:`proposals.workspace.suggest_account_grade`.
    """
    factors: list[Factor] = []
    rated = {k: v for k, v in ratings.items() if k in QUALIFICATION_INPUTS and v is not None}
    if rated:
        mean = sum((_rating_score(v) for v in rated.values()), Decimal(0)) / len(rated)
        factors.append(Factor("qualification", mean))
    if p_win is not None:
        factors.append(Factor("p_win", Decimal(str(p_win)) * 100))
    if supported_roles is not None and role_count > 0:
        coverage = Decimal(supported_roles) / role_count * 100
        if not has_coach:
            coverage *= Decimal("0.75")
        factors.append(Factor("coverage", coverage))
    if nsabc_health is not None:
        factors.append(Factor("nsabc", Decimal(nsabc_health)))
    if not factors:
        return None
    total_weight = sum(FACTOR_WEIGHTS[f.key] for f in factors)
    likelihood = sum(FACTOR_WEIGHTS[f.key] * f.score for f in factors) / total_weight
    whole = int(likelihood.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    drag = min(factors, key=lambda f: (f.score, list(FACTOR_WEIGHTS).index(f.key)))
    weakest = min(rated, key=lambda k: (rated[k], QUALIFICATION_INPUTS.index(k))) if rated else None
    if weakest is not None and rated[weakest] == 5:
        weakest = None  # every input at its best: nothing to name
    return GradeSuggestion(
        likelihood=whole,
        grade=suggest_account_grade(close_date, whole, today),
        factors=tuple(factors),
        drag=drag,
        weakest_input=weakest,
    )
