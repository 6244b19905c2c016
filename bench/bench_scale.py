"""Every page at demo size and at company size: the table of issue 17.

Builds three scratch databases: the demo data set (`load-demo`: 23 open, 77 closed), a
"full pages" one (bench/scale_data.py at 10,000 opportunities: every page shows as many
rows as it holds, the board's columns and the desk's, list's and queue's pages full, for
the rep too) and the company-sized one (bench/scale_data.py: 100,000 by default),
serves each with gunicorn (2 sync workers, no Redis: stored bid summaries are computed
by each worker's local thread), logs in as a leader and a rep, and asks each page 20 times
in a row after two warm-up requests. Prints the median per page and the size of the
answer, and two ratios: 100 k against the demo (whose pages are not full: 23 open bids,
a few pending approvals, a few cards per column) and 100 k against 10 k (the same page
size, ten times the data: what growth alone costs).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/biddesk_scale_a \\
        .venv/bin/python bench/bench_scale.py [--opportunities 100000] [--full 10000] [--reuse]
    .venv/bin/python bench/bench_scale.py --sqlite [--dir /tmp/scale]

PostgreSQL: the databases are <name>_bench_demo, <name>_bench_full and <name>_bench_scale
next to the one DATABASE_URL names (created, dropped first unless --reuse finds them
loaded).
SQLite: files in --dir. Before measuring the company-sized server, the desk and the queue
are asked until their bids' summaries are stored (what a running portal has), at most
--settle seconds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_lists_scale import _page as list_page_url  # noqa: E402
from bench.serving import PY, ROOT, USER_AGENT, gunicorn, login  # noqa: E402

RUNS, WARMUP = 20, 2
SLOW = 10.0  # seconds: a page slower than this is measured once, not 22 times
# label, who, path ({proposal}: a proposal page of a bid the leader sees), htmx
PAGES = [
    ("bid desk, leader", "leader", "/desk", False),
    ("approval queue, leader", "leader", "/approvals", False),
    ("board, leader", "leader", "/board", False),
    ("board, rep", "rep", "/board", False),
    ("opportunity list, leader", "leader", "/opportunities", False),
    ("opportunity list, rep", "rep", "/opportunities", False),
    ("list search Chinese (电网), leader", "leader", "/opportunities?q=" + quote("电网"), False),
    ("list search Latin (Logistics), leader", "leader", "/opportunities?q=Logistics", False),
    # page 50 (or the last one): its keyset URL, reached by following "Next" as a user does
    ("list page 50, leader", "leader", "{page50}", False),
    ("list page 50, rep", "rep", "{page50}", False),
    ("bid desk, rep", "rep", "/desk", False),
    ("proposal page, leader", "leader", "{proposal}", False),
    ("quote fragment, leader", "leader", "{proposal}/quote", True),
    ("objections pipeline, leader", "leader", "/objections/pipeline", False),
]
LOGINS = {
    "demo": {"leader": ("liu", "biddesk-demo"), "rep": ("chen", "biddesk-demo")},
    "scale": {"leader": ("leader01", "biddesk-scale"), "rep": ("rep001", "biddesk-scale")},
    "full": {"leader": ("leader01", "biddesk-scale"), "rep": ("rep001", "biddesk-scale")},
}
PROPOSAL_PATH = """
from sqlalchemy import text
from portal import create_app
from portal.extensions import db
app = create_app()
with app.app_context():
    row = db.session.execute(text(
        "SELECT p.opportunity_id, p.id FROM proposal p "
        "JOIN opportunity o ON o.id = p.opportunity_id "
        "WHERE o.status = 'open' ORDER BY p.id LIMIT 1")).first()
    print(f"/opportunities/{row[0]}/proposals/{row[1]}")
