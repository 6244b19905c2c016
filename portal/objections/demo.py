"""Demo objections: some worked through LSCPA and closed, some open and ageing, a few that
recur across opportunities (so the leaders' view has something to turn into an answer)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.bid.service import add_rival, competitor_named
from portal.deals.models import Opportunity
from portal.extensions import db
from portal.objections.models import Objection, ObjectionStep, PlaybookResponse
from portal.objections.queries import ensure_playbook
from portal.timeutil import today, utcnow

# opportunity name prefix, type, words, severity, days ago, steps done, playbook key, status
OBJECTIONS = [
    (
        "调度数据中心",
        "price",
        "你们的报价比远景科技高了将近一成，预算批不下来。",
        "high",
        20,
        5,
        "price_tco",
        "resolved",
    ),
    (
        "调度数据中心",
        "risk",
        "我们担心割接期间影响调度业务，出了问题谁负责？",
        "high",
        6,
        3,
        None,
        "open",
    ),
    (
        "变电站巡检AI",
        "price",
        "你们的报价比竞争对手高了两成，预算批不下来。",
        "medium",
        35,
        2,
        None,
        "open",
    ),
    (
        "智能工厂MES二期",
        "time",
        "上线时间太长了，我们三个月内就要看到效果。",
        "high",
        12,
        5,
        "time_phased_rollout",
        "resolved",
    ),
    (
        "智能工厂MES二期",
        "price",
        "报价比竞争对手高了两成，预算不够。",
        "medium",
        4,
        1,
        None,
        "open",
    ),
    (
        "城市大脑数据中台",
        "decision",
        "这么大的项目，局里要上会研究，今年不一定能定。",
        "high",
        48,
        4,
        "decision_smaller_steps",
        "open",
    ),
    (
        "城市大脑数据中台",
        "risk",
        "没有见过同级别城市的成功案例。",
        "medium",
        95,
        5,
        "risk_reference_cases",
        "resolved",
    ),
    (
        "核心系统同城灾备",
        "risk",
        "切换演练失败的话监管会问责，我们不敢冒这个险。",
        "high",
        15,
        5,
        "risk_pilot",
        "resolved",
    ),
    (
        "区域影像云平台",
        "decision",
        "信息科同意了，但院长办公会还没讨论。",
        "medium",
        26,
        2,
        None,
        "open",
    ),
    (
        "Fleet telematics renewal",
        "price",
        "Your renewal price is 11% above what TrackLine offered us.",
        "high",
        9,
        5,
        "price_value_points",
        "escalated",
    ),
    (
        "Omnichannel POS replacement",
        "time",
        "We cannot freeze the stores for a big-bang rollout before the holiday season.",
        "high",
        18,
        5,
        "time_urgent_first",
        "resolved",
    ),
    (
        "5G core network monitoring",
        "risk",
        "We have never run your monitoring stack at this scale.",
        "medium",
        40,
        3,
        None,
        "open",
    ),
    (
        "Warehouse robotics control tower",
        "price",
        "Your renewal price is above what the other vendor offered.",
        "medium",
        3,
        0,
        None,
        "open",
    ),
]

# Objections that name a rival ("X offered…") point at the shared rival record.
RIVAL_NAMED = {
    "你们的报价比远景科技高了将近一成，预算批不下来。": "远景科技 Yuanjing Tech",
    "Your renewal price is 11% above what TrackLine offered us.": "TrackLine Telematics",
}

ZH_TEXT = {
    "sympathize": "理解您的顾虑，预算和风险都需要对上级有交代。",
    "confirm": "客户确认：真正的顾虑是{}。",
    "assure": "我方提供书面承诺并每周同步进展。",
    "evidence": "同类客户的对比数据和现场参观。",
}
# What the customer confirmed the real concern to be, by objection type, in the note's words.
ZH_CONCERN = {"price": "价格", "time": "时间", "risk": "风险", "decision": "决策", "other": "其他"}
EN_CONCERN = {
    "price": "the price",
    "time": "the timing",
    "risk": "the risk",
    "decision": "who decides and when",
    "other": "something else",
}
EN_TEXT = {
    "sympathize": "That is a fair concern; you have to defend this choice internally.",
    "confirm": "Customer confirmed the real concern is {}.",
    "assure": "We confirm it in writing and report progress every week.",
    "evidence": "Comparable customer figures and a reference call.",
}


def create_demo() -> None:
    ensure_playbook(commit=False)
    playbook = {
        r.key: r
        for r in db.session.scalars(
            select(PlaybookResponse).where(PlaybookResponse.key.is_not(None))
        )
    }
    opportunities = list(db.session.scalars(select(Opportunity)))
    now = today()
    for prefix, otype, words, severity, days, steps_done, key, status in OBJECTIONS:
        opportunity = next((o for o in opportunities if o.name.startswith(prefix)), None)
        if opportunity is None:
            continue
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in words)
        text = ZH_TEXT if chinese else EN_TEXT
        owner = db.session.get(User, opportunity.owner_id)
        raiser = (
            opportunity.stakeholders[len(words) % len(opportunity.stakeholders)]
            if opportunity.stakeholders
            else None
        )
        rival = None
        if words in RIVAL_NAMED:
            rival = competitor_named(RIVAL_NAMED[words])
            add_rival(opportunity.id, rival)
        objection = Objection(
            opportunity=opportunity,
            stakeholder=raiser,
            competitor=rival,
            objection_type=otype,
            customer_words=words,
            severity=severity,
            status=status,
            raised_on=now - timedelta(days=days),
            created_by_id=owner.id,
            closed_at=utcnow() if status != "open" else None,
            close_note=("客户接受了方案。" if chinese else "The customer accepted the answer.")
            if status == "resolved"
            else "",
        )
        db.session.add(objection)
        for index, step in enumerate(
            ("listen", "sympathize", "confirm", "process", "assure")[:steps_done]
        ):
            row = ObjectionStep(
                objection=objection,
                step=step,
                done_by_id=owner.id,
                done_at=utcnow() - timedelta(days=max(days - index * 2, 0)),
            )
            row.opportunity_id = opportunity.id
            if step == "listen":
                row.notes = words
            elif step == "sympathize":
                row.notes = text["sympathize"]
            elif step == "confirm":
                row.notes = text["confirm"].format((ZH_CONCERN if chinese else EN_CONCERN)[otype])
                row.customer_confirmed = True
            elif step == "process":
                response = playbook.get(key or "")
                row.response_id = response.id if response else None
                row.notes = (
                    ""
                    if response
                    else (
                        "按客户情况给出的答复。"
                        if chinese
                        else "Our own answer, fitted to this customer."
                    )
                )
                row.evidence = text["evidence"]
            elif step == "assure":
                row.commitment = text["assure"]
                row.owner_id = owner.id
                row.due_date = now + timedelta(days=14)
            db.session.add(row)
    db.session.flush()
