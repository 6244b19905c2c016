"""Notifications in the browser: presales send a quote beyond their authority for review;
the leader sees the counter beside Inbox, opens the notification, and the counter drops."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def discounted_draft(app, opportunity, users):
    """A draft whose one line carries a 20 % discount: a leader must approve it."""
    from portal.drafts.models import Proposal, ProposalLine, ProposalOption, ProposalSection

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity, title="调度中心扩容方案", language="zh_CN", currency="CNY",
            created_by_id=users["presales"],
        )  # fmt: skip
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
                unit_price=Decimal(100000),
                unit_cost=Decimal(60000),
                discount_pct=Decimal(20),
            )  # fmt: skip
        )
        proposal.options.append(option)
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def test_a_leader_sees_and_opens_an_approval_request(page, log_in, opportunity, discounted_draft):
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{discounted_draft}")
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_load_state("networkidle")
    page.click("text=Log out")

    log_in("leader")
    counter = page.locator("#inbox-counts .count").first
    counter.wait_for()
    assert counter.inner_text() == "1"
    page.click("a.inbox-link")  # unread notifications: their tab opens first
    # The click returns once the inbox's address is committed, maybe before its body is
    # parsed: wait for the item rather than count what has arrived so far.
    item = page.locator(".notification.is-unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Pia Presales asks for approval of the quote of 调度中心扩容方案.")
    item.locator("a.notification-link").click()
    page.wait_for_url("**/approvals#approval-*")
    page.wait_for_function("() => !document.querySelector('#inbox-counts .count')")
    page.goto("/inbox?tab=notifications")
    assert page.locator(".notification.is-unread").count() == 0
    assert page.locator(".notification").count() == 1


def test_mark_read_and_mark_all_read_update_the_counter(page, log_in, app, users, opportunity):
    from portal.drafts.models import Proposal
    from portal.tender.models import InboxItem

    with app.app_context():
        proposal = Proposal(opportunity_id=opportunity, title="Grid", language="en", currency="CNY")
        db.session.add(proposal)
        db.session.flush()
        for _ in range(3):
            db.session.add(
                InboxItem(
                    user_id=users["rep"],
                    kind="comment",
                    proposal_id=proposal.id,
                    actor_id=users["leader"],
                )  # fmt: skip
            )
        db.session.commit()
    log_in("rep")
    page.goto("/inbox")
    assert page.locator("#inbox-counts .count").first.inner_text() == "3"
    page.locator(".notification .mark-read button").first.click()
    page.wait_for_function(
        "() => document.querySelector('#inbox-counts .count').textContent === '2'"
    )
    # The row is swapped after the counter (htmx settles the target last).
    page.wait_for_function(
        "() => document.querySelectorAll('.notification.is-unread').length === 2"
    )
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_function("() => !document.querySelector('#inbox-counts .count')")
    page.wait_for_function("() => !document.querySelector('.notification.is-unread')")
    assert page.locator(".notification").count() == 3
