"""Renders in an RQ worker when a Redis URL is given, in-process otherwise."""

from __future__ import annotations

import os
import uuid

import pytest

from proposals.document_samples import sample_document
from proposals.documents import (
    ExportRequest,
    PdfCache,
    jinja_environment,
    render_document_html,
    render_status,
    submit_render,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def request_parts():
    doc = sample_document("zh", sections=2, quotes=1, rows=6)
    return render_document_html(doc, jinja_environment()), doc.expected_totals()


@pytest.fixture
def redis_connection():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is expected on 127.0.0.1:6379 on this project's machines")
    return connection


def test_without_redis_the_render_runs_in_process(request_parts, tmp_path):
    html, totals = request_parts
    request = ExportRequest.build(html, tmp_path, expected_totals=totals)
    ticket = submit_render(request, redis_url=None)
    assert ticket.state == "finished" and ticket.done
    assert render_status(ticket, None) == ticket
    assert PdfCache(tmp_path).get(ticket.key).startswith(b"%PDF-")
    # A second request for the same content is answered from the cache at once.
    assert submit_render(request).job_id.startswith("cached-")


def test_without_redis_a_failed_render_is_reported(tmp_path):
    ticket = submit_render(ExportRequest.build("<p>\ue000</p>", tmp_path))
    assert ticket.state == "failed" and "U+E000" in ticket.error


def test_with_redis_the_render_runs_in_an_rq_worker(request_parts, tmp_path, redis_connection):
    from rq import Queue, SimpleWorker

    html, totals = request_parts
    queue_name = f"pdf-test-{uuid.uuid4().hex}"
    request = ExportRequest.build(html, tmp_path, expected_totals=totals)
    bad = ExportRequest.build("<p>坏 \ue000</p>", tmp_path)
    try:
        ticket = submit_render(request, REDIS_URL, queue=queue_name)
        failing = submit_render(bad, REDIS_URL, queue=queue_name)
        assert ticket.state == "queued" and not ticket.done
        assert render_status(ticket, REDIS_URL).state == "queued"  # what the page polls
        assert PdfCache(tmp_path).get(ticket.key) is None

        queue = Queue(queue_name, connection=redis_connection)
        assert SimpleWorker([queue], connection=redis_connection).work(burst=True)

        done = render_status(ticket, REDIS_URL)
        assert done.state == "finished" and done.done
        assert PdfCache(tmp_path).get(done.key).startswith(b"%PDF-")
        failed = render_status(failing, REDIS_URL)
        assert failed.state == "failed" and "U+E000" in failed.error
    finally:
        Queue(queue_name, connection=redis_connection).delete(delete_jobs=True)


def test_a_lost_job_is_reported_as_failed(redis_connection, tmp_path):
    from proposals.documents import RenderTicket

    lost = RenderTicket(f"pdf-missing-{uuid.uuid4().hex}", "queued", "0" * 64)
    status = render_status(lost, REDIS_URL)
    assert status.state == "failed" and "lost" in status.error
