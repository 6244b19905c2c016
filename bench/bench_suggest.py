"""Suggested answers for one requirement with a library of 5,000 blocks and 20,000 past
answered requirements, on the database the environment names (SQLite by default, the
PostgreSQL of DATABASE_URL otherwise; the bench creates and drops its own database there).

Measures `portal.tender.suggest.suggestions()` (segmentation of the requirement, the
full-text query, loading the blocks and answers the user may see, and where each block
was used) for 20 different requirements (Chinese and English), 10 runs each after a
warm-up, and prints the median and the 95th percentile. Target: median < 50 ms.

    .venv/bin/python bench/bench_suggest.py [--narrow]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/bench_suggest.py

Documents are random bags of words (see `text`): by default 40 % from a list of tender
words and 60 % from everyday words, so a requirement matches a realistic share of the
library; --narrow draws every word from the ~90 tender words, so almost every document
matches every query (the worst case for ranking).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BLOCKS, ANSWERS, PROPOSALS = 5_000, 20_000, 200

ZH = (  # noqa: SIM905
    "原厂 技术支持 服务 响应 时间 小时 到场 备件 国产化 操作系统 数据库 "
    "中间件 双因素 认证 审计 日志 留存 加密 传输 存储 备份 恢复 容灾 "
    "双活 可用性 性能 并发 吞吐 延迟 扩容 监控 告警 运维 培训 文档 交付 "
    "验收 付款 质保 维保 发票 合同 违约 赔偿 知识产权 调度 电网 变电站 "
    "数据中心 云平台 虚拟化 容器 微服务 接口 集成 迁移 兼容 信创 等保 "
    "三级 密码 应用 安全 漏洞 扫描 渗透 测试 应急 预案 值守 驻场 工程师 "
    "项目经理 资质 "
).split()
EN = (  # noqa: SIM905
    "support response time hours onsite spare parts operating system "
    "database middleware two-factor authentication audit log retention "
    "encryption transit storage backup recovery disaster active-active "
    "availability performance concurrency throughput latency scaling "
    "monitoring alerting operations training documentation delivery "
    "acceptance payment warranty maintenance invoice contract penalty "
    "liability integration migration compatibility container kubernetes "
    "api single sign-on saml oidc "
).split()


def broad_vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """Everyday words beside the tender words above: 3,000 common Chinese words from
    jieba's dictionary and the English words of the portal's own message catalogue."""
    import re

    import jieba

    chinese = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as words:
        for line in words:
            word, freq, _tag = line.split()
            if 2 <= len(word) <= 4 and 3_000 <= int(freq) <= 200_000:
                chinese.append(word)
    catalogue = (Path(__file__).resolve().parent.parent / "translations/messages.pot").read_text()
    english = sorted({w.lower() for w in re.findall(r"[A-Za-z]{4,}", catalogue)})
    return rng.sample(chinese, min(3_000, len(chinese))), english


VOCABULARY: dict[bool, list[str]] = {True: ZH, False: EN}


def text(rng: random.Random, chinese: bool, words: int) -> str:
    """A bag of words: 40 % tender words, 60 % everyday words (only tender words with
    --narrow, where nearly every document matches every query: the worst case)."""
    vocab = VOCABULARY[chinese]
    domain = ZH if chinese else EN
    picked = [rng.choice(domain if rng.random() < 0.4 else vocab) for _ in range(words)]
    return ("".join(picked) + "。") if chinese else (" ".join(picked).capitalize() + ".")


def database_url() -> tuple[str, callable]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="bench-suggest-")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = "bench_suggest"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return base.set(database=name).render_as_string(hide_password=False), drop


def fill(db, rng: random.Random) -> int:
    """Blocks, proposals and answers through SQL (the segmented terms as the ORM hooks
    would store them). Returns the id of a proposal to ask suggestions for."""
    from sqlalchemy import insert, select

    from portal.accounts.models import Account
    from portal.auth.models import User
    from portal.deals.models import Opportunity
    from portal.drafts.models import LibraryBlock, Proposal
    from portal.seed import default_stages
    from portal.tender.models import Requirement, SearchEntry
    from proposals.segment import index_text

    user = User(username="bench", display_name="Bench", role="admin", password_hash="x")  # noqa: S106 (never logs in)
    account = Account(name="Bench 客户", industry="Energy", grade="A")
    db.session.add_all([user, account])
    db.session.flush()
    from decimal import Decimal

    opportunity = Opportunity(
        account=account,
        name="Bench",
        stage=default_stages()[1],
        owner_id=user.id,
        procurement_form="public_tender",
        amount=Decimal("1000000.00"),
    )
    db.session.add(opportunity)
    db.session.flush()
    proposals = [
        {"opportunity_id": opportunity.id, "title": f"Bid {i}", "language": "zh_CN"}
        for i in range(PROPOSALS + 1)
    ]
    db.session.execute(insert(Proposal), proposals)
    ids = db.session.scalars(select(Proposal.id).order_by(Proposal.id)).all()
    today = date.today()
    blocks = []
    for i in range(BLOCKS):
        chinese = i % 3 != 0
        blocks.append(
            {
                "title": text(rng, chinese, 3)[:-1],
                "tags": "",
                "language": "zh_CN" if chinese else "en",
                "body": text(rng, chinese, 40),
                "last_reviewed": today - timedelta(days=rng.randrange(400)),
            }
        )
    db.session.execute(insert(LibraryBlock), blocks)
    block_ids = db.session.scalars(select(LibraryBlock.id).order_by(LibraryBlock.id)).all()
    db.session.execute(
        insert(SearchEntry),
        [
            {
                "kind": "block",
                "ref_id": bid,
                "language": b["language"],
                "terms": index_text(b["title"], b["tags"], b["body"]),
            }
            for bid, b in zip(block_ids, blocks, strict=True)
        ],
    )
    answers = []
    for i in range(ANSWERS):
        chinese = i % 3 != 0
        answers.append(
            {
                "proposal_id": ids[1 + i % PROPOSALS],
                "position": i,
                "number": str(i),
                "text": text(rng, chinese, 12),
                "verdict": "comply",
                "response": text(rng, chinese, 30),
                "block_id": block_ids[i % BLOCKS] if i % 4 == 0 else None,
            }
        )
    db.session.execute(insert(Requirement), answers)
    rows = db.session.execute(
        select(Requirement.id, Requirement.proposal_id, Requirement.text).order_by(Requirement.id)
    ).all()
    db.session.execute(
        insert(SearchEntry),
        [
            {
                "kind": "answer",
                "ref_id": rid,
                "proposal_id": pid,
                "language": "",
                "terms": index_text(t),
            }
            for rid, pid, t in rows
        ],
    )
    db.session.commit()
    return ids[0], user.id


def main() -> None:
    from flask_login import login_user
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestingConfig
    from portal.extensions import db
    from portal.seed import load_reference_data
    from portal.tender.models import Requirement
    from portal.tender.suggest import suggestions

    url, drop = database_url()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(12)
    narrow = "--narrow" in sys.argv
    if not narrow:
        VOCABULARY[True], VOCABULARY[False] = broad_vocabulary(rng)
    try:
        with app.app_context():
            upgrade()
            load_reference_data()
            db.session.commit()
            started = time.perf_counter()
            proposal_id, user_id = fill(db, rng)
            print(
                f"library: {BLOCKS} blocks, {ANSWERS} answers "
                f"(filled in {time.perf_counter() - started:.0f} s)"
            )
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()
            probes = [
                Requirement(proposal_id=proposal_id, position=0, text=text(rng, i % 2 == 0, 10))
                for i in range(20)
            ]
            from portal.auth.models import User

            timings = []
            found = 0
            with app.test_request_context():
                login_user(db.session.get(User, user_id))
                for probe in probes:
                    suggestions(probe, date.today())  # warm-up
                    for _ in range(10):
                        t0 = time.perf_counter()
                        items = suggestions(probe, date.today())
                        timings.append((time.perf_counter() - t0) * 1000)
                    found += bool(items)
            timings.sort()
            median = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"database: {db.engine.dialect.name}; vocabulary: {'narrow' if narrow else 'broad'}"
            )
            print(f"requirements with suggestions: {found}/{len(probes)}")
            print(f"suggestions for one requirement: median {median:.1f} ms, p95 {p95:.1f} ms")
            print(f"target < 50 ms: {'met' if median < 50 else 'NOT met'}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not os.environ.get("BENCH_KEEP"):
            drop()


if __name__ == "__main__":
    main()
