"""Sample documents for the PDF pipeline: the demo, the tests and bench/bench_pdf.py.

`sample_document(...)` builds a proposal in Chinese or English (or both mixed) with as many
sections and quote lines as asked, so a test or benchmark can size it.
"""

from __future__ import annotations

from decimal import Decimal

from proposals.documents import Document, DocumentSection, QuoteLine, QuoteTable

ZH_PARAGRAPH = (
    "本方案面向华东区域数据中心的整体升级，覆盖计算、存储与网络三大部分。我们在过去三年中为"
    "同行业客户交付了十二个类似项目，平均上线周期缩短百分之二十八，运维成本下降百分之十五。"
    "方案采用分阶段实施：第一阶段完成核心系统迁移，第二阶段扩展灾备能力，第三阶段优化运维流程。"
)
EN_PARAGRAPH = (
    "This proposal covers the upgrade of the East China data centre across compute, storage "
    "and networking. Over the past three years we delivered twelve comparable projects in the "
    "sector, cutting time to go-live by 28% on average and operating costs by 15%. Delivery is "
    "phased: core systems migrate first, disaster recovery follows, operations are tuned last."
)
SECTION_TITLES = {
    "zh": [
        "执行摘要",
        "客户需求理解",
        "解决方案概述",
        "技术架构",
        "实施计划",
        "项目团队",
        "服务与支持",
        "风险与应对",
        "成功案例",
        "商务条款",
    ],
    "en": [
        "Executive summary",
        "Our understanding of your needs",
        "Solution overview",
        "Technical architecture",
        "Implementation plan",
        "Project team",
        "Service and support",
        "Risks and mitigations",
        "References",
        "Commercial terms",
    ],
}
GROUPS = {
    "zh": ["硬件", "软件许可", "实施服务", "培训", "运维服务"],
    "en": [
        "Hardware",
        "Software licences",
        "Implementation services",
        "Training",
        "Managed services",
    ],
}


def _paragraphs(language: str, count: int) -> str:
    text = {"zh": ZH_PARAGRAPH, "en": EN_PARAGRAPH}
    if language == "mixed":
        return "".join(f"<p>{ZH_PARAGRAPH}</p><p>{EN_PARAGRAPH}</p>" for _ in range(count))
    return "".join(f"<p>{text[language]}</p>" for _ in range(count))


def sample_quote(
    language: str, rows: int, title: str, total_label: str, recommended: bool = False, seed: int = 1
) -> QuoteTable:
    lang = "zh" if language == "zh" else "en"
    lines = []
    for i in range(rows):
        quantity = Decimal(1 + (i * seed) % 7)
        unit = Decimal(1200 + (i * 37 * seed) % 9000) + Decimal("0.50")
        group = GROUPS[lang][(i * len(GROUPS[lang])) // max(rows, 1)]
        name = (
            f"项目 {i + 1}：服务器节点配置"
            if lang == "zh"
            else f"Item {i + 1}: server node configuration"
        )
        lines.append(QuoteLine(name, quantity, unit, quantity * unit, group))
    total = sum((line.amount for line in lines), Decimal("0"))
    tco_label = "五年总拥有成本" if lang == "zh" else f"{total_label} — 5-year TCO"
    if lang == "zh":
        tco_label = f"{total_label}（五年总拥有成本）"
    return QuoteTable(
        title,
        tuple(lines),
        total,
        total_label,
        "CNY",
        recommended,
        tco=total * Decimal("1.6"),
        tco_label=tco_label,
    )


def sample_document(
    language: str = "en",
    sections: int = 6,
    paragraphs: int = 4,
    quotes: int = 2,
    rows: int = 12,
    internal: bool = False,
) -> Document:
    """`language`: en, zh or mixed (sections alternate, paragraphs in both)."""
    doc_sections = []
    for i in range(sections):
        lang = language if language != "mixed" else ("zh" if i % 2 == 0 else "en")
        title = SECTION_TITLES[lang][i % len(SECTION_TITLES[lang])]
        if i >= len(SECTION_TITLES[lang]):
            title = f"{title} {i // len(SECTION_TITLES[lang]) + 1}"
        body = _paragraphs(language if language == "mixed" else lang, paragraphs)
        doc_sections.append(DocumentSection(title, f"{body}"))
    zh = language == "zh"
    tables = []
    for q in range(quotes):
        letter = "ABCDEFGH"[q % 8]
        title = f"方案{letter}" if zh else f"Option {letter}"
        label = f"方案{letter}合计" if zh else f"Total, option {letter}"
        tables.append(
            sample_quote("zh" if zh else "en", rows, title, label, recommended=q == 0, seed=q + 1)
        )
    return Document(
        title="华东数据中心升级项目建议书" if zh else "East China Data Centre Upgrade Proposal",
        customer="华东电力集团有限公司" if zh else "East China Power Group Co., Ltd.",
        date="2026-11-20",
        version="v3",
        confidentiality="商业机密" if zh else "Commercial in confidence",
        language="zh" if zh else "en",
        sections=tuple(doc_sections),
        quote_tables=tuple(tables),
        internal=internal,
        subtitle="计算、存储与网络整体方案" if zh else "Compute, storage and network",
    )
