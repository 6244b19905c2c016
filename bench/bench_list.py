"""Opportunity-list fragment (20 rows, with search) against a bare Flask endpoint.

Both are served by gunicorn with 2 workers on loopback, in the same run, with the same
load generator. Prints both throughputs and their ratio (target: fragment >= 40% of bare).

    .venv/bin/python bench/bench_list.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serving import (  # noqa: E402
    gunicorn,
    load_generator,
    login,
    prepare_demo_database,
    requests_per_second,
)

SEARCH = "/opportunities?q=%E5%9F%BA%E5%87%86"  # "基准": matches the 200 bench deals


def prepare_database(url: str) -> None:
    prepare_demo_database(
        url,
        """
        from portal.deals.models import Opportunity
        template = db.session.query(Opportunity).first()
        for i in range(200):
            db.session.add(Opportunity(
                account_id=template.account_id, name=f"基准 Bench deal {i:03d}",
                stage_id=template.stage_id, procurement_form="public_tender",
                amount=Decimal(1000 + i), currency="CNY", owner_id=template.owner_id))
        db.session.commit()
    """,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        prepare_database(url)
        env = {"DATABASE_URL": url, "BIDDESK_ENV": "production", "SECRET_KEY": "bench-only"}
        with gunicorn("bench.bare_app:app", env) as bare_port, gunicorn("wsgi:app", env) as port:
            cookie = login(port, "liu", "biddesk-demo")
            headers = {"Cookie": cookie, "HX-Request": "true"}
            # Alternate the runs so a busy moment on the machine hits all three alike.
            runs = {"bare": [], "fragment": [], "uncached": []}
            for _ in range(args.rounds):
                runs["bare"].append(requests_per_second(bare_port, "/bare", {}, args.seconds))
                runs["fragment"].append(requests_per_second(port, SEARCH, headers, args.seconds))
                runs["uncached"].append(
                    requests_per_second(port, SEARCH, headers, args.seconds, unique=True)
                )
    bare, fragment, uncached = (median(runs[k]) for k in ("bare", "fragment", "uncached"))
    print(
        f"load generator: {load_generator()}; gunicorn 2 sync workers; "
        f"{args.rounds} alternating rounds of {args.seconds:.0f} s, medians"
    )
    print(f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite (WAL)'}")
    print(f"bare Flask endpoint                 : {bare:9.1f} req/s")
    print(
        f"list fragment (20 rows, search)     : {fragment:9.1f} req/s   "
        f"ratio {fragment / bare:6.1%}  (target >= 40%)"
    )
    print(
        f"same, every request a cache miss     : {uncached:9.1f} req/s   "
        f"ratio {uncached / bare:6.1%}  (a new URL each request: query + render)"
    )


if __name__ == "__main__":
    main()
