"""Tender response in the portal: import (paste, xlsx, docx, bad files), re-import diff,
answers with conflicts, suggestions on both databases, the submission gate, assignments,
the inbox and @mentions, deviation tables in the customer PDF and the Word export."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from portal.extensions import db
from tests.conftest import login
from tests.proposals.test_requirements import docx_with_long_table, xlsx_with_merged_header

HX = {"HX-Request": "true"}


def make_tender_objects(app, proposal_id: int, section_id: int, users: dict) -> dict:
    """One requirement with a comment and a mention, for the access test."""
    from portal.tender.models import InboxItem, Requirement, WorkComment

    with app.app_context():
        row = Requirement(proposal_id=proposal_id, position=0, number="1", text="Support SSO")
        db.session.add(row)
        db.session.flush()
        comment = WorkComment(
            proposal_id=proposal_id, requirement_id=row.id, author_id=users["rep"], body="@admin"
        )
        db.session.add(comment)
        db.session.flush()
        item = InboxItem(
            user_id=users["admin"], kind="mention", proposal_id=proposal_id, comment_id=comment.id
        )
        db.session.add(item)
        db.session.commit()
        return {"requirement_id": row.id, "item_id": item.id}


@pytest.fixture
def proposal(app, opportunity, users):
    from decimal import Decimal

    from portal.drafts.models import Proposal, ProposalLine, ProposalOption, ProposalSection

    with app.app_context():
        p = Proposal(
            opportunity_id=opportunity, title="调度中心投标", language="zh_CN", currency="CNY"
        )
        p.sections.append(
            ProposalSection(position=0, kind="proposed_solution", title="解决方案", body="方案")
        )
        option = ProposalOption(position=0, name="标准方案", recommended=True, maintenance_years=1)
        option.lines.append(
            ProposalLine(
                position=0,
                part="solution",
                description="调度平台许可",
                quantity=Decimal(1),
                unit_price=Decimal(100000),
                unit_cost=Decimal(40000),
                discount_pct=Decimal(0),
            )
        )
        p.options.append(option)
        db.session.add(p)
        db.session.commit()
        return p.id


def _switch(client, who):
    client.post("/logout")
    login(client, who)


def _url(opportunity, proposal, tail=""):
    return f"/opportunities/{opportunity}/proposals/{proposal}/requirements{tail}"


def _rows(app, proposal):
    from portal.tender.service import requirements_of

    with app.app_context():
        return [
            (r.id, r.number, r.text, r.verdict, r.response, r.version)
            for r in requirements_of(proposal)
        ]


def _import(client, opportunity, proposal, **data):
    preview = client.post(_url(opportunity, proposal, "/import"), data=data, headers=HX)
    return preview


def _apply(client, opportunity, proposal, preview):
    payload = re.search(r'name="payload" value="([^"]*)"', preview.get_data(as_text=True))
    assert payload, preview.get_data(as_text=True)[:2000]
    import html

    return client.post(
        _url(opportunity, proposal, "/import/apply"),
        data={"payload": html.unescape(payload.group(1))},
        headers=HX,
    )


PASTE = "序号\t招标要求\n1\t★须提供７×２４小时原厂技术支持\n2\t支持双因素认证\n3\t提供运维手册\n"


def test_paste_import_shows_a_diff_then_saves(app, as_user, opportunity, proposal):
    client = as_user("presales")
    preview = _import(client, opportunity, proposal, kind="technical", pasted=PASTE)
    assert preview.status_code == 200
    assert "3 added, 0 changed, 0 removed" in preview.get_data(as_text=True)
    assert _rows(app, proposal) == []  # nothing saved by reading
    assert _apply(client, opportunity, proposal, preview).headers["HX-Redirect"]
    rows = _rows(app, proposal)
    assert [r[1] for r in rows] == ["1", "2", "3"]


def test_reimport_keeps_answers_on_unchanged_rows(app, as_user, opportunity, proposal):
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    first = _rows(app, proposal)
    rid, version = first[0][0], first[0][5]
    page = client.post(
        _url(opportunity, proposal, f"/{rid}"),
        data=_answer(
            version, text=first[0][2], response="原厂工程师7×24小时响应。", mandatory=True
        ),
        headers=HX,
    )
    assert page.status_code == 200
    changed = (
        "序号\t招标要求\n1\t★须提供7×24小时原厂技术支持\n2\t支持双因素认证（修订）\n4\t新增要求\n"
    )
    preview = _import(client, opportunity, proposal, pasted=changed)
    text = preview.get_data(as_text=True)
    assert "1 added, 1 changed, 1 removed, 1 unchanged" in text
    _apply(client, opportunity, proposal, preview)
    rows = {r[1]: r for r in _rows(app, proposal)}
    assert rows["1"][4] == "原厂工程师7×24小时响应。"  # full-width ７ == 7: unchanged
    assert set(rows) == {"1", "2", "4"}


def _answer(version, **fields):
    data = {
        "version": version,
        "number": "1",
        "clause": "",
        "text": "requirement",
        "kind": "technical",
        "verdict": "comply",
        "response": "We comply.",
        "note": "",
        "section_id": "0",
        "scoring_item": "",
        "points": "",
    }
    data.update(fields)
    if fields.get("mandatory"):
        data["mandatory"] = "y"
    return data


def test_xlsx_and_docx_uploads(app, as_user, opportunity, proposal):
    client = as_user("presales")
    preview = client.post(
        _url(opportunity, proposal, "/import"),
        data={"kind": "technical", "file": (io.BytesIO(xlsx_with_merged_header()), "t.xlsx")},
        headers=HX,
        content_type="multipart/form-data",
    )
    assert "3 added" in preview.get_data(as_text=True)
    preview = client.post(
        _url(opportunity, proposal, "/import"),
        data={"kind": "commercial", "file": (io.BytesIO(docx_with_long_table(45)), "t.docx")},
        headers=HX,
        content_type="multipart/form-data",
    )
    assert "45 added" in preview.get_data(as_text=True)


def test_bad_files_get_a_clear_error_and_nothing_changes(app, as_user, opportunity, proposal):
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    before = _rows(app, proposal)
    cases = [
        ((io.BytesIO(b"%PDF-1.4"), "tender.pdf"), "Upload an Excel (.xlsx) or Word (.docx) file."),
        ((io.BytesIO(b"hello"), "tender.xlsx"), "Upload an Excel (.xlsx) or Word (.docx) file."),
    ]
    for upload, message in cases:
        response = client.post(
            _url(opportunity, proposal, "/import"),
            data={"kind": "technical", "file": upload},
            headers=HX,
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post(
        _url(opportunity, proposal, "/import"),
        data={"kind": "technical", "pasted": "序号\t招标要求\t分值\n1\t甲\t5\n2\t乙\tabc\n"},
        headers=HX,
    )
    assert response.status_code == 422
    assert "Row 3:" in response.get_data(as_text=True)
    # 50 MB: refused by the request size limit before the app reads it.
    response = client.post(
        _url(opportunity, proposal, "/import"),
        data={
            "kind": "technical",
            "file": (io.BytesIO(b"PK\x03\x04" + b"\0" * 50_000_000), "x.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert _rows(app, proposal) == before


def test_only_a_leader_lifts_a_star(app, as_user, opportunity, proposal):
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    rid, number, text, _v, _r, version = _rows(app, proposal)[0]
    refused = client.post(
        _url(opportunity, proposal, f"/{rid}"),
        data=_answer(version, number=number, text=text, response="我的应答"),
        headers=HX,
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Only a leader can lift the ★ mark" in body and "我的应答" in body
    _switch(client, "leader")
    lifted = client.post(
        _url(opportunity, proposal, f"/{rid}"),
        data=_answer(version, number=number, text=text),
        headers=HX,
    )
    assert lifted.status_code == 200


def test_concurrent_edit_shows_the_conflict(app, as_user, opportunity, proposal):
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    rid, _n, text, _v, _r, version = _rows(app, proposal)[1]
    ok = client.post(
        _url(opportunity, proposal, f"/{rid}"), data=_answer(version, text=text), headers=HX
    )
    assert ok.status_code == 200
    stale = client.post(
        _url(opportunity, proposal, f"/{rid}"),
        data=_answer(version, text=text, response="我的回答"),
        headers=HX,
    )
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "我的回答" in body and "We comply." in body
    assert _rows(app, proposal)[1][4] == "We comply."
    bad = client.post(
        _url(opportunity, proposal, f"/{rid}"),
        data=_answer(version + 1, text="", response="keep me"),
        headers=HX,
    )
    assert bad.status_code == 422 and "keep me" in bad.get_data(as_text=True)


def _seed_library(app, users):
    from portal.drafts.models import LibraryBlock

    with app.app_context():
        blocks = [
            LibraryBlock(
                title="原厂服务承诺",
                tags="服务,支持",
                language="zh_CN",
                body="我们提供7×24小时原厂技术支持，2小时内响应，4小时到场。",
                owner_id=users["presales"],
                last_reviewed=date.today(),
            ),
            LibraryBlock(
                title="双因素认证",
                tags="安全",
                language="zh_CN",
                body="平台支持基于短信和令牌的双因素认证，管理员操作全部留痕审计。",
                owner_id=users["presales"],
            ),
            LibraryBlock(
                title="Single sign-on",
                tags="security",
                language="en",
                body="The platform supports SAML 2.0 and OIDC single sign-on.",
                owner_id=users["presales"],
            ),
            LibraryBlock(
                title="Backup",
                tags="operations",
                language="en",
                body="Nightly encrypted backups are kept for 90 days.",
            ),
        ]
        db.session.add_all(blocks)
        db.session.commit()
        return [b.id for b in blocks]


def test_suggestions_find_chinese_and_english_blocks(app, as_user, users, opportunity, proposal):
    ids = _seed_library(app, users)
    client = as_user("presales")
    _apply(
        client,
        opportunity,
        proposal,
        _import(
            client,
            opportunity,
            proposal,
            pasted="1\t投标人须提供原厂技术支持服务，响应时间不超过2小时\n"
            "2\tThe solution must support single sign-on (SAML or OIDC)\n",
        ),
    )
    rows = _rows(app, proposal)
    from portal.tender.suggest import search

    with app.app_context():
        chinese = search(rows[0][2])
        english = search(rows[1][2])
        again = search(rows[0][2])
    assert chinese[0].ref_id == ids[0] and chinese[0].kind == "block"
    assert english[0].ref_id == ids[2]
    assert chinese == again  # stable ranking
    page = client.get(_url(opportunity, proposal, f"/{rows[0][0]}/suggestions"), headers=HX)
    assert "原厂服务承诺" in page.get_data(as_text=True)


def test_accepting_a_suggestion_copies_it_and_records_the_block(
    app, as_user, users, opportunity, proposal
):
    ids = _seed_library(app, users)
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    rid, _n, text, _v, _r, version = _rows(app, proposal)[0]
    response = client.post(
        _url(opportunity, proposal, f"/{rid}/suggestions"),
        data=_answer(version, text=text, verdict="open", response="我方承诺：", mandatory=True)
        | {"use": f"block:{ids[0]}"},
        headers=HX,
    )
    assert response.status_code == 200
    from portal.drafts.models import LibraryBlock
    from portal.tender.models import Requirement

    with app.app_context():
        row = db.session.get(Requirement, rid)
        assert row.response.startswith("我方承诺：\n\n我们提供7×24小时")
        assert row.verdict == "comply"
        assert (row.block_id, row.block_version) == (ids[0], 1)
        block = db.session.get(LibraryBlock, ids[0])
        block.body += " 更新"
        db.session.commit()
    page = client.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert "Library block changed since" in page


def test_past_answers_are_suggested_to_other_proposals(app, as_user, users, opportunity, proposal):
    from portal.drafts.models import Proposal
    from portal.tender.models import Requirement
    from portal.tender.suggest import search

    with app.app_context():
        other = Proposal(opportunity_id=opportunity, title="Older bid", language="en")
        db.session.add(other)
        db.session.flush()
        db.session.add(
            Requirement(
                proposal_id=other.id,
                position=0,
                text="Data must be encrypted at rest with AES-256",
                verdict="comply",
                response="All volumes use AES-256 encryption.",
            )
        )
        db.session.commit()
        hits = search("Encrypt all stored data at rest (AES-256)", exclude_proposal_id=proposal)
        own = search("Encrypt all stored data at rest (AES-256)", exclude_proposal_id=other.id)
    assert hits and hits[0].kind == "answer"
    assert own == []


def _submit(client, opportunity, proposal_id, app):
    from portal.drafts.models import Proposal

    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    return client.post(
        f"/opportunities/{opportunity}/proposals/{proposal_id}/status",
        data={"target": "submitted", "version": version},
    )


def test_gate_refuses_submission_and_lists_the_rows(app, as_user, opportunity, proposal):
    from portal.drafts.models import Proposal

    client = as_user("presales")
    with app.app_context():
        db.session.get(Proposal, proposal).status = "approved"
        db.session.commit()
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    refused = _submit(client, opportunity, proposal, app)
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith("/requirements/gate")
    gate = client.get(_url(opportunity, proposal, "/gate")).get_data(as_text=True)
    rows = _rows(app, proposal)
    assert "★ requirement not answered" in gate
    assert f"#req-{rows[0][0]}" in gate
    for rid, number, text, _v, _r, version in rows:
        verdict = "deviate" if number == "1" else "comply"
        client.post(
            _url(opportunity, proposal, f"/{rid}"),
            data=_answer(
                version, number=number, text=text, verdict=verdict, mandatory=number == "1"
            ),
            headers=HX,
        )
    assert _submit(client, opportunity, proposal, app).headers["Location"].endswith("/gate")
    gate = client.get(_url(opportunity, proposal, "/gate")).get_data(as_text=True)
    assert "deviates without a leader" in gate
    # Presales cannot accept; a leader records the acceptance.
    rid, version = rows[0][0], _rows(app, proposal)[0][5]
    assert (
        client.post(
            _url(opportunity, proposal, f"/{rid}/acceptance"), data={"version": version}
        ).status_code
        == 403
    )
    _switch(client, "leader")
    accepted = client.post(
        _url(opportunity, proposal, f"/{rid}/acceptance"), data={"version": version}, headers=HX
    )
    assert "Accepted by Lena Leader" in accepted.get_data(as_text=True), accepted.status_code
    _switch(client, "presales")
    done = _submit(client, opportunity, proposal, app)
    assert done.headers["Location"].endswith(f"/proposals/{proposal}")
    with app.app_context():
        assert db.session.get(Proposal, proposal).status == "submitted"


def test_assignments_and_mentions_land_in_the_inbox(app, as_user, users, opportunity, proposal):
    client = as_user("presales")
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=PASTE))
    rows = _rows(app, proposal)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(
        _url(opportunity, proposal, f"/{rows[0][0]}/assignment"),
        data={
            "version": rows[0][5],
            "owner_id": users["presales"],
            "reviewer_id": users["leader"],
            "due_date": yesterday,
            "review_state": "requested",
        },
        headers=HX,
    )
    assert response.status_code == 200
    from portal.drafts.models import Proposal

    with app.app_context():
        section_id = db.session.get(Proposal, proposal).sections[0].id
    response = client.post(
        f"/opportunities/{opportunity}/proposals/{proposal}/sections/{section_id}/assignment",
        data={
            "version": 0,
            "owner_id": users["presales"],
            "reviewer_id": 0,
            "review_state": "none",
            "due_date": (date.today() + timedelta(days=3)).isoformat(),
        },
        headers=HX,
    )
    assert response.status_code == 200
    client.post(
        _url(opportunity, proposal, f"/{rows[1][0]}/comments"),
        data={"body": "@rep 请确认商务条款；@presales2 看不到这个商机"},
        headers=HX,
    )
    page = client.get("/inbox").get_data(as_text=True)
    assert "须提供７×２４小时原厂技术支持" in page and "解决方案" in page
    from portal.tender.service import inbox_counts

    with app.app_context():
        mine = inbox_counts(users["presales"], date.today())
        leader = inbox_counts(users["leader"], date.today())
        rep = inbox_counts(users["rep"], date.today())
        outsider = inbox_counts(users["presales2"], date.today())
    assert (mine.assigned, mine.overdue) == (2, 1)
    assert leader.review == 1
    assert rep.notifications == 1 and outsider.notifications == 0  # the mention, not also a comment
    _switch(client, "rep")
    assert 'id="inbox-counts"' in client.get("/opportunities").get_data(as_text=True)
    nav = client.get("/inbox/counts", headers=HX).get_data(as_text=True)
    assert re.search(r'<span class="count"[^>]*>1</span>', nav)
    mentions = client.get("/inbox?tab=mentioned").get_data(as_text=True)
    assert "请确认商务条款" in mentions
    with app.app_context():
        assert inbox_counts(users["rep"], date.today()).notifications == 1  # seen, not opened
    item = re.search(r'href="(/inbox/\d+)"', mentions).group(1)
    assert "#req-" in client.get(item).headers["Location"]
    with app.app_context():
        assert inbox_counts(users["rep"], date.today()).notifications == 0  # opened: read


def test_mention_autocomplete(app, as_user, users):
    client = as_user("rep")
    page = client.get("/people?body=请看一下 @pr", headers=HX).get_data(as_text=True)
    assert "@presales" in page and "@presales2" in page and "@rep" not in page


def test_library_review_cycle(app, as_user, users):
    from portal.drafts.models import LibraryBlock

    with app.app_context():
        old = LibraryBlock(
            title="Old",
            body="x",
            owner_id=users["presales"],
            last_reviewed=date.today() - timedelta(days=40),
        )
        fresh = LibraryBlock(
            title="Fresh", body="y", owner_id=users["presales"], last_reviewed=date.today()
        )
        db.session.add_all([old, fresh])
        db.session.commit()
        old_id = old.id
    client = as_user("presales")
    assert "Old" not in client.get("/library/reviews").get_data(as_text=True)  # 180 days
    client.post(f"/library/reviews/{old_id}", data={"version": 0, "interval_days": 30})
    with app.app_context():
        assert db.session.get(LibraryBlock, old_id).last_reviewed == date.today()
        from portal.tender.models import BlockReview

        cycle = db.session.get(BlockReview, old_id)
        assert cycle.interval_days == 30
        db.session.get(LibraryBlock, old_id).last_reviewed = date.today() - timedelta(days=31)
        db.session.commit()
    assert "Old" in client.get("/library/reviews").get_data(as_text=True)
    _switch(client, "rep")
    client.post(f"/library/reviews/{old_id}", data={"version": 1, "interval_days": 9})
    with app.app_context():
        assert db.session.get(BlockReview, old_id).interval_days == 30  # not the rep's block


def _answered_tender(app, client, opportunity, proposal):
    paste = (
        "序号\t招标文件条目\t招标要求\t类型\n"
        "1\t3.1\t★支持国产数据库\t技术\n"
        "2\t3.2\t系统可用性不低于99.99%\t技术\n"
        "3\t5.1\t付款方式：验收后一次性付款\t商务\n"
    )
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=paste))
    for rid, number, text, _v, _r, version in _rows(app, proposal):
        verdict = {"1": "comply", "2": "partial", "3": "comply"}[number]
        client.post(
            _url(opportunity, proposal, f"/{rid}"),
            data=_answer(
                version,
                number=number,
                text=text,
                verdict=verdict,
                kind="commercial" if number == "3" else "technical",
                mandatory=number == "1",
                response=f"应答{number}",
                note="可用性承诺99.95%" if number == "2" else "",
            ),
            headers=HX,
        )


def test_customer_pdf_has_the_deviation_tables(app, as_user, opportunity, proposal):
    client = as_user("presales")
    _answered_tender(app, client, opportunity, proposal)
    from portal.drafts.models import Proposal, ProposalRevision
    from portal.exports.revision_pdfs import build

    with app.app_context(), app.test_request_context():
        from flask_login import login_user

        from portal.auth.models import User

        login_user(db.session.query(User).filter_by(username="presales").one())
        p = db.session.get(Proposal, proposal)
        from portal.drafts.workflow import freeze_revision

        revision = freeze_revision(p, "version", "")
        db.session.commit()
        document = build(db.session.get(ProposalRevision, revision.id), p, "customer").document
    titles = [s.title for s in document.sections]
    assert titles[-2:] == ["技术偏离表", "商务偏离表"]
    technical, commercial = document.sections[-2].html, document.sections[-1].html
    assert "系统可用性不低于99.99%" in technical and "部分偏离" in technical
    assert "支持国产数据库" not in technical  # complies: not a deviation
    assert "no-deviation" in commercial


def test_word_export(app, as_user, opportunity, proposal, tmp_path):
    import docx

    client = as_user("presales")
    _answered_tender(app, client, opportunity, proposal)
    response = client.get(_url(opportunity, proposal, "/export.docx"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".docx")
    data = response.get_data()
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "1. 解决方案" in headings and "技术偏离表" in headings and "商务偏离表" in headings
    assert any("偏离" in c.text for t in document.tables for c in t.rows[0].cells)
    xml = document.styles.element.xml
    assert 'w:eastAsia="SimSun"' in xml
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (scripts/setup installs it)")
    path = tmp_path / "proposal.docx"
    path.write_bytes(data)
    result = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "proposal.pdf"
    assert pdf.exists(), result.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    assert "技术偏离表".encode() in text


def test_long_tables_are_paged_and_row_links_open_their_page(app, as_user, opportunity, proposal):
    client = as_user("presales")
    paste = "".join(f"{i}\t要求 {i}\n" for i in range(1, 151))
    _apply(client, opportunity, proposal, _import(client, opportunity, proposal, pasted=paste))
    first = client.get(_url(opportunity, proposal)).get_data(as_text=True)
    assert first.count('class="req ') == 100 and 'data-number="101"' not in first
    last = _rows(app, proposal)[-1][0]
    page = client.get(_url(opportunity, proposal, f"?row={last}")).get_data(as_text=True)
    assert page.count('class="req ') == 50 and 'data-number="150"' in page
    gate = client.get(_url(opportunity, proposal, "/gate")).get_data(as_text=True)
    assert f"?row={last}#req-{last}" in gate
