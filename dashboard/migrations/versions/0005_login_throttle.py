"""login throttle per account name and source

Failed logins were counted on app_user (read, verify, write back: concurrent wrong passwords were
lost, and anyone could lock any account for everyone). They are now counted per (account name as
typed, client address) and per address in login_throttle, with an atomic upsert before the password
is checked (dashboard.auth.login). The old counters on app_user go.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username', 'source')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('count_failed_logins')
        batch_op.drop_column('locked_until')


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('count_failed_logins', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.drop_table('login_throttle')
