"""Database unreachable: a fast, static, translated 503, never a bare 500 or a hang."""

from __future__ import annotations

import time

import pytest

from portal import create_app
from portal.config import TestingConfig


def _app(url, **extra):
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        WTF_CSRF_ENABLED=False,
        DB_CONNECT_TIMEOUT=1,
        **extra,
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/none",  # refused at once
        "postgresql+psycopg://nobody@10.255.255.1:5432/none",  # never answers
    ],
)
def test_an_unreachable_database_answers_a_static_503_within_seconds(url):
    client = _app(url).test_client()
    started = time.perf_counter()
    response = client.post(
        "/login", data={"username": "rep", "password": "x"}, headers={"Accept-Language": "zh-CN"}
    )
    assert time.perf_counter() - started < 10
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "服务暂时不可用" in page and response.headers["Retry-After"]


def test_the_english_page_for_english_readers():
    client = _app("postgresql+psycopg://nobody@127.0.0.1:1/none").test_client()
    response = client.post("/login", data={"username": "rep", "password": "x"})
    assert response.status_code == 503
    assert "unavailable for a moment" in response.get_data(as_text=True)


def test_postgresql_connections_carry_connect_and_statement_timeouts():
    app = _app("postgresql+psycopg://nobody@127.0.0.1:1/none", DB_STATEMENT_TIMEOUT_MS=1234)
    args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert args["connect_timeout"] == 1
    assert "statement_timeout=1234" in args["options"]
