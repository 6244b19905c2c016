"""quote summary: each proposal keeps what lists print of its quote (every option's contract
value, discount and margin, and the quote's fingerprint), computed on change, so the
approval queue and the bid desk stop pricing every line of a page of quotes per request;
the proposals already stored are summarised here by the same pure functions

Revision ID: 0022_quote_summary
Revises: 0020_list_status
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_quote_summary'
down_revision = '0020_list_status'
branch_labels = None
depends_on = None

CHUNK = 500  # proposals read and written at a time (about 40 lines each at the benchmark)


def upgrade():
    # Plain ADD COLUMN (no batch): nothing to copy on SQLite.
    op.add_column('proposal', sa.Column('quote_summary', sa.JSON(), nullable=True))
    _backfill(op.get_bind())


def _backfill(bind):
    from proposals.pricing import QuoteLine, QuoteOption, QuotePart
    from proposals.quote_summary import summarise

    proposal = sa.table(
        'proposal',
        sa.column('id', sa.Integer),
        sa.column('quote_summary', sa.JSON),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    option = sa.table(
        'proposal_option',
        sa.column('id', sa.Integer),
        sa.column('proposal_id', sa.Integer),
        sa.column('position', sa.Integer),
        sa.column('name', sa.String),
        sa.column('recommended', sa.Boolean),
        sa.column('maintenance_years', sa.Integer),
    )
    line = sa.table(
        'proposal_line',
        sa.column('id', sa.Integer),
        sa.column('option_id', sa.Integer),
        sa.column('position', sa.Integer),
        sa.column('part', sa.String),
        sa.column('description', sa.String),
        # Typed as the models type them: SQLite hands back doubles, read at their scale.
        sa.column('quantity', sa.Numeric(16, 4)),
        sa.column('unit_price', sa.Numeric(16, 4)),
        sa.column('unit_cost', sa.Numeric(16, 4)),
        sa.column('discount_pct', sa.Numeric(5, 2)),
    )
    quotes = (
        sa.select(
            option.c.proposal_id,
            option.c.id,
            option.c.name,
            option.c.recommended,
            option.c.maintenance_years,
            line.c.part,
            line.c.description,
            line.c.quantity,
            line.c.unit_price,
            line.c.unit_cost,
            line.c.discount_pct,
        )
        .select_from(option.outerjoin(line, line.c.option_id == option.c.id))
        .where(option.c.proposal_id.in_(sa.bindparam('ids', expanding=True)))
        .order_by(option.c.position, option.c.id, line.c.position, line.c.id)
    )
    store = (
        sa.update(proposal)
        .where(proposal.c.id == sa.bindparam('proposal_id'))
        .values(
            quote_summary=sa.bindparam('summary', type_=sa.JSON),
            updated_at=proposal.c.updated_at,
        )
    )
    ids = bind.execute(sa.select(proposal.c.id).order_by(proposal.c.id)).scalars().all()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        options = {i: {} for i in chunk}  # proposal → option id → (name, recommended, years, lines)
        for row in bind.execute(quotes, {'ids': chunk}):
            entry = options[row.proposal_id].setdefault(
                row.id, (row.name, bool(row.recommended), row.maintenance_years, [])
            )
            if row.part is not None:
                entry[3].append(
                    QuoteLine(
                        QuotePart(row.part),
                        row.description,
                        row.quantity,
                        row.unit_price,
                        row.unit_cost,
                        row.discount_pct,
                    )
                )
        rows = []
        for proposal_id, by_option in options.items():
            domain = [
                QuoteOption(name, recommended, years, tuple(lines))
                for name, recommended, years, lines in by_option.values()
            ]
            summary = summarise(domain, list(by_option))
            rows.append({'proposal_id': proposal_id, 'summary': summary.as_json()})
        if rows:
            bind.execute(store, rows)


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('quote_summary')
