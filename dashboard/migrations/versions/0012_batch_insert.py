"""the keys a batch inserted, one row per batch and table

batch_insert (dashboard.models.BatchInsert) holds, for each batch and table, the natural keys of the
records the batch inserted, as one JSON list; batch_change keeps only the records a batch replaced
(with their prior state), so its old_row_json is never null. An import of 10,000 new records wrote
10,000 batch_change rows, each checked against upload_batch and entered in three indexes: on
PostgreSQL a quarter of the import's server time. The upgrade moves the inserted rows of existing
batches (in the order they were written); the downgrade puts them back.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 04:20:00
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

batch_change = sa.table('batch_change', sa.column('change_id', sa.Integer), sa.column('batch_id', sa.Integer),
                        sa.column('table_name', sa.String), sa.column('record_key', sa.String),
                        sa.column('old_row_json', sa.Text))
batch_insert = sa.table('batch_insert', sa.column('batch_id', sa.Integer), sa.column('table_name', sa.String),
                        sa.column('count_records', sa.Integer), sa.column('record_keys', sa.Text))


def upgrade() -> None:
    op.create_table('batch_insert',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('count_records', sa.Integer(), nullable=False),
    sa.Column('record_keys', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('batch_id', 'table_name')
    )
    conn = op.get_bind()
    inserted = defaultdict(list)
    stmt = (sa.select(batch_change.c.batch_id, batch_change.c.table_name, batch_change.c.record_key)
            .where(batch_change.c.old_row_json.is_(None)).order_by(batch_change.c.change_id))
    for batch_id, table_name, record_key in conn.execute(stmt):
        inserted[(batch_id, table_name)].append(record_key)
    if inserted:
        conn.execute(batch_insert.insert(), [
            {"batch_id": b, "table_name": t, "count_records": len(keys), "record_keys": "[" + ", ".join(keys) + "]"}
            for (b, t), keys in sorted(inserted.items())])
    conn.execute(batch_change.delete().where(batch_change.c.old_row_json.is_(None)))
    with op.batch_alter_table('batch_change', schema=None) as batch_op:
        batch_op.alter_column('old_row_json', existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    import json
    with op.batch_alter_table('batch_change', schema=None) as batch_op:
        batch_op.alter_column('old_row_json', existing_type=sa.Text(), nullable=True)
    conn = op.get_bind()
    rows = []
    for batch_id, table_name, keys in conn.execute(
            sa.select(batch_insert.c.batch_id, batch_insert.c.table_name, batch_insert.c.record_keys)
            .order_by(batch_insert.c.batch_id, batch_insert.c.table_name)):
        rows += [{"batch_id": batch_id, "table_name": table_name, "old_row_json": None,
                  "record_key": json.dumps(key, ensure_ascii=False)} for key in json.loads(keys)]
    if rows:
        conn.execute(batch_change.insert(), rows)
    op.drop_table('batch_insert')
