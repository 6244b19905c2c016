"""Tender requirements: reading the tender's requirement table, comparing re-imports, the
submission gate and the deviation tables (技术偏离表 / 商务偏离表).

Framework-free. A tender table arrives as pasted tab-separated text (from Excel or Word),
an .xlsx workbook (openpyxl) or a .docx document (python-docx, every table read as rows).
Every reader works within `Limits` (bytes, rows, characters per cell, seconds, and for the
zip-based formats the uncompressed size of each member and of all members, checked in the
zip directory before any XML is parsed) and raises `ImportProblem` naming the row at fault.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from markupsafe import escape

KINDS = ("technical", "commercial")
VERDICTS = ("open", "comply", "partial", "deviate")
DEVIATING = ("partial", "deviate")
REVIEW_STATES = ("none", "requested", "approved", "changes")
MANDATORY_MARKS = ("★", "☆", "*", "▲", "※")


@dataclass(frozen=True)
class Limits:
    """Upload limits. Sizes in bytes, time in seconds (wall clock of the parse)."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 2_000
    max_cell: int = 4_000
    max_seconds: float = 10.0
    max_uncompressed: int = 60 * 1024 * 1024  # all zip members together
    max_member: int = 40 * 1024 * 1024  # one zip member
    max_ratio: int = 200  # uncompressed / compressed of one member


DEFAULT_LIMITS = Limits()


class ImportProblem(Exception):
    """A file or paste that cannot be read. `code` is stable (for translation), `row` is
    the 1-based row of the source table at fault (None for the file as a whole)."""

    def __init__(self, code: str, row: int | None = None, **details):
        super().__init__(code, row, details)
        self.code = code
        self.row = row
        self.details = details


@dataclass(frozen=True)
class ImportedRow:
    """One requirement as read from the tender. `points` in the tender's own unit (scoring
    points, Decimal, None when the tender gives none). `row` is the source row (1-based)."""

    number: str
    text: str
    clause: str = ""
    kind: str = "technical"
    mandatory: bool = False
    scoring_item: str = ""
    points: Decimal | None = None
    row: int = 0

    @property
    def key(self) -> str:
        """What identifies a requirement across re-imports: its number, else its text."""
        return self.number.strip() or normalise(self.text)

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "text": self.text,
            "clause": self.clause,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "scoring_item": self.scoring_item,
            "points": None if self.points is None else str(self.points),
            "row": self.row,
        }

    @classmethod
    def from_json(cls, data: Mapping, limits: Limits = DEFAULT_LIMITS) -> ImportedRow:
        row = int(data.get("row") or 0)
        text = _cell(data.get("text"), row, limits)
        if not text:
            raise ImportProblem("empty_text", row)
        points = data.get("points")
        return cls(
            number=_cell(data.get("number"), row, limits)[:40],
            text=text,
            clause=_cell(data.get("clause"), row, limits)[:200],
            kind=data.get("kind") if data.get("kind") in KINDS else "technical",
            mandatory=bool(data.get("mandatory")),
            scoring_item=_cell(data.get("scoring_item"), row, limits)[:200],
            points=_points(points, row) if points not in (None, "") else None,
            row=row,
        )


