"""`build_demo`: the committed sample county imports cleanly through the importer."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from dashboard.campaign import load_campaign
from dashboard.demo import DEMO_MISSING, build_demo, demo_files
from test_sample_data import read_sheets

pytestmark = pytest.mark.slow  # imports the 107 sample workbooks


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_build_demo_imports_every_sample_workbook(empty_engine):
    files = demo_files()
    assert len(files) == 107 and all((m, u) != DEMO_MISSING for _, m, u in files)
    sheets = [read_sheets(path) for path, _, _ in files]
    enterprises = {r["credit_code"] for s in sheets for r in s.get("企业名录", [])}
    samples = {r["sample_no"] for s in sheets for r in s.get("监督抽检", [])}

    summary = build_demo(empty_engine, load_campaign())  # raises on any rejected workbook

    assert f"企业 {len(enterprises)} 家" in summary
    assert _count(empty_engine, "select count(*) from upload_batch") == len(files)
    assert _count(empty_engine, "select count(*) from enterprise") == len(enterprises)
    assert _count(empty_engine, "select count(*) from sampling") == len(samples)
    first = _count(empty_engine, "select min(uploaded_at) from upload_batch")
    assert str(first) >= "2023-04-02"
    dt12_phase1 = """select count(*) from sampling s join enterprise e on e.credit_code = s.credit_code
                     join org_unit u on u.unit_id = e.unit_id
                     where u.code = 'DT12' and s.sampling_date between :a and :b"""
    assert _count(empty_engine, dt12_phase1, a=date(2023, 3, 1), b=date(2023, 4, 30)) == 0
    assert _count(empty_engine, dt12_phase1, a=date(2023, 5, 1), b=date(2023, 11, 30)) > 0

    again = build_demo(empty_engine, load_campaign())  # no force: nothing happens
    assert "未做任何改动" in again
    assert _count(empty_engine, "select count(*) from upload_batch") == len(files)
