"""the uploaded file stored without compression

upload_batch.file_bytes on PostgreSQL: STORAGE EXTERNAL (out of line, never compressed) instead of
EXTENDED. An .xlsx is a zip: pglz compressed the benchmark's 474 KB workbook by 0 bytes (it stored
it as it came) after trying, which cost the server 7.4 ms of CPU per upload (1.2 ms without the
attempt; log_statement_stats, minimum of 8 imports). Rows stored before keep their form and read
the same. SQLite has no such setting: nothing to do there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _storage(kind: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE upload_batch ALTER COLUMN file_bytes SET STORAGE {kind}')


def upgrade() -> None:
    _storage('EXTERNAL')


def downgrade() -> None:
    _storage('EXTENDED')
