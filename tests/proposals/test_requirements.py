"""Reading tender requirement tables, re-import diffs, the submission gate, deviation rows
and search terms: no app, no database."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from proposals.requirements import (
    GateRow,
    ImportProblem,
    Limits,
    StoredRow,
    deviation_rows,
    deviation_table_html,
    diff_import,
    mentioned_usernames,
    parse_docx,
    parse_pasted,
    parse_upload,
    parse_xlsx,
    submission_blockers,
)
from proposals.segment import terms

PASTED = (
    "序号\t招标文件条目\t招标要求\t评分项\t分值\n"
    "1\t3.1\t★投标人须提供７×２４小时原厂技术支持服务，响应时间≤２小时。\t服务\t５\n"
    "2\t3.2\t系统应支持双因素认证（２FA）；管理员操作须留痕。\t安全\t3.5\n"
    '3\t3.3\t"交付文档包括：\n安装手册、运维手册"\t\t\n'
)


def test_pasted_cjk_table_with_full_width_digits_and_a_quoted_cell():
    rows = parse_pasted(PASTED)
    assert [r.number for r in rows] == ["1", "2", "3"]
    first = rows[0]
    assert first.mandatory and not first.text.startswith("★")
    assert first.clause == "3.1"
    assert first.points == Decimal("5.00")  # full-width ５ read as 5
    assert rows[1].points == Decimal("3.50")
    assert "安装手册、运维手册" in rows[2].text and "\n" in rows[2].text
    assert rows[2].row == 4


def test_paste_without_header_reads_number_then_text():
    rows = parse_pasted("1.1\tThe system shall support SSO.\n1.2\tLogs kept 180 days.\n")
    assert [(r.number, r.text) for r in rows] == [
        ("1.1", "The system shall support SSO."),
        ("1.2", "Logs kept 180 days."),
    ]
    # A first row whose text merely contains a heading word is a requirement, not a header.
    rows = parse_pasted("1\t要求 1\n2\t技术要求：国产化\n")
    assert [(r.number, r.text) for r in rows] == [("1", "要求 1"), ("2", "技术要求：国产化")]


def test_a_bad_row_is_named():
    with pytest.raises(ImportProblem) as caught:
        parse_pasted("序号\t招标要求\t分值\n1\t要求一\t5\n2\t要求二\tabc\n")
    assert caught.value.code == "bad_points" and caught.value.row == 3
    with pytest.raises(ImportProblem) as caught:
        parse_pasted("序号\t招标要求\n1\t要求一\n1\t要求二\n")
    assert caught.value.code == "duplicate_number" and caught.value.row == 3


def test_limits_on_cells_and_rows():
    with pytest.raises(ImportProblem) as caught:
        parse_pasted("1\t" + "长" * 5000 + "\n")
    assert caught.value.code == "cell_too_long" and caught.value.row == 1
    many = "".join(f"{i}\treq {i}\n" for i in range(1, 100_001))
    with pytest.raises(ImportProblem) as caught:
        parse_pasted(many, limits=Limits(max_bytes=10 * 1024 * 1024))
    assert caught.value.code == "too_many_rows"


def xlsx_with_merged_header(rows: int = 3) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["技术要求偏离表", None, None, None])
    sheet.merge_cells("A1:D1")  # a title across the table
    sheet.append(["序号", "招标要求", None, "分值"])
    sheet.merge_cells("B2:C2")  # the requirement header spans two columns
    for i in range(1, rows + 1):
        sheet.append([i, f"★要求 {i}：支持国产化操作系统" if i == 1 else f"要求 {i}", None, 2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_with_long_table(rows: int = 60) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("第三章 技术要求")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["序号", "条款", "技术要求"], strict=True):
        cell.text = text
    for i in range(1, rows + 1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(i), f"5.{i}"
        cells[2].text = ("★" if i % 10 == 0 else "") + f"第{i}项要求：" + "应满足性能指标。" * 5
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_xlsx_with_merged_header_cells():
    rows = parse_xlsx(xlsx_with_merged_header())
    assert [r.number for r in rows] == ["1", "2", "3"]
    assert rows[0].mandatory and rows[0].text.startswith("要求 1")
    assert rows[0].points == Decimal("2.00")


def test_docx_table_spanning_pages():
    rows = parse_docx(docx_with_long_table(60))
    assert len(rows) == 60
    assert rows[9].mandatory and rows[9].clause == "5.10"


def test_reading_stops_at_the_time_limit():
    with pytest.raises(ImportProblem) as caught:
        parse_docx(docx_with_long_table(250), limits=Limits(max_seconds=0))
    assert caught.value.code == "too_slow"
    with pytest.raises(ImportProblem) as caught:
        parse_xlsx(xlsx_with_merged_header(450), limits=Limits(max_seconds=0))
    assert caught.value.code == "too_slow" and caught.value.row == 200


def test_wrong_type_and_zip_bomb_are_refused_before_parsing():
    with pytest.raises(ImportProblem) as caught:
        parse_upload("tender.pdf", b"%PDF-1.7 ...", "technical")
    assert caught.value.code == "wrong_type"
    with pytest.raises(ImportProblem) as caught:
        parse_upload("tender.xlsx", b"not a zip at all", "technical")
    assert caught.value.code == "wrong_type"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    data = bomb.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(ImportProblem) as caught:
        parse_upload("tender.xlsx", data, "technical")
    assert caught.value.code == "too_large_unpacked"
    with pytest.raises(ImportProblem) as caught:
        parse_upload("big.xlsx", b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024), "technical")
    assert caught.value.code == "too_large"


def test_an_xlsx_of_100000_rows_is_refused_with_the_row():
    # Written as raw sheet XML (quick), without the <dimension> a workbook normally
    # declares: the row count is caught while reading, not only from the declaration.
    rows = "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c>'
        f'<c r="B{i}" t="inlineStr"><is><t>要求</t></is></c></row>'
        for i in range(1, 100_001)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(xlsx_with_merged_header()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            archive.writestr(info.filename, data)
    with pytest.raises(ImportProblem) as caught:
        parse_upload("big.xlsx", out.getvalue(), "technical")
    assert caught.value.code == "too_many_rows" and caught.value.row > 2000


def test_reimport_diff_matches_by_number():
    stored = [
        StoredRow(1, "1", "要求一", answered=True),
        StoredRow(2, "2", "要求二", answered=True),
        StoredRow(3, "3", "要求三"),
    ]
    new = parse_pasted("序号\t招标要求\n1\t要求一\n2\t要求二（修订）\n4\t要求四\n")
    diff = diff_import(stored, new)
    assert [o.id for o, _ in diff.unchanged] == [1]
    assert [o.id for o, _ in diff.changed] == [2]
    assert [r.number for r in diff.added] == ["4"]
    assert [r.id for r in diff.removed] == [3]
    # Full-width and half-width spellings of the same text are the same requirement text.
    same = diff_import([StoredRow(1, "1", "支持 2FA")], parse_pasted("1\t支持 ２ＦＡ\n"))
    assert len(same.unchanged) == 1


def _gate(id, mandatory, verdict, response="ok", accepted=False):
    return GateRow(id, str(id), f"r{id}", mandatory, verdict, response, accepted)


def test_gate_lists_rows_that_block_submission():
    rows = [
        _gate(1, True, "comply"),
        _gate(2, True, "open", ""),
        _gate(3, True, "deviate"),
        _gate(4, True, "partial", accepted=True),
        _gate(5, False, "open", ""),
        _gate(6, False, "deviate"),
        _gate(7, False, "comply", "  "),
    ]
    assert [(b.row.id, b.reason) for b in submission_blockers(rows)] == [
        (2, "mandatory_unanswered"),
        (3, "mandatory_deviation"),
        (5, "unanswered"),
        (7, "unanswered"),
    ]
    assert submission_blockers([]) == []


def test_deviation_rows_and_the_no_deviation_statement():
    reqs = [
        {"number": "1", "clause": "3.1", "text": "A", "kind": "technical", "verdict": "comply"},
        {
            "number": "2",
            "clause": "3.2",
            "text": "<b>",
            "kind": "technical",
            "verdict": "partial",
            "mandatory": True,
            "response": "r",
            "note": "n",
        },
        {"number": "3", "clause": "", "text": "C", "kind": "commercial", "verdict": "deviate"},
    ]
    technical = deviation_rows(reqs, "technical")
    assert [(r.position, r.clause, r.requirement) for r in technical] == [(1, "2 3.2", "★ <b>")]
    labels = dict(
        no="序号",
        clause="招标文件条目",
        requirement="招标要求",
        response="投标响应",
        deviation="偏离",
        note="说明",
        partial="部分偏离",
        deviate="偏离",
        none="无偏离",
    )
    html = deviation_table_html(technical, labels)
    assert "&lt;b&gt;" in html and "<b>" not in html and "部分偏离" in html
    assert deviation_table_html([], labels) == '<p class="no-deviation">无偏离</p>'


def test_mentions():
    assert mentioned_usernames("请 @zhao 和 @Liu. 看一下, mail a@b.com @zhao") == ["zhao", "liu"]


def test_search_terms_segment_chinese_and_fold_full_width():
    words = terms("投标人须提供７×２４小时原厂技术支持服务")
    assert "原厂" in words and "技术支持" in words and "24" in words
    assert terms("Two-Factor AUTHENTICATION") == ["two-factor", "authentication"]
