"""The Word export without an app: headings, Markdown blocks, tables, fonts, page numbers."""

from __future__ import annotations

import io

import docx

from proposals.requirements import DeviationRow
from proposals.word import ResponseRow, WordProposal, write_docx

LABELS = {
    "no": "序号",
    "clause": "招标文件条目",
    "requirement": "招标要求",
    "response": "投标响应",
    "deviation": "偏离",
    "note": "说明",
    "partial": "部分偏离",
    "deviate": "偏离",
    "none": "无偏离。",
    "responses": "需求逐条应答",
    "verdict": "响应结论",
}


def test_markdown_sections_tables_and_deviations():
    data = write_docx(
        WordProposal(
            title="调度中心投标",
            customer="华东电网",
            date="2026-11-30",
            version="v1",
            confidentiality="保密",
            language="zh_CN",
            sections=[
                (
                    "价值",
                    "## 收益\n\n- 故障定位 **20 分钟**\n\n"
                    "| 指标 | 现状 |\n|---|---|\n| 停机 | 4 小时 |\n",
                ),
            ],
            deviation_tables=[
                ("技术偏离表", [DeviationRow(1, "3.1", "可用性99.99%", "99.95%", "partial", "")]),
                ("商务偏离表", []),
            ],
            responses=[ResponseRow("1", "可用性99.99%", "部分满足", "99.95%", True)],
            labels=LABELS,
        )
    )
    document = docx.Document(io.BytesIO(data))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "1. 价值") in styles and ("Heading 3", "收益") in styles
    assert ("List Bullet", "故障定位 20 分钟") in styles
    assert ("Normal", "无偏离。") in styles
    first_cells = [t.rows[0].cells[0].text for t in document.tables]
    assert first_cells == ["指标", "序号", "序号"]
    assert document.tables[0].rows[1].cells[1].text == "4 小时"
    assert any(r.bold for p in document.paragraphs for r in p.runs if r.text == "20 分钟")
    assert 'w:eastAsia="SimSun"' in document.styles.element.xml
