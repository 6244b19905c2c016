"""Search terms of a text: Chinese segmented into words with jieba, other scripts split
into lower-case words. The same function prepares what is stored and what is searched,
so both sides agree on every database (SQLite FTS5, PostgreSQL full-text search).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[0-9a-z]+(?:[.\-][0-9a-z]+)*|[\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Words too common in tenders and proposals to tell one requirement from another.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "对",
        "为",
        "是",
        "应",
        "须",
        "需",
        "能",
        "可",
        "并",
        "其",
        "中",
        "于",
        "以",
        "由",
        "将",
        "要",
        "有",
        "个",
        "所",
        "该",
        "本",
        "各",
        "不",
        "无",
        "上",
        "下",
        "提供",
        "支持",
        "要求",
        "具备",
        "具有",
        "满足",
        "应当",
        "必须",
        "需要",
        "进行",
        "投标人",
        "投标",
        "招标",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "be",
        "is",
        "are",
        "shall",
        "must",
        "should",
        "will",
        "can",
        "may",
        "it",
        "its",
        "as",
        "at",
        "from",
        "that",
        "this",
        "which",
        "all",
        "any",
        "per",
    ]  # noqa: SIM905
)
MAX_TERMS = 24


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def terms(text: str, limit: int | None = None) -> list[str]:
    """The distinct search terms of `text` in order of first appearance. NFKC first, so
    full-width letters, digits and punctuation match their half-width forms. Chinese runs
    are cut by jieba's search mode (long words and their shorter parts). `limit` keeps
    the first terms only (queries use MAX_TERMS)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    out: list[str] = []
    seen: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        if _CJK.match(word):
            pieces = _jieba().lcut_for_search(word) if len(word) > 1 else [word]
        else:
            pieces = [word]
        for piece in pieces:
            if piece in seen or piece in STOPWORDS:
                continue
            if len(piece) == 1 and not piece.isdigit() and not _CJK.match(piece):
                continue
            seen.add(piece)
            out.append(piece)
            if limit and len(out) >= limit:
                return out
    return out


def index_text(*parts: str) -> str:
    """The stored, space-separated terms of a document (title, tags, body …)."""
    return " ".join(terms(" ".join(p for p in parts if p)))
