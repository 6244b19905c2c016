"""search rank: PostgreSQL btree indexes on the lower-cased opportunity and account names
(byte order, COLLATE "C"), so a search's names equal to the query or starting with it are
looked up as a range, however many names merely contain it (portal/search.py)

Revision ID: 0024_search_rank
Revises: 0023_stage_totals
Create Date: 2026-12-01 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024_search_rank'
down_revision = '0023_stage_totals'
branch_labels = None
depends_on = None

PREFIX_INDEXES = (
    ('ix_opportunity_name_prefix', 'opportunity'),
    ('ix_account_name_prefix', 'account'),
)


def upgrade():
    # SQLite has no such index: its prefix lookup reads the FTS5 trigram table's matches.
    if op.get_bind().dialect.name == 'postgresql':
        for name, table in PREFIX_INDEXES:
            op.execute(f'CREATE INDEX {name} ON {table} ((lower(name) COLLATE "C"))')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, _table in PREFIX_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
