"""Proposal and bid-pack PDFs: HTML → WeasyPrint → checked, cached PDF bytes.

No Flask here. The caller renders the HTML from the `templates/pdf/` Jinja templates (with
`render_document_html` and a Jinja environment of its choosing) and hands it to
`export_pdf`, which:

1. renders it in a forked child process with a wall-clock and an address-space bound
   (`RenderLimits`); a render that exceeds one fails with `RenderTimeout` or
   `RenderMemoryExceeded`, never with a blank file;
2. fetches resources only through `StaticFileFetcher`: files under the app's static root,
   addressed by the fixed base URL `ASSET_BASE_URL`; every other scheme, host, port, path
   and redirect is refused without touching the network or the file system outside the
   root;
3. runs the pre-flight checks (`preflight`) on the laid-out document and the PDF bytes: every
   character has a glyph in an embedded font, no table group header sits alone at a page
   bottom, the totals printed equal the quote's; any problem raises `PreflightFailed`
   naming it;
4. caches the PDF under the SHA-256 of its inputs (`PdfCache`); `FrozenStore` keeps the PDF
   of a submitted revision once, byte-identical on every later download.

Renders are deterministic: no creation date unless the HTML states one
(`<meta name=dcterms.created>`), a content-derived PDF identifier and content-derived font
subset names, so the same inputs give the same bytes.

With a Redis URL, `submit_render` queues the render on an RQ worker (queue `pdf`) and
`render_status` reports its progress; without one it renders in-process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import html as html_lib
import io
import logging
import mimetypes
import multiprocessing
import os
import posixpath
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nh3
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

#: Bumped whenever the pipeline's output for the same HTML changes (it is part of the cache key).
PIPELINE_VERSION = "1"

#: Resources in the HTML and CSS are addressed under this base URL. The `.invalid` top-level
#: domain never resolves (RFC 2606), and the fetcher maps it to the static root on disk.
ASSET_HOST = "biddesk.invalid"
ASSET_BASE_URL = f"https://{ASSET_HOST}/static/"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATIC_ROOT = REPO_ROOT / "static"
PRINT_STYLESHEET = "pdf.css"

#: The fonts the print CSS names (static/pdf.css). Debian: fonts-noto-cjk, fonts-dejavu-core.
PDF_FONT_FAMILIES = ("Noto Sans CJK SC", "DejaVu Sans")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class PdfError(Exception):
    """A PDF could not be produced; the message says why in words a user can read."""


class RenderTimeout(PdfError):
    def __init__(self, seconds: float, heaviest: str = ""):
        where = f" (the heaviest part: {heaviest})" if heaviest else ""
        super().__init__(f"the PDF render took longer than {seconds:g} s and was stopped{where}")
        self.seconds = seconds
        self.heaviest = heaviest


class RenderMemoryExceeded(PdfError):
    def __init__(self, megabytes: int):
        super().__init__(f"the PDF render needed more than {megabytes} MB and was stopped")
        self.megabytes = megabytes


class RenderFailed(PdfError):
    """WeasyPrint raised, or the render process died without an answer."""


@dataclass(frozen=True)
class Problem:
    """One failed pre-flight check. `check` is a stable name: `glyphs`, `keep-with-next`,
    `totals`; `message` names the character, header or total concerned."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


class PreflightFailed(PdfError):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class RefusedURL(ValueError):
    """A resource URL the fetcher will not serve."""


# --------------------------------------------------------------------------------------------
# The URL fetcher
# --------------------------------------------------------------------------------------------


class StaticFileFetcher(URLFetcher):
    """Serves `https://biddesk.invalid/static/<path>` from `static_root`; refuses the rest.

    No URL ever reaches urllib: `file:`, `data:`, `ftp:`, plain `http:`/`https:` to any other
    host (127.0.0.1, metadata endpoints …), user-info tricks (`https://biddesk.invalid@evil/`),
    ports, queries, encoded `..` or backslashes, and symlinks that lead out of the root all
    raise `RefusedURL`. Since nothing is fetched over the network there is no redirect to
    follow. WeasyPrint logs a refused resource and leaves it out; `refused` keeps the list.
    """

    def __init__(self, static_root: str | os.PathLike = DEFAULT_STATIC_ROOT):
        super().__init__(
            allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False, timeout=1
        )
        self.static_root = Path(static_root).resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def close_for_attachments(self) -> None:
        """After layout nothing may be fetched: what WeasyPrint asks for while writing the
        PDF are `rel=attachment` files to embed, refused outright, whatever their URL."""
        self.attachments_closed = True

    attachments_closed = False

    def fetch(self, url, headers=None):
        try:
            if self.attachments_closed:
                raise RefusedURL(f"attachments are not embedded: {url!r:.200}")
            path = self.resolve(url)
        except RefusedURL:
            self.refused.append(url)
            log.warning("PDF render: refused resource %.200s", url)
            raise
        mime_type, _ = mimetypes.guess_type(path.name)
        self.served.append(url)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime_type or "application/octet-stream"}
        )

    def open(self, url, data=None, timeout=None):  # never hand a request to urllib
        return self.fetch(url if isinstance(url, str) else url.full_url)

    def __call__(self, url):
        return self.fetch(url)

    def resolve(self, url: str) -> Path:
        """The file `url` names inside the static root, or `RefusedURL`."""
        if not isinstance(url, str) or "\\" in url or any(ord(c) < 0x21 for c in url):
            raise RefusedURL(f"malformed URL: {url!r:.200}")
        parts = urlsplit(url)
        if parts.scheme.lower() != "https":
            raise RefusedURL(f"scheme not allowed: {url:.200}")
        if parts.netloc != ASSET_HOST or parts.username or parts.password or parts.port is not None:
            raise RefusedURL(f"host not allowed: {url:.200}")
        if parts.query:
            raise RefusedURL(f"query not allowed: {url:.200}")
        if not parts.path.startswith("/static/"):
            raise RefusedURL(f"not a static file: {url:.200}")
        relative = unquote(parts.path[len("/static/") :])
        if "\\" in relative or "\x00" in relative:
            raise RefusedURL(f"malformed path: {url:.200}")
        normal = posixpath.normpath("/" + relative).lstrip("/")
        if normal != relative or not normal or normal.startswith("."):
            raise RefusedURL(f"path traversal or hidden file: {url:.200}")
        path = (self.static_root / normal).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            raise RefusedURL(f"no such static file: {url:.200}")
        return path


