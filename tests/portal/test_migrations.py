"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def _not_search_index(name, type_, _parents) -> bool:
    # The full-text index behind suggestions is not a model (portal/tender/models.py
    # SearchEntry): an FTS5 table with its shadow tables, or PostgreSQL's stored tsvector
    # column with its GIN index.
    return not (name or "").startswith(("search_fts", "ix_search_entry_terms_tsv", "terms_tsv"))


def test_migrations_match_the_models(app):
    # The session fixture built this database with `flask db upgrade`, not create_all().
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _not_search_index}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        # 1 = NORMAL: with WAL, commits survive a crash of the portal (see portal/__init__.py)
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
