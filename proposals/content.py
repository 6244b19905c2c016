"""Proposal text: Markdown source in, safe HTML out (for pages and for the PDF export).

Two layers, so one mistake does not become a hole:

1. markdown-it-py parses CommonMark (plus tables and strikethrough) with raw HTML
   **disabled**: a ``<script>`` typed by a user is shown as text, never parsed as a tag.
   Its link validator already refuses ``javascript:``, ``vbscript:`` and ``file:`` URLs.
2. nh3 (the ammonia sanitiser) then keeps only an allow-list of tags and attributes and
   only ``http``, ``https`` and ``mailto`` URLs; anything else loses its ``href``/``src``.
   Relative URLs are dropped too: a proposal is also rendered into a PDF, where a relative
   ``src`` would be resolved against the server.

The result is safe to mark ``Markup`` in a template and to pass to WeasyPrint.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# The longest section body accepted (characters of Markdown source).
MAX_SECTION_LENGTH = 50_000

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "s",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])


def render_markdown(text: str | None) -> str:
    """Render user Markdown to sanitised HTML (a ``str``; empty for blank input).

    No raw HTML from the source survives; links and images keep only http(s)/mailto
    URLs (a ``javascript:`` link becomes plain text, a ``file://`` image loses its source);
    links get ``rel="noopener noreferrer"``.
    """
    if not text or not text.strip():
        return ""
    html = _parser.render(text)
    return sanitise_html(html)


def sanitise_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of an HTML fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        url_relative="deny",
    )


def plain_text(text: str | None, limit: int = 200) -> str:
    """A one-line excerpt of Markdown source for lists and search results (no markup)."""
    if not text:
        return ""
    html = _parser.render(text)
    flat = " ".join(nh3.clean(html, tags=set()).split())
    flat = (
        flat.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    )
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
