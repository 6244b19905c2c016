"""A rep builds a negotiation sheet: ZOPA drawn, a warned concession, two rounds logged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_build_a_sheet_see_the_zone_warn_on_a_free_concession_and_log_rounds(
    page, log_in, opportunity
):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}")
    page.click("#objections-negotiation >> text=Negotiation sheet")
    expect(page.locator("h1")).to_have_text("Negotiation sheet")

    basics = page.locator("#basics form")
    basics.locator("[name='sheet-intended_outcome']").fill(
        "Sign at 1.0M or better with a reference visit"
    )
    basics.locator("[name='sheet-buyer_batna']").fill("The runner-up at about 0.95M")
    basics.locator("[name='sheet-buyer_max']").fill("1050000")
    basics.locator("[name='sheet-contract_list']").fill("1150000")
    basics.locator("[name='sheet-contract_cost']").fill("600000")
    basics.locator("[name='sheet-training_day_cost']").fill("4000")
    basics.locator("[name='sheet-checklist'][value='price_value_first']").check()
    basics.locator("button[type=submit]").click()
    expect(page.locator(".sheet-top")).to_contain_text("Sign at 1.0M or better")

    page.click("summary:has-text('Add a goal')")
    goal = page.locator("#goals form")
    goal.locator("[name='goal-best']").fill("1100000")
    goal.locator("[name='goal-expected']").fill("1000000")
    goal.locator("[name='goal-walk_away']").fill("1150000")  # better than best: refused
    page.click("button:has-text('Add goal')")
    expect(page.locator("#goals")).to_contain_text("cannot be better than the best outcome")
    expect(page.locator("[name='goal-best']")).to_have_value("1100000")
    page.locator("[name='goal-walk_away']").fill("950000")
    page.click("button:has-text('Add goal')")
    expect(page.locator("#goals tbody tr[id^=goal-]")).to_have_count(1)

    expect(page.locator("#zone .zone-ok")).to_contain_text("CNY 950,000.00 to 1,050,000.00")
    expect(page.locator("svg.zone-svg .zopa-band")).to_be_visible()

    page.click("summary:has-text('Add a concession')")
    plan = page.locator("#concessions form")
    plan.locator("[name='concession-kind']").select_option("discount_pct")
    plan.locator("[name='concession-amount']").fill("3")
    plan.locator("[name='concession-value_to_buyer']").fill("Lower price this year")
    page.click("button:has-text('Add concession')")
    expect(page.locator("#concessions .warning-no_condition")).to_contain_text(
        "gives something for nothing"
    )
    expect(page.locator("#concessions .plan-table")).to_contain_text("30,000.00")

    page.click("summary:has-text('Log a round')")
    page.locator("[name='round-their_ask']").fill("900000")
    page.locator("[name='round-our_offer']").fill("1100000")
    page.click("button:has-text('Log round')")
    expect(page.locator("#round-1")).to_be_visible()
    page.click("summary:has-text('Log a round')")
    expect(page.locator("[name='round-number']")).to_have_value("2")
    page.locator("[name='round-their_ask']").fill("940000")
    page.locator("[name='round-our_offer']").fill("980000")
    page.click("button:has-text('Log round')")
    rows = page.locator("#rounds tbody tr[id^=round-]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("At or above expected")
    expect(rows.nth(1)).to_contain_text("Between expected and walk-away")
    expect(page.locator("svg.rounds-svg circle")).to_have_count(4)

    page.click("text=One-page print view")
    expect(page.locator(".print-page h1")).to_contain_text("Negotiation sheet")
    expect(page.locator(".print-page svg.zone-svg")).to_be_visible()
