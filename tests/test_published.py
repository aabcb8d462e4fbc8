"""Sampling results as published (公示表: both sheets, title rows, continuation rows, every
separator) and as exported by the sampling system (one row per item), on SQLite and PostgreSQL."""
from __future__ import annotations

import ast
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from dashboard.access import system_viewer
from dashboard.annotate import annotate_workbook
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook
from dashboard.importer.published import (CATEGORY_FIELDS, FIELD_ALIASES, LOOKUP, REJECTED_ALIASES,
                                          hazard_class, hazard_classes, match_columns, normalise_item,
                                          normalise_name, producer_part, task_source)
from dashboard.importer.raw import header_forms
from dashboard.models import Sampling
from upload_support import PUBLISHED_HEADERS, code, figures, notice_workbook

DATA = Path(__file__).parent / "data"  # real provincial spellings, provenance in data/README.md


def samples(engine) -> dict[str, Sampling]:
    with engine.connect() as conn:
        return {r.sample_no: r for r in conn.execute(select(Sampling)).all()}


def book(*sheets: tuple[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ the 公示表
def test_notice_table_both_sheets_title_rows_and_continuation_rows(small_county):
    before = figures(small_county)
    result = import_workbook(small_county, notice_workbook(),
                             viewer=system_viewer(small_county), uploader="clerk", file_name="第12期公示.xlsx")
    assert result.status == "imported", result.to_text()
    assert result.rows == {"监督抽检": 4}
    assert [(s["sheet"], s["layout"], s["rows"]) for s in result.sheets] == [
        ("不合格产品信息", "公示表", 2), ("合格产品信息", "公示表", 2)]
    got = samples(small_county)
    assert sorted(got) == ["2023年第12期-不合格-1", "2023年第12期-不合格-2", "2023年第12期-合格-1", "2023年第12期-合格-2"]
    first = got["2023年第12期-不合格-1"]
    assert (first.credit_code, first.food_name, first.food_category, first.sampling_date, first.task_source,
            first.verdict, first.hazard_classes, first.disposal_status) == (
        code(1), "酱牛肉", "肉制品", date(2023, 5, 20), "省抽", "不合格", "兽药残留", "未处置")
    # the continuation row (blank 序号, merged cells) is the same sample's second failed item
    assert first.failed_items == "氯霉素║0.52μg/kg║不得检出；恩诺沙星║120μg/kg║≤100μg/kg"
    second = got["2023年第12期-不合格-2"]
    assert (second.credit_code, second.task_source, second.hazard_classes, second.failed_items) == (
        code(2), "县抽", "食品添加剂", "亚硝酸盐(以亚硝酸钠计)║35mg/kg║≤30mg/kg")  # 受托方 is the producer
    passed = got["2023年第12期-合格-1"], got["2023年第12期-合格-2"]
    assert [(s.credit_code, s.verdict, s.task_source, s.hazard_classes, s.failed_items, s.disposal_status)
            for s in passed] == [(code(3), "合格", "国抽", "其他", None, None),
                                 (code(1), "合格", "风险监测", "其他", None, None)]  # ＂ 第１＂ folded
    after = figures(small_county)  # 风险监测 does not count: 3 batches counted, 1 of them passed
    assert before["sampling_pass"] == (0, 0) and after["sampling_pass"] == (1, 3)
    # the keys are stable: the same table written again changes nothing
    again = import_workbook(small_county, notice_workbook(), viewer=system_viewer(small_county), uploader="clerk", dry_run=True)
    assert again.status in ("imported", "unchanged")
    assert sum(again.inserted.values()) == 0 and sum(again.replaced.values()) == 0


def test_unmatched_producer_is_an_error_naming_it_and_nothing_is_written(small_county):
    before = table_snapshot(small_county)
    result = import_workbook(small_county, notice_workbook(unmatched=True), viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "rejected"
    assert [(e["sheet"], e["row"], e["column"], e["value"]) for e in result.errors] == [
        ("不合格产品信息", 7, "标称生产企业名称", "盐城市不知名食品厂")]
    assert "“盐城市不知名食品厂”不在企业名录中" in result.errors[0]["message"]
    assert table_snapshot(small_county) == before


def test_annotated_copy_marks_the_producer_cell_of_a_published_sheet(small_county):
    data = notice_workbook(unmatched=True)
    result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk", dry_run=True)
    wb = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, result.errors, "x.xlsx")))
    cell = wb["不合格产品信息"]["B7"]
    assert cell.value == "盐城市不知名食品厂" and "不在企业名录中" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert wb.sheetnames[0] == "错误清单"


