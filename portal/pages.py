"""One template, two renderings: a full page, or the fragment htmx asked for."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request


def wants_fragment() -> bool:
    # History restores also carry HX-Request but need the whole page (htmx issue #1521).
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Boosted") != "true"
    )


def render_page_or_fragment(page_template: str, fragment_template: str, **context):
    # The app adds "Vary: HX-Request" to every response, so caches keep the two apart.
    return render_template(fragment_template if wants_fragment() else page_template, **context)


def navigate(url: str):
    """A full navigation to `url` after a form post: HX-Redirect for htmx (a plain redirect
    would be followed by htmx and swapped into the target), a redirect otherwise."""
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
