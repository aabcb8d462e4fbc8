"""enterprise records check their batch and enterprise as one pair

Each record of an enterprise (sampling, inspections, problems …) had a foreign key to
enterprise.credit_code and another to upload_batch.batch_id. PostgreSQL checks each with a query of
its own for every row written: in a 10,000-row import the two were 165 of the COPY's 230 ms of
server CPU. Now batch_enterprise (dashboard.models.BatchEnterprise) holds one row per batch and
enterprise, with those two foreign keys, and each record has one foreign key, on (batch_id,
credit_code), to it: a record still names an existing batch and an existing enterprise, checked once
instead of twice; its index on batch_id becomes one on the pair. The upgrade fills batch_enterprise
from the records' own pairs and from the rows committed batches replaced (a rollback restores
those; a pair naming an enterprise no longer there is left out: such a row could not come back
before either); the downgrade puts the two keys and the index back and drops the table. On SQLite,
whose foreign keys have no names, batch mode rebuilds each table and names the reflected keys by
NAMING to drop them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:40:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('self_inspection', 'responsibility', 'management_system', 'supplier_evaluation', 'officer_exam',
          'inspection', 'problem', 'sampling', 'cadre_visit', 'checklist_item', 'star_rating',
          'enforcement_case', 'risk_screening')
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
SINGLE = (('credit_code', 'enterprise'), ('batch_id', 'upload_batch'))


def _single_keys(table: str) -> list[str]:
    """The names of the table's one-column keys to enterprise and upload_batch, as batch mode
    knows them (PostgreSQL's own names; on SQLite those NAMING gives)."""
    out = []
    for fk in sa.inspect(op.get_bind()).get_foreign_keys(table):
        if (tuple(fk['constrained_columns']), fk['referred_table']) in {((c,), t) for c, t in SINGLE}:
            out.append(fk['name'] or NAMING['fk'] % {'table_name': table, 'column_0_name': fk['constrained_columns'][0],
                                                      'referred_table_name': fk['referred_table']})
    return out


def upgrade() -> None:
    op.create_table('batch_enterprise',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['credit_code'], ['enterprise.credit_code'], ),
    sa.PrimaryKeyConstraint('batch_id', 'credit_code')
    )
    op.create_index('ix_batch_enterprise_credit_code', 'batch_enterprise', ['credit_code'], unique=False)
    pairs = ' union '.join(f'select batch_id, credit_code from {t}' for t in TABLES)  # fixed names
    op.execute(f'insert into batch_enterprise (batch_id, credit_code) {pairs}')
    _add_restorable_pairs()
    for table in TABLES:
        names = _single_keys(table)
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            for name in names:
                batch.drop_constraint(name, type_='foreignkey')
            batch.create_foreign_key(f'fk_{table}_batch_enterprise', 'batch_enterprise',
                                     ['batch_id', 'credit_code'], ['batch_id', 'credit_code'])
            batch.drop_index(f'ix_{table}_batch_id')
            batch.create_index(f'ix_{table}_batch_enterprise', ['batch_id', 'credit_code'], unique=False)


def _add_restorable_pairs() -> None:
    """The pairs of the rows committed batches replaced, where missing and their enterprise and
    batch are there."""
    bind = op.get_bind()
    stmt = sa.text('select bc.old_row_json from batch_change bc join upload_batch ub on ub.batch_id = bc.batch_id '
                   "where ub.status = 'committed' and bc.table_name in :names").bindparams(
        sa.bindparam('names', expanding=True))
    wanted = set()
    for (old,) in bind.execute(stmt, {'names': list(TABLES)}):
        row = json.loads(old)
        wanted.add((row.get('batch_id'), row.get('credit_code')))
    have = set(map(tuple, bind.execute(sa.text('select batch_id, credit_code from batch_enterprise'))))
    codes = set(bind.execute(sa.text('select credit_code from enterprise')).scalars())
    batches = set(bind.execute(sa.text('select batch_id from upload_batch')).scalars())
    missing = sorted(p for p in wanted - have if p[0] in batches and p[1] in codes)
    if missing:
        bind.execute(sa.text('insert into batch_enterprise (batch_id, credit_code) values (:b, :c)'),
                     [{'b': b, 'c': c} for b, c in missing])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_index(f'ix_{table}_batch_enterprise')
            batch.create_index(f'ix_{table}_batch_id', ['batch_id'], unique=False)
            batch.drop_constraint(f'fk_{table}_batch_enterprise', type_='foreignkey')
            for column, referred in SINGLE:
                batch.create_foreign_key(f'{table}_{column}_fkey', referred, [column], [column])
    op.drop_index('ix_batch_enterprise_credit_code', table_name='batch_enterprise')
    op.drop_table('batch_enterprise')
