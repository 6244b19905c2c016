"""Extensions created unbound here and bound to the app in create_app()."""

from datetime import datetime
from decimal import Decimal

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import DateTime, Index, MetaData, Numeric, func, literal_column
from sqlalchemy.orm import DeclarativeBase, registry

# Named constraints so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def sql_in(column: str, codes) -> str:
    """SQL text for a CHECK constraint: `column` holds one of `codes` (strings or StrEnums)."""
    return f"{column} IN ({', '.join(repr(str(c)) for c in codes)})"


def trigram_index(name: str, column: str) -> Index:
    """A PostgreSQL GIN trigram index on `column` (pg_trgm: substring search in any script,
    Chinese included, without a word segmenter). Only PostgreSQL builds it; SQLite searches
    through its FTS5 trigram table instead (portal/search.py)."""
    index = Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
    index.ddl_if(dialect="postgresql")
    return index


def bigram_index(name: str, column: str) -> Index:
    """A PostgreSQL GIN index on the name's lower-cased character pairs (the SQL function
    name_bigrams, migration 0017_scale_b): two-character searches (张伟, 电网), which have
    no trigram, look their pair up here. PostgreSQL only, like `trigram_index`."""
    index = Index(name, func.name_bigrams(literal_column(column)), postgresql_using="gin")
    index.ddl_if(dialect="postgresql")
    return index


def prefix_index(name: str, column: str) -> Index:
    """A PostgreSQL btree index on the lower-cased `column` in byte order (COLLATE "C"),
    migration 0024_search_rank: a search looks the names equal to its query or starting
    with it up as one range (portal/search.py), however many names merely contain it.
    PostgreSQL only, like `trigram_index`."""
    index = Index(name, func.lower(literal_column(column)).collate("C"))
    index.ddl_if(dialect="postgresql")
    return index


class Base(DeclarativeBase):
    # Money is NUMERIC(16, 2) everywhere; timestamps are stored with their time zone (UTC).
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={Decimal: Numeric(16, 2), datetime: DateTime(timezone=True)},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()
htmx = Htmx()
