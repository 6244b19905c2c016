"""stage totals: the number of opportunities and the sum of their amounts (whole cents) per
status, stage and currency, kept by triggers on opportunity in the same transaction as
every write (the ORM's, a bulk SQL statement's, a COPY's), so the board of a user who sees
every opportunity reads a few dozen stored rows instead of summing every open opportunity;
the opportunities already stored are counted here

Revision ID: 0023_stage_totals
Revises: 0021_objection_groups
Create Date: 2026-12-01 22:40:00

"""
# ruff: noqa: S608 (the SQL below is built from this module's constants only)
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_stage_totals'
down_revision = '0021_objection_groups'
branch_labels = None
depends_on = None

# An amount in whole cents, as the board's own aggregate computes it (floats on SQLite).
CENTS = 'CAST(round({row}.amount * 100) AS BIGINT)'

_ADDED = (
    "SELECT o.status, o.stage_id, o.currency, 1 AS cards, "
    f"{CENTS.format(row='o')} AS cents FROM new_rows o"
)
_TAKEN = (
    "SELECT o.status, o.stage_id, o.currency, -1 AS cards, "
    f"-{CENTS.format(row='o')} AS cents FROM old_rows o"
)


def _pg_apply(rows: str) -> str:
    """Add each key's delta over `rows` (a SELECT of status, stage_id, currency, ±1, ±cents)."""
    return f"""
        INSERT INTO stage_total AS t (status, stage_id, currency, cards, cents)
        SELECT d.status, d.stage_id, d.currency, sum(d.cards), sum(d.cents) FROM ({rows}) d
        GROUP BY d.status, d.stage_id, d.currency
        HAVING sum(d.cards) <> 0 OR sum(d.cents) <> 0
        ORDER BY d.status, d.stage_id, d.currency
        ON CONFLICT (status, stage_id, currency)
        DO UPDATE SET cards = t.cards + excluded.cards, cents = t.cents + excluded.cents;"""


# PostgreSQL: statement-level triggers with transition tables. A statement that writes
# many rows (a COPY, a bulk UPDATE or DELETE) applies one delta per key, not one per row;
# keys are written in order, so two transactions take the rows' locks in the same order;
# an UPDATE that changes none of the four columns (most edits) writes nothing.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION stage_total_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_pg_apply(_ADDED)}
    ELSIF TG_OP = 'DELETE' THEN{_pg_apply(_TAKEN)}
    ELSIF TG_OP = 'UPDATE' THEN{_pg_apply(_ADDED + ' UNION ALL ' + _TAKEN)}
    ELSE
        DELETE FROM stage_total;  -- TRUNCATE opportunity
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGERS = (
    "CREATE TRIGGER stage_total_insert AFTER INSERT ON opportunity "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_total_keep()",
    "CREATE TRIGGER stage_total_update AFTER UPDATE ON opportunity "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stage_total_keep()",
    "CREATE TRIGGER stage_total_delete AFTER DELETE ON opportunity "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_total_keep()",
    "CREATE TRIGGER stage_total_truncate AFTER TRUNCATE ON opportunity "
    "FOR EACH STATEMENT EXECUTE FUNCTION stage_total_keep()",
)


def _sqlite_apply(row: str, sign: str) -> str:
    """Add (sign '+') or take away (sign '-') one opportunity, `new` or `old`."""
    key = f"status = {row}.status AND stage_id = {row}.stage_id AND currency = {row}.currency"
    return (
        "INSERT OR IGNORE INTO stage_total (status, stage_id, currency, cards, cents) "
        f"VALUES ({row}.status, {row}.stage_id, {row}.currency, 0, 0); "
        f"UPDATE stage_total SET cards = cards {sign} 1, "
        f"cents = cents {sign} {CENTS.format(row=row)} WHERE {key}; "
    )


# SQLite: row-level triggers; an update fires only when one of the four columns is set.
SQLITE_TRIGGERS = (
    "CREATE TRIGGER stage_total_insert AFTER INSERT ON opportunity BEGIN "
    + _sqlite_apply('new', '+') + "END",
    "CREATE TRIGGER stage_total_update AFTER UPDATE OF status, stage_id, currency, amount "
    "ON opportunity BEGIN " + _sqlite_apply('old', '-') + _sqlite_apply('new', '+') + "END",
    "CREATE TRIGGER stage_total_delete AFTER DELETE ON opportunity BEGIN "
    + _sqlite_apply('old', '-') + "END",
)
TRIGGER_NAMES = ('insert', 'update', 'delete', 'truncate')


def upgrade():
    op.create_table(
        'stage_total',
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('cards', sa.BigInteger(), nullable=False),
        sa.Column('cents', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('status', 'stage_id', 'currency', name=op.f('pk_stage_total')),
    )
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute(PG_FUNCTION)
    for statement in PG_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        "INSERT INTO stage_total (status, stage_id, currency, cards, cents) "
        f"SELECT o.status, o.stage_id, o.currency, count(*), sum({CENTS.format(row='o')}) "
        "FROM opportunity o GROUP BY o.status, o.stage_id, o.currency"
    )


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for name in TRIGGER_NAMES:
        if postgres:
            op.execute(f'DROP TRIGGER IF EXISTS stage_total_{name} ON opportunity')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS stage_total_{name}')
    if postgres:
        op.execute('DROP FUNCTION IF EXISTS stage_total_keep()')
    op.drop_table('stage_total')
