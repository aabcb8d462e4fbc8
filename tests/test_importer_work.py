"""The sheets of the campaign's work beyond the nine targets (SQLite and PostgreSQL): 风险排查,
工作任务 (rows owned by the uploading unit, told by the 填报单位 row or the uploader's own unit) and
违法案件's 来源编号 — every kind of refused row with its sheet, row, column and reason, nothing
written; re-uploads replace by key; rollback restores exactly; templates and the annotated copy.

The small county (tests/upload_support.py): 城区分局 (DT01) enterprises 1–4, 开发区分局 (DT02) 5–6.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import text

from builders import code, sheet, xlsx
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.annotate import ERROR_FILL, annotate_workbook
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook, rollback_batch
from dashboard.templates import build_template

RS = ["统一社会信用代码", "排查日期", "排查机构", "发现隐患数", "是否制定一企一策方案"]
WT = ["任务编号", "任务内容", "责任人", "完成期限", "完成情况", "完成日期", "佐证材料"]
CASES = ["案件编号", "统一社会信用代码", "立案日期", "违法类型", "罚没金额", "是否移送公安", "来源编号"]
HOSTILE = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script>**粗体**'
BOOKKEEPING = {"upload_batch", "batch_change", "batch_insert", "committed_upload"}


def screening(rows, **kw):
    return sheet("风险排查", RS, rows, **kw)


def tasks(rows, unit: str | None = "城区分局", **kw):
    return sheet("工作任务", WT, rows, unit_name=unit, **kw)


def task(no: str, status: str = "进行中", done: date | None = None, **over) -> list:
    row = {"任务编号": no, "任务内容": f"细化措施{no}", "责任人": "王明", "完成期限": date(2023, 4, 30),
           "完成情况": status, "完成日期": done, "佐证材料": None}
    row.update(over)
    return [row[h] for h in WT]


def run(engine, *sheets, viewer=None, dry_run=False):
    return import_workbook(engine, xlsx(*sheets), viewer=viewer or system_viewer(engine), uploader="t",
                           dry_run=dry_run, uploaded_at=datetime(2023, 5, 5, 9))


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def unit_id(engine, code_: str) -> int:
    return resolve_unit(engine, code_).unit_id


def stored_tasks(engine) -> list[tuple]:
    return rows(engine, "select u.code, t.task_no, t.status, t.done_date from work_task t "
                        "join org_unit u on u.unit_id = t.unit_id order by u.code, t.task_no")


def records(engine) -> dict:
    return {t: r for t, r in table_snapshot(engine).items() if t not in BOOKKEEPING}


def as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


# ------------------------------------------------------------------ refusals
BAD_SCREENING = screening([
    [code(1), date(2023, 3, 10), "江苏安信食品安全技术服务有限公司", 2, "是"],  # row 2: valid
    [code(2), "2023/4/1", None, 0, "√"],  # row 3: valid
    [code(3), date(2023, 3, 12), None, -1, "是"],  # row 4: negative count
    [code(1), date(2023, 3, 20), None, 1, "待定"],  # row 5: not yes/no
    [code(9), date(2023, 3, 15), None, 0, "否"],  # row 6: unregistered enterprise
    [code(2), date(2023, 4, 1), None, 3, "是"],  # row 7: the key of row 3 again
    [code(3), date(2023, 6, 1), None, 0, "是"],  # row 8: after the upload (2023-05-05)
])
BAD_TASKS = tasks([  # 填报单位 in row 1, header in row 2
    task("T1", "已完成", date(2023, 3, 18), 佐证材料="方案文件"),  # row 3: valid
    task("T2", 任务内容=HOSTILE, 完成期限=date(2023, 6, 30)),  # row 4: valid (stored literally)
    task("T3", "已完成"),  # row 5: 已完成 without its date
    task("T4", "搁置"),  # row 6: not a status
    task("T5", "未开始", 责任人=None),  # row 7: no 责任人
    task("T1", 任务内容="重复"),  # row 8: T1 again
])


def test_each_kind_of_refused_row_is_named_and_nothing_is_written(small_county):
    before = table_snapshot(small_county)
    result = run(small_county, BAD_SCREENING, BAD_TASKS)
    assert result.status == "rejected"
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors] == [
        ("风险排查", 4, "发现隐患数", "不能小于 0"),
        ("风险排查", 5, "是否制定一企一策方案", "应填写“是”或“否”（也可填 Y/N、√/×、1/0）"),
        ("风险排查", 6, "统一社会信用代码", f"企业 {code(9)} 不在企业名录中：请先在“企业名录”工作表中登记该企业"),
        ("风险排查", 7, "统一社会信用代码", "与第3行重复：同一统一社会信用代码、排查日期只能填一行"),
        ("风险排查", 8, "排查日期", "日期 2023-06-01 晚于上报日期，不能填写将来的日期"),
        ("工作任务", 5, "完成日期", "完成情况为“已完成”时必须填写完成日期"),
        ("工作任务", 6, "完成情况", "“搁置”不是允许的取值，应为：未开始、进行中、已完成"),
        ("工作任务", 7, "责任人", "必填项，不能为空"),
        ("工作任务", 8, "任务编号", "与第3行重复：同一单位的同一任务编号只能填一行"),
    ]
    assert table_snapshot(small_county) == before
    # the dry run says the same, and the clerk's copy marks each cell
    dry = run(small_county, BAD_SCREENING, BAD_TASKS, dry_run=True)
    assert dry.errors == result.errors and table_snapshot(small_county) == before
    book = openpyxl.load_workbook(io.BytesIO(annotate_workbook(xlsx(BAD_SCREENING, BAD_TASKS), result.errors)))
    marked = {(ws.title, c.coordinate) for ws in book.worksheets for r in ws.iter_rows() for c in r
              if c.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb}
    assert marked == {("风险排查", "D4"), ("风险排查", "E5"), ("风险排查", "A6"), ("风险排查", "A7"),
                      ("风险排查", "B8"), ("工作任务", "F5"), ("工作任务", "E6"), ("工作任务", "C7"),
                      ("工作任务", "A8")}
    assert "完成日期" in book["工作任务"]["F5"].comment.text


def test_valid_rows_are_stored_as_written_hostile_text_literally(small_county):
    result = run(small_county, screening(BAD_SCREENING.rows[:2]), tasks(BAD_TASKS.rows[:2]))
    assert result.status == "imported", result.to_text()
    assert (result.rows, result.inserted) == ({"风险排查": 2, "工作任务": 2}, {"风险排查": 2, "工作任务": 2})
    got = rows(small_county, "select credit_code, screening_date, agency, count_hazards, has_plan "
                             "from risk_screening order by credit_code")
    assert [(c, as_date(d), a, n, bool(p)) for c, d, a, n, p in got] == [
        (code(1), date(2023, 3, 10), "江苏安信食品安全技术服务有限公司", 2, True),
        (code(2), date(2023, 4, 1), None, 0, True)]
    got = rows(small_county, "select task_no, content, owner_name, due_date, status, done_date, evidence "
                             "from work_task order by task_no")
    assert [tuple(as_date(v) if k in (3, 5) else v for k, v in enumerate(r)) for r in got] == [
        ("T1", "细化措施T1", "王明", date(2023, 4, 30), "已完成", date(2023, 3, 18), "方案文件"),
        ("T2", HOSTILE, "王明", date(2023, 6, 30), "进行中", None, None)]
    assert stored_tasks(small_county)[0][0] == "DT01"  # the 填报单位 row's unit
    batch_unit = rows(small_county, f"select unit_id from upload_batch where batch_id = {result.batch_id}")
    assert batch_unit == [(unit_id(small_county, "DT01"),)]


# ------------------------------------------------------------------ whose tasks
def label_error(engine, label_sheet, viewer=None) -> list[tuple]:
    result = run(engine, label_sheet, viewer=viewer)
    return [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors]


def test_the_unit_of_the_tasks_by_the_fill_in_row_or_the_uploader(small_county):
    eng = small_county
    system = system_viewer(eng)
    dt03_clerk = Viewer("dt03_clerk", "clerk", unit_id(eng, "DT03"))
    # a whole-tree uploader (command line without --as, an administrator) must be told the unit
    assert label_error(eng, tasks([task("A1")], unit=None)) == [
        ("工作任务", 1, None, "无法确定这些工作任务属于哪个单位：请在表头上方写明“填报单位：本单位名称”"
                             "（如“填报单位：安丰分局”，也可写单位代码）")]
    assert label_error(eng, tasks([task("A1")], unit="某某分局")) == [
        ("工作任务", 1, None, "填报单位“某某分局”不是已有的单位名称或代码，无法确定这些工作任务属于哪个单位")]
    assert run(eng, screening([[code(1), date(2023, 3, 10), None, 0, "是"]]),
               tasks([], unit=None)).status == "imported"  # a blank 工作任务 sheet needs no unit
    admin = Viewer("sysadmin", "admin", unit_id(eng, "DT"))
    assert label_error(eng, tasks([task("A1")], unit=None), viewer=admin)[0][3].startswith("无法确定")
    # by name, by a full name ending in one, by code, in the next cell, with a stamp note
    for label, owner in (("城区分局", "DT01"), ("东台市市场监督管理局开发区分局", "DT02"), ("DT03", "DT03")):
        result = run(eng, tasks([task(f"{owner}-1")], unit=label), viewer=system)
        assert result.status == "imported", result.to_text()
    result = run(eng, sheet("工作任务", WT, [task("NEXT-1")],
                            extra_rows_above=[["填报单位：", "安丰分局", None, "填报日期：2023年5月5日"]]))
    assert result.status == "imported", result.to_text()
    result = run(eng, tasks([task("STAMP-1")], unit="开发区分局（盖章）"))
    assert result.status == "imported", result.to_text()
    # a clerk: own unit by default, a unit outside its subtree refused
    result = run(eng, tasks([task("OWN-1")], unit=None), viewer=dt03_clerk)
    assert result.status == "imported", result.to_text()
    before = table_snapshot(eng)
    assert label_error(eng, tasks([task("X-1")], unit="城区分局"), viewer=dt03_clerk) == [
        ("工作任务", 1, None, "填报单位“城区分局”不属于本单位辖区，无权上报该单位的工作任务")]
    assert table_snapshot(eng) == before
    assert stored_tasks(eng) == [("DT01", "DT01-1", "进行中", None), ("DT02", "DT02-1", "进行中", None),
                                 ("DT02", "STAMP-1", "进行中", None), ("DT03", "DT03-1", "进行中", None),
                                 ("DT03", "NEXT-1", "进行中", None), ("DT03", "OWN-1", "进行中", None)]


def test_a_task_number_is_unique_within_its_unit_only(small_county):
    eng = small_county
    assert run(eng, tasks([task("T1")], unit="城区分局")).status == "imported"
    assert run(eng, tasks([task("T1", 责任人="李华")], unit="安丰分局")).status == "imported"
    # two units' sheets in one workbook may both hold T1; one unit's twice may not
    two = xlsx(tasks([task("T2")], unit="城区分局"), sheet("工作任务(2)", WT, [task("T2")], unit_name="安丰分局"))
    assert import_workbook(eng, two, viewer=system_viewer(eng), uploader="t").status == "imported"
    assert stored_tasks(eng) == [("DT01", "T1", "进行中", None), ("DT01", "T2", "进行中", None),
                                 ("DT03", "T1", "进行中", None), ("DT03", "T2", "进行中", None)]
    twice = xlsx(tasks([task("T3")], unit="城区分局"), sheet("工作任务(2)", WT, [task("T3")], unit_name="城区分局"))
    result = import_workbook(eng, twice, viewer=system_viewer(eng), uploader="t")
    assert [(e["sheet"], e["row"], e["message"]) for e in result.errors] == [
        ("工作任务(2)", 3, "与工作表“工作任务”第3行重复：同一单位的同一任务编号只能填一行")]


def test_a_clerk_rolls_back_own_tasks_only(small_county):
    eng = small_county
    dt03_clerk = Viewer("dt03_clerk", "clerk", unit_id(eng, "DT03"))
    own = run(eng, tasks([task("T1")], unit=None), viewer=dt03_clerk)
    other = run(eng, tasks([task("T1")], unit="城区分局"))
    with pytest.raises(PermissionError):
        rollback_batch(eng, other.batch_id, dt03_clerk)
    rollback_batch(eng, own.batch_id, dt03_clerk)
    assert stored_tasks(eng) == [("DT01", "T1", "进行中", None)]


# ------------------------------------------------------------------ re-upload and rollback
def test_reupload_replaces_by_key_and_rollback_restores_exactly(small_county):
    eng = small_county
    v1 = run(eng, screening([[code(1), date(2023, 3, 10), None, 2, "否"], [code(2), date(2023, 3, 12), None, 0, "是"]]),
             tasks([task("T1"), task("T2", "未开始")]))
    assert v1.status == "imported", v1.to_text()
    after_v1 = records(eng)
    v2 = run(eng, screening([[code(1), date(2023, 3, 10), None, 2, "是"], [code(3), date(2023, 4, 2), None, 1, "是"]]),
             tasks([task("T1", "已完成", date(2023, 4, 20), 佐证材料="会议纪要"), task("T2", "未开始"), task("T3")]))
    assert v2.status == "imported", v2.to_text()
    assert (v2.inserted, v2.replaced, v2.unchanged) == (
        {"风险排查": 1, "工作任务": 1}, {"风险排查": 1, "工作任务": 1}, {"风险排查": 0, "工作任务": 1})
    assert rows(eng, "select count(*) from risk_screening") == [(3,)]  # replaced, never doubled
    assert [(c, bool(p)) for c, p in rows(eng, "select credit_code, has_plan from risk_screening "
                                               "order by credit_code")] == [(code(1), True), (code(2), True),
                                                                             (code(3), True)]
    assert [(u, n, s, as_date(d)) for u, n, s, d in stored_tasks(eng)] == [
        ("DT01", "T1", "已完成", date(2023, 4, 20)), ("DT01", "T2", "未开始", None), ("DT01", "T3", "进行中", None)]
    rollback_batch(eng, v2.batch_id, system_viewer(eng))
    assert records(eng) == after_v1
    rollback_batch(eng, v1.batch_id, system_viewer(eng))
    assert rows(eng, "select count(*) from risk_screening") == [(0,)]
    assert rows(eng, "select count(*) from work_task") == [(0,)]


# ------------------------------------------------------------------ 违法案件's 来源编号
def test_a_case_keeps_its_source_number_and_the_column_is_optional(small_county):
    eng = small_county
    with_source = sheet("违法案件", CASES, [["案1", code(1), date(2023, 5, 2), "使用非食用物质", 50000, "是",
                                            "XBJ23320981000123"],
                                           ["案2", code(2), date(2023, 5, 3), "标签不规范", None, "否", None]])
    assert run(eng, with_source).status == "imported"
    without = sheet("违法案件", CASES[:-1], [["案3", code(3), date(2023, 5, 4), "标签不规范", 2000, "否"]])
    assert run(eng, without).status == "imported"
    assert rows(eng, "select case_no, source_no from enforcement_case order by case_no") == [
        ("案1", "XBJ23320981000123"), ("案2", None), ("案3", None)]


def test_a_fine_headed_in_wan_yuan_is_stored_in_yuan_and_other_units_or_sizes_are_refused(small_county):
    eng = small_county
    in_wan = [*CASES[:4], "罚没金额（万元）", *CASES[5:6]]
    assert run(eng, sheet("违法案件", in_wan, [["案1", code(1), date(2023, 5, 2), "标签不规范", 2, "否"],
                                               ["案2", code(2), date(2023, 5, 3), "标签不规范", 0.12345, "否"]])).status == "imported"
    assert run(eng, sheet("违法案件", [*CASES[:4], "罚没金额(元)", *CASES[5:6]],
                          [["案3", code(3), date(2023, 5, 4), "标签不规范", 300, "否"]])).status == "imported"
    assert rows(eng, "select case_no, fine_amount from enforcement_case order by case_no") == [
        ("案1", 20000.0), ("案2", 1234.5), ("案3", 300.0)]
    before = table_snapshot(eng)
    in_thousands = run(eng, sheet("违法案件", [*CASES[:4], "罚没金额（千元）", *CASES[5:6]],
                                  [["案4", code(1), date(2023, 5, 5), "标签不规范", 5, "否"]]))
    with_units = run(eng, sheet("违法案件", CASES[:6], [["案5", code(1), date(2023, 5, 5), "标签不规范", "2万元", "否"],
                                                       ["案6", code(1), date(2023, 5, 5), "标签不规范", 1e308, "否"]]))
    assert [(e["sheet"], e["row"], e["column"], e["message"], e["value"]) for e in in_thousands.errors] == [
        ("违法案件", 2, "罚没金额", "表头“罚没金额（千元）”的单位“千元”无法识别，请以元或万元填写并在表头注明", "5")]
    assert [(e["row"], e["message"], e["value"]) for e in with_units.errors] == [
        (2, "应只填写数字：金额的单位写在表头，如“罚没金额（万元）”，不写表头单位即为元", "2万元"),
        (3, "应在 0 到 10000000000元 之间", "1e+308")]
    too_big = run(eng, sheet("违法案件", [*CASES[:4], "罚没金额（万）", *CASES[5:6]],
                             [["案7", code(1), date(2023, 5, 5), "标签不规范", 2000000, "否"]]))
    assert [(e["row"], e["message"], e["value"]) for e in too_big.errors] == [
        (2, "应在 0 到 10000000000元 之间", "2000000万元，即 20000000000.00元")]
    assert table_snapshot(eng) == before
    for case_no, header, written, stored in (("案8", "罚没金额（单位：元）", 5, 5.0),
                                             ("案9", "罚没金额（万元人民币）", 3, 30000.0)):
        assert run(eng, sheet("违法案件", [*CASES[:4], header, *CASES[5:6]],
                              [[case_no, code(4), date(2023, 5, 4), "标签不规范", written, "否"]])).errors == []
        assert rows(eng, f"select fine_amount from enforcement_case where case_no = '{case_no}'") == [(stored,)]


# ------------------------------------------------------------------ templates
def test_templates_carry_both_sheets_with_dropdowns_and_import_back(small_county):
    data = build_template(None, engine=small_county, unit="DT01", month="2023-05")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    lists = {(ws.title, ws.cell(3, next(iter(dv.sqref.ranges)).min_col).value): dv.formula1
             for ws in (wb["风险排查"], wb["工作任务"]) for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists[("风险排查", "是否制定一企一策方案")] == '"是,否"'
    assert lists[("工作任务", "完成情况")] == '"未开始,进行中,已完成"'
    assert wb["工作任务"]["A2"].value == "填报单位：城区分局"
    wb = openpyxl.load_workbook(io.BytesIO(build_template(["风险排查", "工作任务"], engine=small_county, unit="DT01",
                                                          month="2023-05")))
    ws = wb["风险排查"]  # 统一社会信用代码, 企业名称 (looked up), 排查日期, …
    for col, value in zip((1, 3, 4, 5, 6), (code(2), datetime(2023, 3, 9), "第三方", 1, "是")):
        ws.cell(4, col, value)
    ws = wb["工作任务"]
    for col, value in enumerate(("RW01", "制定细化方案", "王明", datetime(2023, 3, 20), "已完成",
                                 datetime(2023, 3, 18), "方案"), start=1):
        ws.cell(4, col, value)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_workbook(small_county, buf.getvalue(), viewer=system_viewer(small_county), uploader="t",
                             uploaded_at=datetime(2023, 6, 2, 9))
    assert result.status == "imported", result.to_text()
    assert (result.rows["风险排查"], result.rows["工作任务"]) == (1, 1)
    assert [(u, n, s) for u, n, s, _ in stored_tasks(small_county)] == [("DT01", "RW01", "已完成")]
