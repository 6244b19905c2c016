"""Everyday polish in the browser (issue 18): grouped quote numbers, a clean console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_drafts import _proposal

pytestmark = pytest.mark.browser


def _line_values(app, proposal_id):
    from portal.drafts.models import ProposalLine, ProposalOption
    from portal.extensions import db

    with app.app_context():
        line = (
            db.session.query(ProposalLine)
            .join(ProposalOption)
            .filter(ProposalOption.proposal_id == proposal_id)
            .one()
        )
        return line.quantity, line.unit_price


def test_quote_numbers_are_grouped_unless_focused_and_full_width_digits_count(
    page, log_in, app, opportunity
):
    proposal_id, _sections = _proposal(app, opportunity)
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    page.fill("#new-option-name", "Advanced")
    page.fill("#new-option-maintenance_years", "3")
    page.click("button:has-text('Add option')")
    add = page.locator("article.option").first.locator("form.add-line")
    add.locator("select[name=part]").select_option("maintenance")
    add.locator("[name=description]").fill("Support")
    add.locator("[name=quantity]").fill("1")
    add.locator("[name=unit_price]").fill("１８０，０００")  # typed with a Chinese IME
    add.locator("[name=unit_cost]").fill("90 000")
    add.locator("[name=discount_pct]").fill("0")
    add.locator("button:has-text('Add line')").click()

    price = page.locator("tr.line [name=unit_price]").first
    expect(price).to_have_value("180,000")
    expect(page.locator("tr.line [name=unit_cost]").first).to_have_value("90,000")
    # The new-line form starts over: the part is not the one chosen last.
    add = page.locator("article.option").first.locator("form.add-line")
    expect(add.locator("select[name=part]")).to_have_value("solution")
    select_box = add.locator("select[name=part]").bounding_box()
    widest = page.evaluate(
        """() => { const s = document.querySelector('form.add-line select[name=part]');
        const c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(s).font;
        return Math.max(...[...s.options].map(o => c.measureText(o.text).width)); }"""
    )
    assert select_box["width"] >= widest, (select_box, widest)  # "Maintenance & aft…" no more

    price.focus()
    expect(price).to_have_value("180000")
    price.fill("２５０００")
    page.locator("tr.line [name=quantity]").first.focus()
    expect(price).to_have_value("25,000")
    # Saved as 25000: three years of maintenance at 25,000.
    expect(page.locator("#quote-totals tr.grand td").first).to_contain_text("75,000.00")
    assert _line_values(app, proposal_id)[1] == 25000


# --- CSP: a clean console on the main journeys ----------------------------------------------

_REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.reportCsp([e.violatedDirective, e.blockedURI, e.sample, location.pathname].join(' | '));
});
"""


def test_main_journeys_cause_no_csp_violation(page, log_in, app, opportunity):
    """Every page and htmx swap of the main journeys, with the browser's own violation
    events recorded (the page fixture also fails on CSP console errors). htmx injects no
    indicator <style> (includeIndicatorStyles false); app.css styles .htmx-indicator."""
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity).id
    proposal_id, _sections = _proposal(app, opportunity)
    violations: list[str] = []
    page.expose_function("reportCsp", lambda text: violations.append(text))
    page.add_init_script(_REPORT_CSP)

    log_in("rep")
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0
    # The opportunity list: search as you type and a filter (htmx swaps with an indicator).
    page.fill("#q", "Acme")
    page.wait_for_url("**q=Acme**")
    page.select_option("select[name=status]", "open")
    page.wait_for_url("**status=open**")
    for url in (
        "/board",
        f"/opportunities/{opportunity}",
        f"/opportunities/{opportunity}/workspace",
        f"/opportunities/{opportunity}/negotiation",
        f"/opportunities/{opportunity}/objections",
        "/desk",
    ):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
    # Price-score: a recalculation swaps the editor with its "Recalculating…" indicator.
    page.goto(f"/opportunities/{opportunity}/price-scores/{scenario}")
    busy = page.locator("#ps-busy")
    assert busy.evaluate("el => getComputedStyle(el).opacity") == "0"
    low = page.locator("table.ps-competitors tbody[data-competitor]").first.locator(
        "input[name$='-price_low']"
    )
    low.fill("9600000")
    page.locator("#name").focus()  # a competitor row recalculates once it is left
    expect(page.locator(".ps-saved")).to_be_visible()

    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    page.select_option("#new-section-kind", "custom")
    page.fill("#new-section-title", "附录 Appendix")
    page.click("form.add-section button[type=submit]")
    expect(page.locator("#outline")).to_contain_text("附录 Appendix")
    expect(page.locator("#new-section-title")).to_have_value("")
    editor = page.locator(".section-editor textarea").first
    editor.fill("## 交付范围 Delivery scope\n\nTwo sites.")
    expect(page.locator(".save-state").first).to_contain_text("Saved")

    log_in("leader")
    page.goto("/approvals")
    expect(page.locator("main")).to_be_visible()
    assert violations == []
