"""sampling rollup per unit × day

rollup_sampling_month (enterprise × month) is replaced by rollup_sampling_unit_day (org unit ×
sampling day): a window's sampling figure becomes a sum over its days, exact at mid-month edges
without reading raw rows (benchmarks/province.py: the raw edge rows of a mid-month window cost
more than every other target together). Existing records get the new rollup built here, in the
upgrade's transaction. self_inspection gets an index on inspection_date for the
window-edge reads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rollup_sampling_unit_day',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sampling_date', sa.Date(), nullable=False),
    sa.Column('count_samples', sa.Integer(), nullable=False),
    sa.Column('count_counted', sa.Integer(), nullable=False),
    sa.Column('count_passed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id', 'sampling_date')
    )
    with op.batch_alter_table('rollup_sampling_month', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_sampling_month_month')
    op.drop_table('rollup_sampling_month')
    with op.batch_alter_table('self_inspection', schema=None) as batch_op:
        batch_op.create_index('ix_self_inspection_inspection_date', ['inspection_date'], unique=False)
    op.execute("insert into rollup_sampling_unit_day "
               "(unit_id, sampling_date, count_samples, count_counted, count_passed) "
               "select e.unit_id, s.sampling_date, count(*), "
               "sum(case when s.task_source <> '风险监测' then 1 else 0 end), "
               "sum(case when s.task_source <> '风险监测' and s.verdict = '合格' then 1 else 0 end) "
               "from sampling s join enterprise e on e.credit_code = s.credit_code "
               "group by e.unit_id, s.sampling_date")


def downgrade() -> None:
    op.create_table('rollup_sampling_month',
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('month_date', sa.Date(), nullable=False),
    sa.Column('month_end_date', sa.Date(), nullable=False),
    sa.Column('next_month_date', sa.Date(), nullable=False),
    sa.Column('count_samples', sa.Integer(), nullable=False),
    sa.Column('count_counted', sa.Integer(), nullable=False),
    sa.Column('count_passed', sa.Integer(), nullable=False),
    sa.Column('last_sampling_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('credit_code', 'month_date')
    )
    with op.batch_alter_table('rollup_sampling_month', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_sampling_month_month', ['month_date', 'month_end_date'], unique=False)
    op.drop_table('rollup_sampling_unit_day')
    with op.batch_alter_table('self_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_self_inspection_inspection_date')
