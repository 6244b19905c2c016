from __future__ import annotations

import json
import re
from pathlib import Path

from portal.config import HTMX_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_pages_send_a_strict_content_security_policy(as_user):
    response = as_user("rep").get("/opportunities")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_any_page(as_user, opportunity):
    client = as_user("admin")
    for url in [
        "/opportunities",
        f"/opportunities/{opportunity}",
        f"/opportunities/{opportunity}/edit",
        "/accounts",
        "/admin/users",
        "/opportunities/new",
    ]:
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "<style" not in page and " style=" not in page, url
        assert not re.search(r"\son[a-z]+=", page), url  # no inline event handlers


def test_htmx_is_served_locally_at_the_pinned_version_without_eval(as_user, client):
    page = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert f"/static/js/htmx-{HTMX_VERSION}.min.js" in page
    assert (ROOT / "static" / "js" / f"htmx-{HTMX_VERSION}.min.js").is_file()
    assert client.get(f"/static/js/htmx-{HTMX_VERSION}.min.js").status_code == 200
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", page).group(1))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]
    assert "http://" not in page and "https://" not in page  # no CDN, no external asset


def test_htmx_post_without_the_csrf_header_is_refused(app, as_user, opportunity):
    from portal.deals.models import Stakeholder
    from portal.extensions import db

    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/stakeholders",
        csrf=False,
        data={"new-name": "X", "new-influence": "3", "new-attitude": "neutral", "new-version": "0"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Stakeholder).count() == 0


def test_csrf_token_is_configured_once_on_the_body_for_htmx(as_user):
    page = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'>', page)


def test_request_size_is_limited(as_user, opportunity):
    response = as_user("rep").post(
        f"/opportunities/{opportunity}/stakeholders", data={"new-notes": "x" * (13 * 1024 * 1024)}
    )
    assert response.status_code == 413


def test_endpoint_without_an_access_rule_is_refused():
    from portal import create_app
    from portal.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    app.add_url_rule("/undeclared-probe", "undeclared_probe", lambda: "open")
    assert app.test_client().get("/undeclared-probe").status_code == 403


def test_the_base_layout_carries_the_session_csrf_token(app, as_user):
    """The header htmx sends comes from base.html and signs the session's raw token: the
    token the test client computes (conftest CsrfClient.fetch_csrf) is that one."""
    from itsdangerous import URLSafeTimedSerializer

    client = as_user("rep")
    page = client.get("/opportunities").get_data(as_text=True)
    shown = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    assert serializer.loads(shown) == raw == serializer.loads(client.fetch_csrf())

    # And a write with the page's own token is accepted.
    def post(token):
        headers = {"X-CSRFToken": token, "HX-Request": "true"}
        return client.post("/opportunities/new", data={}, headers=headers, csrf=False)

    assert post(shown).status_code == 422  # past the CSRF check: the empty form is invalid
    assert post(shown[:-2] + "xx").status_code == 400
