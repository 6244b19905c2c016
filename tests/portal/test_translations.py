"""Every visible string is translatable, and every one has a zh_CN translation."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# Babel parses "zh_CN" as zh_Hans_CN, and gettext looks the catalog up under that name.
PO = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_ids() -> set[str]:
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalog():
    return read_po(BytesIO(PO.read_bytes()))


def test_every_source_string_is_in_the_chinese_catalog():
    catalog = _catalog()
    missing = sorted(i for i in _source_ids() if i not in catalog)
    assert not missing, f"run pybabel extract/update and translate: {missing[:10]}"


def test_the_catalog_holds_no_string_the_source_no_longer_asks_for():
    # A leftover entry is dead weight a translator keeps maintaining for nothing.
    used = _source_ids()
    leftovers = sorted(
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in _catalog()
        if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in used
    )
    assert not leftovers, f"remove from messages.po: {leftovers[:10]}"


def test_every_catalog_entry_is_translated_with_the_same_placeholders():
    for message in _catalog():
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        assert target.strip(), f"untranslated: {source!r}"
        assert set(re.findall(r"%\(\w+\)[sd]", source)) == set(
            re.findall(r"%\(\w+\)[sd]", target)
        ), source
        # Templates apply "%" to every translation (newstyle gettext): a bare "%" the
        # source does not have breaks the page in that language only.
        bare = re.compile(r"%(?!\(|%)")
        assert len(bare.findall(target.replace("%%", ""))) == len(
            bare.findall(source.replace("%%", ""))
        ), f"bare % in the translation of {source!r}"
