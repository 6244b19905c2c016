"""Tender response in the browser: import 40 requirements, answer three from suggestions,
assign two with due dates, see them in the assignee's inbox, submission refused for a ★
row, fixed, submitted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


@pytest.fixture
def tender(app, opportunity, users):
    """An approved proposal with a valid quote, and a small content library."""
    from decimal import Decimal

    from portal.drafts.models import (
        LibraryBlock,
        Proposal,
        ProposalLine,
        ProposalOption,
        ProposalSection,
    )

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity,
            title="调度中心投标",
            language="zh_CN",
            currency="CNY",
            status="approved",
        )
        proposal.sections.append(
            ProposalSection(position=0, kind="proposed_solution", title="解决方案", body="方案")
        )
        option = ProposalOption(position=0, name="标准方案", recommended=True, maintenance_years=1)
        option.lines.append(
            ProposalLine(
                position=0,
                part="solution",
                description="许可",
                quantity=Decimal(1),
                unit_price=Decimal(1000),
                unit_cost=Decimal(500),
                discount_pct=Decimal(0),
            )
        )
        proposal.options.append(option)
        topics = [
            ("原厂服务承诺", "我们提供7×24小时原厂技术支持，2小时内响应。"),
            ("双因素认证", "平台支持短信和令牌双因素认证，管理员操作全部留痕。"),
            ("国产化适配", "全面适配国产操作系统与国产数据库，已通过兼容性认证。"),
        ]
        db.session.add(proposal)
        db.session.add_all(
            LibraryBlock(title=t, body=b, language="zh_CN", last_reviewed=date.today())
            for t, b in topics
        )
        db.session.commit()
        return proposal.id


def _paste_text() -> str:
    lines = ["序号\t招标要求"]
    lines.append("1\t★投标人须提供7×24小时原厂技术支持服务")
    lines.append("2\t系统应支持双因素认证，管理员操作留痕")
    lines.append("3\t须适配国产操作系统和国产数据库")
    for i in range(4, 41):
        lines.append(f"{i}\t第{i}项功能要求：支持报表导出第{i}类")
    return "\n".join(lines) + "\n"


def _answer_rest_in_the_database(app, proposal_id, keep):
    from portal.tender.models import Requirement

    with app.app_context():
        for row in db.session.query(Requirement).filter_by(proposal_id=proposal_id):
            if row.number not in keep:
                row.verdict, row.response = "comply", "满足。"
        db.session.commit()


def test_tender_journey(page, log_in, app, opportunity, tender, users):
    base = f"/opportunities/{opportunity}/proposals/{tender}/requirements"
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{tender}")
    page.click("text=Tender response")
    page.wait_for_url(f"**{base}")

    # Import 40 requirements by pasting the table.
    page.fill("#pasted", _paste_text())
    page.click("text=Read the table")
    page.wait_for_selector("text=40 added, 0 changed, 0 removed")
    page.click("text=Apply the import")
    page.wait_for_selector("text=Import applied: 40 added")
    assert page.locator("tbody.req").count() == 40

    # Answer three from suggestions.
    for number, title in (("1", "原厂服务承诺"), ("2", "双因素认证"), ("3", "国产化适配")):
        row = page.locator(f"tbody.req[data-number='{number}']")
        row.get_by_role("link", name="Respond").click()
        suggestion = page.locator(".suggestion", has_text=title)
        suggestion.get_by_role("button", name="Use this answer").click()
        page.wait_for_selector("text=Suggestion copied into the response.")
        settled(page)
        page.locator("tbody.req .req-editing").get_by_role("link", name="Cancel").click()
        page.wait_for_selector(".req-editing", state="detached")
    assert page.locator(".verdict-comply").count() == 3

    # Assign two rows with due dates to the leader.
    due = (date.today() + timedelta(days=2)).isoformat()
    leader = str(users["leader"])
    for number in ("4", "5"):
        row = page.locator(f"tbody.req[data-number='{number}']")
        row.locator("summary", has_text="Assign").click()
        row.locator("select[name=owner_id]").select_option(leader)
        row.locator("input[name=due_date]").fill(due)
        row.get_by_role("button", name="Save assignment").click()
        page.wait_for_selector(f"text=due {due} >> nth=0")
        settled(page)
    assert page.locator(f"text=due {due}").count() == 2

    # The leader sees them in the inbox.
    page.click("text=Log out")
    log_in("leader")
    page.wait_for_selector("#inbox-counts .count")
    assert page.locator("#inbox-counts .count").first.inner_text() == "2"
    page.click("a.inbox-link")  # returns once the address commits: wait for the items
    expect(page.locator(".inbox-requirement")).to_have_count(2)
    expect(page.locator("text=第4项功能要求")).to_have_count(1)

    # Everything else answered, except the ★ row: submission is refused and lists it.
    page.click("text=Log out")
    log_in("presales")
    _answer_rest_in_the_database(app, tender, keep={"1"})
    from portal.tender.models import Requirement

    with app.app_context():
        star = db.session.query(Requirement).filter_by(proposal_id=tender, number="1").one()
        star.verdict = "deviate"
        db.session.commit()
    page.goto(f"/opportunities/{opportunity}/proposals/{tender}")
    page.click("button:has-text('Submit to customer')")
    page.wait_for_url("**/requirements/gate")
    assert page.locator(".flash-error").inner_text().startswith("Not submitted")
    link = page.locator(".gate-table a").first
    assert "投标人须提供7×24小时原厂技术支持服务" in page.locator(".gate-table").inner_text()

    # Fixed: the ★ row complies now.
    link.click()
    row = page.locator("tbody.req[data-number='1']")
    row.get_by_role("link", name="Respond").click()
    page.select_option("tbody.req .req-editing select[name=verdict]", "comply")
    page.locator("tbody.req .req-editing").get_by_role("button", name="Save").click()
    page.wait_for_selector(".req-editing", state="detached")
    page.goto(f"/opportunities/{opportunity}/proposals/{tender}")
    page.click("button:has-text('Submit to customer')")
    page.wait_for_selector("text=Submitted. Revision frozen")


def test_mention_autocomplete_reaches_the_inbox(page, log_in, app, opportunity, tender, users):
    from portal.tender.models import Requirement

    with app.app_context():
        db.session.add(Requirement(proposal_id=tender, position=0, number="1", text="支持单点登录"))
        db.session.commit()
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{tender}/requirements")
    row = page.locator("tbody.req[data-number='1']")
    row.locator("summary", has_text="Comments").click()
    box = row.locator("textarea[name=body]")
    box.wait_for()
    settled(page)
    box.type("请 @lea")
    row.locator(".mention-pick", has_text="@leader").click()
    assert box.input_value() == "请 @leader "
    box.type("确认这条偏离")
    row.get_by_role("button", name="Comment").click()
    row.locator(".comment", has_text="确认这条偏离").wait_for()

    page.click("text=Log out")
    log_in("leader")
    page.wait_for_selector("#inbox-counts .count")
    page.goto("/inbox?tab=mentioned")
    page.click("text=确认这条偏离")
    page.wait_for_url("**/requirements?row=*")
