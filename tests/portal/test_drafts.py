"""Proposal drafts over HTTP: sections, autosave, library, quote, approvals, revisions, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


def make_proposal_objects(app, opportunity_id: int, users: dict) -> dict:
    """A proposal with a section, an option, a line, a library block, a revision and a
    pending approval; returns the ids the access test needs."""
    from portal.drafts.models import (
        Approval,
        LibraryBlock,
        Proposal,
        ProposalLine,
        ProposalOption,
        ProposalRevision,
        ProposalSection,
    )

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity_id,
            title="Access test",
            language="en",
            currency="CNY",
            status="draft",
        )
        section = ProposalSection(
            proposal=proposal,
            position=0,
            kind="executive_summary",
            title="Executive summary",
            body="Hello",
        )
        option = ProposalOption(
            proposal=proposal, position=0, name="Standard", recommended=True, maintenance_years=1
        )
        line = ProposalLine(
            option=option,
            position=0,
            part="solution",
            description="Licence",
            quantity=Decimal(1),
            unit_price=Decimal(100),
            unit_cost=Decimal(50),
            discount_pct=Decimal(0),
        )
        block = LibraryBlock(
            title="Case", tags="case", language="en", body="A case.", owner_id=users["presales"]
        )
        db.session.add_all([proposal, section, option, line, block])
        db.session.flush()
        revision = ProposalRevision(
            proposal=proposal,
            opportunity_id=opportunity_id,
            number=1,
            kind="version",
            snapshot={"sections": [], "options": [], "title": "x", "currency": "CNY"},
            fingerprint="x",
        )
        approval = Approval(
            proposal=proposal,
            opportunity_id=opportunity_id,
            required_role="leader",
            fingerprint="x",
            reasons=[],
        )
        db.session.add_all([revision, approval])
        db.session.commit()
        return {
            "proposal_id": proposal.id,
            "section_id": section.id,
            "option_id": option.id,
            "line_id": line.id,
            "block_id": block.id,
            "revision_id": revision.id,
            "approval_id": approval.id,
        }


@pytest.fixture
def presales(as_user):
    return as_user("presales")


@pytest.fixture
def switch_to(client, as_user):
    """Log out whoever is logged in, then log in as `username` (one client, one session)."""

    def switch(username):
        client.post("/logout")
        return as_user(username)

    return switch


def _create(client, opportunity, title="方案 Proposal", language="zh_CN"):
    response = client.post(
        f"/opportunities/{opportunity}/proposals",
        data={"title": title, "language": language, "currency": "CNY", "version": 0},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(re.search(r"/proposals/(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture
def proposal(presales, opportunity):
    return _create(presales, opportunity)


def _url(opportunity, proposal, rest=""):
    return f"/opportunities/{opportunity}/proposals/{proposal}{rest}"


def _sections(app, proposal_id):
    from portal.drafts.models import ProposalSection

    with app.app_context():
        return [
            (s.id, s.kind, s.title, s.body, s.version)
            for s in db.session.scalars(
                select(ProposalSection)
                .where(ProposalSection.proposal_id == proposal_id)
                .order_by(ProposalSection.position)
            )
        ]


# --- proposal and sections ---------------------------------------------------------------


def test_create_seeds_the_default_sections_in_the_proposal_language(
    app, presales, opportunity, proposal
):
    sections = _sections(app, proposal)
    assert [s[1] for s in sections] == [
        "executive_summary",
        "customer_needs",
        "proposed_solution",
        "value_roi",
        "implementation_plan",
        "risk_reduction",
        "differentiation",
        "customer_cases",
        "commercial_terms",
    ]
    assert sections[0][2] == "执行摘要"
    page = presales.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "执行摘要" in page and "商务条款" in page
    listing = presales.get(f"/opportunities/{opportunity}/proposals").get_data(as_text=True)
    assert "方案 Proposal" in listing


def test_create_with_empty_title_keeps_input_and_says_why(presales, opportunity):
    response = presales.post(
        f"/opportunities/{opportunity}/proposals",
        data={"title": "  ", "language": "xx", "currency": "CNY", "version": 0},
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "This field is required." in text
    assert "Not a valid choice" in text


def test_opportunity_page_links_to_its_proposals(presales, opportunity):
    page = presales.get(f"/opportunities/{opportunity}").get_data(as_text=True)
    assert f"/opportunities/{opportunity}/proposals" in page


def test_autosave_returns_saved_state_and_new_version(app, presales, opportunity, proposal):
    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    response = presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": "## 目标\n\n降低**三成**运维成本", "version": version},
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Saved" in text
    assert f'id="section-{sid}-version" value="{version + 1}" hx-swap-oob="true"' in text
    assert "<strong>三成</strong>" in text  # the preview, rendered
    assert _sections(app, proposal)[0][3].startswith("## 目标")


def test_autosave_error_keeps_the_editor_and_says_why(app, presales, opportunity, proposal):
    sid, _kind, _title, _body, version = _sections(app, proposal)[0]
    too_long = "字" * 50_001
    response = presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": "", "body": too_long, "version": version},
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert (
        "Not saved" in text
        and "This field is required." in text
        and "At most 50000 characters." in text
    )
    assert too_long not in text  # the textarea is not replaced: what was typed stays in the browser
    assert _sections(app, proposal)[0][3] == ""


def test_stale_section_save_is_a_conflict_with_both_versions(app, presales, opportunity, proposal):
    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    url = _url(opportunity, proposal, f"/sections/{sid}")
    assert (
        presales.post(
            url, headers=HX, data={"title": title, "body": "theirs", "version": version}
        ).status_code
        == 200
    )
    response = presales.post(
        url, headers=HX, data={"title": title, "body": "mine", "version": version}
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert (
        "You changed this section in another window" in text and "theirs" in text and "mine" in text
    )
    assert _sections(app, proposal)[0][3] == "theirs"
    # "Keep my version" sends the saved version it has now seen.
    response = presales.post(
        url,
        headers=HX,
        data={"title": title, "body": "mine", "version": version, "overwrite_version": version + 1},
    )
    assert response.status_code == 200
    assert _sections(app, proposal)[0][3] == "mine"


def test_done_saves_and_shows_the_section_as_read(app, presales, opportunity, proposal):
    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    response = presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": "Final text", "version": version, "done": "1"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#section-{sid}"
    assert "Final text" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("markdown", "forbidden", "kept"),
    [
        ("<script>alert('x')</script>Hi", "<script", "&lt;script&gt;"),
        ("[click](javascript:alert(1))", 'href="javascript', "click"),
        ('<img src="file:///etc/passwd">', "<img", "&lt;img"),
        ("![pw](file:///etc/passwd)", 'src="file', ""),
        ('<a href="javascript:alert(1)" onclick="x()">a</a>', "<a href", "&lt;a"),
    ],
)
def test_hostile_markdown_is_neutralised_on_the_page(
    app, presales, opportunity, proposal, markdown, forbidden, kept
):
    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": markdown, "version": version},
    )
    page = presales.get(_url(opportunity, proposal)).get_data(as_text=True)
    body = page.split('id="sections"')[1].split('id="quote"')[0]
    assert forbidden not in body
    assert kept in body


def test_add_move_and_remove_sections(app, presales, opportunity, proposal):
    before = _sections(app, proposal)
    response = presales.post(
        _url(opportunity, proposal, "/sections"),
        headers=HX,
        data={"new-section-kind": "custom", "new-section-title": "附录 Appendix"},
    )
    assert response.status_code == 200
    after = _sections(app, proposal)
    assert len(after) == len(before) + 1 and after[-1][2] == "附录 Appendix"
    new_id = after[-1][0]
    assert f'id="section-{new_id}-form"' in response.get_data(as_text=True)  # opens in the editor
    presales.post(
        _url(opportunity, proposal, f"/sections/{new_id}/move"),
        headers=HX,
        data={"direction": "up"},
    )
    assert _sections(app, proposal)[-2][0] == new_id
    assert (
        presales.post(
            _url(opportunity, proposal, f"/sections/{new_id}/move"),
            headers=HX,
            data={"direction": "sideways"},
        ).status_code
        == 400
    )
    presales.post(_url(opportunity, proposal, f"/sections/{new_id}/delete"), headers=HX, data={})
    assert [s[0] for s in _sections(app, proposal)] == [s[0] for s in before]


def _reorder(client, opportunity, proposal, order, was):
    return client.post(
        _url(opportunity, proposal, "/sections/order"),
        headers=HX,
        data={"order": ",".join(map(str, order)), "was": ",".join(map(str, was))},
    )


def test_drag_and_drop_saves_the_whole_new_order(app, presales, opportunity, proposal):
    ids = [s[0] for s in _sections(app, proposal)]
    wanted = [ids[-1], *ids[1:-1], ids[0]]  # last section to the top, first to the bottom
    response = _reorder(presales, opportunity, proposal, wanted, was=ids)
    assert response.status_code == 200
    assert [s[0] for s in _sections(app, proposal)] == wanted
    html = response.get_data(as_text=True)
    assert "New order saved." in html
    # the answer lists the sections in the new order
    assert html.index(f'id="section-{ids[-1]}"') < html.index(f'id="section-{ids[0]}"')


def test_reorder_made_from_a_stale_list_moves_nothing(app, presales, opportunity, proposal):
    ids = [s[0] for s in _sections(app, proposal)]
    # Another editor moved a section after this one loaded the list.
    presales.post(
        _url(opportunity, proposal, f"/sections/{ids[1]}/move"),
        headers=HX,
        data={"direction": "up"},
    )
    moved = [s[0] for s in _sections(app, proposal)]
    assert moved != ids
    response = _reorder(presales, opportunity, proposal, list(reversed(ids)), was=ids)
    assert response.status_code == 409
    assert "nothing moved" in response.get_data(as_text=True)
    assert [s[0] for s in _sections(app, proposal)] == moved
    # ... or added a section.
    presales.post(
        _url(opportunity, proposal, "/sections"),
        headers=HX,
        data={"new-section-kind": "custom", "new-section-title": "附录"},
    )
    current = [s[0] for s in _sections(app, proposal)]
    response = _reorder(presales, opportunity, proposal, list(reversed(moved)), was=moved)
    assert response.status_code == 409
    # A new order that is not the same sections (duplicate, missing) is refused too.
    for order in ([current[0], *current[:-1]], current[:-1]):
        assert _reorder(presales, opportunity, proposal, order, was=current).status_code == 409
    response = presales.post(
        _url(opportunity, proposal, "/sections/order"),
        headers=HX,
        data={"order": "1,x", "was": ",".join(map(str, current))},
    )
    assert response.status_code == 400
    assert [s[0] for s in _sections(app, proposal)] == current


# --- content library ---------------------------------------------------------------------


def _block(
    client,
    title="电网案例 Grid case",
    body="某省电网：调度系统可用性 **99.99%**。",
    reviewed=None,
    tags="案例, energy",
):
    from portal.timeutil import today

    response = client.post(
        "/library/new",
        data={
            "title": title,
            "tags": tags,
            "language": "zh_CN",
            "body": body,
            "version": 0,
            "last_reviewed": (reviewed or today()).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_library_search_as_you_type_and_stale_flag(app, presales):
    from portal.timeutil import today

    _block(presales)
    _block(
        presales,
        title="Security whitepaper",
        body="Level 3 protection.",
        tags="security",
        reviewed=today() - timedelta(days=181),
    )
    _block(
        presales,
        title="Fresh enough",
        body="Reviewed 180 days ago.",
        tags="x",
        reviewed=today() - timedelta(days=180),
    )
    results = presales.get("/library?q=grid", headers=HX).get_data(as_text=True)
    assert "电网案例 Grid case" in results and "Security whitepaper" not in results
    assert "<html" not in results  # a fragment
    stale = presales.get("/library?stale=1", headers=HX).get_data(as_text=True)
    assert (
        "Security whitepaper" in stale and "Fresh enough" not in stale and "Grid case" not in stale
    )


def test_library_block_validation_and_conflict(app, presales):
    from portal.drafts.models import LibraryBlock

    response = presales.post(
        "/library/new", data={"title": "", "language": "zh_CN", "body": "", "version": 0}
    )
    assert response.status_code == 422
    _block(presales)
    with app.app_context():
        block = db.session.scalars(select(LibraryBlock)).one()
        block_id, version = block.id, block.version
    data = {
        "title": "New title",
        "tags": "a",
        "language": "en",
        "body": "Changed",
        "version": version,
    }
    assert presales.post(f"/library/{block_id}", data=data).status_code == 302
    response = presales.post(f"/library/{block_id}", data={**data, "body": "Stale edit"})
    assert response.status_code == 409
    assert "Stale edit" in response.get_data(as_text=True)


def test_insert_a_library_block_records_block_and_version(app, presales, opportunity, proposal):
    from portal.drafts.models import LibraryBlock, SectionBlockUse

    _block(presales)
    with app.app_context():
        block = db.session.scalars(select(LibraryBlock)).one()
        block_id, block_version = block.id, block.version
    sid, _kind, title, _body, version = _sections(app, proposal)[7]
    picker = presales.get(
        _url(opportunity, proposal, f"/sections/{sid}/library?q=电网"), headers=HX
    )
    assert "电网案例 Grid case" in picker.get_data(as_text=True)
    response = presales.post(
        _url(opportunity, proposal, f"/sections/{sid}/insert"),
        headers=HX,
        data={"block_id": block_id, "title": title, "body": "我们的经验：", "version": version},
    )
    assert response.status_code == 200
    body = _sections(app, proposal)[7][3]
    assert body.startswith("我们的经验：\n\n某省电网")  # typed text kept, block appended
    with app.app_context():
        use = db.session.scalars(select(SectionBlockUse)).one()
        assert (use.section_id, use.block_id, use.block_version) == (sid, block_id, block_version)


# --- quote -------------------------------------------------------------------------------


def _add_option(client, opportunity, proposal, name="Standard", years="3", recommended=True):
    data = {"new-option-name": name, "new-option-maintenance_years": years, "new-option-version": 0}
    if recommended:
        data["new-option-recommended"] = "y"
    return client.post(_url(opportunity, proposal, "/options"), headers=HX, data=data)


def _options(app, proposal_id):
    from portal.drafts.models import ProposalOption

    with app.app_context():
        return [
            (o.id, o.name, o.recommended, o.version, [(ln.id, ln.version) for ln in o.lines])
            for o in db.session.scalars(
                select(ProposalOption)
                .where(ProposalOption.proposal_id == proposal_id)
                .order_by(ProposalOption.position)
            )
        ]


def _add_line(client, opportunity, proposal, option_id, **fields):
    data = {
        "part": "solution",
        "description": "平台许可 Platform licence",
        "quantity": "10",
        "unit_price": "10000",
        "unit_cost": "6000",
        "discount_pct": "10",
    }
    data.update(fields)
    return client.post(
        _url(opportunity, proposal, f"/options/{option_id}/lines"), headers=HX, data=data
    )


def test_quote_lines_and_live_totals(app, presales, opportunity, proposal):
    assert _add_option(presales, opportunity, proposal).status_code == 200
    option_id = _options(app, proposal)[0][0]
    response = _add_line(presales, opportunity, proposal, option_id)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "90,000.00" in text  # 10 × 10,000 − 10 %
    _add_line(
        presales,
        opportunity,
        proposal,
        option_id,
        part="maintenance",
        description="维保 Support",
        quantity="1",
        unit_price="5000",
        unit_cost="1000",
        discount_pct="",
    )
    line_id, line_version = _options(app, proposal)[0][4][0]
    response = presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "平台许可 Platform licence",
            "quantity": "12",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "10",
            "version": line_version,
        },
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="quote-totals"' in text and 'hx-swap-oob="true"' in text
    assert "108,000.00" in text  # the line
    assert "123,000.00" in text  # contract value: 108,000 + 5,000 × 3 years
    assert f'id="line-{line_id}-version" value="{line_version + 1}"' in text


def test_autosave_reads_the_same_quote_as_the_editor(app, opportunity):
    """The autosave reads the quote with one lean query (numbers as the driver returns
    them, stored lines reused between requests); it must price exactly what the ORM rows
    say, whatever the stored values look like."""
    import random

    from portal.drafts.models import Proposal, ProposalLine, ProposalOption
    from portal.drafts.workflow import load_options, quote_state

    rng = random.Random(7)

    def number(integer_digits, decimals):
        whole = rng.randrange(10**integer_digits)
        return Decimal(f"{whole}.{rng.randrange(10**decimals):0{decimals}d}")

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity, title="Q", language="en", currency="CNY", status="draft"
        )
        for o in range(3):
            option = ProposalOption(
                position=o, name=f"Option {o}", recommended=o == 1, maintenance_years=o + 1
            )
            proposal.options.append(option)
            for n in range(25):
                option.lines.append(
                    ProposalLine(
                        position=n,
                        part=("solution", "services", "maintenance")[n % 3],
                        description=f"Line {n}",
                        quantity=number(rng.choice((1, 4, 11)), 4),
                        unit_price=number(rng.choice((2, 6, 11)), 4),
                        unit_cost=number(rng.choice((2, 6, 11)), 4),
                        discount_pct=Decimal(f"{rng.randrange(10001)}") / 100,
                    )
                )
        db.session.add(proposal)
        db.session.commit()
        for _round in range(2):  # the second read reuses the stored lines built by the first
            db.session.expire_all()
            lean = quote_state(proposal)
            rows = quote_state(proposal, load_options(proposal))
            assert lean.totals == rows.totals
            assert lean.fingerprint == rows.fingerprint
            assert lean.decision == rows.decision


def test_the_largest_accepted_numbers_are_stored_exactly(app, presales, opportunity, proposal):
    """Every number a line accepts reads back as typed, on SQLite (which keeps NUMERIC as a
    double: 15 significant digits) as on PostgreSQL."""
    from portal.drafts.models import ProposalLine

    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    typed = [
        ("99999999999.9999", "97348309658.4135", "10000000000.0001"),
        ("12345678901.2345", "55555555555.5555", "0.0001"),
    ]
    for quantity, price, cost in typed:
        response = _add_line(
            presales,
            opportunity,
            proposal,
            option_id,
            quantity=quantity,
            unit_price=price,
            unit_cost=cost,
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with app.app_context():
        stored = db.session.execute(
            select(ProposalLine.quantity, ProposalLine.unit_price, ProposalLine.unit_cost)
            .where(ProposalLine.option_id == option_id)
            .order_by(ProposalLine.position)
        ).all()
    assert [tuple(map(Decimal, row)) for row in typed] == [tuple(row) for row in stored]
    # One more digit before the point could not be kept exactly on SQLite: it is refused.
    response = _add_line(presales, opportunity, proposal, option_id, unit_price="973483096584.1358")
    assert response.status_code == 422
    assert "use at most 11 digits before the decimal point" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "-1", "Enter zero or a positive number."),
        ("unit_price", "-0.01", "Enter zero or a positive number."),
        ("discount_pct", "101", "Enter a discount between 0 and 100."),
        ("unit_price", "1" * 30, "Too large: use at most 11 digits before the decimal point."),
        ("quantity", "ten", "Enter a number, for example 1234.50."),
        ("unit_cost", "1e5", "Enter a number, for example 1234.50."),
        ("quantity", "NaN", "Enter a finite number."),
        ("description", "   ", "Describe what this line is for."),
    ],
)
def test_bad_line_input_gets_a_clear_message_and_input_is_kept(
    app, presales, opportunity, proposal, field, value, message
):
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    response = _add_line(presales, opportunity, proposal, option_id, **{field: value})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    if value.strip():
        assert f'value="{value}"' in text
    assert _options(app, proposal)[0][4] == []
    # The same check on autosave of an existing line: errors come back, nothing is saved.
    _add_line(presales, opportunity, proposal, option_id)
    line_id, version = _options(app, proposal)[0][4][0]
    data = {
        "description": "x",
        "quantity": "1",
        "unit_price": "1",
        "unit_cost": "1",
        "discount_pct": "0",
        "version": version,
        field: value,
    }
    response = presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"), headers=HX, data=data
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _options(app, proposal)[0][4][0][1] == version


def test_stale_line_save_is_a_conflict(app, presales, opportunity, proposal):
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id)
    line_id, version = _options(app, proposal)[0][4][0]
    data = {
        "description": "A",
        "quantity": "2",
        "unit_price": "1",
        "unit_cost": "1",
        "discount_pct": "0",
        "version": version,
    }
    url = _url(opportunity, proposal, f"/lines/{line_id}")
    assert presales.post(url, headers=HX, data=data).status_code == 200
    response = presales.post(url, headers=HX, data={**data, "quantity": "3"})
    assert response.status_code == 409
    assert "Someone else changed this line." in response.get_data(as_text=True)
    response = presales.post(
        url, headers=HX, data={**data, "quantity": "3", "overwrite_version": version + 1}
    )
    assert response.status_code == 200


def test_option_rules_empty_name_max_three_one_recommended(app, presales, opportunity, proposal):
    response = _add_option(presales, opportunity, proposal, name="   ")
    assert response.status_code == 422
    assert "Give the option a name." in response.get_data(as_text=True)
    for name in ("Standard", "Advanced", "Premium"):
        assert _add_option(presales, opportunity, proposal, name=name).status_code == 200
    assert [o[2] for o in _options(app, proposal)] == [False, False, True]  # the last marked wins
    response = _add_option(presales, opportunity, proposal, name="Fourth")
    assert response.status_code == 422
    assert "at most 3 options" in response.get_data(as_text=True)
    response = _add_option(presales, opportunity, proposal, name="Bad term", years="11")
    assert response.status_code == 422
    first_id, _name, _rec, version, _lines = _options(app, proposal)[0]
    response = presales.post(
        _url(opportunity, proposal, f"/options/{first_id}"),
        headers=HX,
        data={
            f"option-{first_id}-name": "",
            f"option-{first_id}-maintenance_years": "1",
            f"option-{first_id}-version": version,
        },
    )
    assert response.status_code == 422
    assert "Give the option a name." in response.get_data(as_text=True)


# --- workflow, approvals, revisions ----------------------------------------------------------


def _status(client, opportunity, proposal, target, app):
    from portal.drafts.models import Proposal

    with app.app_context():
        version = db.session.get(Proposal, proposal).version
    return client.post(
        _url(opportunity, proposal, "/status"), data={"target": target, "version": version}
    )


def _proposal_status(app, proposal):
    from portal.drafts.models import Proposal

    with app.app_context():
        return db.session.get(Proposal, proposal).status


def test_approval_flow_and_invalidation(app, client, switch_to, opportunity, proposal):
    from portal.drafts.models import Approval

    presales = switch_to("presales")
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="20")  # > 15 %: leader
    page = presales.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "Needs approval by: Leader" in page
    # Breaching quote cannot be approved or submitted directly.
    _status(presales, opportunity, proposal, "submitted", app)
    assert _proposal_status(app, proposal) == "draft"
    _status(presales, opportunity, proposal, "in_review", app)
    assert _proposal_status(app, proposal) == "in_review"
    with app.app_context():
        approval = db.session.scalars(select(Approval)).one()
        approval_id = approval.id
        assert approval.required_role == "leader" and approval.state == "pending"

    leader = switch_to("leader")
    queue = leader.get("/approvals").get_data(as_text=True)
    assert "方案 Proposal" in queue and "Discount" in queue
    decide = f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval_id}"
    response = leader.post(decide, data={"decision": "reject", "comment": ""})
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.get(Approval, approval_id).state == "pending"
        )  # a rejection needs a reason
    leader.post(decide, data={"decision": "approve", "comment": "OK for this customer"})
    assert _proposal_status(app, proposal) == "approved"

    # Changing the quote after approval invalidates it.
    presales = switch_to("presales")
    line_id, version = _options(app, proposal)[0][4][0]
    response = presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "平台许可 Platform licence",
            "quantity": "11",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "20",
            "version": version,
        },
    )
    assert response.status_code == 200
    assert "approval no longer holds" in response.get_data(as_text=True)
    assert _proposal_status(app, proposal) == "draft"
    with app.app_context():
        assert db.session.get(Approval, approval_id).state == "withdrawn"


def test_admin_level_breach_cannot_be_approved_by_a_leader(app, switch_to, opportunity, proposal):
    from portal.drafts.models import Approval

    presales = switch_to("presales")
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="35")
    _status(presales, opportunity, proposal, "in_review", app)
    with app.app_context():
        approval_id = db.session.scalars(select(Approval)).one().id
    leader = switch_to("leader")
    leader.post(
        f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval_id}",
        data={"decision": "approve"},
    )
    assert _proposal_status(app, proposal) == "in_review"
    admin = switch_to("admin")
    admin.post(
        f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval_id}",
        data={"decision": "approve"},
    )
    assert _proposal_status(app, proposal) == "approved"


def test_admin_edits_the_authority_matrix(app, switch_to, opportunity, proposal):
    admin = switch_to("admin")
    page = admin.get("/admin/approval-rules").get_data(as_text=True)
    assert 'value="15"' in page and "built-in default" in page
    bad = admin.post(
        "/admin/approval-rules",
        data={
            "leader-max_discount_pct": "150",
            "leader-min_margin_pct": "abc",
            "admin-max_discount_pct": "30",
            "admin-min_margin_pct": "15",
            "leader-version": 0,
            "admin-version": 0,
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter a percentage from 0 to 100." in text and 'value="abc"' in text
    ok = admin.post(
        "/admin/approval-rules",
        data={
            "leader-max_discount_pct": "5",
            "leader-min_margin_pct": "",
            "admin-max_discount_pct": "30",
            "admin-min_margin_pct": "15",
            "leader-version": 0,
            "admin-version": 0,
        },
    )
    assert ok.status_code == 302
    presales = switch_to("presales")
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="6")
    assert "Needs approval by: Leader" in presales.get(_url(opportunity, proposal)).get_data(
        as_text=True
    )


def test_submit_freezes_a_revision_and_a_new_draft_continues(app, presales, opportunity, proposal):
    from portal.drafts.models import ProposalRevision, RevisionImmutable

    sid, _kind, title, _body, version = _sections(app, proposal)[0]
    presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": "第一版 first words", "version": version},
    )
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="0")
    _status(presales, opportunity, proposal, "submitted", app)
    assert _proposal_status(app, proposal) == "submitted"
    # Frozen: edits are refused with a clear message.
    response = presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": "sneaky", "version": version + 1},
    )
    assert response.status_code == 423
    assert "frozen" in response.get_data(as_text=True)
    with app.app_context():
        revision = db.session.scalars(select(ProposalRevision)).one()
        assert revision.kind == "submitted"
        assert revision.snapshot["sections"][0]["body"] == "第一版 first words"
        revision_id = revision.id
        revision.note = "tamper"
        with pytest.raises(RevisionImmutable):
            db.session.commit()
        db.session.rollback()
    _status(presales, opportunity, proposal, "draft", app)
    assert _proposal_status(app, proposal) == "draft"
    presales.post(
        _url(opportunity, proposal, f"/sections/{sid}"),
        headers=HX,
        data={"title": title, "body": "第二版 second words", "version": version + 1},
    )
    line_id, line_version = _options(app, proposal)[0][4][0]
    presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "平台许可 Platform licence",
            "quantity": "11",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "0",
            "version": line_version,
        },
    )
    diff = presales.get(_url(opportunity, proposal, f"/compare?from={revision_id}&to=current"))
    text = diff.get_data(as_text=True)
    assert diff.status_code == 200
    assert "第一版 first words" in text and "第二版 second words" in text
    assert "diff-removed" in text and "diff-added" in text
    assert "+10,000.00" in text  # contract value rose by one unit
    view = presales.get(_url(opportunity, proposal, f"/revisions/{revision_id}")).get_data(
        as_text=True
    )
    assert "第一版 first words" in view and "第二版" not in view
    with app.app_context():
        assert (
            db.session.get(ProposalRevision, revision_id).snapshot["sections"][0]["body"]
            == "第一版 first words"
        )


def test_save_version_and_list(app, presales, opportunity, proposal):
    response = presales.post(
        _url(opportunity, proposal, "/revisions"), data={"note": "after workshop"}
    )
    assert response.status_code == 302
    page = presales.get(_url(opportunity, proposal, "/revisions")).get_data(as_text=True)
    assert "after workshop" in page and "v1" in page


# --- roles -----------------------------------------------------------------------------------


def test_rep_reads_and_comments_but_cannot_edit(app, switch_to, opportunity, proposal):
    rep = switch_to("rep")
    page = rep.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "执行摘要" in page and "Read only" in page
    assert 'class="section-editor"' not in page and "Add a section" not in page
    sid = _sections(app, proposal)[0][0]
    assert (
        rep.post(
            _url(opportunity, proposal, f"/sections/{sid}"),
            headers=HX,
            data={"title": "x", "body": "x", "version": 1},
        ).status_code
        == 403
    )
    response = rep.post(
        _url(opportunity, proposal, "/comments"),
        headers=HX,
        data={"body": "客户更关心交付周期 — delivery time matters most"},
    )
    assert response.status_code == 200
    assert "delivery time matters most" in response.get_data(as_text=True)
    assert (
        rep.post(
            _url(opportunity, proposal, "/comments"), headers=HX, data={"body": " "}
        ).status_code
        == 422
    )


def test_other_presales_gets_404(switch_to, opportunity, proposal):
    other = switch_to("presales2")
    assert other.get(_url(opportunity, proposal)).status_code == 404


def test_proposal_of_another_opportunity_is_404(switch_to, make_opportunity, opportunity, proposal):
    other_opportunity = make_opportunity(name="Other deal")
    presales = switch_to("presales")
    assert presales.get(_url(other_opportunity, proposal)).status_code == 404


def test_approved_proposal_whose_quote_now_breaches_goes_back_to_draft(
    app, presales, opportunity, proposal
):
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="5")
    _status(
        presales, opportunity, proposal, "approved", app
    )  # within authority: no approver needed
    assert _proposal_status(app, proposal) == "approved"
    line_id, version = _options(app, proposal)[0][4][0]
    response = presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "平台许可 Platform licence",
            "quantity": "10",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "40",
            "version": version,
        },
    )
    assert response.status_code == 200
    assert _proposal_status(app, proposal) == "draft"
    assert "Needs approval by: Admin" in response.get_data(as_text=True)


def test_locked_proposal_refuses_quote_edits(app, presales, opportunity, proposal):
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="0")
    _status(presales, opportunity, proposal, "submitted", app)
    response = _add_line(presales, opportunity, proposal, option_id)
    assert response.status_code == 423
    assert len(_options(app, proposal)[0][4]) == 1
