"""An outcome recorded from a pasted award notice, in Chromium: the rival's history grows
and the next tender's scenario offers the history-based price model."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.portal.test_outcomes import CN_NOTICE, _official, _past_bids

pytestmark = pytest.mark.browser

RIVAL = "联创网络 Lianchuang Networks"


def test_a_pasted_notice_grows_the_rival_history_that_the_next_scenario_uses(
    page, log_in, app, opportunity, make_opportunity
):
    _past_bids(app, make_opportunity, RIVAL, ["9000000", "9500000"])
    _official(app, opportunity)
    next_tender = make_opportunity(name="Next tender 下一个项目")
    next_scenario = _official(app, next_tender)
    log_in("rep")

    # Before: two recorded bids, not enough for a history model.
    page.goto(f"/opportunities/{next_tender}/price-scores/{next_scenario}")
    first = page.locator("tbody.ps-comp").first
    expect(first.locator("td.ps-rival-name")).to_have_text(RIVAL)
    expect(first.locator("select[name$=price_model] option[value=history]")).to_have_count(0)

    # The rep records the lost tender by pasting the notice.
    page.goto(f"/opportunities/{opportunity}")
    page.click("#deal-outcome a:has-text('Record the outcome')")
    page.select_option("#result", "lost")
    page.select_option("#reason_code", "price")
    page.fill("#reason_text", "联创 bid 2 % under us")
    page.fill("#notice", CN_NOTICE)
    page.click("button:has-text('Read the notice')")
    expect(page.locator(".oc-notice")).to_contain_text("3 bidders read from the notice")
    expect(page.locator("#b0-name")).to_have_value(RIVAL)
    expect(page.locator("#b0-price")).to_have_value("11200000.00")
    expect(page.locator("#b1-is_us")).to_be_checked()  # at our submitted price
    expect(page.locator("#bidder-0 input[name=winner]")).to_be_checked()
    # The rep corrects a parsed figure before saving.
    page.fill("#b2-total_score", "89.50")
    page.click("button:has-text('Save the outcome')")
    expect(page.locator(".flash")).to_contain_text("Outcome saved")
    recorded = page.locator("#outcome-recorded")
    expect(recorded).to_contain_text("89.50")
    expect(recorded).to_contain_text("Predicted P(win) when recorded")

    # The rival's history now holds three bids, this one linked.
    recorded.locator(f"a:has-text('{RIVAL}')").first.click()
    expect(page.locator("#rival-history-count")).to_contain_text("3 recorded bids")
    expect(page.locator("table.oc-history")).to_contain_text("0.8750")
    expect(page.locator("table.oc-history")).to_contain_text("调度数据中心 DC refresh")

    # The next tender's scenario offers the history model and rests it on those bids.
    page.goto(f"/opportunities/{next_tender}/price-scores/{next_scenario}")
    first = page.locator("tbody.ps-comp").first
    expect(first).to_contain_text("3 recorded bids: the history model is available")
    model = first.locator("select[name$=price_model]")
    model.focus()
    model.select_option("history")
    page.locator("#name").focus()  # leaving the row saves it
    expect(page.locator("tbody.ps-comp").first.locator(".ps-history-note")).to_contain_text(
        "based on 3 past bids"
    )
    page.reload()
    expect(page.locator("tbody.ps-comp").first.locator("select[name$=price_model]")).to_have_value(
        "history"
    )
