"""Black-box checks of `python -m dashboard import` (cli.md, data-contract.md) with workbooks written
the way an outside examiner writes them: openpyxl, straight to a file, then read back from the
database the command left."""
from __future__ import annotations

import json
import zipfile
from datetime import date

import openpyxl
from sqlalchemy import text

from builders import ENTERPRISE_HEADERS, SAMPLING_HEADERS, code, enterprise_row, sampling_row
from dashboard.__main__ import main
from dashboard.db import get_engine
from dashboard.importer import read

RESPONSIBILITY_HEADERS = ["统一社会信用代码", "月份", "主要负责人", "食品安全总监", "食品安全员", "日管控", "周排查",
                          "月调度", "日管控清单", "周排查报告", "月调度记录"]
SELF_HEADERS = ["统一社会信用代码", "自查日期", "自查项目数", "发现问题数", "是否提交自查报告"]


def _book(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return wb


def _import(capsys, url, path) -> tuple[int, dict, str]:
    rc = main(["--db", url, "import", str(path), "--json"])
    out, err = capsys.readouterr()
    return rc, json.loads(out), err


def _rows(url, sql):
    engine = get_engine(url)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_a_styled_empty_cell_on_the_last_row_is_no_million_row_sheet(db_url, tmp_path, capsys):
    """openpyxl writes a formatted empty cell as `<c r="A1048576" s="1" t="n"></c>`, which holds
    nothing (calamine leaves it out): the sheet has 3 rows, not 1,048,576, and imports."""
    path = tmp_path / "styled.xlsx"
    wb = _book(path, {"企业名录": [ENTERPRISE_HEADERS, enterprise_row(1)],
                      "监督抽检": [SAMPLING_HEADERS, sampling_row("S1", 1), sampling_row("S2", 1, 任务来源="风险监测")]})
    ws = wb["监督抽检"]
    ws.cell(row=1_048_576, column=1).number_format = "0.00"
    ws.cell(row=1_048_576, column=12).number_format = "@"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml")
    assert b'<c r="A1048576"' in xml and read.sheet_extent(xml) == (3, 12)
    rc, out, err = _import(capsys, db_url, path)
    assert (rc, out["status"], out["rows"], out["errors"]) == (0, "imported", {"企业名录": 1, "监督抽检": 2}, [])
    assert "Traceback" not in err
    assert _rows(db_url, "select sample_no, credit_code, task_source, sampling_date from sampling order by 1") == [
        ("S1", code(1), "县抽", "2023-05-08"), ("S2", code(1), "风险监测", "2023-05-08")]
    # a value down there is still a sheet of a million rows, refused unread
    wb["监督抽检"].cell(row=1_048_576, column=1).value = "x"
    wb.save(tmp_path / "valued.xlsx")
    rc, out, _ = _import(capsys, db_url, tmp_path / "valued.xlsx")
    assert (rc, out["status"]) == (1, "rejected")
    assert [(e["sheet"], e["row"], e["message"]) for e in out["errors"]] == [
        ("监督抽检", None, "工作表“监督抽检”有 1048576 行，超过上限 200000 行，不予接受，请拆分后再上传")]


def test_a_year_or_year_dot_month_number_is_no_day_of_1905(db_url, tmp_path, capsys):
    """Excel turns a typed `2023.05` (or `2023`) into a number; read as a date serial it was
    1905-07-15 and was stored as the month 1905-07. It is a row error naming sheet, row, column;
    nothing of the workbook is written. Real serials and the contract's forms still import."""
    yes9 = ["是"] * 9
    path = tmp_path / "months.xlsx"
    _book(path, {"企业名录": [ENTERPRISE_HEADERS, enterprise_row(1)],
                 "主体责任": [RESPONSIBILITY_HEADERS, [code(1), 2023.05] + yes9, [code(1), "2023-06"] + yes9],
                 "企业自查": [SELF_HEADERS, [code(1), 2023, 1, 0, "是"], [code(1), 45054, 1, 0, "是"]]})
    rc, out, err = _import(capsys, db_url, path)
    assert (rc, out["status"]) == (1, "rejected") and "Traceback" not in err
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in out["errors"]] == [
        ("主体责任", 2, "月份", "月份格式无法识别，应为 2023-05、2023年5月 或该月中的一个日期"),
        ("企业自查", 2, "自查日期", "数字 2023 不是日期：日期应写成 2023-05-08，月份写成 2023-05")]
    assert _rows(db_url, "select count(*) from enterprise") == [(0,)]
    assert _rows(db_url, "select count(*) from responsibility") == [(0,)]

    _book(path, {"企业名录": [ENTERPRISE_HEADERS, enterprise_row(1)],
                 "主体责任": [RESPONSIBILITY_HEADERS, [code(1), "2023-05"] + yes9, [code(1), date(2023, 6, 17)] + yes9],
                 "企业自查": [SELF_HEADERS, [code(1), 45054, 1, 0, "是"], [code(1), 20230509, 1, 0, "√"]]})
    rc, out, _ = _import(capsys, db_url, path)
    assert (rc, out["status"], out["errors"]) == (0, "imported", [])
    assert _rows(db_url, "select month_date from responsibility order by 1") == [("2023-05-01",), ("2023-06-01",)]
    assert _rows(db_url, "select inspection_date, is_report_submitted from self_inspection order by 1") == [
        ("2023-05-08", 1), ("2023-05-09", 1)]
