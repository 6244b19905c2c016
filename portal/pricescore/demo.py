"""Demo price-score scenarios for two public-tender demo opportunities (bilingual names)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

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

SCENARIOS = [
    # opportunity name prefix, scenario name, rules, ceiling, cost, our tech, grid, chosen, field
    (
        "调度数据中心网络改造",
        "低价优先法（招标文件） Lowest-price method, as published",
        {"method": "lowest", "price_weight": 30.0, "tech_max": 70.0},
        12_800_000,
        9_600_000,
        (60, 63, 66),
        (9_000_000, 12_800_000),
        11_400_000,
        DISPATCH_FIELD,
    ),
    (
        "调度数据中心网络改造",
        "若改为均价K值法 If the buyer switches to average × (1 − K)",
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
        9_600_000,
        (60, 63, 66),
        (9_000_000, 12_800_000),
        11_400_000,
        DISPATCH_FIELD,
    ),
    (
        "城市大脑数据中台",
        "去高去低平均法 Trimmed average, 40-point price weight",
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
    ),
]


def _build(opportunity_id: int, spec, name: str | None = None, updated_by_id=None) -> PriceScenario:
    _prefix, default_name, rules, ceiling, cost, tech, grid, chosen, field = spec
    scenario = PriceScenario(
        opportunity_id=opportunity_id,
        name=name or default_name,
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
        chosen_price=None if chosen is None else D(chosen),
        updated_by_id=updated_by_id,
    )
    for i, (cname, prices, techs) in enumerate(field):
        scenario.competitors.append(
            PriceCompetitor(
                position=i,
                name=cname,
                price_low=D(prices[0]),
                price_likely=D(prices[1]),
                price_high=D(prices[2]),
                tech_low=D(techs[0]),
                tech_likely=D(techs[1]),
                tech_high=D(techs[2]),
            )
        )
    db.session.add(scenario)
    return scenario


def add_demo_scenarios() -> None:
    """Called at the end of portal.demo._create(): scenarios for two public tenders."""
    for spec in SCENARIOS:
        opportunity = db.session.scalars(
            select(Opportunity).where(Opportunity.name.startswith(spec[0]))
        ).first()
        if opportunity is not None:
            _build(opportunity.id, spec, updated_by_id=opportunity.owner_id)
    db.session.flush()


def demo_scenario(opportunity_id: int, name: str = "Demo") -> PriceScenario:
    """One committed scenario (lowest-price rules, three competitors, price chosen)."""
    scenario = _build(opportunity_id, SCENARIOS[0], name=name)
    db.session.commit()
    return scenario
