"""campaign work

risk_screening (风险排查: one row per enterprise × screening day, with its 一企一策 plan),
work_task (工作任务: a unit's own work items, keyed within the uploading unit),
work_item_status (the office's status of a campaign file's work item) and
enforcement_case.source_no (来源编号: the sample or inspection that led to a case).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:06:58.422826
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_item_status',
    sa.Column('campaign_code', sa.String(length=64), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('campaign_code', 'item_code')
    )
    op.create_table('work_task',
    sa.Column('work_task_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('task_no', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('owner_name', sa.String(length=100), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_date', sa.Date(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.unit_id'], ),
    sa.PrimaryKeyConstraint('work_task_id'),
    sa.UniqueConstraint('unit_id', 'task_no')
    )
    with op.batch_alter_table('work_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_task_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_task_unit_id'), ['unit_id'], unique=False)

    op.create_table('risk_screening',
    sa.Column('risk_screening_id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('screening_date', sa.Date(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=True),
    sa.Column('count_hazards', sa.Integer(), nullable=False),
    sa.Column('has_plan', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['credit_code'], ['enterprise.credit_code'], ),
    sa.PrimaryKeyConstraint('risk_screening_id'),
    sa.UniqueConstraint('credit_code', 'screening_date')
    )
    with op.batch_alter_table('risk_screening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_screening_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_screening_credit_code'), ['credit_code'], unique=False)

    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_no', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.drop_column('source_no')

    with op.batch_alter_table('risk_screening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_screening_credit_code'))
        batch_op.drop_index(batch_op.f('ix_risk_screening_batch_id'))

    op.drop_table('risk_screening')
    with op.batch_alter_table('work_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_task_unit_id'))
        batch_op.drop_index(batch_op.f('ix_work_task_batch_id'))

    op.drop_table('work_task')
    op.drop_table('work_item_status')
