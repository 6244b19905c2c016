"""Quote line autosave (one line edited, totals fragment re-rendered) against a bare endpoint.

The quote has 3 options × 40 lines. Each client process edits its own line, sending the
version the previous answer gave it (optimistic locking, as the browser does), so every
request is a real save: validate, update, recompute the totals of all 120 lines, render
the out-of-band totals and workflow fragments. Both endpoints are served by gunicorn with
2 sync workers on loopback and driven by the same Python client, same connections, same run.
Prints both throughputs and their ratio (target: line save >= 30% of bare), plus the
portal's floor: the same login, session, CSRF and header hooks answering a constant string
(bench/portal_floor_app.py), which bounds what any portal POST can reach.

    .venv/bin/python bench/bench_quote.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serving import USER_AGENT, gunicorn, login, prepare_demo_database  # noqa: E402

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
OPTIONS, LINES_PER_OPTION = 3, 40


def prepare_database(url: str) -> list[int]:
    out = prepare_demo_database(
        url,
        f"""
        from sqlalchemy import select
        from portal.auth.models import User
        from portal.deals.models import Opportunity
        from portal.drafts.models import Proposal, ProposalLine, ProposalOption, ProposalSection
        zhao = db.session.scalars(select(User).where(User.username == "zhao")).one()
        opportunity = db.session.scalars(
            select(Opportunity).where(Opportunity.presales_id == zhao.id)).first()
        proposal = Proposal(opportunity=opportunity, title="基准 Bench quote", language="zh_CN",
                            currency="CNY", status="draft", created_by=zhao)
        proposal.sections.append(
            ProposalSection(position=0, kind="executive_summary", title="摘要", body="x"))
        parts = ["solution", "services", "maintenance"]
        for o in range({OPTIONS}):
            option = ProposalOption(position=o, name=f"Option {{o + 1}}", recommended=o == 0,
                                    maintenance_years=3)
            proposal.options.append(option)
            for n in range({LINES_PER_OPTION}):
                option.lines.append(ProposalLine(
                    position=n, part=parts[n % 3], description=f"Line {{n}}",
                    quantity=Decimal(1 + n), unit_price=Decimal("1234.56"),
                    unit_cost=Decimal("700"), discount_pct=Decimal(n % 12)))
        db.session.add(proposal)
        db.session.commit()
        line_ids = [line.id for option in proposal.options for line in option.lines]
        print(opportunity.id, proposal.id, *line_ids[:{CONNECTIONS}])
    """,  # noqa: S608 (Python source for the set-up process, not SQL)
    )
    return [int(x) for x in out.strip().splitlines()[-1].split()]


def _get(port: int, path: str, headers: dict) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", path, headers={"User-Agent": USER_AGENT, **headers})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, body


def _edit_client(args):
    """Save one line over and over, alternating its quantity; returns the number of saves."""
    port, path, line_id, cookie, token, seconds = args
    headers = {
        "User-Agent": USER_AGENT,
        "Cookie": cookie,
        "X-CSRFToken": token,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    version, done, workflow_key = 1, 0, ""
    end = time.time() + seconds
    while time.time() < end:
        body = urlencode(
            {
                "description": f"Line edited {done % 2}",
                "quantity": str(5 + done % 2),
                "unit_price": "1234.56",
                "unit_cost": "700",
                "discount_pct": "3",
                "version": version,
                "workflow_key": workflow_key,
            }
        )
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        if resp.status != 200 or 'id="quote-totals"' not in text:
            raise RuntimeError(f"{path}: HTTP {resp.status}\n{text[:400]}")
        version = int(re.search(rf'id="line-{line_id}-version" value="(\d+)"', text).group(1))
        # Like the browser: the status card is re-sent only when what it shows changes.
        key = re.search(r'id="workflow-key" value="([^"]+)"', text)
        workflow_key = key.group(1) if key else workflow_key
        done += 1
    return done


def _bare_client(args):
    port, seconds = args
    done = 0
    end = time.time() + seconds
    while time.time() < end:
        status, _body = _get(port, "/bare", {})
        if status != 200:
            raise RuntimeError(f"/bare: HTTP {status}")
        done += 1
    return done


def _save_rate(target, env, opportunity_id, proposal_id, line_ids, seconds, path=None) -> float:
    """Requests per second of CONNECTIONS clients, each saving its own line over and over."""
    with gunicorn(target, env) as port:
        cookie = login(port, "zhao", "biddesk-demo")
        page = f"/opportunities/{opportunity_id}/proposals/{proposal_id}"
        status, html = _get(port, page, {"Cookie": cookie})
        assert status == 200, status
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        jobs = [
            (
                port,
                (path or page + "/lines/{line_id}").format(line_id=line_id),
                line_id,
                cookie,
                token,
                seconds,
            )
            for line_id in line_ids
        ]
        with Pool(CONNECTIONS) as pool:
            return sum(pool.map(_edit_client, jobs)) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        opportunity_id, proposal_id, *line_ids = prepare_database(url)
        env = {"DATABASE_URL": url, "BIDDESK_ENV": "production", "SECRET_KEY": "bench-only"}
        with gunicorn("bench.bare_app:app", env) as bare_port, Pool(CONNECTIONS) as pool:
            bare = (
                sum(pool.map(_bare_client, [(bare_port, args.seconds)] * CONNECTIONS))
                / args.seconds
            )
        saves = _save_rate("wsgi:app", env, opportunity_id, proposal_id, line_ids, args.seconds)
        floor = _save_rate(
            "bench.portal_floor_app:app",
            env,
            opportunity_id,
            proposal_id,
            line_ids,
            args.seconds,
            path="/bench/floor/{line_id}",
        )
    print(
        f"load generator: python http.client, {CONNECTIONS} processes; gunicorn 2 sync workers; "
        f"{args.seconds:.0f} s each"
    )
    print(
        f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite (WAL)'}; "
        f"quote: {OPTIONS} options x {LINES_PER_OPTION} lines"
    )
    print(f"bare Flask endpoint                 : {bare:9.1f} req/s")
    print(f"portal floor: POST that does nothing: {floor:9.1f} req/s  ({floor / bare:.1%} of bare)")
    print(f"line save + totals fragment (POST)  : {saves:9.1f} req/s")
    print(f"ratio line save / bare              : {saves / bare:9.1%}  (target >= 30%)")
    print(f"ratio line save / portal floor      : {saves / floor:9.1%}")


if __name__ == "__main__":
    main()
