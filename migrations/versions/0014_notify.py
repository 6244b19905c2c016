"""notify: notifications in the inbox (approval asked, approved, rejected, comment, task)
with who did it and what they point at, and each user's choice of e-mail copies

Revision ID: 0014_notify
Revises: 0019_analytics
Create Date: 2026-11-30 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_notify'
down_revision = '0019_analytics'
branch_labels = None
depends_on = None

KINDS = "kind IN ('mention', 'approval_asked', 'approved', 'rejected', 'comment', 'task')"


def upgrade():
    # Existing users keep getting e-mails once a mail server is configured (they can opt out).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_notifications', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inbox_item_kind'), type_='check')
        batch_op.create_check_constraint('kind', KINDS)
        batch_op.add_column(sa.Column('approval_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposal_comment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_inbox_item_approval_id_proposal_approval'), 'proposal_approval',
            ['approval_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_inbox_item_proposal_comment_id_proposal_comment'), 'proposal_comment',
            ['proposal_comment_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_inbox_item_task_id_chain_task'), 'chain_task',
            ['task_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_inbox_item_actor_id_user_account'), 'user_account',
            ['actor_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_inbox_item_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_inbox_item_proposal_comment_id'), ['proposal_comment_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_inbox_item_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_inbox_item_user_newest', ['user_id', 'id'], unique=False)
    # Mentions made before this revision: their author is the one who did it.
    op.execute(
        "UPDATE inbox_item SET actor_id = (SELECT author_id FROM work_comment"
        " WHERE work_comment.id = inbox_item.comment_id) WHERE comment_id IS NOT NULL"
    )


def downgrade():
    op.execute("DELETE FROM inbox_item WHERE kind <> 'mention'")
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_item_user_newest')
        batch_op.drop_index(batch_op.f('ix_inbox_item_task_id'))
        batch_op.drop_index(batch_op.f('ix_inbox_item_proposal_comment_id'))
        batch_op.drop_index(batch_op.f('ix_inbox_item_approval_id'))
        batch_op.drop_constraint(batch_op.f('fk_inbox_item_actor_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_inbox_item_task_id_chain_task'), type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('fk_inbox_item_proposal_comment_id_proposal_comment'), type_='foreignkey'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_inbox_item_approval_id_proposal_approval'), type_='foreignkey'
        )
        batch_op.drop_column('actor_id')
        batch_op.drop_column('task_id')
        batch_op.drop_column('proposal_comment_id')
        batch_op.drop_column('approval_id')
        batch_op.drop_constraint(batch_op.f('ck_inbox_item_kind'), type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('mention')")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')
