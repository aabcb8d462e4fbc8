"""enterprise records check their batch and enterprise as one pair

Each record of an enterprise (sampling, inspections, problems …) had a foreign key to
enterprise.credit_code and another to upload_batch.batch_id. PostgreSQL checks each with a query of
its own for every row written: in a 10,000-row import the two were 165 of the COPY's 230 ms of
server CPU. Now batch_enterprise (dashboard.models.BatchEnterprise) holds one row per batch and
enterprise, with those two foreign keys, and each record has one foreign key, on (batch_id,
credit_code), to it: a record still names an existing batch and an existing enterprise, checked once
instead of twice. The upgrade fills batch_enterprise from the records' own pairs; the downgrade puts
the two keys back and drops it. On SQLite, whose foreign keys have no names, batch mode rebuilds
each table and names the reflected keys by NAMING to drop them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:40:00
"""
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
    for table in TABLES:
        names = _single_keys(table)
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            for name in names:
                batch.drop_constraint(name, type_='foreignkey')
            batch.create_foreign_key(f'fk_{table}_batch_enterprise', 'batch_enterprise',
                                     ['batch_id', 'credit_code'], ['batch_id', 'credit_code'])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_constraint(f'fk_{table}_batch_enterprise', type_='foreignkey')
            for column, referred in SINGLE:
                batch.create_foreign_key(f'{table}_{column}_fkey', referred, [column], [column])
    op.drop_index('ix_batch_enterprise_credit_code', table_name='batch_enterprise')
    op.drop_table('batch_enterprise')
