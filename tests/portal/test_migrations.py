"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
from contextlib import contextmanager
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from portal.extensions import db


def _not_search_index(name, type_, _parents) -> bool:
    # The full-text index behind suggestions is not a model (portal/tender/models.py
    # SearchEntry): an FTS5 table with its shadow tables, or PostgreSQL's stored tsvector
    # column with its GIN index.
    return not (name or "").startswith(("search_fts", "ix_search_entry_terms_tsv", "terms_tsv"))


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_migrations_match_the_models(app):
    # The session fixture built this database with `flask db upgrade`, not create_all().
    with app.app_context(), db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"

        def postgresql_only(obj, name, type_, reflected, compare_to) -> bool:
            # Trigram, bigram and name-prefix indexes are PostgreSQL-only (portal.extensions,
            # built with ddl_if, which autogenerate does not read): SQLite has none to compare.
            postgresql = (name or "").endswith(("_trgm", "_bigrams", "_prefix"))
            # The name-prefix indexes' expression has a collation (lower(name) COLLATE "C"),
            # which autogenerate reflects without it: compared below instead.
            prefix = type_ == "index" and (name or "").endswith("_prefix")
            return not (sqlite and type_ == "index" and postgresql) and not prefix

        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": _not_search_index,
                "include_object": postgresql_only,
            },
        )
        diff = compare_metadata(context, db.metadata)
        prefix_indexes = []
        if not sqlite:
            prefix_indexes = (
                connection.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname LIKE '%_name_prefix'")
                )
                .scalars()
                .all()
            )
            assert len(prefix_indexes) == 2
    assert diff == []
    for definition in prefix_indexes:
        assert 'lower((name)::text) COLLATE "C"' in definition, definition


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        # 1 = NORMAL: with WAL, commits survive a crash of the portal (see portal/__init__.py)
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        # Migrations switch foreign keys off while they copy tables: they are back on.
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@contextmanager
def scale_database(tmp_path, opportunities: int):
    """An app on a scratch database at the newest schema, loaded by bench/scale_data.py
    with `opportunities` opportunities; dropped afterwards."""
    from flask_migrate import upgrade

    from bench.scale_data import build
    from portal import create_app
    from portal.config import TestingConfig

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        build(url, opportunities=opportunities)
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _scratch_url(tmp_path) -> tuple[str, object]:
    """A fresh, empty database of the kind the suite runs on, and a function that drops it."""
    import os

    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    from portal.config import _database_url as normalise

    base = make_url(normalise())
    name = f"{base.database}_mig_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


# A user, a stage, an account and an open opportunity in plain SQL with the columns every
# migration since 0006 has (the models and the session's hooks describe the newest schema).
_ONE_DEAL = [
    "INSERT INTO user_account (username, display_name, password_hash, role, locale,"
    " active, created_at) VALUES ('r', 'R', 'x', 'rep', 'en', true, CURRENT_TIMESTAMP)",
    "INSERT INTO stage_model (key, name_en, name_zh) VALUES ('m', 'M', 'M')",
    "INSERT INTO stage (model_id, position, code, name_en, name_zh, milestone_en,"
    " milestone_zh)"
    " VALUES ((SELECT max(id) FROM stage_model), 0, 's', 'S', 'S', '', '')",
    "INSERT INTO account (name, industry, region, grade, decision_mode, value_current,"
    " value_potential, value_relationship, value_strategic, notes, created_at,"
    " version)"
    " VALUES ('Acme', '', '', 'A', 'centralized', 5, 5, 5, 5, '',"
    " CURRENT_TIMESTAMP, 1)",
    "INSERT INTO opportunity (account_id, name, stage_id, procurement_form, amount,"
    " currency, owner_id, status, status_reason, description, created_at, updated_at,"
    " version) VALUES ((SELECT max(id) FROM account), 'Deal',"
    " (SELECT max(id) FROM stage), 'public_tender', 100, 'CNY',"
    " (SELECT max(id) FROM user_account), 'open', '', '', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP, 1)",
]


