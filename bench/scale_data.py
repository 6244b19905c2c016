"""A company-sized data set, bulk-loaded: what the portal must stay fast with.

    build(database_url, opportunities=100_000, seed=1)

loads, into an EMPTY database already migrated to the head revision, for 100,000
opportunities (every count scales with `opportunities`):

- 150 reps in 15 teams of ten (each team led by one of 15 leaders), 20 presales, an admin;
  every user's password is PASSWORD (hashed once, the hash shared: loading stays fast);
- 20,000 accounts, 300,000 stakeholders (three per opportunity), a team member on every
  fourth opportunity (a rep of the owner's team);
- 20,000 proposals with 5 sections and 2 options of 20 quote lines each, each with its
  stored quote summary (proposals.quote_summary); approvals for the proposals in review
  (pending) and approved (approved), with the fingerprint and reasons of the quote as it is;
- 20,000 price-score scenarios: where the procurement form is scored (public tender,
  competitive negotiation), the opportunity's official scenario, linked to the
  recommended option, its chosen price the option's contract value, the opportunity amount
  that price, its rivals the opportunity's rivals (the one-bid rules: no disagreement);
  the rest are what-if scenarios on the same bids; 3 rivals each from 300 competitors;
- 50,000 objections (recurring wordings, most closed) in their recurring-objection groups,
  10,000 negotiation sheets with a price goal around the bid price.

PostgreSQL rows go in with COPY (psycopg), SQLite rows with executemany in batches; the
ids are given here, and PostgreSQL sequences are moved past them. Deterministic for a seed.
Dates are relative to today.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, inspect

from portal.demo import EN_FIRST, EN_LAST  # the demo's English names, reused
from proposals.objections import GroupAssigner, objection_tokens, wording_key

PASSWORD = "biddesk-scale"  # noqa: S105 (the bench data set's shared login)
REPS, TEAM_SIZE, PRESALES = 150, 10, 20
LEADERS = REPS // TEAM_SIZE

# Per 100,000 opportunities.
ACCOUNTS_PER_100K = 20_000
PROPOSALS_PER_100K = 20_000
SCENARIOS_PER_100K = 20_000
OBJECTIONS_PER_100K = 50_000
SHEETS_PER_100K = 10_000
STAKEHOLDERS_PER_OPPORTUNITY = 3
SECTIONS, OPTIONS, LINES = 5, 2, 20
RIVALS = 3
COMPETITORS = 300

D = Decimal
CENT = D("0.01")

ZH_PLACES = [
    "华东",
    "华南",
    "华北",
    "西南",
    "江南",
    "北岭",
    "天府",
    "星海",
    "东海",
    "南山",
    "中原",
    "湖湘",
    "闽江",
    "川渝",
    "燕赵",
    "齐鲁",
    "秦岭",
    "滨海",
    "云岭",
    "长江",
]
ZH_TRADES = [
    ("电网信息通信公司", "能源 Energy"),
    ("城市商业银行", "金融 Banking"),
    ("智能制造股份有限公司", "制造 Manufacturing"),
    ("智慧医疗集团", "医疗 Healthcare"),
    ("政务数据局", "政府 Public sector"),
    ("轨道交通集团", "交通 Transport"),
    ("港口物流有限公司", "物流 Logistics"),
    ("移动通信分公司", "电信 Telecom"),
]
EN_PLACES = [
    "Nordvik",
    "Meridian",
    "Aurora",
    "Baltic",
    "Harbour",
    "Alpine",
    "Coastal",
    "Summit",
    "Lakeside",
    "Redwood",
]
EN_TRADES = [
    ("Logistics AB", "Logistics 物流"),
    ("Retail Pte Ltd", "Retail 零售"),
    ("Telecom GmbH", "Telecom 电信"),
    ("Energy Oy", "Energy 能源"),
    ("Health Trust", "Healthcare 医疗"),
]
ZH_PROJECTS = [
    "数据中心网络改造",
    "巡检AI平台",
    "营销系统云迁移",
    "核心系统同城灾备",
    "风控模型升级",
    "智能终端",
    "MES二期",
    "供应链可视化",
    "预测性维护",
    "影像云平台",
    "互联网医院",
    "数据中台",
    "一网通办扩容",
    "安全加固",
    "数据共享交换平台",
]
EN_PROJECTS = [
    "Warehouse robotics control tower",
    "Fleet telematics renewal",
    "Customs data integration",
    "Omnichannel POS replacement",
    "Store analytics pilot",
    "Loyalty platform migration",
    "5G core network monitoring",
    "Billing system modernisation",
]
ZH_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
ZH_GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超霞"
CHAIN = [
    # title zh, title en, department zh, department en, MAP role, buying role, decision, influence
    (
        "分管副总",
        "Deputy General Manager",
        "总经理办公室",
        "Executive office",
        "money",
        "economic",
        "final",
        5,
    ),
    (
        "信息中心主任",
        "Head of IT",
        "信息中心",
        "IT department",
        "product",
        "technical",
        "technical",
        4,
    ),
    ("采购经理", "Procurement Manager", "采购部", "Procurement", "authority", None, "financial", 3),
    ("财务总监", "CFO", "财务部", "Finance", "money", "economic", "financial", 4),
    (
        "架构师",
        "Lead Architect",
        "信息中心",
        "IT department",
        "product",
        "technical",
        "technical",
        3,
    ),
    ("业务部门经理", "Business Unit Manager", "业务部", "Operations", "product", "user", "user", 3),
]
SECTION_TITLES = [
    ("executive_summary", "执行摘要", "Executive summary"),
    ("customer_needs", "客户需求", "Customer needs"),
    ("proposed_solution", "解决方案", "Proposed solution"),
    ("value_roi", "价值与投资回报", "Value and ROI"),
    ("implementation_plan", "实施计划", "Implementation plan"),
]
SECTION_BODY_ZH = (
    "本方案以业务连续性为前提，分阶段实施，每阶段设置验收门槛。"
    "- 现网设备已过厂商服务期\n- 关键业务要求可用性 99.99%\n- 运维人员夜间响应慢\n"
    "| 指标 | 现状 | 目标 |\n|---|---|---|\n| 故障定位 | 4 小时 | 20 分钟 |"
)
SECTION_BODY_EN = (
    "We start with one site as a paid pilot and roll out by business priority; each phase "
    "has an acceptance gate.\n- Equipment out of vendor support\n- 99.99 % availability "
    "required\n| Metric | Today | Target |\n|---|---|---|\n| Fault isolation | 4 h | 20 min |"
)
LINE_ITEMS = [
    # part, zh, en, unit price range, cost ratio
    ("solution", "核心交换机", "Core switch", (200_000, 500_000), 0.72),
    ("solution", "汇聚交换机", "Aggregation switch", (40_000, 90_000), 0.75),
    ("solution", "接入交换机", "Access switch", (8_000, 20_000), 0.78),
    ("solution", "防火墙", "Firewall", (120_000, 260_000), 0.7),
    ("solution", "服务器", "Server", (60_000, 140_000), 0.8),
    ("solution", "存储阵列", "Storage array", (300_000, 700_000), 0.74),
    ("solution", "运维平台许可", "Operations platform licence", (150_000, 400_000), 0.35),
    ("solution", "数据库许可", "Database licence", (100_000, 300_000), 0.4),
    ("solution", "负载均衡", "Load balancer", (80_000, 160_000), 0.7),
    ("solution", "无线控制器", "Wireless controller", (30_000, 70_000), 0.75),
    ("solution", "光模块", "Optical module", (2_000, 6_000), 0.8),
    ("solution", "机柜与配电", "Racks and power", (20_000, 50_000), 0.85),
    ("services", "割接实施", "Cut-over", (200_000, 600_000), 0.7),
    ("services", "现场培训", "On-site training", (20_000, 60_000), 0.6),
    ("services", "方案设计", "Solution design", (80_000, 200_000), 0.55),
    ("services", "驻场支持", "Resident support", (100_000, 300_000), 0.75),
    ("services", "验收测试", "Acceptance testing", (40_000, 120_000), 0.65),
    ("maintenance", "原厂维保（每年）", "Vendor maintenance (per year)", (100_000, 400_000), 0.5),
    ("maintenance", "软件订阅（每年）", "Software subscription (per year)", (50_000, 200_000), 0.4),
    ("maintenance", "7×24 值守（每年）", "24/7 on-call (per year)", (60_000, 150_000), 0.6),
]
OPTION_NAMES = [("标准方案", "Standard"), ("高级方案", "Premium")]
OBJECTION_WORDS = {
    "price": [
        "你们的报价比{r}高出不少，预算批不下来",
        "价格太高了，{r}便宜百分之十",
        "Your price is well above {r}; the budget will not stretch",
        "Too expensive compared with {r}",
    ],
    "time": [
        "上线周期太长，汛期前必须完成",
        "交付时间赶不上年底验收",
        "The rollout takes too long for our fiscal year",
        "We cannot wait six months for delivery",
    ],
    "risk": [
        "割接期间业务不能中断，你们怎么保证",
        "没有同行业案例，风险太大",
        "We have never seen this running at a bank our size",
        "Migration risk is too high for the core system",
    ],
    "decision": [
        "领导还没拍板，要等集团审批",
        "采购流程要重新走一遍",
        "The board has not approved the budget yet",
        "Procurement wants a second round of quotes",
    ],
    "other": [
        "售后响应慢，之前合作有过不愉快",
        "需要本地化团队驻场",
        "Your support team is too far away",
        "We need the documentation in our language",
    ],
}


class _Writer:
    """Bulk insert into one database: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.conn = engine.raw_connection()
        self.columns = {
            name: {c["name"]: c for c in inspect(engine).get_columns(name)}
            for name in inspect(engine).get_table_names()
        }
        self.written: dict[str, int] = {}

    def ts(self, moment: datetime) -> str:
        # PostgreSQL timestamptz takes the offset; SQLAlchemy keeps naive UTC text on SQLite.
        if self.postgres:
            return moment.isoformat(" ")
        return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def put(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        self._check(table, columns)
        cursor = self.conn.cursor()
        names = ", ".join(columns)
        if self.postgres:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # sqlite3 binds no Decimal: NUMERIC columns take the exact text.
            rows = [tuple(str(v) if type(v) is Decimal else v for v in row) for row in rows]
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names of this module)
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])
        cursor.close()
        self.written[table] = self.written.get(table, 0) + len(rows)

    def _check(self, table: str, columns: Sequence[str]) -> None:
        known = self.columns[table]
        unknown = set(columns) - set(known)
        if unknown:
            raise ValueError(f"{table}: no columns {sorted(unknown)}")
        missing = [
            name
            for name, col in known.items()
            if name not in columns and not col["nullable"] and col.get("default") is None
        ]
        if missing:
            raise ValueError(f"{table}: required columns not given {missing}")

    def update_amounts(self, rows: list[tuple[Decimal, int]]) -> None:
        cursor = self.conn.cursor()
        mark = "%s" if self.postgres else "?"
        cursor.executemany(
            f"UPDATE opportunity SET amount = {mark} WHERE id = {mark}",  # noqa: S608
            [(price if self.postgres else str(price), opp_id) for price, opp_id in rows],
        )
        cursor.close()

    def finish(self) -> None:
        cursor = self.conn.cursor()
        if self.postgres:
            for table in self.written:
                if "id" not in self.columns[table]:
                    continue  # keyed by its parent (the groups' token index)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
        self.conn.commit()
        if self.postgres:
            # What autovacuum does soon after a bulk load: statistics, and the visibility
            # map that lets the planner answer from indexes alone (index-only scans).
            self.conn.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            self.conn.commit()
        self.conn.close()


