"""analytics: each closed bid as it stood when its outcome was recorded (dimensions,
cycle, decision-chain coverage, quote figures, concessions), read by the leadership
analytics page with a few aggregate queries; and each stay in a stage, written with the
stage move that ended it

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
        'closed_bid',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('outcome_id', sa.Integer(), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('cycle_days', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('presales_id', sa.Integer(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('procurement_form', sa.String(length=32), nullable=False),
        sa.Column('scoring_method', sa.String(length=24), nullable=True),
        sa.Column('grade', sa.String(length=1), nullable=False),
        sa.Column('industry', sa.String(length=120), nullable=False),
        sa.Column('supported_roles', sa.Integer(), nullable=False),
        sa.Column('has_coach', sa.Boolean(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('contract_list', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('contract_value', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('margin_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('discount_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('planned_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('conceded_pct', sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['account_id'], ['account.id'], name=op.f('fk_closed_bid_account_id_account')
        ),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_closed_bid_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['outcome_id'], ['bid_outcome.id'],
            name=op.f('fk_closed_bid_outcome_id_bid_outcome'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'], ['user_account.id'],
            name=op.f('fk_closed_bid_owner_id_user_account'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['presales_id'], ['user_account.id'],
            name=op.f('fk_closed_bid_presales_id_user_account'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_bid')),
        sa.UniqueConstraint('opportunity_id', name=op.f('uq_closed_bid_opportunity_id')),
        sa.UniqueConstraint('outcome_id', name=op.f('uq_closed_bid_outcome_id')),
    )
    with op.batch_alter_table('closed_bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closed_bid_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_closed_bid_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_closed_bid_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_closed_bid_presales_id'), ['presales_id'], unique=False)

    op.create_table(
        'stage_stay',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('move_id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('presales_id', sa.Integer(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['account_id'], ['account.id'], name=op.f('fk_stage_stay_account_id_account')
        ),
        sa.ForeignKeyConstraint(
            ['move_id'], ['stage_move.id'],
            name=op.f('fk_stage_stay_move_id_stage_move'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_stage_stay_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'], ['user_account.id'],
            name=op.f('fk_stage_stay_owner_id_user_account'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['presales_id'], ['user_account.id'],
            name=op.f('fk_stage_stay_presales_id_user_account'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['stage_id'], ['stage.id'], name=op.f('fk_stage_stay_stage_id_stage')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_stay')),
        sa.UniqueConstraint('move_id', name=op.f('uq_stage_stay_move_id')),
    )
    with op.batch_alter_table('stage_stay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_stay_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_stay_left_at'), ['left_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_stay_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_stay_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_stay_presales_id'), ['presales_id'], unique=False)
    _stays_of_earlier_moves()


def _aware(moment):
    # SQLite hands back text or naive datetimes (UTC), PostgreSQL aware ones.
    from datetime import datetime, timezone

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stays_of_earlier_moves():
    """Stage moves made before this revision get their stay rows too."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT m.id, m.opportunity_id, m.from_stage_id, m.moved_at, o.created_at, "
            "o.owner_id, o.presales_id, o.account_id FROM stage_move m "
            "JOIN opportunity o ON o.id = m.opportunity_id "
            "ORDER BY m.opportunity_id, m.moved_at, m.id"
        )
    ).all()
    stays = []
    previous = {}
    for move_id, opp, stage, moved_at, created, owner, presales, account in rows:
        left = _aware(moved_at)
        entered = previous.get(opp) or _aware(created)
        stays.append(
            {
                "move_id": move_id,
                "opportunity_id": opp,
                "stage_id": stage,
                "left_at": left,
                "days": max(0, (left - entered).days),
                "owner_id": owner,
                "presales_id": presales,
                "account_id": account,
            }
        )
        previous[opp] = left
    if stays:
        table = sa.table(
            'stage_stay',
            *(sa.column(c) for c in stays[0]),
        )
        op.bulk_insert(table, stays)


def downgrade():
    op.drop_table('stage_stay')
    op.drop_table('closed_bid')
