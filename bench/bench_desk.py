"""Bid desk with 100 open bids: how fast a filter change is answered.

Builds the demo data plus open bids up to 100 (each with an official price-score scenario
and a chosen price; every fourth with a quote waiting for approval), logs in as the leader
and asks for the desk's results fragment (what htmx fetches on a filter change) for a set
of filter states, in alternating rounds. Prints the median time per filter state and over
all of them (target: median < 150 ms), in process (Flask test client: the whole request
path with its queries and template, no network).

    .venv/bin/python bench/bench_desk.py [--rounds 7] [--bids 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median, quantiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILTERS = [
    ("all open bids", ""),
    ("search", "q=Bench+bid+0"),
    ("stage", "stage={stage}"),
    ("owner", "owner={owner}"),
    ("deadline: next 30 days", "deadline=30"),
    ("approval: pending", "approval=pending"),
    ("needs my decision", "mine=1"),
    ("grade A", "grade=A"),
    ("sort by P(win)", "sort=-pwin"),
    ("sort by margin, 90 days", "deadline=90&sort=-margin"),
]


def build(app, bids: int) -> dict:
    from datetime import date, timedelta
    from decimal import Decimal

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal.deals.models import Opportunity
    from portal.demo import load_demo_data
    from portal.drafts.models import Approval, Proposal, ProposalLine, ProposalOption
    from portal.extensions import db
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        upgrade()
        load_demo_data()
        template = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).first()
        have = db.session.scalar(
            select(func.count(Opportunity.id)).where(Opportunity.status == "open")
        )
        for i in range(max(0, bids - have)):
            o = Opportunity(
                account_id=template.account_id,
                name=f"Bench bid {i:03d}",
                stage_id=template.stage_id,
                procurement_form="public_tender",
                amount=Decimal(900_000 + 1000 * i),
                currency="CNY",
                owner_id=template.owner_id,
                bid_deadline=date.today() + timedelta(days=i % 120 - 10),
            )
            db.session.add(o)
            db.session.commit()
            demo_scenario(o.id, name=f"Official {i}", official=True)
            if i % 4 == 0:
                proposal = Proposal(
                    opportunity_id=o.id,
                    title=f"Quote {i}",
                    language="en",
                    currency="CNY",
                    status="in_review",
                )
                option = ProposalOption(
                    proposal=proposal,
                    position=0,
                    name="Standard",
                    recommended=True,
                    maintenance_years=1,
                )
                db.session.add_all(
                    [
                        proposal,
                        option,
                        ProposalLine(
                            option=option,
                            position=0,
                            part="solution",
                            description="Licence",
                            quantity=Decimal(1),
                            unit_price=Decimal(950_000),
                            unit_cost=Decimal(600_000),
                            discount_pct=Decimal(5),
                        ),
                    ]
                )
                db.session.flush()
                db.session.add(
                    Approval(
                        proposal=proposal,
                        opportunity_id=o.id,
                        required_role="leader",
                        fingerprint="bench",
                        reasons=[],
                    )
                )
                db.session.commit()
        open_bids = db.session.scalar(
            select(func.count(Opportunity.id)).where(Opportunity.status == "open")
        )
        return {
            "stage": template.stage_id,
            "owner": template.owner_id,
            "open": open_bids,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bids", type=int, default=100)
    args = parser.parse_args()
    from portal import create_app
    from portal.config import ProductionConfig

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            ProductionConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SECRET_KEY="bench-only",  # noqa: S106 (a throwaway in-process session)
            WTF_CSRF_ENABLED=False,
            RATELIMIT_ENABLED=False,
            SESSION_COOKIE_SECURE=False,
            REDIS_URL=None,
        )
        ids = build(app, args.bids)
        client = app.test_client()
        login = client.post("/login", data={"username": "liu", "password": "biddesk-demo"})
        assert login.status_code == 302, login.status_code
        headers = {"HX-Request": "true"}
        urls = [(label, "/desk?" + query.format(**ids)) for label, query in FILTERS]
        rows = {}
        for label, u in urls:  # warm-up: templates compiled, caches filled
            response = client.get(u, headers=headers)
            assert response.status_code == 200, (u, response.status_code)
            rows[label] = response.get_data(as_text=True).count('<tr id="bid-')
        times: dict[str, list[float]] = {label: [] for label, _u in urls}
        for _ in range(args.rounds):
            for label, u in urls:
                start = time.perf_counter()
                client.get(u, headers=headers)
                times[label].append((time.perf_counter() - start) * 1000)
        full = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            client.get("/desk")
            full.append((time.perf_counter() - start) * 1000)
    every = [t for ts in times.values() for t in ts]
    print(
        f"bid desk, {ids['open']} open bids; database: "
        f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite (WAL)'}; "
        f"{args.rounds} alternating rounds, in process (Flask test client)"
    )
    for label, _u in urls:
        print(f"  {label:<26} {rows[label]:4d} rows   median {median(times[label]):7.1f} ms")
    p95 = quantiles(every, n=20)[-1] if len(every) > 1 else every[0]
    print(
        f"filter change (fragment), all states: median {median(every):.1f} ms, "
        f"p95 {p95:.1f} ms  (target: median < 150 ms)"
    )
    print(f"full page, no filter: median {median(full):.1f} ms")


if __name__ == "__main__":
    main()
