"""A realistic bilingual demo data set: accounts, 24 opportunities, decision chains, users.

Deterministic (seeded) and dated relative to today, so the demo always looks current.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from portal.accounts.models import Account
from portal.auth.models import User
from portal.deals.models import Opportunity, Stakeholder, TeamMember
from portal.extensions import db
from portal.seed import default_stages, load_reference_data
from portal.timeutil import today

DEMO_PASSWORD = "biddesk-demo"  # noqa: S105 (the demo logins, printed in the README)

USERS = [
    # username, display name, role, locale
    ("chen", "陈静 Chen Jing", "rep", "zh_CN"),
    ("wang", "王磊 Wang Lei", "rep", "zh_CN"),
    ("sarah", "Sarah Lim", "rep", "en"),
    ("zhao", "赵敏 Zhao Min", "presales", "zh_CN"),
    ("tom", "Tom Becker", "presales", "en"),
    ("liu", "刘洋 Liu Yang", "leader", "zh_CN"),
    ("admin", "System Admin", "admin", "en"),
]
DEMO_LOGINS = ("chen", "zhao", "liu", "admin")  # one per role, printed after loading

ACCOUNTS = [
    # name, industry, region, grade, decision mode, value scores (current, potential, relationship, strategic)
    ("华东电网信息通信公司", "能源 Energy", "上海 Shanghai", "A", "centralized", (8, 7, 7, 9)),
    ("江南城市银行", "金融 Banking", "杭州 Hangzhou", "B", "hybrid", (6, 8, 5, 6)),
    ("星海制造股份有限公司", "制造 Manufacturing", "苏州 Suzhou", "A", "distributed", (7, 9, 8, 7)),
    ("天府智慧医疗集团", "医疗 Healthcare", "成都 Chengdu", "B", "hybrid", (5, 7, 6, 8)),
    ("北岭市政务数据局", "政府 Public sector", "北岭 Beiling", "A", "centralized", (6, 6, 7, 9)),
    ("Nordvik Logistics AB", "Logistics 物流", "Gothenburg", "C", "distributed", (4, 6, 3, 4)),
    ("Meridian Retail Pte Ltd", "Retail 零售", "Singapore", "C", "centralized", (5, 5, 4, 5)),
    ("Aurora Telecom GmbH", "Telecom 电信", "Munich", "D", "hybrid", (3, 4, 2, 5)),
]

# account index, name, stage position, form, amount, currency, owner, presales, status, deadline in days
OPPORTUNITIES = [
    (
        0,
        "调度数据中心网络改造 Dispatch DC network refresh",
        3,
        "public_tender",
        "12800000",
        "CNY",
        "chen",
        "zhao",
        "open",
        12,
    ),
    (
        0,
        "变电站巡检AI平台 Substation inspection AI",
        1,
        "competitive_negotiation",
        "4600000",
        "CNY",
        "chen",
        "zhao",
        "open",
        75,
    ),
    (
        0,
        "全省营销系统云迁移 Marketing system cloud migration",
        0,
        "public_tender",
        "21000000",
        "CNY",
        "chen",
        None,
        "open",
        160,
    ),
    (
        1,
        "核心系统同城灾备 Core banking DR site",
        2,
        "public_tender",
        "9300000",
        "CNY",
        "wang",
        "zhao",
        "open",
        40,
    ),
    (
        1,
        "信用卡风控模型升级 Card risk model upgrade",
        1,
        "single_source",
        "2750000",
        "CNY",
        "wang",
        "zhao",
        "open",
        60,
    ),
    (
        1,
        "网点智能终端 Branch smart terminals",
        4,
        "inquiry",
        "1850000",
        "CNY",
        "wang",
        None,
        "won",
        -30,
    ),
    (
        2,
        "智能工厂MES二期 Smart factory MES phase 2",
        3,
        "competitive_negotiation",
        "7600000",
        "CNY",
        "chen",
        "zhao",
        "open",
        9,
    ),
    (
        2,
        "全球供应链可视化 Global supply-chain visibility",
        2,
        "competitive_negotiation",
        "5200000",
        "CNY",
        "chen",
        "tom",
        "open",
        35,
    ),
    (
        2,
        "设备预测性维护 Predictive maintenance pilot",
        0,
        "single_source",
        "980000",
        "CNY",
        "wang",
        None,
        "open",
        120,
    ),
    (
        3,
        "区域影像云平台 Regional imaging cloud",
        2,
        "public_tender",
        "15400000",
        "CNY",
        "wang",
        "zhao",
        "open",
        28,
    ),
    (
        3,
        "互联网医院二期 Online hospital phase 2",
        1,
        "competitive_negotiation",
        "3300000",
        "CNY",
        "wang",
        "zhao",
        "open",
        55,
    ),
    (
        3,
        "医保结算接口改造 Insurance settlement interface",
        3,
        "inquiry",
        "640000",
        "CNY",
        "chen",
        None,
        "lost",
        -12,
    ),
    (
        4,
        "城市大脑数据中台 City data platform",
        3,
        "public_tender",
        "26500000",
        "CNY",
        "chen",
        "zhao",
        "open",
        18,
    ),
    (
        4,
        "一网通办扩容 One-stop service expansion",
        2,
        "public_tender",
        "8800000",
        "CNY",
        "chen",
        "zhao",
        "open",
        45,
    ),
    (
        4,
        "政务外网安全加固 Government network hardening",
        4,
        "public_tender",
        "4100000",
        "CNY",
        "wang",
        "zhao",
        "won",
        -60,
    ),
    (
        4,
        "数据共享交换平台 Data-sharing exchange",
        0,
        "public_tender",
        "6000000",
        "CNY",
        "wang",
        None,
        "open",
        200,
    ),
    (
        5,
        "Warehouse robotics control tower",
        1,
        "competitive_negotiation",
        "1450000",
        "EUR",
        "sarah",
        "tom",
        "open",
        70,
    ),
    (
        5,
        "Fleet telematics renewal",
        3,
        "single_source",
        "620000",
        "EUR",
        "sarah",
        "tom",
        "open",
        15,
    ),
    (5, "Customs data integration", 0, "inquiry", "180000", "EUR", "sarah", None, "abandoned", 30),
    (
        6,
        "Omnichannel POS replacement",
        2,
        "competitive_negotiation",
        "2300000",
        "SGD",
        "sarah",
        "tom",
        "open",
        38,
    ),
    (6, "Store analytics pilot", 1, "single_source", "340000", "SGD", "sarah", "tom", "open", 90),
    (
        6,
        "Loyalty platform migration",
        4,
        "competitive_negotiation",
        "1100000",
        "SGD",
        "sarah",
        "tom",
        "won",
        -90,
    ),
    (
        7,
        "5G core network monitoring",
        2,
        "public_tender",
        "3900000",
        "EUR",
        "sarah",
        "tom",
        "open",
        50,
    ),
    (
        7,
        "Billing system modernisation",
        0,
        "competitive_negotiation",
        "7200000",
        "EUR",
        "sarah",
        None,
        "open",
        240,
    ),
    # Each of these shows disagreements between the bid's figures on purpose (its name says
    # which); every other demo opportunity with a proposal tells one consistent story.
    (
        2,
        "演示·不一致：报价偏离投标价、漏列对手 Demo mismatch: quote off the bid price, rival missing",
        3,
        "public_tender",
        "9800000",
        "CNY",
        "chen",
        "zhao",
        "open",
        20,
    ),
    (
        1,
        "演示·不一致：谈判目标与投标价脱节 Demo mismatch: negotiation goals vs the bid price",
        3,
        "competitive_negotiation",
        "5200000",
        "CNY",
        "wang",
        "zhao",
        "open",
        18,
    ),
    (
        3,
        "演示·不一致：审批过期、情景早于报价 Demo mismatch: stale approval, scenario older than quote",
        3,
        "public_tender",
        "7687500",
        "CNY",
        "wang",
        "zhao",
        "open",
        25,
    ),
    # The one demo opportunity whose decision chain is not covered, on purpose (its name
    # says how): no coach, no procurement contact, the head of IT against us, one recent
    # contact. Every other demo chain matches its opportunity's stage.
    (
        4,
        "演示·决策链缺口：无内线、技术把关人反对 Demo chain gap: no coach, opposing gatekeeper",
        2,
        "public_tender",
        "3600000",
        "CNY",
        "chen",
        "zhao",
        "open",
        35,
    ),
]
#: Prefix of the opportunity whose decision chain shows the coverage warnings.
CHAIN_GAP_PREFIX = "演示·决策链缺口"

ZH_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
ZH_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
]
EN_FIRST = [
    "Anna",
    "Erik",
    "Lars",
    "Maja",
    "Oliver",
    "Priya",
    "Daniel",
    "Mei",
    "Lukas",
    "Sofia",
    "Jonas",
    "Hannah",
]
EN_LAST = [
    "Berg",
    "Lindqvist",
    "Tan",
    "Schmidt",
    "Koh",
    "Weber",
    "Nilsson",
    "Lee",
    "Fischer",
    "Ong",
]

# title (zh, en), department (zh, en), MAP role, buying role, decision type, influence
CHAIN = [
    (
        ("分管副总", "Deputy General Manager"),
        ("总经理办公室", "Executive office"),
        "money",
        "economic",
        "final",
        5,
    ),
    (("财务总监", "CFO"), ("财务部", "Finance"), "money", "economic", "financial", 4),
    (
        ("采购经理", "Procurement Manager"),
        ("采购部", "Procurement"),
        "authority",
        None,
        "financial",
        3,
    ),
    (
        ("信息中心主任", "Head of IT"),
        ("信息中心", "IT department"),
        "product",
        "technical",
        "technical",
        4,
    ),
    (
        ("架构师", "Lead Architect"),
        ("信息中心", "IT department"),
        "product",
        "technical",
        "technical",
        3,
    ),
    (
        ("业务部门经理", "Business Unit Manager"),
        ("业务部", "Operations"),
        "product",
        "user",
        "user",
        3,
    ),
    (("项目主管", "Project Lead"), ("项目办", "PMO"), "product", "coach", None, 2),
]


def load_demo_data(reset: bool = False) -> list[tuple[str, str, str]]:
    """Load the demo set (idempotent: does nothing if it is there, unless `reset`).

    Returns the printed logins: (username, password, role) for one user per role.
    """
    load_reference_data()
    if reset:
        _delete_demo()
    if reset or db.session.scalars(select(User).where(User.username == "chen")).first() is None:
        _create()
    _mark_demo_loaded()
    db.session.commit()
    from portal.bid.summary import recompute_open_bids

    recompute_open_bids()  # the desk's first look shows each bid's position, not "recomputing"
    roles = {u: r for u, _n, r, _l in USERS}
    return [(u, DEMO_PASSWORD, roles[u]) for u in DEMO_LOGINS]


DEMO_SETTING = "demo_data_set"  # a portal_setting row the demo loader writes
_demo_seen: dict[int, bool] = {}  # data generation → whether the demo set is loaded


def demo_data_loaded() -> bool:
    """Whether this database holds the demo data set, so every page can say its figures are
    made up. Read once per data generation per process (the generation is read once a
    request anyway), not once a page."""
    from portal.bid.models import PortalSetting
    from portal.generation import data_generation

    generation = data_generation()
    if generation not in _demo_seen:
        _demo_seen.clear()
        _demo_seen[generation] = (
            db.session.scalars(
                select(PortalSetting.id).where(PortalSetting.key == DEMO_SETTING)
            ).first()
            is not None
        )
    return _demo_seen[generation]


def _mark_demo_loaded() -> None:
    from portal.bid.models import PortalSetting

    if db.session.scalars(select(PortalSetting).where(PortalSetting.key == DEMO_SETTING)).first():
        return
    db.session.add(PortalSetting(key=DEMO_SETTING, value="loaded"))


def _delete_demo() -> None:
    names = [a[0] for a in ACCOUNTS]
    account_ids = select(Account.id).where(Account.name.in_(names))
    opp_ids = select(Opportunity.id).where(Opportunity.account_id.in_(account_ids))
    db.session.execute(delete(Stakeholder).where(Stakeholder.opportunity_id.in_(opp_ids)))
    db.session.execute(delete(TeamMember).where(TeamMember.opportunity_id.in_(opp_ids)))
    db.session.execute(delete(Opportunity).where(Opportunity.id.in_(opp_ids)))
    db.session.execute(delete(Account).where(Account.name.in_(names)))
    # The demo users stay (their rows are reused by _create): the audit log refers to them
    # and is never deleted, not even by a reset.
    db.session.flush()


def _create() -> None:
    rng = random.Random(20261123)
    users = {}
    existing = {u.username: u for u in db.session.scalars(select(User))}
    for username, name, role, locale in USERS:
        user = existing.get(username) or User(username=username)
        user.display_name, user.role, user.locale, user.active = name, role, locale, True
        user.set_password(DEMO_PASSWORD)
        users[username] = user
        db.session.add(user)
    accounts = []
    for name, industry, region, grade, mode, values in ACCOUNTS:
        account = Account(
            name=name, industry=industry, region=region, grade=grade, decision_mode=mode
        )
        (
            account.value_current,
            account.value_potential,
            account.value_relationship,
            account.value_strategic,
        ) = values
        accounts.append(account)
        db.session.add(account)
    db.session.flush()

    stages = default_stages()
    start = today()
    for index, (
        acc,
        name,
        stage_pos,
        form,
        amount,
        currency,
        owner,
        presales,
        status,
        days,
    ) in enumerate(OPPORTUNITIES):
        account = accounts[acc]
        deadline = start + timedelta(days=days)
        opportunity = Opportunity(
            account=account,
            name=name,
            stage=stages[stage_pos],
            procurement_form=form,
            amount=Decimal(amount),
            currency=currency,
            bid_deadline=deadline,
            close_date=deadline + timedelta(days=30),
            owner=users[owner],
            presales=users[presales] if presales else None,
            status=status,
            status_reason={
                "lost": "价格分落后第一名3.2分 Lost on price points (3.2 behind the winner)",
                "abandoned": "Budget frozen by the customer's parent company",
            }.get(status, ""),
            updated_by=users[owner],
        )
        db.session.add(opportunity)
        if index % 4 == 0:  # some deals are worked by a second rep (the iron triangle)
            other = "wang" if owner == "chen" else "chen"
            if owner != "sarah":
                opportunity.team.append(TeamMember(user=users[other], team_role="fulfilment"))
        _add_chain(opportunity, rng, chinese=acc < 5, today_=start)
    db.session.flush()
    from portal.pricescore.demo import add_demo_scenarios

    add_demo_scenarios()
    from portal.negotiation.demo import create_demo as create_negotiation_demo

    create_negotiation_demo()

    from portal.workspace import demo as workspace_demo

    workspace_demo.create()
    from portal.drafts.demo import create_demo_proposals

    create_demo_proposals()
    from portal.bid.demo import link_demo_bids

    link_demo_bids()
    from portal.analytics import demo as analytics_demo

    analytics_demo.create()
    from portal.notifications.demo import create_demo_notifications

    create_demo_notifications()
    workspace_demo.align_judged_activities()


# How a covered chain looks (index into CHAIN → attitude): the economic buyer, procurement,
# the head of IT, the business unit and the coach support us; the CFO and the architect are
# neutral. Every MAP role has a supporter and there is a coach (article 000).
COVERED = {0: "supporter", 1: "neutral", 2: "supporter", 3: "supporter", 4: "neutral",
           5: "supporter", 6: "supporter"}  # fmt: skip
# Who is mapped by stage position: early on the economic buyer, procurement, the head of IT
# and a coach; from technical evaluation the architect and the business unit; from business
# evaluation the CFO too.
MAPPED_BY_STAGE = {0: (0, 2, 3, 6), 1: (0, 2, 3, 4, 5, 6)}
# The chain-gap opportunity: (index into CHAIN, attitude, days since the last contact).
CHAIN_GAP = ((0, "supporter", 6), (3, "opponent", 48), (4, "neutral", 52), (5, "neutral", 70))


def _add_chain(opportunity: Opportunity, rng: random.Random, chinese: bool, today_) -> None:
    """The opportunity's decision chain, telling the same story as the opportunity: covered
    for its stage (recent contacts, supporters in every MAP role, a coach), except the one
    whose name announces a chain gap. Names and contact days vary, attitudes do not."""
    if opportunity.name.startswith(CHAIN_GAP_PREFIX):
        people = CHAIN_GAP
    else:
        mapped = MAPPED_BY_STAGE.get(opportunity.stage.position, tuple(range(len(CHAIN))))
        people = tuple((i, COVERED[i], rng.randint(2, 20)) for i in mapped)
    for index, attitude, days in people:
        title, dept, map_role, buying_role, decision_type, influence = CHAIN[index]
        if chinese:
            name = (
                rng.choice(ZH_SURNAMES)
                + rng.choice(ZH_GIVEN)
                + (rng.choice(ZH_GIVEN) if rng.random() < 0.5 else "")
            )
            title_text, dept_text = title[0], dept[0]
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            title_text, dept_text = title[1], dept[1]
        opportunity.stakeholders.append(
            Stakeholder(
                name=name,
                title=title_text,
                department=dept_text,
                map_role=map_role,
                buying_role=buying_role,
                decision_type=decision_type,
                influence=influence,
                attitude=attitude,
                last_contact=today_ - timedelta(days=days),
            )
        )
