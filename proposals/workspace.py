"""Opportunity-workspace analytics: NSABC health, decision-chain coverage, competition matrix,
account grading and customer value.

Pure functions over frozen dataclasses; no Flask, no database. Every user-facing text is a
``{"en": ..., "zh_CN": ...}`` dict so the web layer only picks the locale.

Units used throughout this module (stated once here and repeated where it matters):

* Scores of activities, coverage shares and likelihoods are **percent, 0–100**.
* Criterion scores are **points, 0–10**; weights are any non-negative numbers that are
  normalised to **percent, summing to 100**.
* Days are whole calendar days (``date`` differences); no time zones are involved.
* Floats, not ``Decimal``: nothing here is money, and results are rounded only where the
  docstring says so.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from proposals.stages import (
    AccountGrade,
    ActivityStatus,
    Attitude,
    BuyingRole,
    DecisionType,
    LocalizedText,
    MapRole,
    NsabcElement,
)

# --------------------------------------------------------------------------------------
# NSABC activity health
# --------------------------------------------------------------------------------------

_STATUS_CREDIT = {
    ActivityStatus.DONE: 1.0,
    ActivityStatus.IN_PROGRESS: 0.5,
    ActivityStatus.NOT_STARTED: 0.0,
}
# Work in the current stage is still allowed to be unfinished, so it counts half as much
# as work the opportunity has already moved past (which should have been done by now).
CURRENT_STAGE_WEIGHT = 0.5
PAST_STAGE_WEIGHT = 1.0


@dataclass(frozen=True)
class Activity:
    """One NSABC key activity on an opportunity.

    ``stage_index`` is the 0-based position of the activity's stage in the opportunity's
    stage model. ``id`` and ``title`` are carried through untouched so that callers can
    show or link the activities returned by :func:`undone_activities_for_stage`.
    """

    stage_index: int
    element: NsabcElement
    status: ActivityStatus
    due_date: date | None = None
    id: Hashable | None = None
    title: str = ""

    def is_overdue(self, today: date) -> bool:
        """True when the due date has passed (strictly before ``today``) and it is not finished.

        Not-applicable activities are never overdue: there is nothing left to do.
        """
        return (
            self.due_date is not None
            and self.due_date < today
            and self.status in (ActivityStatus.NOT_STARTED, ActivityStatus.IN_PROGRESS)
        )


@dataclass(frozen=True)
class ElementHealth:
    """Health of one NSABC element.

    ``score`` is percent 0–100 (integer, rounded half up) or ``None`` when nothing applicable
    counts yet. ``counted`` is the number of activities that entered the score, ``done`` and
    ``overdue`` are counted among those.
    """

    element: NsabcElement
    score: int | None
    counted: int
    done: int
    overdue: int


def element_health(
    activities: Iterable[Activity], current_stage_index: int, today: date
) -> dict[NsabcElement, ElementHealth]:
    """Score each NSABC element from 0 to 100 for an opportunity in ``current_stage_index``.

    Formula, per element::

        score = round_half_up(100 * Σ(weight × credit) / Σ(weight))

    * credit: done = 1, in progress = 0.5, not started = 0. An **overdue** activity
      (due date before ``today`` and not done) earns 0 credit even if in progress: late
      work is the risk this score exists to show.
    * weight: activities of stages before the current one weigh 1; those of the current
      stage weigh 0.5, except overdue ones, which weigh 1 (the date has already passed).
    * excluded: activities marked not applicable, and activities of later stages (they
      are not due yet, so they neither help nor hurt).

    Edge cases: an element with no counted activity (none at all, all not applicable, or
    only future stages) gets ``score=None`` rather than 0 or 100, so the page can say
    "nothing to assess yet" instead of implying good or bad health. Every element is always
    present in the result, in NSABC order, even when ``activities`` is empty.
    """
    weighted_credit = {element: 0.0 for element in NsabcElement}
    total_weight = {element: 0.0 for element in NsabcElement}
    counted = {element: 0 for element in NsabcElement}
    done = {element: 0 for element in NsabcElement}
    overdue = {element: 0 for element in NsabcElement}

    for activity in activities:
        if activity.status == ActivityStatus.NOT_APPLICABLE:
            continue
        if activity.stage_index > current_stage_index:
            continue
        late = activity.is_overdue(today)
        if activity.stage_index < current_stage_index or late:
            weight = PAST_STAGE_WEIGHT
        else:
            weight = CURRENT_STAGE_WEIGHT
        credit = 0.0 if late else _STATUS_CREDIT[activity.status]

        element = activity.element
        weighted_credit[element] += weight * credit
        total_weight[element] += weight
        counted[element] += 1
        done[element] += activity.status == ActivityStatus.DONE
        overdue[element] += late

    return {
        element: ElementHealth(
            element=element,
            score=(
                _whole_percent(100 * weighted_credit[element] / total_weight[element])
                if total_weight[element]
                else None
            ),
            counted=counted[element],
            done=done[element],
            overdue=overdue[element],
        )
        for element in NsabcElement
    }


def undone_activities_for_stage(activities: Iterable[Activity], stage_index: int) -> list[Activity]:
    """Activities of ``stage_index`` that are neither done nor marked not applicable.

    Used to ask "these activities are still open — move to the next stage anyway?" before a
    rep advances the opportunity. Order is preserved from ``activities``; an empty list
    means the stage can be left without a question.
    """
    return [
        activity
        for activity in activities
        if activity.stage_index == stage_index
        and activity.status in (ActivityStatus.NOT_STARTED, ActivityStatus.IN_PROGRESS)
    ]


# --------------------------------------------------------------------------------------
# Decision-chain coverage
# --------------------------------------------------------------------------------------

HIGH_INFLUENCE = 4
"""Influence (1–5) from which a stakeholder counts as a key decision maker."""
STALE_CONTACT_DAYS = 30
"""A key stakeholder not contacted for more than this many days triggers ``stale_contact``."""


@dataclass(frozen=True)
class Stakeholder:
    """A person in the buyer's decision chain.

    ``influence`` is 1 (little) to 5 (decisive); ``last_contact`` is the date of our last
    meaningful contact, ``None`` if we have never spoken to them.
    """

    id: Hashable
    name: str
    map_role: MapRole | None
    buying_role: BuyingRole | None
    decision_type: DecisionType | None
    influence: int
    attitude: Attitude
    last_contact: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.influence <= 5:
            raise ValueError(f"influence must be 1–5, got {self.influence!r}")

    @property
    def is_key(self) -> bool:
        return self.influence >= HIGH_INFLUENCE


class CoverageWarningCode(StrEnum):
    NO_STAKEHOLDERS = "no_stakeholders"
    NO_MONEY_ROLE = "no_money_role"
    NO_ECONOMIC_BUYER = "no_economic_buyer"
    KEY_DECISION_MAKER_OPPONENT = "key_decision_maker_opponent"
    NO_COACH = "no_coach"
    STALE_CONTACT = "stale_contact"


COVERAGE_WARNINGS: dict[str, LocalizedText] = {
    CoverageWarningCode.NO_STAKEHOLDERS: {
        "en": "No stakeholders recorded yet: map the decision chain.",
        "zh_CN": "尚未录入任何干系人，请先梳理决策链。",
    },
    CoverageWarningCode.NO_MONEY_ROLE: {
        "en": "No Money role identified: nobody known who approves the budget.",
        "zh_CN": "尚未识别资金方：不清楚谁来审批预算。",
    },
    CoverageWarningCode.NO_ECONOMIC_BUYER: {
        "en": "No economic buyer identified: nobody known who gives the final yes.",
        "zh_CN": "尚未识别经济买家：不清楚谁最终拍板。",
    },
    CoverageWarningCode.KEY_DECISION_MAKER_OPPONENT: {
        "en": "A key decision maker opposes us.",
        "zh_CN": "有关键决策人反对我方。",
    },
    CoverageWarningCode.NO_COACH: {
        "en": "No coach: nobody inside tells us how the decision is really made.",
        "zh_CN": "没有内线：客户内部无人告诉我们真实的决策过程。",
    },
    CoverageWarningCode.STALE_CONTACT: {
        "en": f"A key stakeholder has not been contacted for more than {STALE_CONTACT_DAYS} days.",
        "zh_CN": f"有关键干系人超过{STALE_CONTACT_DAYS}天未联系。",
    },
}


@dataclass(frozen=True)
class CoverageWarning:
    """A coverage problem. ``code`` is stable (safe to store or test against);
    ``stakeholder_ids`` names the people concerned, empty when the problem is an absence."""

    code: CoverageWarningCode
    text: LocalizedText
    stakeholder_ids: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """Decision-chain coverage of one opportunity; see :func:`decision_chain_coverage`."""

    key_stakeholders: int
    key_supporters: int
    key_supporter_pct: float | None
    days_since_contact: dict[Hashable, int | None]
    max_days_since_contact: int | None
    median_days_since_contact: float | None
    never_contacted: tuple[Hashable, ...]
    missing_map_roles: tuple[MapRole, ...]
    missing_buying_roles: tuple[BuyingRole, ...]
    warnings: tuple[CoverageWarning, ...]

    @property
    def warning_codes(self) -> tuple[CoverageWarningCode, ...]:
        return tuple(warning.code for warning in self.warnings)


def _is_key_decision_maker(person: Stakeholder) -> bool:
    # The people whose "no" ends the deal: the final decision maker, the economic buyer,
    # and anyone the rep rated as decisive whatever their formal role.
    return (
        person.decision_type == DecisionType.FINAL
        or person.buying_role == BuyingRole.ECONOMIC
        or person.influence == 5
    )


def decision_chain_coverage(stakeholders: Sequence[Stakeholder], today: date) -> Coverage:
    """Assess how well the buyer's decision chain is covered.

    * ``key_supporter_pct``: percent (0–100, rounded half up to 1 decimal) of high-influence
      stakeholders (influence ≥ 4) whose attitude is supporter; ``None`` when there are no
      high-influence stakeholders (0 % would wrongly read as "all against us").
    * ``days_since_contact``: per stakeholder id, whole days from ``last_contact`` to
      ``today``; ``None`` if never contacted. A last contact dated in the future (a meeting
      logged in advance) counts as 0 days.
    * ``max_days_since_contact`` / ``median_days_since_contact``: over stakeholders with a
      contact date only; ``None`` if there are none. Never-contacted people are listed in
      ``never_contacted`` instead, because no number of days describes them honestly.
    * ``missing_map_roles`` / ``missing_buying_roles``: roles with nobody mapped, in enum
      order.
    * ``warnings``, in this fixed order, each at most once:
      ``no_money_role``, ``no_economic_buyer``, ``key_decision_maker_opponent`` (a final
      decision maker, economic buyer or influence-5 person is an opponent), ``no_coach``,
      ``stale_contact`` (influence ≥ 4 and last contact more than 30 days ago or never).

    Edge case: with no stakeholders, the only warning is ``no_stakeholders`` (listing every
    missing role as well would just repeat it); all roles are reported missing and every
    figure is ``None``/0.
    """
    days_since_contact: dict[Hashable, int | None] = {}
    for person in stakeholders:
        days_since_contact[person.id] = (
            None if person.last_contact is None else max(0, (today - person.last_contact).days)
        )
    contacted_days = [days for days in days_since_contact.values() if days is not None]
    never_contacted = tuple(person.id for person in stakeholders if person.last_contact is None)

    key_people = [person for person in stakeholders if person.is_key]
    key_supporters = sum(person.attitude == Attitude.SUPPORTER for person in key_people)
    key_supporter_pct = (
        _round_half_up(100 * key_supporters / len(key_people), decimals=1) if key_people else None
    )

    mapped_map_roles = {person.map_role for person in stakeholders}
    mapped_buying_roles = {person.buying_role for person in stakeholders}
    missing_map_roles = tuple(role for role in MapRole if role not in mapped_map_roles)
    missing_buying_roles = tuple(role for role in BuyingRole if role not in mapped_buying_roles)

    warnings: list[CoverageWarning] = []

    def warn(code: CoverageWarningCode, ids: Iterable[Hashable] = ()) -> None:
        warnings.append(CoverageWarning(code, COVERAGE_WARNINGS[code], tuple(ids)))

    if not stakeholders:
        warn(CoverageWarningCode.NO_STAKEHOLDERS)
    else:
        if MapRole.MONEY in missing_map_roles:
            warn(CoverageWarningCode.NO_MONEY_ROLE)
        if BuyingRole.ECONOMIC in missing_buying_roles:
            warn(CoverageWarningCode.NO_ECONOMIC_BUYER)
        opponents = [
            person.id
            for person in stakeholders
            if person.attitude == Attitude.OPPONENT and _is_key_decision_maker(person)
        ]
        if opponents:
            warn(CoverageWarningCode.KEY_DECISION_MAKER_OPPONENT, opponents)
        if BuyingRole.COACH in missing_buying_roles:
            warn(CoverageWarningCode.NO_COACH)
        stale = [
            person.id
            for person in key_people
            if days_since_contact[person.id] is None
            or days_since_contact[person.id] > STALE_CONTACT_DAYS
        ]
        if stale:
            warn(CoverageWarningCode.STALE_CONTACT, stale)

    return Coverage(
        key_stakeholders=len(key_people),
        key_supporters=key_supporters,
        key_supporter_pct=key_supporter_pct,
        days_since_contact=days_since_contact,
        max_days_since_contact=max(contacted_days) if contacted_days else None,
        median_days_since_contact=(
            float(statistics.median(contacted_days)) if contacted_days else None
        ),
        never_contacted=never_contacted,
        missing_map_roles=missing_map_roles,
        missing_buying_roles=missing_buying_roles,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------------------
# Competition matrix
# --------------------------------------------------------------------------------------

SCORE_MIN, SCORE_MAX = 0.0, 10.0
WEIGHT_MIN, WEIGHT_MAX = 0.0, 100.0
STRONG_SCORE = 7.0
"""Our score (0–10) from which a criterion counts as a strength."""
WEAK_SCORE = 5.0
"""Our score (0–10) below which a criterion counts as a weakness whatever rivals score."""
# Totals equal to this many decimals share a rank: normalising weights such as 1/3 leaves
# float noise that must not split a genuine tie.
_RANK_DECIMALS = 6


@dataclass(frozen=True)
class Competitor:
    id: Hashable
    name: str


@dataclass(frozen=True)
class Criterion:
    """An evaluation criterion of the buyer.

    ``weight`` is the buyer's importance, any number ≥ 0 (normalised later). ``our_score``
    and each value of ``competitor_scores`` are 0–10. A competitor missing from
    ``competitor_scores`` has not been scored on this criterion (see
    :func:`competition_matrix`).
    """

    id: Hashable
    name: str
    weight: float
    our_score: float
    competitor_scores: Mapping[Hashable, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"criterion {self.id!r}: weight must be ≥ 0, got {self.weight!r}")
        for who, score in [("us", self.our_score), *self.competitor_scores.items()]:
            if not (math.isfinite(score) and SCORE_MIN <= score <= SCORE_MAX):
                raise ValueError(
                    f"criterion {self.id!r}: score for {who!r} must be 0–10, got {score!r}"
                )


@dataclass(frozen=True)
class Standing:
    """Weighted result of one party (us or a competitor).

    ``total_10`` is on the 0–10 score scale, ``total_100`` the same value ×10 (percent of
    the maximum). Both are ``None`` when the party was scored on no criterion, and then
    ``rank`` is ``None`` too. ``unscored_criteria`` lists criteria ids left out of this
    party's total.
    """

    party_id: Hashable | None
    name: str
    is_us: bool
    total_10: float | None
    total_100: float | None
    rank: int | None
    unscored_criteria: tuple[Hashable, ...] = ()


class InsightKind(StrEnum):
    STRONG_BUT_UNIMPORTANT = "strong_but_unimportant"
    WEAK_BUT_IMPORTANT = "weak_but_important"


INSIGHT_ADVICE: dict[str, LocalizedText] = {
    InsightKind.STRONG_BUT_UNIMPORTANT: {
        "en": "We lead here but the buyer gives it little weight: raise its importance.",
        "zh_CN": "我方在此项领先，但客户不够重视：设法提升它的重要性。",
    },
    InsightKind.WEAK_BUT_IMPORTANT: {
        "en": "The buyer weighs this heavily and we trail: lower its importance or close the gap.",
        "zh_CN": "客户很看重此项而我方落后：设法降低其权重，或补齐差距。",
    },
}


@dataclass(frozen=True)
class Insight:
    kind: InsightKind
    criterion_id: Hashable
    criterion_name: str
    weight_pct: float
    our_score: float
    best_competitor_score: float | None
    advice: LocalizedText


@dataclass(frozen=True)
class CriterionRow:
    """One matrix row after normalisation; ``gap`` = our score − best competitor score
    (``None`` when no competitor was scored on it)."""

    criterion_id: Hashable
    name: str
    weight_pct: float
    our_score: float
    best_competitor_score: float | None
    gap: float | None


@dataclass(frozen=True)
class MatrixResult:
    """Outcome of :func:`competition_matrix`.

    ``weights`` maps criterion id → percent, summing to 100 (empty with no criteria).
    ``normalised`` is True when the entered weights did not already sum to 100;
    ``original_weight_sum`` is that entered sum; ``weights_all_zero`` is True when every
    weight was 0 and equal weights were used instead. ``ranking`` lists every party with a
    rank, best first (us before a competitor on a tie, then input order).
    """

    rows: tuple[CriterionRow, ...]
    weights: dict[Hashable, float]
    normalised: bool
    original_weight_sum: float
    weights_all_zero: bool
    us: Standing
    competitors: tuple[Standing, ...]
    ranking: tuple[Standing, ...]
    insights: tuple[Insight, ...]


def competition_matrix(
    criteria: Sequence[Criterion], competitors: Sequence[Competitor]
) -> MatrixResult:
    """Weigh our and each competitor's strength on the buyer's criteria.

    Weights: normalised to percent summing to 100. If the entered weights already sum to
    100 (within 1e-9) they are used as is and ``normalised`` is False. If all are 0, every
    criterion gets an equal share and ``weights_all_zero`` (and ``normalised``) is True.

    Totals: ``total_10 = Σ weight_pct/100 × score`` (0–10), ``total_100 = total_10 × 10``.
    Totals are not rounded; round when displaying.

    Missing competitor scores: a criterion a competitor was not scored on is left **out of
    that competitor's total and the remaining weights are renormalised** (listed in
    ``unscored_criteria``). Counting it as 0 would make an unresearched rival look weak
    and flatter us. A competitor scored on nothing has no total and no rank. Scores for
    competitor ids not in ``competitors`` are ignored (e.g. a rival deleted meanwhile).

    Rank: 1 = best, by total descending; totals equal to 6 decimals share a rank and the
    next rank is skipped (1, 1, 3).

    Insights (the buyer should value what we are good at, and not what we are weak at),
    with ``mean = 100 / number of criteria``:

    * ``strong_but_unimportant``: our score ≥ 7, not below the best competitor's, and
      weight < mean → raise its importance.
    * ``weak_but_important``: our score below the best competitor's or below 5, and
      weight > mean → lower its importance or close the gap.

    "Best competitor" is the highest score among competitors scored on that criterion; when
    none was scored, only our own score decides. With equal weights (incl. all zero, or a
    single criterion) no weight is above or below the mean, so there are no insights.

    Edge cases: no criteria → empty rows/weights, every total and rank ``None``; no
    competitors → we alone, rank 1. ``ValueError`` if two criteria share an id.
    """
    if len({criterion.id for criterion in criteria}) != len(criteria):
        raise ValueError("criterion ids must be unique")
    known_competitors = {competitor.id for competitor in competitors}
    original_sum = float(sum(criterion.weight for criterion in criteria))
    weights_all_zero = bool(criteria) and original_sum == 0
    if not criteria:
        weights: dict[Hashable, float] = {}
    elif weights_all_zero:
        weights = {criterion.id: 100 / len(criteria) for criterion in criteria}
    elif math.isclose(original_sum, 100, rel_tol=0, abs_tol=1e-9):
        weights = {criterion.id: float(criterion.weight) for criterion in criteria}
    else:
        weights = {criterion.id: 100 * criterion.weight / original_sum for criterion in criteria}
    normalised = bool(criteria) and (
        weights_all_zero or not math.isclose(original_sum, 100, rel_tol=0, abs_tol=1e-9)
    )

    rows = []
    for criterion in criteria:
        rival_scores = [
            float(score)
            for competitor_id, score in criterion.competitor_scores.items()
            if competitor_id in known_competitors
        ]
        best = max(rival_scores) if rival_scores else None
        rows.append(
            CriterionRow(
                criterion_id=criterion.id,
                name=criterion.name,
                weight_pct=weights[criterion.id],
                our_score=float(criterion.our_score),
                best_competitor_score=best,
                gap=None if best is None else float(criterion.our_score) - best,
            )
        )

    our_total = sum(row.weight_pct / 100 * row.our_score for row in rows) if rows else None

    competitor_totals: list[tuple[Competitor, float | None, tuple[Hashable, ...]]] = []
    for competitor in competitors:
        scored = [
            (weights[criterion.id], float(criterion.competitor_scores[competitor.id]))
            for criterion in criteria
            if competitor.id in criterion.competitor_scores
        ]
        unscored = tuple(
            criterion.id
            for criterion in criteria
            if competitor.id not in criterion.competitor_scores
        )
        scored_weight = sum(weight for weight, _ in scored)
        if not scored:
            total = None
        elif scored_weight == 0:
            # Only zero-weight criteria were scored: nothing to weigh, so take the plain
            # mean rather than dividing by zero.
            total = sum(score for _, score in scored) / len(scored)
        else:
            total = sum(weight * score for weight, score in scored) / scored_weight
        competitor_totals.append((competitor, total, unscored))

    rank_of = _competition_ranks([our_total] + [total for _, total, _ in competitor_totals])

    def standing(
        index: int,
        party_id: Hashable | None,
        name: str,
        is_us: bool,
        total: float | None,
        unscored: tuple[Hashable, ...] = (),
    ) -> Standing:
        return Standing(
            party_id=party_id,
            name=name,
            is_us=is_us,
            total_10=total,
            total_100=None if total is None else total * 10,
            rank=rank_of[index],
            unscored_criteria=unscored,
        )

    us = standing(0, None, "", True, our_total)
    competitor_standings = tuple(
        standing(i + 1, competitor.id, competitor.name, False, total, unscored)
        for i, (competitor, total, unscored) in enumerate(competitor_totals)
    )
    everyone = (us, *competitor_standings)
    ranking = tuple(
        party
        for _, party in sorted(
            ((index, party) for index, party in enumerate(everyone) if party.rank is not None),
            key=lambda pair: (pair[1].rank, pair[0]),
        )
    )

    return MatrixResult(
        rows=tuple(rows),
        weights=weights,
        normalised=normalised,
        original_weight_sum=original_sum,
        weights_all_zero=weights_all_zero,
        us=us,
        competitors=competitor_standings,
        ranking=ranking,
        insights=_matrix_insights(rows),
    )


def _competition_ranks(totals: Sequence[float | None]) -> list[int | None]:
    rounded = [None if total is None else round(total, _RANK_DECIMALS) for total in totals]
    present = [total for total in rounded if total is not None]
    return [
        None if total is None else 1 + sum(other > total for other in present) for total in rounded
    ]


def _matrix_insights(rows: Sequence[CriterionRow]) -> tuple[Insight, ...]:
    if not rows:
        return ()
    mean_weight = 100 / len(rows)
    insights = []
    for row in rows:
        # Compare weights with a tolerance: equal weights after normalisation (e.g. 3 × 33.3…)
        # must not look above or below their own mean.
        below_mean = row.weight_pct < mean_weight - 1e-9
        above_mean = row.weight_pct > mean_weight + 1e-9
        best = row.best_competitor_score
        strong = row.our_score >= STRONG_SCORE and (best is None or row.our_score >= best)
        weak = row.our_score < WEAK_SCORE or (best is not None and row.our_score < best)
        kind = None
        if strong and below_mean:
            kind = InsightKind.STRONG_BUT_UNIMPORTANT
        elif weak and above_mean:
            kind = InsightKind.WEAK_BUT_IMPORTANT
        if kind is not None:
            insights.append(
                Insight(
                    kind=kind,
                    criterion_id=row.criterion_id,
                    criterion_name=row.name,
                    weight_pct=row.weight_pct,
                    our_score=row.our_score,
                    best_competitor_score=best,
                    advice=INSIGHT_ADVICE[kind],
                )
            )
    return tuple(insights)


# --------------------------------------------------------------------------------------
# Input validation for scores and weights typed into the matrix
# --------------------------------------------------------------------------------------


class NumberErrorCode(StrEnum):
    REQUIRED = "required"
    NOT_A_NUMBER = "not_a_number"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"


@dataclass(frozen=True)
class NumberError:
    code: NumberErrorCode
    message: LocalizedText


@dataclass(frozen=True)
class NumberCheck:
    """Result of parsing a typed number: ``value`` when valid, else ``error``."""

    value: float | None
    error: NumberError | None

    @property
    def ok(self) -> bool:
        return self.error is None


# Plain decimal notation only: "7", "7.5", ".5", "-1". Rejects "1e3", "nan", "inf", "1_0"
# and thousands separators, which Python's float() would accept but a user never means.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _format_bound(bound: float) -> str:
    return f"{bound:g}"


def validate_score(
    value: str | None, low: float = SCORE_MIN, high: float = SCORE_MAX
) -> NumberCheck:
    """Parse a number typed by a user and check ``low ≤ value ≤ high`` (bounds inclusive).

    Accepts surrounding spaces and full-width digits/point from Chinese input methods
    ("７．５"). Error codes: ``required`` (empty or ``None``), ``not_a_number``,
    ``below_minimum``, ``above_maximum``; each with an en/zh_CN message naming the range.
    """
    range_text = {
        "en": f"Enter a number from {_format_bound(low)} to {_format_bound(high)}.",
        "zh_CN": f"请输入{_format_bound(low)}到{_format_bound(high)}之间的数字。",
    }

    def fail(code: NumberErrorCode, en_prefix: str, zh_prefix: str) -> NumberCheck:
        message = {
            "en": f"{en_prefix} {range_text['en']}",
            "zh_CN": f"{zh_prefix}{range_text['zh_CN']}",
        }
        return NumberCheck(None, NumberError(code, message))

    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return fail(NumberErrorCode.REQUIRED, "This field is required.", "此项必填，")
    if not _PLAIN_NUMBER.fullmatch(text):
        return fail(NumberErrorCode.NOT_A_NUMBER, "Not a number.", "不是有效数字，")
    number = float(text)
    if number < low:
        return fail(NumberErrorCode.BELOW_MINIMUM, "Too low.", "数值过小，")
    if number > high:
        return fail(NumberErrorCode.ABOVE_MAXIMUM, "Too high.", "数值过大，")
    return NumberCheck(number, None)


def validate_weight(value: str | None) -> NumberCheck:
    """Validate a criterion weight: 0–100 inclusive (weights are normalised afterwards, so
    they need not sum to 100; above 100 is treated as a typing mistake)."""
    return validate_score(value, WEIGHT_MIN, WEIGHT_MAX)


# --------------------------------------------------------------------------------------
# Account grade and customer value
# --------------------------------------------------------------------------------------


def suggest_account_grade(
    expected_close_date: date | None, likelihood_pct: float, today: date
) -> AccountGrade:
    """Suggest an account grade from expected close time and likelihood (percent 0–100).

    With ``days = expected_close_date − today``, first rule that matches wins:

    * **A** (go all in): days ≤ 90 and likelihood ≥ 70
    * **B** (controlled time): days ≤ 180 and likelihood ≥ 50
    * **C** (watch): days ≤ 365, or likelihood ≥ 30
    * **D** (last): otherwise

    Bounds are inclusive. A close date already past counts as 0 days: the buyer is still
    deciding now, and the stale date is the rep's to fix, not a reason to demote the deal.
    Without a close date timing is unknown, so only the likelihood part of C applies
    (C if likelihood ≥ 30, else D). ``ValueError`` if likelihood is outside 0–100.
    """
    if not (math.isfinite(likelihood_pct) and 0 <= likelihood_pct <= 100):
        raise ValueError(f"likelihood_pct must be 0–100, got {likelihood_pct!r}")
    if expected_close_date is None:
        return AccountGrade.C if likelihood_pct >= 30 else AccountGrade.D
    days = max(0, (expected_close_date - today).days)
    if days <= 90 and likelihood_pct >= 70:
        return AccountGrade.A
    if days <= 180 and likelihood_pct >= 50:
        return AccountGrade.B
    if days <= 365 or likelihood_pct >= 30:
        return AccountGrade.C
    return AccountGrade.D


class CustomerValueLabel(StrEnum):
    CORE = "core"
    IMPORTANT = "important"
    STANDARD = "standard"
    LOW = "low"


CUSTOMER_VALUE_LABELS: dict[str, LocalizedText] = {
    CustomerValueLabel.CORE: {"en": "Core account", "zh_CN": "核心客户"},
    CustomerValueLabel.IMPORTANT: {"en": "Important account", "zh_CN": "重要客户"},
    CustomerValueLabel.STANDARD: {"en": "Standard account", "zh_CN": "一般客户"},
    CustomerValueLabel.LOW: {"en": "Low-value account", "zh_CN": "低价值客户"},
}

# Lower bound of each label on the 0–10 overall score, checked from the top.
_VALUE_LABEL_FLOORS = (
    (8.0, CustomerValueLabel.CORE),
    (6.0, CustomerValueLabel.IMPORTANT),
    (4.0, CustomerValueLabel.STANDARD),
    (0.0, CustomerValueLabel.LOW),
)


@dataclass(frozen=True)
class CustomerValue:
    """``overall`` is 0–10 rounded to 1 decimal; ``dimensions`` holds the four inputs;
    ``weakest`` is the lowest-scoring dimension (first in input order on a tie)."""

    overall: float
    label: CustomerValueLabel
    label_text: LocalizedText
    dimensions: dict[str, float]
    weakest: str


def customer_value_scores(
    current: float, potential: float, relationship: float, strategic: float
) -> CustomerValue:
    """Combine the four customer-value dimensions (article 004), each scored 0–10.

    * current: annual spend, margin, payment terms today
    * potential: growth, cross-sell, budget trend
    * relationship: stability, complementarity, information value
    * strategic: industry influence, technology synergy, channel

    ``overall`` is the plain mean (0–10, rounded half up to 1 decimal): the four views are
    meant to balance each other, and a weighting would be a sales-policy choice that
    belongs in admin data, not here. Label by overall: ≥ 8 core, ≥ 6 important, ≥ 4
    standard, below 4 low. ``ValueError`` if any input is outside 0–10.
    """
    dimensions = {
        "current": float(current),
        "potential": float(potential),
        "relationship": float(relationship),
        "strategic": float(strategic),
    }
    for name, score in dimensions.items():
        if not (math.isfinite(score) and 0 <= score <= 10):
            raise ValueError(f"{name} must be 0–10, got {score!r}")
    overall = _round_half_up(sum(dimensions.values()) / len(dimensions), decimals=1)
    label = next(label for floor, label in _VALUE_LABEL_FLOORS if overall >= floor)
    return CustomerValue(
        overall=overall,
        label=label,
        label_text=CUSTOMER_VALUE_LABELS[label],
        dimensions=dimensions,
        weakest=min(dimensions, key=dimensions.__getitem__),
    )


def _round_half_up(value: float, decimals: int = 0) -> float:
    """Round a non-negative value half up (Python's round() rounds halves to even, which
    would show 62.5 % as 62 but 63.5 % as 64)."""
    factor = 10**decimals
    # The small epsilon absorbs float noise such as 0.15 * 10 == 1.4999999999999998.
    return math.floor(value * factor + 0.5 + 1e-9) / factor


def _whole_percent(value: float) -> int:
    """A 0–100 score rounded half up to a whole number."""
    return int(_round_half_up(value))
