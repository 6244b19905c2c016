"""PDFs never render in the web request; failures are remembered and explained."""

from __future__ import annotations

import time

import pytest

from proposals.documents import (
    ExportRequest,
    RenderLimits,
    RenderTimeout,
    clean_html,
    export_pdf,
    heaviest_part,
    render,
)


@pytest.fixture
def queued(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "PDF_EXECUTOR", "queue")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "cache"))
    yield
    pool = app.extensions.pop("pdf_pool", None)
    if pool is not None:
        pool.shutdown()


def test_without_redis_the_request_only_enqueues_and_the_page_polls(
    app, as_user, opportunity, queued
):
    client = as_user("rep")
    started = time.perf_counter()
    response = client.get(f"/opportunities/{opportunity}/negotiation.pdf")
    assert response.status_code == 302 and "/exports/" in response.headers["Location"]
    assert time.perf_counter() - started < 5  # nothing was laid out in the request
    progress = response.headers["Location"]
    deadline = time.time() + 120
    while True:
        page = client.get(progress, headers={"HX-Request": "true"}).get_data(as_text=True)
        if "Ready." in page or "could not be produced" in page or time.time() > deadline:
            break
        assert 'hx-trigger="every 1s"' in page
        time.sleep(0.5)
    assert "Ready." in page
    file = client.get(progress + "/file")
    assert file.status_code == 200 and file.data.startswith(b"%PDF-")


def test_a_timed_out_render_names_its_heaviest_section_and_is_remembered(tmp_path):
    big = "<h2>Scope</h2><p>short</p><h2>Appendix table</h2><table>" + "<tr><td>x</td></tr>" * 400
    export = ExportRequest.build(
        big + "</table>", tmp_path, limits=RenderLimits(seconds=0.05, memory_mb=1536)
    )
    with pytest.raises(RenderTimeout) as first:
        export_pdf(export)
    assert "Appendix table" in str(first.value)
    started = time.perf_counter()
    with pytest.raises(RenderTimeout) as again:
        export_pdf(export)
    assert time.perf_counter() - started < 0.5  # answered from the failure record
    assert again.value.heaviest == first.value.heaviest


def test_heaviest_part_counts_table_rows():
    html = "<h2>A</h2>" + "<p>word</p>" * 50 + "<h3>B</h3><table>" + "<tr></tr>" * 30 + "</table>"
    assert heaviest_part(html).startswith("section “B”")


def test_long_words_split_by_entities_still_get_break_opportunities():
    cleaned = clean_html("<p>" + "a&" * 24_000 + "</p>")
    assert "\u200b" in cleaned
    assert "&amp;" in cleaned and "<" not in cleaned.replace("<p>", "").replace("</p>", "")
    longest = max(len(run) for run in cleaned.replace("&amp;", "&").split("\u200b"))
    assert longest <= 90


def test_the_fetcher_refuses_attachments_whatever_their_url():
    outcome = render(
        '<p><a rel="attachment" href="https://biddesk.invalid/static/pdf.css">file</a></p>'
        '<link rel="attachment" href="https://biddesk.invalid/static/pdf.css">',
        limits=RenderLimits(isolate=False),
    )
    assert b"/EmbeddedFile" not in outcome.pdf
    assert any("pdf.css" in url for url in outcome.refused_urls)


def test_a_lost_job_gets_a_translated_actionable_message(app):
    from flask_babel import force_locale

    from portal.exports.rendering import failure_message
    from proposals.documents import LOST_JOB

    with app.test_request_context():
        assert "Start the download again" in failure_message(LOST_JOB)
        assert "Start the download again" in failure_message(
            "Work-horse terminated unexpectedly; waitpid returned 9"
        )
        with force_locale("zh_CN"):
            assert "重新" in failure_message(LOST_JOB)


def _wait_ready(client, url, seconds=120):
    deadline = time.time() + seconds
    while True:
        page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if "every 1s" not in page or time.time() > deadline:
            return page
        time.sleep(0.5)


