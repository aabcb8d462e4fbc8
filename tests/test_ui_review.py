"""Regressions of a UI review of the pages: a 工作任务 record named by its 任务编号 in 上报记录 (not by
its unit's internal id), the overview's 按责任科室 table giving every unmet target's n of how many, the
case list's 罚没金额 as written (52000, not the float's 52000.0), and the wrapping HTML tables never
breaking a date or an account name across lines."""
from __future__ import annotations

import re
from datetime import date, datetime

from streamlit.testing.v1 import AppTest

from builders import sheet, xlsx
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.figures.reporting import batch_records
from dashboard.importer import import_workbook
from dashboard.ui import widgets
from tests.pages_support import PROJECT_DIR, sign_in, switch_to
from upload_support import signed

WT = ["任务编号", "任务内容", "责任人", "完成期限", "完成情况", "完成日期", "佐证材料"]


def task_book(status: str) -> bytes:
    return xlsx(sheet("工作任务", WT, [["DT01-7", "每周走访一家企业", "王明", date(2023, 4, 30), status, None, None]],
                      unit_name="城区分局"))


def test_a_work_task_is_named_by_its_number_in_the_batch_records(small_county):
    """工作任务 rows are keyed by (unit_id, 任务编号): the record text showed “任务编号 <unit_id>”."""
    first = import_workbook(small_county, task_book("未开始"), viewer=system_viewer(small_county), uploader="t",
                            uploaded_at=datetime(2023, 5, 3, 9))
    second = import_workbook(small_county, task_book("进行中"), viewer=system_viewer(small_county), uploader="t",
                             uploaded_at=datetime(2023, 6, 3, 9))
    assert batch_records(small_county, first.batch_id) == [
        {"sheet": "工作任务", "record_key": "任务编号 DT01-7", "change": "新增", "previous": ""}]
    [changed] = batch_records(small_county, second.batch_id)
    assert (changed["record_key"], changed["change"]) == ("任务编号 DT01-7", "更新")
    assert "完成情况：未开始" in changed["previous"]


def test_the_history_page_shows_the_task_number(small_county_env):
    eng = small_county_env
    batch = import_workbook(eng, task_book("未开始"), viewer=system_viewer(eng), uploader="t",
                            uploaded_at=datetime(2023, 5, 3, 9))
    clerk = Viewer("dt01_clerk", "clerk", resolve_unit(eng, "DT01").unit_id)
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app_pages/history.py"), default_timeout=60), eng, clerk)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="hist_pick").value == batch.batch_id
    records = at.dataframe[1].value  # the batch list, then the picked batch's records
    assert records[["工作表", "记录", "操作"]].values.tolist() == [["工作任务", "任务编号 DT01-7", "新增"]]


def sample_page(page: str) -> AppTest:
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120))
    at.run()
    assert not at.exception, at.exception
    return switch_to(at, page)


def test_the_owner_table_gives_each_unmet_target_n_of_how_many(sample_county_env):
    """按责任科室: “两个责任督导覆盖率（98.8%）” gave a rate without its numerator and denominator."""
    at = sample_page("overview")
    table = next(m.value for m in at.markdown if "<th>未达标指标</th>" in m.value)
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    owners = {owner: (count, unmet) for owner, count, unmet in cells}
    assert owners["办公室"] == ("1/1", "两个责任督导覆盖率 98.8%（172/174）")
    assert owners["综合行政执法大队"] == ("2/2", "检查问题整改率 97.2%（395/406）、飞行交叉检查率 30.0%（3/10）")
    for _, (_, unmet) in owners.items():  # every rate listed carries its n/d
        rates = re.findall(r"\d+\.\d%（?", unmet)
        assert rates and all(r.endswith("（") for r in rates), unmet


def test_the_case_list_shows_fines_as_written(sample_county_env):
    at = sample_page("enforcement")
    cases = next(d.value for d in at.dataframe if "案件编号" in d.value.columns)
    fines = dict(zip(cases["案件编号"], cases["罚没金额（元）"]))
    assert fines["东市监案〔2023〕104号"] == "52000" and fines["东市监案〔2023〕107号"] == "3000"
    assert fines["东市监案〔2023〕102号"] == ""  # not filled: blank, never 0 or nan
    assert not any(str(v).endswith(".0") for v in fines.values()), fines


def test_wrapping_tables_keep_dates_and_account_names_on_one_line(sample_county_env):
    html = widgets.html_table([{"due_date": date(2023, 4, 30), "updated_by": "system", "item_text": "细化措施",
                                "days_overdue": 214}], ["item_text", "due_date", "days_overdue", "updated_by"],
                              numeric=("days_overdue",))
    assert ('<tr><td>细化措施</td><td class="nw">2023-04-30</td><td class="num">214</td>'
            '<td class="nw">system</td></tr>') in html
    assert ".wrap-table td.nw {white-space:nowrap;}" in widgets.CSS
    at = sample_page("tasks")
    office = next(m.value for m in at.markdown if "主动联系包保干部" in m.value)
    assert '<td class="nw">2023-08-31</td>' in office and '<td class="nw">2023-08-25</td>' in office
