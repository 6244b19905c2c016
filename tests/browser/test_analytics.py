"""Analytics in a browser: filters swap the figures and the URL, unknown accounts are said
next to the field, a figure opens the opportunities behind it, back returns the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.portal.test_analytics import close_bid  # noqa: F401  (the fixture)


def test_filters_drill_down_and_back(page, log_in, close_bid):  # noqa: F811
    close_bid(result="won", form="inquiry", account_name="华东电网信息通信公司")
    close_bid(result="lost", form="inquiry", account_name="江南城市银行")
    close_bid(result="won", form="public_tender", account_name="江南城市银行", days_ago=800)
    log_in("leader")
    page.goto("/analytics")
    forms = page.locator("#table-form")
    # the default period (24 months) leaves out the bid closed 800 days ago
    assert forms.locator("tbody tr").count() == 1

    page.select_option("#f-period", "all")
    page.wait_for_url(re.compile(r"period=all"))
    expect(forms.locator("tbody tr")).to_have_count(2)

    page.fill("#f-account", "江南")
    page.press("#f-account", "Enter")
    page.wait_for_url(re.compile(r"account_name="))
    inquiry = forms.locator("tbody tr", has_text="Inquiry")
    # closed 1, won 0, lost 1: only the bid lost at 江南城市银行
    expect(inquiry.locator("td").nth(1)).to_have_text("0")
    expect(inquiry.locator("td").nth(2)).to_have_text("1")

    page.fill("#f-account", "Nobody at all")
    page.press("#f-account", "Enter")
    page.locator("#f-account-error").wait_for(state="visible")
    expect(forms.get_by_text("No closed bids in this selection.")).to_be_visible()

    page.fill("#f-account", "")
    page.press("#f-account", "Enter")
    page.locator("#f-account-error").wait_for(state="hidden")
    forms.locator("tbody tr", has_text="Inquiry").locator("td").nth(1).get_by_role("link").click()
    page.wait_for_url(re.compile(r"/analytics/opportunities\?.*dim=form.*key=inquiry"))
    expect(page.get_by_text("1 opportunity")).to_be_visible()
    assert page.locator("table.drill-down tbody tr").count() == 1

    page.go_back()
    page.wait_for_url(re.compile(r"/analytics\?"))
    expect(page.locator("h1", has_text="Analytics")).to_be_visible()
    expect(page.locator("#table-form tbody tr")).to_have_count(2)
