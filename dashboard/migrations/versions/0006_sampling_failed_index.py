"""index of the 不合格 sampling batches by date

A partial index on sampling (sampling_date) where verdict <> '合格': the overview's list of 不合格
batches not yet disposed (queries/undisposed_samplings.sql) reads the percent or two of a
province's millions of batches that failed instead of scanning them all (SQLite and PostgreSQL
both support partial indexes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FAILED = sa.text("verdict <> '合格'")


def upgrade() -> None:
    op.create_index('ix_sampling_failed_date', 'sampling', ['sampling_date'], unique=False,
                    sqlite_where=FAILED, postgresql_where=FAILED)


def downgrade() -> None:
    op.drop_index('ix_sampling_failed_date', table_name='sampling')
