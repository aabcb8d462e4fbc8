"""the free-text columns of the workbooks hold what the contract lets a cell hold (1,000 characters)

A text cell of the contract may hold up to 1,000 characters; 企业名称, 食品名称, 检验机构 and the
other free-text columns were VARCHAR(32–400), so PostgreSQL refused a longer value the importer had
accepted (the import failed with a traceback). They become VARCHAR(1000). Keys and numbers (抽样单编号,
姓名 …) keep their lengths: an index entry bounds them, and the importer refuses a longer value per
cell. SQLite does not enforce a VARCHAR's length, so only PostgreSQL's columns are altered (widening
a VARCHAR there rewrites nothing). The downgrade narrows them back, which fails if a longer value is
stored.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 22:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

WIDENED = {  # table: {column: its length before}
    'enterprise': {'name': 200, 'license_no': 32, 'product_category': 200, 'cadre_name': 100, 'address': 400},
    'management_system': {'certificate_no': 100},
    'inspection': {'inspectors': 200},
    'sampling': {'food_name': 200, 'food_category': 100, 'production_batch': 100, 'lab_name': 200},
    'enforcement_case': {'violation_type': 200},
    'risk_screening': {'agency': 200},
    'work_task': {'owner_name': 100},
}
TEXT_CELL = 1000


def _alter(to_new: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in WIDENED.items():
        for column, before in columns.items():
            old, new = sa.String(before), sa.String(TEXT_CELL)
            op.alter_column(table, column, type_=new if to_new else old, existing_type=old if to_new else new)


def upgrade() -> None:
    _alter(True)


def downgrade() -> None:
    _alter(False)
