"""Everyday polish (issue 18): small things that slowed people down or looked unfinished."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from tests.portal.test_drafts import (
    _add_line,
    _add_option,
    _create,
    _options,
    _proposal_status,
    _sections,
    _status,
    _url,
)
from tests.portal.test_revision_pdfs import SECTIONS, _pages, make_revision

HX = {"HX-Request": "true"}


# --- filters ----------------------------------------------------------------------------


def test_filter_options_never_carry_the_text_none(as_user, make_opportunity):
    """The "all" choices submit an empty value, so the pushed URL has no stage=None."""
    make_opportunity(name="Listed")
    html = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert 'value="None"' not in html
    assert re.search(r'<option[^>]*value=""[^>]*>All stages</option>', html)
    assert re.search(r'<option[^>]*value=""[^>]*>All owners</option>', html)


# --- proposal sections ------------------------------------------------------------------


@pytest.fixture
def presales(as_user):
    return as_user("presales")


@pytest.fixture
def proposal(presales, opportunity):
    return _create(presales, opportunity)


def test_add_section_clears_the_title_and_updates_the_outline(app, presales, opportunity, proposal):
    response = presales.post(
        _url(opportunity, proposal, "/sections"),
        headers=HX,
        data={"new-section-kind": "custom", "new-section-title": "附录 Appendix"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    new_id = _sections(app, proposal)[-1][0]
    title_box = re.search(r'<input[^>]*id="new-section-title"[^>]*>', html).group(0)
    assert "附录" not in title_box  # a second click does not add the same section again
    outline = re.search(r'<nav[^>]*id="outline".*?</nav>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in outline
    assert f'href="#section-{new_id}"' in outline and "附录 Appendix" in outline


# --- PDFs ----------------------------------------------------------------------------------


@pytest.fixture
def _pdf_dirs(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(app.config, "PDF_FROZEN_DIR", str(tmp_path / "frozen"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    return tmp_path


WITH_EMPTY = [
    *SECTIONS[:3],
    ("implementation_plan", "Implementation plan", ""),
    ("risk_reduction", "Risk reduction", "   \n"),
    SECTIONS[5],
]


def test_empty_sections_are_left_out_of_the_customer_pdf(
    app, as_user, users, opportunity, _pdf_dirs
):
    ids = make_revision(app, opportunity, users, sections=WITH_EMPTY)
    url = (
        f"/opportunities/{opportunity}/proposals/{ids['proposal_id']}"
        f"/revisions/{ids['revision_id']}.pdf"
    )
    response = as_user("rep").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    text = "\n".join(_pages(response.get_data()))
    assert "Executive summary" in text and "Commercial terms" in text
    assert "Implementation plan" not in text and "Risk reduction" not in text


def test_bid_pack_lists_empty_sections_once_instead_of_a_page_each(
    app, as_user, users, opportunity, _pdf_dirs
):
    make_revision(app, opportunity, users, sections=WITH_EMPTY)
    response = as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    pages = _pages(response.get_data())
    contents = next(p for p in pages if "Contents" in p)
    assert re.search(r"Implementation plan\s+empty", contents)
    assert re.search(r"Risk reduction\s+empty", contents)
    later = "\n".join(p for p in pages if p is not contents)
    assert "Implementation plan" not in later and "Risk reduction" not in later
    assert "Commercial terms" in later


def _fonts_of(pdf: bytes, wanted: str) -> set[str]:
    """The fonts the PDF draws the text pieces containing `wanted` with."""
    import io

    from pypdf import PdfReader

    fonts: set[str] = set()

    def visit(text, _cm, _tm, font, _size):
        if wanted in text and font:
            fonts.add(str(font.get("/BaseFont")))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return fonts


def test_markdown_headings_in_a_section_print_as_headings(
    app, as_user, users, opportunity, _pdf_dirs
):
    from portal.drafts.models import Proposal, ProposalRevision
    from portal.exports import revision_pdfs

    body = "## 交付范围 Delivery scope\n\nTwo sites.\n\n# Overview\n\nText.\n\n###### Small"
    ids = make_revision(app, opportunity, users, sections=[("proposed_solution", "Solution", body)])
    with app.test_request_context():
        revision = db.session.get(ProposalRevision, ids["revision_id"])
        proposal = db.session.get(Proposal, ids["proposal_id"])
        html = revision_pdfs.export_request(revision, proposal, "customer").html
    assert "<h3>交付范围 Delivery scope</h3>" in html
    assert "<h3>Overview</h3>" in html and "<h5>Small</h5>" in html
    # On paper: the heading is set in the bold face, the text under it is not.
    pdf = as_user("rep").get(
        f"/opportunities/{opportunity}/proposals/{ids['proposal_id']}"
        f"/revisions/{ids['revision_id']}.pdf"
    )
    assert pdf.status_code == 200, pdf.get_data(as_text=True)[:600]
    (_pdf_dirs / "headings.pdf").write_bytes(pdf.get_data())
    assert all("Bold" in f for f in _fonts_of(pdf.get_data(), "Delivery scope")), _fonts_of(
        pdf.get_data(), "Delivery scope"
    )
    assert not any("Bold" in f for f in _fonts_of(pdf.get_data(), "Two sites"))


CHAIN = [
    ("欧阳志远", "信息中心副主任兼数据治理委员会秘书长", "money", "economic", "final"),
    ("司马晓燕", "采购与供应链管理部高级采购经理", "authority", "user", "financial"),
    (
        "Alexandra Montgomery-Smith",
        "Chief Information Security Officer",
        "product",
        "technical",
        None,
    ),
]


def test_decision_chain_table_keeps_chinese_names_whole(
    app, as_user, opportunity, _pdf_dirs, tmp_path
):
    """A name squeezed into a narrow column broke after every character; the column
    widths are fixed now and names do not wrap (a PNG of the page is kept for a look)."""
    from datetime import date, timedelta

    from portal.deals.models import Stakeholder

    with app.app_context():
        for name, title, map_role, buying, decision in CHAIN:
            db.session.add(
                Stakeholder(
                    opportunity_id=opportunity,
                    name=name,
                    title=title,
                    map_role=map_role,
                    buying_role=buying,
                    decision_type=decision,
                    influence=5,
                    attitude="supporter",
                    last_contact=date.today() - timedelta(days=123),
                )
            )
        db.session.commit()
    for lang in ("zh_CN", "en"):
        response = as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang={lang}")
        assert response.status_code == 200, response.get_data(as_text=True)[:800]
        pdf = response.get_data()
        (tmp_path / f"chain-{lang}.pdf").write_bytes(pdf)
        pages = _pages(pdf)
        chain = next(p for p in pages if "欧" in p and "远" in p)
        for name in ("欧阳志远", "司马晓燕"):  # Latin names may wrap at their spaces
            assert name in chain, (lang, name, chain)
        assert "5/5 支持" in chain or "5/5 Supporter" in chain


def test_negotiation_sheet_pdf_prints_interests_and_the_round_log(
    app, as_user, opportunity, _pdf_dirs
):
    from decimal import Decimal

    from portal.negotiation import models as n
    from tests.portal.test_exports import _furnish

    _furnish(app, opportunity)
    with app.app_context():
        sheet = db.session.query(n.NegotiationSheet).filter_by(opportunity_id=opportunity).one()
        common = {"sheet_id": sheet.id, "opportunity_id": opportunity}
        db.session.add_all(
            [
                n.CounterpartInterest(
                    position="要求降价 15%", interest="年度预算只剩 800 万", **common
                ),
                n.NegotiationRoundLog(
                    number=2,
                    their_ask=Decimal(820000),
                    our_offer=Decimal(880000),
                    given="免费培训",
                    received="付款期缩短",
                    **common,
                ),
            ]
        )
        db.session.commit()
    response = as_user("presales").get(f"/opportunities/{opportunity}/negotiation.pdf?lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    (_pdf_dirs / "sheet.pdf").write_bytes(response.get_data())
    pages = _pages(response.get_data())
    assert len(pages) == 1
    for text in (
        "Counterpart interests",
        "要求降价 15%",
        "年度预算只剩 800 万",
        "Negotiation log",
        "820,000",
        "880,000",
        "免费培训",
        "付款期缩短",
    ):
        assert text in pages[0], text


# --- conflicts -------------------------------------------------------------------------------


def test_a_conflict_with_ones_own_other_window_says_so(app, client, as_user, opportunity):
    from tests.portal.test_deals import _form

    stale = _form(app, opportunity, name="From the old tab")
    rep = as_user("rep")
    assert (
        rep.post(
            f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, name="New tab")
        ).status_code
        == 302
    )
    mine = rep.post(f"/opportunities/{opportunity}/edit", data=stale)
    assert mine.status_code == 409
    text = mine.get_data(as_text=True)
    assert "You changed this in another window" in text and "Someone else" not in text

    # The same stale form after a leader's save: that is someone else.
    client.post("/logout")
    leader = as_user("leader")
    assert (
        leader.post(
            f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, name="Leader")
        ).status_code
        == 302
    )
    client.post("/logout")
    theirs = as_user("rep").post(f"/opportunities/{opportunity}/edit", data=stale)
    assert theirs.status_code == 409
    assert "Someone else saved this while you were editing." in theirs.get_data(as_text=True)


def test_a_section_conflict_with_ones_own_other_window_says_so(
    app, presales, opportunity, proposal
):
    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    url = _url(opportunity, proposal, f"/sections/{sid}")
    presales.post(url, headers=HX, data={"title": title, "body": "tab one", "version": version})
    response = presales.post(
        url, headers=HX, data={"title": title, "body": "tab two", "version": version}
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "You changed this section in another window" in text and "Someone else" not in text


# --- approvals ---------------------------------------------------------------------------------


def _in_review(app, client, opportunity, title, discount):
    """A proposal of `title` whose one line has `discount` %, sent for review."""
    proposal = _create(client, opportunity, title=title)
    _add_option(client, opportunity, proposal)
    _add_line(client, opportunity, proposal, _options(app, proposal)[0][0], discount_pct=discount)
    _status(client, opportunity, proposal, "in_review", app)
    assert _proposal_status(app, proposal) == "in_review"
    return proposal


def _approval_id(app, proposal):
    from sqlalchemy import select

    from portal.drafts.models import Approval

    with app.app_context():
        return db.session.scalars(select(Approval.id).where(Approval.proposal_id == proposal)).one()


def test_approval_reason_prints_percentages_as_the_quote_card(app, client, as_user, opportunity):
    proposal = _in_review(app, as_user("presales"), opportunity, "Odd discount", "18.18")
    card = client.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "18.2%" in card
    client.post("/logout")
    queue = as_user("leader").get("/approvals").get_data(as_text=True)
    assert "18.2%" in queue and "18.18" not in queue


def test_approval_reason_is_rounded_once_like_the_card(app, client, as_user, opportunity):
    """20 % on 10,000 and 16.02 % on 2 × 10,000: 17.3467 % off list. The card says 17.3%;
    the reason must not say 17.4% (17.35 rounded again)."""
    presales = as_user("presales")
    proposal = _create(presales, opportunity, title="Two discounts")
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, quantity="1", discount_pct="20")
    _add_line(presales, opportunity, proposal, option_id, quantity="2", discount_pct="16.02")
    _status(presales, opportunity, proposal, "in_review", app)
    card = presales.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "17.3%" in card
    client.post("/logout")
    queue = as_user("leader").get("/approvals").get_data(as_text=True)
    assert "17.3%" in queue and "17.4%" not in queue


def test_bulk_approval_decides_each_under_the_single_rules(app, client, as_user, opportunity):
    from portal.audit import AuditEvent
    from portal.drafts.models import Approval

    presales = as_user("presales")
    first = _in_review(app, presales, opportunity, "First", "20")
    second = _in_review(app, presales, opportunity, "Second", "18")
    too_big = _in_review(app, presales, opportunity, "Admin only", "35")
    ids = [_approval_id(app, p) for p in (first, second, too_big)]
    client.post("/logout")
    leader = as_user("leader")
    queue = leader.get("/approvals").get_data(as_text=True)
    assert 'form="bulk-approve"' in queue and f'value="{ids[0]}"' in queue
    assert f'name="approval_id" value="{ids[2]}"' not in queue  # a leader may not pick it

    # No reason: nothing decided, the ticks are kept, the field says why.
    missing = leader.post("/approvals/bulk", data={"approval_id": ids[:2], "comment": " "})
    assert missing.status_code == 422
    assert "This field is required." in missing.get_data(as_text=True)
    assert missing.get_data(as_text=True).count(" checked>") == 2
    none_ticked = leader.post("/approvals/bulk", data={"comment": "Fine"})
    assert none_ticked.status_code == 422
    assert "Tick the requests to approve." in none_ticked.get_data(as_text=True)

    response = leader.post(
        "/approvals/bulk",
        data={"approval_id": ids, "comment": "Q4 reference accounts"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Approved 2 of 3: First, Second." in page
    assert "a leader cannot approve it alone" in page
    assert _proposal_status(app, first) == "approved"
    assert _proposal_status(app, second) == "approved"
    assert _proposal_status(app, too_big) == "in_review"
    with app.app_context():
        rows = {a.id: a for a in db.session.query(Approval).filter(Approval.id.in_(ids))}
        assert [rows[i].state for i in ids] == ["approved", "approved", "pending"]
        assert rows[ids[0]].comment == rows[ids[1]].comment == "Q4 reference accounts"
        events = (
            db.session.query(AuditEvent)
            .filter(AuditEvent.entity == "proposal_approval", AuditEvent.action == "update")
            .all()
        )
        assert sorted(e.entity_id for e in events) == sorted(ids[:2])
        assert all(e.changes["state"] == ["pending", "approved"] for e in events)


def test_bulk_approval_refuses_a_quote_changed_since_the_request(app, client, as_user, opportunity):
    presales = as_user("presales")
    proposal = _in_review(app, presales, opportunity, "Changed", "20")
    approval = _approval_id(app, proposal)
    line_id, version = _options(app, proposal)[0][4][0]
    presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "x",
            "quantity": "11",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "20",
            "version": version,
        },
    )
    client.post("/logout")
    as_user("leader").post("/approvals/bulk", data={"approval_id": [approval], "comment": "ok"})
    assert _proposal_status(app, proposal) != "approved"


# --- typed numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("1,250,000", "1250000.00"),
        ("１２５００００", "1250000.00"),
        ("１，２５０，０００．５", "1250000.50"),
    ],
)
def test_amounts_accept_grouping_and_full_width_digits(app, as_user, opportunity, typed, saved):
    from tests.portal.test_deals import _form, _opportunity

    response = as_user("rep").post(
        f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, amount=typed)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    assert str(_opportunity(app, opportunity).amount) == saved


def test_badly_grouped_amount_is_refused_at_the_field(app, as_user, opportunity):
    from tests.portal.test_deals import _form

    response = as_user("rep").post(
        f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, amount="12,50,000")
    )
    assert response.status_code == 422
    assert 'value="12,50,000"' in response.get_data(as_text=True)  # kept as typed


def test_quote_lines_accept_full_width_digits_and_show_them_grouped(
    app, presales, opportunity, proposal
):
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    response = _add_line(
        presales, opportunity, proposal, option_id, unit_price="１８０，０００", unit_cost="90 000"
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    html = response.get_data(as_text=True)
    assert re.search(r'name="unit_price"[^>]*value="180,000"', html)
    assert re.search(r'name="unit_cost"[^>]*value="90,000"', html)
    # The new-line form does not keep the part chosen last.
    form = re.search(r'<form class="add-line".*?</form>', html, re.S).group(0)
    assert "selected" not in form


# --- negotiation goals and steps ---------------------------------------------------------------


def _goal_row(app, opportunity):
    from portal.negotiation.models import NegotiationGoal

    with app.app_context():
        goal = db.session.query(NegotiationGoal).filter_by(opportunity_id=opportunity).one()
        return goal.id, goal.version, goal.best, goal.expected, goal.walk_away


def _edit_goal(client, opportunity, goal_id, version, **changes):
    data = {
        f"goal-{goal_id}-version": str(version),
        f"goal-{goal_id}-label": "Contract value",
        f"goal-{goal_id}-unit": "CNY",
        f"goal-{goal_id}-best": "1250000",
        f"goal-{goal_id}-expected": "1150000",
        f"goal-{goal_id}-walk_away": "1050000",
        f"goal-{goal_id}-core": "core",
        f"goal-{goal_id}-direction": "auto",
    }
    data.update({f"goal-{goal_id}-{k}": v for k, v in changes.items()})
    return client.post(
        f"/opportunities/{opportunity}/negotiation/goals/{goal_id}", headers=HX, data=data
    )


def test_a_goal_is_edited_in_place_and_a_stale_edit_is_a_conflict(app, as_user, opportunity):
    from tests.portal.test_negotiation import _goal, _save

    rep = as_user("rep")
    _save(rep, opportunity)
    _goal(rep, opportunity)
    goal_id, version, *_ = _goal_row(app, opportunity)
    # Adding a second price goal points to Edit, not to "remove it first".
    again = _goal(rep, opportunity, best="1300000")
    assert again.status_code == 422
    assert "use Edit on it" in again.get_data(as_text=True)
    assert "remove it first" not in again.get_data(as_text=True)

    editor = rep.get(f"/opportunities/{opportunity}/negotiation/goals/{goal_id}/edit", headers=HX)
    assert editor.status_code == 200
    html = editor.get_data(as_text=True)
    assert f'name="goal-{goal_id}-version"' in html and 'value="1200000.00"' in html

    saved = _edit_goal(rep, opportunity, goal_id, version)
    assert saved.status_code == 200
    assert _goal_row(app, opportunity)[1:] == (version + 1, 1250000, 1150000, 1050000)

    # The same edit form, sent again from an older tab: nothing saved, both versions shown.
    stale = _edit_goal(rep, opportunity, goal_id, version, best="1400000")
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "You changed this in another window" in text
    assert "1400000" in text and "1250000" in text
    assert _goal_row(app, opportunity)[2] == 1250000
    # Saving from the conflict view (its version rebased) overwrites knowingly.
    rebased = re.search(rf'name="goal-{goal_id}-version"[^>]*value="(\d+)"', text).group(1)
    assert _edit_goal(rep, opportunity, goal_id, rebased, best="1400000").status_code == 200
    assert _goal_row(app, opportunity)[2] == 1400000


def test_a_bad_goal_edit_is_refused_at_the_field_with_input_kept(app, as_user, opportunity):
    from tests.portal.test_negotiation import _goal, _save

    rep = as_user("rep")
    _save(rep, opportunity)
    _goal(rep, opportunity)
    goal_id, version, *_ = _goal_row(app, opportunity)
    bad = _edit_goal(rep, opportunity, goal_id, version, walk_away="1300000")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "cannot be better than the best" in text and 'value="1300000"' in text
    assert _goal_row(app, opportunity)[1] == version


def test_each_plan_step_has_its_own_remove_control(app, as_user, opportunity):
    from tests.portal.test_negotiation import _concession, _goal, _save

    rep = as_user("rep")
    _save(rep, opportunity)
    _goal(rep, opportunity)
    _concession(rep, opportunity, 1, amount="5", condition="Three-year term")
    page = _concession(rep, opportunity, 2, amount="3", condition="Reference visit")
    html = page.get_data(as_text=True)
    assert "Remove a step:" not in html
    plan = re.search(r'<table class="table plan-table">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", plan.split("<tbody>")[1], re.S)
    for number, row in zip((1, 2), [r for r in rows if "warning-row" not in r], strict=True):
        assert f'aria-label="Remove step {number}"' in row
        assert f"Remove step {number} from the plan?" in row


# --- translations of things that are not people ---------------------------------------------


def test_chinese_labels_name_things_as_things_and_people_as_people(
    app, client, as_user, opportunity
):
    """“Name” is 姓名 and “Title” 职务 only for people (stakeholders); an opportunity, a
    competitor or a section has a 名称 or a 标题."""
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity).id
    presales = as_user("presales")
    proposal = _create(presales, opportunity)
    presales.post("/language", data={"locale": "zh_CN"})
    editor = presales.get(_url(opportunity, proposal)).get_data(as_text=True)
    add = re.search(r'<form class="add-section".*?</form>', editor, re.S).group(0)
    assert "职务" not in add and 'aria-label="章节标题"' in add
    library = presales.get("/library/new").get_data(as_text=True)
    assert "职务" not in library and "内容块标题" in library

    client.post("/logout")
    rep = as_user("rep")
    rep.post("/language", data={"locale": "zh_CN"})
    listing = rep.get("/opportunities").get_data(as_text=True)
    sort = re.search(r'<select[^>]*name="sort".*?</select>', listing, re.S).group(0)
    assert "姓名" not in sort and "商机名称" in sort
    scenario_page = rep.get(f"/opportunities/{opportunity}/price-scores/{scenario}")
    competitors = re.search(
        r'<table class="[^"]*ps-competitors.*?</thead>', scenario_page.get_data(as_text=True), re.S
    ).group(0)
    assert "姓名" not in competitors  # the rival's own name is shown, with no person label
    assert 'class="ps-rival-name"' in scenario_page.get_data(as_text=True)
    # People keep their words.
    detail = rep.get(f"/opportunities/{opportunity}").get_data(as_text=True)
    assert "姓名" in detail and "职务" in detail


def test_the_negotiation_plan_prints_percentages_with_the_same_function(app, as_user, opportunity):
    """Limits and discounts read as on the quote card and the approval queue (one decimal,
    half up): 15.0%, not 15% here and 15.0% there."""
    from tests.portal.test_negotiation import _concession, _goal, _save

    rep = as_user("rep")
    _save(rep, opportunity)
    _goal(rep, opportunity)
    _concession(rep, opportunity, 1, amount="5", condition="Three-year term")
    page = _concession(rep, opportunity, 2, amount="8").get_data(as_text=True)
    assert "(a rep may give up to 15.0%)" in page
    assert re.search(r"Discount \d+\.\d% is above the 15\.0% limit", page)
    assert re.search(r"discount \d+\.\d% off list, margin \d+\.\d%", page)


def test_price_score_inputs_accept_grouped_and_full_width_numbers(app, as_user, opportunity):
    from portal.pricescore.demo import demo_scenario
    from portal.pricescore.models import PriceScenario
    from tests.portal.test_pricescore import _url as scenario_url
    from tests.portal.test_pricescore import form_data

    with app.app_context():
        scenario = demo_scenario(opportunity).id
    data = form_data(
        app,
        scenario,
        c0_price_low="９，６００，０００",
        c0_price_likely="9,800,000",
        c0_price_high="１２ ０００ ０００",
        our_cost="8 000 000",
    )
    response = as_user("rep").post(scenario_url(opportunity, scenario), data=data, headers=HX)
    errors = re.findall(r'class="error"[^>]*>([^<]+)', response.get_data(as_text=True))
    assert response.status_code == 200, errors
    with app.app_context():
        saved = db.session.get(PriceScenario, scenario)
        assert saved.our_cost == 8_000_000
        assert saved.competitors[0].price_likely == 9_800_000


def test_a_status_change_from_a_stale_tab_says_another_window(app, client, as_user, opportunity):
    from portal.drafts.models import Proposal

    presales = as_user("presales")
    proposal = _create(presales, opportunity, title="Tabs")
    with app.app_context():
        stale_version = db.session.get(Proposal, proposal).version
    settings = {"title": "Tabs v2", "language": "zh_CN", "currency": "CNY"}
    presales.post(  # tab one renames it
        _url(opportunity, proposal, "/settings"), data={**settings, "version": stale_version}
    )
    response = presales.post(  # tab two, still showing the draft
        _url(opportunity, proposal, "/status"),
        data={"target": "in_review", "version": stale_version},
        follow_redirects=True,
    )
    assert "You changed this proposal in another window" in response.get_data(as_text=True)
