"""Demo price-score scenarios (bilingual names), their rivals and which one is official.

Each scenario names its rivals: shared competitor records that join the opportunity's
competition matrix, so the matrix, the scenarios, the negotiation sheet and objections
speak of the same companies. `link` names the quote option (of the opportunity's
proposal) that carries the official bid; portal.bid.demo links it once the proposals
exist and, where `chosen` is None, takes the bid price from that option.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.bid.service import add_rival, competitor_named
from portal.deals.models import Opportunity
from portal.extensions import db
from portal.pricescore.models import DEFAULT_RULES, PriceCompetitor, PriceScenario

D = Decimal

DISPATCH_FIELD = [
    # name, price low / likely / high, technical low / likely / high
    ("联创网络 Lianchuang Networks", (10_600_000, 11_200_000, 11_900_000), (58, 61, 64)),
    ("远景科技 Yuanjing Tech", (9_900_000, 10_500_000, 11_300_000), (52, 55, 58)),
    ("海川信息 Haichuan IT", (11_600_000, 12_100_000, 12_600_000), (62, 65, 67)),
]

CITY_FIELD = [
    ("数智城市 Shuzhi City", (21_800_000, 23_400_000, 25_000_000), (48, 52, 55)),
    ("云图数据 Yuntu Data", (20_500_000, 22_000_000, 24_200_000), (45, 49, 53)),
    ("中科汇通 Zhongke Huitong", (23_000_000, 24_800_000, 26_300_000), (50, 54, 57)),
    ("北岭软件 Beiling Software", (18_900_000, 20_600_000, 22_500_000), (40, 44, 48)),
    ("启明星 Qimingxing", (22_400_000, 24_000_000, 25_900_000), (46, 50, 53)),
]

MES_FIELD = [
    ("华信科技 Huaxin Tech", (6_500_000, 6_900_000, 7_400_000), (56, 60, 63)),
    ("NorthBridge Systems", (7_000_000, 7_500_000, 7_900_000), (60, 63, 66)),
]

FLEET_FIELD = [
    ("TrackLine Telematics", (500_000, 525_000, 560_000), (40, 44, 48)),
]

MISMATCH_QUOTE_FIELD = [
    ("华信科技 Huaxin Tech", (9_000_000, 9_500_000, 10_100_000), (55, 59, 62)),
    ("NorthBridge Systems", (9_600_000, 10_200_000, 10_700_000), (58, 62, 65)),
]

MISMATCH_GOALS_FIELD = [
    ("云启数智 Yunqi Digital", (4_700_000, 5_000_000, 5_400_000), (54, 57, 60)),
]

MISMATCH_STALE_FIELD = [
    ("远景科技 Yuanjing Tech", (7_000_000, 7_500_000, 8_100_000), (52, 56, 59)),
]

LOWEST_30 = {"method": "lowest", "price_weight": 30.0, "tech_max": 70.0}

# opportunity name prefix, scenario name, official, rules, ceiling, cost, our tech, grid,
# chosen price (None: from the linked option), field, linked option name (None: no link)
SCENARIOS = [
    (
        "调度数据中心网络改造",
        "低价优先法（招标文件） Lowest-price method, as published",
        True,
        LOWEST_30,
        12_800_000,
        9_000_000,
        (60, 63, 66),
        (9_000_000, 12_800_000),
        11_400_000,
        DISPATCH_FIELD,
        "高级版",
    ),
    (
        "调度数据中心网络改造",
        "若改为均价K值法 If the buyer switches to average × (1 − K)",
        False,
        {
            "method": "average",
            "price_weight": 30.0,
            "tech_max": 70.0,
            "k_set": [0.02, 0.03, 0.05],
            "deduct_above": 1.0,
            "deduct_below": 0.5,
            "abnormal_low": True,
            "al_threshold": 0.85,
        },
        12_800_000,
        9_000_000,
        (60, 63, 66),
        (9_000_000, 12_800_000),
        11_400_000,
        DISPATCH_FIELD,
        None,
    ),
    (
        "城市大脑数据中台",
        "去高去低平均法 Trimmed average, 40-point price weight",
        False,
        {
            "method": "trimmed",
            "price_weight": 40.0,
            "tech_max": 60.0,
            "trim_n": 1,
            "trim_min_remaining": 3,
            "deduct_above": 0.8,
            "deduct_below": 0.4,
        },
        26_500_000,
        19_500_000,
        (50, 53, 56),
        (19_000_000, 26_500_000),
        None,
        CITY_FIELD,
        None,
    ),
    (
        "智能工厂MES二期",
        "磋商文件评分办法 Scoring as published in the negotiation documents",
        True,
        LOWEST_30,
        7_600_000,
        3_780_000,
        (58, 61, 64),
        (5_500_000, 7_600_000),
        None,
        MES_FIELD,
        "基础方案",
    ),
    (
        "Fleet telematics renewal",
        "Renewal scoring as published",
        True,
        {"method": "lowest", "price_weight": 40.0, "tech_max": 60.0},
        620_000,
        291_400,
        (55, 58, 60),
        (450_000, 620_000),
        None,
        FLEET_FIELD,
        "Essential",
    ),
    (
        "演示·不一致：报价偏离投标价",
        "公开招标评分（官方） Published scoring (official)",
        True,
        LOWEST_30,
        10_500_000,
        6_050_000,
        (58, 61, 64),
        (8_000_000, 10_500_000),
        9_800_000,  # the quote comes to 9,500,000: 3.1 % off, on purpose
        MISMATCH_QUOTE_FIELD,
        "标准方案",
    ),
    (
        "演示·不一致：谈判目标与投标价脱节",
        "磋商评分（官方） Published scoring (official)",
        True,
        LOWEST_30,
        5_600_000,
        3_000_000,
        (56, 59, 62),
        (4_200_000, 5_600_000),
        None,
        MISMATCH_GOALS_FIELD,
        "标准方案",
    ),
    (
        "演示·不一致：审批过期",
        "公开招标评分（官方） Published scoring (official)",
        True,
        LOWEST_30,
        8_200_000,
        5_600_000,
        (57, 60, 63),
        (6_500_000, 8_200_000),
        None,
        MISMATCH_STALE_FIELD,
        "标准方案",
    ),
]

#: Rivals in an opportunity's competition matrix beyond its scenarios' rivals: on purpose,
#: so the official scenario of that opportunity misses one.
EXTRA_MATRIX_RIVALS = {"演示·不一致：报价偏离投标价": ["云启数智 Yunqi Digital"]}


def _build(opportunity_id: int, spec, name: str | None = None, updated_by_id=None) -> PriceScenario:
    _prefix, default_name, official, rules, ceiling, cost, tech, grid, chosen, field, _link = spec
    scenario = PriceScenario(
        opportunity_id=opportunity_id,
        name=name or default_name,
        official=official if name is None else False,
        rules={**DEFAULT_RULES, **rules},
        ceiling=D(ceiling),
        our_cost=D(cost),
        our_tech_low=D(tech[0]),
        our_tech_likely=D(tech[1]),
        our_tech_high=D(tech[2]),
        grid_min=D(grid[0]),
        grid_max=D(grid[1]),
        grid_steps=60,
        seed=7,
        figures_origin="demo",
        chosen_price=None if chosen is None else D(chosen),
        updated_by_id=updated_by_id,
    )
    for i, (cname, prices, techs) in enumerate(field):
        rival = competitor_named(cname)
        add_rival(opportunity_id, rival)
        scenario.competitors.append(
            PriceCompetitor(
                position=i,
                competitor=rival,
                price_low=D(prices[0]),
                price_likely=D(prices[1]),
                price_high=D(prices[2]),
                tech_low=D(techs[0]),
                tech_likely=D(techs[1]),
                tech_high=D(techs[2]),
            )
        )
    db.session.add(scenario)
    # The partial unique index allows one official scenario per opportunity: flush each.
    db.session.flush()
    return scenario


def _opportunity(prefix: str) -> Opportunity | None:
    return db.session.scalars(
        select(Opportunity).where(Opportunity.name.startswith(prefix))
    ).first()


def add_demo_scenarios() -> None:
    """Called by portal.demo._create(): the scenarios above and their rivals."""
    for spec in SCENARIOS:
        opportunity = _opportunity(spec[0])
        if opportunity is not None:
            _build(opportunity.id, spec, updated_by_id=opportunity.owner_id)
    for prefix, names in EXTRA_MATRIX_RIVALS.items():
        opportunity = _opportunity(prefix)
        if opportunity is not None:
            for name in names:
                add_rival(opportunity.id, competitor_named(name))
    db.session.flush()


def linked_options() -> list[tuple[str, str, str]]:
    """(opportunity prefix, official scenario name, option name) for portal.bid.demo."""
    return [(s[0], s[1], s[10]) for s in SCENARIOS if s[2] and s[10]]


def demo_scenario(opportunity_id: int, name: str = "Demo", official: bool = False) -> PriceScenario:
    """One committed scenario (lowest-price rules, three rivals, price chosen): a what-if
    unless `official`."""
    scenario = _build(opportunity_id, SCENARIOS[0], name=name)
    scenario.official = official
    db.session.commit()
    return scenario
