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
