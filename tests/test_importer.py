"""Importing workbooks: recognition, headers, typed storage, re-uploads, batches, dry runs."""
import io
import zipfile
from pathlib import Path
from datetime import date, datetime

import openpyxl
import pytest
import xlsxwriter
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect as sa_inspect, select, text

from builders import (ENTERPRISE_HEADERS, EXAM_HEADERS, SAMPLING_HEADERS, code, enterprise_row, registry, sampling,
                      sampling_row, sheet, xlsx)
import dashboard.db
from dashboard.access import system_viewer
from dashboard.access import Viewer
from dashboard.annotate import annotate_workbook
from dashboard.db import table_snapshot
from dashboard.importer import ImportResult, import_workbook, parse
from dashboard.models import Enterprise, Sampling, UploadBatch
from dashboard.workbook import Formula


def seed(engine, *ns, unit="城区分局"):
    result = import_workbook(engine, xlsx(registry(*ns, unit=unit)), viewer=system_viewer(engine), uploader="seed")
    assert result.status == "imported", result.errors
    return result


def samplings(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(Sampling).order_by(Sampling.sample_no)).all()
    return {r.sample_no: r for r in rows}


def spots(result: ImportResult):
    return [(e["sheet"], e["row"], e["column"]) for e in result.errors]


def test_registry_and_records_in_one_workbook(empty_engine):
    data = xlsx(registry(1, 2, title="东台市肉制品生产企业名录（2023年5月）", unit_name="城区分局"),
                sampling([sampling_row("DT-2023-001", 1),
                          sampling_row("DT-2023-002", 2, 检验结论="不合格", 不合格项目="苯甲酸║0.12g/kg║不得使用",
                                       核查处置状态="处置中", 检验项目类别="食品添加剂、兽药残留")],
                         name="监督抽检（5月）", title="东台市肉制品生产企业监督抽检情况表（2023年5月）",
                         unit_name="城区分局", report_date=date(2023, 6, 2), total_row=True))
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="张三", file_name="5月.xlsx")
    assert result.to_json() == {
        "status": "imported", "batch_id": 1, "rows": {"企业名录": 2, "监督抽检": 2}, "ignored_sheets": [],
        "errors": [], "warnings": [], "dry_run": False,
        "changes": {"企业名录": {"inserted": 2, "replaced": 0, "unchanged": 0},
                    "监督抽检": {"inserted": 2, "replaced": 0, "unchanged": 0}}}
    with empty_engine.connect() as conn:
        ent = conn.execute(select(Enterprise).where(Enterprise.credit_code == code(1))).one()
        unit = conn.execute(text("select unit_id from org_unit where code = 'DT01'")).scalar()
        batch = conn.execute(select(UploadBatch)).one()
    assert (ent.name, ent.unit_id, ent.license_no, ent.is_large, ent.risk_grade, ent.credit_grade,
            ent.status, ent.batch_id) == ("东台市第1肉制品有限公司", unit, "SC10432098100001", True, "B", "A",
                                          "在产", 1)
    rows = samplings(empty_engine)
    assert list(rows) == ["DT-2023-001", "DT-2023-002"]
    second = rows["DT-2023-002"]
    assert (second.credit_code, second.sampling_date, second.task_source, second.hazard_classes,
            second.verdict, second.failed_items, second.disposal_status, second.batch_id) == (
        code(2), date(2023, 5, 8), "县抽", "食品添加剂、兽药残留", "不合格", "苯甲酸║0.12g/kg║不得使用", "处置中", 1)
    assert rows["DT-2023-001"].failed_items is None and rows["DT-2023-001"].disposal_status is None
    assert (batch.file_name, batch.uploader, batch.status, batch.rows_json, batch.unit_id) == (
        "5月.xlsx", "张三", "committed", '{"企业名录": 2, "监督抽检": 2}', unit)
    assert batch.file_bytes == data and len(batch.sha256) == 64