# --------------------------------------------------------------------------------------------
# Sanitising user HTML (section bodies written in the portal)
# --------------------------------------------------------------------------------------------

_SECTION_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "hr",
    "span",
}


def clean_html(fragment: str) -> str:
    """User-written HTML reduced to text markup: no links, images, styles, classes, ids,
    scripts or SVG survive, so user content cannot fetch anything, restyle the document, or
    break the layout with its own CSS. Runs of more than `LONG_RUN` characters without a
    space get an invisible break opportunity (U+200B) every `LONG_RUN` characters: one
    100,000-character "word" otherwise takes WeasyPrint minutes to lay out. Headings of
    every level stay headings, h3 to h5 (the section title is h2)."""
    cleaned = nh3.clean(
        fragment or "",
        tags=_SECTION_TAGS,
        attributes={"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )
    # Headings written in a section (`## 交付范围`) print as headings below the section's
    # own title (h2): h1/h2 become h3, h6 becomes h5, so none competes with the title.
    cleaned = _HEADING_TAG_RE.sub(lambda m: f"<{m.group(1)}{_HEADING_LEVEL[m.group(2)]}>", cleaned)
    # Runs are measured on the text as it reads, entities decoded: "a&amp;a&amp;…" is one
    # 48,000-character word to the layout engine, though no piece between entities is long.
    return "".join(
        part if part.startswith("<") else _break_text(part) for part in _MARKUP_RE.split(cleaned)
    )


_HEADING_TAG_RE = re.compile(r"<(/?)(h[1-6])>")
_HEADING_LEVEL = {"h1": "h3", "h2": "h3", "h3": "h3", "h4": "h4", "h5": "h5", "h6": "h5"}


def _break_text(escaped: str) -> str:
    text = html_lib.unescape(escaped)
    if not _LONG_RUN_RE.search(text):
        return escaped
    return html_lib.escape(_LONG_RUN_RE.sub(_break_run, text), quote=False)


LONG_RUN = 80
_MARKUP_RE = re.compile(r"(<[^>]*>)")
_LONG_RUN_RE = re.compile(rf"[^\s\u200b]{{{LONG_RUN + 1},}}")


def _break_run(match: re.Match) -> str:
    run = match.group(0)
    return "\u200b".join(run[i : i + LONG_RUN] for i in range(0, len(run), LONG_RUN))


# --------------------------------------------------------------------------------------------
# The document model the templates read (issue 4's revision snapshot maps onto it)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentSection:
    """One numbered section; `html` is already sanitised (`clean_html`) or template-made."""

    title: str
    html: str
    anchor: str = ""


@dataclass(frozen=True)
class QuoteLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    group: str = ""


@dataclass(frozen=True)
class QuoteTable:
    """One quote option. Lines with the same `group` are printed under one group header row
    that is kept with its first line. `total_label` is printed on the total row and is what
    the totals pre-flight looks for, so make it unique within a document."""

    title: str
    lines: tuple[QuoteLine, ...]
    total: Decimal
    total_label: str
    currency: str = "CNY"
    recommended: bool = False
    tco: Decimal | None = None
    tco_label: str = ""
    note: str = ""
    #: (label, amount) rows printed above the total, e.g. per-part sums (not pre-flighted).
    subtotals: tuple[tuple[str, Decimal], ...] = ()

    def groups(self) -> list[tuple[str, list[QuoteLine]]]:
        """Lines by group, groups in order of first appearance, lines in their order."""
        grouped: dict[str, list[QuoteLine]] = {}
        for line in self.lines:
            grouped.setdefault(line.group, []).append(line)
        return list(grouped.items())


@dataclass(frozen=True)
class Document:
    """A printable document. `language` is a BCP 47 tag (`en`, `zh`); `internal` prints the
    internal marking on every page; `date` is an ISO date also written as the PDF's creation
    date, so renders stay reproducible."""

    title: str
    customer: str
    date: str
    version: str
    confidentiality: str
    language: str = "en"
    sections: tuple[DocumentSection, ...] = ()
    quote_tables: tuple[QuoteTable, ...] = ()
    internal: bool = False
    subtitle: str = ""
    author: str = ""

    def anchored_sections(self) -> list[DocumentSection]:
        return [
            s if s.anchor else dataclasses.replace(s, anchor=f"section-{i}")
            for i, s in enumerate(self.sections, start=1)
        ]

    def expected_totals(self) -> dict[str, Decimal]:
        """Total label → amount, for the totals pre-flight."""
        totals = {t.total_label: t.total for t in self.quote_tables}
        totals.update(
            {t.tco_label: t.tco for t in self.quote_tables if t.tco is not None and t.tco_label}
        )
        return totals


def format_money(amount: Decimal, currency: str = "CNY") -> str:
    """`¥1,234,567.80` style: grouped, two decimals, half-up; the symbol for CNY/USD/EUR, else
    the ISO code and a space. The totals pre-flight parses what this prints."""
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€"}.get(currency, f"{currency} ")
    quantised = Decimal(amount).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    sign = "-" if quantised < 0 else ""
    return f"{sign}{symbol}{abs(quantised):,.2f}"


def css_string(text: str) -> str:
    """`text` as a quoted CSS string safe inside a `<style>` element."""
    escaped = "".join(
        c if c.isalnum() or c in " .,:;!?()-_/%#@+*=" or ord(c) > 0x7F else f"\\{ord(c):x} "
        for c in text
    )
    return f'"{escaped}"'


def counter_content(label: str) -> str:
    """A CSS `content` value from a translated label such as "Page {page} of {pages}"."""
    parts = re.split(r"(\{page\}|\{pages\})", label)
    values = [
        ("counter(pages)" if p == "{pages}" else "counter(page)")
        if p in ("{page}", "{pages}")
        else css_string(p)
        for p in parts
        if p
    ]
    return " ".join(values) or '""'


def jinja_environment(templates: str | os.PathLike = REPO_ROOT / "templates"):
    """A plain Jinja environment over the app's templates with untranslated `_()`, for
    renders outside a Flask app (tests, benchmarks); the portal uses `app.jinja_env`."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)
    return env


def render_document_html(
    document: Document,
    env,
    labels: Mapping[str, str] | None = None,
    template: str = "pdf/document.html",
) -> str:
    """The document's HTML from `templates/pdf/` using the Jinja environment `env` (Flask's
    `app.jinja_env` in the portal, a plain one in tests); `_()` must be defined in it."""
    return env.get_template(template).render(
        doc=document,
        sections=document.anchored_sections(),
        asset_base=ASSET_BASE_URL,
        format_money=format_money,
        css_string=css_string,
        counter_content=counter_content,
        clean_html=clean_html,
        labels=labels or {},
    )


# --------------------------------------------------------------------------------------------
# Limits and the forked render
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderLimits:
    """`seconds`: wall-clock bound on one render; `memory_mb`: address space the render may
    add to the process it is forked from. `isolate=False` renders in the calling process
    (no bounds; for callers that already run in a disposable worker)."""

    seconds: float = 60.0
    memory_mb: int = 1536
    isolate: bool = True


@dataclass
class RenderOutcome:
    pdf: bytes
    pages: int
    problems: list[Problem]
    refused_urls: list[str]
    seconds: float


_FONT_CONFIG = None


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _render_here(
    html: str,
    stylesheets: Sequence[str],
    static_root: str,
    expected_totals: Mapping[str, Decimal] | None,
    group_header_class: str,
) -> RenderOutcome:
    from weasyprint import CSS, HTML

    started = time.perf_counter()
    fetcher = StaticFileFetcher(static_root)
    font_config = _font_config()
    # One FontConfiguration for every CSS() and for render(): @font-face rules and the
    # fonts Pango picks must come from the same configuration.
    css = [
        CSS(string=s, base_url=ASSET_BASE_URL, url_fetcher=fetcher, font_config=font_config)
        for s in stylesheets
    ]
    document = HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=fetcher).render(
        font_config=font_config, stylesheets=css, presentational_hints=False
    )
    problems = check_keep_with_next(document, group_header_class)
    fetcher.close_for_attachments()
    pdf = document.write_pdf(pdf_identifier=True, presentational_hints=False)
    problems += check_document_glyphs(document)
    if expected_totals:
        problems += check_totals(pdf, expected_totals, pages=_pages_with_rows(document))
    return RenderOutcome(
        pdf, len(document.pages), problems, list(fetcher.refused), time.perf_counter() - started
    )


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(conn, args, memory_mb):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Layout allocates hundreds of thousands of short-lived objects: collecting the youngest
    # generation every 700 allocations costs a few percent of a render in a process that
    # lives for one render (RLIMIT_AS still bounds it; the older generations still run).
    gc.set_threshold(50_000, 20, 20)
    try:
        limit = _vm_size() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        outcome = _render_here(*args)
        conn.send(("ok", outcome))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as error:  # report, don't die silently
        with contextlib.suppress(BaseException):
            conn.send(("error", f"{type(error).__name__}: {error}"[:2000]))
    finally:
        conn.close()
        os._exit(0)


def warm_up() -> None:
    """Load fontconfig and the CJK font once in this process, so forked renders start warm."""
    _render_here("<p>预热 warm</p>", [], str(DEFAULT_STATIC_ROOT), None, "group-header")


def render(
    html: str,
    *,
    stylesheets: Sequence[str] = (),
    static_root: str | os.PathLike = DEFAULT_STATIC_ROOT,
    expected_totals: Mapping[str, Decimal] | None = None,
    limits: RenderLimits = RenderLimits(),
    group_header_class: str = "group-header",
) -> RenderOutcome:
    """Render `html` (resources relative to `ASSET_BASE_URL`) to PDF and run the pre-flight
    checks; the problems are returned, not raised (see `export_pdf`)."""
    args = (
        html,
        tuple(stylesheets),
        str(static_root),
        dict(expected_totals or {}),
        group_header_class,
    )
    if not limits.isolate:
        return _render_here(*args)
    if _FONT_CONFIG is None:
        warm_up()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, args, limits.memory_mb), daemon=True)
    # Objects frozen before the fork are never visited by the child's collections, so the
    # child does not copy the pages of the parent's heap (an app-sized worker's) just to
    # scan them.
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    child.close()
    try:
        if not parent.poll(limits.seconds):
            raise RenderTimeout(limits.seconds, heaviest_part(html))
        try:
            status, payload = parent.recv()
        except (EOFError, OSError):
            # The child died without an answer: a C allocation under RLIMIT_AS fails this way.
            process.join(1)
            raise RenderMemoryExceeded(limits.memory_mb) from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "ok":
        return payload
    if status == "memory":
        raise RenderMemoryExceeded(limits.memory_mb)
    log.error("PDF render failed: %s", payload)
    raise RenderFailed(f"the PDF could not be rendered ({payload})")


_HEADING_RE = re.compile(r"<h([1-4])\b[^>]*>(.*?)</h\1>", re.S | re.I)
_TAG_RE = re.compile(r"<[^>]+>")


def heaviest_part(html: str) -> str:
    """The heading of the part of `html` likely to cost the layout most, for messages
    about a slow render: "section “Title” (N characters, M table rows)". Each part runs
    from one h1–h4 heading to the next; its weight is its text length plus 200 per table
    row (rows cost far more to lay out than running text)."""
    marks = [(m.start(), _TAG_RE.sub("", m.group(2)).strip()) for m in _HEADING_RE.finditer(html)]
    bounds = [(0, "")] + marks
    best = ("", -1, 0, 0)
    for index, (start, title) in enumerate(bounds):
        end = bounds[index + 1][0] if index + 1 < len(bounds) else len(html)
        chunk = html[start:end]
        rows = len(re.findall(r"<tr\b", chunk, re.I))
        chars = len(html_lib.unescape(_TAG_RE.sub("", chunk)))
        weight = chars + 200 * rows
        if weight > best[1]:
            best = (title, weight, chars, rows)
    title, _weight, chars, rows = best
    name = f"section “{title[:80]}”" if title else "the opening part"
    return f"{name} ({chars:,} characters, {rows} table rows)"


# --------------------------------------------------------------------------------------------
# Pre-flight checks
# --------------------------------------------------------------------------------------------


def check_keep_with_next(document, group_header_class: str = "group-header") -> list[Problem]:
    """Table group-header rows (`<tr class="group-header">`) left as the last body row of a
    page while the next page goes on with that group's rows (repeated table headers are not
    counted). `document` is `HTML(...).render()`'s result."""

    def classes(box) -> set[str]:
        element = getattr(box, "element", None)
        return set((element.get("class") or "").split()) if element is not None else set()

    pages = []
    for page in document.pages:
        rows = []
        for group in _descendants(page._page_box):
            if (
                type(group).__name__ == "TableRowGroupBox"
                and not group.is_header
                and not group.is_footer
            ):
                rows += [row for row in group.children if getattr(row, "element_tag", None) == "tr"]
        pages.append(rows)
    problems = []
    for number, rows in enumerate(pages, start=1):
        if not rows or group_header_class not in classes(rows[-1]):
            continue
        following = next((later[0] for later in pages[number:] if later), None)
        if (
            following is not None
            and group_header_class not in classes(following)
            and "total" not in classes(following)
        ):
            element = rows[-1].element
            title = " ".join("".join(element.itertext()).split()) if element is not None else ""
            problems.append(
                Problem(
                    "keep-with-next",
                    f"group header “{title}” sits alone at the bottom of page {number}",
                )
            )
    return problems


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


