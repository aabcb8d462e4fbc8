"""stored figures invalidated per unit

stored_figure_unit (dashboard.figures.stored): for each org unit, the number of the newest write
that changed what a count query reads for its subtree (unit 0: a write that changed everything).
stored_figure rows carry the change number they were counted at, and stored_figure_key is no longer
tied to a data version. The two stored tables are a cache: recreated empty (figures are stored
again as they are read); their constraints are kept.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 04:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _key_table(version_columns: bool) -> None:
    columns = [sa.Column('key_id', sa.Integer(), nullable=False),
               sa.Column('query_name', sa.String(length=100), nullable=False),
               sa.Column('params_hash', sa.String(length=64), nullable=False)]
    if version_columns:
        columns += [sa.Column(c, sa.Integer(), nullable=False)
                    for c in ('max_batch_id', 'count_committed', 'count_other')]
        unique = sa.UniqueConstraint('params_hash', 'max_batch_id', 'count_committed', 'count_other',
                                     name='uq_stored_figure_key')
    else:
        unique = sa.UniqueConstraint('params_hash', name='uq_stored_figure_key')
    op.create_table('stored_figure_key', *columns, sa.PrimaryKeyConstraint('key_id'), unique)


def _figure_table(change_no: bool) -> None:
    op.create_table('stored_figure',
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('count_key', sa.String(length=100), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=False),
    *([sa.Column('change_no', sa.Integer(), nullable=False)] if change_no else []),
    sa.ForeignKeyConstraint(['key_id'], ['stored_figure_key.key_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_id', 'unit_id', 'count_key')
    )


def upgrade() -> None:
    op.drop_table('stored_figure')
    op.drop_table('stored_figure_key')
    _key_table(version_columns=False)
    _figure_table(change_no=True)
    op.create_table('stored_figure_unit',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('change_no', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id')
    )


def downgrade() -> None:
    op.drop_table('stored_figure_unit')
    op.drop_table('stored_figure')
    op.drop_table('stored_figure_key')
    _key_table(version_columns=True)
    _figure_table(change_no=False)
