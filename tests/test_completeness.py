"""Reporting completeness and timeliness (docs/indicators.md §6), hand-computed, on SQLite and
PostgreSQL; and the 上报完整性 page through AppTest."""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

from streamlit.testing.v1 import AppTest

from dashboard.access import resolve_unit, system_viewer
from dashboard.periods import Window
from dashboard.figures.reporting import (LATE, MISSING, ON_TIME, PENDING, batch_months, due_date,
                                    reporting_completeness, status_of)
from dashboard.db import execute
from dashboard.importer import import_workbook, rollback_batch
from dashboard.figures.selection import select
from upload_support import CONF, code, sampling, sampling_row, sheet, signed, xlsx
from tests.pages_support import PROJECT_DIR

SPRING = Window(date(2023, 3, 1), date(2023, 6, 30), "")


def report(engine, n: int, day: date, when: datetime, *, no: str | None = None, extra: list | None = None) -> int:
    """One self-inspection of enterprise n dated `day` (plus extra sampling rows), uploaded `when`."""
    sheets = [sheet("企业自查", ["统一社会信用代码", "自查日期", "发现问题数", "是否提交自查报告"],
                    [[code(n), day, 0, "是"]])]
    if extra:
        sheets.append(sampling(extra))
    result = import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="clerk", uploaded_at=when,
                             file_name=no or f"{n}-{day}-{when}.xlsx")
    assert result.status == "imported", result.to_text()
    return result.batch_id


def completeness(engine, as_of=date(2023, 6, 30), conf=CONF):
    return reporting_completeness(engine, select(engine, conf, system_viewer(engine), window=SPRING,
                                                 as_of=as_of))


def test_due_date_and_status_rules():
    assert due_date("2023-05", 5) == date(2023, 6, 5) and due_date("2023-12", 5) == date(2024, 1, 5)
    assert status_of(datetime(2023, 6, 5, 23, 59), "2023-05", 5, date(2023, 7, 1)) == ON_TIME
    assert status_of(datetime(2023, 6, 6, 8), "2023-05", 5, date(2023, 7, 1)) == LATE
    assert status_of(None, "2023-05", 5, date(2023, 6, 5)) == PENDING
    assert status_of(None, "2023-05", 5, date(2023, 6, 6)) == MISSING


def test_on_time_late_missing_per_unit_and_month(small_county):
    report(small_county, 1, date(2023, 4, 12), datetime(2023, 5, 3, 9))  # 城区 April: on time
    report(small_county, 2, date(2023, 5, 10), datetime(2023, 6, 8, 9))  # 城区 May: late
    report(small_county, 5, date(2023, 5, 9), datetime(2023, 6, 5, 17))  # 开发区 May: on the 5th, on time
    c = completeness(small_county)
    assert c.months == ["2023-03", "2023-04", "2023-05", "2023-06"]
    assert [c.status("DT01", m) for m in c.months] == [MISSING, ON_TIME, LATE, PENDING]
    assert [c.status("DT02", m) for m in c.months] == [MISSING, MISSING, ON_TIME, PENDING]
    assert [c.status("DT03", m) for m in c.months] == [MISSING, MISSING, MISSING, PENDING]
    assert c.status("DT01", "2023-05", "企业自查") == LATE and c.status("DT01", "2023-05", "监督抽检") == MISSING
    by = {s["unit_code"]: s for s in c.summary}
    assert (by["DT01"]["months_due"], by["DT01"]["months_reported"], by["DT01"]["months_on_time"]) == (3, 2, 1)
    assert (by["DT01"]["completeness"], by["DT01"]["on_time_rate"]) == (2 / 3, 1 / 3)
    assert (by["DT02"]["months_reported"], by["DT02"]["on_time_rate"]) == (1, 1 / 3)
    assert by["DT03"]["completeness"] == 0
    assert [u["code"] for u in c.units] == [f"DT{i:02d}" for i in range(1, 13)]


def test_the_on_time_day_is_the_campaign_setting(small_county):
    report(small_county, 2, date(2023, 5, 10), datetime(2023, 6, 8, 9))
    assert completeness(small_county).status("DT01", "2023-05") == LATE
    assert completeness(small_county, conf=dataclasses.replace(CONF, on_time_day=10)).status("DT01", "2023-05") == ON_TIME