def _money(value: float) -> Decimal:
    return D(str(round(value, 2))).quantize(CENT)


def _engine(database_url: str):
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]
    return create_engine(database_url)


def _reference_data(database_url: str) -> tuple[list[int], str]:
    """Stage models (via the app's own loader) and one password hash; returns the default
    model's stage ids in order and the hash."""
    import os

    from portal import create_app
    from portal.auth.models import User
    from portal.extensions import db
    from portal.seed import default_stages, load_reference_data

    url = database_url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    app = create_app(
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=os.environ.get("SECRET_KEY") or "scale-data-loader",
    )
    with app.app_context():
        load_reference_data()
        db.session.commit()
        stage_ids = [s.id for s in default_stages()]
        probe = User(username="-", display_name="-", role="rep")
        probe.set_password(PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return stage_ids, probe.password_hash


def build(database_url: str, opportunities: int = 100_000, seed: int = 1) -> None:
    """Bulk-load the company-sized data set (see the module docstring) into an empty,
    migrated database at `database_url` (SQLAlchemy URL; postgresql:// means psycopg 3)."""
    from proposals.pricing import (
        DEFAULT_APPROVAL_RULES,
        QuoteLine,
        QuoteOption,
        QuotePart,
        option_totals,
        quote_totals,
        required_approver_for_quote,
    )
    from proposals.quote_summary import summarise

    started = time.perf_counter()
    stage_ids, password_hash = _reference_data(database_url)
    engine = _engine(database_url)
    w = _Writer(engine)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    scale = opportunities / 100_000

    # --- users -------------------------------------------------------------------------
    users = []
    uid = 0

    def user(username, name, role, locale):
        nonlocal uid
        uid += 1
        users.append((uid, username, name, None, password_hash, role, locale, True, w.ts(now), 0))
        return uid

    user("admin", "System Admin", "admin", "en")
    [
        user(f"leader{t + 1:02d}", f"组长{t + 1} Team lead {t + 1}", "leader", "zh_CN")
        for t in range(LEADERS)
    ]
    rep_ids = [
        user(
            f"rep{r + 1:03d}",
            f"{ZH_SURNAMES[r % 20]}{ZH_GIVEN[r % 16]} Rep {r + 1}",
            "rep",
            "zh_CN" if r % 3 else "en",
        )
        for r in range(REPS)
    ]
    presales_ids = [
        user(f"presales{p + 1:02d}", f"Presales {p + 1}", "presales", "en") for p in range(PRESALES)
    ]
    w.put(
        "user_account",
        (
            "id",
            "username",
            "display_name",
            "email",
            "password_hash",
            "role",
            "locale",
            "active",
            "created_at",
            "session_generation",
        ),
        users,
    )

    # --- accounts ----------------------------------------------------------------------
    n_accounts = max(1, round(ACCOUNTS_PER_100K * scale))
    accounts = []
    for a in range(1, n_accounts + 1):
        if a % 4:
            trade, industry = ZH_TRADES[a % len(ZH_TRADES)]
            place = ZH_PLACES[(a // 7) % len(ZH_PLACES)]
            name, region = f"{place}{trade}{a:05d}", place
        else:
            trade, industry = EN_TRADES[a % len(EN_TRADES)]
            place = EN_PLACES[(a // 7) % len(EN_PLACES)]
            name, region = f"{place} {trade} {a:05d}", place
        values = [rng.randint(2, 9) for _ in range(4)]
        accounts.append(
            (
                a,
                name,
                industry,
                region,
                "ABCD"[a % 4 if a % 11 else 0],
                ("centralized", "distributed", "hybrid")[a % 3],
                *values,
                "",
                w.ts(now - timedelta(days=400 + a % 300)),
                1,
            )
        )
    w.put(
        "account",
        (
            "id",
            "name",
            "industry",
            "region",
            "grade",
            "decision_mode",
            "value_current",
            "value_potential",
            "value_relationship",
            "value_strategic",
            "notes",
            "created_at",
            "version",
        ),
        accounts,
    )
    account_chinese = {a[0]: a[0] % 4 != 0 for a in accounts}
    del accounts

    # --- opportunities, team, stakeholders ----------------------------------------------
    forms = ("public_tender", "competitive_negotiation", "single_source", "inquiry")
    opps = []  # (id, account, currency, owner, status, stage index, form, created)
    opp_rows = []
    team_rows = []
    stakeholder_rows = []
    for o in range(1, opportunities + 1):
        account = rng.randint(1, n_accounts)
        chinese = account_chinese[account]
        owner_index = rng.randrange(REPS)
        owner = rep_ids[owner_index]
        status = rng.choices(("open", "won", "lost", "abandoned"), (50, 20, 20, 10))[0]
        stage = (
            rng.randint(0, 4) if status == "open" else (4 if status == "won" else rng.randint(1, 4))
        )
        form = rng.choices(forms, (40, 35, 10, 15))[0]
        currency = "CNY" if chinese else ("EUR", "SGD")[o % 2]
        created = now - timedelta(days=rng.randint(5, 700), minutes=o % 1440)
        deadline = (
            today + timedelta(days=rng.randint(-10, 180))
            if status == "open"
            else today - timedelta(days=rng.randint(5, 500))
        )
        project = (
            rng.choice(ZH_PROJECTS) + " " + rng.choice(EN_PROJECTS).split()[0]
            if chinese
            else rng.choice(EN_PROJECTS)
        )
        presales = presales_ids[o % PRESALES] if o % 5 < 3 else None
        amount = _money(rng.uniform(300_000, 30_000_000))
        opps.append([o, account, currency, owner, status, stage, form, created, amount, chinese])
        opp_rows.append(
            [
                o,
                account,
                f"{project} {o:06d}",
                stage_ids[stage],
                form,
                amount,
                currency,
                deadline.isoformat(),
                (deadline + timedelta(days=30)).isoformat(),
                owner,
                presales,
                status,
                {"lost": "价格分落后 Lost on price points", "abandoned": "Budget frozen"}.get(
                    status, ""
                ),
                "",
                w.ts(created),
                w.ts(created + timedelta(days=3)),
                owner,
                1,
            ]
        )
        if o % 4 == 0:  # a colleague of the owner's team works the deal too
            team = owner_index // TEAM_SIZE
            mate = rep_ids[team * TEAM_SIZE + (owner_index + 1 + o % (TEAM_SIZE - 1)) % TEAM_SIZE]
            team_rows.append((len(team_rows) + 1, o, mate, "fulfilment"))
        for k in range(STAKEHOLDERS_PER_OPPORTUNITY):
            c = CHAIN[k] if k < 2 else CHAIN[2 + (o + k) % 4]
            if chinese:
                person = (
                    rng.choice(ZH_SURNAMES)
                    + rng.choice(ZH_GIVEN)
                    + (rng.choice(ZH_GIVEN) if o % 2 else "")
                )
            else:
                person = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            stakeholder_rows.append(
                (
                    (o - 1) * STAKEHOLDERS_PER_OPPORTUNITY + k + 1,
                    o,
                    person,
                    c[0] if chinese else c[1],
                    c[2] if chinese else c[3],
                    c[4],
                    c[5],
                    c[6],
                    c[7],
                    rng.choices(("supporter", "neutral", "opponent"), (4, 4, 2))[0],
                    (today - timedelta(days=rng.randint(1, 90))).isoformat(),
                    "",
                    1,
                )
            )

    w.put("opportunity", _COLUMNS_OPPORTUNITY, opp_rows)
    w.put("opportunity_team", ("id", "opportunity_id", "user_id", "team_role"), team_rows)
    w.put("stakeholder", _COLUMNS_STAKEHOLDER, stakeholder_rows)
    del opp_rows, team_rows, stakeholder_rows

    # --- proposals, quotes, scenarios, rivals, approvals, sheets -------------------------
    n_proposals = min(round(PROPOSALS_PER_100K * scale), opportunities)
    open_ids = [o[0] for o in opps if o[4] == "open" and o[5] >= 1]
    closed_ids = [o[0] for o in opps if o[4] in ("won", "lost")]
    rng.shuffle(open_ids)
    rng.shuffle(closed_ids)
    n_open = min(len(open_ids), round(n_proposals * 0.85))
    with_proposal = sorted(open_ids[:n_open] + closed_ids[: n_proposals - n_open])
    n_scenarios = round(SCENARIOS_PER_100K * scale)
    n_sheets = round(SHEETS_PER_100K * scale)

    competitor_rows = [
        (
            c,
            f"{rng.choice(ZH_PLACES)}{('科技', '信息', '网络', '数智', '软件')[c % 5]} "
            f"Rival {c:03d}",
            "",
            None,
            1,
        )
        for c in range(1, COMPETITORS + 1)
    ]
    w.put("competitor", ("id", "name", "notes", "deleted_at", "version"), competitor_rows)

    rules_official = json.dumps(_rules(method="lowest"))
    rules_whatif = json.dumps(_rules(method="average"))
    counters = dict.fromkeys(
        (
            "proposal",
            "section",
            "option",
            "line",
            "approval",
            "scenario",
            "pcomp",
            "matrix",
            "sheet",
            "goal",
        ),
        0,
    )
    official_of: dict[int, tuple[int, Decimal]] = {}  # opportunity → (scenario id, bid price)
    section_of: dict[int, int] = {}  # opportunity → first section id
    rivals_of: dict[int, list[int]] = {}
    batch: dict[str, list] = {}

    def add(table, row):
        batch.setdefault(table, []).append(row)

    def flush_batch():
        for table, columns in _COLUMNS.items():
            if table in batch:
                w.put(table, columns, batch.pop(table))

    by_id = {o[0]: o for o in opps}
    for index, opp_id in enumerate(with_proposal):
        opp = by_id[opp_id]
        _o, _account, currency, owner, status, _stage, form, created, _amount, chinese = opp
        counters["proposal"] += 1
        pid = counters["proposal"]
        if status == "open":
            pstatus = rng.choices(
                ("draft", "in_review", "approved", "submitted"), (40, 30, 20, 10)
            )[0]
        else:
            pstatus = status
        quote_changed = created + timedelta(days=2)
        options = []
        option_ids = []
        for position in range(OPTIONS):
            counters["option"] += 1
            option_id = counters["option"]
            option_ids.append(option_id)
            recommended = position == OPTIONS - 1
            years = 3
            name = OPTION_NAMES[position % 2][0 if chinese else 1]
            add("proposal_option", (option_id, pid, position, name, recommended, years, 1))
            lines = []
            base_discount = rng.choice((5, 8, 10, 12, 18, 22))
            for n, (part, zh, en, price_range, cost_ratio) in enumerate(LINE_ITEMS[:LINES]):
                counters["line"] += 1
                qty = D(rng.randint(1, 12) if part == "solution" else 1)
                price = D(rng.randrange(price_range[0], price_range[1], 1000))
                if position:
                    price = (price * D("1.2")).quantize(CENT)
                cost = (price * D(str(cost_ratio))).quantize(CENT)
                discount = D(base_discount if part == "solution" else 0)
                description = zh if chinese else en
                lines.append(QuoteLine(QuotePart(part), description, qty, price, cost, discount))
                add(
                    "proposal_line",
                    (
                        counters["line"],
                        option_id,
                        n,
                        part,
                        description,
                        qty,
                        price,
                        cost,
                        discount,
                        1,
                    ),
                )
            options.append(
                QuoteOption(
                    name=name, recommended=recommended, maintenance_years=years, lines=tuple(lines)
                )
            )
        # The stored quote summary, by the function the app's save hook calls.
        summary = summarise(options, option_ids)
        add(
            "proposal",
            (
                pid,
                opp_id,
                f"{'技术与商务方案' if chinese else 'Technical and commercial'} {opp_id:06d}",
                "zh_CN" if chinese else "en",
                currency,
                pstatus,
                None,
                w.ts(quote_changed),
                json.dumps(summary.as_json(), ensure_ascii=False),
                w.ts(created + timedelta(days=1)),
                owner,
                w.ts(quote_changed),
                owner,
                1,
            ),
        )
        for position, (kind, zh, en) in enumerate(SECTION_TITLES[:SECTIONS]):
            counters["section"] += 1
            if position == 0:
                section_of[opp_id] = counters["section"]
            add(
                "proposal_section",
                (
                    counters["section"],
                    pid,
                    position,
                    kind,
                    zh if chinese else en,
                    SECTION_BODY_ZH if chinese else SECTION_BODY_EN,
                    w.ts(created + timedelta(days=1)),
                    owner,
                    1,
                ),
            )
        if pstatus in ("in_review", "approved"):
            decision = required_approver_for_quote(quote_totals(options), DEFAULT_APPROVAL_RULES)
            if decision.required_role is not None:
                from portal.drafts.workflow import reasons_as_json

                counters["approval"] += 1
                requested = quote_changed + timedelta(hours=2)
                decided = pstatus == "approved"
                add(
                    "proposal_approval",
                    (
                        counters["approval"],
                        pid,
                        opp_id,
                        decision.required_role,
                        summary.fingerprint,
                        json.dumps(reasons_as_json(decision)),
                        "approved" if decided else "pending",
                        owner,
                        w.ts(requested),
                        rep_leader(owner, rep_ids) if decided else None,
                        w.ts(requested + timedelta(days=1)) if decided else None,
                        "",
                        1,
                    ),
                )
        # The official scenario: scored procurement forms only, one per bid.
        if (
            form in ("public_tender", "competitive_negotiation")
            and counters["scenario"] < n_scenarios
        ):
            totals = option_totals(options[-1])
            price = totals.contract_value
            picks = rng.sample(range(1, COMPETITORS + 1), RIVALS)
            rivals_of[opp_id] = picks
            scenario_time = quote_changed + timedelta(hours=1)
            sid = _scenario(
                add,
                counters,
                w,
                opp_id,
                "公开招标评分（官方） Published scoring (official)",
                True,
                rules_official,
                totals,
                price,
                option_ids[-1],
                picks,
                owner,
                scenario_time,
                rng,
            )
            official_of[opp_id] = (sid, price)
            by_id[opp_id][8] = price
            for position, competitor in enumerate(picks):
                counters["matrix"] += 1
                add("matrix_competitor", (counters["matrix"], opp_id, competitor, position + 1))
        if index % 2000 == 1999:
            flush_batch()
    flush_batch()

    # What-if scenarios fill the count, on bids that have an official one.
    officials = sorted(official_of)
    for k in range(max(0, n_scenarios - counters["scenario"])):
        if not officials:
            break
        opp_id = officials[k % len(officials)]
        _sid, price = official_of[opp_id]
        opp = by_id[opp_id]
        fake = _Totals(price, (price * D("0.72")).quantize(CENT))
        _scenario(
            add,
            counters,
            w,
            opp_id,
            "若改为均价K值法 If the buyer switches to average × (1 − K)",
            False,
            rules_whatif,
            fake,
            price,
            None,
            rivals_of[opp_id],
            opp[3],
            opp[7] + timedelta(days=2),
            rng,
        )
        if k % 2000 == 1999:
            flush_batch()
    flush_batch()

    # The opportunity amount follows the bid price.
    w.update_amounts([(price, opp_id) for opp_id, (_sid, price) in official_of.items()])

    # Negotiation sheets: a price goal around the bid price, inside the buyer's maximum.
    for opp_id in officials[:n_sheets]:
        _sid, price = official_of[opp_id]
        opp = by_id[opp_id]
        counters["sheet"] += 1
        sheet_id = counters["sheet"]
        currency = opp[2]
        stamp = w.ts(opp[7] + timedelta(days=3))
        add(
            "negotiation_sheet",
            (
                sheet_id,
                opp_id,
                rng.choice((None, "win_win", "delay")),
                "",
                "",
                "",
                "",
                "",
                (price * D("0.7")).quantize(CENT),
                currency,
                "",
                (price * D("1.08")).quantize(CENT),
                currency,
                currency,
                None,
                D(0),
                D(0),
                D(0),
                0,
                D(0),
                D(0),
                D(0),
                D(0),
                "[]",
                stamp,
                stamp,
                opp[3],
                1,
            ),
        )
        counters["goal"] += 1
        add(
            "negotiation_goal",
            (
                counters["goal"],
                sheet_id,
                opp_id,
                "price",
                "",
                currency,
                (price * D("1.05")).quantize(CENT),
                price,
                (price * D("0.94")).quantize(CENT),
                True,
                True,
                1,
            ),
        )
    flush_batch()

    # Objections: recurring wordings, most closed, on bids (with their chain and rivals),
    # placed in their groups in id order as the save hook would (the pure assigner).
    n_objections = round(OBJECTIONS_PER_100K * scale)
    types = tuple(OBJECTION_WORDS)
    token_cache: dict[str, tuple[str, frozenset[str], int]] = {}
    groups = GroupAssigner()
    rows = []
    for j in range(1, n_objections + 1):
        opp_id = with_proposal[j % len(with_proposal)] if j % 3 else rng.randint(1, opportunities)
        opp = by_id[opp_id]
        kind = types[j % len(types)]
        rival_ids = rivals_of.get(opp_id)
        competitor = rival_ids[j % len(rival_ids)] if rival_ids and kind == "price" else None
        rival_name = f"Rival {competitor:03d}" if competitor else "对手"
        words = rng.choice(OBJECTION_WORDS[kind]).format(r=rival_name)
        cached = token_cache.get(words)
        if cached is None:  # what the objection's save hook stores, for rows loaded around it
            token_set = objection_tokens(words)
            cached = token_cache[words] = (
                " ".join(sorted(token_set)),
                token_set,
                wording_key(words),
            )
        tokens, token_set, key = cached
        raised = today - timedelta(days=rng.randint(0, 700))
        status = "open" if rng.random() < 0.25 else rng.choice(("resolved", "escalated", "lost"))
        closed = (
            w.ts(datetime(raised.year, raised.month, raised.day, tzinfo=UTC) + timedelta(days=7))
            if status != "open"
            else None
        )
        rows.append(
            (
                j,
                opp_id,
                (opp_id - 1) * STAKEHOLDERS_PER_OPPORTUNITY + 1 + j % STAKEHOLDERS_PER_OPPORTUNITY,
                section_of.get(opp_id) if j % 2 else None,
                competitor,
                kind,
                words,
                ("low", "medium", "high")[j % 3],
                status,
                raised.isoformat(),
                "",
                closed,
                w.ts(datetime(raised.year, raised.month, raised.day, tzinfo=UTC)),
                opp[3],
                1,
                tokens,
                groups.assign(kind, token_set),
                key,
            )
        )
        if len(rows) >= 10_000:
            _put_groups(w, groups)
            w.put("objection", _COLUMNS_OBJECTION, rows)
            rows = []
    _put_groups(w, groups)
    w.put("objection", _COLUMNS_OBJECTION, rows)
    w.finish()
    engine.dispose()
    print(
        f"scale data: {opportunities:,} opportunities, "
        + ", ".join(f"{t} {n:,}" for t, n in sorted(w.written.items()))
        + f" in {time.perf_counter() - started:.0f} s"
    )


def _put_groups(w: _Writer, groups: GroupAssigner) -> None:
    """The groups founded since the last call, with their inverted index (parents of the
    objections written next)."""
    founded, groups.founded = groups.founded, []
    w.put(
        "objection_group",
        ("id", "objection_type", "tokens", "token_count"),
        [
            (g.group_id, g.objection_type, " ".join(sorted(g.tokens)), len(g.tokens))
            for g in founded
        ],
    )
    w.put(
        "objection_group_token",
        ("group_id", "token", "objection_type"),
        [(g.group_id, token, g.objection_type) for g in founded for token in sorted(g.tokens)],
    )


def rep_leader(rep_id: int, rep_ids: list[int]) -> int:
    """The leader of a rep's team (leaders are users 2 … LEADERS + 1)."""
    return 2 + rep_ids.index(rep_id) // TEAM_SIZE


class _Totals:
    def __init__(self, value: Decimal, cost: Decimal):
        self.contract_value, self.contract_cost = value, cost


def _rules(method: str) -> dict:
    from portal.pricescore.models import DEFAULT_RULES

    rules = {**DEFAULT_RULES, "method": method, "price_weight": 30.0, "tech_max": 70.0}
    if method == "average":
        rules.update(k_set=[0.02, 0.03, 0.05], abnormal_low=True, al_threshold=0.85)
    return rules


def _scenario(
    add,
    counters,
    w,
    opp_id,
    name,
    official,
    rules,
    totals,
    price,
    option_id,
    rivals,
    owner,
    stamp,
    rng,
) -> int:
    counters["scenario"] += 1
    sid = counters["scenario"]
    value = totals.contract_value
    cost = totals.contract_cost
    ceiling = (value * D("1.12")).quantize(D(1000))
    grid_min = max((cost * D("0.95")).quantize(D(1000)), D(1000))
    if grid_min >= ceiling:
        grid_min = (ceiling * D("0.6")).quantize(D(1000))
    add(
        "price_scenario",
        (
            sid,
            opp_id,
            name,
            official,
            "typed",
            "demo",
            rules,
            cost,
            ceiling,
            D(58),
            D(61),
            D(64),
            grid_min,
            ceiling,
            60,
            7,
            price,
            D(0),
            D(0),
            option_id,
            w.ts(stamp),
            w.ts(stamp),
            owner,
            1,
        ),
    )
    for position, competitor in enumerate(rivals):
        counters["pcomp"] += 1
        likely = (value * D(str(rng.uniform(0.9, 1.06)))).quantize(D(1000))
        add(
            "price_competitor",
            (
                counters["pcomp"],
                sid,
                position,
                competitor,
                (likely * D("0.95")).quantize(D(1000)),
                likely,
                (likely * D("1.05")).quantize(D(1000)),
                D(52 + position * 3),
                D(55 + position * 3),
                D(58 + position * 3),
                "triangular",
                "",
                D(0),
                D(0),
            ),
        )
    return sid


_COLUMNS_OPPORTUNITY = (
    "id",
    "account_id",
    "name",
    "stage_id",
    "procurement_form",
    "amount",
    "currency",
    "bid_deadline",
    "close_date",
    "owner_id",
    "presales_id",
    "status",
    "status_reason",
    "description",
    "created_at",
    "updated_at",
    "updated_by_id",
    "version",
)
_COLUMNS_STAKEHOLDER = (
    "id",
    "opportunity_id",
    "name",
    "title",
    "department",
    "map_role",
    "buying_role",
    "decision_type",
    "influence",
    "attitude",
    "last_contact",
    "notes",
    "version",
)
_COLUMNS_OBJECTION = (
    "id",
    "opportunity_id",
    "stakeholder_id",
    "proposal_section_id",
    "competitor_id",
    "objection_type",
    "customer_words",
    "severity",
    "status",
    "raised_on",
    "close_note",
    "closed_at",
    "created_at",
    "created_by_id",
    "version",
    "match_tokens",
    "group_id",
    "wording_key",
)
# Written in this order (parents before children).
_COLUMNS = {
    "proposal": (
        "id",
        "opportunity_id",
        "title",
        "language",
        "currency",
        "status",
        "based_on_revision_id",
        "quote_changed_at",
        "quote_summary",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "version",
    ),
    "proposal_section": (
        "id",
        "proposal_id",
        "position",
        "kind",
        "title",
        "body",
        "updated_at",
        "updated_by_id",
        "version",
    ),
    "proposal_option": (
        "id",
        "proposal_id",
        "position",
        "name",
        "recommended",
        "maintenance_years",
        "version",
    ),
    "proposal_line": (
        "id",
        "option_id",
        "position",
        "part",
        "description",
        "quantity",
        "unit_price",
        "unit_cost",
        "discount_pct",
        "version",
    ),
    "proposal_approval": (
        "id",
        "proposal_id",
        "opportunity_id",
        "required_role",
        "fingerprint",
        "reasons",
        "state",
        "requested_by_id",
        "requested_at",
        "decided_by_id",
        "decided_at",
        "comment",
        "version",
    ),
    "price_scenario": (
        "id",
        "opportunity_id",
        "name",
        "official",
        "tech_source",
        "figures_origin",
        "rules",
        "our_cost",
        "ceiling",
        "our_tech_low",
        "our_tech_likely",
        "our_tech_high",
        "grid_min",
        "grid_max",
        "grid_steps",
        "seed",
        "chosen_price",
        "our_sme_deduction_pct",
        "our_preference_margin_pct",
        "linked_option_id",
        "created_at",
        "updated_at",
        "updated_by_id",
        "version",
    ),
    "price_competitor": (
        "id",
        "scenario_id",
        "position",
        "competitor_id",
        "price_low",
        "price_likely",
        "price_high",
        "tech_low",
        "tech_likely",
        "tech_high",
        "price_model",
        "past_ratios",
        "sme_deduction_pct",
        "preference_margin_pct",
    ),
    "matrix_competitor": ("id", "opportunity_id", "competitor_id", "position"),
    "negotiation_sheet": (
        "id",
        "opportunity_id",
        "situation",
        "intended_outcome",
        "delay_advantage",
        "new_force",
        "no_rival_evidence",
        "our_batna",
        "our_batna_value",
        "our_batna_currency",
        "buyer_batna",
        "buyer_max",
        "buyer_currency",
        "currency",
        "contract_list",
        "solution_net",
        "services_net",
        "maintenance_net_per_year",
        "maintenance_years",
        "contract_cost",
        "annual_maintenance_cost",
        "training_day_cost",
        "cost_of_capital_pct",
        "checklist",
        "created_at",
        "updated_at",
        "updated_by_id",
        "version",
    ),
    "negotiation_goal": (
        "id",
        "sheet_id",
        "opportunity_id",
        "term",
        "label",
        "unit",
        "best",
        "expected",
        "walk_away",
        "core",
        "higher_is_better",
        "version",
    ),
}
