"""scenario start: a price-score scenario's figures may be empty until the rep enters them
(a new scenario no longer starts from invented estimates; the placeholder figures of
scenarios still marked "starting" are emptied), and a decision-chain task raised with its
warning's own wording stores the warning and the person it names instead of the text, so
each reader sees it in their language

Revision ID: 0015_scenario_start
Revises: 0012_method
Create Date: 2026-11-30 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_scenario_start'
down_revision = '0012_method'
branch_labels = None
depends_on = None

MONEY = sa.Numeric()

SCENARIO_FIGURES = (
    'our_cost', 'our_tech_low', 'our_tech_likely', 'our_tech_high', 'grid_min', 'grid_max'
)
COMPETITOR_FIGURES = (
    'price_low', 'price_likely', 'price_high', 'tech_low', 'tech_likely', 'tech_high'
)


def _column_type(table: str, column: str):
    bind = op.get_bind()
    for c in sa.inspect(bind).get_columns(table):
        if c['name'] == column:
            return c['type']
    raise LookupError(f'{table}.{column}')


def upgrade():
    # ALTER COLUMN … DROP NOT NULL on PostgreSQL; on SQLite the batch copies the table and
    # keeps its check constraints and indexes (the official scenario's partial index too,
    # recreated below because SQLite's reflection drops its WHERE clause).
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    if is_sqlite:
        op.drop_index('uq_price_scenario_official', table_name='price_scenario')
    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        for name in SCENARIO_FIGURES:
            batch_op.alter_column(
                name, existing_type=_column_type('price_scenario', name), nullable=True
            )
    if is_sqlite:
        op.create_index(
            'uq_price_scenario_official',
            'price_scenario',
            ['opportunity_id'],
            unique=True,
            sqlite_where=sa.text('official'),
        )
    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        for name in COMPETITOR_FIGURES:
            batch_op.alter_column(
                name, existing_type=_column_type('price_competitor', name), nullable=True
            )
    with op.batch_alter_table('chain_task', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=300), nullable=True)
        batch_op.add_column(sa.Column('title_params', sa.JSON(), nullable=True))

    _empty_starting_estimates()
    _tasks_with_rule_titles()


def _empty_starting_estimates():
    """Scenarios still marked "starting" were never saved by their rep: their cost (75 % of
    the amount), technical points (55–64), ceiling (= the amount) and every rival row were
    invented. Empty them; the rules, the tested prices and a chosen price stay."""
    bind = op.get_bind()
    ids = [r[0] for r in bind.execute(
        sa.text("SELECT id FROM price_scenario WHERE figures_origin = 'starting'")
    )]
    if not ids:
        return
    scenario = sa.table(
        'price_scenario',
        sa.column('id', sa.Integer),
        sa.column('figures_origin', sa.String),
        sa.column('ceiling', MONEY),
        *(sa.column(n, MONEY) for n in SCENARIO_FIGURES if n.startswith('our_')),
    )
    competitor = sa.table(
        'price_competitor',
        sa.column('scenario_id', sa.Integer),
        *(sa.column(n, MONEY) for n in COMPETITOR_FIGURES),
    )
    bind.execute(
        scenario.update()
        .where(scenario.c.id.in_(ids))
        .values(
            figures_origin='typed',
            ceiling=None,
            **{n: None for n in SCENARIO_FIGURES if n.startswith('our_')},
        )
    )
    bind.execute(
        competitor.update()
        .where(competitor.c.scenario_id.in_(ids))
        .values(**{n: None for n in COMPETITOR_FIGURES})
    )


def _tasks_with_rule_titles():
    """A task whose title is still its warning's wording (in either language, with the
    stakeholder's name after it as the form suggested it) becomes a rule title: the text
    is dropped and the name kept as its parameter. Titles someone rewrote stay as typed."""
    from proposals.coverage import rule_title_name

    bind = op.get_bind()
    task = sa.table(
        'chain_task',
        sa.column('id', sa.Integer),
        sa.column('warning_code', sa.String),
        sa.column('title', sa.String),
        sa.column('title_params', sa.JSON),
    )
    rows = bind.execute(sa.select(task.c.id, task.c.warning_code, task.c.title)).all()
    for task_id, code, title in rows:
        from_rule, name = rule_title_name(code, title or '')
        if from_rule:
            bind.execute(
                task.update()
                .where(task.c.id == task_id)
                .values(title=None, title_params={'name': name} if name else {})
            )


def downgrade():
    # Rule titles get their English wording back; empty figures become 0 so the NOT NULL
    # columns can return (the scenarios then show invalid inputs rather than a P(win)).
    from proposals.coverage import task_title

    bind = op.get_bind()
    task = sa.table(
        'chain_task',
        sa.column('id', sa.Integer),
        sa.column('warning_code', sa.String),
        sa.column('title', sa.String),
        sa.column('title_params', sa.JSON),
    )
    for task_id, code, params in bind.execute(
        sa.select(task.c.id, task.c.warning_code, task.c.title_params).where(
            task.c.title.is_(None)
        )
    ).all():
        bind.execute(
            task.update()
            .where(task.c.id == task_id)
            .values(title=task_title(code, (params or {}).get('name'), 'en')[:300])
        )
    with op.batch_alter_table('chain_task', schema=None) as batch_op:
        batch_op.drop_column('title_params')
        batch_op.alter_column('title', existing_type=sa.String(length=300), nullable=False)
    for table, names in (
        ('price_competitor', COMPETITOR_FIGURES),
        ('price_scenario', SCENARIO_FIGURES),
    ):
        for name in names:
            if name in ('grid_min', 'grid_max'):
                continue  # the grid's check constraint wants 0 < grid_min < grid_max
            bind.execute(sa.text(f'UPDATE {table} SET {name} = 0 WHERE {name} IS NULL'))  # noqa: S608
    bind.execute(sa.text('UPDATE price_scenario SET grid_min = 1 WHERE grid_min IS NULL'))
    bind.execute(
        sa.text('UPDATE price_scenario SET grid_max = grid_min + 1 WHERE grid_max IS NULL')
    )
    is_sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('price_competitor', schema=None) as batch_op:
        for name in COMPETITOR_FIGURES:
            batch_op.alter_column(
                name, existing_type=_column_type('price_competitor', name), nullable=False
            )
    if is_sqlite:
        op.drop_index('uq_price_scenario_official', table_name='price_scenario')
    with op.batch_alter_table('price_scenario', schema=None) as batch_op:
        for name in SCENARIO_FIGURES:
            batch_op.alter_column(
                name, existing_type=_column_type('price_scenario', name), nullable=False
            )
    if is_sqlite:
        op.create_index(
            'uq_price_scenario_official',
            'price_scenario',
            ['opportunity_id'],
            unique=True,
            sqlite_where=sa.text('official'),
        )
