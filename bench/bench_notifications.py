"""The notifications tab of the inbox and the nav counter with many stored notifications:
a page costs the same with 200 or 20,000 of them (keyset pages over an indexed range).

Prints the median time of the notifications tab (first page, and a page deep in the read
ones) and of the counter fragment, in process, on the demo data plus N items for the leader.

    .venv/bin/python bench/bench_notifications.py [--items 20000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["DATABASE_URL"] = url
        from flask_migrate import upgrade
        from sqlalchemy import insert, select

        from portal import create_app
        from portal.auth.models import User
        from portal.config import DevelopmentConfig
        from portal.demo import load_demo_data
        from portal.drafts.models import Proposal
        from portal.extensions import db
        from portal.tender.models import InboxItem
        from portal.timeutil import utcnow

        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            load_demo_data(reset=True)
            liu = db.session.scalars(select(User).where(User.username == "liu")).one()
            chen = db.session.scalars(select(User).where(User.username == "chen")).one()
            proposal = db.session.scalars(select(Proposal)).first()
            now = utcnow()
            rows = [
                {
                    "user_id": liu.id,
                    "kind": "comment",
                    "proposal_id": proposal.id,
                    "actor_id": chen.id,
                    "created_at": now,
                    "read_at": now if i < args.items * 9 // 10 else None,
                }  # fmt: skip
                for i in range(args.items)
            ]
            db.session.execute(insert(InboxItem), rows)
            db.session.commit()
            liu_id = liu.id
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token.group(1) if token else ""
        client.post(
            "/login",
            data={"username": "liu", "password": "biddesk-demo", "csrf_token": token},
        )

        def timed(path, headers=None) -> float:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(path, headers=headers or {})
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            return median(times)

        first = client.get("/inbox?tab=notifications").get_data(as_text=True)
        assert "notification-" in first, "not logged in?"
        with app.app_context():
            deep = db.session.scalar(
                select(InboxItem.id)
                .where(InboxItem.user_id == liu_id, InboxItem.read_at.is_not(None))
                .order_by(InboxItem.id)
                .offset(args.items // 4)
                .limit(1)
            )
        print(f"items stored for the user: {args.items} (10 % unread); median of {args.runs}")
        deep_url = f"/inbox?tab=notifications&after=r{deep}"
        counter = timed("/inbox/counts", {"HX-Request": "true"})
        print(f"notifications tab, first page:  {timed('/inbox?tab=notifications'):7.1f} ms")
        print(f"notifications tab, deep page:   {timed(deep_url):7.1f} ms")
        print(f"nav counter fragment:           {counter:7.1f} ms")


if __name__ == "__main__":
    main()
