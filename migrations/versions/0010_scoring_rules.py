"""scoring rules: per-bidder price adjustments and rival price models

The new tender rules live in price_scenario.rules (JSON): scenarios saved before read the
new keys with their defaults, so they score exactly as before except for equal totals,
which now rank by the lower price first (the rules' default tie order).

Revision ID: 0010_scoring_rules
Revises: 0006_integration
Create Date: 2026-11-30 13:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_scoring_rules'
down_revision = '0006_integration'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('our_sme_deduction_pct', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('our_preference_margin_pct', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False))

    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_model', sa.String(length=12), server_default='triangular', nullable=False))
        batch_op.add_column(sa.Column('past_ratios', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sme_deduction_pct', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('preference_margin_pct', sa.Numeric(precision=16, scale=2), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.drop_column('preference_margin_pct')
        batch_op.drop_column('sme_deduction_pct')
        batch_op.drop_column('past_ratios')
        batch_op.drop_column('price_model')

    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.drop_column('our_preference_margin_pct')
        batch_op.drop_column('our_sme_deduction_pct')
