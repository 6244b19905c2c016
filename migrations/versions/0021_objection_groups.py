"""objection groups: recurring objections are placed in groups (families) when they are
saved, through an inverted index of each group's founding tokens, so the pipeline reads
one aggregate instead of grouping every recent objection per request; the objections
already logged are placed in id order by the same rule

Revision ID: 0021_objection_groups
Revises: 0022_quote_summary
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_objection_groups"
down_revision = "0022_quote_summary"
branch_labels = None
depends_on = None

TYPE_CHECK = "objection_type IN ('price', 'time', 'risk', 'decision', 'other')"


def upgrade():
    op.create_table(
        "objection_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_type", sa.String(length=16), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(TYPE_CHECK, name=op.f("ck_objection_group_objection_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_group")),
    )
    op.create_table(
        "objection_group_token",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("objection_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["objection_group.id"],
            name=op.f("fk_objection_group_token_group_id_objection_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "token", name=op.f("pk_objection_group_token")),
    )
    op.create_index(
        "ix_objection_group_token_lookup",
        "objection_group_token",
        ["objection_type", "token", "group_id"],
        unique=False,
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("wording_key", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_objection_group_id_objection_group"),
            "objection_group",
            ["group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # The pipeline's counts come from indexes alone: (status, type) grows the day for
        # the age grid, (status, raised_on) the group and opportunity for the recent count;
        # the group's own index serves the widened count and, with each wording's key, the
        # first objection of each wording for the quotes.
        batch_op.drop_index("ix_objection_status_type")
        batch_op.create_index(
            "ix_objection_status_type_raised",
            ["status", "objection_type", "raised_on"],
            unique=False,
        )
        batch_op.drop_index("ix_objection_status_raised")
        batch_op.create_index(
            "ix_objection_status_raised_group",
            ["status", "raised_on", "group_id", "opportunity_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_objection_group_status_raised",
            ["group_id", "status", "raised_on", "opportunity_id", "wording_key", "id"],
            unique=False,
        )

    _place_logged_objections(op.get_bind())


def _place_logged_objections(bind):
    """Every objection logged so far, in id order, by the rule the save hook applies (the
    stored match tokens are the words' tokens, 0017_scale_b), with its wording's key."""
    from proposals.objections import MAX_TOKEN_LENGTH, GroupAssigner, wording_key

    assigner = GroupAssigner()
    placed = []
    rows = bind.execute(
        sa.text(
            "SELECT id, objection_type, match_tokens, customer_words FROM objection ORDER BY id"
        )
    )
    for objection_id, objection_type, tokens, words in rows:
        placed.append(
            {
                "g": assigner.assign(
                    objection_type, {t[:MAX_TOKEN_LENGTH] for t in (tokens or "").split()}
                ),
                "k": wording_key(words or ""),
                "id": objection_id,
            }
        )
    if assigner.founded:
        _insert_groups(bind, assigner.founded)
    if placed:
        # After the groups: the foreign key checks each row.
        bind.execute(
            sa.text("UPDATE objection SET group_id = :g, wording_key = :k WHERE id = :id"),
            placed,
        )


def _insert_groups(bind, founded):
    bind.execute(
        sa.text(
            "INSERT INTO objection_group (id, objection_type, tokens, token_count) "
            "VALUES (:id, :t, :tokens, :n)"
        ),
        [
            {
                "id": g.group_id,
                "t": g.objection_type,
                "tokens": " ".join(sorted(g.tokens)),
                "n": len(g.tokens),
            }
            for g in founded
        ],
    )
    bind.execute(
        sa.text(
            "INSERT INTO objection_group_token (group_id, token, objection_type) "
            "VALUES (:g, :token, :t)"
        ),
        [
            {"g": g.group_id, "token": token, "t": g.objection_type}
            for g in founded
            for token in sorted(g.tokens)
        ],
    )
    if bind.dialect.name == "postgresql":
        bind.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('objection_group', 'id'), "
                "(SELECT max(id) FROM objection_group))"
            )
        )


def downgrade():
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index("ix_objection_group_status_raised")
        batch_op.drop_index("ix_objection_status_raised_group")
        batch_op.create_index("ix_objection_status_raised", ["status", "raised_on"], unique=False)
        batch_op.drop_index("ix_objection_status_type_raised")
        batch_op.create_index(
            "ix_objection_status_type", ["status", "objection_type"], unique=False
        )
        batch_op.drop_constraint(
            batch_op.f("fk_objection_group_id_objection_group"), type_="foreignkey"
        )
        batch_op.drop_column("wording_key")
        batch_op.drop_column("group_id")
    op.drop_index("ix_objection_group_token_lookup", table_name="objection_group_token")
    op.drop_table("objection_group_token")
    op.drop_table("objection_group")