def normalise(text: str) -> str:
    """Text compared across imports: NFKC (full-width → half-width), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _cell(value, row: int, limits: Limits) -> str:
    text = "" if value is None else str(value)
    if len(text) > limits.max_cell:
        raise ImportProblem("cell_too_long", row, max=limits.max_cell)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _points(value, row: int) -> Decimal | None:
    text = normalise(str(value)).rstrip("分pts ").strip()
    if not text:
        return None
    try:
        points = Decimal(text)
    except InvalidOperation:
        raise ImportProblem("bad_points", row, value=str(value)[:40]) from None
    if not points.is_finite() or points < 0 or points >= 100_000:
        raise ImportProblem("bad_points", row, value=str(value)[:40])
    return points.quantize(Decimal("0.01"))


# --- columns ------------------------------------------------------------------------------

# Header words (after NFKC, lower case) that name each column, in Chinese tenders and English.
HEADERS = {
    "number": ("序号", "编号", "条目号", "no", "no.", "#", "number", "item", "id"),
    "clause": ("条款", "章节", "招标文件条目", "条目", "clause", "section", "reference", "ref"),
    "text": (
        "招标要求",
        "技术要求",
        "商务要求",
        "要求",
        "需求",
        "内容",
        "requirement",
        "requirements",
        "text",
        "description",
    ),
    "kind": ("类型", "类别", "分类", "kind", "type", "category"),
    "mandatory": ("★", "必须", "是否实质性", "实质性", "强制", "mandatory", "must"),
    "scoring_item": ("评分项", "评分因素", "评分", "scoring", "scoring item", "score item"),
    "points": ("分值", "分数", "points", "score", "weight"),
}


def _header_key(cell: str) -> tuple[str, bool] | None:
    """(column key, exact) for a header cell: exact when the cell is a header word, not
    exact when it only contains one ("技术要求及说明")."""
    word = normalise(cell).lower().strip(" :：")
    if not word:
        return None
    for key, words in HEADERS.items():
        if word in words:
            return key, True
    if len(word) > 12:
        return None  # a requirement's own text, not a heading
    for key, words in HEADERS.items():
        if any(len(w) > 1 and w in word for w in words):
            return key, False
    return None


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int, dict[str, int]] | None:
    """The header row (of the first ten) and its column map: the first row naming a text
    column and at least one other (a title merged across the table names only one), or
    else the first row whose cell is exactly a requirement heading."""
    lone = None
    for index, row in enumerate(rows[:10]):
        mapping: dict[str, int] = {}
        exact_text = False
        for col, cell in enumerate(row):
            found = _header_key(cell)
            if found and found[0] not in mapping:
                mapping[found[0]] = col
                exact_text = exact_text or (found[0] == "text" and found[1])
        if "text" in mapping:
            if len(mapping) >= 2:
                return index, mapping
            if exact_text and lone is None:
                lone = (index, mapping)
    return lone


def _kind_of(value: str, default: str) -> str:
    word = normalise(value).lower()
    if not word:
        return default
    if "商务" in word or "commercial" in word or "business" in word:
        return "commercial"
    return "technical"


def _is_mandatory(*cells: str) -> bool:
    for cell in cells:
        value = normalise(cell).lower()
        if not value:
            continue
        if any(mark in value for mark in MANDATORY_MARKS[:2]) or value in (
            "是",
            "y",
            "yes",
            "x",
            "✓",
            "√",
            "true",
            "1",
            "mandatory",
            "必须",
        ):
            return True
    return False


def rows_to_requirements(
    rows: Sequence[Sequence], kind: str = "technical", limits: Limits = DEFAULT_LIMITS
) -> list[ImportedRow]:
    """Table rows (first rows may be headers, possibly repeated by merged cells) as
    requirements. Without a recognised header the columns are: number, text, and then
    optionally clause. Empty rows and repeated header rows are skipped. Rows are numbered
    as in the source (1-based) for error messages."""
    if kind not in KINDS:
        raise ValueError(kind)
    cells = [[_cell(c, i + 1, limits) for c in row] for i, row in enumerate(rows)]
    found = _find_header(cells)
    if found is None:
        start, mapping = 0, {"number": 0, "text": 1, "clause": 2}
        if cells and max((len(r) for r in cells), default=0) == 1:
            mapping = {"text": 0}
    else:
        start, mapping = found[0] + 1, found[1]
    header_words = {normalise(c) for c in cells[found[0]]} if found else set()
    out: list[ImportedRow] = []
    seen: set[str] = set()

    def get(row, key):
        col = mapping.get(key)
        return row[col] if col is not None and col < len(row) else ""

    for index in range(start, len(cells)):
        row = cells[index]
        source_row = index + 1
        if not any(row):
            continue
        if header_words and {normalise(c) for c in row if c} <= header_words:
            continue  # a header repeated on the next page, or a merged header's second row
        text = get(row, "text")
        number = get(row, "number")
        if not text:
            if number and not any(c for i, c in enumerate(row) if i != mapping.get("number")):
                continue  # a group heading ("一、技术要求") in the number column
            raise ImportProblem("empty_text", source_row)
        mark = ""
        for m in MANDATORY_MARKS[:2]:
            if text.startswith(m) or number.startswith(m):
                mark = m
        if mark:
            text = text.lstrip(mark + " ").strip()
            number = number.lstrip(mark + " ").strip()
        if len(number) > 40:
            raise ImportProblem("number_too_long", source_row)
        points_raw = get(row, "points")
        item = ImportedRow(
            number=number,
            text=text,
            clause=get(row, "clause")[:200],
            kind=_kind_of(get(row, "kind"), kind),
            mandatory=bool(mark) or _is_mandatory(get(row, "mandatory")),
            scoring_item=get(row, "scoring_item")[:200],
            points=_points(points_raw, source_row) if points_raw else None,
            row=source_row,
        )
        if item.key in seen:
            raise ImportProblem("duplicate_number", source_row, number=item.key[:40])
        seen.add(item.key)
        out.append(item)
        if len(out) > limits.max_rows:
            raise ImportProblem("too_many_rows", source_row, max=limits.max_rows)
    if not out:
        raise ImportProblem("no_rows")
    return out


# --- readers --------------------------------------------------------------------------------


def parse_pasted(text: str, kind: str = "technical", limits: Limits = DEFAULT_LIMITS):
    """Tab-separated text as copied from Excel or Word. Cells quoted by Excel (holding tabs
    or line breaks) are read as one cell."""
    if len(text.encode("utf-8")) > limits.max_bytes:
        raise ImportProblem("too_large", max_mb=limits.max_bytes // (1024 * 1024))
    import csv

    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if lines.count("\n") > limits.max_rows * 4 + 50:
        raise ImportProblem("too_many_rows", limits.max_rows + 1, max=limits.max_rows)
    reader = csv.reader(io.StringIO(lines), delimiter="\t", quotechar='"')
    try:
        rows = [row for row in reader]
    except csv.Error:
        raise ImportProblem("unreadable") from None
    return rows_to_requirements(rows, kind, limits)


def _check_zip(data: bytes, limits: Limits, required: str) -> None:
    """Refuse a zip whose directory promises more than the limits (a zip bomb), before any
    member is decompressed; `required` is a member the format must have."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportProblem("wrong_type") from None
    with archive:
        names = set()
        total = 0
        for info in archive.infolist():
            names.add(info.filename)
            total += info.file_size
            if info.file_size > limits.max_member or total > limits.max_uncompressed:
                raise ImportProblem("too_large_unpacked")
            if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise ImportProblem("too_large_unpacked")
        if required not in names:
            raise ImportProblem("wrong_type")


