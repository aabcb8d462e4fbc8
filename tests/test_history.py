"""上报记录: the batch list (file, unit, months, uploader, time, rows per sheet, status), the records a
batch changed, and rollback from the page (with a confirmation) restoring exactly the state before."""
from __future__ import annotations

from datetime import date, datetime

from streamlit.testing.v1 import AppTest

from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.figures.reporting import batch_records, upload_history
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook
from upload_support import code, figures, good_workbook, sheet, signed, xlsx
from tests.pages_support import PROJECT_DIR


def exam_workbook(score: float) -> bytes:
    return xlsx(sheet("食安员抽考", ["统一社会信用代码", "姓名", "岗位", "考试日期", "成绩"],
                      [[code(1), "张三丰", "食品安全员", date(2023, 6, 6), score]]))


def test_history_lists_every_batch_with_months_rows_and_status(small_county):
    may = import_workbook(small_county, good_workbook(3), viewer=system_viewer(small_county), uploader="城区填报员", file_name="5月.xlsx",
                          uploaded_at=datetime(2023, 6, 3, 9, 30))
    june = import_workbook(small_county, exam_workbook(58),
                           viewer=system_viewer(small_county), uploader="城区填报员", file_name="6月.xlsx",
                           uploaded_at=datetime(2023, 7, 4, 10))
    rows = upload_history(small_county, system_viewer(small_county))
    assert [r["batch_id"] for r in rows] == [june.batch_id, may.batch_id, 1]
    top, second = rows[0], rows[1]
    assert (top["file_name"], top["unit_name"], top["months"], top["uploader"], top["uploaded_at"],
            top["rows"], top["status_text"]) == (
        "6月.xlsx", "城区分局", ["2023-06"], "城区填报员", datetime(2023, 7, 4, 10), {"食安员抽考": 1}, "已导入")
    assert (second["months_text"], second["rows_text"], second["count_inserted"], second["count_replaced"]) == (
        "2023年5月", "监督抽检 3；企业自查 2", 5, 0)
    # a clerk of another sub-bureau sees none of 城区分局's batches (nor the county-wide registry's)
    other = Viewer("dt02_clerk", "clerk", resolve_unit(small_county, "DT02").unit_id)
    assert upload_history(small_county, other, root=False) == []
    own = Viewer("dt01_clerk", "clerk", resolve_unit(small_county, "DT01").unit_id)
    assert [r["file_name"] for r in upload_history(small_county, own, root=False)] == ["6月.xlsx", "5月.xlsx"]


def test_the_records_a_batch_changed_with_their_prior_version(small_county):
    first = import_workbook(small_county, exam_workbook(58), viewer=system_viewer(small_county), uploader="t")
    second = import_workbook(small_county, exam_workbook(75), viewer=system_viewer(small_county), uploader="t")
    assert batch_records(small_county, first.batch_id) == [
        {"sheet": "食安员抽考", "record_key": "统一社会信用代码 %s，姓名 张三丰，考试日期 2023-06-06" % code(1),
         "change": "新增", "previous": ""}]
    [changed] = batch_records(small_county, second.batch_id)
    assert changed["change"] == "更新" and "成绩：58.0" in changed["previous"] and "是否合格：否" in changed["previous"]
    admin = Viewer("admin", "admin", resolve_unit(small_county, "DT").unit_id, can_see_personal_data=False)
    assert "姓名 张**" in batch_records(small_county, second.batch_id, admin)[0]["record_key"]


def open_history(engine, viewer=None) -> AppTest:
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app_pages/history.py"), default_timeout=60), engine, viewer)
    at.run()
    assert not at.exception, at.exception
    return at


def test_rollback_from_the_page_restores_exactly_the_state_before(small_county_env):
    before_db, before = table_snapshot(small_county_env), figures(small_county_env)
    batch = import_workbook(small_county_env, good_workbook(3),
                            viewer=system_viewer(small_county_env), uploader="t", file_name="5月.xlsx").batch_id
    assert figures(small_county_env) != before
    at = open_history(small_county_env)
    table = at.dataframe[0].value
    assert table.iloc[0][["批次", "上报文件", "单位", "数据月份", "状态"]].tolist() == [
        batch, "5月.xlsx", "城区分局", "2023年5月", "已导入"]
    at.selectbox(key="hist_pick").set_value(batch).run()
    assert at.dataframe[1].value["操作"].tolist() == ["新增"] * 5
    at.button(key="hist_rollback").click().run()
    assert "确定撤销第 2 批" in at.warning[0].value
    assert table_snapshot(small_county_env)["sampling"] != []  # nothing happens before the confirmation
    at.button(key="hist_rollback_no").click().run()
    assert not at.warning
    at.button(key="hist_rollback").click().run()
    at.button(key="hist_rollback_yes").click().run()
    assert not at.exception, at.exception
    assert "已撤销第 2 批上报" in at.success[0].value
    after = table_snapshot(small_county_env)
    kept = ("upload_batch", "batch_change", "batch_insert", "audit_event")
    assert {t: rows for t, rows in after.items() if t not in kept} == \
        {t: rows for t, rows in before_db.items() if t not in kept}
    assert figures(small_county_env) == before
    status = at.dataframe[0].value.iloc[0]["状态"]
    assert status.startswith("已撤销（") and "system" in status


def test_a_refused_rollback_says_why(small_county_env):
    first = import_workbook(small_county_env, exam_workbook(58), viewer=system_viewer(small_county_env), uploader="t").batch_id
    import_workbook(small_county_env, exam_workbook(75), viewer=system_viewer(small_county_env), uploader="t")
    at = open_history(small_county_env)
    at.selectbox(key="hist_pick").set_value(first).run()
    at.button(key="hist_rollback").click().run()
    at.button(key="hist_rollback_yes").click().run()
    assert "请先撤销第 3 批" in at.error[0].value


def test_roles_without_rollback_see_no_rollback_button(small_county_env):
    import_workbook(small_county_env, good_workbook(2), viewer=system_viewer(small_county_env), uploader="t")
    chief = Viewer("dt01_chief", "chief", resolve_unit(small_county_env, "DT01").unit_id)
    at = open_history(small_county_env, chief)
    assert at.dataframe[0].value["单位"].tolist() == ["城区分局"]  # not the county-wide registry batch
    assert not [b for b in at.button if b.key == "hist_rollback"]
