"""A rep starts a price-score scenario: it asks for the missing figures instead of showing
a made-up P(win), and once they are entered the P(win) and the suggested prices appear."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


@pytest.fixture
def rival(app, opportunity):
    """One rival on the opportunity's list, not scored in the competition matrix."""
    from portal.extensions import db
    from portal.workspace.models import Competitor, MatrixCompetitor

    with app.app_context():
        competitor = Competitor(name="华信科技 Huaxin", notes="")
        db.session.add(competitor)
        db.session.flush()
        db.session.add(MatrixCompetitor(opportunity_id=opportunity, competitor_id=competitor.id))
        db.session.commit()
        return competitor.id


def _saved_after(page, action):
    """Do `action` (a change that autosaves) and wait for the fresh editor fragment."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and re.search(r"/price-scores/\d+$", r.url)
    ):
        action()
    expect(page.locator(".ps-saved")).to_be_visible()
    # The next field is typed into only once htmx has swapped and settled the fresh editor
    # (typing into the one being replaced would be lost with it).
    settled(page)


def test_new_scenario_asks_for_the_missing_inputs_then_shows_p_win(
    page, log_in, opportunity, rival
):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores")
    page.fill("#name", "As published")
    page.click("text=Create scenario")
    expect(page.locator("h1")).to_contain_text("As published")

    missing = page.locator("#ps-missing")
    expect(missing).to_contain_text("Inputs missing")
    expect(missing).to_contain_text("Enter our cost.")
    expect(missing).to_contain_text("Enter the price you expect from 华信科技 Huaxin")
    expect(missing).to_contain_text("technical score for 华信科技 Huaxin")
    expect(page.locator(".field.is-missing #our_cost")).to_be_visible()  # highlighted
    expect(page.locator("#ps-chosen-pwin")).to_have_count(0)
    expect(page.locator(".ps-reco-win")).to_have_count(0)

    _saved_after(page, lambda: (page.fill("#our_cost", "700000"), page.press("#our_cost", "Tab")))
    expect(missing).not_to_contain_text("Enter our cost.")
    expect(page.locator(".field.is-missing #our_cost")).to_have_count(0)
    for field, value in (
        ("our_tech_low", "50"),
        ("our_tech_likely", "55"),
        ("our_tech_high", "60"),
    ):
        _saved_after(
            page, lambda f=field, v=value: (page.fill(f"#{f}", v), page.press(f"#{f}", "Tab"))
        )
    expect(missing).not_to_contain_text("Enter our technical score")

    row = page.locator("table.ps-competitors tbody[data-competitor]").first
    for field, value in (
        ("price_low", "820000"),
        ("price_likely", "880000"),
        ("price_high", "950000"),
        ("tech_low", "48"),
        ("tech_likely", "52"),
        ("tech_high", "58"),
    ):
        row.locator(f"input[name$='-{field}']").fill(value)
    _saved_after(page, lambda: page.locator("#name").focus())  # leaving the row saves it

    expect(page.locator("#ps-missing")).to_have_count(0)
    expect(page.locator("#ps-chosen-pwin")).to_be_visible()
    expect(page.locator(".ps-reco-win .ps-price")).to_be_visible()
    expect(page.locator("polyline.line-win")).to_have_count(1)
