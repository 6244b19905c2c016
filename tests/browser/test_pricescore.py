"""A rep moves a competitor's expected price and watches the chart and the advice follow."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def scenario(app, opportunity):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        return demo_scenario(opportunity).id


def _competitor_input(page, row: int, field: str):
    return (
        page.locator("table.ps-competitors tbody[data-competitor]")
        .nth(row)
        .locator(f"input[name$='-{field}']")
    )


def test_changing_a_competitor_price_moves_the_chart_and_the_recommendation(
    page, log_in, opportunity, scenario
):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}")
    page.click("text=Open price strategy")
    page.click(f"a[href='/opportunities/{opportunity}/price-scores/{scenario}']")
    expect(page.locator("h1")).to_contain_text("Demo")
    url_before = page.url
    win_line = page.locator("polyline.line-win")
    best_win = page.locator(".ps-reco-win .ps-price")
    old_points = win_line.get_attribute("points")
    old_best = best_win.inner_text()
    old_marker = page.locator("g.best-win").get_attribute("data-price")

    posts = []
    page.on(
        "request",
        lambda r: (
            posts.append(r.url) if r.method == "POST" and r.url.endswith(f"/{scenario}") else None
        ),
    )
    # 联创网络 is now expected to bid far lower: 9.6M–9.8M–11.9M. Moving between the boxes of
    # the row does not recalculate; leaving the row does, once.
    low = _competitor_input(page, 0, "price_low")
    low.fill("9600000")
    low.press("Tab")
    likely = _competitor_input(page, 0, "price_likely")
    likely.fill("9800000")
    likely.press("Tab")
    page.wait_for_timeout(300)
    assert posts == []
    page.locator("#name").focus()  # focus leaves the row
    expect(page.locator(".ps-saved")).to_be_visible()
    expect(best_win).not_to_have_text(old_best)
    assert len(posts) == 1
    assert win_line.get_attribute("points") != old_points
    assert page.locator("g.best-win").get_attribute("data-price") != old_marker
    expect(page.locator("table.ps-sheet")).to_contain_text("9,800,000")
    assert page.url == url_before  # swapped in place, no reload

    # The new price survives a reload: it was saved.
    page.reload()
    expect(_competitor_input(page, 0, "price_likely")).to_have_value("9800000")


def test_bad_range_is_flagged_at_the_row_and_kept(page, log_in, opportunity, scenario):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    high = _competitor_input(page, 1, "price_high")
    high.fill("9000000")
    page.locator("#name").focus()
    expect(page.locator("tr.row-error")).to_contain_text("Low is above high.")
    expect(_competitor_input(page, 1, "price_high")).to_have_value("9000000")
    expect(page.locator(".ps-invalid")).to_be_visible()
    # Fixing it brings the results back.
    high = _competitor_input(page, 1, "price_high")
    high.fill("11300000")
    page.locator("#name").focus()
    expect(page.locator("tr.row-error")).to_have_count(0)
    expect(page.locator("polyline.line-win")).to_be_visible()


def test_use_this_price_moves_the_chosen_marker(page, log_in, opportunity, scenario):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    target = page.locator(".ps-reco-margin button[name=use_price]")
    price = target.get_attribute("value")
    target.click()
    expect(page.locator("#chosen_price")).to_have_value(str(int(float(price))))
    expect(page.locator(".ps-reco-margin")).to_contain_text("This is your chosen price.")


def test_a_long_competitor_name_is_shown_whole(app, page, log_in, opportunity, scenario):
    from portal.extensions import db
    from portal.pricescore.models import PriceScenario

    with app.app_context():  # the rival's shared record, as renamed in the matrix
        s = db.session.get(PriceScenario, scenario)
        s.competitors[0].competitor.name = "华信科技 Huaxin Information Technology"
        db.session.commit()
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    name = page.locator("td.ps-rival-name").first
    expect(name).to_have_text("华信科技 Huaxin Information Technology")
    # the cell is wide enough for the whole name: nothing is cut off
    assert name.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_a_rule_change_recalculates_at_once(page, log_in, opportunity, scenario):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    page.locator("details.ps-more-rules summary").click()
    page.select_option("#tie_order", "tech")
    expect(page.locator(".ps-saved")).to_be_visible()
    expect(page.locator("#tie_order")).to_have_value("tech")


def test_planner_fills_in_after_a_progress_note_and_saves_the_evidence(
    page, log_in, opportunity, scenario
):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    page.click("text=Procurement-criteria planner")
    expect(page.locator("figure.ps-heat")).to_have_count(2)
    expect(page.locator("#planner-recommendation")).to_contain_text("Ask for a price weight of")
    page.click("text=Save as evidence")
    expect(page.locator(".flash-success")).to_contain_text("Recommendation saved")
    expect(page.locator("#planner-evidence")).to_contain_text("Saved evidence")
