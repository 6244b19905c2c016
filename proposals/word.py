"""Word (.docx) export of a proposal with python-docx: real Word headings (Heading 1–3, so
Word builds its own table of contents), tables with a repeated header row, the quote,
the deviation tables and the requirement response, an East Asian font declared on every
style (w:eastAsia), and page numbers in the footer (a PAGE field).

Framework-free: the caller passes translated labels and plain values. Section text is
Markdown, converted block by block (headings, paragraphs, lists, bold/italic, code);
anything else (raw HTML, images) is dropped, as the sanitiser does for PDFs.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from proposals.documents import QuoteTable, format_money
from proposals.requirements import DeviationRow

EAST_ASIAN_FONT = "SimSun"  # 宋体: what Chinese tender documents are set in
LATIN_FONT = "Calibri"


@dataclass(frozen=True)
class ResponseRow:
    number: str
    requirement: str
    verdict: str  # already translated
    response: str  # Markdown
    mandatory: bool = False


@dataclass(frozen=True)
class WordProposal:
    title: str
    customer: str
    date: str
    version: str
    confidentiality: str
    language: str  # "zh_CN" | "en"
    sections: Sequence[tuple[str, str]] = ()  # (title, Markdown)
    quote_tables: Sequence[QuoteTable] = ()
    quote_heading: str = ""
    deviation_tables: Sequence[tuple[str, Sequence[DeviationRow]]] = ()  # (heading, rows)
    responses: Sequence[ResponseRow] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


def _declare_fonts(style) -> None:
    from docx.oxml.ns import qn

    style.font.name = LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
        if kind == "separate":
            number = OxmlElement("w:t")
            number.text = "1"
            run._r.append(number)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _table(document, headings: Sequence[str], rows: Sequence[Sequence[str]], widths=None):
    from docx.shared import Cm

    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    if widths:
        # Word reads the cell widths, LibreOffice the grid: set both.
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
    return table


def _inline(paragraph, children) -> None:
    bold = italic = False
    for token in children or ():
        if token.type == "strong_open":
            bold = True
        elif token.type == "strong_close":
            bold = False
        elif token.type == "em_open":
            italic = True
        elif token.type == "em_close":
            italic = False
        elif token.type in ("text", "code_inline"):
            run = paragraph.add_run(token.content)
            run.bold, run.italic = bold or None, italic or None
        elif token.type in ("softbreak", "hardbreak"):
            paragraph.add_run().add_break()


def add_markdown(document, text: str, base_level: int = 2) -> None:
    """Markdown blocks as Word paragraphs; Markdown headings nest under `base_level`."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table").disable(["html_block", "html_inline"])
    tokens = parser.parse(text)
    lists: list[str] = []
    pending_style = None
    table_rows: list[list[str]] | None = None
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            table_rows = []
            continue
        if table_rows is not None:
            if token.type == "tr_open":
                table_rows.append([])
            elif token.type == "inline" and table_rows:
                table_rows[-1].append(token.content)
            elif token.type == "table_close":
                if table_rows and table_rows[0]:
                    width = len(table_rows[0])
                    body = [(r + [""] * width)[:width] for r in table_rows[1:]]
                    _table(document, table_rows[0], body)
                table_rows = None
            continue
        if token.type == "bullet_list_open":
            lists.append("List Bullet")
        elif token.type == "ordered_list_open":
            lists.append("List Number")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            level = min(base_level + int(token.tag[1]), 9)
            pending_style = f"Heading {min(level, 3)}"
        elif token.type == "inline":
            parent = tokens[index - 1].type if index else ""
            if parent == "heading_open":
                paragraph = document.add_paragraph(style=pending_style)
            elif lists:
                paragraph = document.add_paragraph(style=lists[-1])
            else:
                paragraph = document.add_paragraph()
            _inline(paragraph, token.children)
        elif token.type in ("fence", "code_block"):
            document.add_paragraph(token.content.rstrip("\n"))


def write_docx(proposal: WordProposal) -> bytes:
    import docx
    from docx.shared import Pt

    labels = proposal.labels
    document = docx.Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        _declare_fonts(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)
    lang = "zh-CN" if proposal.language == "zh_CN" else "en-US"
    core = document.core_properties
    core.title = proposal.title
    core.language = lang
    for section in document.sections:
        _page_number_footer(section)

    document.add_paragraph(proposal.title, style="Title")
    for line in (
        proposal.customer,
        f"{proposal.version} · {proposal.date}",
        proposal.confidentiality,
    ):
        if line:
            document.add_paragraph(line)

    for number, (title, body) in enumerate(proposal.sections, start=1):
        document.add_heading(f"{number}. {title}", level=1)
        add_markdown(document, body)

    if proposal.quote_tables:
        document.add_heading(proposal.quote_heading, level=1)
        for table in proposal.quote_tables:
            mark = f" ({labels.get('recommended', '')})" if table.recommended else ""
            document.add_heading(table.title + mark, level=2)
            rows = []
            group = None
            for line in table.lines:
                if line.group != group:
                    group = line.group
                    rows.append([group, "", "", ""])
                rows.append(
                    [
                        line.description,
                        _quantity(line.quantity),
                        format_money(line.unit_price, table.currency),
                        format_money(line.amount, table.currency),
                    ]
                )
            for label, amount in table.subtotals:
                rows.append([label, "", "", format_money(amount, table.currency)])
            rows.append([table.total_label, "", "", format_money(table.total, table.currency)])
            _table(
                document,
                [labels["description"], labels["quantity"], labels["unit_price"], labels["amount"]],
                rows,
                widths=(7.5, 2.0, 3.5, 3.5),
            )
            if table.note:
                document.add_paragraph(table.note)

    for heading, rows in proposal.deviation_tables:
        document.add_heading(heading, level=1)
        if not rows:
            document.add_paragraph(labels["none"])
            continue
        _table(
            document,
            [labels[k] for k in ("no", "clause", "requirement", "response", "deviation", "note")],
            [
                [str(r.position), r.clause, r.requirement, r.response, labels[r.verdict], r.note]
                for r in rows
            ],
            widths=(1.1, 2.2, 4.4, 4.4, 1.6, 2.8),
        )

    if proposal.responses:
        document.add_heading(labels["responses"], level=1)
        _table(
            document,
            [labels["no"], labels["requirement"], labels["verdict"], labels["response"]],
            [
                [
                    r.number,
                    ("★ " if r.mandatory else "") + r.requirement,
                    r.verdict,
                    r.response,
                ]
                for r in proposal.responses
            ],
            widths=(1.3, 6.2, 2.0, 7.0),
        )

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _quantity(value: Decimal) -> str:
    value = Decimal(value)
    return format(value.normalize(), "f") if value == value.to_integral() else f"{value:.4f}"
