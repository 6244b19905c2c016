"""Demo negotiation sheets (bilingual) for a few opportunities at the bidding stage.

`create_demo()` is the one entry point portal/demo.py calls; it also loads the demo
objections, so both areas of the deal-closing work show data.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from sqlalchemy import select

from portal.auth.models import User
from portal.bid.models import SheetAlternative
from portal.bid.service import add_rival, competitor_named
from portal.deals.models import Opportunity
from portal.extensions import db
from portal.negotiation.models import (
    CounterpartInterest,
    NegotiationGoal,
    NegotiationRoundLog,
    NegotiationSheet,
    PlannedConcession,
)
from portal.negotiation.snapshot import record_version
from portal.timeutil import today

# Figures fit the bid: each sheet's price goals sit around its opportunity's bid price (the
# official scenario's chosen price, carried by the linked quote option), and its typed deal
# economics repeat that option's figures. The last sheet disagrees with its bid on purpose
# (its opportunity's name says so).
SHEETS = [
    {
        "prefix": "调度数据中心",
        "currency": "CNY",
        "situation": "win_win",
        "outcome": (
            "以投标价1140万元签约，不低于1100万元；三年维保，首付款30%；客户同意作为行业样板。"
        ),
        "our_batna": "转投省内另一地市的同类项目，预计毛利相当但要晚半年。",
        "our_batna_value": "9800000",
        "buyer_batna": "选择第二名供应商，报价约1120万元，但需要额外的割接服务。",
        "buyer_max": "12300000",
        "alternatives": ["联创网络 Lianchuang Networks"],
        "economics": (
            "12502900",
            "8696000",
            "1204900",
            "499700",
            3,
            "9000000",
            "240000",
            "6000",
            "5.5",
        ),
        "goals": [
            ("price", "合同总价", "CNY", "11400000", "11300000", "11000000", True, True),
            ("payment_terms", "付款周期", "天", "30", "60", "90", False, False),
            ("warranty", "免费维保", "年", "1", "2", "3", False, False),
            ("delivery_date", "交付周期", "天", "150", "120", "100", False, True),
        ],
        "interests": [
            (0, "要求降价5%", "年度预算已定，需要向集团证明采购节约"),
            (3, "要求割接零中断", "个人考核与调度系统可用性挂钩"),
        ],
        "concessions": [
            (
                1,
                "payment_terms_days",
                "solution",
                "30",
                "缓解年底资金压力",
                "客户同意首付款提高到30%",
            ),
            (
                2,
                "extra_training_days",
                "services",
                "5",
                "运维团队更快上手",
                "客户提供参观样板和推荐信",
            ),
        ],
        "rounds": [
            (1, "11000000", "11400000", "", "", 10),
            (2, "11200000", "11350000", "延长付款30天", "首付款提高到30%", 3),
        ],
        "checklist": [
            "price_value_first",
            "price_tco_ready",
            "cond_if_then",
            "power_real_decider",
            "time_decision_window",
        ],
    },
    {
        "prefix": "智能工厂MES二期",
        "currency": "CNY",
        "situation": "win_lose",
        "situation_inputs": {
            "no_rival_evidence": "只有我方控制器通过了工厂现有安全系统的认证，"
            "两家对手都需重新认证，工期赶不上二期投产。"
        },
        "outcome": "守住710万元的报价，宁可缩小范围也不降单价；底线670万元。",
        "our_batna": "把实施团队投入到已中标的苏州项目。",
        "our_batna_value": "6200000",
        "buyer_batna": "继续用一期系统，靠人工补齐报表。",
        "buyer_max": "7000000",
        "alternatives": ["华信科技 Huaxin Tech"],
        "economics": (
            "7310000",
            "3990000",
            "2410000",
            "350000",
            2,
            "3780000",
            "130000",
            "5000",
            "5",
        ),
        "goals": [("price", "合同总价", "CNY", "7100000", "6950000", "6700000", True, True)],
        "interests": [(1, "压价到680万以内", "财务部今年的降本指标")],
        "concessions": [
            (1, "discount_pct", "solution", "3", "降价", "客户签三年维保"),
            (2, "discount_pct", "solution", "1.5", "再降价", "客户同意分期验收"),
        ],
        "rounds": [],
        "checklist": ["price_tiers", "price_scope_for_discount"],
    },
    {
        "prefix": "Fleet telematics renewal",
        "currency": "EUR",
        "situation": "deadlock",
        "situation_inputs": {
            "new_force": "Our regional director meets their CFO with a three-year "
            "service-credit option the team has not been offered so far."
        },
        "outcome": (
            "Renew for three years at the EUR 585k offer, no less than EUR 555k, "
            "keeping the support tier."
        ),
        "our_batna": "Let the contract lapse and move the team to the robotics control tower bid.",
        "our_batna_value": "480000",
        "buyer_batna": "Switch to TrackLine at about EUR 525k, with migration effort.",
        "buyer_max": "575000",
        "alternatives": ["TrackLine Telematics"],
        "economics": ("601120", "306280", "48080", "76880", 3, "291400", "24800", "900", "4"),
        "goals": [
            ("price", "Three-year renewal", "EUR", "585000", "575000", "555000", True, True),
            ("payment_terms", "Payment terms", "days", "30", "45", "60", True, False),
        ],
        "interests": [(0, "Match the rival's price", "Show the board a saving after a tough year")],
        "concessions": [
            (
                1,
                "payment_terms_days",
                "solution",
                "15",
                "Cash-flow relief",
                "Three-year commitment signed this month",
            ),
            (
                2,
                "longer_warranty_years",
                "maintenance",
                "1",
                "A fourth year of support",
                "Sign before quarter end",
            ),
        ],
        "rounds": [(1, "520000", "585000", "", "", 5)],
        "checklist": ["power_exec_to_exec", "time_cooling_off"],
    },
    {
        "prefix": "演示·不一致：谈判目标与投标价脱节",
        "currency": "CNY",
        "situation": "win_win",
        "outcome": "目标定在投标价之上，底线也高于投标价：演示目标与投标价脱节。",
        "our_batna": "把团队投入到另一家城商行的同类项目，预计毛利更高。",
        "our_batna_value": "5300000",
        "buyer_batna": "沿用现有系统一年。",
        "buyer_max": "5300000",
        "alternatives": ["云启数智 Yunqi Digital"],
        "economics": (
            "5200000",
            "3000000",
            "1400000",
            "400000",
            2,
            "3000000",
            "150000",
            "5000",
            "5",
        ),
        "goals": [("price", "合同总价", "CNY", "5600000", "5450000", "5250000", True, True)],
        "interests": [],
        "concessions": [],
        "rounds": [],
        "checklist": [],
    },
]


def create_demo() -> None:
    from portal.objections.demo import create_demo as create_objections

    create_objections()
    opportunities = list(db.session.scalars(select(Opportunity)))
    now = today()
    for spec in SHEETS:
        opportunity = next((o for o in opportunities if o.name.startswith(spec["prefix"])), None)
        if opportunity is None:
            continue
        owner = db.session.get(User, opportunity.owner_id)
        (
            contract_list,
            solution,
            services,
            maintenance,
            years,
            cost,
            annual_cost,
            day_cost,
            capital,
        ) = spec["economics"]
        currency = spec["currency"]
        sheet = NegotiationSheet(
            opportunity_id=opportunity.id,
            situation=spec["situation"],
            intended_outcome=spec["outcome"],
            **spec.get("situation_inputs", {}),
            our_batna=spec["our_batna"],
            our_batna_value=D(spec["our_batna_value"]),
            our_batna_currency=currency,
            buyer_batna=spec["buyer_batna"],
            buyer_max=D(spec["buyer_max"]),
            buyer_currency=spec.get("buyer_currency", currency),
            currency=currency,
            contract_list=D(contract_list),
            solution_net=D(solution),
            services_net=D(services),
            maintenance_net_per_year=D(maintenance),
            maintenance_years=years,
            contract_cost=D(cost),
            annual_maintenance_cost=D(annual_cost),
            training_day_cost=D(day_cost),
            cost_of_capital_pct=D(capital),
            lead_id=owner.id,
            technical_id=opportunity.presales_id,
            checklist=spec["checklist"],
            updated_by_id=owner.id,
        )
        for name in spec.get("alternatives", []):
            rival = competitor_named(name)
            add_rival(opportunity.id, rival)
            sheet.alternatives.append(
                SheetAlternative(opportunity_id=opportunity.id, competitor_id=rival.id)
            )
        db.session.add(sheet)
        db.session.flush()
        record_version(sheet, "created", owner.id)
        common = {"sheet": sheet, "opportunity_id": opportunity.id}
        for term, label, unit, best, expected, walk, core, higher in spec["goals"]:
            db.session.add(
                NegotiationGoal(
                    term=term,
                    label=label,
                    unit=unit,
                    best=D(best),
                    expected=D(expected),
                    walk_away=D(walk),
                    core=core,
                    higher_is_better=higher,
                    **common,
                )
            )
        stakeholders = opportunity.stakeholders
        for index, position, interest in spec["interests"]:
            who = stakeholders[index] if index < len(stakeholders) else None
            db.session.add(
                CounterpartInterest(stakeholder=who, position=position, interest=interest, **common)
            )
        for order, kind, part, amount, value, condition in spec["concessions"]:
            db.session.add(
                PlannedConcession(
                    position=order,
                    kind=kind,
                    part=part,
                    amount=D(amount),
                    value_to_buyer=value,
                    condition=condition,
                    **common,
                )
            )
        for number, ask, offer, given, received, days_ago in spec["rounds"]:
            db.session.add(
                NegotiationRoundLog(
                    number=number,
                    their_ask=D(ask),
                    our_offer=D(offer),
                    given=given,
                    received=received,
                    held_on=now - timedelta(days=days_ago),
                    created_by_id=owner.id,
                    **common,
                )
            )
        db.session.flush()
        db.session.refresh(sheet)
        record_version(sheet, "sheet", owner.id)
    db.session.flush()
