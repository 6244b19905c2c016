"""scale: stored bid summaries (the desk's price position and margin), and the indexes
behind the paged desk, the board's column totals and cards, and the approval queue

Revision ID: 0016_scale_a
Revises: 0014_notify
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_scale_a'
down_revision = '0014_notify'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bid_summary',
        sa.Column('opportunity_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=True),
        sa.Column('scenario_version', sa.Integer(), nullable=True),
        sa.Column('quote_changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('stale', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('price', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('p_win', sa.Float(), nullable=True),
        sa.Column('expected_rank', sa.Float(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('bidders', sa.Integer(), nullable=True),
        sa.Column('margin_pct', sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column('margin_frozen', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('discount_effect', sa.JSON(), nullable=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_bid_summary_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('opportunity_id', name=op.f('pk_bid_summary')),
    )
    with op.batch_alter_table('bid_summary', schema=None) as batch_op:
        batch_op.create_index('ix_bid_summary_stale', ['stale'], unique=False)
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index(
            'ix_opportunity_status_deadline', ['status', 'bid_deadline', 'name', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_opportunity_status_amount', ['status', 'amount', 'id'], unique=False
        )
        batch_op.create_index('ix_opportunity_status_name', ['status', 'name', 'id'], unique=False)
        batch_op.create_index(
            'ix_opportunity_status_stage_deadline',
            ['status', 'stage_id', 'bid_deadline', 'id'],
            unique=False,
        )
        batch_op.create_index(
            'ix_opportunity_status_stage_totals',
            ['status', 'stage_id', 'currency', 'amount'],
            unique=False,
        )
    with op.batch_alter_table('proposal_approval', schema=None) as batch_op:
        batch_op.create_index(
            'ix_proposal_approval_opportunity_latest', ['opportunity_id', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_proposal_approval_state_requested', ['state', 'requested_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('proposal_approval', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_approval_state_requested')
        batch_op.drop_index('ix_proposal_approval_opportunity_latest')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_status_stage_totals')
        batch_op.drop_index('ix_opportunity_status_stage_deadline')
        batch_op.drop_index('ix_opportunity_status_name')
        batch_op.drop_index('ix_opportunity_status_amount')
        batch_op.drop_index('ix_opportunity_status_deadline')
    with op.batch_alter_table('bid_summary', schema=None) as batch_op:
        batch_op.drop_index('ix_bid_summary_stale')
    op.drop_table('bid_summary')