@dataclass(frozen=True)
class Glyph:
    """One shown glyph: the characters it stands for, its font and its glyph id."""

    text: str
    font: str
    gid: int
    covered: bool


def pdf_glyphs(pdf: bytes) -> list[list[Glyph]]:
    """Every glyph drawn on every page, decoded from the content streams: the code's CID
    through the font's encoding, its text through /ToUnicode. `covered` is false for the
    .notdef glyph (what a missing character is drawn with) and for ids outside the
    embedded font."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    fonts_seen: dict[int, _PdfFont] = {}
    pages = []
    for page in reader.pages:
        glyphs: list[Glyph] = []
        fonts = _page_fonts(page, fonts_seen)
        font = None
        contents = page.get_contents()
        if contents is not None:
            for operands, operator in ContentStream(contents, reader).operations:
                if operator == b"Tf":
                    font = fonts.get(str(operands[0]))
                elif operator in (b"Tj", b"TJ", b"'", b'"') and font is not None:
                    items = operands[-1] if operator != b"TJ" else operands[0]
                    strings = items if operator == b"TJ" else [items]
                    for item in strings:
                        if isinstance(item, bytes | str) or hasattr(item, "original_bytes"):
                            glyphs.extend(font.decode(_as_bytes(item)))
        pages.append(glyphs)
    return pages


def _as_bytes(item) -> bytes:
    if hasattr(item, "original_bytes"):
        return item.original_bytes
    if isinstance(item, str):
        return item.encode("latin-1")
    return bytes(item)


class _PdfFont:
    def __init__(self, name: str, font):
        from fontTools.ttLib import TTFont

        self.name = name
        self.to_unicode = (
            _parse_bf_cmap(font["/ToUnicode"].get_object().get_data())
            if "/ToUnicode" in font
            else {}
        )
        encoding = font.get("/Encoding")
        encoding = encoding.get_object() if encoding is not None else None
        self.code_to_cid = (
            _parse_cid_cmap(encoding.get_data()) if hasattr(encoding, "get_data") else None
        )
        self.two_byte = str(font.get("/Subtype")) == "/Type0"
        self.glyph_count = 0
        self._font_file: bytes | None = None
        self.cid_to_gid: dict[int, int] | None = None  # None: identity (retained gids)
        self.cff = False
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is not None:
            descriptor = descriptor.get_object()
            stream = (
                descriptor.get("/FontFile2")
                or descriptor.get("/FontFile3")
                or descriptor.get("/FontFile")
            )
            if stream is not None:
                with contextlib.suppress(Exception):
                    self._font_file = stream.get_object().get_data()
                    tt = TTFont(io.BytesIO(self._font_file), lazy=True)
                    self.glyph_count = tt["maxp"].numGlyphs
                    self.cff = "CFF " in tt

    @functools.cached_property
    def cmap(self) -> dict[int, str]:
        """The embedded font's own character map (code point → glyph name)."""
        from fontTools.ttLib import TTFont

        if self._font_file is None:
            return {}
        return TTFont(io.BytesIO(self._font_file), lazy=True).getBestCmap() or {}

    def decode(self, data: bytes) -> list[Glyph]:
        out = []
        step = 2 if self.two_byte else 1
        for i in range(0, len(data) - step + 1, step):
            code = int.from_bytes(data[i : i + step], "big")
            cid = self.code_to_cid.get(code, code) if self.code_to_cid is not None else code
            gid = self.cid_to_gid.get(cid, 0) if self.cid_to_gid is not None else cid
            text = self.to_unicode.get(code, "")
            covered = cid != 0 and 0 < gid < max(self.glyph_count, 1)
            out.append(Glyph(text, self.name, gid, covered))
        return out


