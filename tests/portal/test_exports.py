"""PDF exports and the bid desk: the files, their marking and contents, failures, access,
the query count of the desk, and both render paths (in-process; RQ with local Redis)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from portal.bid import summary
from portal.extensions import db
from tests.conftest import login
from tests.portal.test_access import _objection_and_sheet_ids, _workspace_ids
from tests.portal.test_queries import count_queries

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(autouse=True)
def _pdf_dirs(app, tmp_path_factory, monkeypatch):
    # One cache for the module's tests: identical documents are rendered once.
    cache = tmp_path_factory.getbasetemp() / "exports-pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(cache))
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _furnish(app, opportunity_id: int, chosen: Decimal | None = Decimal("900000")):
    """Give an opportunity everything a bid pack prints: a scenario with a chosen price,
    stakeholders, a matrix, an open objection and a negotiation sheet."""
    from portal.deals.models import Stakeholder
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        people = [
            Stakeholder(
                opportunity_id=opportunity_id,
                name="王总 Wang",
                map_role="money",
                buying_role="economic",
                decision_type="final",
                influence=5,
                attitude="supporter",
                last_contact=date.today() - timedelta(days=3),
            ),
            Stakeholder(
                opportunity_id=opportunity_id,
                name="Li Procurement",
                map_role="authority",
                influence=4,
                attitude="opponent",
            ),
        ]
        db.session.add_all(people)
        db.session.commit()
        scenario = demo_scenario(opportunity_id, official=True)
        scenario.chosen_price = chosen
        db.session.commit()
        _objection_and_sheet_ids(opportunity_id, people[0].id)
        _workspace_ids(db, opportunity_id)
        summary.compute([opportunity_id])  # what the background worker does after the change
        return scenario.id


def _pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _assert_pdf_download(response, name_part: str) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and name_part in disposition
    assert "/" not in disposition.split("filename", 1)[1]
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    return body


# --- the negotiation sheet ---------------------------------------------------------------


def test_negotiation_sheet_pdf_is_one_internal_page(app, as_user, opportunity):
    _furnish(app, opportunity)
    pdf = _assert_pdf_download(
        as_user("presales").get(f"/opportunities/{opportunity}/negotiation.pdf?lang=en"),
        "negotiation-sheet",
    )
    pages = _pdf_text(pdf)
    assert len(pages) == 1
    assert "INTERNAL" in pages[0]
    for label in (
        "Negotiation sheet",
        "Goals per term",
        "Concession plan",
        "Team roles",
        "BATNA",
        "Price zone",
    ):
        assert label in pages[0], label


def test_negotiation_sheet_without_a_sheet_still_renders(app, as_user, opportunity):
    pdf = _assert_pdf_download(
        as_user("rep").get(f"/opportunities/{opportunity}/negotiation.pdf"), "negotiation"
    )
    assert "No negotiation sheet" in _pdf_text(pdf)[0]


# --- the bid pack ----------------------------------------------------------------------------

_TOC_LINE = re.compile(r"^\s*(\d+)\.\s+(.+?)[\s.]*?\s(\d+)\s*$")


def _toc(pages: list[str]) -> list[tuple[str, int]]:
    toc_page = next(p for p in pages if "Contents" in p or "目录" in p)
    entries = []
    for line in toc_page.splitlines():
        match = _TOC_LINE.match(line.replace("\u2024", ".").replace("…", "."))
        if match:
            entries.append((match.group(2).rstrip(" ."), int(match.group(3))))
    return entries


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_bid_pack_is_internal_on_every_page_and_the_contents_point_right(
    app, as_user, opportunity, language
):
    _furnish(app, opportunity)
    pdf = _assert_pdf_download(
        as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang={language}"),
        "bid-pack",
    )
    pages = _pdf_text(pdf)
    assert 7 <= len(pages) <= 20  # cover, contents, six sections of a page or more
    marking = {"en": "INTERNAL", "zh_CN": "内部资料"}[language]  # in the reader's language
    for number, text in enumerate(pages, start=1):
        assert marking in text, f"page {number} is not marked internal"
    entries = _toc(pages)
    assert len(entries) == 6, entries
    for title, page_number in entries:
        heading = re.sub(r"\s+", "", title)
        assert heading in re.sub(r"\s+", "", pages[page_number - 1]), (title, page_number)
    whole = "\n".join(pages)
    assert "调度数据中心" in whole  # the opportunity's Chinese name, with glyphs
    assert "王总" in whole and "Rival Co" in whole and "Too expensive" in whole
    assert "¥900,000.00" in whole  # the chosen price from the scenario


def test_bid_pack_without_any_prepared_parts_says_so(app, as_user, opportunity):
    pdf = _assert_pdf_download(
        as_user("rep").get(f"/opportunities/{opportunity}/bid-pack.pdf"), "bid-pack"
    )
    whole = "\n".join(_pdf_text(pdf))
    assert "No official price-score scenario" in whole and "No negotiation sheet" in whole


def test_repeat_download_is_the_same_file_from_the_cache(app, as_user, opportunity):
    _furnish(app, opportunity)
    client = as_user("leader")
    first = client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    second = client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert first.get_data() == second.get_data()
    assert first.headers["X-Content-SHA256"] == second.headers["X-Content-SHA256"]


def test_a_failed_preflight_is_a_message_naming_the_problem(app, as_user, make_opportunity, caplog):
    bad = make_opportunity(name="Private use \ue000 glyph")
    response = as_user("rep").get(f"/opportunities/{bad}/bid-pack.pdf")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "pre-flight" in page and "U+E000" in page and "glyph" in page
    assert any("PDF export failed" in r.getMessage() for r in caplog.records)


def test_presales_may_not_download_a_bid_pack(app, as_user, opportunity):
    assert as_user("presales").get(f"/opportunities/{opportunity}/bid-pack.pdf").status_code == 403


def test_proposal_parts_are_empty_without_a_revision(app, opportunity):
    from portal.deals.models import Opportunity
    from portal.exports.packs import proposal_parts

    with app.app_context():
        assert proposal_parts(db.session.get(Opportunity, opportunity)) == []


# --- the desk --------------------------------------------------------------------------------


def test_desk_lists_open_bids_by_deadline_with_position(app, as_user, make_opportunity):
    soon = make_opportunity(name="Soon bid", bid_deadline=date.today() + timedelta(days=2))
    later = make_opportunity(name="Later bid", bid_deadline=date.today() + timedelta(days=40))
    make_opportunity(name="Undated bid", bid_deadline=None)
    make_opportunity(name="Other rep bid", owner="rep2", presales=None)
    make_opportunity(name="Closed bid", status="won")
    _furnish(app, later)
    page = as_user("leader").get("/desk").get_data(as_text=True)
    order = [page.index(n) for n in ("Soon bid", "Later bid", "Other rep bid", "Undated bid")]
    assert order[:2] == sorted(order[:2]) and order[-1] == max(order)
    assert "Closed bid" not in page
    row = page[page.index(f'id="bid-{later}"') :]
    row = row[: row.index("</tr>")]
    assert "P(win)" in row and "rank" in row
    assert row.count("—") >= 2  # margin and approval until quotes and approvals exist
    assert f"/opportunities/{soon}/bid-pack.pdf" in page


def test_a_rep_sees_only_their_own_bids_on_the_desk(app, as_user, make_opportunity):
    make_opportunity(name="Mine")
    make_opportunity(name="Theirs", owner="rep2", presales=None)
    page = as_user("rep").get("/desk").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page


def test_desk_queries_do_not_grow_with_bids(app, as_user, make_opportunity):
    client = as_user("leader")
    for i in range(3):
        _furnish_scenario(app, make_opportunity(name=f"few {i}"))
    client.get("/desk")
    with count_queries(app) as few:
        assert client.get("/desk").status_code == 200
    for i in range(9):
        _furnish_scenario(app, make_opportunity(name=f"many {i}", owner="rep2" if i % 2 else "rep"))
    client.get("/desk")  # warm-up: the session user is reloaded after the writes
    with count_queries(app) as many:
        assert client.get("/desk").status_code == 200
    assert len(many) == len(few), "\n".join(many)
    # The bids, their official scenarios (+ rivals), matrix rivals, sheets (+ goals), margins
    # (revisions, draft proposals, options, lines), approvals, the tolerance, the session,
    # the stored summaries, and the page: its count, the dated and the undated bids.
    assert len(few) <= 18, "\n".join(few)


def _furnish_scenario(app, opportunity_id):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity_id, official=True)
        scenario.chosen_price = Decimal("950000")
        db.session.commit()
        summary.compute([opportunity_id])  # as the background worker does


def test_desk_zip_of_two_bid_packs(app, as_user, make_opportunity):
    first = make_opportunity(name="Zip one")
    second = make_opportunity(name="Zip two")
    response = as_user("leader").post(
        "/desk/bid-packs.zip", data={"opportunity": [str(first), str(second)]}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
        assert all(archive.read(n).startswith(b"%PDF-") for n in names)


def test_desk_zip_refuses_others_bids_and_empty_selections(app, as_user, make_opportunity):
    mine = make_opportunity(name="Mine")
    theirs = make_opportunity(name="Theirs", owner="rep2", presales=None)
    client = as_user("rep")
    assert (
        client.post(
            "/desk/bid-packs.zip", data={"opportunity": [str(mine), str(theirs)]}
        ).status_code
        == 404
    )
    empty = client.post("/desk/bid-packs.zip", data={})
    assert empty.status_code == 422 and "Select at least one" in empty.get_data(as_text=True)
    assert client.post("/desk/bid-packs.zip", data={"opportunity": "x"}).status_code == 400


def test_safe_filename():
    from portal.exports.rendering import safe_filename

    assert safe_filename("bid-pack", "../../etc/passwd") == "bid-pack-etc-passwd.pdf"
    assert safe_filename("bid-pack", "调度 中心/A:B") == "bid-pack-调度-中心-A-B.pdf"
    assert safe_filename("", "...") == "document.pdf"
    assert len(safe_filename("x" * 500)) == 104


# --- the RQ path -------------------------------------------------------------------------------


@pytest.fixture
def rq_queue(app, monkeypatch):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is expected on 127.0.0.1:6379 on this project's machines")
    name = f"pdf-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "PDF_RQ_QUEUE", name)
    # A fresh cache, so the render really goes through the queue.
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(app.config["PDF_CACHE_DIR"]) + "-" + name)
    from rq import Queue, SimpleWorker

    def work():
        queue = Queue(name, connection=connection)
        return SimpleWorker([queue], connection=connection).work(burst=True)

    yield work

    Queue(name, connection=connection).delete(delete_jobs=True)


def test_with_redis_the_download_is_queued_and_polled_until_ready(
    app, as_user, opportunity, rq_queue
):
    _furnish(app, opportunity)
    client = as_user("rep")
    started = client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert started.status_code == 302
    progress_url = started.headers["Location"]
    assert progress_url.startswith("/exports/")
    waiting = client.get(progress_url).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in waiting and "Rendering" in waiting
    assert client.get(progress_url + "/file").status_code == 409

    assert rq_queue()  # the worker renders it

    ready = client.get(progress_url, headers={"HX-Request": "true"})
    html = ready.get_data(as_text=True)
    assert "every 1s" not in html and 'id="export-file"' in html
    sha = re.search(r'id="export-sha">([0-9a-f]{64})<', html).group(1)
    pdf = _assert_pdf_download(client.get(progress_url + "/file"), "bid-pack")
    assert hashlib.sha256(pdf).hexdigest() == sha
    assert all("INTERNAL" in text for text in _pdf_text(pdf))

    # Others cannot follow the link: not their deal, or not their document.
    for other in ("rep2", "presales"):
        stranger = app.test_client()
        login(stranger, other)
        assert stranger.get(progress_url).status_code == 404, other
        assert stranger.get(progress_url + "/file").status_code == 404, other
    assert client.get("/exports/forged-token-123456/file").status_code in (302, 404)


def test_with_redis_a_failed_render_is_reported_on_the_progress_page(
    app, as_user, make_opportunity, rq_queue
):
    bad = make_opportunity(name="Private use \ue000 glyph")
    client = as_user("rep")
    progress_url = client.get(f"/opportunities/{bad}/negotiation.pdf").headers["Location"]
    rq_queue()
    page = client.get(progress_url).get_data(as_text=True)
    assert "could not be produced" in page and "U+E000" in page
    assert client.get(progress_url + "/file").status_code == 409


def test_with_redis_a_zip_of_two_is_queued_then_served(app, as_user, make_opportunity, rq_queue):
    first, second = make_opportunity(name="Q one"), make_opportunity(name="Q two")
    client = as_user("leader")
    started = client.post("/desk/bid-packs.zip", data={"opportunity": [str(first), str(second)]})
    assert started.status_code == 303
    rq_queue()
    response = client.get(started.headers["Location"] + "/file")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert len(archive.namelist()) == 2


def test_repeat_bid_pack_download_is_fresh_after_a_change(app, as_user, opportunity):
    from portal.deals.models import Opportunity

    _furnish(app, opportunity)
    client = as_user("leader")
    url = f"/opportunities/{opportunity}/bid-pack.pdf?lang=en"
    first = client.get(url)
    again = client.get(url)
    assert again.data == first.data  # served from storage, same file
    assert again.headers["X-Content-SHA256"] == first.headers["X-Content-SHA256"]
    with app.app_context():
        db.session.get(Opportunity, opportunity).name = "Renamed after the first download"
        db.session.commit()
    changed = client.get(url)
    assert changed.data != first.data
    assert "Renamed after the first download" in "".join(_pdf_text(changed.data))


def test_with_redis_edits_are_debounced_and_the_pack_renders_after_the_last(
    app, opportunity, rq_queue, monkeypatch
):
    import time

    from rq import Queue, SimpleWorker

    from portal.deals.models import Opportunity
    from portal.exports import jobs
    from portal.timeutil import today
    from proposals.documents import PdfCache

    monkeypatch.setitem(app.config, "PDF_WARM_SECONDS", 1)
    for name in ("Edited once", "Edited twice"):
        with app.app_context():
            db.session.get(Opportunity, opportunity).name = name
            db.session.commit()
    time.sleep(2.5)  # both warm-ups are due now
    connection = __import__("redis").Redis.from_url(REDIS_URL)
    queue = Queue(app.config["PDF_RQ_QUEUE"], connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True, with_scheduler=True)
    finished = queue.finished_job_registry.get_job_ids()
    results = [queue.fetch_job(job_id).return_value() for job_id in finished]
    assert len(results) == 2, results
    assert sorted(results)[0] == 0  # the first edit's job saw a later change and did nothing
    assert sum(results) >= 1
    with app.test_request_context():
        key = jobs.opportunity_key(
            "bid-pack", db.session.get(Opportunity, opportunity), "en", today()
        )
    assert PdfCache(app.config["PDF_CACHE_DIR"]).get(key) is not None
