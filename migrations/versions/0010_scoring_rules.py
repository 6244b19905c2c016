"""scoring rules: per-bidder price adjustments, rival price models, criteria evidence

The new tender rules live in price_scenario.rules (JSON): scenarios saved before read the
new keys with their defaults, so they score exactly as before except for equal totals,
which now rank by the lower price first (the rules' default tie order).

Revision ID: 0010_scoring_rules
Revises: 0011_polish
Create Date: 2026-11-30 13:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_scoring_rules'
down_revision = '0011_polish'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('criteria_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('position', sa.String(length=8), nullable=False),
    sa.Column('lead', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('price_weight', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('abnormal_low', sa.Boolean(), nullable=True),
    sa.Column('price', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('p_win_pct', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('expected_margin', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('current_margin', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('recommendation')", name=op.f('ck_criteria_evidence_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_criteria_evidence_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_criteria_evidence_opportunity_id_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scenario_id'], ['price_scenario.id'], name=op.f('fk_criteria_evidence_scenario_id_price_scenario'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria_evidence'))
    )
    with op.batch_alter_table('criteria_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_evidence_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_criteria_evidence_scenario_id'), ['scenario_id'], unique=False)

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

    with op.batch_alter_table('criteria_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_evidence_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_criteria_evidence_opportunity_id'))
    op.drop_table('criteria_evidence')