def _page_fonts(page, seen: dict[int, _PdfFont]) -> dict[str, _PdfFont]:
    fonts = {}
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    for name, reference in (resources.get("/Font") or {}).items():
        key = getattr(reference, "idnum", id(reference))
        if key not in seen:
            font = reference.get_object()
            seen[key] = _PdfFont(str(font.get("/BaseFont", name)).lstrip("/"), font)
        fonts[str(name)] = seen[key]
    return fonts


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _parse_bf_cmap(data: bytes) -> dict[int, str]:
    """The code → text map of a /ToUnicode CMap (bfchar and bfrange sections)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        values = _HEX.findall(block)
        for src, dst in zip(values[::2], values[1::2], strict=False):
            mapping[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in block.strip().splitlines():
            values = _HEX.findall(line)
            if len(values) == 3:
                start, end, dst = int(values[0], 16), int(values[1], 16), values[2]
                base = _utf16(dst)
                for offset, code in enumerate(range(start, end + 1)):
                    mapping[code] = base[:-1] + chr(ord(base[-1]) + offset) if base else ""
    return mapping


def _parse_cid_cmap(data: bytes) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        for code, cid in re.findall(rb"<([0-9A-Fa-f]+)>\s+(\d+)", block):
            mapping[int(code, 16)] = int(cid)
    for block in re.findall(rb"begincidrange(.*?)endcidrange", data, re.S):
        for start, end, cid in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s+(\d+)", block):
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = int(cid) + offset
    return mapping


def _utf16(hex_bytes: bytes) -> str:
    raw = bytes.fromhex(hex_bytes.decode())
    return raw.decode("utf-16-be", errors="replace")


def embedded_fonts(pdf: bytes) -> list[tuple[int, _PdfFont]]:
    """Each font the PDF uses, once, with the first page (1-based) that uses it."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    seen: dict[int, _PdfFont] = {}
    fonts = []
    for number, page in enumerate(reader.pages, start=1):
        before = set(seen)
        _page_fonts(page, seen)
        fonts += [(number, seen[key]) for key in seen if key not in before]
    return fonts


