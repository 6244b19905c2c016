"""Two years of closed bids for the demo accounts against the demo rivals.

The story, so the charts say something: Huaxin Tech bids far lower than reps expect (its
typed 80 % bands miss, mostly below), NorthBridge bids high and steady, Yunqi Digital is
erratic; the portal's P(win) is a little optimistic; the bids we won had more of the
decision chain on our side, a deeper discount and more concessions at the table.

Deterministic (seeded) and dated relative to today. Every figure is derived the way the
portal derives it: tender scores from the published prices, the result from the ranking,
quote figures from proposals.pricing.option_totals.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Account
from portal.analytics.models import ClosedBid
from portal.auth.models import User
from portal.deals.models import Opportunity, Stakeholder
from portal.extensions import db
from portal.negotiation.models import NegotiationRoundLog, NegotiationSheet, PlannedConcession
from portal.outcomes.models import BidOutcome, OutcomeBidder
from portal.seed import default_stages
from portal.timeutil import today
from portal.workspace.models import Competitor, StageMove
from proposals.pricing import QuoteLine, QuoteOption, QuotePart, option_totals

BIDS = 72
D = Decimal

# name, mean bid / control price, spread, technical strength (share of the technical points),
# the 80 % band reps typed for it (as ratios of the control price)
RIVALS = [
    ("华信科技 Huaxin Tech", 0.84, 0.040, 0.80, (0.88, 0.95)),
    ("NorthBridge Systems", 0.95, 0.022, 0.90, (0.91, 0.99)),
    ("云启数智 Yunqi Digital", 0.87, 0.060, 0.83, (0.84, 0.92)),
    ("联创网络 Lianchuang Networks", 0.89, 0.030, 0.85, (0.85, 0.93)),
    ("远景科技 Yuanjing Tech", 0.86, 0.035, 0.79, (0.82, 0.90)),
    ("海川信息 Haichuan IT", 0.94, 0.030, 0.89, (0.90, 0.98)),
]

PROJECTS = [
    ("机房动环监控", "Data-centre environment monitoring"),
    ("统一身份认证平台", "Unified identity platform"),
    ("等保测评整改", "Security compliance remediation"),
    ("视频会议系统扩容", "Video conferencing expansion"),
    ("数据仓库迁移", "Data warehouse migration"),
    ("运维监控平台", "IT operations monitoring"),
    ("灾备演练服务", "DR drill services"),
    ("办公终端集采", "Office endpoint framework"),
    ("移动作业应用", "Mobile field-work app"),
    ("存储扩容", "Storage expansion"),
    ("零信任接入", "Zero-trust access"),
    ("智能客服", "AI customer service"),
]

FORMS = (
    ["public_tender"] * 9
    + ["competitive_negotiation"] * 5
    + ["inquiry"] * 3
    + ["single_source"] * 2
)
METHODS = [("lowest", 30), ("lowest", 40), ("average", 30), ("composite", 35)]
REASONS_WON = ["price", "technical_score", "relationship"]
REASONS_LOST = ["price", "price", "technical_score", "relationship", "qualification"]


def _scores(prices: list[float], method: str, weight: float) -> list[float]:
    """Price points of each bid (the published formulas, simplified: lowest = weight ×
    lowest / price; average and composite deduct one point per percent from the benchmark)."""
    lowest = min(prices)
    if method == "lowest":
        return [weight * lowest / p for p in prices]
    mean = sum(prices) / len(prices)
    bench = mean if method == "average" else 0.5 * lowest + 0.5 * mean
    return [max(0.0, weight - abs(p - bench) / bench * 100) for p in prices]


def _moment(day) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


def create() -> None:
    """Add the closed bids (call after the demo accounts, users and rivals exist)."""
    rng = random.Random(16)
    users = {u.username: u for u in db.session.scalars(select(User))}
    from portal.demo import ACCOUNTS

    accounts = list(
        db.session.scalars(select(Account).where(Account.name.in_([a[0] for a in ACCOUNTS])))
    )
    accounts.sort(key=lambda a: [a[0] for a in ACCOUNTS].index(a.name))
    if not accounts or "chen" not in users:
        return
    existing = {c.name: c for c in db.session.scalars(select(Competitor))}
    rivals = []
    for name, *_rest in RIVALS:
        if name not in existing:
            existing[name] = Competitor(name=name, notes="")
            db.session.add(existing[name])
        rivals.append(existing[name])
    db.session.flush()
    stages = default_stages()
    start = today()
    for n in range(BIDS):
        _one_bid(n, rng, accounts, users, rivals, stages, start)
    db.session.flush()


def _one_bid(n, rng, accounts, users, rivals, stages, start) -> None:
    index = rng.randrange(len(accounts))
    account = accounts[index]
    chinese = index < 5
    owner = users["sarah"] if not chinese else users[rng.choice(("chen", "wang"))]
    presales = users["tom"] if not chinese else users["zhao"]
    form = rng.choice(FORMS)
    zh, en = PROJECTS[n % len(PROJECTS)]
    closed_on = start - timedelta(days=rng.randint(12, 725))
    control = round(rng.choice((0.6, 0.9, 1.5, 2.4, 3.8, 6.0, 9.5)) * rng.uniform(0.8, 1.25), 2)
    control_price = D(str(round(control * 1_000_000, -3)))
    name = f"{zh} {en} ({closed_on.year})" if chinese else f"{en} ({closed_on.year})"

    # The field and the published result.
    field = [] if form == "single_source" else rng.sample(range(len(RIVALS)), k=rng.randint(2, 4))
    method, weight = ("lowest", 100) if form == "inquiry" else rng.choice(METHODS)
    if form == "single_source":
        method, weight = None, None
    our_ratio = rng.uniform(0.85, 0.96)
    prices = [our_ratio] + [max(0.6, rng.gauss(RIVALS[i][1], RIVALS[i][2])) for i in field]
    tech_max = 100 - (weight or 0)
    techs = [tech_max * min(1.0, rng.gauss(0.86, 0.04))] + [
        tech_max * min(1.0, rng.gauss(RIVALS[i][3], 0.04)) for i in field
    ]
    if field:
        price_points = _scores(prices, method, weight)
        totals = [t + p for t, p in zip(techs, price_points, strict=True)]
        order = sorted(range(len(totals)), key=lambda i: -totals[i])
        ranks = {i: r + 1 for r, i in enumerate(order)}
        lead = totals[0] - max(totals[1:])
        result = "won" if ranks[0] == 1 else "lost"
        # The scenario saw the field through typed estimates: a noisy, slightly hopeful view.
        p_win = 1 / (1 + math.exp(-(lead + 1.2 + rng.gauss(0, 3.0)) / 2.5))
    else:
        result = "won" if rng.random() < 0.8 else "lost"
        price_points, totals, ranks = [], [], {0: 1 if result == "won" else None}
        p_win = rng.uniform(0.7, 0.9)
    if rng.random() < 0.08:
        result = rng.choice(("abandoned", "no_decision"))
    p_win = min(0.97, max(0.03, p_win))

    won = result == "won"
    cycle = rng.randint(90, 230) if won else rng.randint(60, 200)
    created = closed_on - timedelta(days=cycle)
    last_stage = 4 if won else (3 if result == "lost" else rng.randint(1, 2))
    opportunity = Opportunity(
        account=account,
        name=name,
        stage=stages[last_stage],
        procurement_form=form,
        amount=control_price,
        currency="CNY",
        bid_deadline=closed_on - timedelta(days=14),
        close_date=closed_on,
        owner=owner,
        presales=presales,
        status={"no_decision": "abandoned"}.get(result, result),
        updated_by=owner,
        created_at=_moment(created),
    )
    db.session.add(opportunity)
    _chain(opportunity, rng, won, chinese, closed_on)
    db.session.flush()
    # Stage moves spread over the cycle; a won bid also moves on to delivery at close.
    cuts = sorted(rng.uniform(0.15, 0.95) for _ in range(last_stage))
    for position, share in enumerate(cuts):
        moment = created + timedelta(days=round(cycle * share))
        if won and position == last_stage - 1:
            moment = closed_on
        db.session.add(
            StageMove(
                opportunity_id=opportunity.id,
                from_stage_id=stages[position].id,
                to_stage_id=stages[position + 1].id,
                moved_by_id=owner.id,
                moved_at=_moment(moment),
                overridden=[],
            )
        )

    our_price = D(str(round(control * our_ratio * 1_000_000, -2)))
    outcome = BidOutcome(
        opportunity_id=opportunity.id,
        result=result,
        reason_code=rng.choice(REASONS_WON if won else REASONS_LOST)
        if result in ("won", "lost")
        else ("budget_cut" if result == "no_decision" else "timing"),
        reason_text="",
        closed_on=closed_on,
        winner_competitor_id=(
            rivals[field[[i for i, r in ranks.items() if r == 1][0] - 1]].id
            if result == "lost" and field
            else None
        ),
        our_price=our_price,
        control_price=control_price,
        budget=control_price,
        scoring_method=method,
        price_weight=D(str(weight)) if weight is not None else None,
        predicted_p_win=D(f"{p_win:.4f}"),
        recorded_by_id=owner.id,
        recorded_at=_moment(closed_on),
    )
    published = result in ("won", "lost")
    if form == "competitive_negotiation" and published:
        _negotiation(opportunity.id, our_price, won, rng)  # before the close it is part of
    db.session.add(outcome)
    db.session.flush()  # portal.analytics.models takes the closed-bid row here
    _quote(
        db.session.scalar(select(ClosedBid).where(ClosedBid.opportunity_id == opportunity.id)),
        our_price,
        won,
        rng,
    )
    db.session.add(
        OutcomeBidder(
            outcome_id=outcome.id,
            is_us=True,
            name_as_published="本公司 Us" if chinese else "Us",
            price=our_price,
            tech_score=D(f"{techs[0]:.2f}") if field and published else None,
            price_score=D(f"{price_points[0]:.2f}") if field and published else None,
            total_score=D(f"{totals[0]:.2f}") if field and published else None,
            rank=ranks[0] if published else None,
        )
    )
    for slot, i in enumerate(field, start=1):
        name_, _mean, _spread, _tech, (lo, hi) = RIVALS[i]
        db.session.add(
            OutcomeBidder(
                outcome_id=outcome.id,
                competitor_id=rivals[i].id,
                name_as_published=name_,
                price=D(str(round(control * prices[slot] * 1_000_000, -2))) if published else None,
                tech_score=D(f"{techs[slot]:.2f}") if published else None,
                price_score=D(f"{price_points[slot]:.2f}") if published else None,
                total_score=D(f"{totals[slot]:.2f}") if published else None,
                rank=ranks[slot] if published else None,
                predicted_p10=D(str(round(control * lo * 1_000_000, -2))),
                predicted_p90=D(str(round(control * hi * 1_000_000, -2))),
            )
        )


def _chain(opportunity, rng, won, chinese, closed_on) -> None:
    roles = [("money", "economic"), ("authority", None), ("product", "user"), ("product", "coach")]
    support = 0.7 if won else 0.35
    for k, (map_role, buying_role) in enumerate(roles[: rng.randint(3, 4)]):
        attitude = "supporter" if rng.random() < support else rng.choice(("neutral", "opponent"))
        opportunity.stakeholders.append(
            Stakeholder(
                name=(["王", "李", "张", "刘"][k] + ["总", "处长", "经理", "工"][k])
                if chinese
                else ["Anna Berg", "Lars Holm", "Mia Tan", "Raj Kumar"][k],
                map_role=map_role,
                buying_role=buying_role,
                influence=5 - k if k < 3 else 2,
                attitude=attitude,
                last_contact=closed_on - timedelta(days=rng.randint(3, 40)),
            )
        )


def _quote(row: ClosedBid, our_price: Decimal, won: bool, rng) -> None:
    """The quote as it stood at close, priced by proposals.pricing (the figures' owner);
    the demo bids have no proposal rows, so the figures are set on the closed-bid row."""
    discount = D(f"{rng.uniform(9, 16) if won else rng.uniform(5, 12):.1f}")
    margin = rng.uniform(0.24, 0.34) if won else rng.uniform(0.28, 0.38)
    solution_net = our_price * D("0.8")
    services_net = our_price - solution_net
    lines = (
        QuoteLine(
            part=QuotePart.SOLUTION,
            description="solution",
            quantity=D(1),
            unit_price=(solution_net / (1 - discount / 100)).quantize(D("0.01")),
            unit_cost=(solution_net * D(str(1 - margin))).quantize(D("0.01")),
            discount_pct=discount,
        ),
        QuoteLine(
            part=QuotePart.SERVICES,
            description="services",
            quantity=D(1),
            unit_price=services_net.quantize(D("0.01")),
            unit_cost=(services_net * D(str(1 - margin))).quantize(D("0.01")),
            discount_pct=D(0),
        ),
    )
    totals = option_totals(QuoteOption("bid", True, 0, lines))
    row.contract_list, row.contract_value = totals.contract_list, totals.contract_value
    row.margin_pct, row.discount_pct = totals.margin_pct, totals.discount_pct


def _negotiation(opportunity_id: int, our_price: Decimal, won: bool, rng) -> None:
    sheet = NegotiationSheet(opportunity_id=opportunity_id, checklist=[])
    db.session.add(sheet)
    db.session.flush()
    common = {"sheet_id": sheet.id, "opportunity_id": opportunity_id}
    plan = [D(3), D(2)] + ([D(1)] if rng.random() < 0.5 else [])
    for position, amount in enumerate(plan, start=1):
        db.session.add(
            PlannedConcession(
                position=position, kind="discount_pct", part="solution", amount=amount, **common
            )
        )
    conceded = rng.uniform(4.0, 8.5) if won else rng.uniform(1.0, 5.0)
    first = our_price / (1 - D(f"{conceded / 100:.4f}"))
    rounds = rng.randint(2, 4)
    for number in range(1, rounds + 1):
        share = D(number - 1) / D(rounds - 1)
        offer = (first - (first - our_price) * share).quantize(D("1"))
        db.session.add(
            NegotiationRoundLog(
                number=number,
                our_offer=offer,
                their_ask=(offer * D("0.93")).quantize(D("1")),
                **common,
            )
        )
