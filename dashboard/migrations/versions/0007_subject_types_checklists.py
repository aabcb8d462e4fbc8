"""subject types and checklists

enterprise.subject_type (主体类型 of the registry sheet; config/subjects.yaml; existing rows are
生产企业, the configured default when the column is left empty) and checklist_item (检查清单: one
row per subject × checklist × check date × item), so that campaigns over other subjects and
checklists of any length are configuration only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=20), server_default='生产企业',
                                      nullable=False))
    op.create_table('checklist_item',
    sa.Column('checklist_item_id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('checklist', sa.String(length=50), nullable=False),
    sa.Column('check_date', sa.Date(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('is_done', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['credit_code'], ['enterprise.credit_code'], ),
    sa.PrimaryKeyConstraint('checklist_item_id'),
    sa.UniqueConstraint('credit_code', 'checklist', 'check_date', 'item')
    )
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_item_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_item_credit_code'), ['credit_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_item_credit_code'))
        batch_op.drop_index(batch_op.f('ix_checklist_item_batch_id'))
    op.drop_table('checklist_item')
    # a plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop the enterprise
    # table, which every record table references
    op.drop_column('enterprise', 'subject_type')
