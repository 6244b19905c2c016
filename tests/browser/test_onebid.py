"""One bid walked through in Chromium: matrix → official scenario with rivals from the
matrix → "Use this price" → quote adjusted → negotiation sheet → bid pack; one price on
every page and in the PDF."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.test_scenario_start import _saved_after
from tests.portal.test_integration import _proposal
from tests.portal.test_negotiation import SHEET

pytestmark = pytest.mark.browser


def _money(value: str) -> str:
    """'1234567.00' → '1,234,567.00' (how every page prints money)."""
    return f"{float(value):,.2f}"


def _enter_missing_inputs(page):
    """A new scenario starts without invented figures: the rep enters our cost, our
    technical points and each rival's expected prices and points."""
    for field, value in (
        ("our_cost", "600000"),
        ("our_tech_low", "50"),
        ("our_tech_likely", "55"),
        ("our_tech_high", "60"),
    ):
        _saved_after(
            page, lambda f=field, v=value: (page.fill(f"#{f}", v), page.press(f"#{f}", "Tab"))
        )
    rows = page.locator("table.ps-competitors tbody[data-competitor]")
    for i, prices in enumerate((("820000", "880000", "950000"), ("840000", "900000", "990000"))):
        row = rows.nth(i)
        for field, value in zip(
            ("price_low", "price_likely", "price_high", "tech_low", "tech_likely", "tech_high"),
            (*prices, "48", "52", "58"),
            strict=True,
        ):
            row.locator(f"input[name$='-{field}']").fill(value)
        _saved_after(page, lambda: page.locator("#name").focus())  # leaving the row saves it
    expect(page.locator("#ps-missing")).to_have_count(0)


def test_one_price_from_the_matrix_to_the_bid_pack(page, log_in, app, opportunity):
    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="8", cost="600000", approval=False
    )
    log_in("rep")

    # 1. The competition matrix names the rivals.
    page.goto(f"/opportunities/{opportunity}/workspace")
    for name in ("华信科技 Huaxin", "NorthBridge"):
        page.fill("#add-competitor-name", name)
        page.click("form.add-competitor button:has-text('Add competitor')")
        expect(page.locator("#matrix")).to_contain_text(f"{name} added to the matrix.")

    # 2. A scenario starts from those rivals; the rep marks it official.
    page.goto(f"/opportunities/{opportunity}/price-scores")
    page.fill("#name", "As published")
    page.click("button:has-text('Create scenario')")
    rivals = page.locator("td.ps-rival-name")
    expect(rivals).to_have_count(2)
    expect(rivals.nth(0)).to_have_text("华信科技 Huaxin")
    expect(page.locator("#scenario-kind")).to_contain_text("What-if")
    _enter_missing_inputs(page)
    page.click("#mark-official")
    expect(page.locator("#scenario-kind")).to_contain_text("Official")

    # 3. "Use this price", then link the quote option that carries it.
    use = page.locator(".ps-reco button[name=use_price]").first
    price = use.get_attribute("value")
    use.click()
    shown = _money(price)
    expect(page.locator("#ps-chosen-price")).to_contain_text(f"{float(price):,.0f}")
    page.select_option("#ps-link-option", str(option_id))
    page.click("#ps-link button:has-text('Link')")
    expect(page.locator("#ps-link")).to_contain_text("Dispatch proposal · Standard")

    # The opportunity now tells one price and flags the quote that is not at it.
    page.goto(f"/opportunities/{opportunity}")
    health = page.locator("#bid-health")
    expect(health.locator(".bid-price")).to_contain_text(shown)
    expect(health).to_contain_text("1 disagreement")
    expect(health).to_contain_text("blocks submitting")

    # 4. Presales adjusts the quote to the bid price; the proposal says it is the bid.
    page.click("button:has-text('Log out')")
    log_in("presales")
    page.goto(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    expect(page.locator("#bid-check")).to_contain_text("off the bid price")
    row = page.locator("tr.line").first
    for name, value in (("discount_pct", "0"), ("unit_price", price)):
        box = row.locator(f"[name={name}]")
        box.focus()  # shows the bare number to type over (grouped while not focused)
        box.fill(value)
    expect(page.locator("#quote-totals tr.grand td").first).to_have_text(shown)
    expect(page.locator("#bid-check")).to_contain_text("it is the bid")

    # 5. The quote changed after the scenario: the rep reviews the scenario and saves it.
    page.click("button:has-text('Log out')")
    log_in("rep")
    page.goto(f"/opportunities/{opportunity}")
    expect(page.locator("#bid-health")).to_contain_text("changed after the official scenario")
    page.goto(f"/opportunities/{opportunity}/price-scores")
    page.click("a:has-text('As published')")
    page.click("button:has-text('Save and recalculate')")
    expect(page.locator("#scenario-kind")).to_contain_text("Official")

    # 6. The negotiation sheet prices from that quote and names the bid price.
    data = {**SHEET, "sheet-version": "0"}
    page.request.post(
        f"/opportunities/{opportunity}/negotiation",
        form={k: v if isinstance(v, str) else v[0] for k, v in data.items()},
        headers={"X-CSRFToken": page.locator("body").get_attribute("hx-headers").split('"')[3]},
    )
    page.goto(f"/opportunities/{opportunity}/negotiation")
    source = page.locator("#economics-source")
    expect(source).to_contain_text(f"Bid price: CNY {shown}")
    expect(source).to_contain_text("computed from the bid's quote")

    # 7. The desk and the bid pack read the same price.
    page.click("button:has-text('Log out')")
    log_in("leader")
    page.goto("/desk")
    row = page.locator(f"#bid-{opportunity}")
    expect(row).to_contain_text("As published")
    expect(row).to_contain_text(shown)
    expect(row.locator(".desk-health")).to_contain_text("consistent")
    page.goto(f"/opportunities/{opportunity}")
    expect(page.locator("#bid-health")).to_contain_text("every page agrees")
    response = page.request.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert response.ok
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.body())).pages)
    assert shown in text
    assert "disagreement" not in text