def test_disposal_status_already_stored_survives_a_reupload_of_the_notice(small_county):
    assert import_workbook(small_county, notice_workbook(),
                           viewer=system_viewer(small_county), uploader="clerk").status == "imported"
    with small_county.begin() as conn:
        conn.execute(Sampling.__table__.update().where(Sampling.sample_no == "2023年第12期-不合格-1")
                     .values(disposal_status="已完成"))
    again = import_workbook(small_county, notice_workbook(), viewer=system_viewer(small_county), uploader="clerk", dry_run=True)
    assert again.replaced.get("监督抽检", 0) == 0


def test_shandong_four_part_items_and_task_source_from_the_title(small_county):
    headers = ["序号", "食品名称", "标称生产（养殖）企业名称", "标称生产（养殖）企业地址", "被抽样单位名称", "被抽样单位地址",
               "规格型号", "商标", "生产(购进或检疫）日期/批号", "不合格项目||检验结果||单位||标准值", "分类", "品种",
               "公告号", "公布日期", "检验机构", "备注"]
    data = book(("不合格", [["山东省市场监督管理局食品安全监督抽检不合格产品信息"], headers,
                           [1, "猪肉", "东台市第1肉制品有限公司", "", "", "", "", "", "2023-05-02",
                            "恩诺沙星||120||μg/kg||100", "肉制品", "猪肉", "2023年第5号", "2023-05-25", "山东某检测", ""],
                           [2, "鸡肉", "东台市第2肉制品有限公司", "", "", "", "", "", "2023-05-02",
                            "沙门氏菌||检出/25g||/||不得检出", "肉制品", "鸡肉", "2023年第5号", "2023-05-25", "", ""]]))
    result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "imported", result.to_text()
    got = samples(small_county)
    one, two = got["2023年第5号-不合格-1"], got["2023年第5号-不合格-2"]
    assert (one.task_source, one.failed_items, one.hazard_classes, one.lab_name) == (
        "省抽", "恩诺沙星║120μg/kg║100μg/kg", "兽药残留", "山东某检测")
    assert (two.failed_items, two.hazard_classes) == ("沙门氏菌║检出/25g║不得检出", "致病性微生物")


def test_without_a_notice_number_the_key_is_a_stable_hash(small_county):
    headers = ["序号", "标识生产企业名称", "被抽样单位名称", "食品名称", "规格型号", "生产日期/批号", "分类",
               "抽样日期", "任务来源", "检验结论"]
    rows = [[1, "东台市第1肉制品有限公司", "某超市", "香肠", "250g", "2023-04-01", "肉制品", "2023-05-06", "市抽", "合格"],
            [2, "东台市第2肉制品有限公司", "某超市", "香肠", "250g", "2023-04-01", "肉制品", "2023-05-06", "县抽", "不符合"]]
    data = book(("抽检结果", [headers, *rows]))
    result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "rejected"  # 不符合 without a failed item: the contract asks for one
    assert [e["column"] for e in result.errors] == ["不合格项目（表中无此列）"]
    rows[1][-1] = "合格"
    first = import_workbook(small_county, book(("抽检结果", [headers, *rows])), viewer=system_viewer(small_county), uploader="clerk")
    assert first.status == "imported", first.to_text()
    keys = sorted(samples(small_county))
    assert all(k.startswith("GS-") and len(k) == 15 for k in keys)
    rows.reverse()  # the same samples in another order: the same keys
    assert import_workbook(small_county, book(("抽检结果", [["抽检结果公示"], headers, *rows])),
                           viewer=system_viewer(small_county), uploader="c",
                           dry_run=True).inserted.get("监督抽检") == 0


# ------------------------------------------------------------------ the long export
LONG_HEADERS = ["序号", "抽样编号", "样品名称", "标称生产企业名称", "被抽样单位名称", "生产日期批号", "采样时间",
                "任务来源", "检验项目", "计量单位", "标准值", "实测值", "单项判定", "检验单位"]


def test_long_export_groups_items_by_sample_number(small_county):
    def line(i, no, food, producer, item, unit, std, value, verdict):
        return [i, no, food, producer, "某超市", "2023-05-01", "2023-05-10", "县抽", item, unit, std, value, verdict,
                "东台市检验检测中心"]
    data = book(("导出", [LONG_HEADERS,
                         line(1, "XC23320981001", "酱牛肉", "东台市第1肉制品有限公司", "亚硝酸盐", "mg/kg", "≤30", "12", "合格"),
                         line(2, "XC23320981001", "酱牛肉", "东台市第1肉制品有限公司", "氯霉素", "μg/kg", "不得检出", "未检出", "合格"),
                         line(3, "XC23320981002", "烤鸭", "东台市第2肉制品有限公司", "苯甲酸", "g/kg", "不得使用", "0.12", "不合格"),
                         line(4, "XC23320981002", "烤鸭", "东台市第2肉制品有限公司", "山梨酸", "g/kg", "≤0.075", "0.3", "不合格"),
                         line(5, "XC23320981002", "烤鸭", "东台市第2肉制品有限公司", "菌落总数", "CFU/g", "≤10⁵", "100", "合格")]))
    result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "imported", result.to_text()
    assert result.sheets[0]["layout"] == "抽检系统导出"
    got = samples(small_county)
    assert sorted(got) == ["XC23320981001", "XC23320981002"]
    assert (got["XC23320981001"].verdict, got["XC23320981001"].failed_items, got["XC23320981001"].hazard_classes) \
        == ("合格", None, "兽药残留、食品添加剂")  # the classes of what it was tested for: 氯霉素, 亚硝酸盐
    bad = got["XC23320981002"]
    assert (bad.verdict, bad.failed_items, bad.hazard_classes, bad.sampling_date, bad.disposal_status) == (
        "不合格", "苯甲酸║0.12g/kg║不得使用；山梨酸║0.3g/kg║≤0.075g/kg", "食品添加剂", date(2023, 5, 10), "未处置")


