"""Presales build a proposal in the browser: sections autosave, library blocks, live totals,
approval by a leader, submission, the frozen revision and its diff, and a two-editor conflict."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context, settled
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _proposal(app, opportunity_id, language="en"):
    """A fresh draft with the default sections, created the way the app does."""
    from portal.drafts.models import Proposal, ProposalSection
    from portal.drafts.workflow import section_title
    from portal.extensions import db
    from proposals.drafting import DEFAULT_SECTION_KINDS

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity_id,
            title="Dispatch DC proposal",
            language=language,
            currency="CNY",
            status="draft",
        )
        for position, kind in enumerate(DEFAULT_SECTION_KINDS):
            proposal.sections.append(
                ProposalSection(
                    position=position, kind=kind, title=section_title(kind, language), body=""
                )
            )
        db.session.add(proposal)
        db.session.commit()
        return proposal.id, [s.id for s in proposal.sections]


def _library_block(
    app,
    users,
    title="Grid dispatch case",
    body="Availability rose to **99.99%** in a provincial grid.",
):
    from portal.drafts.models import LibraryBlock
    from portal.extensions import db
    from portal.timeutil import today

    with app.app_context():
        block = LibraryBlock(
            title=title,
            tags="case,energy",
            language="en",
            body=body,
            owner_id=users["presales"],
            last_reviewed=today() - timedelta(days=3),
        )
        db.session.add(block)
        db.session.commit()
        return block.id


def _switch(page, log_in, username):
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login**")
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/opportunities")


def test_create_a_proposal_autosave_a_section_and_insert_a_library_block(
    page, log_in, app, users, opportunity
):
    _library_block(app, users)
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}")
    page.click("a.button:has-text('Proposals')")
    page.fill("#title", "Dispatch DC network proposal")
    page.select_option("#language", "en")
    page.click("button:has-text('Create proposal')")
    expect(page.locator("h1")).to_have_text("Dispatch DC network proposal")
    expect(page.locator("li.section")).to_have_count(9)
    expect(page.locator("li.section").first).to_contain_text("Executive summary")

    first = page.locator("li.section").first
    first.locator("a:has-text('Edit')").click()
    _settled(page)  # htmx binds the autosave trigger once the swap settles
    editor = page.locator("form.section-editor")
    textarea = editor.locator("textarea[name=body]")
    textarea.fill("")
    textarea.type("We cut outage time **by 80%**.\n\n- zero-downtime cutover")
    state = editor.locator(".save-state")
    expect(state).to_contain_text("Saved", timeout=8000)
    expect(editor.locator(".preview strong")).to_have_text("by 80%")

    # Insert a library block into the section being edited: typed text stays, block follows.
    page.fill("input[type=search][name=q]", "grid")
    item = page.locator(".picker-item", has_text="Grid dispatch case")
    expect(item).to_be_visible()
    item.locator("button:has-text('Insert')").click()
    expect(page.locator("form.section-editor textarea[name=body]")).to_have_value(
        re.compile(r"zero-downtime cutover\n\nAvailability rose")
    )
    expect(page.locator(".picker-results")).to_contain_text("Inserted")

    page.click("button:has-text('Done')")
    expect(page.locator("li.section").first.locator(".block-uses")).to_contain_text(
        "Grid dispatch case · v1"
    )
    page.reload()
    expect(page.locator("li.section").first).to_contain_text("We cut outage time by 80%.")


def test_validation_error_on_autosave_stays_in_the_editor(page, log_in, app, opportunity):
    proposal_id, _sections = _proposal(app, opportunity)
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    page.locator("li.section").first.locator("a:has-text('Edit')").click()
    _settled(page)  # htmx binds the autosave trigger once the swap settles
    page.fill("form.section-editor textarea[name=body]", "Important words that must survive")
    page.fill("form.section-editor input[name=title]", "")
    expect(page.locator(".save-state")).to_contain_text("Not saved", timeout=8000)
    expect(page.locator(".section-editor p.error").first).to_contain_text("This field is required.")
    expect(page.locator("form.section-editor textarea[name=body]")).to_have_value(
        "Important words that must survive"
    )
    page.fill("form.section-editor input[name=title]", "Summary")
    expect(page.locator(".save-state")).to_contain_text("Saved", timeout=8000)


def test_quote_totals_approval_submit_revision_and_diff(page, log_in, app, opportunity):
    proposal_id, _sections = _proposal(app, opportunity)
    url = f"/opportunities/{opportunity}/proposals/{proposal_id}"
    log_in("presales")
    page.goto(url)

    page.fill("#new-option-name", "Advanced")
    page.fill("#new-option-maintenance_years", "3")
    page.click("button:has-text('Add option')")
    option = page.locator("article.option").first
    expect(option.locator("input[name$='-name']")).to_have_value("Advanced")

    add = option.locator("form.add-line")
    add.locator("select[name=part]").select_option("solution")
    add.locator("[name=description]").fill("Platform licence")
    add.locator("[name=quantity]").fill("10")
    add.locator("[name=unit_price]").fill("10000")
    add.locator("[name=unit_cost]").fill("6000")
    add.locator("[name=discount_pct]").fill("-5")
    add.locator("button:has-text('Add line')").click()
    add = page.locator("article.option").first.locator("form.add-line")
    expect(add).to_contain_text("Enter a discount between 0 and 100.")
    expect(add.locator("[name=description]")).to_have_value(
        "Platform licence"
    )  # nothing typed is lost
    add.locator("[name=discount_pct]").fill("10")
    add.locator("button:has-text('Add line')").click()

    totals = page.locator("#quote-totals")
    grand = totals.locator("tr.grand td").first
    expect(grand).to_have_text("90,000.00")
    expect(totals).to_contain_text("no approval needed")

    # Edit the quantity in place: the totals follow without a page load (once the line's
    # fresh row has settled: typing into the one being replaced would be lost).
    settled(page)
    row = page.locator("tr.line").first
    row.locator("[name=quantity]").fill("12")
    expect(grand).to_have_text("108,000.00")
    row.locator("[name=quantity]").fill("ten")
    expect(row.locator(".field-error").nth(1)).to_have_text("Enter a number, for example 1234.50.")
    expect(grand).to_have_text("108,000.00")
    row.locator("[name=quantity]").fill("12")
    # A 20 % discount trips the leader's limit (15 %).
    row.locator("[name=discount_pct]").fill("20")
    expect(totals.locator(".approval-need")).to_contain_text("Needs approval by: Leader")
    expect(page.locator("#workflow button:has-text('Submit to customer')")).to_be_disabled()

    page.click("#workflow button:has-text('Send for review')")
    expect(page.locator("#proposal-status")).to_have_text("In review")
    expect(page.locator("#workflow .approval-box")).to_contain_text("Waiting for approval")

    _switch(page, log_in, "leader")
    page.goto("/approvals")
    item = page.locator("article.approval-item", has_text="Dispatch DC proposal")
    expect(item).to_contain_text("Discount")
    item.locator("textarea[name=comment]").fill("OK: strategic account")
    item.locator("button:has-text('Approve')").click()
    expect(page.locator(".flash")).to_contain_text("Approved")

    _switch(page, log_in, "presales")
    page.goto(url)
    expect(page.locator("#proposal-status")).to_have_text("Approved")
    expect(page.locator("#quote-totals .approval-need")).to_contain_text("Approved by Lena Leader")
    page.click("#workflow button:has-text('Submit to customer')")
    expect(page.locator("#proposal-status")).to_have_text("Submitted")
    expect(page.locator(".readonly-note")).to_contain_text("Frozen")
    expect(page.locator("form.section-editor")).to_have_count(0)

    page.click("#workflow .rev-list a:has-text('v1')")
    expect(page.locator(".proposal-meta")).to_contain_text("Frozen")
    expect(page.locator(".revision-doc")).to_contain_text("96,000.00")  # 12 × 10,000 − 20 %
    page.go_back()

    # A new draft continues from the frozen revision; change text and price, then diff.
    page.click("#workflow button:has-text('Back to draft')")
    expect(page.locator("#proposal-status")).to_have_text("Draft")
    page.locator("li.section").first.locator("a:has-text('Edit')").click()
    _settled(page)  # htmx binds the autosave trigger once the swap settles
    page.fill("form.section-editor textarea[name=body]", "Second draft wording")
    expect(page.locator(".save-state")).to_contain_text("Saved", timeout=8000)
    page.locator("tr.line").first.locator("[name=quantity]").fill("13")
    expect(page.locator("#quote-totals tr.grand td").first).to_have_text("104,000.00")
    page.click("#workflow a:has-text('diff to draft')")
    expect(page.locator(".text-diff .diff-added")).to_contain_text("Second draft wording")
    expect(page.locator(".price-diff")).to_contain_text("Quantity 12 → 13")
    expect(page.locator(".price-diff td.delta").first).to_have_text("+8,000.00")


def test_two_editors_on_one_section_get_a_conflict_not_an_overwrite(
    browser, live_server, app, users, opportunity
):
    proposal_id, _sections = _proposal(app, opportunity)
    url = f"{live_server}/opportunities/{opportunity}/proposals/{proposal_id}"
    pages = []
    contexts = []
    for _ in range(2):
        context = new_context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", "presales")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/opportunities")
        page.goto(url)
        page.locator("li.section").first.locator("a:has-text('Edit')").click()
        _settled(page)  # htmx binds the autosave trigger once the swap settles
        expect(page.locator("form.section-editor")).to_be_visible()
        pages.append(page)
    first, second = pages
    first.fill("form.section-editor textarea[name=body]", "Text from the first editor")
    expect(first.locator(".save-state")).to_contain_text("Saved", timeout=8000)

    second.fill("form.section-editor textarea[name=body]", "Text from the second editor")
    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("You changed this section in another window", timeout=8000)
    expect(conflict.locator(".theirs")).to_contain_text("Text from the first editor")
    expect(second.locator(".save-state")).to_contain_text("Not saved")
    expect(second.locator("form.section-editor textarea[name=body]")).to_have_value(
        "Text from the second editor"
    )

    conflict.locator("button:has-text('Keep my version')").click()
    expect(second.locator(".save-state")).to_contain_text("Saved", timeout=8000)
    expect(second.locator(".conflict")).to_have_count(0)
    first.reload()
    expect(first.locator("li.section").first).to_contain_text("Text from the second editor")
    for context in contexts:
        context.close()


def test_rep_reads_and_comments(page, log_in, app, opportunity):
    proposal_id, _sections = _proposal(app, opportunity)
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    expect(page.locator(".readonly-note")).to_have_text("Read only")
    expect(page.locator("a:has-text('Edit')")).to_have_count(0)
    page.fill("#comment-body", "Lead with the outage numbers")
    page.click("#comments button:has-text('Comment')")
    expect(page.locator("#comments .comment")).to_contain_text("Lead with the outage numbers")


def test_sections_reorder_by_drag_and_drop(page, log_in, app, opportunity):
    from portal.drafts.models import ProposalSection
    from portal.extensions import db

    proposal_id, section_ids = _proposal(app, opportunity)
    log_in("presales")
    page.set_viewport_size({"width": 1280, "height": 2000})  # first and last section in view
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    first, last = section_ids[0], section_ids[-1]
    page.drag_and_drop(
        f"#section-{last} .drag-handle",
        f"#section-{first} .section-bar",
        target_position={"x": 40, "y": 2},
    )
    expect(page.locator("#sections .flash")).to_contain_text("New order saved.")
    expect(page.locator("ol.sections > li.section").first).to_have_id(f"section-{last}")
    expect(page.locator(f"#section-{last} .section-no")).to_have_text("1")
    with app.app_context():
        saved = db.session.scalars(
            db.select(ProposalSection.id)
            .where(ProposalSection.proposal_id == proposal_id)
            .order_by(ProposalSection.position)
        ).all()
    assert saved == [last, *section_ids[:-1]]
    # The order survives a reload: it was saved, not only drawn.
    page.reload()
    expect(page.locator("ol.sections > li.section").first).to_have_id(f"section-{last}")


def _settled(page) -> None:
    """Wait for the section editor, until htmx has settled it (its triggers are bound then)."""
    page.wait_for_selector("form.section-editor textarea[name=body]")
    settled(page)
