"""scale (lists, search, objections, fragment cache): the list's sort and access-rule
indexes, trigram search on opportunity, account and stakeholder names (pg_trgm GIN on
PostgreSQL, an FTS5 trigram table kept by triggers on SQLite), the objection's match
tokens computed at save time, and per-scope generation counters for the fragment cache

Revision ID: 0017_scale_b
Revises: 0016_scale_a
Create Date: 2026-11-30 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_scale_b'
down_revision = '0016_scale_a'
branch_labels = None
depends_on = None

OPPORTUNITY_INDEXES = (
    ('ix_opportunity_deadline_id', ['bid_deadline', 'id']),
    ('ix_opportunity_amount_id', ['amount', 'id']),
    ('ix_opportunity_name_id', ['name', 'id']),
    ('ix_opportunity_updated_id', ['updated_at', 'id']),
    ('ix_opportunity_owner_deadline', ['owner_id', 'bid_deadline', 'id']),
    ('ix_opportunity_presales_deadline', ['presales_id', 'bid_deadline', 'id']),
)
TRIGRAM_INDEXES = (
    ('ix_opportunity_name_trgm', 'opportunity'),
    ('ix_account_name_trgm', 'account'),
    ('ix_stakeholder_name_trgm', 'stakeholder'),
)
BIGRAM_INDEXES = (
    ('ix_opportunity_name_bigrams', 'opportunity'),
    ('ix_account_name_bigrams', 'account'),
    ('ix_stakeholder_name_bigrams', 'stakeholder'),
)
NAME_BIGRAMS = (
    "CREATE OR REPLACE FUNCTION name_bigrams(text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
    "$$ SELECT coalesce(array_agg(DISTINCT lower(substr($1, i, 2))), '{}') "
    "FROM generate_series(1, char_length($1) - 1) AS i $$"
)
# SQLite: one FTS5 table over the three kinds of names; the rowid says which row a name
# belongs to (id * 4 + kind), so a trigger finds its entry by rowid (portal/search.py).
FTS_KINDS = (('opportunity', 1), ('account', 2), ('stakeholder', 3))


def _fts_statements():
    yield (
        "CREATE VIRTUAL TABLE search_fts_names USING fts5(name, tokenize='trigram')"
    )
    for table, kind in FTS_KINDS:
        yield (
            f"CREATE TRIGGER search_fts_names_{table}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO search_fts_names(rowid, name) VALUES (new.id * 4 + {kind}, new.name); END"
        )
        yield (
            f"CREATE TRIGGER search_fts_names_{table}_update AFTER UPDATE OF name ON {table} BEGIN "
            f"DELETE FROM search_fts_names WHERE rowid = old.id * 4 + {kind}; "
            f"INSERT INTO search_fts_names(rowid, name) VALUES (new.id * 4 + {kind}, new.name); END"
        )
        yield (
            f"CREATE TRIGGER search_fts_names_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM search_fts_names WHERE rowid = old.id * 4 + {kind}; END"
        )
        yield (
            f"INSERT INTO search_fts_names(rowid, name) SELECT id * 4 + {kind}, name FROM {table}"
        )


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        for name, columns in OPPORTUNITY_INDEXES:
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_grade_name', ['grade', 'name', 'id'], unique=False)
    with op.batch_alter_table('opportunity_team', schema=None) as batch_op:
        batch_op.create_index(
            'ix_opportunity_team_user_opportunity', ['user_id', 'opportunity_id'], unique=False
        )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_tokens', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_objection_status_raised', ['status', 'raised_on'], unique=False)

    op.create_table(
        'scope_generation',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_scope_generation')),
    )

    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, table in TRIGRAM_INDEXES:
            op.create_index(
                name, table, ['name'], unique=False,
                postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'},
            )
        # Two-character queries have no trigram: their pair is looked up in these.
        op.execute(NAME_BIGRAMS)
        for name, table in BIGRAM_INDEXES:
            op.create_index(
                name, table, [sa.text('name_bigrams(name)')], unique=False, postgresql_using='gin'
            )
    else:
        for statement in _fts_statements():
            op.execute(statement)

    # Match tokens of the objections already logged, computed by the same function the
    # model's save hook calls.
    from proposals.objections import objection_tokens

    rows = bind.execute(sa.text('SELECT id, customer_words FROM objection')).all()
    for objection_id, words in rows:
        bind.execute(
            sa.text('UPDATE objection SET match_tokens = :t WHERE id = :id'),
            {'t': ' '.join(sorted(objection_tokens(words or ''))), 'id': objection_id},
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for name, table in TRIGRAM_INDEXES + BIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
        op.execute('DROP FUNCTION IF EXISTS name_bigrams(text)')
    else:
        for table, _kind in FTS_KINDS:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS search_fts_names_{table}_{event}')
        op.execute('DROP TABLE IF EXISTS search_fts_names')
    op.drop_table('scope_generation')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index('ix_objection_status_raised')
        batch_op.drop_column('match_tokens')
    with op.batch_alter_table('opportunity_team', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_team_user_opportunity')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_grade_name')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        for name, _columns in OPPORTUNITY_INDEXES:
            batch_op.drop_index(name)