def check_document_glyphs(document) -> list[Problem]:
    """`check_glyphs` for a document WeasyPrint has just written: its fonts list the
    characters they drew as .notdef, so nothing needs parsing."""
    missing: dict[str, str] = {}
    for font in getattr(document, "fonts", {}).values():
        for codepoint in getattr(font, "missing", {}):
            missing.setdefault(chr(codepoint), getattr(font, "family", "?"))
    return [
        Problem("glyphs", f"no font has a glyph for “{char}” (U+{ord(char):04X})")
        for char in missing
    ]


def check_glyphs(pdf: bytes) -> list[Problem]:
    """Characters drawn with no glyph, one problem per distinct character, naming it and
    its code point. WeasyPrint writes, for every font, the codes it draws in /ToUnicode; a
    character no font covers is drawn as CID 0 (.notdef), or a glyph id past the end of
    the embedded font. Reading the fonts' maps is enough: no content stream is parsed."""
    missing: dict[str, int] = {}
    for page, font in embedded_fonts(pdf):
        for code, text in font.to_unicode.items():
            cid = font.code_to_cid.get(code, code) if font.code_to_cid is not None else code
            bad = cid == 0 or (
                font.cid_to_gid is None and font.glyph_count and cid >= font.glyph_count
            )
            if bad and text and not text.isspace():
                for char in text:
                    missing.setdefault(char, page)
    return [
        Problem(
            "glyphs",
            f"no font has a glyph for “{char}” (U+{ord(char):04X}), "
            f"in a font first used on page {page}",
        )
        for char, page in missing.items()
    ]


def pdf_text(
    pdf: bytes, layout: bool = True, first: int | None = None, last: int | None = None
) -> list[str]:
    """The text of each page (or of pages `first`..`last`, 1-based), by poppler's
    `pdftotext` (Debian poppler-utils, installed by scripts/setup): it reads WeasyPrint's
    CID-keyed CFF fonts correctly."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise PdfError("pdftotext (poppler-utils) is not installed; run scripts/setup")
    args = [exe, "-enc", "UTF-8"] + (["-layout"] if layout else [])
    args += (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    args += ["-", "-"]
    result = subprocess.run(args, input=pdf, capture_output=True, timeout=120, check=True)  # noqa: S603
    pages = result.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and pages[-1] == "" else pages


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def parse_amounts(text: str) -> list[Decimal]:
    """The numbers in `text` (thousands commas allowed), as Decimals."""
    amounts = []
    for match in _NUMBER.findall(text):
        with contextlib.suppress(InvalidOperation):
            amounts.append(Decimal(match.replace(",", "")))
    return amounts


def _pages_with_rows(document, classes=("total", "tco")) -> tuple[int, int] | None:
    """The first and last page (1-based) holding a table row of one of `classes`."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        for box in _descendants(page._page_box):
            element = getattr(box, "element", None)
            if (
                getattr(box, "element_tag", None) == "tr"
                and element is not None
                and set((element.get("class") or "").split()) & set(classes)
            ):
                found.append(number)
                break
    return (found[0], found[-1]) if found else None


def check_totals(
    pdf: bytes, expected: Mapping[str, Decimal], pages: tuple[int, int] | None = None
) -> list[Problem]:
    """For each label → amount: the PDF's text has a line with the label, and the last
    number after the label on that line equals the amount (to the cent). `pages` limits the
    search to a page range (1-based, inclusive) known to hold the totals."""
    first, last = pages or (None, None)
    lines = [
        " ".join(line.split())
        for page in pdf_text(pdf, first=first, last=last)
        for line in page.splitlines()
    ]
    problems = []
    for label, amount in expected.items():
        wanted = Decimal(amount).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        label_text = " ".join(label.split())
        found = [line for line in lines if label_text in line]
        if not found:
            problems.append(Problem("totals", f"the total “{label}” is not in the document"))
            continue
        shown = [parse_amounts(line.split(label_text, 1)[1]) for line in found]
        values = [nums[-1] for nums in shown if nums]
        if wanted not in values:
            printed = ", ".join(str(v) for v in values) or "no amount"
            problems.append(
                Problem(
                    "totals", f"the total “{label}” shows {printed} but the quote says {wanted}"
                )
            )
    return problems


def preflight(
    pdf: bytes,
    document=None,
    expected_totals: Mapping[str, Decimal] | None = None,
    group_header_class: str = "group-header",
) -> list[Problem]:
    """All pre-flight checks on a produced PDF (and its laid-out `document` if given)."""
    problems = check_keep_with_next(document, group_header_class) if document is not None else []
    problems += check_glyphs(pdf)
    if expected_totals:
        problems += check_totals(pdf, expected_totals)
    return problems


# --------------------------------------------------------------------------------------------
# HarfBuzz subsetting
# --------------------------------------------------------------------------------------------


