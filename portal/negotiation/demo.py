"""Demo negotiation sheets (bilingual) for a few opportunities at the bidding stage.

`create_demo()` is the one entry point portal/demo.py calls; it also loads the demo
objections, so both areas of the deal-closing work show data.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from sqlalchemy import select

from portal.auth.models import User
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

SHEETS = [
    {
        "prefix": "调度数据中心",
        "currency": "CNY",
        "situation": "win_win",
        "outcome": "以不低于1150万元签约，三年维保，首付款30%；客户同意作为行业样板。",
        "our_batna": "转投省内另一地市的同类项目，预计毛利相当但要晚半年。",
        "our_batna_value": "9800000",
        "buyer_batna": "选择第二名供应商，报价约1080万元，但需要额外的割接服务。",
        "buyer_max": "12300000",
        "economics": (
            "13500000",
            "9600000",
            "1800000",
            "400000",
            3,
            "8100000",
            "220000",
            "6000",
            "5.5",
        ),
        "goals": [
            ("price", "合同总价", "CNY", "12800000", "12000000", "11200000", True, True),
            ("payment_terms", "付款周期", "天", "30", "60", "90", False, False),
            ("warranty", "免费维保", "年", "1", "2", "3", False, False),
            ("delivery_date", "交付周期", "天", "150", "120", "100", False, True),
        ],
        "interests": [
            (0, "要求降价15%", "年度预算已定，需要向集团证明采购节约"),
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
                "10",
                "运维团队更快上手",
                "客户提供参观样板和推荐信",
            ),
            (3, "discount_pct", "solution", "4", "直接降低采购金额", ""),
        ],
        "rounds": [
            (1, "11000000", "12800000", "", "", 10),
            (2, "11400000", "12300000", "延长付款30天", "首付款提高到30%", 3),
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
        "outcome": "守住价格底线，宁可缩小范围也不降单价。",
        "our_batna": "把实施团队投入到已中标的苏州项目。",
        "our_batna_value": "6200000",
        "buyer_batna": "继续用一期系统，靠人工补齐报表。",
        "buyer_max": "6500000",
        "economics": (
            "7600000",
            "5200000",
            "1300000",
            "250000",
            2,
            "4700000",
            "120000",
            "5000",
            "5",
        ),
        "goals": [("price", "合同总价", "CNY", "7600000", "7100000", "6800000", True, True)],
        "interests": [(1, "压价到600万以内", "财务部今年的降本指标")],
        "concessions": [
            (1, "discount_pct", "solution", "5", "降价", "客户签三年维保"),
            (2, "discount_pct", "solution", "8", "再降价", "客户同意分期验收"),
        ],
        "rounds": [],
        "checklist": ["price_tiers", "price_scope_for_discount"],
    },
    {
        "prefix": "Fleet telematics renewal",
        "currency": "EUR",
        "situation": "deadlock",
        "outcome": "Renew for three years at no less than EUR 560k, keeping the support tier.",
        "our_batna": "Let the contract lapse and move the team to the robotics control tower bid.",
        "our_batna_value": "480000",
        "buyer_batna": "Switch to the incumbent's rival at about EUR 520k, with migration effort.",
        "buyer_max": "545000",
        "buyer_currency": "USD",
        "economics": ("720000", "380000", "60000", "70000", 3, "390000", "30000", "900", "4"),
        "goals": [
            ("price", "Three-year renewal", "EUR", "620000", "585000", "560000", True, True),
            ("payment_terms", "Payment terms", "days", "30", "45", "60", True, False),
        ],
        "interests": [(0, "Match the rival's price", "Show the board a saving after a tough year")],
        "concessions": [
            (1, "payment_terms_days", "solution", "15", "Cash-flow relief", ""),
            (
                2,
                "longer_warranty_years",
                "maintenance",
                "1",
                "A fourth year of support",
                "Sign before quarter end",
            ),
        ],
        "rounds": [(1, "520000", "620000", "", "", 5)],
        "checklist": ["power_exec_to_exec", "time_cooling_off"],
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
