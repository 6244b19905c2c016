"""Pipeline rules: column totals of the stage board, stage moves, and an account's grade.

Pure functions over plain values; no Flask, no database. Money is ``Decimal`` and is
summed per currency, never converted (exchange rates are not ours to guess).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from proposals.stages import AccountGrade
from proposals.workspace import Activity, suggest_account_grade, undone_activities_for_stage


@dataclass
class ColumnTotal:
    """Count of cards in one board column and the sum of their amounts per currency.

    ``sums`` is ordered by currency code so the page shows them in a stable order.
    """

    count: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)


def column_totals(
    cards: Iterable[tuple[Hashable, str, Decimal]], columns: Sequence[Hashable] = ()
) -> dict[Hashable, ColumnTotal]:
    """Total each column from ``(column key, currency, amount)`` triples.

    Every key in ``columns`` is present even when empty (count 0, no sums), so a board
    shows "0" under an empty stage. Amounts are added exactly (Decimal); a ``None`` amount
    counts as a card but adds nothing. Currencies are never mixed or converted.
    """
    totals: dict[Hashable, ColumnTotal] = {key: ColumnTotal() for key in columns}
    for key, currency, amount in cards:
        total = totals.setdefault(key, ColumnTotal())
        total.count += 1
        if amount is not None:
            total.sums[currency] = total.sums.get(currency, Decimal(0)) + Decimal(amount)
    for total in totals.values():
        total.sums = dict(sorted(total.sums.items()))
    return totals


def grouped_column_totals(
    groups: Iterable[tuple[Hashable, str, int, Decimal | None]], columns: Sequence[Hashable] = ()
) -> dict[Hashable, ColumnTotal]:
    """Total each column from ``(column key, currency, card count, sum of amounts)`` groups,
    as a database's GROUP BY column, currency gives them: the same totals as
    ``column_totals`` over the cards of those groups, without loading the cards.

    A group whose sum is ``None`` (no card with an amount) counts its cards but adds no sum.
    """
    totals: dict[Hashable, ColumnTotal] = {key: ColumnTotal() for key in columns}
    for key, currency, count, amount in groups:
        total = totals.setdefault(key, ColumnTotal())
        total.count += count
        if amount is not None:
            total.sums[currency] = total.sums.get(currency, Decimal(0)) + Decimal(amount)
    for total in totals.values():
        total.sums = dict(sorted(total.sums.items()))
    return totals


class MoveDirection(StrEnum):
    FORWARD = "forward"
    BACK = "back"


@dataclass(frozen=True)
class StageMovePlan:
    """What moving from ``from_index`` to ``to_index`` means.

    ``undone`` lists the open activities of the stage being left forward; when it is not
    empty the move needs the rep's explicit confirmation, which is then recorded.
    """

    direction: MoveDirection
    to_index: int
    undone: tuple[Activity, ...]

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.undone)


def plan_stage_move(
    activities: Iterable[Activity],
    from_index: int,
    direction: MoveDirection | str,
    stage_count: int,
) -> StageMovePlan:
    """Plan a one-step move of an opportunity along its stage model (positions 0-based).

    Moves are one stage at a time, as the buttons on the board offer. Only a **forward**
    move asks about open work: leaving a stage forward means claiming its milestone was
    reached, while a step back reopens earlier work rather than abandoning it.
    ``ValueError`` when the move would leave the model (back from the first stage,
    forward from the last) or ``from_index`` is not in the model.
    """
    direction = MoveDirection(direction)
    if not 0 <= from_index < stage_count:
        raise ValueError(f"stage index {from_index} outside a model of {stage_count} stages")
    to_index = from_index + (1 if direction == MoveDirection.FORWARD else -1)
    if not 0 <= to_index < stage_count:
        raise ValueError(f"cannot move {direction} from stage {from_index} of {stage_count}")
    undone: tuple[Activity, ...] = ()
    if direction == MoveDirection.FORWARD:
        undone = tuple(undone_activities_for_stage(activities, from_index))
    return StageMovePlan(direction=direction, to_index=to_index, undone=undone)


_GRADE_ORDER = (AccountGrade.A, AccountGrade.B, AccountGrade.C, AccountGrade.D)


@dataclass(frozen=True)
class OpportunityOutlook:
    """An open opportunity as the account grade sees it: expected close date and
    likelihood (percent 0–100, ``None`` when the rep has not estimated it)."""

    id: Hashable
    close_date: date | None
    likelihood_pct: float | None


@dataclass(frozen=True)
class AccountGradeSuggestion:
    """``grade`` is ``None`` when no opportunity has a likelihood yet; ``per_opportunity``
    maps each estimated opportunity to its own grade; ``driver`` is the id of the one
    that set the account grade (the best); ``unestimated`` lists the others."""

    grade: AccountGrade | None
    per_opportunity: dict[Hashable, AccountGrade]
    driver: Hashable | None
    unestimated: tuple[Hashable, ...]


def suggest_grade_for_account(
    outlooks: Sequence[OpportunityOutlook], today: date
) -> AccountGradeSuggestion:
    """Grade an account by its best open opportunity (see ``suggest_account_grade``).

    The best one decides because an account with one deal closing soon deserves the full
    team now, however many slow deals it also has. Opportunities without a likelihood are
    left out (guessing one would invent a grade); with none estimated the grade is ``None``.
    Ties keep input order.
    """
    per_opportunity: dict[Hashable, AccountGrade] = {}
    unestimated = []
    for outlook in outlooks:
        if outlook.likelihood_pct is None:
            unestimated.append(outlook.id)
        else:
            per_opportunity[outlook.id] = suggest_account_grade(
                outlook.close_date, outlook.likelihood_pct, today
            )
    if not per_opportunity:
        return AccountGradeSuggestion(None, {}, None, tuple(unestimated))
    driver = min(per_opportunity, key=lambda key: _GRADE_ORDER.index(per_opportunity[key]))
    return AccountGradeSuggestion(
        per_opportunity[driver], per_opportunity, driver, tuple(unestimated)
    )