def harfbuzz_subsetting() -> str | None:
    """The HarfBuzz version WeasyPrint subsets fonts with, or None when it falls back to the
    (about ten times slower) fontTools subsetter because libharfbuzz-subset is missing or
    older than 4.1.0."""
    import ctypes

    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return None
    try:  # WeasyPrint's cffi declarations have no hb_version_string; ask the library itself
        library = ctypes.CDLL("libharfbuzz.so.0")
        library.hb_version_string.restype = ctypes.c_char_p
        return library.hb_version_string().decode()
    except (OSError, AttributeError):
        return "4.1 or later"


# --------------------------------------------------------------------------------------------
# Cache and frozen store
# --------------------------------------------------------------------------------------------

_STATIC_DIGESTS: dict[tuple, str] = {}


def static_digest(static_root: str | os.PathLike = DEFAULT_STATIC_ROOT) -> str:
    """SHA-256 over the files under the static root (names and contents), memoised on their
    sizes and modification times: a changed stylesheet or logo changes every cache key."""
    root = Path(static_root).resolve()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    stamp = (str(root), *((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if stamp not in _STATIC_DIGESTS:
        digest = hashlib.sha256()
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        _STATIC_DIGESTS.clear()
        _STATIC_DIGESTS[stamp] = digest.hexdigest()
    return _STATIC_DIGESTS[stamp]


def content_key(
    html: str,
    stylesheets: Sequence[str] = (),
    static_root: str | os.PathLike = DEFAULT_STATIC_ROOT,
    expected_totals: Mapping[str, Decimal] | None = None,
) -> str:
    """SHA-256 of everything that decides the PDF: HTML, extra CSS, static files, totals
    checked, WeasyPrint and pipeline versions."""
    import weasyprint

    digest = hashlib.sha256()
    for part in (
        PIPELINE_VERSION,
        weasyprint.__version__,
        static_digest(static_root),
        html,
        *stylesheets,
        *(f"{k}={Decimal(v)}" for k, v in sorted((expected_totals or {}).items())),
    ):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes, exclusive: bool = False) -> bool:
    """Write `data` to `path` all at once; with `exclusive`, only if `path` does not exist
    yet (returns False then and leaves the existing file alone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class PdfCache:
    """Rendered PDFs by content key, one file each under `directory` (instance/pdf-cache)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError("a cache key is a SHA-256 hex digest")
        return self.directory / key[:2] / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, pdf: bytes) -> None:
        _write_atomic(self.path(key), pdf)

    # A failed render is remembered for FAILURE_TTL seconds: the same content fails the
    # same way, and each retry of a timed-out render costs a minute and up to a gigabyte.
    FAILURE_TTL = 3600

    def failure_path(self, key: str) -> Path:
        return self.path(key).with_suffix(".failed.json")

    def put_failure(self, key: str, error: PdfError) -> None:
        import json

        record = {"type": type(error).__name__, "message": str(error)}
        if isinstance(error, RenderTimeout):
            record.update(seconds=error.seconds, heaviest=error.heaviest)
        elif isinstance(error, RenderMemoryExceeded):
            record.update(megabytes=error.megabytes)
        elif isinstance(error, PreflightFailed):
            record.update(problems=[[p.check, p.message] for p in error.problems])
        _write_atomic(self.failure_path(key), json.dumps(record).encode())

    def get_failure(self, key: str) -> PdfError | None:
        """The error of an earlier render of the same content, while it is remembered."""
        import json

        path = self.failure_path(key)
        try:
            if time.time() - path.stat().st_mtime > self.FAILURE_TTL:
                return None
            record = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        kind = record.get("type")
        if kind == "RenderTimeout":
            return RenderTimeout(record.get("seconds", 0), record.get("heaviest", ""))
        if kind == "RenderMemoryExceeded":
            return RenderMemoryExceeded(record.get("megabytes", 0))
        if kind == "PreflightFailed":
            return PreflightFailed([Problem(c, m) for c, m in record.get("problems", [])])
        return RenderFailed(record.get("message", "the PDF could not be rendered"))


@dataclass(frozen=True)
class FrozenPdf:
    name: str
    pdf: bytes
    sha256: str


class FrozenStore:
    """The PDF of a submitted revision, stored once and never replaced. `freeze` on a name
    that exists returns the stored PDF (the new bytes are ignored); `get` checks the
    SHA-256 recorded at freezing time on every read."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}", name) or ".." in name:
            raise ValueError(f"not a frozen-PDF name: {name!r}")
        return self.directory / f"{name}.pdf"

    def freeze(self, name: str, pdf: bytes) -> FrozenPdf:
        path = self._path(name)
        if not path.exists():
            digest = hashlib.sha256(pdf).hexdigest()
            _write_atomic(path.with_suffix(".sha256"), digest.encode(), exclusive=True)
            _write_atomic(path, pdf, exclusive=True)
        stored = self.get(name)
        assert stored is not None
        return stored

    def get(self, name: str) -> FrozenPdf | None:
        path = self._path(name)
        try:
            pdf = path.read_bytes()
            recorded = path.with_suffix(".sha256").read_text().strip()
        except FileNotFoundError:
            return None
        digest = hashlib.sha256(pdf).hexdigest()
        if digest != recorded:
            raise PdfError(f"the frozen PDF {name} does not match its recorded SHA-256")
        return FrozenPdf(name, pdf, digest)


# --------------------------------------------------------------------------------------------
# The export entry point
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """Everything a render needs, picklable (it travels to an RQ worker as is)."""

    html: str
    cache_dir: str
    stylesheets: tuple[str, ...] = ()
    static_root: str = str(DEFAULT_STATIC_ROOT)
    expected_totals: tuple[tuple[str, str], ...] = ()
    limits: RenderLimits = field(default_factory=RenderLimits)

    @classmethod
    def build(
        cls,
        html: str,
        cache_dir,
        *,
        stylesheets: Iterable[str] = (),
        static_root=DEFAULT_STATIC_ROOT,
        expected_totals: Mapping[str, Decimal] | None = None,
        limits: RenderLimits | None = None,
    ) -> ExportRequest:
        return cls(
            html,
            str(cache_dir),
            tuple(stylesheets),
            str(static_root),
            tuple((k, str(v)) for k, v in (expected_totals or {}).items()),
            limits or RenderLimits(),
        )

    @classmethod
    def for_document(
        cls,
        document: Document,
        env,
        cache_dir,
        *,
        limits: RenderLimits | None = None,
        static_root=DEFAULT_STATIC_ROOT,
    ) -> ExportRequest:
        """The request for `document` rendered with `env` (see `render_document_html`); the
        totals pre-flight checks the document's quote totals and TCOs."""
        return cls.build(
            render_document_html(document, env),
            cache_dir,
            static_root=static_root,
            expected_totals=document.expected_totals(),
            limits=limits,
        )

    def totals(self) -> dict[str, Decimal]:
        return {k: Decimal(v) for k, v in self.expected_totals}

    def key(self) -> str:
        return content_key(self.html, self.stylesheets, self.static_root, self.totals())


@dataclass(frozen=True)
class ExportedPdf:
    pdf: bytes
    key: str
    sha256: str
    from_cache: bool
    pages: int | None = None


def export_pdf(request: ExportRequest) -> ExportedPdf:
    """The checked PDF for `request`, from the cache when the same inputs were rendered
    before. Raises `PreflightFailed` (naming each problem), `RenderTimeout` (naming the
    heaviest section), `RenderMemoryExceeded` or `RenderFailed`; the failure is remembered
    for the same content (PdfCache.FAILURE_TTL), so a retry answers at once."""
    key = request.key()
    cache = PdfCache(request.cache_dir)
    cached = cache.get(key)
    if cached is not None:
        return ExportedPdf(cached, key, hashlib.sha256(cached).hexdigest(), True)
    failed = cache.get_failure(key)
    if failed is not None:
        raise failed
    try:
        outcome = render(
            request.html,
            stylesheets=request.stylesheets,
            static_root=request.static_root,
            expected_totals=request.totals(),
            limits=request.limits,
        )
        if outcome.problems:
            log.warning("PDF pre-flight failed: %s", "; ".join(map(str, outcome.problems)))
            raise PreflightFailed(outcome.problems)
        if not outcome.pdf.startswith(b"%PDF-"):
            raise RenderFailed("the renderer returned something that is not a PDF")
    except (PreflightFailed, RenderTimeout, RenderMemoryExceeded) as error:
        cache.put_failure(key, error)  # deterministic for the same content: remember it
        raise
    cache.put(key, outcome.pdf)
    return ExportedPdf(
        outcome.pdf, key, hashlib.sha256(outcome.pdf).hexdigest(), False, outcome.pages
    )


def export_frozen(store: FrozenStore, name: str, request: ExportRequest) -> FrozenPdf:
    """The frozen PDF `name` (a submitted revision): rendered and stored the first time,
    then the stored bytes for ever, whatever the templates have become since."""
    frozen = store.get(name)
    if frozen is not None:
        return frozen
    return store.freeze(name, export_pdf(request).pdf)


def zip_pdfs(files: Iterable[tuple[str, bytes]]) -> bytes:
    """Several PDFs as one zip (the bid desk's "download selected"), reproducible: fixed
    timestamps and permissions, names made unique with a counter, no directories."""
    import zipfile

    out = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, pdf in files:
            base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name).strip(". ") or "document.pdf"
            stem, dot, suffix = base.rpartition(".")
            stem, suffix = (stem, f".{suffix}") if dot else (base, "")
            unique, n = base, 1
            while unique in used:
                n += 1
                unique = f"{stem}-{n}{suffix}"
            used.add(unique)
            info = zipfile.ZipInfo(unique, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, pdf)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Scale-out: RQ when REDIS_URL is set, in-process otherwise
