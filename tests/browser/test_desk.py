"""A leader narrows the bid desk, goes back and forward through the filter states, and
selects every bid shown for the zip."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_filter_the_desk_back_and_forward_and_select_all(page, log_in, make_opportunity):
    today = date.today()
    make_opportunity(
        name="Grid dispatch", account_name="华东电网", bid_deadline=today + timedelta(days=3)
    )
    make_opportunity(
        name="Grid metering", account_name="华东电网", bid_deadline=today + timedelta(days=60)
    )
    make_opportunity(
        name="Card risk model", account_name="江南银行", bid_deadline=today + timedelta(days=5)
    )
    log_in("leader")
    page.goto("/desk")
    rows = page.locator("table.desk-table tbody tr[id^=bid-]")
    expect(rows).to_have_count(3)

    page.fill("#desk-q", "电网")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=%E7%94%B5%E7%BD%91"))
    page.select_option("#deadline", "7")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grid dispatch")
    expect(page).to_have_url(re.compile(r"deadline=7"))
    assert "None" not in page.url

    # Back: the search alone; back again: everything; forward twice: both filters again,
    # with the filter bar showing them.
    page.go_back()
    expect(rows).to_have_count(2)
    expect(page.locator("#deadline")).to_have_value("")
    page.go_back()
    expect(rows).to_have_count(3)
    expect(page.locator("#desk-q")).to_have_value("")
    page.go_forward()
    expect(rows).to_have_count(2)  # each step restored before the next one is taken
    page.go_forward()
    expect(rows).to_have_count(1)
    expect(page.locator("#desk-q")).to_have_value("电网")
    expect(page.locator("#deadline")).to_have_value("7")

    # Select all ticks the bids shown (the filtered ones) and follows single boxes.
    page.select_option("#deadline", "")
    expect(rows).to_have_count(2)
    page.check("#desk-select-all")
    boxes = page.locator("#desk-form input[name=opportunity]")
    expect(boxes).to_have_count(2)
    for i in range(2):
        expect(boxes.nth(i)).to_be_checked()
    boxes.first.uncheck()
    assert page.locator("#desk-select-all").evaluate("el => el.indeterminate") is True
    expect(page.locator("#desk-select-all")).not_to_be_checked()


def test_desk_rows_stay_within_two_lines_at_1366_px(page, log_in, make_opportunity):
    make_opportunity(
        name="区域医疗影像云平台二期扩容 Regional imaging cloud, phase two expansion",
        account_name="天府智慧医疗集团有限责任公司 Tianfu Smart Healthcare Group",
    )
    make_opportunity(name="Short", bid_deadline=None)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("leader")
    page.goto("/desk")
    line = page.locator("table.desk-table td.desk-name > a").first.bounding_box()["height"]
    heights = page.eval_on_selector_all(
        "table.desk-table tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 2.8 * line + 14, (heights, line)
    width = page.eval_on_selector("#desk-form", "f => [f.scrollWidth, f.clientWidth]")
    assert width[0] <= width[1], width  # no sideways scrolling at 1366 px