def test_uploaded_file_stored_whole_uncompressed_and_back(empty_engine):
    """Migration 0014: on PostgreSQL the uploaded file is kept out of line without a compression
    attempt (STORAGE EXTERNAL; the downgrade restores EXTENDED); on either database the bytes
    stored are the upload's, before and after the migration moves both ways."""
    def storage():
        with empty_engine.connect() as conn:
            return conn.execute(text("select attstorage from pg_attribute where attrelid = 'upload_batch'::regclass "
                                     "and attname = 'file_bytes'")).scalar_one()
    first = xlsx(registry(1, 2))
    seed(empty_engine, 1, 2)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))
    pg = empty_engine.dialect.name == "postgresql"
    assert not pg or storage() == "e"
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
    assert not pg or storage() == "x"
    dashboard.db.upgrade(empty_engine)
    assert not pg or storage() == "e"
    data = xlsx(sampling([sampling_row("F1", 1)]))
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    with empty_engine.connect() as conn:
        stored = conn.execute(select(UploadBatch.file_bytes).order_by(UploadBatch.batch_id)).scalars().all()
    assert stored == [first, data]


def test_unknown_enterprise_is_an_error(empty_engine):
    seed(empty_engine, 1)
    result = import_workbook(empty_engine, xlsx(sampling([sampling_row("A1", 1), sampling_row("A2", 9)])),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "rejected"
    assert spots(result) == [("监督抽检", 3, "统一社会信用代码")]
    assert result.errors[0]["message"] == f"企业 {code(9)} 不在企业名录中：请先在“企业名录”工作表中登记该企业"
    assert samplings(empty_engine) == {}


def test_header_below_title_rows_with_odd_spellings(empty_engine):
    seed(empty_engine, 1)
    headers = ["序号", "抽样单编号*", "标称生产企业统一社会信用代码", "样品名称", "食品\n类别", "抽样日期(YYYY-MM-DD)",
               "任务来源（项目名称）", "检验项目类别", "检验结论", "不合格项目║检验结果║标准值", "备注"]
    rows = [[1, "B1", code(1), "酱牛肉", "肉制品", "2023/5/8", "县级抽检", "食品添加剂", "合格", "/", "无"]]
    data = xlsx(sheet("监督抽检-2023年5月", [h.replace("类别", "类别") for h in headers], rows,
                      title="东台市肉制品生产企业监督抽检情况表", unit_name="城区分局",
                      extra_rows_above=[["（单位：批次）"]]))
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "imported", result.errors
    row = samplings(empty_engine)["B1"]
    assert (row.food_name, row.sampling_date, row.task_source, row.failed_items, row.lab_name,
            row.production_batch) == ("酱牛肉", date(2023, 5, 8), "县抽", None, None, None)


def test_full_width_headers_and_unit_suffix(empty_engine):
    seed(empty_engine, 1)
    headers = ["案件编号", "统一社会信用代码", "立案日期", "违法类型", "罚没金额（元）", "是否移送公安"]
    headers = [h.replace("罚没金额（元）", "罚没金额（元）") for h in headers]
    headers[0] = "案件编号\u3000"
    headers[1] = "ＵＳＣＣ"
    data = xlsx(sheet("违法案件", headers, [["东市监罚〔2023〕1号", code(1), date(2023, 5, 3), "无检疫合格证明",
                                             "5,000", "否"]]))
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "imported", result.errors
    with empty_engine.connect() as conn:
        case = conn.execute(text("select fine_amount, is_transferred_police, filed_date from enforcement_case")).one()
    assert case[0] == 5000.0 and not case[1]


def test_sheet_recognised_by_header_and_ignored_sheets(empty_engine):
    seed(empty_engine, 1)
    data = xlsx(sheet("Sheet1", SAMPLING_HEADERS, [sampling_row("C1", 1)]),
                sheet("填表说明", ["说明"], [["日期请填 2023-05-08"]]),
                sheet("汇总", ["单位", "数量"], [["城区分局", 3]]))
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert (result.status, result.rows, result.ignored_sheets) == ("imported", {"监督抽检": 1}, ["填表说明", "汇总"])
    assert "未识别的工作表（已忽略）：填表说明、汇总" in result.to_text()


def test_missing_required_column(empty_engine):
    seed(empty_engine, 1)
    headers = [h for h in SAMPLING_HEADERS if h != "检验结论"]
    rows = [[v for h, v in zip(SAMPLING_HEADERS, sampling_row("D1")) if h != "检验结论"]]
    result = import_workbook(empty_engine, xlsx(sheet("监督抽检", headers, rows, title="标题")),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "rejected"
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors] == [
        ("监督抽检", 2, "检验结论", "缺少必填列“检验结论”")]


def test_optional_columns_may_be_absent_and_blank_is_null(empty_engine):
    seed(empty_engine, 1)
    headers = ["统一社会信用代码", "自查日期", "发现问题数", "是否提交自查报告"]
    data = xlsx(sheet("企业自查", headers, [[code(1), "2023年5月8日", 0, "√"]]))
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    with empty_engine.connect() as conn:
        row = conn.execute(text("select count_items, count_problems, is_report_submitted, inspection_date "
                                "from self_inspection")).one()
    assert row[0] is None and row[1] == 0 and bool(row[2]) is True


def test_blank_and_total_rows_skipped(empty_engine):
    seed(empty_engine, 1)
    rows = [sampling_row("E1", 1), [None] * 12, ["  "] + [None] * 11, sampling_row("E2", 1), [None] * 12,
            [None, "小计", 2] + [None] * 9]
    result = import_workbook(empty_engine, xlsx(sampling(rows, total_row=True)),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.rows == {"监督抽检": 2}
    assert list(samplings(empty_engine)) == ["E1", "E2"]


def test_template_filler_rows_and_signature_lines_are_no_records(empty_engine):
    """A template's pre-numbered empty rows (序号 only), a row of “/”, and the 填表人/审核人 line under
    the table are skipped; before, each was refused with an error on every required cell."""
    seed(empty_engine, 1)
    headers = ["序号", *SAMPLING_HEADERS]
    filler = [[n] + [None] * len(SAMPLING_HEADERS) for n in (3, 4, 5)]
    rows = [[1, *sampling_row("T1", 1)], [2, *sampling_row("T2", 1)], *filler,
            [None] + ["/"] * len(SAMPLING_HEADERS), ["填表人：张三", None, None, None, "审核人：李四"],
            ["小计：2"], ["备注：本表由各分局每月5日前报送"], ["注1：检验结论以报告为准", None, "见附件"],
            ["填表说明：抽样日期按抽样单填写"]]
    result = import_workbook(empty_engine, xlsx(sheet("监督抽检", headers, rows)),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert (result.status, result.rows, result.errors) == ("imported", {"监督抽检": 2}, [])
    assert list(samplings(empty_engine)) == ["T1", "T2"]
    # a record whose first cell only begins with such a word is still a record, checked as one
    noted = [[1, *sampling_row("注意", 1)], [2, *sampling_row("备注1", 1, 食品名称=None)]]
    result = import_workbook(empty_engine, xlsx(sheet("监督抽检", headers, noted)),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "食品名称")]


def test_an_exam_result_may_say_pass_or_fail_and_an_error_shows_the_cell_as_written(empty_engine):
    seed(empty_engine, 1)
    exam = [[code(1), "甲", "食品安全员", date(2023, 5, 1), 85, "合格"],
            [code(1), "乙", "食品安全员", date(2023, 5, 1), 40, "不合格"]]
    data = xlsx(sheet("食安员抽考", EXAM_HEADERS, exam))
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    with empty_engine.connect() as conn:
        assert [(r[0], bool(r[1])) for r in conn.execute(text(
            "select person_name, is_passed from officer_exam order by score desc"))] == [("甲", True), ("乙", False)]
    wrong = xlsx(sheet("食安员抽考", EXAM_HEADERS, [[code(1), "丁", "食品安全员", date(2023, 5, 1), 59.5, "通过"]]))
    result = import_workbook(empty_engine, wrong, viewer=system_viewer(empty_engine), uploader="t")
    assert [(e["row"], e["column"], e["message"], e["value"]) for e in result.errors] == [
        (2, "是否合格", "是否合格与成绩不符（成绩≥60为合格）", "通过")]


def test_reupload_replaces_and_same_file_is_unchanged(empty_engine):
    seed(empty_engine, 1)
    first = xlsx(sampling([sampling_row("F1", 1), sampling_row("F2", 1)]))
    assert import_workbook(empty_engine, first, viewer=system_viewer(empty_engine), uploader="t").batch_id == 2
    again = import_workbook(empty_engine, first, viewer=system_viewer(empty_engine), uploader="t")
    assert (again.status, again.batch_id, again.errors) == ("unchanged", 2, [])
    assert "此前已导入" in again.to_text()
    corrected = xlsx(sampling([sampling_row("F1", 1, 食品名称="酱鸭"), sampling_row("F2", 1),
                               sampling_row("F3", 1)]))
    result = import_workbook(empty_engine, corrected, viewer=system_viewer(empty_engine), uploader="t")
    assert (result.status, result.batch_id) == ("imported", 3)
    assert result.to_json()["changes"] == {"监督抽检": {"inserted": 1, "replaced": 1, "unchanged": 1}}
    rows = samplings(empty_engine)
    assert [(k, r.food_name, r.batch_id) for k, r in rows.items()] == [
        ("F1", "酱鸭", 3), ("F2", "酱牛肉", 2), ("F3", "酱牛肉", 3)]
    with empty_engine.connect() as conn:
        changes = conn.execute(text("select table_name, record_key, old_row_json is null from batch_change "
                                    "where batch_id = 3 order by record_key")).all()
        inserted = conn.execute(text("select table_name, count_records, record_keys from batch_insert "
                                     "where batch_id = 3")).all()
    assert [tuple(c) for c in changes] == [("sampling", '["F1"]', False)]
    assert [tuple(i) for i in inserted] == [("sampling", 1, '[["F3"]]')]


def test_dry_run_writes_nothing(empty_engine):
    seed(empty_engine, 1)
    data = xlsx(sampling([sampling_row("G1", 1)]))
    before = table_snapshot(empty_engine)
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t", dry_run=True)
    assert table_snapshot(empty_engine) == before
    assert result.to_json() == {"status": "imported", "batch_id": None, "rows": {"监督抽检": 1},
                                "ignored_sheets": [], "errors": [], "warnings": [], "dry_run": True,
                                "changes": {"监督抽检": {"inserted": 1, "replaced": 0, "unchanged": 0}}}
    assert "试运行" in result.to_text()
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    assert import_workbook(empty_engine, data,
                           viewer=system_viewer(empty_engine), uploader="t", dry_run=True).status == "unchanged"


def test_uploaded_at_override_and_future_relative_to_it(empty_engine):
    seed(empty_engine, 1)
    at = datetime(2023, 6, 3, 9, 30)
    late = xlsx(sampling([sampling_row("H1", 1, 抽样日期=date(2023, 6, 10))]))
    result = import_workbook(empty_engine, late, viewer=system_viewer(empty_engine), uploader="t", uploaded_at=at)
    assert spots(result) == [("监督抽检", 2, "抽样日期")]
    assert result.errors[0]["message"] == "日期 2023-06-10 晚于上报日期，不能填写将来的日期"
    ok = xlsx(sampling([sampling_row("H1", 1, 抽样日期=date(2023, 6, 1))]))
    batch_id = import_workbook(empty_engine, ok,
                               viewer=system_viewer(empty_engine), uploader="t", uploaded_at=at).batch_id
    with empty_engine.connect() as conn:
        stored = conn.execute(select(UploadBatch.uploaded_at).where(UploadBatch.batch_id == batch_id)).scalar()
    assert stored == at


def test_hyperlink_text_stays_text(empty_engine):
    seed(empty_engine, 1)
    link = '=HYPERLINK("http://example.org/report.pdf","报告")'
    result = import_workbook(empty_engine, xlsx(sampling([sampling_row("I1", 1, 检验机构=link)])),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "imported"
    assert samplings(empty_engine)["I1"].lab_name == link


def saved_by_excel(data: bytes, calc: bytes = b'<calcPr calcId="191029"/>') -> bytes:
    """The workbook as Excel leaves it after computing and saving: its own calculation settings
    (`calc`) instead of xlsxwriter's request to be recalculated on load."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/workbook.xml":
                written = b'<calcPr calcId="124519" fullCalcOnLoad="1"/>'
                assert written in part
                part = part.replace(written, calc)
            dst.writestr(info, part)
    return out.getvalue()


def test_formula_cached_value_used_and_missing_value_is_error(empty_engine):
    seed(empty_engine, 1)
    headers = ["统一社会信用代码", "评价日期", "评价供应商数", "不合格供应商数"]
    good = saved_by_excel(xlsx(sheet("供应商评价", headers, [[code(1), date(2023, 5, 8), Formula("=3+4", 7),
                                                                Formula("=1-1", 0)]])))
    assert import_workbook(empty_engine, good, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    with empty_engine.connect() as conn:
        assert tuple(conn.execute(text("select count_suppliers, count_unqualified from supplier_evaluation")).one()) == (7, 0)
    bad = xlsx(sheet("供应商评价", headers, [[code(1), date(2023, 5, 9), Formula("=3+4"), 0]]))
    result = import_workbook(empty_engine, bad, viewer=system_viewer(empty_engine), uploader="t")
    assert spots(result) == [("供应商评价", 2, "评价供应商数")]
    assert "公式但没有计算结果" in result.errors[0]["message"]


def test_zero_of_a_workbook_recalculated_on_load_is_no_value(empty_engine):
    """xlsxwriter writes a formula given no result as <v>0</v> in a workbook that asks to be
    recalculated on load: that 0 was never computed (=3+4 would import as 0), so it is refused like
    a missing value; a result the program did give (7) is used, and Excel's saved 0 stays a 0."""
    seed(empty_engine, 1)
    headers = ["统一社会信用代码", "评价日期", "评价供应商数", "不合格供应商数"]
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as wb:
        ws = wb.add_worksheet("供应商评价")
        ws.write_row(0, 0, headers)
        ws.write_row(1, 0, [code(1), "2023-05-08"])
        ws.write_formula(1, 2, "=3+4")            # no result given: <v>0</v>
        ws.write_formula(1, 3, "=1-1", None, 0)   # a 0 given: the same bytes, refused alike
        ws.write_row(2, 0, [code(1), "2023-05-09"])
        ws.write_formula(2, 2, "=3+4", None, 7)
        ws.write_formula(2, 3, '=IF(1,"0","")', None, "0")  # a text result: not a placeholder
    written = buf.getvalue()
    result = import_workbook(empty_engine, written, viewer=system_viewer(empty_engine), uploader="t")
    assert spots(result) == [("供应商评价", 2, "评价供应商数"), ("供应商评价", 2, "不合格供应商数")]
    assert all("公式但没有计算结果" in e["message"] for e in result.errors)
    assert spots(import_workbook(empty_engine, saved_by_excel(written), viewer=system_viewer(empty_engine),
                                 uploader="t")) == []
    # another program's request to recalculate (its own calculation id) is no proof: its 0 is a 0
    other = saved_by_excel(written, calc=b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    assert spots(import_workbook(empty_engine, other, viewer=system_viewer(empty_engine), uploader="t")) == []
    with empty_engine.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(text(
            "select count_suppliers, count_unqualified from supplier_evaluation"))) == [(0, 0), (7, 0)]


def test_openpyxl_formula_without_value_is_error(empty_engine, tmp_path):
    seed(empty_engine, 1)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业自查"
    ws.append(["统一社会信用代码", "自查日期", "发现问题数", "是否提交自查报告", "自查项目数"])
    ws.append([code(1), "2023-05-08", "=1+1", "是", "=A1"])  # openpyxl stores formulas, no cached value
    ws.append([code(1), "2023-05-09", 2, "是", None])
    path = tmp_path / "自查.xlsx"
    wb.save(path)
    result = import_workbook(empty_engine, path, viewer=system_viewer(empty_engine), uploader="t")
    assert spots(result) == [("企业自查", 2, "自查项目数"), ("企业自查", 2, "发现问题数")]


def test_text_longer_than_its_column_holds(empty_engine):
    """A text is refused beyond the contract's 1,000 characters, a key or a number beyond what its
    database column holds (a sample number 64): PostgreSQL refused a longer value with a traceback,
    and a 食品名称 of 201–1,000 characters until migration 0018 widened it."""
    seed(empty_engine, 1)
    long_rows = [sampling_row("J1", 1, 食品名称="肉" * 1001), sampling_row("J" * 65, 1)]
    result = import_workbook(empty_engine, xlsx(sampling(long_rows)), viewer=system_viewer(empty_engine), uploader="t")
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (2, "食品名称", "内容超过 1000 个字符（1001 个）"), (3, "抽样单编号", "内容超过 64 个字符（65 个）")]
    fitting = [sampling_row("J" * 64, 1, 食品名称="肉" * 1000, 检验机构="检" * 1000, 不合格项目="项" * 1000,
                            检验结论="不合格", 核查处置状态="处置中")]
    long_name = sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(2, 企业名称="企" * 1000)])
    result = import_workbook(empty_engine, xlsx(long_name, sampling(fitting)),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "imported", result.errors
    with empty_engine.connect() as conn:
        stored = conn.execute(text("select length(food_name), length(lab_name) from sampling")).one()
        assert tuple(stored) == (1000, 1000)
        assert conn.execute(text(f"select length(name) from enterprise where credit_code = '{code(2)}'")).scalar() == 1000



def _escaped_in_xml(data: bytes, mark: str, escape: str) -> bytes:
    """The workbook with `mark` replaced in its XML by an OOXML escape such as _x0000_ (what another
    system's export holds: python-calamine decodes it into the character; openpyxl would not write it)."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item).replace(mark.encode(), escape.encode()))
    return out.getvalue()


def test_nul_in_a_text_cell_is_the_clerks_error(empty_engine):
    # PostgreSQL refuses NUL in text (the lookup of stored rows and COPY raised DataError): refused
    # cell by cell in Chinese on both databases, nothing written, the annotated workbook made
    seed(empty_engine, 1)
    before = table_snapshot(empty_engine)
    data = _escaped_in_xml(xlsx(sampling([sampling_row("NULHERE1", 1), sampling_row("J2", 1, 食品名称="酱NULHERE牛肉")])),
                           "NULHERE", "_x0000_")
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert result.status == "rejected" and table_snapshot(empty_engine) == before
    assert [(e["row"], e["column"], e["message"], e["value"]) for e in result.errors] == [
        (2, "抽样单编号", parse.NUL_MESSAGE, "\ufffd1"), (3, "食品名称", parse.NUL_MESSAGE, "酱\ufffd牛肉")]
    assert annotate_workbook(data, result.errors)  # the values listed back hold no character openpyxl refuses

def test_viewer_scope(empty_engine):
    seed(empty_engine, 1, unit="城区分局")
    seed(empty_engine, 2, unit="开发区分局")
    with empty_engine.connect() as conn:
        dt01 = conn.execute(text("select unit_id from org_unit where code = 'DT01'")).scalar()
    clerk = Viewer("clerk01", "clerk", dt01)
    data = xlsx(registry(3, unit="开发区分局"), sampling([sampling_row("K1", 1), sampling_row("K2", 2)]),
                sheet("企业名录2", ENTERPRISE_HEADERS, [enterprise_row(2, "城区分局")]))
    before = table_snapshot(empty_engine)
    result = import_workbook(empty_engine, data, uploader="clerk01", viewer=clerk)
    assert table_snapshot(empty_engine) == before
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors] == [
        ("企业名录", 2, "所属分局", "“开发区分局”不属于本单位辖区，无权上报"),
        ("监督抽检", 3, "统一社会信用代码", f"企业 {code(2)} 不属于本单位辖区，无权上报"),
        ("企业名录2", 2, "统一社会信用代码", f"企业 {code(2)} 不属于本单位辖区，无权修改")]
    ok = import_workbook(empty_engine, xlsx(sampling([sampling_row("K1", 1)])), uploader="clerk01", viewer=clerk)
    assert ok.status == "imported"


def test_batch_unit_is_lowest_common_unit(empty_engine):
    seed(empty_engine, 1, unit="DT01")
    seed(empty_engine, 2, unit="安丰分局")
    with empty_engine.connect() as conn:
        ids = dict(conn.execute(text("select code, unit_id from org_unit")).all())
        units = dict(conn.execute(text("select batch_id, unit_id from upload_batch")).all())
    assert units == {1: ids["DT01"], 2: ids["DT03"]}
    both = import_workbook(empty_engine, xlsx(sampling([sampling_row("L1", 1), sampling_row("L2", 2)])),
                           viewer=system_viewer(empty_engine), uploader="t")
    with empty_engine.connect() as conn:
        assert conn.execute(select(UploadBatch.unit_id).where(UploadBatch.batch_id == both.batch_id)).scalar() == ids["DT"]


def test_to_text_lists_every_error(empty_engine):
    seed(empty_engine, 1)
    result = import_workbook(empty_engine, xlsx(sampling([sampling_row("M1", 1, 抽样日期="五月八日")])),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert result.to_text().splitlines()[1] == (
        "  工作表 监督抽检 第2行 列“抽样日期”：日期格式无法识别，应为 2023-05-08、2023/5/8、2023年5月8日 或 20230508"
        "（填写的是“五月八日”）")


def test_sqlite_import_writes_with_a_roomy_page_cache_and_gives_it_back(empty_engine):
    """SQLite only: the import's connection caches IMPORT_CACHE_KIB of pages while it writes (a
    10,000-row batch no longer spills to the WAL mid-transaction), and has SQLite's default again
    once the import is over (the pool's connections do not keep 64 MB each)."""
    if empty_engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    seen = {}

    def on_write(conn, result):
        seen["during"] = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        seen["driver"] = conn.connection.driver_connection

    result = import_workbook(empty_engine, xlsx(registry(1, 2)), viewer=system_viewer(empty_engine),
                             uploader="张三", on_write=on_write)
    assert result.status == "imported"
    assert seen["during"] == -64 * 1024
    assert seen["driver"].execute("PRAGMA cache_size").fetchone()[0] == -2000


def test_migration_0018_widens_the_free_text_columns_on_postgresql(empty_engine):
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))

    def lengths() -> tuple:
        columns = {c["name"]: c["type"] for c in sa_inspect(empty_engine).get_columns("sampling")}
        return columns["food_name"].length, columns["sample_no"].length

    postgres = empty_engine.dialect.name == "postgresql"
    assert lengths() == ((1000, 64) if postgres else (200, 64))  # SQLite keeps the declaration it was made with
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0017")
    assert lengths() == (200, 64)
    dashboard.db.upgrade(empty_engine)
    assert lengths() == ((1000, 64) if postgres else (200, 64))


def test_a_file_name_in_gbk_or_with_control_characters_is_kept_readable(empty_engine):
    """A file name the file system gave as bytes that are not UTF-8 (surrogates in Python) or that
    holds a NUL: PostgreSQL refused it with a traceback; it is stored decoded (GBK) or cleaned."""
    names = {"报表.xlsx".encode("gbk").decode("utf-8", "surrogateescape"): "报表.xlsx",
             b"caf\xe9.xlsx".decode("utf-8", "surrogateescape"): "caf\ufffd.xlsx",
             "五月\x00\x07报表.xlsx": "五月报表.xlsx"}
    for n, (written, stored) in enumerate(names.items(), 1):
        result = import_workbook(empty_engine, xlsx(registry(n)), viewer=system_viewer(empty_engine), uploader="t",
                                 file_name=written)
        assert (result.status, result.file_name) == ("imported", stored)
    with empty_engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("select file_name from upload_batch order by batch_id"))] == \
            list(names.values())