def test_free_text_rivals_of_scenarios_become_rival_records(tmp_path):
    """0007_one_bid: each scenario competitor's typed name becomes a shared competitor
    record (matched case-insensitively to an existing one) on its opportunity's rival list;
    no scenario is made official by guessing."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal import create_app
    from portal.config import TestingConfig

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0006_integration")
            # Plain SQL with the columns of 0006: the models (and the session's commit
            # hooks) describe the newest schema.
            rows = [
                *_ONE_DEAL,
                "INSERT INTO competitor (name, notes, version) VALUES ('华信科技 Huaxin', '', 1)",
                "INSERT INTO price_scenario (opportunity_id, name, rules, our_cost, ceiling,"
                " our_tech_low, our_tech_likely, our_tech_high, grid_min, grid_max, grid_steps,"
                " seed, created_at, updated_at, version) VALUES ((SELECT max(id) FROM opportunity),"
                " 'S', '{}', 80, 100, 50, 55, 60, 70, 100, 10, 1, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1)",
            ]
            with db.engine.begin() as c:
                for row in rows:
                    c.execute(text(row))
                for i, name in enumerate(["华信科技 HUAXIN", "远景科技", "远景科技"]):
                    c.execute(
                        text(
                            "INSERT INTO price_competitor (scenario_id, position, name, price_low,"
                            " price_likely, price_high, tech_low, tech_likely, tech_high) VALUES"
                            " ((SELECT max(id) FROM price_scenario), :p, :n, 1, 2, 3, 1, 2, 3)"
                        ),
                        {"p": i, "n": name},
                    )
            upgrade(revision="head")
            with db.engine.connect() as c:
                names = dict(c.execute(text("SELECT id, name FROM competitor")).all())
                rows = (
                    c.execute(text("SELECT competitor_id FROM price_competitor ORDER BY position"))
                    .scalars()
                    .all()
                )
                rivals = (
                    c.execute(text("SELECT competitor_id FROM matrix_competitor")).scalars().all()
                )
                official = c.execute(
                    text("SELECT count(*) FROM price_scenario WHERE official")
                ).scalar()
        assert sorted(names.values()) == ["华信科技 Huaxin", "远景科技"]  # matched, not duplicated
        assert [names[r] for r in rows] == ["华信科技 Huaxin", "远景科技", "远景科技"]
        assert sorted(names[r] for r in rivals) == ["华信科技 Huaxin", "远景科技"]
        assert official == 0
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def test_starting_estimates_are_emptied_and_rule_task_titles_become_rules(tmp_path):
    """0015_scenario_start: a scenario still holding the invented starting estimates loses
    them (a typed one keeps its figures); a chain task whose title is its warning's wording
    (either language, with the stakeholder named after it) is stored as the rule, and a
    title someone rewrote stays."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal import create_app
    from portal.config import TestingConfig
    from proposals.workspace import COVERAGE_WARNINGS

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    coach = COVERAGE_WARNINGS["no_coach"]
    try:
        with app.app_context():
            upgrade(revision="0012_method")
            rows = [
                *_ONE_DEAL,
                "INSERT INTO competitor (name, notes, version) VALUES ('华信科技 Huaxin', '', 1)",
            ]
            scenario = (
                "INSERT INTO price_scenario (opportunity_id, name, rules, our_cost, ceiling,"
                " our_tech_low, our_tech_likely, our_tech_high, grid_min, grid_max, grid_steps,"
                " seed, created_at, updated_at, version, figures_origin) VALUES"
                " ((SELECT max(id) FROM opportunity), :name, '{}', 75, 100, 55, 60, 64, 70, 100,"
                " 10, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, :origin)"
            )
            task = (
                "INSERT INTO chain_task (opportunity_id, warning_code, title, level,"
                " assignee_id, due_date, created_at, version) VALUES"
                " ((SELECT max(id) FROM opportunity), 'no_coach', :title, 'manager',"
                " (SELECT max(id) FROM user_account), '2030-01-01', CURRENT_TIMESTAMP, 1)"
            )
            with db.engine.begin() as c:
                for row in rows:
                    c.execute(text(row))
                for name, origin in (("Started", "starting"), ("Typed", "typed")):
                    c.execute(text(scenario), {"name": name, "origin": origin})
                    c.execute(
                        text(
                            "INSERT INTO price_competitor (scenario_id, position, competitor_id,"
                            " price_low, price_likely, price_high, tech_low, tech_likely,"
                            " tech_high) VALUES ((SELECT max(id) FROM price_scenario), 0,"
                            " (SELECT max(id) FROM competitor), 92, 100, 105, 55, 60, 64)"
                        )
                    )
                for title in (coach["en"], f"{coach['zh_CN']} — 王总", "Ask Li for an intro"):
                    c.execute(text(task), {"title": title})
            upgrade(revision="head")
            with db.engine.connect() as c:
                scenarios = {
                    r.name: r
                    for r in c.execute(
                        text(
                            "SELECT s.name, s.our_cost, s.ceiling, s.our_tech_likely,"
                            " s.figures_origin, s.grid_min, p.price_likely, p.tech_likely"
                            " FROM price_scenario s JOIN price_competitor p"
                            " ON p.scenario_id = s.id"
                        )
                    )
                }
                tasks = c.execute(
                    text("SELECT title, title_params FROM chain_task ORDER BY id")
                ).all()
        started, typed = scenarios["Started"], scenarios["Typed"]
        assert (started.our_cost, started.ceiling, started.our_tech_likely) == (None, None, None)
        assert (started.price_likely, started.tech_likely) == (None, None)
        assert started.figures_origin == "typed" and started.grid_min == 70  # kept
        assert typed.our_cost == 75 and typed.price_likely == 100
        import json

        params = [json.loads(p) if isinstance(p, str) else p for _t, p in tasks]
        assert [t for t, _p in tasks] == [None, None, "Ask Li for an intro"]
        assert params == [{}, {"name": "王总"}, None]
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def test_quote_summaries_are_stored_for_the_proposals_already_there(tmp_path):
    """0022_quote_summary: every proposal gets the summary of its quote as stored (the one
    the save hook would write: proposals.quote_summary.summarise), an option without lines
    and a proposal without options included; downgrading drops the column again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from portal import create_app
    from portal.config import TestingConfig
    from proposals.pricing import QuoteLine, QuoteOption, QuotePart
    from proposals.quote_summary import QuoteSummary, summarise

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    D = Decimal
    lines = {  # option name → (part, description, quantity, price, cost, discount)
        "Standard": [
            ("solution", "Licence", "7", "1234.5678", "400", "12.5"),
            ("services", "Setup", "3", "800", "500", "0"),
            ("maintenance", "Support", "1", "2000", "600", "5"),
        ],
        "Premium": [("solution", "Licence+", "1", "99999.99", "77777", "33.33")],
        "Empty": [],
    }
    try:
        with app.app_context():
            upgrade(revision="0020_list_status")
            rows = [
                *_ONE_DEAL,
            ]
            proposal = (
                "INSERT INTO proposal (opportunity_id, title, language, currency, status,"
                " created_at, updated_at, version) VALUES ((SELECT max(id) FROM opportunity),"
                " :title, 'en', 'CNY', 'draft', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
            option = (
                "INSERT INTO proposal_option (proposal_id, position, name, recommended,"
                " maintenance_years, version) VALUES ((SELECT max(id) FROM proposal), :position,"
                " :name, :recommended, :years, 1)"
            )
            line = (
                "INSERT INTO proposal_line (option_id, position, part, description, quantity,"
                " unit_price, unit_cost, discount_pct, version) VALUES"
                " ((SELECT max(id) FROM proposal_option), :position, :part, :description,"
                " :quantity, :price, :cost, :discount, 1)"
            )
            with db.engine.begin() as c:
                for row in rows:
                    c.execute(text(row))
                c.execute(text(proposal), {"title": "Quoted"})
                # Stored in another order than inserted: the summary follows position.
                for position, name in ((1, "Standard"), (0, "Premium"), (2, "Empty")):
                    c.execute(
                        text(option),
                        {
                            "position": position,
                            "name": name,
                            "recommended": name == "Premium",
                            "years": 3 if name == "Standard" else 1,
                        },
                    )
                    for n, (part, description, qty, price, cost, discount) in enumerate(
                        lines[name]
                    ):
                        c.execute(
                            text(line),
                            {
                                "position": n,
                                "part": part,
                                "description": description,
                                "quantity": qty,
                                "price": price,
                                "cost": cost,
                                "discount": discount,
                            },
                        )
                c.execute(text(proposal), {"title": "Nothing priced yet"})
            upgrade(revision="head")
            with db.engine.connect() as c:
                options = c.execute(
                    text("SELECT id, name FROM proposal_option ORDER BY position")
                ).all()
                stored = dict(c.execute(text("SELECT title, quote_summary FROM proposal")).all())
            stored = {
                title: json.loads(value) if isinstance(value, str) else value
                for title, value in stored.items()
            }
            years = {"Standard": 3, "Premium": 1, "Empty": 1}
            domain = [
                QuoteOption(
                    name,
                    name == "Premium",
                    years[name],
                    tuple(
                        QuoteLine(QuotePart(p), d, D(q), D(pr), D(co), D(di))
                        for p, d, q, pr, co, di in lines[name]
                    ),
                )
                for _id, name in options
            ]
            expected = summarise(domain, [option_id for option_id, _name in options])
            assert stored["Quoted"] == expected.as_json()
            assert QuoteSummary.from_json(stored["Quoted"]) == expected
            assert [o.option_name for o in expected.options] == ["Premium", "Standard", "Empty"]
            assert stored["Nothing priced yet"] == summarise([]).as_json()

            downgrade(revision="0020_list_status")
            with db.engine.connect() as c:
                columns = {col["name"] for col in inspect(c).get_columns("proposal")}
            assert "quote_summary" not in columns and "title" in columns
            upgrade(revision="head")
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()
