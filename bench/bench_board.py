"""Pipeline board fragment (demo data + 500 open opportunities) against a bare Flask endpoint.

Both are served by gunicorn with 2 workers on loopback, in the same run, with the same
load generator. Prints both throughputs and their ratio.

    .venv/bin/python bench/bench_board.py [--seconds 8] [--cards 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serving import (  # noqa: E402
    gunicorn,
    load_generator,
    login,
    prepare_demo_database,
    requests_per_second,
)

BOARD = "/board"


def prepare_database(url: str, cards: int) -> None:
    prepare_demo_database(
        url,
        f"""
        from portal.deals.models import Opportunity
        from portal.seed import default_stages
        from portal.workspace.models import StageMove
        template = db.session.query(Opportunity).first()
        stages = default_stages()
        rows = [Opportunity(account_id=template.account_id, name=f"基准 Bench deal {{i:03d}}",
                stage_id=stages[i % 5].id, procurement_form="public_tender",
                amount=Decimal(1000 + i), currency=("CNY", "EUR")[i % 2],
                owner_id=template.owner_id)
                for i in range({cards})]
        db.session.add_all(rows)
        db.session.flush()
        for row in rows[::2]:  # half the cards show who moved them last
            db.session.add(StageMove(opportunity_id=row.id, from_stage_id=stages[0].id,
                                     to_stage_id=row.stage_id, moved_by_id=template.owner_id,
                                     overridden=[]))
        db.session.commit()
    """,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--cards", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        prepare_database(url, args.cards)
        env = {"DATABASE_URL": url, "BIDDESK_ENV": "production", "SECRET_KEY": "bench-only"}
        with gunicorn("bench.bare_app:app", env) as bare_port:
            bare = requests_per_second(bare_port, "/bare", {}, args.seconds)
        with gunicorn("wsgi:app", env) as port:
            cookie = login(port, "liu", "biddesk-demo")
            headers = {"Cookie": cookie, "HX-Request": "true"}
            board = requests_per_second(port, BOARD, headers, args.seconds)
    print(f"load generator: {load_generator()}; gunicorn 2 sync workers; {args.seconds:.0f} s each")
    print(f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite (WAL)'}")
    print(f"bare Flask endpoint              : {bare:9.1f} req/s")
    print(f"board fragment ({args.cards} + demo cards) : {board:9.1f} req/s")
    print(f"ratio board / bare               : {board / bare:9.1%}")


if __name__ == "__main__":
    main()
