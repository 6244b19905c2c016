"""Price-score scenarios start from the opportunity's own figures, never invented ones,
say what is missing, and say when their figures are demo data."""

from __future__ import annotations

from portal.extensions import db
from tests.portal.test_pricescore import HX, _url, form_data


def _rival_with_scores(app, opportunity, name="华信科技 Huaxin", our=6, theirs=8):
    """One rival on the opportunity's matrix, one criterion scoring us and (if given) it."""
    from portal.workspace.models import Competitor, MatrixCompetitor, MatrixCriterion, MatrixScore

    with app.app_context():
        rival = Competitor(name=name, notes="")
        criterion = MatrixCriterion(
            opportunity_id=opportunity, name="Architecture", weight=100, our_score=our
        )
        db.session.add_all([rival, criterion])
        db.session.flush()
        db.session.add(MatrixCompetitor(opportunity_id=opportunity, competitor_id=rival.id))
        if theirs is not None:
            db.session.add(
                MatrixScore(
                    opportunity_id=opportunity,
                    criterion_id=criterion.id,
                    competitor_id=rival.id,
                    score=theirs,
                )
            )
        db.session.commit()
        return rival.id


def test_new_scenario_starts_empty_and_asks_for_what_is_missing(app, as_user, opportunity):
    """Issue 15: no invented cost (75 % of the amount), no 55–64 technical points, no
    P(win) or suggested price until the inputs are there; the page says what is missing."""
    from portal.pricescore.models import PriceScenario

    client = as_user("rep")
    response = client.post(_url(opportunity), data={"name": "Baseline"})
    with app.app_context():
        s = db.session.query(PriceScenario).one()
        assert s.our_cost is None and s.ceiling is None
        assert (s.our_tech_low, s.our_tech_likely, s.our_tech_high) == (None, None, None)
        assert s.figures_origin == "typed" and not s.competitors
        # the prices tested come from the opportunity's own amount (1,000,000)
        assert (s.grid_min, s.grid_max) == (700000, 1100000)
        sid = s.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="ps-missing"' in page and "Enter our cost." in page
    assert "Enter our technical score" in page
    assert 'id="ps-chosen-pwin"' not in page and "line-win" not in page
    assert "Best chance to win" not in page and "Use this price" not in page
    assert 'class="field  is-missing"' in page  # the cost field is highlighted
    assert "Starting estimates" not in page and 'id="figures-origin"' not in page
    # the compare page copes with the empty figures
    listing = client.get(_url(opportunity))
    assert listing.status_code == 200
    assert "inputs missing: no P(win)" in listing.get_data(as_text=True)
    # filling in our cost and technical points brings the results back (no rivals)
    done = client.post(
        _url(opportunity, sid),
        data=form_data(
            app,
            sid,
            our_cost="700000",
            our_tech_low="50",
            our_tech_likely="55",
            our_tech_high="60",
        ),
        headers=HX,
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="ps-missing"' not in html
    assert "Best chance to win" in html


def test_new_scenario_starts_from_the_opportunitys_rivals_and_matrix_scores(
    app, as_user, opportunity
):
    from portal.pricescore.models import PriceScenario

    _rival_with_scores(app, opportunity, our=6, theirs=8)
    client = as_user("rep")
    response = client.post(_url(opportunity), data={"name": "From the matrix"})
    with app.app_context():
        s = db.session.query(PriceScenario).one()
        # our points and the rival's from the competition matrix, rescaled to 70 points
        assert s.tech_source == "matrix"
        assert (s.our_tech_low, s.our_tech_likely, s.our_tech_high) == (35, 42, 49)
        [row] = s.competitors
        assert row.name == "华信科技 Huaxin"
        assert (row.tech_low, row.tech_likely, row.tech_high) == (49, 56, 63)
        assert (row.price_low, row.price_likely, row.price_high) == (None, None, None)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter our cost." in page
    assert "Enter the price you expect from 华信科技 Huaxin" in page
    assert "technical score for 华信科技 Huaxin" not in page  # the matrix gave it


def test_an_unscored_rival_is_asked_for_its_technical_score(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario

    _rival_with_scores(app, opportunity, theirs=None)
    client = as_user("rep")
    client.post(_url(opportunity), data={"name": "Unscored rival"})
    with app.app_context():
        [row] = db.session.query(PriceScenario).one().competitors
        assert row.tech_likely is None
        sid = row.scenario_id
    page = client.get(_url(opportunity, sid)).get_data(as_text=True)
    assert "Enter the rival&#39;s technical score for 华信科技 Huaxin" in page
    assert f"c{row.id}-tech_low" in page and "ps-tech is-missing" in page


def test_adding_a_rival_invents_no_price(app, as_user, opportunity):
    from portal.pricescore.demo import demo_scenario
    from portal.pricescore.models import PriceScenario

    with app.app_context():
        sid = demo_scenario(opportunity).id
    client = as_user("rep")
    response = client.post(
        _url(opportunity, sid, "/competitors"), data={"new_rival": "新对手 Newco"}, headers=HX
    )
    assert response.status_code == 200
    with app.app_context():
        added = db.session.get(PriceScenario, sid).competitors[-1]
        assert added.name == "新对手 Newco" and added.price_likely is None
    html = response.get_data(as_text=True)
    assert "Enter the price you expect from 新对手 Newco" in html


def test_demo_scenarios_are_labelled_demo_data(app, as_user, opportunity):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity)
        scenario.figures_origin = "demo"
        db.session.commit()
        sid = scenario.id
    page = as_user("rep").get(_url(opportunity, sid)).get_data(as_text=True)
    assert "Demo data." in page


def test_a_new_scenario_takes_the_published_rules_and_ceiling_of_the_official_one(
    app, as_user, opportunity
):
    """The tender's own figures (its rules, control price and ceiling, held by the official
    scenario the rep typed) carry over; demo rules do not."""
    from portal.pricescore.demo import demo_scenario
    from portal.pricescore.models import PriceScenario

    with app.app_context():
        official = demo_scenario(opportunity, name="As published", official=True)
        official.figures_origin = "typed"
        official.rules = {**official.rules, "control_price": 1_250_000.0, "price_weight": 20.0}
        official.ceiling = 1_300_000
        official.chosen_price = 1_200_000
        db.session.commit()
    client = as_user("rep")
    client.post(_url(opportunity), data={"name": "What-if"})
    with app.app_context():
        new = db.session.query(PriceScenario).filter_by(name="What-if").one()
        assert new.rules["control_price"] == 1_250_000.0 and new.rules["price_weight"] == 20.0
        assert new.ceiling == 1_300_000 and new.our_cost is None and not new.official
        # around the bid price, up to the ceiling
        assert (new.grid_min, new.grid_max) == (840000, 1300000)
        official = db.session.query(PriceScenario).filter_by(name="As published").one()
        official.figures_origin = "demo"
        db.session.commit()
    client.post(_url(opportunity), data={"name": "Over demo rules"})
    with app.app_context():
        new = db.session.query(PriceScenario).filter_by(name="Over demo rules").one()
        assert new.rules["control_price"] is None and new.ceiling is None
