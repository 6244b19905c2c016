"""scope walks: indexes on (owner, status, bid deadline, id) and (presales, status, bid
deadline, id), so a rep's or presales' list and board columns walk their own open
opportunities in deadline order and stop at the page (portal/security.py first_in_scope),
instead of fetching every opportunity of their book

Revision ID: 0025_scope_walks
Revises: 0024_search_rank
Create Date: 2026-12-01 23:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_scope_walks'
down_revision = '0024_search_rank'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_opportunity_owner_status_deadline', ['owner_id', 'status', 'bid_deadline', 'id']),
    ('ix_opportunity_presales_status_deadline', ['presales_id', 'status', 'bid_deadline', 'id']),
)


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, 'opportunity', columns)


def downgrade():
    for name, _columns in INDEXES:
        op.drop_index(name, table_name='opportunity')
