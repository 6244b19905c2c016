"""A rep logs an objection and works it through all five LSCPA steps in the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


@pytest.fixture
def stakeholder(app, opportunity):
    from portal.deals.models import Stakeholder
    from portal.extensions import db

    with app.app_context():
        db.session.add(
            Stakeholder(
                opportunity_id=opportunity,
                name="王芳 Wang Fang",
                title="CFO",
                influence=4,
                attitude="neutral",
            )
        )
        db.session.commit()


def _mark_done(page, step_name):
    # The step's form was swapped in by htmx: a click before htmx has bound it would post
    # it as a plain form (a full page load) instead of swapping the next step in place.
    settled(page)
    page.locator("#step-form button[type=submit]").click()
    expect(page.locator(f".stepper li[data-step='{step_name}'] .step-num")).to_have_text("✓")


def test_walk_an_objection_through_lscpa_with_a_playbook_response(
    page, log_in, opportunity, stakeholder
):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}")
    page.click("text=Objections (LSCPA)")
    page.fill("[name='new-customer_words']", "你们比竞争对手贵了20%，预算批不下来")
    page.select_option("[name='new-stakeholder_id']", label="王芳 Wang Fang · CFO")
    page.select_option("[name='new-objection_type']", "price")
    page.select_option("[name='new-severity']", "high")
    page.click("button:has-text('Log objection')")
    expect(page.locator(".customer-words")).to_contain_text("预算批不下来")
    detail_url = page.url

    # Assure cannot come first: the stepper shows it locked, no form for it.
    expect(page.locator(".stepper li[data-step='assure']")).to_have_class("step step-locked ")

    expect(page.locator("#step-form h2")).to_have_text("Step 1: Listen")
    expect(page.locator("[name='step-notes']")).to_have_value("你们比竞争对手贵了20%，预算批不下来")
    _mark_done(page, "listen")

    expect(page.locator("#step-form h2")).to_have_text("Step 2: Sympathize")
    page.fill("[name='step-notes']", "理解，预算年初就定了。")
    _mark_done(page, "sympathize")

    expect(page.locator("#step-form h2")).to_have_text("Step 3: Confirm")
    page.fill("[name='step-notes']", "真正的顾虑是今年的预算上限")
    settled(page)
    page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#step-form")).to_contain_text("The customer must confirm")
    expect(page.locator("[name='step-notes']")).to_have_value("真正的顾虑是今年的预算上限")
    page.check("[name='step-customer_confirmed']")
    _mark_done(page, "confirm")

    expect(page.locator("#step-form h2")).to_have_text("Step 4: Process")
    options = page.locator(".response-option")
    expect(options).to_have_count(5)  # four price responses + our own answer
    options.filter(has_text="Spread payments to fit the budget").click()
    page.fill("[name='step-evidence']", "Instalment plan over three years")
    _mark_done(page, "process")
    expect(page.locator("#done-process")).to_contain_text("Spread payments to fit the budget")

    expect(page.locator("#step-form h2")).to_have_text("Step 5: Assure")
    page.fill("[name='step-commitment']", "Written payment schedule by Friday")
    page.select_option("[name='step-owner_id']", label="Rita Rep")
    page.fill("[name='step-due_date']", (date.today() + timedelta(days=5)).isoformat())
    _mark_done(page, "assure")
    expect(page.locator(".all-done")).to_be_visible()

    page.select_option("[name='outcome']", "resolved")
    settled(page)
    page.click("#close button[type=submit]")
    expect(page.locator("#close h2")).to_have_text("Closed as Resolved")
    assert page.url == detail_url  # every step was swapped in place

    page.goto("/objections/playbook#type-price")
    item = page.locator(".playbook-item", has_text="Spread payments to fit the budget")
    expect(item.locator(".rate-big")).to_have_text("100%")


def test_a_form_swapped_in_is_live_at_once(page, log_in, opportunity, stakeholder):
    """The next step's form is bound by htmx in the task that shows it: a submit at that
    very moment (here from the swap's own event) is still sent by htmx and answered in
    place, not posted as a plain form that reloads the page."""
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/objections")
    page.fill("[name='new-customer_words']", "Too expensive for this year's budget")
    page.select_option("[name='new-objection_type']", "price")
    page.click("button:has-text('Log objection')")
    expect(page.locator("#step-form h2")).to_have_text("Step 1: Listen")
    detail_url = page.url
    settled(page)
    page.evaluate(
        """() => {
            window.samePage = true;  // gone if the page is loaded again
            const lscpa = document.getElementById("lscpa");  // not the inbox count's swaps
            lscpa.addEventListener("htmx:afterSwap", () => queueMicrotask(
                () => document.querySelector("#step-form button[type=submit]").click()
            ), {once: true});
        }"""
    )
    page.locator("#step-form button[type=submit]").click()  # Listen done
    # Sympathize was submitted the moment it appeared, through htmx, on the same page.
    expect(page.locator("#step-form h2")).to_have_text("Step 3: Confirm")
    settled(page)
    assert page.evaluate("() => window.samePage === true")
    assert page.url == detail_url


def test_leader_opens_a_recurring_group_and_saves_its_answer(app, page, log_in, make_opportunity):
    """The pipeline carries no form: opening a group fetches its form, a missing answer
    comes back next to the field with the typed title kept, and saving opens the block."""
    from portal.extensions import db
    from portal.objections.models import Objection

    with app.app_context():
        for name in ("Deal A", "Deal B"):
            db.session.add(
                Objection(
                    opportunity_id=make_opportunity(name=name),
                    objection_type="price",
                    severity="high",
                    customer_words="Your price is 20% higher than the competitor",
                    raised_on=date.today() - timedelta(days=3),
                )
            )
        db.session.commit()
    log_in("leader")
    page.goto("/objections/pipeline")
    group = page.locator("article.recurring").first
    expect(group).to_contain_text("Raised in 2 opportunities")
    expect(group.locator("[name$='-title']")).to_have_count(0)
    group.locator("summary").click()
    title = group.locator("[name$='-title']")
    expect(title).to_have_value("Your price is 20% higher than the competitor")
    settled(page)
    title.fill("Price versus the competitor")
    group.locator("button:has-text('Save reusable answer')").click()
    expect(group.locator(".field.has-error")).to_contain_text("Write the answer")
    settled(page)
    expect(group.locator("[name$='-title']")).to_have_value("Price versus the competitor")
    group.locator("[name$='-body']").fill("Lay out the five-year total cost first.")
    group.locator("button:has-text('Save reusable answer')").click()
    page.wait_for_url("**/library/*")
    expect(page.locator("[name=title]")).to_have_value("Price versus the competitor")
