"""The bid desk's domain rules: deadline order, price position."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from proposals.biddesk import days_left, deadline_order, price_position
from proposals.bidvalue import candidate_grid, strategy_report
from proposals.scoring import (
    CompetitorEstimate,
    Scenario,
    ScoringRules,
    Triangular,
)


def test_nearest_deadline_first_undated_last():
    rows = [(None, "b"), (date(2026, 3, 1), "z"), (date(2026, 2, 1), "y"), (None, "A")]
    assert sorted(rows, key=lambda r: deadline_order(*r)) == [
        (date(2026, 2, 1), "y"),
        (date(2026, 3, 1), "z"),
        (None, "A"),
        (None, "b"),
    ]
    assert days_left(date(2026, 1, 10), date(2026, 1, 1)) == 9
    assert days_left(date(2026, 1, 1), date(2026, 1, 3)) == -2
    assert days_left(None, date(2026, 1, 1)) is None


def _scenario() -> Scenario:
    return Scenario(
        rules=ScoringRules(price_weight=30, tech_max=70, ceiling=1_000_000),
        our_tech=Triangular(55, 60, 64),
        our_cost=750_000,
        competitors=(
            CompetitorEstimate("A", Triangular(800_000, 860_000, 900_000), Triangular(53, 58, 62)),
            CompetitorEstimate("B", Triangular(780_000, 840_000, 880_000), Triangular(50, 55, 59)),
        ),
    )


def test_price_position_matches_the_strategy_report_at_the_same_price():
    scenario = _scenario()
    grid = candidate_grid(Decimal(700_000), Decimal(1_000_000), 20)
    report = strategy_report(scenario, grid, 850_000.0, 2000, seed=3)
    position = price_position(scenario, Decimal(850_000), seed=3)
    assert np.isclose(position.p_win, report.p_win_chosen)
    assert np.isclose(position.expected_rank, report.expected_rank_chosen)
    assert position.rank == report.our_row.rank
    assert position.bidders == 3
    assert 0 <= position.p_win <= 1


def test_deadline_windows_of_the_desk_filter():
    from proposals.biddesk import deadline_bounds

    today = date(2026, 11, 30)
    assert deadline_bounds("overdue", today) == (None, date(2026, 11, 29))
    assert deadline_bounds("7", today) == (today, date(2026, 12, 7))
    assert deadline_bounds("90", today) == (today, date(2027, 2, 28))
    assert deadline_bounds("undated", today) == (None, None)
    with pytest.raises(ValueError):
        deadline_bounds("forever", today)
