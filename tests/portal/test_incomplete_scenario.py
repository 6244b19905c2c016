"""Every page that reads the official price-score scenario copes with one whose inputs are
not all entered yet (issue 15): no error, no P(win) or suggested price made up, and the
gap said plainly. Figures of the demo data set are labelled as such."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from tests.portal.test_exports import _assert_pdf_download, _pdf_text


@pytest.fixture(autouse=True)
def _pdf_dirs(app, tmp_path_factory, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path_factory.mktemp("pdf")))
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _official(app, opportunity_id, *, incomplete: bool, chosen="900000"):
    """The opportunity's official scenario (demo figures); `incomplete` empties our cost
    and one rival's technical points, as a rep who has not entered them yet leaves them."""
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity_id, official=True)
        scenario.chosen_price = Decimal(chosen) if chosen else None
        if incomplete:
            scenario.figures_origin = "typed"
            scenario.our_cost = None
            rival = scenario.competitors[0]
            rival.tech_low = rival.tech_likely = rival.tech_high = None
        db.session.commit()
        from portal.bid.summary import compute

        compute([opportunity_id])  # what the background worker does after the change
        return scenario.id


def test_truth_reports_an_incomplete_official_scenario_as_a_gap(app, opportunity):
    from portal.bid import labels
    from portal.bid.truth import bid_state
    from portal.deals.models import Opportunity

    _official(app, opportunity, incomplete=True)
    with app.test_request_context():
        state = bid_state(db.session.get(Opportunity, opportunity))
        gap = state.of("scenario_incomplete")
        assert gap is not None and gap in state.gaps and gap not in state.conflicts
        assert gap.params["missing"] == ("our_cost", "competitors[0].tech")
        assert "lacks 2 inputs" in labels.describe(gap, "CNY")
        assert state.bid_price == Decimal("900000")  # the chosen price is still the bid price


def test_a_complete_official_scenario_has_no_such_gap(app, opportunity):
    from portal.bid.truth import bid_state
    from portal.deals.models import Opportunity

    _official(app, opportunity, incomplete=False)
    with app.test_request_context():
        assert bid_state(db.session.get(Opportunity, opportunity)).of("scenario_incomplete") is None


def test_desk_shows_inputs_missing_instead_of_a_p_win(app, as_user, opportunity):
    _official(app, opportunity, incomplete=True)
    response = as_user("leader").get("/desk")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    row = page[page.index(f'id="bid-{opportunity}"') :]
    row = row[: row.index("</tr>")]
    assert "inputs missing: no P(win)" in row and "P(win) " not in row.replace("no P(win)", "")


def test_bid_pack_of_an_incomplete_scenario_lists_what_is_missing(app, as_user, opportunity):
    _official(app, opportunity, incomplete=True)
    pdf = _assert_pdf_download(
        as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en"), "bid-pack"
    )
    whole = " ".join(" ".join(_pdf_text(pdf)).split())
    assert "lacks inputs" in whole and "Enter our cost." in whole
    assert "Chance of winning" not in whole and "Suggested bid price" not in whole


def test_other_pages_that_read_the_scenario_cope(app, as_user, opportunity):
    from portal.deals.models import Opportunity
    from portal.exports.packs import price_analysis
    from portal.pricescore.models import PriceScenario
    from portal.workspace.grading import grade_suggestion
    from portal.workspace.queries import load_grid
    from portal.workspace.tasks import chain_plan

    sid = _official(app, opportunity, incomplete=True)
    client = as_user("rep")
    base = f"/opportunities/{opportunity}"
    for url in (
        base,
        f"{base}/price-scores",
        f"{base}/price-scores/{sid}",
        f"{base}/price-scores/{sid}/planner",
        f"{base}/negotiation",
        f"{base}/workspace",
    ):
        assert client.get(url).status_code == 200, url
    detail = client.get(base).get_data(as_text=True)
    assert "lacks 2 inputs" in detail
    with app.test_request_context():
        analysis = price_analysis(db.session.get(PriceScenario, sid), "en")
        assert analysis.report is None and len(analysis.missing) == 2
        opp = db.session.get(Opportunity, opportunity)
        grid = load_grid(opp, date.today())
        suggestion = grade_suggestion(opp, grid, chain_plan(opp, [], date.today()))
        assert suggestion is None or all(f.key != "p_win" for f in suggestion.factors)


def test_demo_p_win_on_the_desk_is_labelled_demo_data(app, as_user, users, opportunity):
    from portal.auth.models import User

    _official(app, opportunity, incomplete=False)
    client = as_user("leader")
    page = client.get("/desk").get_data(as_text=True)
    row = page[page.index(f'id="bid-{opportunity}"') :]
    row = row[: row.index("</tr>")]
    assert "P(win)" in row and "demo data" in row
    with app.app_context():
        db.session.get(User, users["leader"]).locale = "zh_CN"
        db.session.commit()
    client = as_user("leader")
    page = client.get("/desk").get_data(as_text=True)
    row = page[page.index(f'id="bid-{opportunity}"') :]
    assert "演示数据" in row[: row.index("</tr>")]


def test_a_typed_scenario_carries_no_demo_label(app, as_user, opportunity):
    sid = _official(app, opportunity, incomplete=False)
    with app.app_context():
        from portal.pricescore.models import PriceScenario

        db.session.get(PriceScenario, sid).figures_origin = "typed"
        db.session.commit()
    page = as_user("leader").get("/desk").get_data(as_text=True)
    row = page[page.index(f'id="bid-{opportunity}"') :]
    assert "demo data" not in row[: row.index("</tr>")]


def test_demo_p_win_is_labelled_in_the_pack_and_the_grading(app, as_user, opportunity):
    _official(app, opportunity, incomplete=False)
    client = as_user("leader")
    pdf = _assert_pdf_download(
        client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en"), "bid-pack"
    )
    whole = " ".join(" ".join(_pdf_text(pdf)).split())
    assert "Chance of winning" in whole and "demo data" in whole
    scenario_page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    outlook = scenario_page[scenario_page.index('id="evidence-grade"') :]
    assert "official price-score P(win)" in outlook and "demo data" in outlook
