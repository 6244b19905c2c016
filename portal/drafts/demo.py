"""Demo proposals and library blocks (bilingual), added to the portal's demo data set."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from portal.auth.models import User
from portal.deals.models import Opportunity
from portal.drafts.models import (
    Approval,
    LibraryBlock,
    Proposal,
    ProposalComment,
    ProposalLine,
    ProposalOption,
    ProposalRevision,
    ProposalSection,
    SectionBlockUse,
)
from portal.drafts.workflow import reasons_as_json, section_title, snapshot
from portal.extensions import db
from portal.timeutil import today
from proposals.drafting import DEFAULT_SECTION_KINDS
from proposals.pricing import (
    DEFAULT_APPROVAL_RULES,
    quote_fingerprint,
    quote_totals,
    required_approver_for_quote,
)

BLOCKS = [
    # title, tags, language, body, owner, days since review
    (
        "电力行业案例：省级调度数据中心",
        "案例,电力,数据中心",
        "zh_CN",
        "**客户**：某省电力调度控制中心\n\n- 两地三中心架构，核心网络零中断割接\n- 故障定位时间由 4 小时缩短到 **20 分钟**\n- 年运维成本下降约 18%\n\n客户信息中心主任可接受同行电话回访。",
        "zhao",
        40,
    ),
    (
        "等保三级合规说明",
        "安全,合规,等保",
        "zh_CN",
        "方案满足网络安全等级保护 2.0 第三级要求：\n\n| 领域 | 措施 |\n|---|---|\n| 安全通信网络 | 链路加密、冗余设计 |\n| 安全区域边界 | 下一代防火墙、入侵防护 |\n| 安全管理中心 | 集中审计、统一运维 |",
        "zhao",
        250,
    ),
    (
        "分阶段实施与风险控制",
        "实施,风险",
        "zh_CN",
        "1. **试点阶段**（4 周）：选择一个业务域验证方案\n2. **推广阶段**（8 周）：按业务优先级分批上线\n3. **优化阶段**（持续）：按季度评审指标\n\n每阶段设置验收门槛，未达标不进入下一阶段。",
        "zhao",
        90,
    ),
    (
        "Case study: regional logistics network",
        "case,logistics",
        "en",
        "**Customer**: a Nordic third-party logistics provider (40 warehouses)\n\n- Dock-to-stock time down **27%** in six months\n- Payback in 14 months\n- Reference call available with their COO",
        "tom",
        30,
    ),
    (
        "Phased rollout and exit terms",
        "risk,implementation",
        "en",
        "We start with one site as a paid pilot. If the agreed KPIs are not met after 90 days, the customer may exit with the pilot fee refunded less hardware.",
        "tom",
        200,
    ),
    (
        "Value and ROI method",
        "value,roi",
        "en",
        "We quantify value in four lines: cost saved, time saved, revenue protected and risk avoided. Every figure names its source and the customer signs off the baseline.",
        "tom",
        10,
    ),
]

# opportunity name prefix, title, language, currency, presales, status, sections text, options
PROPOSALS = [
    (
        "调度数据中心网络改造",
        "调度数据中心网络改造技术与商务方案",
        "zh_CN",
        "CNY",
        "zhao",
        "in_review",
        {
            "executive_summary": "贵中心计划在 2027 年汛期前完成调度数据中心核心网络改造。本方案以**零中断割接**为前提，三年总拥有成本比现状降低约 18%。",
            "customer_needs": "- 现网设备 2014 年投运，已过厂商服务期\n- 汛期调度业务对网络可用性要求 99.99%\n- 运维人员 6 人，夜间故障响应慢",
            "proposed_solution": "采用两地三中心 Spine-Leaf 架构，核心层双活，配合统一运维平台实现分钟级故障定位。",
            "value_roi": "| 指标 | 现状 | 改造后 |\n|---|---|---|\n| 故障定位 | 4 小时 | 20 分钟 |\n| 年运维成本 | 260 万 | 213 万 |\n\n投资回收期约 3.2 年。",
        },
        [
            (
                "标准版",
                False,
                3,
                [
                    ("solution", "核心交换机（双活）", "8", "420000", "320000", "8"),
                    ("solution", "汇聚与接入交换机", "30", "52000", "41000", "8"),
                    ("services", "割接实施与培训", "1", "980000", "760000", "0"),
                    ("maintenance", "原厂维保（每年）", "1", "420000", "200000", "5"),
                ],
            ),
            (
                "高级版",
                True,
                3,
                # Contract value 11,400,000.00 = the bid price of the official scenario;
                # contract cost 9,000,000.00 = its "our cost" (margin 21.1 %: a leader approves).
                [
                    ("solution", "核心交换机（双活）", "12", "420000", "320000", "10"),
                    ("solution", "统一运维平台", "1", "2600000", "1900000", "12"),
                    ("solution", "汇聚与接入交换机", "40", "52000", "41000", "10"),
                    ("services", "割接实施与培训", "1", "1204900", "900000", "0"),
                    ("maintenance", "原厂维保（每年）", "1", "526000", "240000", "5"),
                ],
            ),
            (
                "旗舰版",
                False,
                5,
                [
                    ("solution", "核心交换机（双活）", "14", "420000", "320000", "10"),
                    ("solution", "统一运维平台", "1", "2600000", "1900000", "12"),
                    ("solution", "汇聚与接入交换机", "48", "52000", "41000", "10"),
                    ("services", "驻场运维 12 个月", "1", "1900000", "1350000", "0"),
                    ("maintenance", "原厂维保（每年）", "1", "560000", "250000", "8"),
                ],
            ),
        ],
    ),
    (
        "智能工厂MES二期",
        "智能工厂 MES 二期建设方案",
        "zh_CN",
        "CNY",
        "zhao",
        "draft",
        {
            "executive_summary": "二期覆盖总装与涂装两个车间，目标将在制品周转天数由 6.5 天降至 4 天。",
            "implementation_plan": "- 第 1–4 周：蓝图设计\n- 第 5–12 周：开发与集成\n- 第 13–16 周：试运行与上线",
        },
        [
            (
                "基础方案",
                True,
                2,
                # Contract value 7,100,000.00 = the bid price of the official scenario.
                [
                    ("solution", "MES 平台许可（车间）", "4", "1050000", "470000", "5"),
                    ("services", "实施与培训", "1", "2410000", "1640000", "0"),
                    ("maintenance", "运维支持（每年）", "1", "350000", "130000", "0"),
                ],
            ),
            (
                "增强方案",
                False,
                2,
                [
                    ("solution", "MES 平台许可（车间）", "4", "1050000", "470000", "5"),
                    ("solution", "质量追溯模块", "1", "460000", "180000", "5"),
                    ("services", "实施与培训", "1", "2600000", "1760000", "0"),
                    ("maintenance", "运维支持（每年）", "1", "390000", "140000", "0"),
                ],
            ),
        ],
    ),
    (
        "Fleet telematics renewal",
        "Fleet telematics renewal — proposal",
        "en",
        "EUR",
        "tom",
        "submitted",
        {
            "executive_summary": "Renewing the telematics platform for 620 vehicles keeps route data flowing without a gap and cuts fuel cost by an estimated **6%** a year.",
            "customer_needs": "- Current contract ends in Q1\n- Dispatch wants live ETAs in the customer portal\n- Finance asks for a fixed price per vehicle",
            "commercial_terms": "Prices in EUR excluding VAT, valid 60 days. Payment: 30% on signing, 70% on go-live.",
        },
        [
            (
                "Essential",
                True,
                3,
                # Contract value 585,000.00 EUR = the bid price of the official scenario.
                [
                    (
                        "solution",
                        "Telematics unit and licence, per vehicle",
                        "620",
                        "520",
                        "300",
                        "5",
                    ),
                    ("services", "Installation and training", "1", "48080", "31000", "0"),
                    ("maintenance", "Platform and support, per year", "620", "124", "40", "0"),
                ],
            ),
        ],
    ),
    (
        "演示·不一致：报价偏离投标价",
        "产线数据平台技术与商务方案",
        "zh_CN",
        "CNY",
        "zhao",
        "draft",
        {
            "executive_summary": "演示数据：官方情景的投标价为980万元，报价选项只有950万元，两者相差3.1%，超出容差。",
        },
        [
            (
                "标准方案",
                True,
                3,
                [
                    ("solution", "数据平台许可", "1", "5600000", "3600000", "5"),
                    ("services", "实施与培训", "1", "2380000", "1700000", "0"),
                    ("maintenance", "运维支持（每年）", "1", "600000", "250000", "0"),
                ],
            ),
        ],
    ),
    (
        "演示·不一致：谈判目标与投标价脱节",
        "柜面系统升级方案",
        "zh_CN",
        "CNY",
        "zhao",
        "draft",
        {
            "executive_summary": "演示数据：报价与投标价一致（520万元），但谈判目标、底线和BATNA与之脱节。",
        },
        [
            (
                "标准方案",
                True,
                2,
                [
                    ("solution", "柜面平台许可", "1", "3000000", "1800000", "0"),
                    ("services", "实施与培训", "1", "1400000", "900000", "0"),
                    ("maintenance", "运维支持（每年）", "1", "400000", "150000", "0"),
                ],
            ),
        ],
    ),
    (
        "演示·不一致：审批过期",
        "影像归档系统方案",
        "zh_CN",
        "CNY",
        "zhao",
        "draft",
        {
            "executive_summary": "演示数据：审批是针对旧报价给出的，之后折扣又改了；官方情景也早于这次报价修改。",
        },
        [
            (
                "标准方案",
                True,
                3,
                # Approved at a 20 % discount on the licence; it was raised to 25 % after.
                [
                    ("solution", "影像归档许可", "1", "6250000", "3900000", "25"),
                    ("services", "实施与培训", "1", "1380000", "1100000", "0"),
                    ("maintenance", "运维支持（每年）", "1", "540000", "200000", "0"),
                ],
            ),
        ],
    ),
]


def create_demo_proposals() -> None:
    users = {u.username: u for u in db.session.scalars(select(User))}
    owner_of = {"zhao": users.get("zhao"), "tom": users.get("tom")}
    start = today()
    # A demo reset keeps the demo users: replace the demo blocks (theirs, or ownerless ones
    # left by an older reset that deleted the users).
    demo_owners = [u.id for u in owner_of.values() if u is not None and u.id is not None]
    db.session.execute(
        delete(LibraryBlock).where(
            LibraryBlock.title.in_([b[0] for b in BLOCKS]),
            LibraryBlock.owner_id.is_(None) | LibraryBlock.owner_id.in_(demo_owners),
        )
    )
    blocks = []
    for title, tags, language, body, owner, days in BLOCKS:
        block = LibraryBlock(
            title=title,
            tags=tags,
            language=language,
            body=body + "\n",
            owner=owner_of[owner],
            last_reviewed=start - timedelta(days=days),
        )
        db.session.add(block)
        blocks.append(block)
    db.session.flush()

    for prefix, title, language, currency, presales, status, texts, options in PROPOSALS:
        opportunity = db.session.scalars(
            select(Opportunity).where(Opportunity.name.startswith(prefix))
        ).first()
        if opportunity is None:
            continue
        author = users[presales]
        proposal = Proposal(
            opportunity=opportunity,
            title=title,
            language=language,
            currency=currency,
            status=status,
            created_by=author,
            updated_by=author,
        )
        db.session.add(proposal)
        for position, kind in enumerate(DEFAULT_SECTION_KINDS):
            proposal.sections.append(
                ProposalSection(
                    position=position,
                    kind=kind,
                    title=section_title(kind, language),
                    body=texts.get(kind, ""),
                    updated_by=author,
                )
            )
        for position, (name, recommended, years, lines) in enumerate(options):
            option = ProposalOption(
                position=position, name=name, recommended=recommended, maintenance_years=years
            )
            proposal.options.append(option)
            for line_position, (part, description, qty, price, cost, discount) in enumerate(lines):
                option.lines.append(
                    ProposalLine(
                        position=line_position,
                        part=part,
                        description=description,
                        quantity=Decimal(qty),
                        unit_price=Decimal(price),
                        unit_cost=Decimal(cost),
                        discount_pct=Decimal(discount),
                    )
                )
        db.session.flush()
        case_block = next(
            (
                b
                for b in blocks
                if b.language == language
                and ("case" in b.tags.split(",") or "案例" in b.tags.split(","))
            ),
            None,
        )
        cases = next(s for s in proposal.sections if s.kind == "customer_cases")
        if case_block is not None:
            cases.body = case_block.body
            cases.block_uses.append(
                SectionBlockUse(
                    block=case_block, block_version=case_block.version, inserted_by_id=author.id
                )
            )
        db.session.flush()
        domain = proposal.quote_options()
        fingerprint = quote_fingerprint(domain)
        if status in ("in_review", "submitted"):
            db.session.add(
                ProposalRevision(
                    proposal=proposal,
                    opportunity_id=opportunity.id,
                    number=1,
                    kind="submitted" if status == "submitted" else "version",
                    note=""
                    if status == "submitted"
                    else ("客户研讨会后" if language == "zh_CN" else "after workshop"),
                    snapshot=snapshot(proposal, proposal.options),
                    fingerprint=fingerprint,
                    created_by=author,
                )
            )
        if status == "in_review":
            decision = required_approver_for_quote(quote_totals(domain), DEFAULT_APPROVAL_RULES)
            if decision.needs_approval:
                db.session.add(
                    Approval(
                        proposal=proposal,
                        opportunity_id=opportunity.id,
                        required_role=decision.required_role,
                        fingerprint=fingerprint,
                        reasons=reasons_as_json(decision),
                        requested_by=author,
                    )
                )
        db.session.add(
            ProposalComment(
                proposal=proposal,
                opportunity_id=opportunity.id,
                author=opportunity.owner,
                body="客户更关注割接风险和汛期保障，摘要里请前置。"
                if language == "zh_CN"
                else "Their CFO will read only the first page: lead with the fuel saving.",
            )
        )
    db.session.flush()
