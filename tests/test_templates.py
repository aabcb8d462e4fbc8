"""Upload templates generated from the pandera sheet classes: layout, dropdowns, formats, the
instructions, the prefilled enterprises, and a template filled by a script and imported."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from dashboard.access import system_viewer
from dashboard.importer import import_workbook
from dashboard.importer.schemas import SHEETS
from dashboard.templates import (AUX_SHEETS, INSTRUCTIONS_SHEET, REFERENCE_SHEET, build_template,
                                 column_rules, template_file_name)
from upload_support import code, figures


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def validations(ws) -> dict[str, object]:
    """Column letter of the first cell of each validated range → the validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def column_format(ws, index: int) -> str:
    """The number format of a whole column (openpyxl groups neighbouring equal columns)."""
    dim = next(d for d in ws.column_dimensions.values() if d.min <= index <= d.max)
    return dim.number_format


@pytest.mark.parametrize("model", SHEETS, ids=lambda m: m.sheet_name())
def test_each_sheet_template_follows_its_schema(model):
    wb = load(build_template(model.sheet_name(), month="2023-05"))
    assert wb.sheetnames == [model.sheet_name()]  # a single sheet: no instructions page
    ws = wb.active
    rules = column_rules(model)
    assert "2023年5月" in ws["A1"].value and model.sheet_name() in ws["A1"].value
    assert ws["A2"].value.startswith("填报单位")
    headers = [c.value for c in ws[3]]
    assert headers == [r["zh"] for r in rules.values()]  # exactly the contract's columns, in order
    checks = validations(ws)
    for i, rule in enumerate(rules.values()):
        letter = openpyxl.utils.get_column_letter(i + 1)
        assert ws[f"{letter}3"].comment is not None and rule["zh"] in ws[f"{letter}3"].comment.text
        if rule["kind"] in ("enum", "yesno"):
            values = rule["values"] or ["是", "否"]
            assert checks[letter].type == "list" and checks[letter].formula1 == '"' + ",".join(values) + '"'
        if rule["kind"] in ("date", "month"):
            assert checks[letter].type == "date"
            assert column_format(ws, i + 1) == ("yyyy-mm" if rule["kind"] == "month" else "yyyy-mm-dd")
        if rule["kind"] in ("int", "number"):
            assert checks[letter].type in ("whole", "decimal")


def test_closed_vocabularies_get_dropdowns():
    wb = load(build_template(None, month="2023-05"))
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET
    lists = {(ws.title, ws.cell(3, openpyxl.utils.column_index_from_string(col)).value): dv.formula1
             for ws in wb.worksheets if ws.title not in AUX_SHEETS
             for col, dv in validations(ws).items() if dv.type == "list"}
    assert lists[("企业名录", "风险等级")] == '"A,B,C,D"'
    assert lists[("企业名录", "是否规上企业")] == '"是,否"'
    assert lists[("监督检查", "检查类型")] == '"日常检查,飞行检查,交叉检查,双随机检查,专项检查"'
    assert lists[("监督抽检", "检验结论")] == '"合格,不合格"'
    assert lists[("监督抽检", "任务来源")] == '"国抽,省抽,市抽,县抽,风险监测"'
    assert lists[("问题整改", "复查结论")] == '"已整改,未整改,整改中"'


def test_instructions_list_every_column_of_every_sheet():
    ws = load(build_template(None, month="2023-05"))[INSTRUCTIONS_SHEET]
    text = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for model in SHEETS:
        assert f"工作表“{model.sheet_name()}”" in text
    assert text.count("统一社会信用代码") >= len(SHEETS) - 2  # 监督检查 and others name it too
    assert any("不得出现：检验结论为“不合格”时必须填写不合格项目" == t for t in text)


