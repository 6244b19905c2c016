"""hardening: revocable sessions, a data generation counter, create-form tokens

Revision ID: 0008_hardening
Revises: 0009_tender

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_hardening'
down_revision = '0009_tender'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )

    op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation')),
    )
    # Start above every generation a running process may have cached (the old audit-id one).
    op.execute(
        "INSERT INTO data_generation (id, value) "
        "SELECT 1, COALESCE(MAX(id), 0) + 1 FROM audit_event"
    )

    op.create_table(
        'form_token',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('entity_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'],
            name=op.f('fk_form_token_user_id_user_account'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_token')),
    )


def downgrade():
    op.drop_table('form_token')
    op.drop_table('data_generation')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
