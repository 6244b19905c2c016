"""Reading bidder tables out of pasted award notices (中标结果公告 / 中标候选人公示 /
English award notices)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from proposals.award_notice import amount, chinese_ordinal, fold, parse_notice

D = Decimal

CN_SCORED_TABLE = """某市人民医院信息化建设项目中标候选人公示
项目编号：SZCG-2026-0412
一、中标候选人情况
排名\t投标人名称\t投标报价（万元）\t技术分\t价格分\t综合得分
1\t华信科技股份有限公司\t３８６．５０\t５８．２０\t２８．９０\t８７．１０
2\t北京云岭软件有限公司\t402.80\t57.00\t27.70\t84.70
3\t东方数智集团有限公司\t365.00\t49.50\t30.00\t79.50
二、公示期：2026年11月20日至2026年11月23日
"""

CN_CANDIDATE_BLOCKS = """中标结果公告
一、项目名称：智慧园区平台采购
二、中标信息
第一中标候选人：华信科技股份有限公司，投标报价：人民币３，８６５，０００．００元（大写：叁佰捌拾陆万伍仟元整）
第二中标候选人：北京云岭软件有限公司  投标报价：402.8万元
第三中标候选人：东方数智集团有限公司；投标报价：365万元；综合得分：79.5
"""

EN_SCORED_TABLE = """Contract Award Notice
Tender No. HK-IT-2026-07
| Rank | Bidder | Bid price (CNY) | Technical score | Price score | Total |
|---|---|---|---|---|---|
| 1st | Acme Systems Co., Ltd. | 3,865,000.00 | 58.20 | 28.90 | 87.10 |
| 2nd | Northwind Software Ltd | 4,028,000.00 | 57.00 | 27.70 | 84.70 |
"""

EN_UNSCORED_BLOCKS = """AWARD NOTICE
Winning bidder: Acme Systems Co., Ltd.
Bid price: CNY 3,865,000.00
Second ranked bidder: Northwind Software Ltd
Bid price: RMB 4,028,000
"""


def test_a_chinese_scored_table_with_full_width_digits_in_wan_yuan():
    notice = parse_notice(CN_SCORED_TABLE)
    assert notice.ok and notice.has_scores and notice.unit == "wan"
    assert [(r.rank, r.name, r.price) for r in notice.rows] == [
        (1, "华信科技股份有限公司", D("3865000.00")),
        (2, "北京云岭软件有限公司", D("4028000.00")),
        (3, "东方数智集团有限公司", D("3650000.00")),
    ]
    first = notice.rows[0]
    assert (first.tech_score, first.price_score, first.total_score) == (
        D("58.20"),
        D("28.90"),
        D("87.10"),
    )
    assert notice.warnings == []


def test_chinese_candidate_blocks_without_scores_mix_yuan_and_wan_yuan():
    notice = parse_notice(CN_CANDIDATE_BLOCKS)
    assert [(r.rank, r.name, r.price) for r in notice.rows] == [
        (1, "华信科技股份有限公司", D("3865000.00")),  # the 大写 amount is not read
        (2, "北京云岭软件有限公司", D("4028000.00")),
        (3, "东方数智集团有限公司", D("3650000.00")),
    ]
    assert notice.rows[2].total_score == D("79.5") and notice.rows[0].total_score is None


def test_an_english_scored_table_with_bars_and_ordinal_ranks():
    notice = parse_notice(EN_SCORED_TABLE)
    assert [(r.rank, r.name, r.price, r.total_score) for r in notice.rows] == [
        (1, "Acme Systems Co., Ltd.", D("3865000.00"), D("87.10")),
        (2, "Northwind Software Ltd", D("4028000.00"), D("84.70")),
    ]
    assert notice.unit == "yuan" and notice.warnings == []


def test_english_blocks_without_scores():
    notice = parse_notice(EN_UNSCORED_BLOCKS)
    assert [(r.rank, r.name, r.price) for r in notice.rows] == [
        (1, "Acme Systems Co., Ltd.", D("3865000.00")),
        (2, "Northwind Software Ltd", D("4028000.00")),
    ]
    assert not notice.has_scores


def test_cells_split_by_runs_of_spaces_keep_a_name_with_spaces_whole():
    text = (
        "投标人        报价（元）        得分\n"
        "甲公司        1,200,000        88.5\n"
        "乙 公司  有限        1,250,000        85\n"
    )
    notice = parse_notice(text)
    assert [(r.name, r.price, r.total_score) for r in notice.rows] == [
        ("甲公司", D("1200000.00"), D("88.5")),
        ("乙 公司 有限", D("1250000.00"), D("85")),
    ]


def test_a_government_result_notice_naming_one_supplier_and_the_award_value():
    text = (
        "一、项目编号：DDZX-2026-118\n"
        "采购单位名称：某市调度中心\n"
        "二、项目名称：调度数据中心网络改造\n"
        "三、中标（成交）信息\n"
        "供应商名称：联创网络股份有限公司\n"
        "供应商地址：北京市海淀区中关村大街1号\n"
        "中标（成交）金额：１１２０．０００００００（万元）\n"
    )
    notice = parse_notice(text)
    assert [(r.rank, r.name, r.price) for r in notice.rows] == [
        (1, "联创网络股份有限公司", D("11200000.00"))
    ]
    assert notice.unit == "wan" and notice.warnings == []


def test_a_unit_written_in_the_cell_wins_over_the_column():
    notice = parse_notice("Bidder\tPrice (CNY)\nAcme\t386.5万元\nBeta\t3,900,000\n")
    assert [r.price for r in notice.rows] == [D("3865000.00"), D("3900000.00")]


def test_no_unit_stated_is_said():
    notice = parse_notice("Bidder | Price | Total\nAcme | 3865000 | 87.1\n")
    assert notice.rows[0].price == D("3865000.00")
    assert [w.code for w in notice.warnings] == ["unit_assumed"]


def test_points_that_do_not_add_up_are_flagged_on_their_line():
    text = "排名\t投标人\t报价（元）\t技术分\t价格分\t总分\n1\t甲公司\t100\t50\t30\t85\n"
    notice = parse_notice(text)
    assert [(w.code, w.line, w.detail) for w in notice.warnings] == [
        ("total_mismatch", 2, "甲公司")
    ]


def test_an_unreadable_row_is_reported_and_the_others_kept():
    text = "Bidder\tPrice (CNY)\nAcme\t100\n\t\nBeta\tn/a\nGamma\t300\n"
    notice = parse_notice(text)
    assert [r.name for r in notice.rows] == ["Acme", "Gamma"]
    assert ("unreadable", 4) in [(w.code, w.line) for w in notice.warnings]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        "Thank you for your interest.",
        "项目名称：某某项目\n公示期：三个工作日",
        "1 2 3\n4 5 6",
    ],
)
def test_bad_text_gives_no_rows_and_a_reason(text):
    notice = parse_notice(text)
    assert not notice.ok
    assert notice.warnings and notice.warnings[-1].code in ("empty", "no_rows")


def test_absurd_figures_are_no_price_and_never_an_error():
    notice = parse_notice("第一中标候选人：甲公司\n投标报价：" + "9" * 40 + "万元\n")
    assert notice.rows[0].price is None
    assert [w.code for w in notice.warnings] == ["no_price"]


def test_any_text_is_read_without_an_error():
    import random

    rng = random.Random(7)
    alphabet = "中标候选人投标报价万元第一名称得分：:，,|\t\n 0123456789.-abcCNY元"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        parse_notice(text)  # returns rows and warnings, never raises


def test_helpers():
    assert fold("１２３，４５６．７８　元") == "123,456.78 元"
    assert amount("¥1,234.5") == (D("1234.50"), "yuan")
    assert amount("12.5 万元") == (D("125000.00"), "wan")
    assert amount("386.5", "wan") == (D("3865000.00"), "")
    assert amount("none") == (None, "")
    assert [
        chinese_ordinal(x) for x in ("第一中标候选人", "第2名", "十二", "3rd", "second", "x")
    ] == [
        1,
        2,
        12,
        3,
        2,
        None,
    ]
