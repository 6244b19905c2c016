"""PDFs do not hold the web worker: the opportunity-list fragment while bid packs render.

Run: python bench/bench_pdf_queue.py [--packs 4] [--requests 30]

The demo data in a temporary SQLite database, the app as in production without Redis
(renders queued on the local process pool, PDF_LOCAL_WORKERS=2), logged in as the demo
leader through the test client. Prints:
1. the list fragment's median and worst time with nothing rendering;
2. how long each of --packs bid-pack download requests took to answer (they only enqueue);
3. the list fragment's median and worst time while those packs render in the pool;
4. how long until every pack was ready.
Before the queue, each download request rendered in the web worker (seconds each), and
four of them stalled the list for seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packs", type=int, default=4)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    from sqlalchemy import select

    from bench.serving import demo_app, leader_client
    from portal.deals.models import Opportunity

    app, _folder, logins = demo_app("bench-queue-", PDF_EXECUTOR="queue", PDF_LOCAL_WORKERS=2)
    with app.app_context():
        ids = list(
            app.extensions["sqlalchemy"]
            .session.scalars(select(Opportunity.id).order_by(Opportunity.id))
            .all()
        )[: args.packs]
    client = leader_client(app, logins)

    def list_times(n: int, prefix: str) -> list[float]:
        out = []
        for i in range(n):  # a new search each time: no cached fragment
            started = time.perf_counter()
            response = client.get(f"/opportunities?q={prefix}{i}", headers={"HX-Request": "true"})
            assert response.status_code == 200
            out.append(time.perf_counter() - started)
        return out

    idle = list_times(args.requests, "idle")
    enqueue, progress = [], []
    for opportunity_id in ids:
        started = time.perf_counter()
        response = client.get(f"/opportunities/{opportunity_id}/bid-pack.pdf?lang=en")
        enqueue.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
        progress.append(response.headers["Location"])
    began = time.perf_counter()
    busy = list_times(args.requests, "busy")
    while True:
        pages = [
            client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
            for url in progress
        ]
        if all('id="export-file"' in p or "export-failures" in p for p in pages):
            break
        time.sleep(0.2)
    ready = time.perf_counter() - began
    failed = sum("export-failures" in p for p in pages)
    app.extensions["pdf_pool"].shutdown()

    ms = lambda xs: f"median {statistics.median(xs) * 1000:.1f} ms, worst {max(xs) * 1000:.1f} ms"  # noqa: E731
    print(f"list fragment, nothing rendering:        {ms(idle)}")
    print(f"bid-pack download requests ({len(ids)}), enqueue: {ms(enqueue)}")
    print(f"list fragment while {len(ids)} packs render:   {ms(busy)}")
    print(f"all {len(ids)} packs ready after {ready:.1f} s ({failed} failed)")


if __name__ == "__main__":
    main()
