"""polish: negotiation goals get a version column, so an edit in place refuses a stale save

Revision ID: 0011_polish
Revises: 0007_one_bid
Create Date: 2026-11-30 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_polish'
down_revision = '0007_one_bid'
branch_labels = None
depends_on = None


def upgrade():
    # Existing goals start at version 1, as new rows do.
    with op.batch_alter_table('negotiation_goal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('negotiation_goal', schema=None) as batch_op:
        batch_op.drop_column('version')
