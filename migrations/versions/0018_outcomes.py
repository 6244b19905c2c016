"""outcomes: the recorded result of each closed bid (reason, winner, control price, the
official scenario's P(win) at the submitted price, snapshotted) and every bidder the award
notice published, with the 80 % band the scenario predicted for each rival

Revision ID: 0018_outcomes
Revises: 0012_method
Create Date: 2026-11-30 16:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_outcomes'
down_revision = '0012_method'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bid_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('reason_code', sa.String(length=24), nullable=False),
        sa.Column('reason_text', sa.Text(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('winner_competitor_id', sa.Integer(), nullable=True),
        sa.Column('our_price', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('control_price', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('budget', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('scoring_method', sa.String(length=24), nullable=True),
        sa.Column('price_weight', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('predicted_p_win', sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "result IN ('won', 'lost', 'abandoned', 'no_decision')",
            name=op.f('ck_bid_outcome_result'),
        ),
        sa.CheckConstraint(
            "reason_code IN ('price', 'technical_score', 'relationship', 'qualification', "
            "'scope_change', 'budget_cut', 'timing', 'other')",
            name=op.f('ck_bid_outcome_reason_code'),
        ),
        sa.CheckConstraint(
            'predicted_p_win IS NULL OR predicted_p_win BETWEEN 0 AND 1',
            name=op.f('ck_bid_outcome_p_win_range'),
        ),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_bid_outcome_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['winner_competitor_id'], ['competitor.id'],
            name=op.f('fk_bid_outcome_winner_competitor_id_competitor'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['user_account.id'],
            name=op.f('fk_bid_outcome_recorded_by_id_user_account'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['user_account.id'],
            name=op.f('fk_bid_outcome_updated_by_id_user_account'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_outcome')),
        sa.UniqueConstraint('opportunity_id', name=op.f('uq_bid_outcome_opportunity_id')),
    )
    with op.batch_alter_table('bid_outcome', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_bid_outcome_winner_competitor_id'), ['winner_competitor_id'],
            unique=False,
        )
    op.create_table(
        'outcome_bidder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outcome_id', sa.Integer(), nullable=False),
        sa.Column('competitor_id', sa.Integer(), nullable=True),
        sa.Column('is_us', sa.Boolean(), nullable=False),
        sa.Column('name_as_published', sa.String(length=200), nullable=False),
        sa.Column('price', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('tech_score', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('price_score', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('total_score', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('predicted_p10', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('predicted_p90', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.CheckConstraint(
            'is_us OR competitor_id IS NOT NULL', name=op.f('ck_outcome_bidder_rival_named')
        ),
        sa.CheckConstraint(
            'rank IS NULL OR rank >= 1', name=op.f('ck_outcome_bidder_rank_positive')
        ),
        sa.ForeignKeyConstraint(
            ['competitor_id'], ['competitor.id'],
            name=op.f('fk_outcome_bidder_competitor_id_competitor'),
        ),
        sa.ForeignKeyConstraint(
            ['outcome_id'], ['bid_outcome.id'],
            name=op.f('fk_outcome_bidder_outcome_id_bid_outcome'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_bidder')),
    )
    with op.batch_alter_table('outcome_bidder', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_outcome_bidder_competitor_id'), ['competitor_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_outcome_bidder_outcome_id'), ['outcome_id'], unique=False
        )


def downgrade():
    op.drop_table('outcome_bidder')
    op.drop_table('bid_outcome')