class _Clock:
    def __init__(self, limits: Limits):
        self.deadline = time.monotonic() + limits.max_seconds

    def check(self, row: int | None = None):
        if time.monotonic() > self.deadline:
            raise ImportProblem("too_slow", row)


def parse_xlsx(data: bytes, kind: str = "technical", limits: Limits = DEFAULT_LIMITS):
    """The first worksheet that holds a requirement table. Merged header cells are read as
    their top-left value (openpyxl leaves the others empty)."""
    if len(data) > limits.max_bytes:
        raise ImportProblem("too_large", max_mb=limits.max_bytes // (1024 * 1024))
    _check_zip(data, limits, "[Content_Types].xml")
    import openpyxl

    clock = _Clock(limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a broken file)
        raise ImportProblem("unreadable") from None
    try:
        problem: ImportProblem | None = None
        for sheet in book.worksheets:
            dims = sheet.max_row or 0
            if dims > limits.max_rows * 2 + 50:
                raise ImportProblem("too_many_rows", limits.max_rows + 1, max=limits.max_rows)
            rows = []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > limits.max_rows * 2 + 50:
                    raise ImportProblem("too_many_rows", number, max=limits.max_rows)
                if number % 200 == 0:
                    clock.check(number)
                rows.append(["" if v is None else _xl_value(v) for v in row[:30]])
            try:
                return rows_to_requirements(rows, kind, limits)
            except ImportProblem as exc:
                if exc.code != "no_rows":
                    raise
                problem = exc
        raise problem or ImportProblem("no_rows")
    finally:
        book.close()


def _xl_value(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_docx(data: bytes, kind: str = "technical", limits: Limits = DEFAULT_LIMITS):
    """Every table of the document, in order, read as rows of one table (a table that Word
    continues over several pages is one table; a header repeated on each page is skipped).
    Cells merged horizontally appear once."""
    if len(data) > limits.max_bytes:
        raise ImportProblem("too_large", max_mb=limits.max_bytes // (1024 * 1024))
    _check_zip(data, limits, "word/document.xml")
    import docx

    clock = _Clock(limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001
        raise ImportProblem("unreadable") from None
    rows: list[list[str]] = []
    for table in document.tables:
        for tr in table.rows:
            if len(rows) > limits.max_rows * 2 + 50:
                raise ImportProblem("too_many_rows", len(rows), max=limits.max_rows)
            if len(rows) % 200 == 0:
                clock.check(len(rows))
            cells: list[str] = []
            previous = None
            for cell in tr.cells:
                if cell._tc is previous:  # a horizontally merged cell repeats
                    continue
                previous = cell._tc
                cells.append(cell.text)
            rows.append(cells)
    if not rows:
        raise ImportProblem("no_table")
    return rows_to_requirements(rows, kind, limits)


def parse_upload(filename: str, data: bytes, kind: str, limits: Limits = DEFAULT_LIMITS):
    """Dispatch by the file's name and its first bytes (a renamed file is refused)."""
    name = (filename or "").lower()
    if len(data) > limits.max_bytes:
        raise ImportProblem("too_large", max_mb=limits.max_bytes // (1024 * 1024))
    if not data.startswith(b"PK\x03\x04"):
        raise ImportProblem("wrong_type")
    if name.endswith(".xlsx"):
        return parse_xlsx(data, kind, limits)
    if name.endswith(".docx"):
        return parse_docx(data, kind, limits)
    raise ImportProblem("wrong_type")


# --- re-import diff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRow:
    """What the diff needs of a saved requirement."""

    id: int
    number: str
    text: str
    clause: str = ""
    kind: str = "technical"
    mandatory: bool = False
    scoring_item: str = ""
    points: Decimal | None = None
    answered: bool = False

    @property
    def key(self) -> str:
        return self.number.strip() or normalise(self.text)


@dataclass
class ImportDiff:
    added: list[ImportedRow] = field(default_factory=list)
    changed: list[tuple[StoredRow, ImportedRow]] = field(default_factory=list)
    unchanged: list[tuple[StoredRow, ImportedRow]] = field(default_factory=list)
    removed: list[StoredRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def _same(stored: StoredRow, new: ImportedRow) -> bool:
    return (
        normalise(stored.text) == normalise(new.text)
        and normalise(stored.clause) == normalise(new.clause)
        and stored.kind == new.kind
        and stored.mandatory == new.mandatory
        and normalise(stored.scoring_item) == normalise(new.scoring_item)
        and (stored.points or None) == (new.points or None)
    )


def diff_import(stored: Iterable[StoredRow], imported: Iterable[ImportedRow]) -> ImportDiff:
    """Compare a re-import with the saved table, matching rows by number (else by text).
    Unchanged rows keep their answers; changed rows keep them too but the caller marks
    them for a second look; removed rows are deleted only when the user applies the diff."""
    diff = ImportDiff()
    by_key = {row.key: row for row in stored}
    for new in imported:
        old = by_key.pop(new.key, None)
        if old is None:
            diff.added.append(new)
        elif _same(old, new):
            diff.unchanged.append((old, new))
        else:
            diff.changed.append((old, new))
    diff.removed = list(by_key.values())
    return diff


# --- the submission gate ----------------------------------------------------------------------


@dataclass(frozen=True)
class GateRow:
    """A requirement as the gate sees it."""

    id: int
    number: str
    text: str
    mandatory: bool
    verdict: str  # one of VERDICTS
    response: str
    deviation_accepted: bool  # a leader recorded acceptance of this deviation


@dataclass(frozen=True)
class Blocker:
    row: GateRow
    reason: str  # "unanswered" | "mandatory_unanswered" | "mandatory_deviation"


def submission_blockers(rows: Iterable[GateRow]) -> list[Blocker]:
    """The requirements that stop a proposal being submitted, in table order.

    A row is answered when it has a verdict other than "open" and a response text. A ★
    (mandatory) row must be answered, and a ★ row answered "partial" or "deviate" needs a
    leader's recorded acceptance (a missed ★ item disqualifies the bid). Any other row
    must be answered too."""
    out = []
    for row in rows:
        answered = row.verdict != "open" and bool(row.response.strip())
        if row.mandatory and not answered:
            out.append(Blocker(row, "mandatory_unanswered"))
        elif not answered:
            out.append(Blocker(row, "unanswered"))
        elif row.mandatory and row.verdict in DEVIATING and not row.deviation_accepted:
            out.append(Blocker(row, "mandatory_deviation"))
    return out


# --- deviation tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviationRow:
    position: int  # 序号, 1-based within its table
    clause: str  # 招标文件条目
    requirement: str  # 招标要求
    response: str  # 投标响应 (plain text)
    verdict: str  # partial | deviate
    note: str  # 说明


def deviation_rows(requirements: Iterable[Mapping], kind: str) -> list[DeviationRow]:
    """The rows of the technical or commercial deviation table: requirements of `kind`
    answered partial or deviate, in table order. `requirements` are snapshot dicts
    (number, clause, text, kind, verdict, response, note)."""
    out = []
    for req in requirements:
        if req.get("kind") != kind or req.get("verdict") not in DEVIATING:
            continue
        clause = " ".join(x for x in (req.get("number") or "", req.get("clause") or "") if x)
        out.append(
            DeviationRow(
                position=len(out) + 1,
                clause=clause,
                requirement=("★ " if req.get("mandatory") else "") + (req.get("text") or ""),
                response=req.get("response") or "",
                verdict=req["verdict"],
                note=req.get("note") or "",
            )
        )
    return out


def deviation_table_html(rows: Sequence[DeviationRow], labels: Mapping[str, str]) -> str:
    """The deviation table as HTML for the PDF (every value escaped). `labels` holds
    the column headings (no, clause, requirement, response, deviation, note), the verdict
    names (partial, deviate) and `none` (the statement printed when no row deviates)."""
    if not rows:
        return f'<p class="no-deviation">{escape(labels["none"])}</p>'
    head = "".join(
        f"<th>{escape(labels[k])}</th>"
        for k in ("no", "clause", "requirement", "response", "deviation", "note")
    )
    body = "".join(
        "<tr>"
        f'<td class="num">{row.position}</td>'
        f"<td>{escape(row.clause)}</td>"
        f"<td>{escape(row.requirement)}</td>"
        f"<td>{escape(row.response)}</td>"
        f"<td>{escape(labels[row.verdict])}</td>"
        f"<td>{escape(row.note)}</td>"
        "</tr>"
        for row in rows
    )
    return (
        '<table class="deviation"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + body
        + "</tbody></table>"
    )


MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{2,40})")


def mentioned_usernames(text: str) -> list[str]:
    """The @usernames in a comment, in order, each once (lower case)."""
    seen: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".").lower()
        if name not in seen:
            seen.append(name)
    return seen
