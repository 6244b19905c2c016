"""Recording the outcome of a bid: the result closes the deal, the official scenario's
prediction is kept with it, pasted award notices fill the bidders table, rivals build a
history across opportunities."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db

CN_NOTICE = """某市调度中心网络改造项目中标候选人公示
排名\t投标人名称\t投标报价（万元）\t技术分\t价格分\t综合得分
1\t联创网络 Lianchuang Networks\t１１２０．００\t６１．００\t３０．００\t９１．００
2\t我方科技有限公司\t1140.00\t63.00\t27.50\t90.50
3\t海川信息股份有限公司\t1210.00\t65.00\t24.00\t89.00
"""


def _official(app, opportunity_id, price="11400000"):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity_id, name="As published", official=True)
        scenario.chosen_price = Decimal(price)
        db.session.commit()
        return scenario.id


def _form(**over):
    data = {
        "version": "0",
        "result": "lost",
        "reason_code": "price",
        "reason_text": "Lianchuang undercut us by 2 %",
        "closed_on": "2026-11-20",
        "our_price": "11400000",
        "control_price": "12800000",
        "budget": "",
        "notice": "",
        "rows": "2",
        "winner": "0",
        "b0-name": "联创网络 Lianchuang Networks",
        "b0-competitor_id": "",
        "b0-price": "11200000",
        "b0-rank": "1",
        "b1-name": "Our company",
        "b1-is_us": "y",
        "b1-price": "11400000",
        "b1-rank": "2",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _outcome(app, opportunity_id):
    from portal.outcomes.models import BidOutcome

    with app.app_context():
        outcome = db.session.scalars(
            select(BidOutcome).where(BidOutcome.opportunity_id == opportunity_id)
        ).first()
        if outcome is not None:
            outcome.bidders  # noqa: B018 (load them before the session closes)
            db.session.expunge_all()
        return outcome


def test_recording_a_loss_closes_the_deal_and_keeps_the_official_prediction(
    app, as_user, opportunity
):
    from portal.deals.models import Opportunity
    from portal.workspace.models import Competitor, MatrixCompetitor

    _official(app, opportunity)
    client = as_user("rep")
    response = client.post(f"/opportunities/{opportunity}/outcome", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    outcome = _outcome(app, opportunity)
    assert outcome.result == "lost" and outcome.scoring_method == "lowest"
    assert outcome.price_weight == Decimal("30.00")
    # P(win) at the submitted price, as the official scenario computes it (a fraction).
    assert outcome.predicted_p_win is not None and 0 <= outcome.predicted_p_win <= 1
    rival = next(b for b in outcome.bidders if not b.is_us)
    assert rival.predicted_p10 is not None and rival.predicted_p10 < rival.predicted_p90
    with app.app_context():
        deal = db.session.get(Opportunity, opportunity)
        assert deal.status == "lost" and deal.close_date.isoformat() == "2026-11-20"
        assert deal.status_reason == "Lianchuang undercut us by 2 %"
        winner = db.session.get(Competitor, outcome.winner_competitor_id)
        assert winner.name == "联创网络 Lianchuang Networks"
        assert db.session.scalars(
            select(MatrixCompetitor).where(
                MatrixCompetitor.opportunity_id == opportunity,
                MatrixCompetitor.competitor_id == winner.id,
            )
        ).first()
    page = client.get(f"/opportunities/{opportunity}/outcome").get_data(as_text=True)
    assert "Lianchuang undercut us by 2 %" in page and "11,200,000.00" in page
    assert "Recorded by Rita Rep on" in page


def test_a_won_tender_has_no_rival_winner_and_the_deal_is_won(app, as_user, opportunity):
    from portal.deals.models import Opportunity

    client = as_user("leader")
    response = client.post(
        f"/opportunities/{opportunity}/outcome",
        data=_form(result="won", reason_code="technical_score", winner="1"),
    )
    assert response.status_code == 302
    outcome = _outcome(app, opportunity)
    assert outcome.winner_competitor_id is None and outcome.predicted_p_win is None
    with app.app_context():
        assert db.session.get(Opportunity, opportunity).status == "won"


def test_no_decision_closes_the_deal_as_abandoned_and_keeps_the_difference(
    app, as_user, opportunity
):
    from portal.deals.models import Opportunity

    client = as_user("rep")
    data = _form(result="no_decision", reason_code="budget_cut", reason_text="", rows="0")
    response = client.post(f"/opportunities/{opportunity}/outcome", data=data)
    assert response.status_code == 302
    assert _outcome(app, opportunity).result == "no_decision"
    with app.app_context():
        deal = db.session.get(Opportunity, opportunity)
        assert deal.status == "abandoned" and deal.status_reason == "Budget cut"


def test_invalid_input_answers_422_at_the_field_with_the_input_kept(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/outcome",
        data=_form(closed_on="", reason_code="other", reason_text="", **{"b0-price": "12x"}),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the date it closed." in page
    assert "Say what the reason was." in page
    assert 'value="12x"' in page and "联创网络 Lianchuang Networks" in page
    assert _outcome(app, opportunity) is None


def test_a_loss_needs_the_winner_marked(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(f"/opportunities/{opportunity}/outcome", data=_form(winner=""))
    assert response.status_code == 422
    assert "Mark the winning bidder" in response.get_data(as_text=True)
    response = client.post(f"/opportunities/{opportunity}/outcome", data=_form(winner="1"))
    assert response.status_code == 422
    assert "the winner cannot be our row" in response.get_data(as_text=True)


def test_a_save_over_a_newer_save_is_a_conflict_not_an_overwrite(app, as_user, opportunity):
    client = as_user("rep")
    assert client.post(f"/opportunities/{opportunity}/outcome", data=_form()).status_code == 302
    # A second editor started from the empty form (version 0) and saves another reason.
    stale = _form(reason_code="relationship", reason_text="Their coach")
    response = client.post(f"/opportunities/{opportunity}/outcome", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Their coach" in page and "Lianchuang undercut us by 2 %" in page
    assert _outcome(app, opportunity).reason_code == "price"
    # Saving again from the conflict form (it now carries the seen version) overwrites knowingly.
    version = _outcome(app, opportunity).version
    again = _form(reason_code="relationship", reason_text="Their coach", version=str(version))
    assert client.post(f"/opportunities/{opportunity}/outcome", data=again).status_code == 302
    assert _outcome(app, opportunity).reason_code == "relationship"


def test_reading_a_notice_fills_the_rows_and_saves_nothing(app, as_user, opportunity):
    from portal.bid.service import competitor_named

    with app.app_context():
        known = competitor_named("海川信息").id
        db.session.commit()
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/outcome/notice",
        data=_form(notice=CN_NOTICE, rows="0", our_price="11400000"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 bidders read from the notice" in page
    assert re.search(r'name="rows" type="hidden" value="3"', page)
    assert 'value="11200000.00"' in page  # １１２０．００ 万元
    rows = page.split('id="bidder-')[1:]
    # The row at our submitted price is suggested as us; the first-ranked as the winner.
    assert 'checked id="b1-is_us"' in rows[1] and 'checked id="b0-is_us"' not in rows[0]
    assert 'value="0" aria-label="Winner" checked' in rows[0]
    # "海川信息股份有限公司" as published is the rival record "海川信息".
    assert f'<option selected value="{known}">' in rows[2]
    assert _outcome(app, opportunity) is None


def test_unreadable_notice_says_so_and_leaves_a_row_to_type(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/outcome/notice",
        data=_form(notice="Thank you for your interest in this tender.", rows="0"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No bidder table was found" in page and 'name="b0-name"' in page
    assert "Thank you for your interest in this tender." in page


def test_adding_and_removing_rows_keeps_what_was_typed(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(f"/opportunities/{opportunity}/outcome/rows", data=_form(add="1"))
    assert 'name="b2-name"' in response.get_data(as_text=True)
    assert 'name="rows" type="hidden" value="3"' in response.get_data(as_text=True)
    typed = _form(remove="0", **{"b1-price": "11,4x"})
    response = client.post(f"/opportunities/{opportunity}/outcome/rows", data=typed)
    page = response.get_data(as_text=True)
    assert "联创网络" not in page and 'value="Our company"' in page and 'name="b1-name"' not in page
    assert 'name="b0-price" type="text" value="11,4x"' in page  # kept as typed, renumbered
    assert 'checked id="b0-is_us"' in page


def test_recording_without_the_csrf_token_is_refused(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(f"/opportunities/{opportunity}/outcome", data=_form(), csrf=False)
    assert response.status_code == 400
    assert _outcome(app, opportunity) is None


def test_the_rival_page_shows_its_bids_across_opportunities(
    app, as_user, opportunity, make_opportunity
):
    other = make_opportunity(owner="rep2", presales=None, name="Other team's tender")
    client = as_user("rep")
    assert client.post(f"/opportunities/{opportunity}/outcome", data=_form()).status_code == 302
    login_other = as_user("rep2")
    assert (
        login_other.post(
            f"/opportunities/{other}/outcome",
            data=_form(**{"b0-price": "12160000", "control_price": "12800000"}),
        ).status_code
        == 302
    )
    winner = _outcome(app, opportunity).winner_competitor_id
    client = as_user("rep")
    page = client.get(f"/competitors/{winner}/history").get_data(as_text=True)
    assert "2 recorded bids" in page
    assert "0.8750" in page and "0.9500" in page  # 11.2M and 12.16M ÷ 12.8M
    assert "0.9825" in page  # 11.2M ÷ our 11.4M
    assert "调度数据中心 DC refresh" in page
    assert "Other team&#39;s tender" not in page and "Another team" in page
    # The shared competitors list leads to each rival's history.
    listing = client.get("/competitors").get_data(as_text=True)
    assert f'href="/competitors/{winner}/history"' in listing


def test_presales_reads_the_outcome_but_cannot_record_it(app, as_user, opportunity):
    client = as_user("presales")
    page = client.get(f"/opportunities/{opportunity}/outcome").get_data(as_text=True)
    assert "No outcome recorded yet." in page and "Save the outcome" not in page
    assert client.post(f"/opportunities/{opportunity}/outcome", data=_form()).status_code == 403
    client = as_user("rep2")
    assert client.post(f"/opportunities/{opportunity}/outcome", data=_form()).status_code == 404


# --- the history-based price model of a scenario ---------------------------------------


def _past_bids(app, make_opportunity, name, prices, control="10000000"):
    """Closed tenders of other opportunities where the rival `name` bid `prices`."""
    from datetime import date

    from portal.bid.service import competitor_named
    from portal.outcomes.models import BidOutcome, OutcomeBidder

    for n, price in enumerate(prices):
        opportunity_id = make_opportunity(name=f"Closed tender {n}")
        with app.app_context():
            rival = competitor_named(name)
            outcome = BidOutcome(
                opportunity_id=opportunity_id,
                result="lost",
                reason_code="price",
                reason_text="",
                closed_on=date(2025, 1 + n, 1),
                control_price=Decimal(control),
                winner_competitor_id=rival.id,
            )
            outcome.bidders.append(
                OutcomeBidder(competitor_id=rival.id, name_as_published=name, price=Decimal(price))
            )
            db.session.add(outcome)
            db.session.commit()


def _scenario_url(opportunity, scenario):
    return f"/opportunities/{opportunity}/price-scores/{scenario}"


def test_a_rival_with_enough_history_can_be_modelled_from_it(
    app, as_user, opportunity, make_opportunity
):
    from portal.pricescore.models import PriceScenario
    from tests.portal.test_pricescore import form_data

    rival = "联创网络 Lianchuang Networks"
    _past_bids(app, make_opportunity, rival, ["9000000", "9500000", "8800000"])
    scenario = _official(app, opportunity)
    client = as_user("rep")
    page = client.get(_scenario_url(opportunity, scenario)).get_data(as_text=True)
    first_row = page[page.index('data-competitor="') :]
    first_row = first_row[: first_row.index("</tbody>")]
    assert "3 recorded bids: the history model is available" in first_row
    assert '<option value="history">' in first_row
    # Another rival without history is offered typed ranges only.
    second_row = page.split('data-competitor="')[2]
    assert '<option value="history">' not in second_row.split("</tbody>")[0]

    response = client.post(
        _scenario_url(opportunity, scenario),
        data=form_data(app, scenario, c0_price_model="history", c0_past_ratios=""),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    page = response.get_data(as_text=True)
    assert "based on 3 past bids, scaled to this tender's control price" in page
    with app.app_context():
        saved = db.session.get(PriceScenario, scenario).competitors[0]
        # 9.0M, 9.5M, 8.8M ÷ 10M, oldest first; the engine scales them to 12.8M here.
        assert (saved.price_model, saved.past_ratios) == ("history", "0.9, 0.95, 0.88")
        from portal.pricescore.inputs import from_model

        model = from_model(db.session.get(PriceScenario, scenario)).competitors[0].price
        assert round(model.low) == 11_264_000 and round(model.high) == 12_160_000


def test_too_little_history_is_refused_at_the_field(app, as_user, opportunity, make_opportunity):
    from tests.portal.test_pricescore import form_data

    _past_bids(app, make_opportunity, "联创网络 Lianchuang Networks", ["9000000", "9500000"])
    scenario = _official(app, opportunity)
    client = as_user("rep")
    page = client.get(_scenario_url(opportunity, scenario)).get_data(as_text=True)
    assert '<option value="history">' not in page
    response = client.post(
        _scenario_url(opportunity, scenario),
        data=form_data(app, scenario, c0_price_model="history"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "has 2 recorded bids with a control price" in response.get_data(as_text=True)
