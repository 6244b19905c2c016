"""Sheet-level negotiation helpers: figures typed on the sheet, approval at a price,
positions round by round, the technique checklist, and the chart geometry."""

from __future__ import annotations

from decimal import Decimal as D

from portal.negotiation import charts
from proposals.negotiation import (
    TECHNIQUE_CHECKLIST,
    Goal,
    NegotiationRound,
    PositionBand,
    TechniqueArea,
    Term,
    approval_at_price,
    positions_by_round,
    totals_from_figures,
)


def _totals(contract_list=None):
    return totals_from_figures(
        solution_net=D("900000"),
        services_net=D("100000"),
        maintenance_net_per_year=D("50000"),
        maintenance_years=2,
        contract_cost=D("600000"),
        annual_maintenance_cost=D("20000"),
        contract_list=contract_list,
    )


def test_totals_from_figures_add_up_like_a_quote():
    totals = _totals()
    assert totals.contract_value == D("1100000")
    assert totals.first_year_price == D("1050000")
    assert totals.part_net_over_term("maintenance") == D("100000")
    assert totals.maintenance_per_year.cost_amount == D("20000")
    assert totals.discount_pct == 0  # no list given: list = net
    assert totals.margin_pct.quantize(D("0.01")) == D("45.45")


def test_totals_with_a_list_price_show_the_discount():
    assert _totals(D("1250000")).discount_pct == D("12")


def test_approval_at_walk_away_price():
    totals = _totals(D("1250000"))
    assert approval_at_price(totals, D("1100000")).required_role is None  # 12 % off, margin 45 %
    leader = approval_at_price(totals, D("1000000"))  # 20 % off list
    assert leader.required_role == "leader"
    admin = approval_at_price(totals, D("690000"))  # margin 13 % < 15 %
    assert admin.required_role == "admin"


def test_positions_by_round_track_each_round_in_number_order():
    goal = Goal(Term.PRICE, D("100"), D("90"), D("80"), core=True, higher_is_better=True)
    rounds = [NegotiationRound(2, D("70"), D("85")), NegotiationRound(1, D("60"), D("100"))]
    tracks = positions_by_round(goal, rounds)
    assert [t.round.number for t in tracks] == [1, 2]
    assert tracks[0].position.band is PositionBand.ABOVE_EXPECTED
    assert tracks[1].position.band is PositionBand.BETWEEN_EXPECTED_AND_WALK_AWAY
    assert tracks[1].position.conceded_pct == D("75")
    assert positions_by_round(goal, []) == []


def test_checklist_covers_four_areas_in_both_languages():
    assert {item.area for item in TECHNIQUE_CHECKLIST} == set(TechniqueArea)
    keys = [item.key for item in TECHNIQUE_CHECKLIST]
    assert len(keys) == len(set(keys))
    for item in TECHNIQUE_CHECKLIST:
        assert item.label_en and item.label_zh and item.label_en != item.label_zh


def test_zone_chart_draws_the_overlap_between_walk_away_and_buyer_max():
    chart = charts.zone_chart(D("100"), D("120"), best=D("130"), expected=D("115"))
    assert chart.zone is not None and chart.gap is None
    low, high = chart.zone
    assert charts.ZONE_LEFT < low < high < charts.ZONE_RIGHT
    assert [m.key for m in chart.markers] == ["walk_away", "expected", "buyer_max", "best"]


def test_zone_chart_draws_the_gap_when_there_is_no_zone():
    chart = charts.zone_chart(D("100"), D("90"))
    assert chart.zone is None
    assert chart.gap[0] < chart.gap[1]


def test_rounds_chart_puts_higher_prices_higher():
    chart = charts.rounds_chart(
        D("100"), D("90"), D("80"), [(1, D("100"), D("70")), (2, D("95"), None)]
    )
    levels = {level.key: level.y for level in chart.levels}
    assert levels["best"] < levels["expected"] < levels["walk_away"]  # SVG y grows downwards
    assert chart.points[0].x < chart.points[1].x
    assert chart.points[1].ask_y is None
    assert chart.ask_path.count(",") == 1
