"""The stage summary export examined from outside, through the command line only (cli.md): a
hostile monthly workbook imported with `import`, then `export` to each format and the files opened
with a reader. Regressions of a black-box review:

- a text with control characters (kept by the importer as typed) made the Word briefing and its PDF
  fail with lxml's English "All strings must be XML compatible" and exit 2;
- `--out x.pdf --format xlsx` wrote a workbook under a .pdf name and said 已导出;
- an --out that cannot be written was reported with the system's English reason
  ("No such file or directory", "File exists" for a file where a folder goes).
"""
from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from dashboard.__main__ import main as cli_main
from dashboard.exports import pdf

from tests.builders import ENTERPRISE_HEADERS, PROBLEM_HEADERS, code, enterprise_row, sheet, xlsx

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3",
            "<script>alert(1)</script>", "**bold**"]
CONTROL = "控制\x01\x07\x0b\x1b字符"  # what a clerk's copy-paste can carry into a cell
LONG = "东台市" + "长" * 997  # the longest text the contract lets through (1,000 characters)
WORK_HEADERS = ["任务编号", "任务内容", "责任人", "完成期限", "完成情况", "完成日期", "佐证材料"]


def run(capsys, *argv) -> tuple[int, str, str]:
    got = cli_main(list(argv))
    out, err = capsys.readouterr()
    return got, out, err


@pytest.fixture
def hostile_url(db_url, tmp_path, capsys):
    """A database with 城区分局 enterprises named by the payloads, each with an overdue 监督检查
    problem described by the same payload, and 工作任务 rows whose 任务内容 is the payload; imported
    through `import`, then one name, its problem and its work item given control characters directly
    (as a workbook carries them past an importer that keeps text as typed)."""
    texts = [*PAYLOADS, LONG, "控制字符"]  # the last one given its control characters below
    last = len(texts) - 1
    ents = [enterprise_row(700 + i, "城区分局", 企业名称=t) for i, t in enumerate(texts)]
    problems = [[f"ZG-BB-{i:02d}", code(700 + i), "监督检查", None, t, date(2023, 6, 10), date(2023, 6, 20),
                 None, "未整改"] for i, t in enumerate(texts)]
    works = [[f"BB{i:02d}", t, "王明", date(2023, 6, 30), "进行中", None, None] for i, t in enumerate(texts)]
    wb = tmp_path / "hostile.xlsx"
    wb.write_bytes(xlsx(sheet("企业名录", ENTERPRISE_HEADERS, ents), sheet("问题整改", PROBLEM_HEADERS, problems),
                        sheet("工作任务", WORK_HEADERS, works, unit_name="城区分局")))
    got, out, err = run(capsys, "--db", db_url, "import", str(wb))
    assert got == 0, out + err
    con = sqlite3.connect(db_url.split("///", 1)[1])
    with con:
        con.execute("update enterprise set name = ? where credit_code = ?", (CONTROL, code(700 + last)))
        con.execute("update problem set description = ? where problem_no = ?", (CONTROL, f"ZG-BB-{last:02d}"))
        con.execute("update work_task set content = ? where task_no = ?", (CONTROL, f"BB{last:02d}"))
    con.close()
    return db_url


def _export(capsys, url, tmp_path, fmt, *window):
    out = tmp_path / f"summary.{fmt}"
    got, stdout, err = run(capsys, "--db", url, "export", *window, "--unit", "DT01", "--format", fmt,
                           "--out", str(out))
    return got, stdout, err, out


def test_control_characters_do_not_break_the_briefing(hostile_url, tmp_path, capsys):
    got, out, err, path = _export(capsys, hostile_url, tmp_path, "docx", "--month", "2023-06")
    assert (got, err) == (0, ""), err
    assert out.startswith(f"已导出：{path}（城区分局，2023年6月，docx")
    doc = Document(path)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert "控制字符" in cells  # the name, its problem and its work item, without the control characters
    assert cells.count("控制字符") >= 3
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    for payload in PAYLOADS:  # shown literally, as typed
        assert payload in cells
    assert LONG in cells  # the 1,000-character name in full


@pytest.mark.skipif(not pdf.available(), reason="LibreOffice is not installed")
def test_control_characters_do_not_break_the_pdf(hostile_url, tmp_path, capsys):
    got, out, err, path = _export(capsys, hostile_url, tmp_path, "pdf", "--month", "2023-06")
    assert (got, err) == (0, ""), err
    assert path.read_bytes().startswith(b"%PDF")


def test_hostile_texts_are_text_in_the_workbook(hostile_url, tmp_path, capsys):
    got, out, err, path = _export(capsys, hostile_url, tmp_path, "xlsx", "--phase", "2")
    assert (got, err) == (0, ""), err
    wb = load_workbook(path)
    overdue = wb["逾期未整改问题"]
    rows = {r[6]: r for r in overdue.iter_rows(min_row=4, values_only=True)}  # 问题描述 → row
    for payload in PAYLOADS:
        quoted = "'" + payload if payload[0] in "=+-@" else payload
        assert rows[quoted][2] == quoted  # 企业名称 and 问题描述, stored as the text with a leading '
    assert rows[LONG][2] == LONG and rows[LONG][9] == 72  # 超期天数 a number: 2023-06-20 → 2023-08-31
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("fmt, out_name", [("xlsx", "x.pdf"), ("pdf", "x.docx"), ("docx", "x.XLSX")])
def test_an_out_file_of_another_format_is_bad_usage(db_url, tmp_path, capsys, fmt, out_name):
    out = tmp_path / out_name
    got, stdout, err = run(capsys, "--db", db_url, "export", "--phase", "1", "--format", fmt, "--out", str(out))
    suffix = out_name[out_name.index("."):]
    assert (got, stdout) == (2, "")
    assert err.strip() == f"错误：--out 的扩展名“{suffix}”与 --format {fmt} 不符（应为 .{fmt}）"
    assert not out.exists()


def test_an_empty_out_is_bad_usage(db_url, capsys):
    assert run(capsys, "--db", db_url, "export", "--phase", "1", "--format", "xlsx", "--out", "") == (
        2, "", "错误：--out 须给出要写入的文件名\n")


def test_the_matching_extension_in_capitals_is_accepted(db_url, tmp_path, capsys):
    out = tmp_path / "总结.XLSX"
    assert run(capsys, "--db", db_url, "export", "--phase", "1", "--format", "xlsx", "--out", str(out))[0] == 0
    assert load_workbook(out).sheetnames[:2] == ["封面", "目标完成情况"]


def test_an_out_that_cannot_be_written_says_why_in_chinese(db_url, tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    for target, why in [(tmp_path / "a-file" / "x.xlsx", "路径中有一段是文件，不是目录"),
                        (tmp_path / "a-file" / "sub" / "x.xlsx", "路径中有一段是文件，不是目录"),
                        (tmp_path, "这是一个目录，不是文件")]:
        got, out, err = run(capsys, "--db", db_url, "export", "--phase", "1", "--format", "xlsx", "--out", str(target))
        assert (got, out, err) == (1, "", f"错误：无法写入 {target}：{why}\n")
