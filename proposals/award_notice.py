"""Reading the bidder table out of a pasted award notice (中标结果公告 / 中标候选人公示 /
English award notices).

Pure text → rows. Notices come in two shapes and both are read:

- a table: one header line naming the columns (bidder, price, technical / price / total
  score, rank) and one line per bidder, cells separated by tabs, ``|`` or two or more
  spaces (what a copied web table or PDF table becomes);
- key–value blocks: "第一中标候选人：某某公司" followed by "投标报价：123.4万元",
  "综合得分：88.5" … (or "Winning bidder: …", "Bid price: …").

Full-width digits and punctuation are folded to ASCII first (NFKC). Prices come back as
``Decimal`` in currency units (yuan): a column or cell in 万元 is multiplied by 10,000.
Scores are points as published. Nothing is guessed silently: every line that looks like a
bidder but cannot be read, and every assumption (no unit stated), is a warning with the
line number; the rep confirms or edits the rows before anything is saved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

#: Longest text read (characters); award notices are a page or two.
MAX_CHARS = 50_000
#: Most rows returned; a notice listing more bidders is cut with a warning.
MAX_ROWS = 60

WAN = Decimal(10_000)
#: Integer digits of the largest price read (NUMERIC(16, 2) holds 14).
MAX_PRICE_DIGITS = 14


@dataclass
class NoticeRow:
    """One published bidder. ``price`` in yuan; scores in points; ``rank`` from 1."""

    name: str
    price: Decimal | None = None
    tech_score: Decimal | None = None
    price_score: Decimal | None = None
    total_score: Decimal | None = None
    rank: int | None = None
    line: int = 0  # 1-based line of the notice the row starts on


@dataclass(frozen=True)
class NoticeWarning:
    """Something the rep should check. ``code`` is one of: ``empty``, ``no_rows`` (nothing
    that looks like a bidder table), ``unit_assumed`` (no 元/万元/CNY stated: prices read
    as yuan), ``no_price`` (a bidder without a readable price), ``unreadable`` (a line of the
    table that could not be read), ``total_mismatch`` (technical + price points differ from
    the published total), ``too_many`` (rows cut at MAX_ROWS), ``too_long`` (text cut at
    MAX_CHARS)."""

    code: str
    line: int = 0
    detail: str = ""


@dataclass
class AwardNotice:
    rows: list[NoticeRow] = field(default_factory=list)
    warnings: list[NoticeWarning] = field(default_factory=list)
    #: "wan" when prices were published in 万元, "yuan" when in yuan/CNY, "" if not stated.
    unit: str = ""

    @property
    def ok(self) -> bool:
        """True when at least one bidder was read."""
        return bool(self.rows)

    @property
    def has_scores(self) -> bool:
        return any(
            r.total_score is not None or r.tech_score is not None or r.price_score is not None
            for r in self.rows
        )


# --- text folding ----------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (NFKC), non-breaking and
    ideographic spaces to plain spaces, Windows line ends to ``\\n``."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    # NFKC leaves these as they are; both are separators in pasted tables.
    return text.replace("│", "|").replace("┃", "|")


def chinese_ordinal(text: str) -> int | None:
    """ "第一" → 1, "三" → 3, "十二" → 12, "第2名" → 2, "1st" → 1; None if not a rank."""
    s = text.strip()
    m = re.search(r"\d+", s)
    if m:
        value = int(m.group())
        return value if 1 <= value <= 999 else None
    m = re.search(r"[零一二两三四五六七八九十]+", s)
    if not m:
        english = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
        low = s.lower()
        return next((v for k, v in english.items() if k in low), None)
    digits = m.group()
    if "十" in digits:
        tens, _, ones = digits.partition("十")
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o
    value = 0
    for ch in digits[:4]:
        value = value * 10 + _CN_DIGITS[ch]
    return value if 1 <= value <= 999 else None


# --- amounts ---------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_WAN_UNIT = re.compile(r"万元|万|ten\s*thousand", re.IGNORECASE)
_YUAN_UNIT = re.compile(r"元|CNY|RMB|yuan|¥|人民币", re.IGNORECASE)
_MILLION_UNIT = re.compile(r"million|百万元", re.IGNORECASE)


def _first_number(text: str) -> tuple[Decimal | None, int]:
    """The first number in ``text`` (thousands commas removed) and where it ends."""
    # Amounts in capital numerals (大写) follow the figure in brackets: never read them.
    m = _NUMBER.search(text)
    if not m:
        return None, -1
    try:
        return Decimal(m.group().replace(",", "")), m.end()
    except InvalidOperation:
        return None, -1


def amount(text: str, column_unit: str = "") -> tuple[Decimal | None, str]:
    """A price cell → (yuan, unit seen: "wan", "yuan", "million" or "").

    The unit written right after the figure wins over the column's unit: "123.4万元" in a
    column headed "(元)" is still 1,234,000.
    """
    value, end = _first_number(text)
    if value is None:
        return None, ""
    # "1120.00（万元）": a unit in brackets right after the figure counts too.
    after = text[end : end + 8].strip().lstrip("([").strip()
    before = text[: max(0, end)]
    unit = ""
    if _MILLION_UNIT.match(after):
        unit = "million"
    elif _WAN_UNIT.match(after):
        unit = "wan"
    elif _YUAN_UNIT.match(after) or _YUAN_UNIT.search(before):
        unit = "yuan"
    used = unit or column_unit
    if used == "wan":
        value *= WAN
    elif used == "million":
        value *= Decimal(1_000_000)
    if value.adjusted() >= MAX_PRICE_DIGITS:
        return None, unit  # no price has that many digits (and NUMERIC(16, 2) holds 14)
    return value.quantize(Decimal("0.01")), unit


def _points(text: str) -> Decimal | None:
    value, _ = _first_number(text)
    if value is None or value < 0 or value > 1000:
        return None
    return value


# --- columns ---------------------------------------------------------------------------

# Checked in this order: score columns before the price column ("价格分" names a score,
# "投标报价" a price), the rank before the bidder ("中标候选人排序" is a rank).
_COLUMNS: tuple[tuple[str, re.Pattern], ...] = (
    ("rank", re.compile(r"排名|名次|排序|顺序|rank|ranking|position", re.I)),
    ("tech_score", re.compile(r"技术.*分|商务技术|technical.*(score|point)|tech.*score", re.I)),
    ("price_score", re.compile(r"价格.*分|报价.*分|price.*(score|point)", re.I)),
    (
        "total_score",
        re.compile(r"总分|综合得分|得分|最终.*分|评审.*分|合计|total|score|points", re.I),
    ),
    (
        "price",
        re.compile(r"报价|价格|金额|投标价|评标价|中标价|成交价|price|amount|bid\b|offer", re.I),
    ),
    (
        "name",
        re.compile(
            r"投标人|供应商|单位|公司|候选人|名称|bidder|supplier|company|tenderer|"
            r"vendor|name|firm",
            re.I,
        ),
    ),
)


def _column_kind(cell: str) -> str | None:
    for kind, pattern in _COLUMNS:
        if pattern.search(cell):
            return kind
    return None


def _column_unit(cell: str) -> str:
    if _MILLION_UNIT.search(cell):
        return "million"
    if _WAN_UNIT.search(cell):
        return "wan"
    if _YUAN_UNIT.search(cell):
        return "yuan"
    return ""


_SEPARATOR_LINE = re.compile(r"^[\s|:+\-=]+$")


def _cells(line: str) -> list[str]:
    if "|" in line:
        cells = [c.strip() for c in line.split("|")]
        # Markdown-style leading/trailing bars leave empty edge cells.
        if cells and not cells[0]:
            cells = cells[1:]
        if cells and not cells[-1]:
            cells = cells[:-1]
        return cells
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return [c.strip() for c in re.split(r"\s{2,}", line.strip())]


def _header(cells: list[str]) -> dict[int, tuple[str, str]] | None:
    """{cell index: (kind, unit)} when the line names a bidder column and a price or score
    column; else None."""
    kinds: dict[int, tuple[str, str]] = {}
    seen = set()
    if any(":" in cell or len(cell) > 30 for cell in cells):
        return None  # "key: value" prose, not column names
    for i, cell in enumerate(cells):
        if not cell or _NUMBER.fullmatch(cell.replace(" ", "")):
            continue
        kind = _column_kind(cell)
        if kind and kind not in seen:
            kinds[i] = (kind, _column_unit(cell))
            seen.add(kind)
    if "name" in seen and seen & {"price", "total_score", "tech_score", "price_score"}:
        return kinds
    return None


# --- key–value blocks ------------------------------------------------------------------

_CANDIDATE = re.compile(
    r"(第\s*[一二三四五六七八九十\d]+\s*(?:名\s*)?(?:中标|成交)?候选人|"
    r"(?:中标|成交)(?:\((?:中标|成交)\))?(?:候选)?(?:人|供应商|单位)|"
    r"(?:供应商|投标人|投标单位)名称|"
    r"(?:first|second|third|fourth|fifth|\d+(?:st|nd|rd|th))[\s-]*(?:ranked\s*)?"
    r"(?:candidate|bidder)|winning\s+bidder|successful\s+bidder|winner|"
    r"(?:bidder|supplier|tenderer))"
    r"(?:\s*(?:名称|name))?\s*:\s*(.+)"
    r"|(awarded\s+to)\s+(.+)",
    re.IGNORECASE,
)
# Where one line holds several "key: value" pairs: split before each Chinese key.
_PAIR_BREAK = re.compile(
    r"\s*;\s*|\s{2,}|\t|,(?!\d{3})\s*(?=[^,:]{1,20}:)|\s+(?=[\u4e00-\u9fff][^\s:;,]{0,11}:)"
)
# The contract value of the award belongs to the winner, wherever it is written.
_AWARD_VALUE = re.compile(
    r"(?:中标|成交)(?:\((?:中标|成交)\))?(?:金额|价)|合同金额|contract\s+(value|amount|price)|"
    r"award(ed)?\s+(value|amount|price)",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(r"^\s*([^:]{1,30}?)\s*[:]\s*(.+)$")


def _kv_kind(key: str) -> str | None:
    return _column_kind(key)


# --- entry point -----------------------------------------------------------------------


def parse_notice(text: str) -> AwardNotice:
    """Read the bidders of an award notice. See the module docstring for the shapes read.

    Returns the rows in the order published (rank filled from a rank column, a
    "第一中标候选人" label, or the order of a scored table when ranks are not given: never;
    an unpublished rank stays None) and the warnings. Never raises on any text.
    """
    notice = AwardNotice()
    if not text or not text.strip():
        notice.warnings.append(NoticeWarning("empty"))
        return notice
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notice.warnings.append(NoticeWarning("too_long"))
    lines = fold(text).split("\n")
    units_seen: set[str] = set()

    table_rows = _read_table(lines, notice, units_seen)
    if table_rows:
        notice.rows = table_rows
    else:
        notice.rows = _read_blocks(lines, notice, units_seen)

    if len(notice.rows) > MAX_ROWS:
        notice.rows = notice.rows[:MAX_ROWS]
        notice.warnings.append(NoticeWarning("too_many"))
    if not notice.rows:
        notice.warnings.append(NoticeWarning("no_rows"))
        return notice
    for row in notice.rows:
        if row.price is None:
            notice.warnings.append(NoticeWarning("no_price", row.line, row.name))
        parts = (row.tech_score, row.price_score, row.total_score)
        if None not in parts and abs(parts[0] + parts[1] - parts[2]) > Decimal("0.05"):
            notice.warnings.append(NoticeWarning("total_mismatch", row.line, row.name))
    priced = any(r.price is not None for r in notice.rows)
    if "wan" in units_seen:
        notice.unit = "wan"
    elif units_seen & {"yuan", "million"}:
        notice.unit = "yuan"
    elif priced:
        notice.warnings.append(NoticeWarning("unit_assumed"))
    return notice


def _read_table(lines: list[str], notice: AwardNotice, units_seen: set[str]) -> list[NoticeRow]:
    """Rows under the first header line; stops at the first blank or non-table line after
    at least one row was read."""
    header = None
    width = 0
    rows: list[NoticeRow] = []
    warnings: list[NoticeWarning] = []
    document_unit = _document_unit(lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if header is None:
            cells = _cells(line)
            if len(cells) >= 2:
                header = _header(cells)
                width = len(cells)
                if header:
                    for _kind, unit in header.values():
                        if unit:
                            units_seen.add(unit)
            continue
        if not line or _SEPARATOR_LINE.match(line):
            continue  # copied web tables often put a blank line between rows
        cells = _cells(line)
        if len(cells) < 2:
            if rows:
                break
            continue
        if len(cells) > width:
            # A bidder name with double spaces in it: the extra cells belong to the name,
            # the figures stay aligned at the right.
            name_at = next((i for i, (k, _u) in header.items() if k == "name"), 0)
            extra = len(cells) - width
            cells = (
                cells[:name_at]
                + [" ".join(cells[name_at : name_at + extra + 1])]
                + cells[name_at + extra + 1 :]
            )
        row = _table_row(cells, header, number, document_unit, units_seen)
        if row is None:
            warnings.append(NoticeWarning("unreadable", number, line[:80]))
            continue
        rows.append(row)
    if rows:
        notice.warnings.extend(warnings)
    return rows


def _document_unit(lines: list[str]) -> str:
    """A unit stated once for the whole table ("单位：万元", "(unit: CNY)")."""
    for line in lines:
        m = re.search(r"(?:单位|unit|currency)\s*[:]\s*([^\s,;)]+)", line, re.IGNORECASE)
        if m:
            return _column_unit(m.group(1))
    return ""


def _table_row(cells, header, number, document_unit, units_seen) -> NoticeRow | None:
    values: dict[str, str] = {}
    units: dict[str, str] = {}
    for i, (kind, unit) in header.items():
        if i < len(cells):
            values[kind] = cells[i]
            units[kind] = unit or document_unit
    name = values.get("name", "").strip()
    if not name or _NUMBER.fullmatch(name.replace(",", "")):
        return None
    row = NoticeRow(name=name[:200], line=number)
    if "price" in values:
        row.price, seen = amount(values["price"], units["price"])
        if seen or units["price"]:
            units_seen.add(seen or units["price"])
    for kind in ("tech_score", "price_score", "total_score"):
        if kind in values:
            setattr(row, kind, _points(values[kind]))
    if "rank" in values:
        row.rank = chinese_ordinal(values["rank"])
    if row.price is None and row.total_score is None and row.tech_score is None:
        return None
    return row


def _read_blocks(lines: list[str], notice: AwardNotice, units_seen: set[str]) -> list[NoticeRow]:
    rows: list[NoticeRow] = []
    current: NoticeRow | None = None
    pending_value = None  # an award value written before the winner is named
    award_value_seen = False
    document_unit = _document_unit(lines)
    for number, raw in enumerate(lines, start=1):
        # One line may hold several "key：value" pairs separated by spaces or semicolons.
        for piece in _PAIR_BREAK.split(raw.strip()):
            piece = piece.strip().strip(",;")
            if not piece:
                continue
            m = _CANDIDATE.match(piece)
            if m and not _kv_is_figure(piece):
                label = m.group(1) or m.group(3)
                name = _clean_name(m.group(2) or m.group(4))
                if not name:
                    continue
                current = NoticeRow(name=name, line=number, rank=_label_rank(label))
                rows.append(current)
                continue
            kv = _KEY_VALUE.match(piece)
            if current is None or kv is None:
                if current is None and kv is not None and _AWARD_VALUE.search(kv.group(1)):
                    pending_value = kv.group(2)
                    award_value_seen = True
                continue
            kind = _kv_kind(kv.group(1))
            value = kv.group(2)
            if kind == "price" and _AWARD_VALUE.search(kv.group(1)):
                award_value_seen = True
                if len(rows) == 1 and rows[0].rank is None:
                    rows[0].rank = 1
                winner = next((r for r in rows if r.rank == 1), None)
                if winner is not None and winner.price is None:
                    winner.price, seen = amount(value, document_unit)
                    if seen or document_unit:
                        units_seen.add(seen or document_unit)
                continue
            if kind == "price" and current.price is None:
                current.price, seen = amount(value, _column_unit(kv.group(1)) or document_unit)
                if seen or _column_unit(kv.group(1)) or document_unit:
                    units_seen.add(seen or _column_unit(kv.group(1)) or document_unit)
            elif kind in ("tech_score", "price_score", "total_score"):
                setattr(current, kind, _points(value))
            elif kind == "rank":
                current.rank = chinese_ordinal(value)
    if len(rows) == 1 and rows[0].rank is None and award_value_seen:
        rows[0].rank = 1  # a result notice naming one supplier and the award value
    winner = next((r for r in rows if r.rank == 1), None)
    if pending_value is not None and winner is not None and winner.price is None:
        winner.price, seen = amount(pending_value, document_unit)
        if seen or document_unit:
            units_seen.add(seen or document_unit)
    # A winner named in a summary line ("中标人：X") and again as the first candidate.
    unique: dict[str, NoticeRow] = {}
    for row in rows:
        kept = unique.get(row.name)
        if kept is None:
            unique[row.name] = row
            continue
        for attr in ("price", "tech_score", "price_score", "total_score", "rank"):
            if getattr(kept, attr) is None:
                setattr(kept, attr, getattr(row, attr))
    return list(unique.values())


def _kv_is_figure(piece: str) -> bool:
    """ "中标金额：…", "中标价：…" name a figure, not a bidder."""
    kv = _KEY_VALUE.match(piece)
    return bool(kv) and _kv_kind(kv.group(1)) in (
        "price",
        "total_score",
        "tech_score",
        "price_score",
    )


def _label_rank(label: str) -> int | None:
    low = label.lower()
    if re.search(r"第|first|second|third|fourth|fifth|\d+(st|nd|rd|th)", low):
        return chinese_ordinal(label)
    if re.search(
        r"中标人|中标供应商|中标单位|成交供应商|成交人|winning|successful|awarded|winner", low
    ):
        return 1
    return None


def _clean_name(text: str) -> str:
    # Stop at the next "key：" on the same line or at a figure in brackets.
    name = re.split(r"\s*;\s*|\s+(?:at|with|for)\s+(?:CNY|RMB|¥|a\s)", text.strip(), maxsplit=1)[0]
    name = name.strip(" :,")
    if _NUMBER.fullmatch(name.replace(",", "")):
        return ""
    return name[:200]
