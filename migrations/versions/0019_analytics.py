"""analytics: the quote figures (list, value, margin, discount) of each bid taken when its
outcome is recorded, read by the leadership analytics page

Revision ID: 0019_analytics
Revises: 0018_outcomes
Create Date: 2026-11-30 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_analytics'
down_revision = '0018_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outcome_quote',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('contract_list', sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column('contract_value', sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column('margin_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('discount_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_outcome_quote_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_quote')),
        sa.UniqueConstraint('opportunity_id', name=op.f('uq_outcome_quote_opportunity_id')),
    )


def downgrade():
    op.drop_table('outcome_quote')
