"""The negotiation sheet: versions, goals, zone, concession plan checks, rounds, print view."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.extensions import db
from tests.conftest import login

HX = {"HX-Request": "true"}


def switch(client, username):
    client.post("/logout")
    login(client, username)


SHEET = {
    "sheet-situation": "win_win",
    "sheet-intended_outcome": "Sign at 1.1M with a reference",
    "sheet-our_batna": "Another project",
    "sheet-our_batna_value": "800000",
    "sheet-our_batna_currency": "CNY",
    "sheet-buyer_batna": "Rival at 1.05M",
    "sheet-buyer_max": "1150000",
    "sheet-buyer_currency": "CNY",
    "sheet-currency": "CNY",
    "sheet-contract_list": "1300000",
    "sheet-solution_net": "1000000",
    "sheet-services_net": "100000",
    "sheet-maintenance_net_per_year": "50000",
    "sheet-maintenance_years": "2",
    "sheet-contract_cost": "700000",
    "sheet-annual_maintenance_cost": "20000",
    "sheet-training_day_cost": "5000",
    "sheet-cost_of_capital_pct": "6",
    "sheet-checklist": ["price_value_first", "power_champion"],
}


def _save(client, opportunity, version=0, **changes):
    data = {**SHEET, "sheet-version": str(version), **changes}
    return client.post(f"/opportunities/{opportunity}/negotiation", data=data, headers=HX)


def _goal(
    client,
    opportunity,
    term="price",
    best="1200000",
    expected="1100000",
    walk="1000000",
    core="core",
):
    return client.post(
        f"/opportunities/{opportunity}/negotiation/goals",
        headers=HX,
        data={
            "goal-term": term,
            "goal-best": best,
            "goal-expected": expected,
            "goal-walk_away": walk,
            "goal-core": core,
            "goal-direction": "auto",
            "goal-label": "",
            "goal-unit": "",
        },
    )


def _concession(
    client, opportunity, position, kind="discount_pct", part="solution", amount="5", condition=""
):
    return client.post(
        f"/opportunities/{opportunity}/negotiation/concessions",
        headers=HX,
        data={
            "concession-position": str(position),
            "concession-kind": kind,
            "concession-part": part,
            "concession-amount": amount,
            "concession-value_to_buyer": "Lower price",
            "concession-condition": condition,
        },
    )


def _round(client, opportunity, number, ask, offer):
    return client.post(
        f"/opportunities/{opportunity}/negotiation/rounds",
        headers=HX,
        data={
            "round-number": str(number),
            "round-their_ask": ask,
            "round-our_offer": offer,
            "round-given": "",
            "round-received": "",
            "round-notes": "",
        },
    )


@pytest.fixture
def rep(as_user):
    return as_user("rep")


def test_empty_sheet_page_invites_the_rep_to_start(rep, opportunity):
    page = rep.get(f"/opportunities/{opportunity}/negotiation").get_data(as_text=True)
    assert "No sheet yet for this opportunity" in page


def test_each_save_keeps_a_version(app, rep, opportunity):
    assert _save(rep, opportunity).status_code == 200
    assert (
        _save(
            rep, opportunity, version=1, **{"sheet-intended_outcome": "Sign at 1.15M"}
        ).status_code
        == 200
    )
    _goal(rep, opportunity)
    from portal.negotiation.models import NegotiationSheet, SheetVersion

    with app.app_context():
        sheet = db.session.query(NegotiationSheet).one()
        assert sheet.checklist == ["price_value_first", "power_champion"]
        changes = [v.change for v in db.session.query(SheetVersion).order_by(SheetVersion.number)]
        assert changes == ["sheet", "sheet", "goal_added"]
        first_sheet_save = db.session.query(SheetVersion).filter_by(number=1).one()
        assert first_sheet_save.data["intended_outcome"] == "Sign at 1.1M with a reference"
        version_id = first_sheet_save.id
    history = rep.get(f"/opportunities/{opportunity}/negotiation/history").get_data(as_text=True)
    assert "v3" in history and "intended_outcome" in history
    old = rep.get(f"/opportunities/{opportunity}/negotiation/history/{version_id}").get_data(
        as_text=True
    )
    assert "Sign at 1.1M with a reference" in old


def test_stale_sheet_save_is_a_conflict_with_input_kept(rep, opportunity):
    _save(rep, opportunity)
    _save(rep, opportunity, version=1, **{"sheet-intended_outcome": "Theirs"})
    response = _save(rep, opportunity, version=1, **{"sheet-intended_outcome": "Mine"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "You changed this in another window" in page and "Mine" in page


def test_bad_sheet_input_is_refused_at_the_field(rep, opportunity):
    response = _save(
        rep, opportunity, **{"sheet-maintenance_years": "40", "sheet-solution_net": "lots"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a whole number of years, 0 to 10." in page
    assert "Sign at 1.1M with a reference" in page  # the rest of the input is kept


def test_walk_away_better_than_best_is_refused_and_input_kept(app, rep, opportunity):
    response = _goal(rep, opportunity, best="1000000", expected="1100000", walk="1200000")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The walk-away point cannot be better than the best outcome." in page
    assert 'value="1200000' in page
    from portal.negotiation.models import NegotiationGoal

    with app.app_context():
        assert db.session.query(NegotiationGoal).count() == 0
    # Payment terms: fewer days is better, so a longer walk-away is right.
    assert (
        _goal(
            rep, opportunity, term="payment_terms", best="30", expected="45", walk="60"
        ).status_code
        == 200
    )
    dup = _goal(rep, opportunity, term="payment_terms", best="30", expected="45", walk="60")
    assert "already a goal for this term" in dup.get_data(as_text=True)


def test_zone_is_drawn_or_explained(rep, opportunity):
    _save(rep, opportunity)
    page = _goal(rep, opportunity).get_data(as_text=True)
    assert "Zone of possible agreement: CNY 1,000,000.00 to 1,150,000.00" in page
    assert 'class="zopa-band"' in page
    page = _save(rep, opportunity, version=1, **{"sheet-buyer_max": "900000"}).get_data(
        as_text=True
    )
    assert "There is no zone of possible agreement" in page and 'class="gap-band"' in page
    page = _save(rep, opportunity, version=2, **{"sheet-buyer_currency": "USD"}).get_data(
        as_text=True
    )
    assert "our walk-away is in CNY but the buyer" in page and "maximum is in USD" in page
    assert "zopa-band" not in page
    page = _save(rep, opportunity, version=3, **{"sheet-our_batna_currency": "EUR"}).get_data(
        as_text=True
    )
    assert "In EUR, not the deal currency CNY" in page


def test_concession_plan_costs_warnings_and_approval(rep, opportunity):
    _save(rep, opportunity)
    _goal(rep, opportunity)
    page = _concession(rep, opportunity, 1, amount="5", condition="Three-year term").get_data(
        as_text=True
    )
    assert "50,000.00" in page  # 5 % of the solution's 1,000,000 net
    assert "gives something for nothing" not in page
    page = _concession(rep, opportunity, 2, amount="8").get_data(as_text=True)
    assert "Step 2 gives something for nothing" in page
    assert "Step 2 costs more than the step before it" in page
    assert "“Price” is a core term, but the plan trades it." in page
    # 1.3M list, 1.2M net - 130k of discounts = 1.07M: 17.7 % off list, beyond a rep's 15 %.
    assert "The plan needs approval by: Leader." in page
    wrong = _concession(
        rep, opportunity, 3, kind="extra_training_days", part="solution", amount="3"
    )
    assert wrong.status_code == 422
    assert "Training days go with implementation" in wrong.get_data(as_text=True)
    big = _concession(rep, opportunity, 3, amount="150")
    assert big.status_code == 422


def test_rounds_show_the_position_after_each(rep, opportunity):
    _save(rep, opportunity)
    _goal(rep, opportunity)
    _round(rep, opportunity, 1, "900000", "1200000")
    page = _round(rep, opportunity, 2, "950000", "1050000").get_data(as_text=True)
    assert "At or above expected" in page and "Between expected and walk-away" in page
    assert 'class="rounds-svg"' in page
    again = _round(rep, opportunity, 2, "950000", "1050000")
    assert again.status_code == 409 and "Round 2 is already logged." in again.get_data(as_text=True)


def test_print_view_is_one_page_with_a_print_stylesheet(app, rep, opportunity):
    _save(rep, opportunity)
    _goal(rep, opportunity)
    response = rep.get(f"/opportunities/{opportunity}/negotiation/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "css/negotiation.css" in page and "print-page" in page
    css = app.static_folder + "/css/negotiation.css"
    assert "@media print" in Path(css).read_text(encoding="utf-8")


def test_presales_and_leaders_read_but_do_not_edit(client, users, opportunity):
    login(client, "rep")
    _save(client, opportunity)
    for who in ("presales", "leader"):
        switch(client, who)
        page = client.get(f"/opportunities/{opportunity}/negotiation").get_data(as_text=True)
        assert "Sign at 1.1M with a reference" in page
        assert "Save sheet" not in page
        assert _save(client, opportunity, version=2).status_code == 403
    switch(client, "rep2")
    assert client.get(f"/opportunities/{opportunity}/negotiation").status_code == 404


def test_removing_a_part_keeps_a_version(app, rep, opportunity):
    _save(rep, opportunity)
    _concession(rep, opportunity, 1, condition="x")
    from portal.negotiation.models import PlannedConcession, SheetVersion

    with app.app_context():
        cid = db.session.query(PlannedConcession).one().id
    assert (
        rep.post(
            f"/opportunities/{opportunity}/negotiation/concessions/{cid}/delete", headers=HX
        ).status_code
        == 200
    )
    with app.app_context():
        latest = db.session.query(SheetVersion).order_by(SheetVersion.number.desc()).first()
        assert latest.change == "concession_removed" and latest.data["concessions"] == []
