"""Sessions that really end, login throttling per real client, deal hand-over rights."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.config import ProductionConfig, TestingConfig
from portal.extensions import db
from tests.conftest import login


def _copy_cookie(src, dst):
    """Put the session cookie of `src` into a second client: a replayed (stolen) cookie."""
    cookie = src.get_cookie("session")
    dst.set_cookie("session", cookie.value)
    dst.csrf_token = src.csrf_token


def _replayer(app, client):
    other = app.test_client()
    _copy_cookie(client, other)
    return other


def test_a_cookie_copied_before_logout_neither_reads_nor_writes_after_it(app, client, users):
    login(client, "rep")
    assert client.get("/opportunities").status_code == 200
    client.fetch_csrf()
    saved_cookie = client.get_cookie("session").value
    token = client.csrf_token
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", saved_cookie)
    assert replay.get("/opportunities").status_code == 302
    write = replay.post("/language", data={"locale": "zh_CN"}, headers={"X-CSRFToken": token})
    assert write.status_code in (302, 400)
    from portal.auth.models import User

    with app.app_context():
        assert db.session.get(User, users["rep"]).locale == "en"


@pytest.mark.parametrize("change", ["password", "deactivate", "role"])
def test_an_admin_change_ends_the_users_open_sessions(app, client, users, change):
    login(client, "rep")
    victim = _replayer(app, client)
    assert victim.get("/opportunities").status_code == 200
    admin = app.test_client()
    from tests.conftest import CsrfClient

    admin.__class__ = CsrfClient
    login(admin, "admin")
    data = {
        "username": "rep",
        "display_name": "Rita Rep",
        "email": "",
        "role": "leader" if change == "role" else "rep",
        "locale": "en",
        "password": "a brand new password" if change == "password" else "",
    }
    if change != "deactivate":
        data["active"] = "y"
    response = admin.post(f"/admin/users/{users['rep']}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert victim.get("/opportunities").status_code == 302


def test_an_unrelated_admin_edit_leaves_sessions_open(app, client, users):
    login(client, "rep")
    admin = app.test_client()
    from tests.conftest import CsrfClient

    admin.__class__ = CsrfClient
    login(admin, "admin")
    data = {
        "username": "rep",
        "display_name": "Rita R.",
        "email": "",
        "role": "rep",
        "locale": "en",
        "password": "",
        "active": "y",
    }
    assert admin.post(f"/admin/users/{users['rep']}", data=data).status_code == 302
    assert client.get("/opportunities").status_code == 200


def test_sessions_end_after_the_idle_timeout_and_the_absolute_lifetime(
    app, client, users, monkeypatch
):
    from portal.auth import sessions

    clock = {"t": 1_000_000.0}
    monkeypatch.setattr(sessions, "_now", lambda: clock["t"])
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", 600)
    monkeypatch.setitem(app.config, "SESSION_MAX_LIFETIME", 3600)
    login(client, "rep")
    # Active every 9 minutes: the idle timer restarts, until the absolute lifetime is up.
    for _ in range(6):
        clock["t"] += 540
        assert client.get("/opportunities").status_code == 200
    clock["t"] += 540  # 63 minutes after login
    assert client.get("/opportunities").status_code == 302

    login(client, "rep")
    clock["t"] += 601
    assert client.get("/opportunities").status_code == 302


def test_login_starts_a_new_csrf_secret(client, users):
    before = client.fetch_csrf()
    login(client, "rep")
    after = client.fetch_csrf()
    assert before != after
    page = client.get("/opportunities").get_data(as_text=True)
    assert re.search(r'"X-CSRFToken": "([^"]+)"', page)


def _limited_app(tmp_path, **extra):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rl.db'}",
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
        LOGIN_RATE_LIMIT_PER_ADDRESS="5 per minute",
        WTF_CSRF_ENABLED=False,
        RATELIMIT_KEY_PREFIX=f"t-{tmp_path.name}",
        **extra,
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def test_throttling_counts_the_real_client_behind_trusted_proxies(tmp_path):
    app = _limited_app(tmp_path, TRUSTED_PROXIES=1)
    client = app.test_client()

    def attempt(user, address):
        return client.post(
            "/login",
            data={"username": user, "password": "wrong"},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
        ).status_code

    # An attacker exhausting "rep" from one address does not lock rep out elsewhere.
    assert [attempt("rep", "203.0.113.9") for _ in range(3)] == [422, 422, 429]
    assert attempt("rep", "198.51.100.7") == 422
    # The looser per-address limit stops spraying many usernames from one address.
    statuses = [attempt(f"user{i}", "198.51.100.8") for i in range(7)]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path):
    app = _limited_app(tmp_path)
    client = app.test_client()
    statuses = [
        client.post(
            "/login",
            data={"username": "rep", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert statuses == [422, 422, 429]


def test_production_refuses_in_memory_counters_with_several_workers(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 32)
    monkeypatch.setattr(ProductionConfig, "REDIS_URL", None)
    monkeypatch.setenv("BIDDESK_WORKERS", "4")
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    monkeypatch.setenv("BIDDESK_WORKERS", "1")
    create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x")
    with pytest.raises(RuntimeError, match="32 bytes"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def _edit_data(client, opportunity_id):
    page = client.get(f"/opportunities/{opportunity_id}/edit").get_data(as_text=True)
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', body) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', body
        )
        data[name] = selected.group(1) if selected else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = body.strip()
    return page, data


def test_presales_on_the_deal_cannot_hand_it_away(app, as_user, users, opportunity):
    client = as_user("presales")
    _, data = _edit_data(client, opportunity)
    data["owner_id"] = str(users["rep2"])
    response = client.post(f"/opportunities/{opportunity}/edit", data=data)
    assert response.status_code == 422
    assert "Only the owner" in response.get_data(as_text=True)
    data["owner_id"] = str(users["rep"])
    data["presales_id"] = str(users["presales2"])
    assert client.post(f"/opportunities/{opportunity}/edit", data=data).status_code == 422
    from portal.deals.models import Opportunity

    with app.app_context():
        row = db.session.get(Opportunity, opportunity)
        assert (row.owner_id, row.presales_id) == (users["rep"], users["presales"])


def test_the_owner_and_a_leader_may_hand_a_deal_over(app, client, users, opportunity):
    login(client, "leader")
    _, data = _edit_data(client, opportunity)
    data["presales_id"] = str(users["presales2"])
    assert client.post(f"/opportunities/{opportunity}/edit", data=data).status_code == 302
    login(client, "rep")
    _, data = _edit_data(client, opportunity)
    data["owner_id"] = str(users["rep2"])
    assert client.post(f"/opportunities/{opportunity}/edit", data=data).status_code == 302


def test_a_deal_without_presales_saves_its_own_unchanged_form(as_user, make_opportunity):
    opportunity_id = make_opportunity(presales=None)
    client = as_user("rep")
    page, data = _edit_data(client, opportunity_id)
    assert 'value="None"' not in page
    assert client.post(f"/opportunities/{opportunity_id}/edit", data=data).status_code == 302