def test_a_passed_sample_takes_the_classes_of_the_items_it_was_tested_for(small_county):
    """A 监督抽检 sheet with a 检测项目 column in place of 检验项目类别: each 合格 batch's class
    comes from its item's name (never all 其他, which would empty the pass rate by class)."""
    items = ["沙门氏菌", "苏丹红Ⅰ", "氯霉素", "山梨酸", "铅", "XYZ未知物质", "猪源性成分", None]
    headers = ["抽样单编号", "统一社会信用代码", "食品名称", "食品类别", "抽样日期", "任务来源", "检验结论", "检测项目"]
    rows = [[f"IT{i}", code(1), "卤肉", "酱卤肉制品", "2023-05-02", "县抽", "合格", item] for i, item in enumerate(items)]
    result = import_workbook(small_county, book(("监督抽检", [headers, *rows])), viewer=system_viewer(small_county),
                             uploader="clerk")
    assert result.status == "imported", result.to_text()
    assert [samples(small_county)[f"IT{i}"].hazard_classes for i in range(len(items))] == [
        "致病性微生物", "非食用物质", "兽药残留", "食品添加剂", "其他", "其他", "动物源性成分", "其他"]


def test_a_passed_sample_of_a_notice_takes_the_classes_of_its_tested_items_column(small_county):
    """A 合格产品信息 sheet of a 公示表 with a 检验项目 column: the batch's classes are its items'."""
    headers = [h for h in PUBLISHED_HEADERS if not h.startswith("不合格")] + ["检验项目"]
    row = [1, "东台市第3肉制品有限公司", "", "", "", "酱鸭", "", "", "2023-05-02", "肉制品", "2023年第12期",
           "2023-05-20", "国家市场监督管理总局", "", "氯霉素、沙门氏菌"]
    result = import_workbook(small_county, book(("合格产品信息", [["合格产品信息"], headers, row])),
                             viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "imported", result.to_text()
    assert [(s.verdict, s.hazard_classes) for s in samples(small_county).values()] == [("合格", "兽药残留、致病性微生物")]


def test_long_export_without_a_verdict_column_is_refused_on_its_header(small_county):
    headers = [h for h in LONG_HEADERS if h != "单项判定"]
    data = book(("导出", [headers, [1, "XC1", "酱牛肉", "东台市第1肉制品有限公司", "某超市", "2023-05-01", "2023-05-10",
                                   "县抽", "亚硝酸盐", "mg/kg", "≤30", "12", "某中心"]]))
    result = import_workbook(small_county, data, viewer=system_viewer(small_county), uploader="clerk")
    assert result.status == "rejected"
    assert [(e["row"], e["column"]) for e in result.errors] == [(1, "检验结论（表中无此列）")]
    assert "判定列" in result.errors[0]["message"]


# ------------------------------------------------------------------ the pieces
@pytest.mark.parametrize("text, separator, roles, expected", [
    ("氯霉素║0.52μg/kg║不得检出", "║", ["item", "result", "standard"], "氯霉素║0.52μg/kg║不得检出"),
    ("氯霉素‖0.52μg/kg‖不得检出", "‖", ["item", "result", "standard"], "氯霉素║0.52μg/kg║不得检出"),
    ("氯霉素∥0.52μg/kg∥不得检出", "∥", ["item", "result", "standard"], "氯霉素║0.52μg/kg║不得检出"),
    ("氯霉素|0.52μg/kg|不得检出", "|", ["item", "result", "standard"], "氯霉素║0.52μg/kg║不得检出"),
    ("亚硝酸盐||35||mg/kg||30", "||", ["item", "result", "unit", "standard"], "亚硝酸盐║35mg/kg║30mg/kg"),
    ("亚硝酸盐/35mg/kg/≤30mg/kg", "/", ["item", "result", "standard"], "亚硝酸盐║35mg/kg/≤30mg/kg║"),
    ("亚硝酸盐:35mg/kg(≤30mg/kg)", ":", ["item", "result", "standard"], "亚硝酸盐║35mg/kg║≤30mg/kg"),
    ("苯甲酸", None, ["item"], "苯甲酸"),
    ("苯甲酸║0.1g/kg║不得使用", None, ["item"], "苯甲酸║0.1g/kg║不得使用"),
])
def test_failed_items_in_every_published_spelling(text, separator, roles, expected):
    assert normalise_item(text, separator, roles) == expected


@pytest.mark.parametrize("item, cls", [
    ("氯霉素", "兽药残留"), ("恩诺沙星（以恩诺沙星与环丙沙星之和计）", "兽药残留"), ("克伦特罗", "兽药残留"),
    ("沙门氏菌", "致病性微生物"), ("单核细胞增生李斯特氏菌", "致病性微生物"), ("金黄色葡萄球菌", "致病性微生物"),
    ("亚硝酸盐(以亚硝酸钠计)", "食品添加剂"), ("苯甲酸及其钠盐(以苯甲酸计)", "食品添加剂"), ("山梨酸", "食品添加剂"),
    ("胭脂红", "食品添加剂"), ("苏丹红Ⅰ", "非食用物质"), ("罂粟碱", "非食用物质"), ("硼砂", "非食用物质"),
    ("鸭源性成分", "动物源性成分"), ("菌落总数", "其他"), ("铅(以Pb计)", "其他"),
])
def test_hazard_class_from_the_item_name(item, cls):
    assert hazard_class(item) == cls


def test_several_items_give_their_classes_in_contract_order():
    assert hazard_classes(["亚硝酸盐║35║30", "氯霉素║1║ND", "菌落总数║1║2"]) == "兽药残留、食品添加剂、其他"


@pytest.mark.parametrize("cell, name", [
    ("委托方：某某品牌管理有限公司；受托方：东台市第2肉制品有限公司", "东台市第2肉制品有限公司"),
    ("委托方:某品牌 受托方:东台市第2肉制品有限公司", "东台市第2肉制品有限公司"),
    ("东台市第2肉制品有限公司(受托方)", "东台市第2肉制品有限公司"),
    ("生产商：东台市第2肉制品有限公司", "东台市第2肉制品有限公司"),
])
def test_the_producer_part_of_a_cell(cell, name):
    assert producer_part(cell) == name


def test_names_compare_after_folding_blanks_and_brackets():
    assert normalise_name(" 东台市 某某（分厂）食品有限公司 ") == normalise_name("东台市某某(分厂)食品有限公司")
    assert normalise_name("东台市〔某某〕食品") == normalise_name("东台市(某某)食品")


@pytest.mark.parametrize("text, value", [
    ("江苏省市场监督管理局", "省抽"), ("国家市场监督管理总局", "国抽"), ("盐城市市场监督管理局", "市抽"),
    ("东台市市场监督管理局", "县抽"), ("2023年风险监测", "风险监测"), ("山东/省抽", "省抽"), ("", None), ("其他", None),
])
def test_task_source_from_text(text, value):
    assert task_source(text, ("东台市市场监督管理局", "东台市", "东台", "城区分局")) == value


def test_header_aliases_cover_the_reviewed_real_spellings():
    """Every real spelling in a category we use lands on its field, on a field it was moved to, or
    in REJECTED_ALIASES with a reason."""
    seen = json.loads((DATA / "published_header_spellings.json").read_text(encoding="utf-8"))
    assert len(seen) == 528  # the file is what the test reads: a truncated copy must not pass
    lost = []
    for spelling, category in seen.items():
        if category not in CATEGORY_FIELDS or spelling in REJECTED_ALIASES:
            continue
        if not any(form in LOOKUP for form in header_forms(spelling)):
            lost.append((spelling, category))
    assert lost == []
    assert "品牌" in REJECTED_ALIASES and not any(f in LOOKUP for f in header_forms("品牌"))


def test_the_literal_provincial_headers_are_recognised():
    recognised = 0
    lines = (DATA / "provincial_header_rows.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 13
    for line in lines:
        headers = ast.literal_eval(line.split(" | ", 1)[1])  # a list literal copied from the source repository
        columns, _, _ = match_columns(headers)
        if ("producer" in columns or "credit_code" in columns) and "food_name" in columns:
            recognised += 1
    assert recognised >= 9  # the sampling tables (the two licence lists are not sampling tables)


def test_no_spelling_names_two_fields():
    owners = {}
    for fld, spellings in FIELD_ALIASES.items():
        for spelling in spellings:
            for form in header_forms(spelling):
                owners.setdefault(form, set()).add(fld)
    assert {f: o for f, o in owners.items() if len(o) > 1} == {}
