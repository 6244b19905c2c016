"""Leadership analytics and calibration: figures, filters, drill-down, CSV, query count."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from portal.extensions import db


@pytest.fixture
def close_bid(app, make_opportunity, users):
    """Factory: an opportunity closed with an outcome; returns its id."""
    from portal.analytics.models import ClosedBid
    from portal.deals.models import Opportunity, Stakeholder
    from portal.outcomes.models import BidOutcome, OutcomeBidder
    from portal.seed import default_stages
    from portal.workspace.models import Competitor, StageMove

    def close(
        result="won",
        owner="rep",
        p_win="0.5",
        rival="Huawei 华为",
        rival_price=None,
        band=None,
        days_ago=30,
        cycle_days=100,
        form="public_tender",
        account_name="Acme 测试客户",
        supporters=(),
        margin=None,
        discount=None,
        moves=(),
        negotiation=None,
    ):
        oid = make_opportunity(
            owner=owner,
            procurement_form=form,
            account_name=account_name,
            status={"no_decision": "abandoned"}.get(result, result),
            stage_position=3,
        )
        with app.app_context():
            closed_on = date.today() - timedelta(days=days_ago)
            created = datetime.combine(
                closed_on - timedelta(days=cycle_days), datetime.min.time(), tzinfo=UTC
            )
            opp = db.session.get(Opportunity, oid)
            opp.created_at = created
            competitor = db.session.query(Competitor).filter_by(name=rival).first()
            if competitor is None:
                competitor = Competitor(name=rival, notes="")
                db.session.add(competitor)
                db.session.flush()
            for role in supporters:
                db.session.add(
                    Stakeholder(
                        opportunity_id=oid, name=f"S {role}", map_role=role, attitude="supporter"
                    )
                )
            if negotiation:
                _negotiate(oid, *negotiation)
            outcome = BidOutcome(
                opportunity_id=oid,
                result=result,
                reason_code="price",
                closed_on=closed_on,
                our_price=Decimal("1000000"),
                scoring_method="lowest",
                predicted_p_win=Decimal(p_win) if p_win is not None else None,
                winner_competitor_id=None if result == "won" else competitor.id,
            )
            db.session.add(outcome)
            db.session.flush()
            db.session.add(
                OutcomeBidder(outcome_id=outcome.id, is_us=True, price=Decimal("1000000"))
            )
            db.session.add(
                OutcomeBidder(
                    outcome_id=outcome.id,
                    competitor_id=competitor.id,
                    price=Decimal(rival_price) if rival_price else Decimal("980000"),
                    predicted_p10=Decimal(band[0]) if band else None,
                    predicted_p90=Decimal(band[1]) if band else None,
                )
            )
            if margin is not None:
                # Quote figures as portal.bid.truth would have handed them at close.
                db.session.flush()
                row = db.session.query(ClosedBid).filter_by(opportunity_id=oid).one()
                row.contract_list, row.contract_value = Decimal("1200000"), Decimal("1000000")
                row.margin_pct, row.discount_pct = Decimal(margin), Decimal(discount)
            stages = default_stages()
            moment = created
            for from_pos, days in moves:
                moment = moment + timedelta(days=days)
                db.session.add(
                    StageMove(
                        opportunity_id=oid,
                        from_stage_id=stages[from_pos].id,
                        to_stage_id=stages[from_pos + 1].id,
                        moved_at=moment,
                    )
                )
            db.session.commit()
        return oid

    return close


def _negotiate(oid, plan, offers, kinds=None):
    from portal.negotiation import models as n

    sheet = n.NegotiationSheet(opportunity_id=oid, checklist=[])
    db.session.add(sheet)
    db.session.flush()
    common = {"sheet_id": sheet.id, "opportunity_id": oid}
    for position, (kind, amount) in enumerate(plan, start=1):
        db.session.add(
            n.PlannedConcession(
                position=position, kind=kind, part="solution", amount=Decimal(amount), **common
            )
        )
    for number, offer in enumerate(offers, start=1):
        db.session.add(n.NegotiationRoundLog(number=number, our_offer=Decimal(offer), **common))
    db.session.flush()


def _table(page: str, key: str) -> str:
    match = re.search(rf'<section[^>]*id="table-{key}".*?</section>', page, re.S)
    assert match, key
    return match.group(0)


def test_win_rates_by_form_with_wilson_interval_and_links(as_user, close_bid):
    for result in ("won", "won", "lost"):
        close_bid(result=result, form="inquiry")
    close_bid(result="lost", form="public_tender")
    close_bid(result="abandoned", form="public_tender")
    page = as_user("leader").get("/analytics").get_data(as_text=True)
    forms = _table(page, "form")
    # inquiry: 2 won of 3 decided = 67 %, Wilson 95 % about 21–94 %
    assert "67 %" in forms and "21 % – 94 %" in forms
    # public tender: 2 closed (one abandoned), 0 won of 1 decided
    assert re.search(r"Public tender.*?>2<.*?>0<.*?>1<.*?0 %", forms, re.S)
    assert (
        "/analytics/opportunities?period=24m&amp;dim=form&amp;key=inquiry&amp;result=won" in forms
    )
    # the chart draws one bar per form, with an accessible title
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in forms


def test_drill_down_lists_exactly_the_opportunities_behind_a_figure(as_user, close_bid):
    won = close_bid(result="won", form="inquiry")
    lost = close_bid(result="lost", form="inquiry")
    other = close_bid(result="won", form="public_tender")
    client = as_user("leader")
    page = client.get(
        "/analytics/opportunities?period=24m&dim=form&key=inquiry&result=won"
    ).get_data(as_text=True)
    assert f'/opportunities/{won}"' in page
    assert f'/opportunities/{lost}"' not in page and f'/opportunities/{other}"' not in page
    assert "1 opportunity" in page
    page = client.get("/analytics/opportunities?dim=form&key=inquiry").get_data(as_text=True)
    assert "2 opportunities" in page


def test_filters_period_account_team_and_url(as_user, close_bid, users):
    close_bid(result="won", days_ago=30)
    close_bid(result="lost", days_ago=500, account_name="Other 客户")
    close_bid(result="lost", days_ago=30, owner="rep2")
    client = as_user("leader")
    recent = _table(client.get("/analytics?period=3m").get_data(as_text=True), "form")
    assert re.search(r"Public tender.*?>2<", recent, re.S)  # the 500-day-old bid left out
    everything = _table(client.get("/analytics?period=all").get_data(as_text=True), "form")
    assert re.search(r"Public tender.*?>3<", everything, re.S)
    team = _table(
        client.get(f"/analytics?period=all&team={users['rep2']}").get_data(as_text=True), "form"
    )
    assert re.search(r"Public tender.*?>1<.*?>0<.*?>1<", team, re.S)
    # htmx asks for the body only; the page's filter form pushes the URL
    fragment = client.get("/analytics?period=all", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'hx-push-url="true"' in client.get("/analytics").get_data(as_text=True)
    # a bogus period falls back to the default instead of failing
    assert client.get("/analytics?period=bogus&team=x").status_code == 200


def test_csv_export_of_a_table(as_user, close_bid):
    close_bid(result="won", form="inquiry")
    close_bid(result="lost", form="inquiry")
    response = as_user("leader").get("/analytics/export/form.csv?period=all")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Procurement form", "Closed", "Won", "Lost", "Win rate"]
    assert rows[1][:5] == ["Inquiry (lowest price)", "2", "1", "1", "0.5"]
    assert as_user("leader").get("/analytics/export/nothing.csv").status_code == 404


def test_won_vs_lost_cycle_coverage_margin(as_user, close_bid):
    close_bid(
        result="won", cycle_days=100, supporters=("money", "authority"), margin="30", discount="10"
    )
    close_bid(
        result="won",
        cycle_days=200,
        supporters=("money", "authority", "product"),
        margin="20",
        discount="20",
    )
    close_bid(result="lost", cycle_days=50, supporters=(), margin="10", discount="30")
    page = as_user("leader").get("/analytics?period=all").get_data(as_text=True)
    cycle = _table(page, "cycle")
    assert re.search(r"Won.*?>2<.*?150\.0.*?150\.0", cycle, re.S)
    assert re.search(r"Lost.*?>1<.*?50\.0", cycle, re.S)
    coverage = _table(page, "coverage")
    assert re.search(r"Won.*?2\.50.*?83 %", coverage, re.S)  # (2 + 3) / 2 roles of 3
    pricing = _table(page, "pricing")
    assert re.search(r"Won.*?>2<.*?15\.0 %.*?25\.0 %", pricing, re.S)


def test_pipeline_conversion_and_median_days(as_user, close_bid):
    close_bid(result="won", moves=[(0, 10), (1, 20), (2, 30)])
    close_bid(result="lost", moves=[(0, 30), (1, 40), (2, 5)])
    page = as_user("leader").get("/analytics?period=all").get_data(as_text=True)
    pipeline = _table(page, "pipeline")
    # stage 1 stays: 10 and 30 days → median 20; stage 2: 20 and 40 → 30
    assert "20.0" in pipeline and "30.0" in pipeline
    assert "dim=stage&amp;key=" in pipeline and "dim=reached&amp;key=" in pipeline


def test_calibration_page_brier_buckets_and_bands(as_user, close_bid):
    close_bid(result="won", p_win="0.8", band=("900000", "1000000"), rival_price="950000")
    close_bid(result="lost", p_win="0.3", band=("900000", "1000000"), rival_price="850000")
    close_bid(result="lost", p_win="0.6", owner="rep2")
    close_bid(result="won", p_win="0.1", owner="rep2")
    page = as_user("leader").get("/analytics/calibration?period=all").get_data(as_text=True)
    # (0.04 + 0.09 + 0.36 + 0.81) / 4
    assert 'id="brier-overall">0.325<' in page
    assert "Rita Rep" in page and "Otto Otherrep" in page
    assert 'id="band-overall">50 %<' in page
    own = as_user("rep").get("/analytics/calibration?period=all").get_data(as_text=True)
    # (0.04 + 0.09) / 2: only Rita's bids
    assert 'id="brier-overall">0.065<' in own and "Otto Otherrep" not in own


@contextmanager
def _count_statements():
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_query_count_does_not_grow_with_the_opportunities(app, as_user, close_bid):
    client = as_user("leader")

    def statements() -> int:
        with app.app_context(), _count_statements() as counter:
            assert client.get("/analytics?period=all").status_code == 200
        return counter["n"]

    close_bid(
        result="won", rival="A", moves=[(0, 5)], supporters=("money",), margin="20", discount="5"
    )
    small = statements()
    for i in range(6):
        close_bid(
            result=("won", "lost")[i % 2],
            rival=f"R{i}",
            form=("inquiry", "public_tender")[i % 2],
            account_name=f"Acct {i}",
            moves=[(0, 5), (1, 7)],
            supporters=("money", "product"),
            margin="15",
            discount="8",
        )
    assert statements() == small


def test_nav_link_for_leaders_only(as_user):
    assert 'href="/analytics"' in as_user("leader").get("/opportunities").get_data(as_text=True)
    rep_page = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert 'href="/analytics"' not in rep_page and 'href="/analytics/calibration"' in rep_page


def test_recording_an_outcome_keeps_the_bid_as_it_stood(app, opportunity, users):
    """The closed-bid row is taken when the outcome is recorded and follows a corrected
    result; quote figures come from portal.bid.truth (none without a linked quote)."""
    from portal.analytics.models import ClosedBid
    from portal.deals.models import Stakeholder
    from portal.outcomes.models import BidOutcome

    with app.app_context():
        db.session.add(
            Stakeholder(
                opportunity_id=opportunity, name="EB", map_role="money", attitude="supporter"
            )
        )
        outcome = BidOutcome(
            opportunity_id=opportunity, result="won", reason_code="price", closed_on=date.today()
        )
        db.session.add(outcome)
        db.session.commit()
        row = db.session.query(ClosedBid).one()
        assert (row.result, row.supported_roles, row.procurement_form) == (
            "won",
            1,
            "public_tender",
        )
        assert row.contract_value is None  # no quote linked to an official scenario
        outcome.result = "lost"
        db.session.commit()
        assert db.session.query(ClosedBid).one().result == "lost"


def test_concessions_planned_against_conceded(as_user, close_bid):
    # days, not percent: the payment-terms step is not added to the price plan
    plan = [("discount_pct", 3), ("discount_pct", 2), ("payment_terms_days", 30)]
    close_bid(result="won", negotiation=(plan, [1000, 960, 940]))
    pricing = _table(
        as_user("leader").get("/analytics?period=all").get_data(as_text=True), "pricing"
    )
    # planned 3 + 2 = 5 discount points; conceded (1000 - 940) / 1000 = 6 %
    assert re.search(r"Won.*?5\.0 pts.*?6\.0 %", pricing, re.S)


def test_long_tables_show_the_most_frequent_rows_and_the_csv_has_all(
    monkeypatch, as_user, close_bid
):
    from portal.analytics import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    close_bid(rival="Often 常见")
    close_bid(rival="Often 常见")
    close_bid(rival="Alpha")
    close_bid(rival="Zeta")
    client = as_user("leader")
    rivals = _table(client.get("/analytics?period=all").get_data(as_text=True), "rival")
    assert "Often 常见" in rivals and "Zeta" not in rivals.split("<table")[1]
    assert "Showing the 2 met most often; 1 more in the CSV." in rivals
    csv_text = client.get("/analytics/export/rival.csv?period=all").get_data(as_text=True)
    assert "Zeta" in csv_text and "Alpha" in csv_text


def test_page_follows_a_newly_recorded_outcome(as_user, close_bid):
    close_bid(result="won", form="inquiry")
    client = as_user("leader")
    first = _table(client.get("/analytics?period=all").get_data(as_text=True), "form")
    assert re.search(r"Inquiry.*?>1<", first, re.S)
    close_bid(result="lost", form="inquiry")
    again = _table(client.get("/analytics?period=all").get_data(as_text=True), "form")
    assert re.search(r"Inquiry \(lowest price\)</th>\s*<td class=\"num\"><a [^>]*>2<", again, re.S)


def test_account_filter_by_typed_name(as_user, close_bid):
    close_bid(result="won", account_name="华东电网信息通信公司")
    close_bid(result="lost", account_name="江南城市银行")
    client = as_user("leader")
    page = client.get("/analytics?period=all&account_name=华东").get_data(as_text=True)
    assert 'value="华东"' in page  # the typed text stays in the field
    assert re.search(r"Public tender.*?>1<.*?>1<.*?>0<", _table(page, "form"), re.S)
    unknown = client.get(
        "/analytics?period=all&account_name=Nobody", headers={"HX-Request": "true"}
    )
    text = unknown.get_data(as_text=True)
    assert 'id="f-account-error" hx-swap-oob="true" >' in text  # shown, not hidden
    assert "No closed bids in this selection." in text