"""


def _run(code: str, url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "BIDDESK_ENV": "development"}
    return subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _postgres_urls(base: str) -> tuple[str, str, str, object]:
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql+psycopg://", "postgresql://"))
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    names = tuple(f"{url.database}_bench_{kind}" for kind in ("demo", "full", "scale"))

    def create(name: str, drop: bool) -> None:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            if drop:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    return (*(url.set(database=name).render_as_string(False) for name in names), create)


def _loaded(url: str) -> bool:
    try:
        out = _run(
            "from sqlalchemy import create_engine, text\n"
            "from portal.config import _database_url as u\n"
            "e = create_engine(u())\n"
            "with e.connect() as c:\n"
            "    print(c.execute(text('SELECT count(*) FROM opportunity')).scalar())",
            url,
        )
        return int(out or 0) > 1000
    except subprocess.CalledProcessError:
        return False


def prepare(url: str, kind: str, opportunities: int, migrate_only: bool = False) -> None:
    """Load the data set into the (empty) database; with `migrate_only`, a loaded one is
    only brought to the current schema (migrations backfill what they add)."""
    started = time.perf_counter()
    if kind == "demo":
        _run(
            "from flask_migrate import upgrade\nfrom portal import create_app\n"
            "from portal.demo import load_demo_data\napp = create_app()\n"
            "with app.app_context():\n    upgrade()\n    load_demo_data()",
            url,
        )
    else:
        _run(
            "from flask_migrate import upgrade\nfrom portal import create_app\n"
            "app = create_app()\nwith app.app_context():\n    upgrade()",
            url,
        )
        if not migrate_only:
            print(_run(f"from bench.scale_data import build\nbuild({url!r}, {opportunities})", url))
    print(f"{kind}: database ready in {time.perf_counter() - started:.0f} s", flush=True)


def _get(port: int, path: str, headers: dict) -> tuple[int, float, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    elapsed = time.perf_counter() - started
    conn.close()
    return resp.status, elapsed, body


def _settle(port: int, cookies: dict, seconds: float) -> None:
    """Ask the desk and the queue until their bids' summaries are stored (no row says
    "recomputing…"): the state of a portal whose background work has caught up."""
    deadline = time.time() + seconds
    for who, path in (("leader", "/desk"), ("rep", "/desk"), ("leader", "/approvals")):
        headers = {"Cookie": cookies[who], "User-Agent": USER_AGENT}
        while time.time() < deadline:
            status, _t, body = _get(port, path, headers)
            if status != 200 or "recomputing" not in body:
                break
            time.sleep(2)
    time.sleep(3)  # the queue's bids are requested by its first answers


def measure(url: str, kind: str, settle: float) -> dict[str, tuple[int, float | None, int]]:
    proposal = _run(PROPOSAL_PATH, url)
    # Development settings: production's except cookies without the Secure flag (plain
    # HTTP here) and no refusal of in-memory login limits with gunicorn.conf.py's workers.
    env = {
        "DATABASE_URL": url,
        "BIDDESK_ENV": "development",
        "SECRET_KEY": "bench-only-" * 3,
        "GUNICORN_CMD_ARGS": "--access-logfile /dev/null",
    }
    results = {}
    with gunicorn("wsgi:app", env) as port:
        cookies = {who: login(port, *LOGINS[kind][who]) for who in ("leader", "rep")}
        _settle(port, cookies, settle)
        for label, who, path, htmx in PAGES:
            headers = {"Cookie": cookies[who], "User-Agent": USER_AGENT}
            if htmx:
                headers["HX-Request"] = "true"
            if path == "{page50}":
                path = list_page_url(port, {"Cookie": cookies[who]}, 50)
            path = path.format(proposal=proposal)
            times, status, size = [], 200, 0
            for i in range(WARMUP + RUNS):
                try:
                    status, elapsed, body = _get(port, path, headers)
                    size = len(body.encode())
                except (TimeoutError, OSError):
                    status, elapsed = 0, None
                if status != 200:
                    break
                if elapsed > SLOW:  # one answer is enough to know (the page has no budget)
                    times = [elapsed]
                    break
                if i >= WARMUP:
                    times.append(elapsed)
            results[label] = (status, median(times) * 1000 if status == 200 else None, size)
            shown = f"{results[label][1]:.1f} ms" if status == 200 else f"HTTP {status}"
            print(f"  {kind:5} {label:40} {shown}", flush=True)
    return results


def _cell(result: tuple[int, float | None, int]) -> str:
    status, ms, size = result
    if ms is None:
        return f"HTTP {status}" if status else "timeout"
    return (f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms") + f" · {size / 1000:.0f} KB"


def _ratio(a: tuple, b: tuple) -> str:
    return f"{a[1] / b[1]:.1f}×" if a[1] and b[1] else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--full", type=int, default=10_000, help="the full-pages data set")
    parser.add_argument("--sqlite", action="store_true", help="SQLite files, not DATABASE_URL")
    parser.add_argument("--dir", default=None, help="where the SQLite files go")
    parser.add_argument("--reuse", action="store_true", help="keep loaded full/scale databases")
    parser.add_argument("--settle", type=float, default=120.0)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        if base.startswith("postgres") and not args.sqlite:
            demo_url, full_url, scale_url, create = _postgres_urls(base)
            create(demo_url.rsplit("/", 1)[1], drop=True)
            reused = {url for url in (full_url, scale_url) if args.reuse and _loaded(url)}
            for url in {full_url, scale_url} - reused:
                create(url.rsplit("/", 1)[1], drop=True)
            database = "PostgreSQL"
        else:
            folder = Path(args.dir or tmp)
            folder.mkdir(parents=True, exist_ok=True)
            demo_url = f"sqlite:///{folder / 'bench_demo.sqlite3'}"
            full_url = f"sqlite:///{folder / 'bench_full.sqlite3'}"
            scale_url = f"sqlite:///{folder / 'bench_scale.sqlite3'}"
            (folder / "bench_demo.sqlite3").unlink(missing_ok=True)
            reused = {url for url in (full_url, scale_url) if args.reuse and _loaded(url)}
            for url in {full_url, scale_url} - reused:
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            database = "SQLite (WAL)"
        prepare(demo_url, "demo", 0)
        for url, kind, opportunities in (
            (full_url, "full", args.full),
            (scale_url, "scale", args.opportunities),
        ):
            prepare(url, kind, opportunities, migrate_only=url in reused)
        demo = measure(demo_url, "demo", args.settle)
        full = measure(full_url, "full", args.settle)
        scale = measure(scale_url, "scale", args.settle)
    size, full_size = f"{args.opportunities / 1000:g} k", f"{args.full / 1000:g} k"
    print()
    print(
        f"{database}, gunicorn 2 sync workers, median of {RUNS} requests after {WARMUP} "
        f"warm-up; the demo data set, {args.full:,} and {args.opportunities:,} opportunities; "
        "time · size of the answer"
    )
    print(f"| page | demo | {full_size} | {size} | {size} / demo | {size} / {full_size} |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, *_rest in PAGES:
        d, f, s = demo[label], full[label], scale[label]
        print(
            f"| {label} | {_cell(d)} | {_cell(f)} | {_cell(s)} | {_ratio(s, d)} | {_ratio(s, f)} |"
        )


if __name__ == "__main__":
    main()
