"""one index on (credit_code, batch_id) for each enterprise record table, where there were two

Each record table of an enterprise had an index on credit_code (what reads a record by its
enterprise) and one on (batch_id, credit_code) (a rollback's deletion of its batch's
batch_enterprise pairs checks each pair's rows through it). One index on (credit_code, batch_id)
serves both, and a 10,000-row sampling COPY spent about a ninth of PostgreSQL's CPU keeping the
second. The downgrade puts the two back.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:30:00
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('self_inspection', 'responsibility', 'management_system', 'supplier_evaluation', 'officer_exam',
          'inspection', 'problem', 'sampling', 'cadre_visit', 'checklist_item', 'star_rating',
          'enforcement_case', 'risk_screening')


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f'ix_{table}_enterprise_batch', table, ['credit_code', 'batch_id'], unique=False)
        op.drop_index(f'ix_{table}_credit_code', table_name=table)
        op.drop_index(f'ix_{table}_batch_enterprise', table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f'ix_{table}_credit_code', table, ['credit_code'], unique=False)
        op.create_index(f'ix_{table}_batch_enterprise', table, ['batch_id', 'credit_code'], unique=False)
        op.drop_index(f'ix_{table}_enterprise_batch', table_name=table)
