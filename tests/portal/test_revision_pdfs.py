"""PDFs of a proposal revision: the customer proposal (cover, contents with page numbers,
sections, quote tables), the frozen PDF of a submitted revision, the finance view and the
technical annex, the proposal parts of the bid pack, and the desk's margin/approval columns."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from portal.extensions import db
from tests.portal.test_queries import count_queries

LONG = "\n\n".join(["Paragraph with enough words to fill lines of the page. " * 12] * 14)
SECTIONS = [
    ("executive_summary", "Executive summary", "We **halve** the outage time.\n\n" + LONG),
    ("customer_needs", "Customer needs", "- uptime\n- cost\n\n" + LONG),
    ("proposed_solution", "Proposed solution", "## Architecture\n\nTwo sites.\n\n" + LONG),
    ("implementation_plan", "Implementation plan", "Twelve weeks in three phases."),
    ("risk_reduction", "Risk reduction", "Pilot first, then roll out."),
    ("commercial_terms", "Commercial terms", "Payment: 30% on signing, 70% on acceptance."),
]
ZH_SECTIONS = [
    (
        "executive_summary",
        "执行摘要",
        "我们将故障时间**减半**。\n\n" + "数据中心双活架构，保障业务连续。" * 60,
    ),
    ("proposed_solution", "解决方案", "两地三中心。" * 80),
    ("commercial_terms", "商务条款", "签约付30%，验收付70%。"),
]


def make_revision(
    app,
    opportunity_id: int,
    users: dict,
    *,
    kind: str = "submitted",
    language: str = "en",
    sections=SECTIONS,
    title="DC refresh proposal",
    approval: bool = True,
) -> dict:
    """A proposal with sections, two options (one recommended, one discounted) and a frozen
    revision of it; returns the ids."""
    from portal.drafts.models import (
        Approval,
        Proposal,
        ProposalLine,
        ProposalOption,
        ProposalRevision,
        ProposalSection,
    )
    from portal.drafts.workflow import snapshot

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity_id,
            title=title,
            language=language,
            currency="CNY",
            status="submitted" if kind == "submitted" else "draft",
        )
        for i, (k, t, body) in enumerate(sections):
            db.session.add(
                ProposalSection(proposal=proposal, position=i, kind=k, title=t, body=body)
            )
        standard = ProposalOption(
            proposal=proposal, position=0, name="Standard", recommended=False, maintenance_years=1
        )
        premium = ProposalOption(
            proposal=proposal, position=1, name="Premium", recommended=True, maintenance_years=3
        )
        lines = [
            ProposalLine(
                option=standard,
                position=0,
                part="solution",
                description="Servers",
                quantity=Decimal(4),
                unit_price=Decimal("25000.50"),
                unit_cost=Decimal(15000),
                discount_pct=Decimal(0),
            ),
            ProposalLine(
                option=standard,
                position=1,
                part="maintenance",
                description="Support",
                quantity=Decimal(1),
                unit_price=Decimal(8000),
                unit_cost=Decimal(3000),
            ),
            ProposalLine(
                option=premium,
                position=0,
                part="solution",
                description="Servers",
                quantity=Decimal(8),
                unit_price=Decimal("25000.50"),
                unit_cost=Decimal(15000),
                discount_pct=Decimal("12.5"),
            ),
            ProposalLine(
                option=premium,
                position=1,
                part="services",
                description="Migration",
                quantity=Decimal(20),
                unit_price=Decimal(1200),
                unit_cost=Decimal(700),
            ),
            ProposalLine(
                option=premium,
                position=2,
                part="maintenance",
                description="Support 24×7",
                quantity=Decimal(1),
                unit_price=Decimal(16000),
                unit_cost=Decimal(5000),
            ),
        ]
        db.session.add_all([proposal, standard, premium, *lines])
        db.session.flush()
        revision = ProposalRevision(
            proposal=proposal,
            opportunity_id=opportunity_id,
            number=1,
            kind=kind,
            snapshot=snapshot(proposal),
            fingerprint="f",
            created_by_id=users["presales"],
            created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        )
        db.session.add(revision)
        if approval:
            db.session.add(
                Approval(
                    proposal=proposal,
                    opportunity_id=opportunity_id,
                    required_role="leader",
                    fingerprint="f",
                    reasons=[],
                    state="approved",
                    requested_by_id=users["presales"],
                    decided_by_id=users["leader"],
                    decided_at=datetime(2025, 3, 13, 17, 0),
                    comment="Fine at 12.5% for a reference site.",
                )
            )
        db.session.commit()
        return {"proposal_id": proposal.id, "revision_id": revision.id}


@pytest.fixture(autouse=True)
def _pdf_dirs(app, tmp_path, tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.getbasetemp() / "rev-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(cache))
    monkeypatch.setitem(app.config, "PDF_FROZEN_DIR", str(tmp_path / "frozen"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _url(opportunity, ids, suffix=".pdf"):
    return (
        f"/opportunities/{opportunity}/proposals/{ids['proposal_id']}"
        f"/revisions/{ids['revision_id']}{suffix}"
    )


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    assert response.mimetype == "application/pdf"
    body = response.get_data()
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    return body


def test_proposal_pdf_cover_contents_sections_and_page_numbers(app, as_user, users, opportunity):
    ids = make_revision(app, opportunity, users)
    pdf = _download(as_user("rep"), _url(opportunity, ids))
    pages = _pages(pdf)
    assert len(pages) >= 5
    cover = pages[0]
    for text in ("DC refresh proposal", "Acme", "2025-03-14", "v1", "Confidential"):
        assert text in cover, text
    assert all(
        f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1) if n > 1
    )
    toc = pages[1]
    titles = [t for _k, t, _b in SECTIONS] + ["Quote options"]
    for number, title in enumerate(titles, start=1):
        match = re.search(rf"{number}\.\s*{re.escape(title)}[ .]*?(\d+)\s*$", toc, re.M)
        assert match, (title, toc)
        listed = int(match.group(1))
        heading = re.compile(rf"^\s*{number}\.\s*{re.escape(title)}\s*$", re.M)
        started = [n for n, page in enumerate(pages, start=1) if n > 2 and heading.search(page)]
        assert started and started[0] == listed, (title, listed, started)
    # Markdown rendered, the recommended option marked, totals per part printed.
    assert "Architecture" in "".join(pages)
    assert "Recommended" in "".join(pages)
    assert "Maintenance over 3 years" in "".join(pages)


def test_contract_values_in_the_pdf_equal_the_quote_page(app, as_user, users, opportunity):
    ids = make_revision(app, opportunity, users)
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/proposals/{ids['proposal_id']}/quote")
    if page.status_code == 302:  # the quote view answers non-htmx requests with the detail page
        page = client.get(page.headers["Location"])
    html = page.get_data(as_text=True)
    on_screen = re.findall(r'data-total="\d+">([\d,.]+)<', html)
    assert len(on_screen) == 2, html[:500]
    text = " ".join(" ".join(p.split()) for p in _pages(_download(client, _url(opportunity, ids))))
    printed = dict(
        re.findall(r"(Standard|Premium) · Contract value \(TCO over term\) ¥([\d,.]+)", text)
    )
    assert [printed["Standard"], printed["Premium"]] == on_screen


def test_a_submitted_revision_is_frozen_and_its_sha_is_shown(
    app, as_user, users, opportunity, monkeypatch, tmp_path
):
    ids = make_revision(app, opportunity, users, kind="submitted")
    client = as_user("presales")
    first = _download(client, _url(opportunity, ids))
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "other"))  # no cache help
    second = _download(client, _url(opportunity, ids))
    assert first == second
    digest = hashlib.sha256(first).hexdigest()
    page = client.get(_url(opportunity, ids, suffix=""))
    assert page.status_code == 200
    assert digest in page.get_data(as_text=True)
    assert _url(opportunity, ids) in page.get_data(as_text=True)


def test_a_new_revision_reusing_an_old_id_is_not_served_the_old_file(
    app, as_user, users, opportunity
):
    """Ids restart when the tables are emptied (a demo reset, SQLite): the frozen file is
    named by content as well, so the new revision gets its own PDF."""
    from portal.drafts.models import ProposalRevision

    ids = make_revision(app, opportunity, users, title="First")
    client = as_user("rep")
    first = _download(client, _url(opportunity, ids))
    with app.app_context():
        db.session.execute(db.delete(ProposalRevision).execution_options(synchronize_session=False))
        db.session.commit()
    again = make_revision(app, opportunity, users, title="Second")
    # (SQLite hands out the same id again; PostgreSQL's sequence does not, which is fine.)
    second = _download(client, _url(opportunity, again))
    assert second != first and "Second" in _pages(second)[0]


def test_a_working_version_is_not_frozen(app, as_user, users, opportunity, tmp_path):
    ids = make_revision(app, opportunity, users, kind="version")
    _download(as_user("presales"), _url(opportunity, ids))
    assert not (tmp_path / "frozen").exists() or not list((tmp_path / "frozen").iterdir())


def test_finance_view_is_internal_with_margins_and_terms(app, as_user, users, opportunity):
    ids = make_revision(app, opportunity, users)
    pages = _pages(_download(as_user("leader"), _url(opportunity, ids, "/finance.pdf")))
    for number, page in enumerate(pages, start=1):
        assert "INTERNAL" in page, f"page {number} is not marked internal"
    text = "\n".join(pages)
    for wanted in (
        "Costs and margins",
        "Margin rate",
        "Discount vs list",
        "TCO over term",
        "Commercial terms",
        "Payment: 30% on signing",
    ):
        assert wanted in text, wanted
    assert "Architecture" not in text  # the technical sections stay out


def test_technical_annex_has_only_the_technical_sections(app, as_user, users, opportunity):
    ids = make_revision(app, opportunity, users)
    pdf = _download(as_user("presales"), _url(opportunity, ids, "/technical.pdf"))
    text = "\n".join(_pages(pdf))
    for wanted in ("Proposed solution", "Implementation plan", "Risk reduction"):
        assert wanted in text
    assert "Commercial terms" not in text and "¥" not in text and "INTERNAL" not in text


def test_presales_may_not_download_the_finance_view(app, as_user, users, opportunity):
    ids = make_revision(app, opportunity, users)
    assert as_user("presales").get(_url(opportunity, ids, "/finance.pdf")).status_code == 403


def test_chinese_proposal_is_in_chinese(app, as_user, users, opportunity):
    ids = make_revision(
        app, opportunity, users, language="zh_CN", sections=ZH_SECTIONS, title="数据中心方案"
    )
    pages = _pages(_download(as_user("rep"), _url(opportunity, ids)))
    text = "\n".join(pages)
    assert "数据中心方案" in pages[0] and "执行摘要" in text
    assert "Page " not in text


def test_a_totals_mismatch_is_refused_with_a_named_problem(
    app, as_user, users, opportunity, monkeypatch, tmp_path
):
    from portal.exports import revision_pdfs

    # The same revision's inputs as other tests, built by patched code: a cache of its own.
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "cache"))

    ids = make_revision(app, opportunity, users, kind="version")
    real = revision_pdfs.build

    def wrong(revision, proposal, view):
        built = real(revision, proposal, view)
        built.expected_totals.update({k: v + 1 for k, v in built.expected_totals.items()})
        return built

    monkeypatch.setattr(revision_pdfs, "build", wrong)
    response = as_user("rep").get(_url(opportunity, ids))
    assert response.status_code == 422
    assert "totals printed differ" in response.get_data(as_text=True)


def test_bid_pack_prints_the_proposal_and_pricing_and_is_internal_on_every_page(
    app, as_user, users, opportunity
):
    make_revision(app, opportunity, users)
    response = as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    pages = _pages(response.get_data())
    for number, page in enumerate(pages, start=1):
        assert "INTERNAL" in page, f"page {number} is not marked internal"
    text = "\n".join(pages)
    for wanted in (
        "Executive summary",
        "Pricing with margins and approval trail",
        "Margin rate",
        "Lena Leader",
        "Approved",
        "Fine at 12.5%",
    ):
        assert wanted in text, wanted


def test_proposal_parts_prefer_the_submitted_revision(app, users, opportunity):
    from portal.deals.models import Opportunity
    from portal.exports.packs import proposal_parts

    make_revision(app, opportunity, users, kind="submitted", title="Sent")
    make_revision(
        app,
        opportunity,
        users,
        kind="version",
        title="Later draft",
        approval=False,
        sections=[("executive_summary", "Draft summary", "x")],
    )
    with app.test_request_context():
        parts = proposal_parts(db.session.get(Opportunity, opportunity))
    assert [p.title for p in parts][0] == "Executive summary"
    assert parts[-1].title == "Pricing with margins and approval trail"


def test_desk_shows_margin_and_approval_state_with_constant_queries(
    app, as_user, users, make_opportunity
):
    from portal.exports.desk import approval_states, quote_margins

    first = make_opportunity(name="One")
    make_revision(app, first, users)
    client = as_user("leader")
    client.get("/desk")
    with count_queries(app) as one:
        assert client.get("/desk").status_code == 200
    for n in range(3):
        more = make_opportunity(name=f"More {n}")
        make_revision(app, more, users)
    client.get("/desk")  # warm-up: the session user is reloaded after the writes
    with count_queries(app) as four:
        html = client.get("/desk").get_data(as_text=True)
    assert len(four) == len(one)
    with app.app_context():
        margins = quote_margins([first])
        states = approval_states([first])
    assert margins[first].frozen and Decimal(0) < margins[first].pct < Decimal(100)
    assert states[first] == "approved"
    assert "Approved" in html