# --------------------------------------------------------------------------------------------

RQ_QUEUE = "pdf"


@dataclass(frozen=True)
class RenderTicket:
    """Where a render stands. `state`: queued, started, finished or failed; `key` is the
    cache key to read the PDF from once finished; `error` the reason when failed."""

    job_id: str
    state: str
    key: str
    error: str = ""

    @property
    def done(self) -> bool:
        return self.state in ("finished", "failed")


def run_export_job(request: ExportRequest) -> dict:
    """The RQ job: renders into the shared cache; returns the key and SHA-256, not bytes."""
    result = export_pdf(request)
    return {"key": result.key, "sha256": result.sha256, "from_cache": result.from_cache}


def submit_render(
    request: ExportRequest,
    redis_url: str | None = None,
    job_timeout: int | None = None,
    queue: str = RQ_QUEUE,
) -> RenderTicket:
    """Queue the render on RQ when `redis_url` is given (the PDF lands in the shared cache
    directory); otherwise render now, in this process, and return a finished ticket."""
    key = request.key()
    if PdfCache(request.cache_dir).get(key) is not None:
        return RenderTicket(f"cached-{key[:16]}", "finished", key)
    if not redis_url:
        try:
            export_pdf(request)
        except PdfError as error:
            return RenderTicket(f"local-{key[:16]}", "failed", key, str(error))
        return RenderTicket(f"local-{key[:16]}", "finished", key)
    return enqueue_job(
        run_export_job,
        request,
        key,
        redis_url,
        job_timeout=job_timeout or int(request.limits.seconds) + 30,
        queue=queue,
    )


def enqueue_job(
    function,
    argument,
    key: str,
    redis_url: str,
    job_timeout: int,
    queue: str = RQ_QUEUE,
    delay_seconds: float | None = None,
) -> RenderTicket:
    """Queue `function(argument)` on RQ, a job that stores its PDF under cache key `key`
    (`delay_seconds`: run no sooner than that, on RQ's scheduler: `rq worker --with-scheduler`)."""
    from datetime import timedelta

    from redis import Redis
    from rq import Queue, Retry

    options = dict(
        job_id=f"pdf-{key[:32]}-{os.urandom(4).hex()}",
        job_timeout=job_timeout,
        result_ttl=3600,
        failure_ttl=3600,
        # Once more if the work-horse or worker died (a render's own failure is cached and
        # answers the retry at once).
        retry=Retry(max=1),
    )
    rq_queue = Queue(queue, connection=Redis.from_url(redis_url))
    if delay_seconds:
        job = rq_queue.enqueue_in(timedelta(seconds=delay_seconds), function, argument, **options)
    else:
        job = rq_queue.enqueue(function, argument, **options)
    return RenderTicket(job.id, "queued", key)


