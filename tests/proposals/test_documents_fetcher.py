"""The PDF renderer fetches nothing but the app's own static files.

Each test feeds the renderer content that tries a path known to have bypassed URL fetchers
elsewhere, while a listener on 127.0.0.1 records any connection; the listener must stay
silent, the secret file's content must not reach the PDF, and the PDF must embed nothing.
"""

from __future__ import annotations

import io
import socket
import threading

import pytest
from pypdf import PdfReader
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetchingError

from proposals import documents as d
from proposals.documents import (
    ASSET_BASE_URL,
    RefusedURL,
    RenderLimits,
    StaticFileFetcher,
    clean_html,
    pdf_text,
    render,
)

SECRET = "TOPSECRET-7f3a9c"


class Listener:
    """A TCP listener on 127.0.0.1 that answers every request with a redirect to another
    host and remembers that it was contacted."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096) or b"<connect>")
                    conn.sendall(
                        b"HTTP/1.1 302 Found\r\nLocation: http://example.com/x.png\r\n"
                        b"Content-Length: 0\r\n\r\n"
                    )
                except OSError:
                    self.hits.append(b"<connect>")

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def static_root(tmp_path):
    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    (root / "pdf.css").write_text("body { color: #123456; }")
    (root / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" fill="#00aa00"/></svg>'
    )
    return root


def _render(html: str, static_root, stylesheets=()):
    return render(
        html,
        stylesheets=stylesheets,
        static_root=static_root,
        limits=RenderLimits(seconds=60, isolate=False),
    )


def _embedded(pdf: bytes) -> tuple[int, bool]:
    """(image XObjects drawn, whether the PDF has embedded files)."""
    reader = PdfReader(io.BytesIO(pdf))
    images = 0
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        images += len(xobjects)
    names = reader.trailer["/Root"].get("/Names", {})
    return images, "/EmbeddedFiles" in names


def _assert_nothing_leaked(outcome, listener, *, images_allowed=0):
    assert listener.hits == []
    text = "".join(pdf_text(outcome.pdf))
    assert SECRET not in text
    images, attachments = _embedded(outcome.pdf)
    assert images <= images_allowed
    assert not attachments
    assert outcome.refused_urls, "the fetcher should have been asked and refused"


# --- The fetcher on its own ------------------------------------------------------------------


def test_serves_a_static_file(static_root):
    fetcher = StaticFileFetcher(static_root)
    response = fetcher.fetch(ASSET_BASE_URL + "pdf.css")
    assert response.read() == b"body { color: #123456; }"
    assert response.content_type == "text/css"
    assert fetcher.fetch(ASSET_BASE_URL + "img/dot.svg").content_type == "image/svg+xml"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://127.0.0.1/",
        "http://biddesk.invalid/static/pdf.css",  # wrong scheme, right host
        "https://127.0.0.1/static/pdf.css",
        "https://biddesk.invalid@127.0.0.1/static/pdf.css",  # user-info trick
        "https://biddesk.invalid:443/static/pdf.css",  # explicit port
        "https://biddesk.invalid.example.com/static/pdf.css",
        "https://BIDDESK.invalid/static/../../etc/passwd",
        "https://biddesk.invalid/static/../../../etc/passwd",
        "https://biddesk.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://biddesk.invalid/static/img/..%2f..%2f..%2fetc/passwd",
        "https://biddesk.invalid/static/..%5c..%5cetc%5cpasswd",
        "https://biddesk.invalid/static/%00pdf.css",
        "https://biddesk.invalid/static/pdf.css?x=1",
        "https://biddesk.invalid/static/",
        "https://biddesk.invalid/static/img",  # a directory
        "https://biddesk.invalid/static/missing.css",
        "https://biddesk.invalid/etc/passwd",
        "https:\\\\biddesk.invalid\\static\\pdf.css",
        "data:text/css,body{color:red}",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:6379/_INFO",
        "jar:file:///etc/passwd!/",
    ],
)
def test_refuses_everything_else(static_root, url):
    fetcher = StaticFileFetcher(static_root)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    with pytest.raises(RefusedURL):
        fetcher(url)


def test_symlink_out_of_the_root_is_refused(static_root, secret_file):
    (static_root / "leak.txt").symlink_to(secret_file)
    with pytest.raises(RefusedURL):
        StaticFileFetcher(static_root).fetch(ASSET_BASE_URL + "leak.txt")


def test_never_hands_a_request_to_urllib(static_root, listener):
    fetcher = StaticFileFetcher(static_root)
    with pytest.raises(RefusedURL):
        fetcher.open(f"http://127.0.0.1:{listener.port}/")
    assert listener.hits == []


# --- Through the whole renderer --------------------------------------------------------------


def test_img_file_url(static_root, listener, secret_file):
    outcome = _render(
        f'<img src="file://{secret_file}"><img src="file:///etc/passwd"><p>x</p>', static_root
    )
    _assert_nothing_leaked(outcome, listener)


def test_img_loopback_and_redirect(static_root, listener):
    outcome = _render(
        f'<img src="http://127.0.0.1:{listener.port}/a.png">'
        f'<img src="https://127.0.0.1:{listener.port}/b.png">'
        f'<img src="//127.0.0.1:{listener.port}/c.png">'  # protocol-relative
        f'<img src="http://127.0.0.1:{listener.port}/redirect-to-other-host">'
        f'<object data="http://127.0.0.1:{listener.port}/o.svg"></object>'
        f'<embed src="http://127.0.0.1:{listener.port}/e.svg"><p>x</p>',
        static_root,
    )
    _assert_nothing_leaked(outcome, listener)
    assert len(outcome.refused_urls) >= 6


def test_css_import_and_url(static_root, listener, secret_file):
    port = listener.port
    outcome = _render(
        f"""<html><head><style>
        @import url("http://127.0.0.1:{port}/import.css");
        @import "file://{secret_file}";
        @font-face {{ font-family: X; src: url("http://127.0.0.1:{port}/f.woff"); }}
        body {{ background: url("http://127.0.0.1:{port}/bg.png"); font-family: X; }}
        li {{ list-style-image: url("file://{secret_file}"); }}
        p::before {{ content: url("http://127.0.0.1:{port}/before.png"); }}
        </style>
        <link rel="stylesheet" href="http://127.0.0.1:{port}/linked.css">
        </head><body><ul><li>x</li></ul><p>y</p>
        <div style="background-image: url('http://127.0.0.1:{port}/inline.png')">z</div>
        </body></html>""",
        static_root,
    )
    _assert_nothing_leaked(outcome, listener)


def test_link_rel_attachment(static_root, listener, secret_file):
    outcome = _render(
        f"""<html><head>
        <link rel="attachment" href="file://{secret_file}" title="secret">
        <link rel="attachment" href="http://127.0.0.1:{listener.port}/a.bin">
        </head><body><p>x</p>
        <a rel="attachment" href="file://{secret_file}">attached</a></body></html>""",
        static_root,
    )
    _assert_nothing_leaked(outcome, listener)


def test_svg_image_href(static_root, listener, secret_file):
    port = listener.port
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
        f'<image href="http://127.0.0.1:{port}/svg.png" width="50" height="50"/>'
        f'<image xlink:href="file://{secret_file}" width="50" height="50"/>'
        f'<use href="http://127.0.0.1:{port}/sprite.svg#icon"/>'
        f'<style>@import url("http://127.0.0.1:{port}/svg.css");</style></svg>'
    )
    outcome = _render(f"<p>x</p>{svg}", static_root)
    _assert_nothing_leaked(outcome, listener)


def test_stylesheets_passed_to_write_pdf(static_root, listener, secret_file):
    port = listener.port
    # Through the pipeline: extra CSS strings are parsed with the same fetcher.
    outcome = _render(
        "<p>x</p>",
        static_root,
        stylesheets=[
            f'@import url("http://127.0.0.1:{port}/user.css");'
            f'body {{ background: url("file://{secret_file}"); }}'
        ],
    )
    _assert_nothing_leaked(outcome, listener)
    # Straight into WeasyPrint: a URL given as a stylesheet goes to the HTML's fetcher, which
    # refuses it (WeasyPrint then stops with an error); a CSS object's imports likewise.
    fetcher = StaticFileFetcher(static_root)
    html = HTML(string="<p>x</p>", base_url=ASSET_BASE_URL, url_fetcher=fetcher)
    with pytest.raises(URLFetchingError):
        html.write_pdf(stylesheets=[f"http://127.0.0.1:{port}/direct.css"])
    html.write_pdf(
        stylesheets=[
            CSS(string=f'@import "http://127.0.0.1:{port}/nested.css";', url_fetcher=fetcher)
        ]
    )
    assert listener.hits == []
    assert any("direct.css" in url for url in fetcher.refused)
    assert any("nested.css" in url for url in fetcher.refused)


def test_traversal_from_relative_urls(static_root, listener, secret_file, tmp_path):
    (tmp_path / "outside.css").write_text("body { color: red }")
    outcome = _render(
        """<html><head>
        <link rel="stylesheet" href="../outside.css">
        <link rel="stylesheet" href="../../../../../../../../etc/passwd">
        <link rel="stylesheet" href="%2e%2e/outside.css">
        </head><body><img src="../secret.txt"><p>x</p></body></html>""",
        static_root,
    )
    _assert_nothing_leaked(outcome, listener)


def test_own_static_files_still_load(static_root, listener):
    fetcher = StaticFileFetcher(static_root)
    HTML(
        string='<html><head><link rel="stylesheet" href="pdf.css"></head>'
        '<body><img src="img/dot.svg"><p>x</p></body></html>',
        base_url=ASSET_BASE_URL,
        url_fetcher=fetcher,
    ).write_pdf()
    assert fetcher.refused == []
    assert fetcher.served == [ASSET_BASE_URL + "pdf.css", ASSET_BASE_URL + "img/dot.svg"]
    assert listener.hits == []


def test_presentational_hints_stay_off(static_root):
    outcome = _render(
        '<body bgcolor="#ff0000"><table bgcolor="#ff0000" width="100%">'
        '<tr><td bgcolor="#ff0000">x</td></tr></table>'
        '<font color="#ff0000">y</font></body>',
        static_root,
    )
    content = b"".join(
        page.get_contents().get_data() for page in PdfReader(io.BytesIO(outcome.pdf)).pages
    )
    assert b"1 0 0 rg" not in content and b"1 0 0 RG" not in content


def test_user_html_is_sanitised():
    dirty = (
        '<p onclick="x()">Hi <a href="http://127.0.0.1/">link</a></p>'
        '<img src="file:///etc/passwd"><script>alert(1)</script>'
        '<style>@import "http://127.0.0.1/";</style>'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<svg><image href="http://127.0.0.1/x.png"/></svg>'
        '<div style="background:url(http://127.0.0.1/)" class="internal-mark" id="x">t</div>'
        '<object data="http://127.0.0.1/"></object><iframe src="http://127.0.0.1/"></iframe>'
        '<table><tr><td colspan="2" bgcolor="red">c</td></tr></table>'
    )
    clean = clean_html(dirty)
    for bad in (
        "href",
        "src",
        "script",
        "style",
        "<link",
        "svg",
        "image",
        "object",
        "iframe",
        "onclick",
        "class",
        "id=",
        "bgcolor",
        "127.0.0.1",
        "etc/passwd",
    ):
        assert bad not in clean, bad
    assert "Hi" in clean and 'colspan="2"' in clean


def test_the_pipeline_uses_the_fetcher_in_the_forked_render(static_root, listener):
    outcome = render(
        f'<img src="http://127.0.0.1:{listener.port}/fork.png"><p>x</p>',
        static_root=static_root,
        limits=RenderLimits(seconds=60),
    )
    assert listener.hits == []
    assert outcome.refused_urls == [f"http://127.0.0.1:{listener.port}/fork.png"]
    assert d.ASSET_HOST.endswith(".invalid")