def test_the_unit_enterprises_are_prefilled(small_county):
    wb = load(build_template(None, engine=small_county, unit="DT01", month="2023-05"))
    resp = wb["主体责任"]
    assert [c.value for c in resp[3]][:3] == ["统一社会信用代码", "企业名称", "月份"]
    rows = [r for r in resp.iter_rows(min_row=4, values_only=True) if r[0]]
    # every 在产 enterprise of 城区分局 (1–3), not the 停产 one (4), not 开发区分局's (5, 6)
    assert [(r[0], r[2]) for r in rows] == [(code(n), datetime(2023, 5, 1)) for n in (1, 2, 3)]
    registry = [r[0] for r in wb["企业名录"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert registry == [code(n) for n in (1, 2, 3, 4)]
    ref = [r[0] for r in wb[REFERENCE_SHEET].iter_rows(min_row=3, values_only=True) if r[0]]
    assert ref == [code(n) for n in (1, 2, 3, 4)]
    assert validations(wb["监督抽检"])["B"].formula1 == f"'{REFERENCE_SHEET}'!$A$3:$A$6"
    assert template_file_name(None, "城区分局", "2023-05") == "2023-05_城区分局_月报模板.xlsx"


def test_every_record_sheet_shows_the_name_beside_the_code_read_only(small_county):
    wb = load(build_template(None, engine=small_county, unit="DT01", month="2023-05"))
    for model in SHEETS[1:]:
        if model.owned_by_unit():  # 工作任务: rows of the unit, no enterprise
            continue
        ws = wb[model.sheet_name()]
        header = [c.value for c in ws[3]]
        at = header.index("统一社会信用代码")
        assert header[at + 1] == "企业名称", model.sheet_name()
        name = ws.cell(row=4, column=at + 2)
        code_cell = f"{ws.cell(row=4, column=at + 1).column_letter}4"
        assert name.data_type == "f" and f"VLOOKUP({code_cell},'{REFERENCE_SHEET}'!$A$3:$B$6,2,FALSE)" in name.value
        letter = ws.cell(row=4, column=at + 1).column_letter  # blank cells take their column's format
        assert name.protection.locked and not ws.column_dimensions[letter].protection.locked
        assert ws.protection.sheet and not ws.protection.password  # read-only name, no password
    # 主体责任's prefilled rows carry the name as the formula's cached value (what Excel shows at once)
    cached = openpyxl.load_workbook(io.BytesIO(build_template("主体责任", engine=small_county, unit="DT01", month="2023-05")),
                           data_only=True)["主体责任"]
    assert [r[1] for r in cached.iter_rows(min_row=4, max_row=6, values_only=True)] == \
        [f"东台市第{n}肉制品有限公司" for n in (1, 2, 3)]


def fill(ws, rows: list[list]) -> None:
    """Type rows from row 4 on, as a clerk does, into every column but the looked-up 企业名称."""
    columns = [c.column for c in ws[3] if c.value and c.value != "企业名称"]
    for r, values in enumerate(rows, start=4):
        for col, value in zip(columns, values):
            ws.cell(r, col, value)


def test_a_template_filled_by_a_script_imports_and_moves_the_figures(small_county):
    """The round trip: template bytes → filled with openpyxl as a clerk would → imported without
    error → the figures move exactly as the rows say."""
    before = figures(small_county)
    wb = load(build_template(None, engine=small_county, unit="DT01", month="2023-05"))
    resp = wb["主体责任"]
    for row in range(4, 7):  # enterprises 1–3: all nine items 是, except 周排查报告 for the third
        for col in range(4, 13):
            resp.cell(row, col, "否" if (row, col) == (6, 11) else "是")
    fill(wb["企业自查"], [[code(1), datetime(2023, 5, 6), 20, 0, "是"],
                         [code(2), datetime(2023, 5, 16), 18, 2, "否"]])
    fill(wb["监督抽检"], [["DT01-2305-001", code(1), "酱牛肉", "酱卤肉制品", "20230501", datetime(2023, 5, 10),
                          "县抽", "食品添加剂", "合格", None, "东台市检验检测中心", None],
                         ["DT01-2305-002", code(3), "香肠", "肉灌制品", None, datetime(2023, 5, 11), "市抽",
                          "兽药残留", "不合格", "氯霉素║0.3μg/kg║不得检出", None, "处置中"]])
    fill(wb["包保督导"], [[code(2), datetime(2023, 5, 20), "王明", "B级", 0]])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_workbook(small_county, buf.getvalue(),
                             viewer=system_viewer(small_county), uploader="城区分局", file_name="5月月报.xlsx",
                             uploaded_at=datetime(2023, 6, 3, 10))
    assert result.status == "imported", result.to_text()
    assert result.errors == [] and set(result.ignored_sheets) == set(AUX_SHEETS)
    assert (result.rows["主体责任"], result.rows["企业自查"], result.rows["监督抽检"], result.rows["包保督导"]) == (3, 2, 2, 1)
    assert result.unchanged["企业名录"] == 4  # the prefilled registry, untouched, changes nothing
    after = figures(small_county)
    assert before["three_three_three"] == (0, 3) and after["three_three_three"] == (2, 3)
    assert before["self_inspection"] == (0, 3) and after["self_inspection"] == (2, 3)
    assert after["sampling_pass"] == (1, 2)
    assert after["supervision_coverage"] == (1, 3)


def test_an_unfilled_template_points_at_every_blank_required_cell(small_county):
    result = import_workbook(small_county, build_template("主体责任", engine=small_county, unit="DT01", month="2023-05"),
                             viewer=system_viewer(small_county), uploader="t", dry_run=True)
    assert result.status == "rejected"
    assert len(result.errors) == 3 * 9 and {e["row"] for e in result.errors} == {4, 5, 6}
    assert all(e["message"] == "必填项，不能为空" for e in result.errors)


def test_unknown_sheet_is_refused():
    with pytest.raises(KeyError):
        build_template("不存在的表")
