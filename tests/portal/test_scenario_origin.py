"""Price-score scenarios say when their figures are starting estimates or demo data."""

from __future__ import annotations

from portal.extensions import db
from tests.portal.test_pricescore import _url, form_data


def test_new_scenario_is_labelled_starting_estimates_until_the_rep_saves(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario

    client = as_user("rep")
    response = client.post(_url(opportunity), data={"name": "Baseline"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="figures-origin"' in page and "Starting estimates, not data." in page
    assert "Starting estimates" in client.get(_url(opportunity)).get_data(as_text=True)
    with app.app_context():
        sid = db.session.query(PriceScenario).one().id
    saved = client.post(_url(opportunity, sid), data=form_data(app, sid, our_cost="700000"))
    assert saved.status_code in (200, 302)
    page = client.get(_url(opportunity, sid)).get_data(as_text=True)
    assert 'id="figures-origin"' not in page


def test_demo_scenarios_are_labelled_demo_data(app, as_user, opportunity):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity)
        scenario.figures_origin = "demo"
        db.session.commit()
        sid = scenario.id
    page = as_user("rep").get(_url(opportunity, sid)).get_data(as_text=True)
    assert "Demo data." in page