def test_the_download_request_builds_no_document_the_worker_does(
    app, as_user, opportunity, queued, monkeypatch
):
    from portal.exports import packs

    def built_in_the_request(*_args, **_kwargs):
        raise AssertionError("the web request built the document")

    # The pool's workers are other processes: only the web request sees these.
    monkeypatch.setattr(packs, "bid_pack_context", built_in_the_request)
    monkeypatch.setattr(packs, "negotiation_context", built_in_the_request)
    client = as_user("rep")
    started = time.perf_counter()
    response = client.get(f"/opportunities/{opportunity}/bid-pack.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert time.perf_counter() - started < 1
    page = _wait_ready(client, response.headers["Location"])
    assert "Ready." in page
    assert client.get(response.headers["Location"] + "/file").data.startswith(b"%PDF-")


def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_changed_input_never_serves_a_stale_pdf(app, as_user, make_opportunity, tmp_path):
    from portal.accounts.models import Account
    from portal.deals.models import Opportunity
    from portal.extensions import db

    app.config["PDF_CACHE_DIR"] = str(tmp_path / "cache")
    bid = make_opportunity(name="Harbour cranes", account_name="Port authority")
    client = as_user("rep")
    url = f"/opportunities/{bid}/negotiation.pdf?lang=en"
    first = client.get(url)
    assert "Harbour cranes" in _text(first.data)
    again = client.get(url)  # nothing changed: the stored file
    assert again.headers["X-Content-SHA256"] == first.headers["X-Content-SHA256"]

    with app.app_context():  # the opportunity's own row
        db.session.get(Opportunity, bid).name = "Harbour gantry cranes"
        db.session.commit()
    renamed = client.get(url)
    assert "Harbour gantry cranes" in _text(renamed.data)

    with app.app_context():  # a shared row it prints (the customer)
        db.session.scalars(
            db.select(Account).filter_by(name="Port authority")
        ).one().name = "Port of Ningbo"
        db.session.commit()
    assert "Port of Ningbo" in _text(client.get(url).data)


def test_a_failure_is_remembered_for_the_same_inputs_and_forgotten_when_they_change(
    app, as_user, make_opportunity, tmp_path, monkeypatch
):
    from portal.deals.models import Opportunity
    from portal.exports import jobs
    from portal.extensions import db

    app.config["PDF_CACHE_DIR"] = str(tmp_path / "cache")
    bad = make_opportunity(name="Private use \ue000 glyph")
    client = as_user("rep")
    url = f"/opportunities/{bad}/negotiation.pdf?lang=en"
    first = client.get(url)
    assert first.status_code == 422 and "U+E000" in first.get_data(as_text=True)

    def no_second_build(_job):
        raise AssertionError("the same inputs were built again")

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "build_export", no_second_build)
        again = client.get(url)
    assert again.status_code == 422 and "U+E000" in again.get_data(as_text=True)

    with app.app_context():
        db.session.get(Opportunity, bad).name = "Plain name"
        db.session.commit()
    fixed = client.get(url)
    assert fixed.status_code == 200 and "Plain name" in _text(fixed.data)


def test_a_click_swaps_the_button_for_its_progress_until_ready(app, as_user, opportunity, queued):
    client = as_user("rep")
    url = f"/opportunities/{opportunity}/negotiation.pdf"
    deal = client.get(f"/opportunities/{opportunity}").get_data(as_text=True)
    assert f'hx-get="{url}"' in deal  # the button asks for its progress, not the page

    button = client.get(url, headers={"HX-Request": "true"})
    html = button.get_data(as_text=True)
    assert button.status_code == 200 and "HX-Request" in button.headers["Vary"]
    assert 'hx-trigger="every 1s"' in html and "button=1" in html
    assert "Queued" in html or "Rendering" in html
    poll = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    ready = _wait_ready(client, poll)
    assert "Ready – download" in ready and "every 1s" not in ready
    link = ready.split('href="', 1)[1].split('"', 1)[0]
    assert client.get(link).data.startswith(b"%PDF-")
    # Stored now: the next click goes straight to the file, the button stays as it is.
    again = client.get(url, headers={"HX-Request": "true"})
    assert again.status_code == 200 and again.get_data() == b""
    assert client.get(again.headers["HX-Redirect"]).data.startswith(b"%PDF-")


def test_a_failed_render_on_the_button_says_what_to_do_and_offers_a_retry(
    app, as_user, make_opportunity, queued
):
    bad = make_opportunity(name="Private use \ue000 glyph")
    client = as_user("rep")
    url = f"/opportunities/{bad}/negotiation.pdf"
    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    poll = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    failed = _wait_ready(client, poll)
    assert "Failed:" in failed and "pre-flight" in failed
    assert f'hx-get="{url}' in failed and "Retry" in failed


