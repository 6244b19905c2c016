"""one bid: official scenario, shared rivals for scenarios / objections / sheets, bid overrides, settings

Existing free-text competitor names of price-score scenarios become rival records: each
name is matched (case-insensitively) to a competitor record or a new one is created, and
the rival joins its opportunity's list (the competition matrix) if it was not there yet.
No scenario is marked official: the team says which one holds the published rules.

Revision ID: 0007_one_bid
Revises: 0006_integration
Create Date: 2026-11-30 13:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_one_bid'
down_revision = '0006_integration'
branch_labels = None
depends_on = None


def _rivals_from_names(bind):
    competitors = {
        name.lower(): cid
        for cid, name in bind.execute(sa.text("SELECT id, name FROM competitor")).fetchall()
    }
    rows = bind.execute(
        sa.text(
            "SELECT pc.id, pc.name, ps.opportunity_id FROM price_competitor pc "
            "JOIN price_scenario ps ON ps.id = pc.scenario_id ORDER BY pc.id"
        )
    ).fetchall()
    in_matrix = {
        (opp, cid)
        for opp, cid in bind.execute(
            sa.text("SELECT opportunity_id, competitor_id FROM matrix_competitor")
        ).fetchall()
    }
    for row_id, raw_name, opportunity_id in rows:
        name = (raw_name or "").strip()[:120] or "?"
        cid = competitors.get(name.lower())
        if cid is None:
            bind.execute(
                sa.text(
                    "INSERT INTO competitor (name, notes, version) VALUES (:name, '', 1)"
                ),
                {"name": name},
            )
            cid = bind.execute(
                sa.text("SELECT id FROM competitor WHERE name = :name"), {"name": name}
            ).scalar_one()
            competitors[name.lower()] = cid
        if (opportunity_id, cid) not in in_matrix:
            position = bind.execute(
                sa.text(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM matrix_competitor "
                    "WHERE opportunity_id = :o"
                ),
                {"o": opportunity_id},
            ).scalar_one()
            bind.execute(
                sa.text(
                    "INSERT INTO matrix_competitor (opportunity_id, competitor_id, position) "
                    "VALUES (:o, :c, :p)"
                ),
                {"o": opportunity_id, "c": cid, "p": position},
            )
            in_matrix.add((opportunity_id, cid))
        bind.execute(
            sa.text("UPDATE price_competitor SET competitor_id = :c WHERE id = :id"),
            {"c": cid, "id": row_id},
        )


def upgrade():
    op.create_table('bid_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('bid_price', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('contract_value', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_bid_override_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_bid_override_opportunity_id_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_bid_override_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_override'))
    )
    with op.batch_alter_table('bid_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_override_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_override_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('portal_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_setting')),
    sa.UniqueConstraint('key', name=op.f('uq_portal_setting_key'))
    )

    op.create_table('sheet_alternative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competitor_id'], ['competitor.id'], name=op.f('fk_sheet_alternative_competitor_id_competitor')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_sheet_alternative_opportunity_id_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['negotiation_sheet.id'], name=op.f('fk_sheet_alternative_sheet_id_negotiation_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_alternative'))
    )
    with op.batch_alter_table('sheet_alternative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_alternative_competitor_id'), ['competitor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_alternative_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_alternative_sheet_id'), ['sheet_id'], unique=False)

    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('tech_source', sa.String(length=8), server_default='typed', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_price_scenario_tech_source'), "tech_source IN ('typed', 'matrix')")
        batch_op.create_index('uq_price_scenario_official', ['opportunity_id'], unique=True, sqlite_where=sa.text('official'), postgresql_where=sa.text('official'))

    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('competitor_id', sa.Integer(), nullable=True))

    _rivals_from_names(op.get_bind())

    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.alter_column('competitor_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_price_competitor_competitor_id'), ['competitor_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_price_competitor_competitor_id_competitor'), 'competitor', ['competitor_id'], ['id'])
        batch_op.drop_column('name')

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('competitor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_objection_competitor_id'), ['competitor_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_objection_competitor_id_competitor'), 'competitor', ['competitor_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('quote_changed_at')

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_objection_competitor_id_competitor'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_objection_competitor_id'))
        batch_op.drop_column('competitor_id')

    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=120), nullable=True))
    op.execute(
        "UPDATE price_competitor SET name = "
        "(SELECT name FROM competitor WHERE competitor.id = price_competitor.competitor_id)"
    )
    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_price_competitor_competitor_id_competitor'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_price_competitor_competitor_id'))
        batch_op.drop_column('competitor_id')

    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        batch_op.drop_index('uq_price_scenario_official')
        batch_op.drop_constraint(batch_op.f('ck_price_scenario_tech_source'), type_='check')
        batch_op.drop_column('tech_source')
        batch_op.drop_column('official')

    with op.batch_alter_table('sheet_alternative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_alternative_sheet_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_alternative_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_alternative_competitor_id'))
    op.drop_table('sheet_alternative')
    op.drop_table('portal_setting')
    with op.batch_alter_table('bid_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_override_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_bid_override_opportunity_id'))
    op.drop_table('bid_override')
