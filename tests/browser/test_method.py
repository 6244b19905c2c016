"""The method applied: round verdicts on the sheet, a coverage warning that becomes a task,
an activity that cannot be ticked against its evidence without a reason."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("METHOD_SHOTS")  # a folder: save screenshots there to look at


def _shot(target, name):
    """Save a screenshot of a page or one element when METHOD_SHOTS names a folder."""
    if SHOTS:
        target.screenshot(path=os.path.join(SHOTS, name))


def test_two_rounds_breaking_the_rules_show_both_warnings(page, log_in, opportunity):
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/negotiation")
    basics = page.locator("#basics form")
    basics.locator("[name='sheet-intended_outcome']").fill("Sign at 9.5M")
    basics.locator("button[type=submit]").click()
    expect(page.locator(".sheet-top")).to_contain_text("Sign at 9.5M")
    page.click("summary:has-text('Add a goal')")
    goal = page.locator("#goals form")
    goal.locator("[name='goal-best']").fill("10000000")
    goal.locator("[name='goal-expected']").fill("9000000")
    goal.locator("[name='goal-walk_away']").fill("8000000")
    page.click("button:has-text('Add goal')")
    expect(page.locator("#goals tbody tr[id^=goal-]")).to_have_count(1)

    for number, offer, received in ((1, "9500000", "Two-year maintenance"), (2, "8800000", "")):
        page.click("summary:has-text('Log a round')")
        page.locator("[name='round-their_ask']").fill("8500000")
        page.locator("[name='round-our_offer']").fill(offer)
        page.locator("[name='round-received']").fill(received)
        page.click("button:has-text('Log round')")
        expect(page.locator(f"#round-{number}")).to_be_visible()
    expect(page.locator("#verdict-1")).to_contain_text("within the rules")
    second = page.locator("#verdict-2")
    expect(second.locator(".warning-growing_step")).to_be_visible()
    expect(second.locator(".warning-nothing_received")).to_be_visible()
    _shot(page.locator("#rounds"), "sheet-rounds-en.png")
    page.locator("form.lang button, nav.lang a").filter(has_text="中文").first.click()
    expect(page.locator("#verdict-2")).to_contain_text("让步幅度应逐步缩小")
    _shot(page.locator("#rounds"), "sheet-rounds-zh.png")


def test_a_coverage_warning_becomes_a_task_in_the_list_and_on_the_desk(
    app, page, log_in, make_opportunity
):
    from portal.deals.models import Stakeholder

    opportunity = make_opportunity(stage_position=2, name="Substation upgrade")
    with app.app_context():
        db.session.add(
            Stakeholder(
                opportunity_id=opportunity,
                name="Wang Gong",
                map_role="product",
                buying_role="technical",
                decision_type="technical",
                influence=5,
                attitude="opponent",
                last_contact=date.today(),
            )
        )
        db.session.commit()
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/workspace")
    warning = page.locator("#warning-gatekeeper_opponent")
    expect(warning).to_contain_text("technical evaluator opposes us")
    _shot(page.locator("#chain-map"), "coverage-en.png")
    warning.locator("summary").click()
    expect(warning.locator("select[name=assignee_id]")).to_have_value(str(_presales(app)))
    due = (date.today() + timedelta(days=5)).isoformat()
    warning.locator("input[name=due_date]").fill(due)
    warning.locator("button:has-text('Create task')").click()
    expect(page.locator(".chain-tasks")).to_contain_text("Pia Presales")
    page.goto("/desk")
    expect(page.locator(f"#chain-rollup-{opportunity}")).to_contain_text(
        "supporters 0/3 · no coach · 1 open task"
    )
    page.goto(f"/opportunities/{opportunity}/workspace")
    page.locator("form.lang button, nav.lang a").filter(has_text="中文").first.click()
    expect(page.locator("#warning-gatekeeper_opponent")).to_contain_text("技术评估人反对我方")
    _shot(page.locator("#chain-map"), "coverage-zh.png")

    log_in("presales")
    page.goto("/tasks")
    expect(page.locator("table.my-tasks")).to_contain_text("Substation upgrade")


def _presales(app):
    from portal.auth.models import User

    with app.app_context():
        return db.session.query(User).filter_by(username="presales").one().id


def test_an_activity_cannot_be_ticked_against_its_evidence_without_a_reason(
    app, page, log_in, opportunity
):
    from tests.portal.test_activity_evidence import _chain_template

    template_id = _chain_template(app, opportunity)
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/workspace")
    activity = page.locator(f"#activity-{template_id}")
    expect(activity.locator(".activity-evidence")).to_contain_text("no coach")
    activity.locator("button.tick").click()
    expect(page.locator("#progress .flash-error")).to_contain_text(
        "The records do not show this as done"
    )
    page.locator(f"#activity-{template_id} a.activity-title").click()
    editor = page.locator("#activity-editor")
    editor.locator("select[name=status]").select_option("done")
    editor.locator("button:has-text('Save activity')").click()
    expect(page.locator("#activity-editor")).to_contain_text("The records do not show this as done")
    page.locator("#activity-editor textarea[name=override_reason]").fill(
        "Coach confirmed the chain by phone; map to be updated"
    )
    page.locator("#activity-editor button:has-text('Save activity')").click()
    expect(page.locator(f"#activity-{template_id} .activity-evidence")).to_contain_text(
        "done by reason: Coach confirmed the chain by phone"
    )
