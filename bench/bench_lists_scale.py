"""Lists, search, page 50, account autocomplete and the objections pipeline on a
company-sized database (bench/scale_data.py: 100,000 opportunities, 20,000 accounts,
300,000 stakeholders, 50,000 objections), served by gunicorn with 2 workers.

Prints the median of N sequential requests per page, in ms. Full pages are never served
from the fragment cache, so they measure the queries; "(cached)" rows are htmx fragments
asked again, as search-as-you-type does.

    # build a scratch database once (PostgreSQL: dropped and created again), then measure
    .venv/bin/python bench/bench_lists_scale.py --build \
        --database-url postgresql://postgres@127.0.0.1:5432/biddesk_scale_b_100k
    .venv/bin/python bench/bench_lists_scale.py --build --database-url sqlite:////tmp/s.sqlite3
    # measure again without rebuilding
    .venv/bin/python bench/bench_lists_scale.py --database-url ...
"""

from __future__ import annotations

import argparse
import html
import http.client
import importlib.util
import os
import re
import secrets
import sys
import time
from pathlib import Path
from statistics import median
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serving import USER_AGENT, gunicorn, login  # noqa: E402


def _loader():
    """bench/scale_data.py, or the file named by SCALE_DATA (the same loader elsewhere)."""
    path = os.environ.get("SCALE_DATA")
    if not path:
        from bench import scale_data

        return scale_data
    spec = importlib.util.spec_from_file_location("scale_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(url: str, opportunities: int) -> None:
    if url.startswith("postgresql"):
        import psycopg
        from sqlalchemy.engine import make_url

        target = make_url(url)
        admin = target.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{target.database}"')
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    started = time.perf_counter()
    app = create_app(
        SQLALCHEMY_DATABASE_URI=_sqlalchemy_url(url), SECRET_KEY=secrets.token_urlsafe(48)
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    _loader().build(url, opportunities=opportunities)
    print(f"built {opportunities:,} opportunities in {time.perf_counter() - started:.0f} s")


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _get(port: int, path: str, headers: dict) -> tuple[float, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"User-Agent": USER_AGENT, **headers})
    response = conn.getresponse()
    body = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return elapsed, body


def _median_ms(port: int, path: str, headers: dict, n: int) -> float:
    _get(port, path, headers)  # warm-up
    return median(_get(port, path, headers)[0] for _ in range(n))


def _page(port: int, headers: dict, number: int) -> str:
    """The URL of list page `number` (or the last one), reached by following "Next"."""
    url, shown = "/opportunities", 1
    while shown < number:
        _elapsed, body = _get(port, url, {**headers, "HX-Request": "true"})
        found = re.search(r'<a href="([^"]+)"[^>]*rel="next"', body)
        if not found:
            break
        url, shown = html.unescape(found.group(1)), shown + 1
    return url


def measure(url: str, n: int) -> None:
    loader = _loader()
    # The development settings without Redis (production asks for Redis to share the
    # login limit between workers); queries and rendering are the same.
    env = {
        "DATABASE_URL": url,
        "BIDDESK_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "REDIS_URL": "",
        "BIDDESK_WORKERS": "2",
    }
    with gunicorn("wsgi:app", env) as port:
        leader = {"Cookie": login(port, "leader01", loader.PASSWORD)}
        rep = {"Cookie": login(port, "rep001", loader.PASSWORD)}
        hx = {"HX-Request": "true"}
        q = quote
        rows = [
            ("opportunity list, leader", leader, "/opportunities"),
            ("opportunity list, rep", rep, "/opportunities"),
            ("list sorted by name, leader", leader, "/opportunities?sort=name"),
            ("search zh 3+ chars (电网信息), leader", leader, f"/opportunities?q={q('电网信息')}"),
            ("search zh 2 chars (华东), leader", leader, f"/opportunities?q={q('华东')}"),
            ("search zh 2 chars (华东), rep", rep, f"/opportunities?q={q('华东')}"),
            ("search latin (Logistics), leader", leader, "/opportunities?q=Logistics"),
            ("search latin (Nordvik), rep", rep, "/opportunities?q=Nordvik"),
            ("page 50, leader", leader, _page(port, leader, 50)),
            ("page 50 (or last), rep", rep, _page(port, rep, 50)),
            ("account list, leader", leader, "/accounts"),
            ("objections pipeline, leader", leader, "/objections/pipeline"),
            ("objections pipeline, all, leader", leader, "/objections/pipeline?recurring=all"),
        ]
        fragments = [
            ("account autocomplete (电网)", leader, f"/accounts/suggest?account_name={q('电网')}"),
            ("account autocomplete (Harbour)", leader, "/accounts/suggest?account_name=Harbour"),
            ("list fragment, leader (cached)", leader, "/opportunities?sort=-amount"),
        ]
        database = "PostgreSQL" if url.startswith("postgres") else "SQLite (WAL)"
        print(f"{database}; gunicorn 2 sync workers; median of {n} sequential requests")
        for label, headers, path in rows:
            print(f"{label:42s} {_median_ms(port, path, headers, n):8.1f} ms   {path[:60]}")
        for label, headers, path in fragments:
            ms = _median_ms(port, path, {**headers, **hx}, n)
            print(f"{label:42s} {ms:8.1f} ms   {path[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if args.build:
        build(args.database_url, args.opportunities)
    measure(args.database_url, args.requests)


if __name__ == "__main__":
    main()
