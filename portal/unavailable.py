"""The "service unavailable" page: static, translated, and built without the database.

When the database cannot be reached (or a statement times out), the usual error page
cannot be drawn: its layout reads the logged-in user. This page is a self-contained HTML
string in the reader's language (from the Accept-Language header or the session's
language, never from the user row), with the stylesheet link only; it answers 503 with
Retry-After so proxies and browsers try again later.
"""

from __future__ import annotations

from flask import make_response, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="container"><section class="card narrow">
<div class="error-box" role="alert"><strong>{status}</strong> {title}</div>
<p>{body}</p><p><a href="{again}">{retry}</a></p>
</section></main></body></html>
"""


def _language() -> str:
    chosen = None
    try:
        chosen = session.get("locale")
    except Exception:  # noqa: BLE001 (a broken session cookie must not break this page)
        chosen = None
    if chosen in ("en", "zh_CN"):
        return chosen
    best = request.accept_languages.best_match(["en", "zh_CN", "zh"])
    return "zh_CN" if best in ("zh_CN", "zh") else "en"


def unavailable_page(status: int = 503):
    language = _language()
    with force_locale(language):
        html = _PAGE.format(
            lang="zh-CN" if language == "zh_CN" else "en",
            status=status,
            title=escape(_("The service is unavailable for a moment")),
            body=escape(
                _(
                    "Bid Desk cannot reach its database just now. Nothing you saved before is "
                    "lost; what you were sending was not saved. Wait a minute, then try again."
                )
            ),
            again=escape(request.full_path.rstrip("?") if request.method == "GET" else "/"),
            retry=escape(_("Try again")),
        )
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response
