from datetime import date, timedelta
from decimal import Decimal

import pytest

from proposals.pipeline import (
    MoveDirection,
    OpportunityOutlook,
    column_totals,
    grouped_column_totals,
    plan_stage_move,
    suggest_grade_for_account,
)
from proposals.stages import AccountGrade, ActivityStatus, NsabcElement
from proposals.workspace import Activity

TODAY = date(2026, 11, 23)


def test_column_totals_count_and_sum_per_currency_exactly():
    totals = column_totals(
        [
            (1, "CNY", Decimal("0.10")),
            (1, "CNY", Decimal("0.20")),
            (1, "EUR", Decimal("5")),
            (2, "USD", None),
        ],
        columns=[0, 1, 2],
    )
    assert totals[0].count == 0 and totals[0].sums == {}
    assert totals[1].count == 3
    assert totals[1].sums == {"CNY": Decimal("0.30"), "EUR": Decimal("5")}
    assert list(totals[1].sums) == ["CNY", "EUR"]
    assert totals[2].count == 1 and totals[2].sums == {}


def test_column_totals_of_nothing_is_empty():
    assert column_totals([]) == {}


def test_grouped_column_totals_equal_the_totals_over_the_cards():
    cards = [
        (1, "CNY", Decimal("0.10")),
        (1, "CNY", Decimal("0.20")),
        (1, "EUR", Decimal("5")),
        (2, "USD", None),
        (3, "USD", Decimal("1.01")),
        (3, "USD", None),
    ]
    groups = {}
    for key, currency, amount in cards:
        count, total = groups.get((key, currency), (0, None))
        if amount is not None:
            total = (total or Decimal(0)) + amount
        groups[(key, currency)] = (count + 1, total)
    grouped = grouped_column_totals(
        [(key, currency, count, total) for (key, currency), (count, total) in groups.items()],
        columns=[0, 1, 2, 3],
    )
    assert grouped == column_totals(cards, columns=[0, 1, 2, 3])
    assert grouped[0].count == 0 and grouped[0].sums == {}
    assert grouped[2].count == 1 and grouped[2].sums == {}
    assert grouped[3].count == 2 and grouped[3].sums == {"USD": Decimal("1.01")}


def _activity(stage, status, element=NsabcElement.NEEDS, id_=None):
    return Activity(stage_index=stage, element=element, status=ActivityStatus(status), id=id_)


def test_forward_move_lists_open_work_of_the_stage_left():
    activities = [
        _activity(1, "done", id_=1),
        _activity(1, "in_progress", id_=2),
        _activity(1, "not_applicable", id_=3),
        _activity(0, "not_started", id_=4),
        _activity(2, "not_started", id_=5),
    ]
    plan = plan_stage_move(activities, 1, "forward", 5)
    assert plan.to_index == 2
    assert [a.id for a in plan.undone] == [2]
    assert plan.needs_confirmation


def test_backward_move_never_asks():
    plan = plan_stage_move([_activity(1, "not_started")], 1, MoveDirection.BACK, 5)
    assert plan.to_index == 0 and not plan.needs_confirmation


def test_forward_move_with_everything_done_needs_no_confirmation():
    assert not plan_stage_move([_activity(0, "done")], 0, "forward", 5).needs_confirmation


@pytest.mark.parametrize(
    ("index", "direction"), [(0, "back"), (4, "forward"), (5, "back"), (-1, "forward")]
)
def test_moves_outside_the_model_are_refused(index, direction):
    with pytest.raises(ValueError):
        plan_stage_move([], index, direction, 5)


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError):
        plan_stage_move([], 1, "sideways", 5)


def test_account_grade_follows_its_best_open_opportunity():
    outlooks = [
        OpportunityOutlook("slow", TODAY + timedelta(days=300), 40),
        OpportunityOutlook("hot", TODAY + timedelta(days=30), 80),
        OpportunityOutlook("unknown", TODAY, None),
    ]
    suggestion = suggest_grade_for_account(outlooks, TODAY)
    assert suggestion.grade == AccountGrade.A
    assert suggestion.driver == "hot"
    assert suggestion.per_opportunity == {"slow": AccountGrade.C, "hot": AccountGrade.A}
    assert suggestion.unestimated == ("unknown",)


def test_account_without_estimates_gets_no_grade():
    suggestion = suggest_grade_for_account([OpportunityOutlook(1, None, None)], TODAY)
    assert suggestion.grade is None and suggestion.driver is None
    assert suggest_grade_for_account([], TODAY).grade is None
