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

import re
from types import MethodType

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline

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

# Han, kana, Hangul, CJK symbols and punctuation, full-width forms.
_CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)


class _CjkFriendlyState(StateInline):
    """CommonMark decides whether ``**`` opens or closes emphasis from the characters
    around it, written for languages that put spaces between words: in ``**30%**运维`` or
    ``这是**「重要」**的事`` the marks sit between punctuation and a Chinese character and
    stay literal. Here a CJK character beside a run of marks counts as a word boundary,
    as the CommonMark CJK-friendly amendment proposes; text without CJK next to the marks
    is parsed exactly as CommonMark says."""

    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:  # noqa: N802
        scanned = super().scanDelims(start, canSplitWord)
        end = start + scanned.length
        last = self.src[start - 1] if start > 0 else " "
        after = self.src[end] if end < self.posMax else " "
        last_cjk, next_cjk = bool(_CJK.match(last)), bool(_CJK.match(after))
        if not (last_cjk or next_cjk):
            return scanned
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
        last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
        last_boundary = last_space or last_punct or last_cjk
        next_boundary = next_space or next_punct or next_cjk
        left = not (next_space or (next_punct and not last_boundary))
        right = not (last_space or (last_punct and not next_boundary))
        return Scanned(
            left and (canSplitWord or not right or last_punct),
            right and (canSplitWord or not left or next_punct),
            scanned.length,
        )


def _parse_inline(self, src, md, env, tokens):
    # markdown-it-py's ParserInline.parse with the CJK-friendly state, for this parser only.
    state = _CjkFriendlyState(src, md, env, tokens)
    self.tokenize(state)
    for rule in self.ruler2.getRules(""):
        rule(state)
    return state.tokens


_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])
_parser.inline.parse = MethodType(_parse_inline, _parser.inline)


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
