"""method: decision-chain tasks raised from coverage warnings, the recorded reason for
marking an NSABC activity done against the evidence the portal found, the inputs each
negotiation situation asks for, the type an objection had before Confirm re-typed it, and where a price-score scenario's
figures come from (typed, starting estimates, demo), and the opportunity's qualification
inputs

Revision ID: 0012_method
Revises: 0008_hardening
Create Date: 2026-11-30 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_method'
down_revision = '0008_hardening'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chain_task',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('stakeholder_id', sa.Integer(), nullable=True),
        sa.Column('warning_code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('executive', 'specialist', 'manager')", name=op.f('ck_chain_task_level')
        ),
        sa.ForeignKeyConstraint(
            ['assignee_id'], ['user_account.id'], name=op.f('fk_chain_task_assignee_id_user_account')
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user_account.id'],
            name=op.f('fk_chain_task_created_by_id_user_account'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_chain_task_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['stakeholder_id'], ['stakeholder.id'],
            name=op.f('fk_chain_task_stakeholder_id_stakeholder'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_task')),
    )
    with op.batch_alter_table('chain_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_task_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_task_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_task_stakeholder_id'), ['stakeholder_id'], unique=False)
    # Existing activities were ticked without an override: their reason is empty.
    with op.batch_alter_table('opportunity_activity', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('override_reason', sa.Text(), nullable=False, server_default='')
        )


    # The inputs each negotiation situation asks for; existing sheets start blank.
    with op.batch_alter_table('negotiation_sheet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delay_advantage', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('delay_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('new_force', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('no_rival_evidence', sa.Text(), nullable=False, server_default=''))
    # Confirm may re-type an objection; existing confirmations kept their type.
    with op.batch_alter_table('objection_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retyped_from', sa.String(length=16), nullable=True))
    # Existing scenarios count as typed by their reps (nothing says otherwise).
    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('figures_origin', sa.String(length=8), nullable=False, server_default='typed')
        )
    # The qualification inputs of an opportunity (article 002), rated 1–5; none exist yet.
    names = ('project_level', 'funding', 'technical_fit', 'relationship', 'creditworthiness',
             'competition')
    op.create_table(
        'opportunity_qualification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in names],
        sa.Column('version', sa.Integer(), nullable=False),
        *[
            sa.CheckConstraint(
                f'{name} IS NULL OR {name} BETWEEN 1 AND 5',
                name=op.f(f'ck_opportunity_qualification_{name}_range'),
            )
            for name in names
        ],
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_opportunity_qualification_opportunity_id_opportunity'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_qualification')),
        sa.UniqueConstraint(
            'opportunity_id', name=op.f('uq_opportunity_qualification_opportunity_id')
        ),
    )


def downgrade():
    op.drop_table('opportunity_qualification')
    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.drop_column('figures_origin')
    with op.batch_alter_table('objection_step', schema=None) as batch_op:
        batch_op.drop_column('retyped_from')
    with op.batch_alter_table('negotiation_sheet', schema=None) as batch_op:
        batch_op.drop_column('no_rival_evidence')
        batch_op.drop_column('new_force')
        batch_op.drop_column('delay_until')
        batch_op.drop_column('delay_advantage')
    with op.batch_alter_table('opportunity_activity', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
    with op.batch_alter_table('chain_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_task_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_chain_task_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_chain_task_assignee_id'))
    op.drop_table('chain_task')
