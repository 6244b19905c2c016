"""What a rep does first: log in, find a deal, map its decision chain, switch language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context

pytestmark = pytest.mark.browser


def test_log_in_and_search_the_list_as_you_type(page, log_in, make_opportunity):
    make_opportunity(name="Grid dispatch network", account_name="华东电网")
    make_opportunity(name="Card risk model", account_name="江南银行")
    log_in("rep")
    rows = page.locator("table.opportunities tbody tr")
    expect(rows).to_have_count(2)
    page.fill("#q", "电网")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grid dispatch network")
    expect(page).to_have_url(re.compile(r"q=%E7%94%B5%E7%BD%91"))
    # Back restores the unfiltered list as a whole page; forward brings the search back.
    page.go_back()
    expect(rows).to_have_count(2)
    page.go_forward()
    expect(rows).to_have_count(1)
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.locator("#q")).to_have_value("电网")


def test_open_an_opportunity_and_add_a_stakeholder_inline(page, log_in, opportunity):
    log_in("rep")
    page.click("text=调度数据中心 DC refresh")
    expect(page.locator("h1")).to_have_text("调度数据中心 DC refresh")
    page.click("summary:has-text('Add a stakeholder')")
    form = page.locator("details.add-stakeholder form")
    form.locator("[name='new-name']").fill("李娜 Li Na")
    form.locator("[name='new-title']").fill("信息中心主任")
    form.locator("[name='new-map_role']").select_option("product")
    form.locator("[name='new-buying_role']").select_option("technical")
    form.locator("[name='new-influence']").fill("4")
    form.locator("[name='new-attitude']").select_option("supporter")
    url_before = page.url
    form.locator("button[type=submit]").click()
    card = page.locator("li.stakeholder", has_text="李娜 Li Na")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Technical buyer (TB)")
    expect(page.locator("#decision-chain")).to_contain_text("Stakeholder added.")
    assert page.url == url_before  # swapped in place, no navigation


def test_validation_error_is_shown_at_the_field_and_input_is_kept(page, log_in, opportunity):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}")
    page.click("summary:has-text('Add a stakeholder')")
    form = page.locator("details.add-stakeholder form")
    form.locator("[name='new-name']").fill("Zhou Qiang")
    form.locator("[name='new-influence']").fill("9")
    form.locator("[name='new-notes']").fill("Prefers WeChat 微信联系")
    form.locator("button[type=submit]").click()
    error = page.locator("#new-influence-error")
    expect(error).to_have_text("Influence is a whole number from 1 to 5.")
    form = page.locator("details.add-stakeholder form")
    expect(form.locator("[name='new-name']")).to_have_value("Zhou Qiang")
    expect(form.locator("[name='new-notes']")).to_have_value("Prefers WeChat 微信联系")
    expect(page.locator("li.stakeholder", has_text="Zhou Qiang")).to_have_count(0)
    form.locator("[name='new-influence']").fill("2")
    form.locator("button[type=submit]").click()
    expect(page.locator("li.stakeholder", has_text="Zhou Qiang")).to_be_visible()


def test_switch_language_to_chinese_and_back(page, log_in):
    log_in("rep")
    page.click("button:has-text('中文')")
    expect(page.locator("h1")).to_have_text("商机")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.goto("/accounts")  # the choice sticks to the user, page after page
    expect(page.locator("nav.mainnav")).to_contain_text("客户")
    page.click("button:has-text('EN')")
    expect(page.locator("h1")).to_have_text("Accounts")


def test_conflicting_edits_from_two_browsers(browser, live_server, users, opportunity):
    from tests.conftest import PASSWORD

    pages = []
    for _ in range(2):
        p = new_context(browser, live_server).new_page()
        p.goto("/login")
        p.fill("#username", "rep")
        p.fill("#password", PASSWORD)
        p.click("button[type=submit]")
        p.wait_for_url("**/opportunities")  # logged in: the session cookie is set
        p.goto(f"/opportunities/{opportunity}/edit")
        pages.append(p)
    first, second = pages
    first.fill("#name", "Renamed by the first editor")
    first.click("button[type=submit]")
    expect(first.locator("h1")).to_have_text("Renamed by the first editor")
    second.fill("#name", "Renamed by the second editor")
    second.click("button[type=submit]")
    expect(second.locator(".conflict")).to_contain_text("You changed this in another window")
    expect(second.locator(".conflict .theirs")).to_contain_text("Renamed by the first editor")
    expect(second.locator("#name")).to_have_value("Renamed by the second editor")
    for p in pages:
        p.context.close()
