"""The workspace in a real browser: board moves, activities, matrix totals, chain warnings."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


def _mark_page(page):
    # A full reload would drop this marker: the checks below prove the page was updated in place.
    page.evaluate("window.__stayed = true")


def _stayed(page) -> bool:
    return page.evaluate("window.__stayed === true")


def test_move_a_card_on_the_board(page, log_in, make_opportunity):
    make_opportunity(name="Grid dispatch network", stage_position=1)
    log_in("rep")
    page.click("nav.mainnav >> text=Board")
    columns = page.locator(".board-col")
    expect(columns.nth(1).locator(".deal-card")).to_contain_text("Grid dispatch network")
    _mark_page(page)
    columns.nth(1).locator(".deal-card", has_text="Grid dispatch network").get_by_role(
        "button", name="Move forward one stage"
    ).click()
    # Open activities of the stage being left: the board asks first.
    expect(page.locator(".confirm-move")).to_contain_text("Leave this stage with open activities?")
    page.get_by_role("button", name="Move anyway").click()
    card = columns.nth(2).locator(".deal-card", has_text="Grid dispatch network")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Moved by Rita Rep")
    expect(columns.nth(1).locator(".deal-card")).to_have_count(0)
    expect(columns.nth(2).locator(".count")).to_have_text("1")
    # Back again with the keyboard: focus the button and press Enter, once htmx has settled
    # the new card (before that its button is a plain form button, as without script).
    settled(page)
    back = card.get_by_role("button", name="Move back one stage")
    back.focus()
    page.keyboard.press("Enter")
    expect(columns.nth(1).locator(".deal-card", has_text="Grid dispatch network")).to_be_visible()
    assert _stayed(page)


def test_tick_an_activity(page, log_in, opportunity):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/workspace")
    row = page.locator("tr.current-stage")
    expect(row).to_contain_text("Technical evaluation")
    tick = row.get_by_role("button", name="Mark “Guide the evaluation criteria” done")
    expect(tick).to_have_attribute("aria-pressed", "false")
    needs = page.locator(".health-chart .h-value").first
    expect(needs).to_have_text("0")  # nothing done in the past or the current stage
    _mark_page(page)
    tick.click()
    expect(
        row.get_by_role("button", name="Mark “Guide the evaluation criteria” not done")
    ).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".status-done")).to_have_count(1)
    # Needs: the current-stage activity done (weight 0.5) against the undone past one (weight 1).
    expect(needs).to_have_text("33")
    assert _stayed(page)


def test_add_a_criterion_and_see_weighted_totals_change_without_reload(page, log_in, opportunity):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/workspace")
    _mark_page(page)
    matrix = page.locator("#matrix")
    matrix.locator("#add-competitor-name").fill("NorthBridge")
    matrix.get_by_role("button", name="Add competitor").click()
    expect(matrix.locator("thead")).to_contain_text("NorthBridge")
    matrix.locator("#new-criterion-name").fill("Price 价格")
    matrix.locator("#new-criterion-weight").fill("40")
    matrix.locator("#new-criterion-score").fill("6")
    matrix.get_by_role("button", name="Add criterion").click()
    expect(matrix.locator("#total-us")).to_have_text("60.0")
    expect(matrix.locator("#weights-notice")).to_contain_text("add up to 40, not 100")
    matrix.locator("#new-criterion-name").fill("Service")
    matrix.locator("#new-criterion-weight").fill("60")
    matrix.locator("#new-criterion-score").fill("9")
    matrix.get_by_role("button", name="Add criterion").click()
    expect(matrix.locator("#total-us")).to_have_text("78.0")  # 0.4 × 6 + 0.6 × 9
    expect(matrix.locator("#weights-notice")).to_have_count(0)
    # Inline edit: a competitor score typed into the cell recomputes its total.
    cell = matrix.get_by_label("Score of NorthBridge on Service")
    cell.fill("7")
    cell.press("Tab")
    expect(matrix.locator("tfoot td").nth(1)).to_have_text(re.compile(r"^70\.0"))  # Price unscored
    # A score out of range is refused at the field, the typed value kept.
    ours = matrix.get_by_label("Our score on Price 价格")
    ours.fill("11")
    ours.press("Tab")
    expect(matrix.locator(".error").first).to_have_text("Too high. Enter a number from 0 to 10.")
    expect(matrix.get_by_label("Our score on Price 价格")).to_have_value("11")
    expect(matrix.locator("#total-us")).to_have_text("78.0")
    assert _stayed(page)


def test_see_a_decision_chain_warning_appear(page, log_in, app, opportunity):
    from portal.deals.models import Stakeholder

    with app.app_context():
        db.session.add(
            Stakeholder(
                opportunity_id=opportunity,
                name="Zhao Min 赵敏",
                influence=5,
                attitude="supporter",
                map_role="money",
                buying_role="economic",
                decision_type="final",
                last_contact=date.today(),
            )
        )
        db.session.commit()
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/workspace")
    warnings = page.locator("#chain-map .chain-warnings")
    expect(warnings).not_to_contain_text("A key decision maker opposes us.")
    _mark_page(page)
    page.get_by_label("Attitude of Zhao Min 赵敏").select_option("opponent")
    expect(warnings).to_contain_text("A key decision maker opposes us.")
    expect(page.locator("#chain-map .person.attitude-opponent")).to_contain_text("Zhao Min")
    assert _stayed(page)
