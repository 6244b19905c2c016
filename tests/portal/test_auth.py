from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import ProductionConfig, TestingConfig
from tests.conftest import PASSWORD, login


def test_login_with_the_right_password_opens_the_opportunity_list(client, users):
    response = login(client, "rep")
    assert response.headers["Location"].endswith("/opportunities")
    page = client.get("/opportunities").get_data(as_text=True)
    assert "Rita Rep" in page


def test_wrong_password_is_refused_at_the_field_without_saying_which_part_was_wrong(client, users):
    response = client.post("/login", data={"username": "rep", "password": "nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown username or wrong password." in page
    assert 'value="rep"' in page  # the username typed is kept
    unknown = client.post("/login", data={"username": "nobody", "password": "nope"})
    assert "Unknown username or wrong password." in unknown.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(app, client, users):
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, users["rep2"]).active = False
        db.session.commit()
    response = client.post("/login", data={"username": "rep2", "password": PASSWORD})
    assert response.status_code == 422


def test_passwords_are_stored_as_argon2id(app, users):
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.get(User, users["rep"])
        assert user.password_hash.startswith("$argon2id$")
        user.set_password("another long password")
        assert user.password_hash.startswith("$argon2id$")
        assert user.check_password("another long password")
        assert not user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, users, target):
    response = client.post(f"/login?next={target}", data={"username": "rep", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/opportunities"


def test_login_returns_to_the_page_first_asked_for(client, users, opportunity):
    first = client.get(f"/opportunities/{opportunity}")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    response = client.post(login_url, data={"username": "rep", "password": PASSWORD})
    assert response.headers["Location"] == f"/opportunities/{opportunity}"


def test_logout_needs_a_post_with_the_csrf_token(client, users):
    login(client, "rep")
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout", csrf=False)
    assert refused.status_code == 400
    assert client.get("/opportunities").status_code == 200
    client.post("/logout")
    assert client.get("/opportunities").status_code == 302


def test_login_is_rate_limited(tmp_path):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rl.db'}",
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="3 per minute",
        WTF_CSRF_ENABLED=False,
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    client = app.test_client()
    statuses = [
        client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(5)
    ]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429]
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_rate_limit_counters_live_in_redis_when_configured(tmp_path, monkeypatch):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is expected on 127.0.0.1:6379 on this project's machines")
    prefix = f"test-{uuid.uuid4().hex}"  # Redis outlives the test run: never reuse counters
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rl.db'}",
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
        WTF_CSRF_ENABLED=False,
        REDIS_URL="redis://127.0.0.1:6379/0",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    # Two app instances stand in for two gunicorn workers sharing one Redis.
    other = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rl.db'}",
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
        WTF_CSRF_ENABLED=False,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    data = {"username": "x", "password": "y"}
    assert app.test_client().post("/login", data=data).status_code == 422
    assert other.test_client().post("/login", data=data).status_code == 422
    assert app.test_client().post("/login", data=data).status_code == 429


def test_session_cookie_is_httponly_and_samesite_lax(client, users):
    response = login(client, "rep")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_language_switch_is_remembered_for_the_user(app, client, users):
    from portal.auth.models import User
    from portal.extensions import db

    login(client, "rep")
    client.post("/language", data={"locale": "zh_CN"}, headers={"Referer": "/opportunities"})
    with app.app_context():
        assert (
            db.session.scalars(select(User.locale).where(User.id == users["rep"])).one() == "zh_CN"
        )
    page = client.get("/opportunities").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "商机" in page


def test_language_can_be_chosen_on_the_login_page(client):
    page = client.get("/login?lang=zh_CN").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page
    assert client.post("/language", data={"locale": "en"}).status_code == 302  # to login