def test_the_desk_zip_button_posts_with_csrf_and_shows_progress(
    app, as_user, make_opportunity, queued
):
    first = make_opportunity(name="Zip one", owner="leader")
    second = make_opportunity(name="Zip two", owner="leader")
    client = as_user("leader")
    desk = client.get("/desk").get_data(as_text=True)
    assert 'hx-post="/desk/bid-packs.zip"' in desk and 'id="zip-job"' in desk
    response = client.post(
        "/desk/bid-packs.zip",
        data={"opportunity": [first, second]},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="zip-job"' in html and "of 2" in html
    poll = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    ready = _wait_ready(client, poll, seconds=240)
    link = ready.split('href="', 1)[1].split('"', 1)[0]
    assert client.get(link).data.startswith(b"PK")
    refused = client.post("/desk/bid-packs.zip", data={}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'id="zip-job"' in refused.get_data(as_text=True)
    without_token = client.post(
        "/desk/bid-packs.zip",
        data={"opportunity": [first]},
        headers={"HX-Request": "true"},
        csrf=False,
    )
    assert without_token.status_code in (400, 403)


def _stop_warm_timer(app) -> None:
    """The app outlives the test: its warm-up thread must not (it would wake later and
    render from a database the session has dropped by then)."""
    timer = app.extensions.pop("pdf_warm", None)
    if timer is not None:
        timer.stop()


def test_an_open_bids_pack_renders_in_the_background_once_its_edits_settle(
    app, as_user, opportunity, queued, monkeypatch, request
):
    from portal.deals.models import Opportunity
    from portal.exports import jobs, rendering
    from portal.extensions import db
    from portal.timeutil import today
    from proposals.documents import PdfCache

    monkeypatch.setitem(app.config, "PDF_WARM_SECONDS", 1.5)
    request.addfinalizer(lambda: _stop_warm_timer(app))
    queued_kinds = []
    real = rendering.submit_job

    def counting(job, delay_seconds=None):
        queued_kinds.append(job.kind)
        return real(job)

    monkeypatch.setattr(rendering, "submit_job", counting)
    for name in ("Renamed once", "Renamed twice"):  # two edits within the debounce
        with app.app_context():
            db.session.get(Opportunity, opportunity).name = name
            db.session.commit()
        time.sleep(0.5)
    with app.test_request_context():
        key = jobs.opportunity_key(
            "bid-pack", db.session.get(Opportunity, opportunity), "en", today()
        )
    cache = PdfCache(app.config["PDF_CACHE_DIR"])
    deadline = time.time() + 120
    while cache.get(key) is None and time.time() < deadline:
        time.sleep(0.5)
    assert cache.get(key) is not None, "the bid pack was not rendered in the background"
    assert queued_kinds.count("bid-pack") == 1  # once, after the last edit

    client = as_user("leader")
    started = time.perf_counter()
    response = client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "Renamed twice" in _text(response.data)
    assert time.perf_counter() - started < 2  # from the cache, not queued


def test_a_revision_pdf_button_queues_then_downloads_the_frozen_file(
    app, as_user, users, opportunity, queued, tmp_path, monkeypatch
):
    from tests.portal.test_revision_pdfs import _url, make_revision

    monkeypatch.setitem(app.config, "PDF_FROZEN_DIR", str(tmp_path / "frozen"))
    ids = make_revision(app, opportunity, users)  # a submitted revision
    client = as_user("rep")
    url = _url(opportunity, ids)
    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in html
    poll = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    ready = _wait_ready(client, poll)
    link = ready.split('href="', 1)[1].split('"', 1)[0]
    assert link == url  # the revision's own address: it serves the frozen file
    first = client.get(link)
    assert first.data.startswith(b"%PDF-")
    again = client.get(url, headers={"HX-Request": "true"})
    assert again.headers["HX-Redirect"] == url
    assert client.get(url).headers["X-Content-SHA256"] == first.headers["X-Content-SHA256"]


def test_a_new_day_renders_every_open_bid_again(app, monkeypatch):
    from datetime import date

    import portal.timeutil
    from portal.exports import warm

    warmed = []
    monkeypatch.setattr(warm, "warm_now", lambda ids: warmed.append(set(ids)))
    days = iter([date(2026, 3, 1)] + [date(2026, 3, 2)] * 10_000)
    monkeypatch.setattr(portal.timeutil, "today", lambda: next(days))
    monkeypatch.setitem(app.config, "PDF_WARM_SECONDS", 60)
    timer = warm.LocalTimer(app)
    timer.touch([])  # the timer runs, nothing edited
    deadline = time.time() + 10
    while not warmed and time.time() < deadline:
        time.sleep(0.05)
    timer.stop()
    assert not timer.thread.is_alive()
    assert warmed == [{warm.ALL}]  # the packs print the date: all open bids, at once
