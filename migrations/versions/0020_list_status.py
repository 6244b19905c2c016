"""list: the opportunity list opens on the open opportunities, so its deadline and
recently-updated sorts walk an index that starts with the status

Revision ID: 0020_list_status
Revises: 0017_scale_b
Create Date: 2026-11-30 17:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_list_status'
down_revision = '0017_scale_b'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX (no batch): on SQLite a batch could copy the table and drop the
    # search triggers of 0017.
    op.create_index(
        'ix_opportunity_status_deadline_id', 'opportunity', ['status', 'bid_deadline', 'id']
    )
    op.create_index(
        'ix_opportunity_status_updated_id', 'opportunity', ['status', 'updated_at', 'id']
    )


def downgrade():
    op.drop_index('ix_opportunity_status_updated_id', table_name='opportunity')
    op.drop_index('ix_opportunity_status_deadline_id', table_name='opportunity')
