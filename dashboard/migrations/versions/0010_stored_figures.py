"""stored count-query figures

stored_figure_key and stored_figure (dashboard.figures.stored): the rows of a target's count query
for each report unit, kept under the query, a hash of its bound parameters and the campaign
configuration, and the data version, so a page reads them with one indexed query instead of
computing them again. Created empty: figures are stored as they are first read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 00:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_figure_key',
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('query_name', sa.String(length=100), nullable=False),
    sa.Column('params_hash', sa.String(length=64), nullable=False),
    sa.Column('max_batch_id', sa.Integer(), nullable=False),
    sa.Column('count_committed', sa.Integer(), nullable=False),
    sa.Column('count_other', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key_id'),
    sa.UniqueConstraint('params_hash', 'max_batch_id', 'count_committed', 'count_other',
                        name='uq_stored_figure_key')
    )
    op.create_table('stored_figure',
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('count_key', sa.String(length=100), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['stored_figure_key.key_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_id', 'unit_id', 'count_key')
    )


def downgrade() -> None:
    op.drop_table('stored_figure')
    op.drop_table('stored_figure_key')