def render_status(ticket: RenderTicket, redis_url: str | None = None) -> RenderTicket:
    """The ticket's current state (polled by the page); local tickets are already final."""
    if ticket.done or not redis_url:
        return ticket
    from redis import Redis
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(ticket.job_id, connection=Redis.from_url(redis_url))
    except NoSuchJobError:
        return dataclasses.replace(ticket, state="failed", error=LOST_JOB)
    status = job.get_status()
    if status == JobStatus.FINISHED:
        return dataclasses.replace(ticket, state="finished")
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        info = (job.latest_result().exc_string if job.latest_result() else "") or ""
        reason = info.strip().splitlines()[-1] if info.strip() else "the render failed"
        return dataclasses.replace(ticket, state="failed", error=reason[:500])
    if status == JobStatus.STARTED:
        return dataclasses.replace(ticket, state="started")
    return dataclasses.replace(ticket, state="queued")


# --------------------------------------------------------------------------------------------
# Without Redis: a small bounded pool of render processes beside the web server
# --------------------------------------------------------------------------------------------


class LocalRenderPool:
    """Renders outside the web worker when there is no REDIS_URL.

    At most `workers` renders run at once, in processes started by a `forkserver` (a
    fresh, single-threaded Python: never a fork of a threaded web server); each render
    still forks its bounded child from there (RenderLimits). Further renders wait in line.
    The PDF (or the failure) lands in the shared cache directory, so any web process can
    answer a poll; a process that does not know a job reports it queued until it is older
    than `lost_after` seconds, then lost.
    """

    def __init__(self, workers: int = 2, lost_after: float = 300.0, preload: Sequence[str] = ()):
        import queue
        import threading

        self.preload = ["proposals.documents", *preload]
        self.workers = max(1, workers)
        self.lost_after = lost_after
        self._executor = None
        self._jobs: dict = {}
        self._lock = threading.Lock()
        self._waiting: queue.SimpleQueue = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None

    def _pool(self):
        from concurrent.futures import ProcessPoolExecutor

        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            # The server imports the renderer once (workers start warm) and never re-runs
            # the web process's __main__ (gunicorn's, or a script's).
            context.set_forkserver_preload(self.preload)
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
        return self._executor

    def submit(self, request: ExportRequest) -> RenderTicket:
        return self.submit_job(run_export_job, request, request.key(), request.cache_dir)

    def submit_job(self, function, argument, key: str, cache_dir: str) -> RenderTicket:
        """Run `function(argument)` in the pool: a job that stores its PDF (or its failure)
        under cache key `key` in `cache_dir`."""
        cache = PdfCache(cache_dir)
        if cache.get(key) is not None:
            return RenderTicket(f"cached-{key[:16]}", "finished", key)
        failed = cache.get_failure(key)
        if failed is not None:
            return RenderTicket(f"cached-{key[:16]}", "failed", key, _error_line(failed))
        job_id = f"local-{key[:24]}-{int(time.time())}-{os.urandom(4).hex()}"
        with self._lock:
            self._jobs[job_id] = (None, cache_dir)  # None: not handed to the pool yet
            if len(self._jobs) > 1000:
                for old in [j for j, (f, _d) in self._jobs.items() if f and f.done()][:500]:
                    del self._jobs[old]
            if self._dispatcher is None or not self._dispatcher.is_alive():
                import threading

                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="pdf-pool-dispatch", daemon=True
                )
                self._dispatcher.start()
        # Starting the pool (a forkserver importing the renderer) takes seconds the first
        # time: a thread hands jobs to it, so no request waits for that.
        self._waiting.put((job_id, function, argument, cache_dir))
        return RenderTicket(job_id, "queued", key)

    def _dispatch(self) -> None:
        while True:
            job_id, function, argument, cache_dir = self._waiting.get()
            try:
                try:
                    future = self._pool().submit(function, argument)
                except RuntimeError:  # a broken pool (a render process was killed): anew
                    self._executor = None
                    future = self._pool().submit(function, argument)
            except Exception as error:  # reported as a lost job rather than a silent hang
                from concurrent.futures import Future

                future = Future()
                future.set_exception(error)
            with self._lock:
                self._jobs[job_id] = (future, cache_dir)

    def status(self, ticket: RenderTicket, cache_dir: str) -> RenderTicket:
        if ticket.done:
            return ticket
        cache = PdfCache(cache_dir)
        if cache.get(ticket.key) is not None:
            return dataclasses.replace(ticket, state="finished")
        entry = self._jobs.get(ticket.job_id)
        if entry is None:
            failed = cache.get_failure(ticket.key)
            if failed is not None:
                return dataclasses.replace(ticket, state="failed", error=_error_line(failed))
            try:
                started = int(ticket.job_id.split("-")[2])
            except (IndexError, ValueError):
                started = 0
            if time.time() - started > self.lost_after:
                return dataclasses.replace(ticket, state="failed", error=LOST_JOB)
            return ticket
        future, _cache_dir = entry
        if future is None:
            return dataclasses.replace(ticket, state="queued")
        if not future.done():
            return dataclasses.replace(ticket, state="started" if future.running() else "queued")
        error = future.exception()
        if error is None:
            return dataclasses.replace(ticket, state="finished")
        if isinstance(error, PdfError):
            return dataclasses.replace(ticket, state="failed", error=_error_line(error))
        return dataclasses.replace(ticket, state="failed", error=LOST_JOB)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _exit_with(parent_pid: int) -> None:
    """In a pool process: end when the web process that owns the pool is gone (a killed or
    recycled web worker must not leave its render processes behind)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(2)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # alive, under another user: a recycled pid, rare
                pass

    threading.Thread(target=watch, name="pool-parent-watch", daemon=True).start()


LOST_JOB = "LostJob: the render job was lost"


def _error_line(error: BaseException) -> str:
    """`ClassName: message`, the shape of the last line of an RQ job's traceback."""
    return f"{type(error).__name__}: {error}"[:500]
