"""Markdown to safe HTML: no raw HTML from users reaches a page or a PDF."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.content import plain_text, render_markdown


def test_markdown_renders_the_usual_structure() -> None:
    html = render_markdown(
        "## 目标\n\n降低**三成**运维成本\n\n- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h2>目标</h2>" in html
    assert "<strong>三成</strong>" in html
    assert "<li>一</li>" in html
    assert "<table>" in html and "<td>1</td>" in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**30%**运维成本", "<strong>30%</strong>运维成本"),
        ("这是**「重要」**的事", "这是<strong>「重要」</strong>的事"),
        ("**粗体。**后文", "<strong>粗体。</strong>后文"),
        ("价格（**含税**）不变", "价格（<strong>含税</strong>）不变"),
        ("~~旧价。~~新价", "<s>旧价。</s>新价"),
        ("降低*三成*运维", "降低<em>三成</em>运维"),
    ],
)
def test_emphasis_next_to_chinese_punctuation_works(source, expected) -> None:
    # Plain CommonMark leaves these marks literal (punctuation inside, a Han character outside).
    assert render_markdown(source) == f"<p>{expected}</p>\n"


def test_underscores_inside_chinese_words_stay_literal() -> None:
    assert render_markdown("中文_强调_中文") == "<p>中文_强调_中文</p>\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 1%.,!?()*_~\n-", max_size=40))
def test_text_without_cjk_is_parsed_exactly_as_commonmark(source: str) -> None:
    from markdown_it import MarkdownIt

    from proposals.content import sanitise_html

    plain = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    assert render_markdown(source) == (
        "" if not source.strip() else sanitise_html(plain.render(source))
    )


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", 'href="javascript'),
        ("[click](vbscript:msgbox(1))", "href"),
        ('<img src="file:///etc/passwd">', "<img"),
        ("![pw](file:///etc/passwd)", 'src="file'),
        ("![x](data:text/html;base64,PHNjcmlwdD4=)", 'src="data'),
        ('<a href="javascript:alert(1)">x</a>', "<a "),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ('<div onmouseover="alert(1)">x</div>', "<div"),
        ("[rel](/admin/users)", 'href="/admin'),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_hostile_input_is_neutralised(source: str, forbidden: str) -> None:
    assert forbidden.lower() not in render_markdown(source).lower()


def test_safe_links_keep_their_url_and_get_rel() -> None:
    html = render_markdown("[site](https://example.com/a?b=1) <mailto:sales@example.com>")
    assert 'href="https://example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer"' in html
    assert 'href="mailto:sales@example.com"' in html


def test_typed_html_is_shown_as_text_not_lost() -> None:
    assert "&lt;script&gt;" in render_markdown("<script>x</script>")


def test_blank_input_renders_nothing() -> None:
    assert (
        render_markdown("") == "" and render_markdown(None) == "" and render_markdown("  \n ") == ""
    )


def test_plain_text_excerpt() -> None:
    assert plain_text("# Title\n\n**bold** & more") == "Title bold & more"
    assert plain_text("x" * 300, limit=10).endswith("…")
    assert len(plain_text("x" * 300, limit=10)) == 10


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'=/:;()[]!&# \nabcjavascriptfileimgsrconerror")),
        max_size=120,
    )
)
def test_no_tag_or_handler_survives_random_input(source: str) -> None:
    html = render_markdown(source).lower()
    assert "<script" not in html and '<img src="file' not in html
    assert "javascript:" not in html.replace("&gt;", ">") or 'href="javascript' not in html
    assert " onerror=" not in html and " onclick=" not in html