def test_a_later_correction_does_not_make_a_punctual_month_late(small_county):
    row = sampling_row("S-1", 1, 抽样日期=date(2023, 5, 8))
    report(small_county, 1, date(2023, 5, 4), datetime(2023, 6, 2, 9), extra=[row])
    fixed = sampling_row("S-1", 1, 抽样日期=date(2023, 5, 8), 食品名称="酱牛肉（更正）")
    report(small_county, 1, date(2023, 5, 4), datetime(2023, 6, 20, 9), extra=[fixed])  # replaces S-1
    c = completeness(small_county)
    assert c.status("DT01", "2023-05") == ON_TIME
    assert c.status("DT01", "2023-05", "监督抽检") == ON_TIME


def test_a_stray_record_of_an_earlier_month_does_not_report_it(small_county):
    """November's file re-listing one October record does not make October reported."""
    rows = [sampling_row(f"S-{i}", 1, 抽样日期=date(2023, 6, 1 + i)) for i in range(9)]
    rows.append(sampling_row("S-old", 1, 抽样日期=date(2023, 5, 30)))
    report(small_county, 1, date(2023, 6, 2), datetime(2023, 7, 3, 9), extra=rows)
    c = completeness(small_county, as_of=date(2023, 7, 31))
    assert c.status("DT01", "2023-06") == ON_TIME
    assert c.status("DT01", "2023-05") == MISSING
    assert c.status("DT01", "2023-05", "监督抽检") == LATE  # the record itself is shown, late


def test_uploads_after_as_of_and_rolled_back_ones_do_not_count(small_county):
    batch = report(small_county, 1, date(2023, 5, 4), datetime(2023, 6, 2, 9))
    assert completeness(small_county, as_of=date(2023, 6, 1)).status("DT01", "2023-05") == PENDING
    assert completeness(small_county).status("DT01", "2023-05") == ON_TIME
    assert batch_months(small_county, system_viewer(small_county))[batch] == ["2023-05"]
    rollback_batch(small_county, batch, system_viewer(small_county))
    assert completeness(small_county).status("DT01", "2023-05") == MISSING


def test_replaced_versions_are_scoped_to_the_viewer_in_sql(small_county):
    """Corrections replace a 城区分局 sampling whose number holds a quote and a backslash (its key
    is rebuilt as JSON in SQL) and a 开发区分局 self-inspection: each scope gets its own prior
    versions only, with the enterprise's unit."""
    tricky = 'S-"5"\\01'
    headers = ["统一社会信用代码", "自查日期", "发现问题数", "是否提交自查报告"]
    for when, lab, problems in [(datetime(2023, 6, 2, 9), "甲检测", 0), (datetime(2023, 6, 9, 9), "乙检测", 2)]:
        data = xlsx(sampling([sampling_row(tricky, 1, 检验机构=lab)]),
                    sheet("企业自查", headers, [[code(5), date(2023, 5, 3), problems, "是"]]))
        result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk",
                                 uploaded_at=when)
        assert result.status == "imported", result.to_text()
    unit = {c: resolve_unit(small_county, c).unit_id for c in ("DT", "DT01", "DT02", "DT03")}

    def replaced(scope: str) -> list[tuple]:
        rows = execute(small_county, "completeness_replaced_rows", scope_unit_id=unit[scope])
        return sorted((r["table_name"], r["unit_id"], json.loads(r["old_row_json"]).get("lab_name"))
                      for r in rows)
    assert replaced("DT") == [("sampling", unit["DT01"], "甲检测"), ("self_inspection", unit["DT02"], None)]
    assert replaced("DT01") == [("sampling", unit["DT01"], "甲检测")]
    assert replaced("DT02") == [("self_inspection", unit["DT02"], None)]
    assert replaced("DT03") == []


def test_the_page_shows_the_matrix_and_the_rates(small_county_env):
    report(small_county_env, 1, date(2023, 4, 12), datetime(2023, 5, 3, 9))
    report(small_county_env, 2, date(2023, 5, 10), datetime(2023, 6, 8, 9))
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app_pages/completeness.py"), default_timeout=60), small_county_env)
    at.query_params["as_of"] = "2023-06-30"
    at.run()
    assert not at.exception, at.exception
    summary = at.dataframe[0].value
    row = summary[summary["单位"] == "城区分局"].iloc[0]
    assert (row["应报月数"], row["已报"], row["按时"], row["迟报"], row["完整率"], row["按时率"]) == (
        3, 2, 1, 1, "66.6%", "33.3%")  # 2/3 rounded down, as every figure
    overall = at.dataframe[1].value
    assert overall.loc["城区分局", "2023年4月"] == "按时（5月3日）"
    assert overall.loc["城区分局", "2023年3月"] == "未报"
    at.selectbox(key="cmp_sheet").set_value("企业自查").run()
    assert at.dataframe[2].value.loc["城区分局", "2023年4月"] == "按时（5月3日）"
