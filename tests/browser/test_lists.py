"""Paging through a long list and picking an account filter, in a browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_next_pages_push_the_cursor_and_back_returns_to_the_same_rows(
    page, log_in, make_opportunity
):
    for i in range(45):
        make_opportunity(name=f"Deal {i:02d}", amount=Decimal(1000 + i))
    log_in("rep")
    page.select_option("#sort", "-amount")
    rows = page.locator("table.opportunities tbody tr")
    expect(rows.first).to_contain_text("Deal 44")
    page.click("a[rel=next]")
    expect(rows.first).to_contain_text("Deal 24")
    expect(page).to_have_url(re.compile(r"after=.+page=2"))
    page.click("a[rel=next]")
    expect(rows.first).to_contain_text("Deal 04")
    expect(page.locator(".pager")).to_contain_text("Page 3 of 3")
    page.go_back()
    expect(rows.first).to_contain_text("Deal 24")
    page.reload()  # the cursor in the URL is the page
    expect(rows.first).to_contain_text("Deal 24")
    page.click("a[rel=prev]")
    expect(rows.first).to_contain_text("Deal 44")


def test_account_filter_suggests_as_you_type_and_filters_on_choice(page, log_in, make_opportunity):
    make_opportunity(name="Grid dispatch network", account_name="华东电网")
    make_opportunity(name="Card risk model", account_name="江南银行")
    log_in("rep")
    rows = page.locator("table.opportunities tbody tr")
    expect(rows).to_have_count(2)
    picker = page.locator("#f-account")
    expect(page.get_by_label("Account", exact=True)).to_have_attribute("list", "f-account-options")
    picker.press_sequentially("电网")
    expect(page.locator("#f-account-options option")).to_have_count(1)
    expect(page.locator("#f-account-options option")).to_have_attribute("value", "华东电网")
    picker.fill("华东电网")  # what choosing the suggestion puts in the field
    picker.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grid dispatch network")
    expect(page).to_have_url(re.compile(r"account_name="))
