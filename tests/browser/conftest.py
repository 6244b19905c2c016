"""Browser tests: the real app served on loopback, driven in Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A user acts on a page once it has loaded; Playwright acts as soon as an element is
# visible, which after a full navigation can be before the deferred scripts have run and
# htmx has bound the page at DOMContentLoaded (a change typed then never autosaves, a
# click then posts a plain form). So every page keeps its body hidden until the window's
# load event, which comes after every DOMContentLoaded listener, htmx's included: fill,
# click and select wait for the element to be visible, and so for the page to be ready.
# The sheet is a constructed one (the CSP refuses inline styles, not constructed sheets).
UNTIL_LOADED = """
(() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("body { visibility: hidden !important; }");
  document.adoptedStyleSheets = [sheet];
  window.addEventListener("load", () => { document.adoptedStyleSheets = []; });
})();
"""


def _chromium() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is missing: run ./test (it installs Debian's chromium as root)")
    return path


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def new_context(browser, live_server):
    """A fresh browser (cookies, storage) on the live server, as every test's pages use."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    context.add_init_script(UNTIL_LOADED)
    return context


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser, live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"script or CSP errors in the page: {errors}"


@pytest.fixture
def log_in(page, users):
    def log_in_as(username: str):
        if page.url != "about:blank":
            # Switching user: let the last page's htmx requests (the inbox count
            # loads on every page) answer first, or a late response could put the
            # previous user's session cookie back after it was cleared.
            page.wait_for_load_state("networkidle")
            page.context.clear_cookies()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/opportunities")
        return page

    return log_in_as


def settled(page) -> None:
    """Wait until htmx has no request in flight and has swapped and settled what came back:
    its triggers on the new content are bound then, and typing before that goes into an
    element about to be replaced (and is lost with it)."""
    expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    ).to_have_count(0)
