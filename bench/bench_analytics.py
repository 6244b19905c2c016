"""Leadership analytics page on a company-sized data set (PostgreSQL).

Builds a fresh database with bench/scale_data.py (100,000 opportunities by default), adds
an outcome for every closed opportunity (published bidders with prices, scores and the
80 % bands, P(win) snapshots, the closed-bid rows the portal takes at close) and a stage
history for every opportunity, in COPY batches. Then asks for the analytics page as a
leader (who sees everything) and prints the median answer time (target: < 300 ms) and the
SQL statements per answer: recomputed (the cached rendering dropped first, as after any
change of business data) and cached; and the calibration page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/biddesk_out_b_bench \\
        .venv/bin/python bench/bench_analytics.py [--opportunities 100000] [--rounds 7] [--keep]

The database named by DATABASE_URL is dropped and created again unless --keep is given
(then it must hold a previous run's data).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

D = Decimal


def _recreate(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')


def _app(url: str):
    from portal import create_app
    from portal.config import ProductionConfig

    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="bench-analytics-only-" + "x" * 32,
        WTF_CSRF_ENABLED=False,
        SESSION_COOKIE_SECURE=False,
    )


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def add_outcomes(url: str, seed: int = 16) -> dict[str, int]:
    """Outcomes, bidders, quote figures for the closed opportunities and stage moves for
    all, written with scale_data's bulk writer. Returns the row counts."""
    from bench.scale_data import _engine, _Writer
    from proposals.pricing import QuoteLine, QuoteOption, QuotePart, option_totals

    engine = _engine(url)
    rng = random.Random(seed)
    with engine.connect() as conn:
        stages = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT s.id FROM stage s JOIN stage_model m ON m.id = s.model_id "
                "WHERE m.key = 'default' ORDER BY s.position"
            )
        ] or [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT id FROM stage WHERE model_id = (SELECT min(id) FROM stage_model) "
                "ORDER BY position"
            )
        ]
        position = {sid: i for i, sid in enumerate(stages)}
        competitors = [row[0] for row in conn.exec_driver_sql("SELECT id FROM competitor")]
        opportunities = conn.exec_driver_sql(
            "SELECT o.id, o.status, o.stage_id, o.created_at, o.owner_id, o.amount, "
            "o.presales_id, o.account_id, o.procurement_form, a.grade, a.industry "
            "FROM opportunity o JOIN account a ON a.id = o.account_id ORDER BY o.id"
        ).all()
        # The decision chain and the negotiation as portal.analytics.models.take_snapshot
        # reads them, aggregated once for all opportunities.
        chain = {
            oid: (roles, coach)
            for oid, roles, coach in conn.exec_driver_sql(
                "SELECT opportunity_id, count(DISTINCT map_role) FILTER "
                "(WHERE attitude = 'supporter'), "
                "coalesce(bool_or(buying_role = 'coach' AND attitude <> 'opponent'), false) "
                "FROM stakeholder GROUP BY opportunity_id"
            )
        }
        planned = dict(
            conn.exec_driver_sql(
                "SELECT opportunity_id, sum(amount) FROM planned_concession "
                "WHERE kind = 'discount_pct' GROUP BY opportunity_id"
            ).all()
        )
    w = _Writer(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    outcomes, bidders, quotes, moves, stays = [], [], [], [], []
    outcome_id = bidder_id = move_id = 0
    for (
        oid,
        status,
        stage_id,
        created,
        owner,
        amount,
        presales,
        account,
        form,
        grade,
        industry,
    ) in opportunities:
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        reached = position.get(stage_id, 0)
        closed = status != "open"
        end = (
            min(now - timedelta(days=1), created + timedelta(days=rng.randint(60, 240)))
            if closed
            else now
        )
        span = max((end - created).total_seconds(), 3600 * reached + 3600)
        entered = created
        for step in range(reached):
            move_id += 1
            at = created + timedelta(seconds=span * (step + 1) / (reached + 1))
            moves.append((move_id, oid, stages[step], stages[step + 1], owner, w.ts(at), "[]"))
            # The stay the move ended, as portal.analytics.models writes it with each move.
            stays.append(
                (
                    move_id,
                    move_id,
                    oid,
                    stages[step],
                    w.ts(at),
                    (at - entered).days,
                    owner,
                    presales,
                    account,
                )
            )
            entered = at
        if not closed:
            continue
        outcome_id += 1
        result = status if status in ("won", "lost") else rng.choice(("abandoned", "no_decision"))
        control = D(amount) * D("1.08")
        our = (control * D(str(rng.uniform(0.85, 0.96)))).quantize(D("0.01"))
        p_win = rng.uniform(0.5, 0.95) if result == "won" else rng.uniform(0.05, 0.7)
        outcomes.append(
            (
                outcome_id,
                oid,
                result,
                rng.choice(("price", "technical_score", "relationship", "other")),
                "",
                end.date(),
                None if result == "won" else rng.choice(competitors),
                our,
                control.quantize(D("0.01")),
                control.quantize(D("0.01")),
                rng.choice(("lowest", "average", "composite", "trimmed")),
                D(rng.choice((30, 40))),
                D(f"{p_win:.4f}"),
                owner,
                w.ts(end),
                w.ts(end),
                w.ts(end),
                1,
            )
        )
        bidder_id += 1
        bidders.append(
            (bidder_id, outcome_id, None, True, "", our, None, None, None, 1, None, None)
        )
        for rank, cid in enumerate(rng.sample(competitors, 3), start=2):
            bidder_id += 1
            ratio = rng.gauss(0.9, 0.05)
            bidders.append(
                (
                    bidder_id,
                    outcome_id,
                    cid,
                    False,
                    "",
                    (control * D(str(ratio))).quantize(D("0.01")),
                    D("55.00"),
                    D("28.00"),
                    D("83.00"),
                    rank,
                    (control * D("0.85")).quantize(D("0.01")),
                    (control * D("0.95")).quantize(D("0.01")),
                )
            )
        discount = D(f"{rng.uniform(4, 16):.1f}")
        totals = option_totals(
            QuoteOption(
                "bid",
                True,
                0,
                (
                    QuoteLine(
                        QuotePart.SOLUTION,
                        "bid",
                        D(1),
                        (our / (1 - discount / 100)).quantize(D("0.01")),
                        (our * D("0.7")).quantize(D("0.01")),
                        discount,
                    ),
                ),
            )
        )
        roles, coach = chain.get(oid, (0, False))
        quotes.append(
            (
                outcome_id,
                oid,
                outcome_id,
                result,
                end.date(),
                max(0, (end.date() - created.date()).days),
                owner,
                presales,
                account,
                form,
                outcomes[-1][10],
                grade,
                industry or "",
                roles,
                coach,
                "CNY",
                totals.contract_list,
                totals.contract_value,
                totals.margin_pct.quantize(D("0.001")),
                totals.discount_pct.quantize(D("0.001")),
                planned.get(oid),
                D(f"{rng.uniform(0, 8):.3f}") if oid in planned else None,
                w.ts(end),
            )
        )
    w.put(
        "stage_move",
        (
            "id",
            "opportunity_id",
            "from_stage_id",
            "to_stage_id",
            "moved_by_id",
            "moved_at",
            "overridden",
        ),
        moves,
    )
    w.put(
        "stage_stay",
        (
            "id",
            "move_id",
            "opportunity_id",
            "stage_id",
            "left_at",
            "days",
            "owner_id",
            "presales_id",
            "account_id",
        ),
        stays,
    )
    w.put(
        "bid_outcome",
        (
            "id",
            "opportunity_id",
            "result",
            "reason_code",
            "reason_text",
            "closed_on",
            "winner_competitor_id",
            "our_price",
            "control_price",
            "budget",
            "scoring_method",
            "price_weight",
            "predicted_p_win",
            "recorded_by_id",
            "recorded_at",
            "created_at",
            "updated_at",
            "version",
        ),
        outcomes,
    )
    w.put(
        "outcome_bidder",
        (
            "id",
            "outcome_id",
            "competitor_id",
            "is_us",
            "name_as_published",
            "price",
            "tech_score",
            "price_score",
            "total_score",
            "rank",
            "predicted_p10",
            "predicted_p90",
        ),
        bidders,
    )
    w.put(
        "closed_bid",
        (
            "id",
            "opportunity_id",
            "outcome_id",
            "result",
            "closed_on",
            "cycle_days",
            "owner_id",
            "presales_id",
            "account_id",
            "procurement_form",
            "scoring_method",
            "grade",
            "industry",
            "supported_roles",
            "has_coach",
            "currency",
            "contract_list",
            "contract_value",
            "margin_pct",
            "discount_pct",
            "planned_pct",
            "conceded_pct",
            "taken_at",
        ),
        quotes,
    )
    w.finish()
    return dict(w.written)


def _timed(app, client, path: str, rounds: int, cold: bool) -> tuple[float, int]:
    """Median answer time (ms) and the most SQL statements of one answer. ``cold``: the
    page's cached rendering is dropped before each answer, as after any change of data."""
    from sqlalchemy import event

    from portal.extensions import db

    counts = []

    def count(*_args, **_kwargs):
        counts[-1] += 1

    times = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(rounds):
            counts.append(0)
            if cold:
                app.extensions["fragment_cache"].clear()
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    return median(times), max(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a scratch PostgreSQL database")
    app = _app(url)
    if not args.keep:
        started = time.perf_counter()
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
        _recreate(url)
        _migrate(app)
        from bench.scale_data import build

        build(url, args.opportunities)
        print(
            f"scale data: {args.opportunities:,} opportunities "
            f"in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        written = add_outcomes(url)
        print(
            "outcomes: "
            + ", ".join(f"{table} {n:,}" for table, n in written.items())
            + f" in {time.perf_counter() - started:.0f} s"
        )
    client = app.test_client()
    response = client.post("/login", data={"username": "leader01", "password": "biddesk-scale"})
    assert response.status_code == 302, response.status_code
    client.get("/analytics")  # warm the connection pool and the templates
    for label, path in (
        ("analytics, last 24 months", "/analytics"),
        ("analytics, all time", "/analytics?period=all"),
        ("analytics, one team member", "/analytics?period=all&team=2"),
        ("calibration, all time", "/analytics/calibration?period=all"),
    ):
        for cold in (True, False):
            if not cold and "calibration" in label:
                continue
            ms, statements = _timed(app, client, path, args.rounds, cold)
            state = "recomputed" if cold else "cached"
            flag = "" if ms < 300 else "  (over the 300 ms target)"
            print(
                f"{label:28s} {state:10s} median {ms:7.1f} ms {statements:3d} SQL statements" + flag
            )
    print(
        f"(median of {args.rounds} answers, in-process test client, "
        f"{math.floor(os.cpu_count() or 1)} cores, load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
