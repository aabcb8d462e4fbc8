"""The 上报 page through AppTest (SQLite): a dry run first (summary, every error in Chinese, nothing
written), then the confirm button commits and the figures move; wrong files get a clear message."""
from __future__ import annotations

import io
import re
import tomllib

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.annotate import DEFAULT_UPLOAD_LIMIT_MB, annotate_workbook, error_rows, upload_refusal
from dashboard.audit_trail import events
from dashboard.db import database_url, get_engine, table_snapshot
from dashboard.importer import import_workbook

from builders import SAMPLING_HEADERS, code, sampling_row, sheet, xlsx
from tests.pages_support import PROJECT_DIR, displayed
from upload_support import bad_workbook, figures, good_workbook, notice_workbook, signed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_upload(viewer: Viewer | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "app_pages/upload.py"), default_timeout=60)
    signed(at, get_engine(database_url()), viewer)
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, content, XLSX) for name, content in files])
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return displayed("\n".join([*(e.value for e in at.error), *(s.value for s in at.success), *(i.value for i in at.info),
                      *(m.value for m in at.markdown), *(w.value for w in at.warning)]))


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def error_table(at: AppTest):
    """The last error table on the page (a static table up to 100 errors), as a reader sees it."""
    return at.table[-1].value.map(displayed)


def test_good_workbook_dry_run_then_confirm(small_county_env):
    before_db, before = table_snapshot(small_county_env), figures(small_county_env)
    at = upload(open_upload(), ("5月月报.xlsx", good_workbook(3)))
    assert "校验通过（试运行，尚未写入）" in texts(at)
    sheets, changes = frames(at)[:2]
    assert sheets.to_dict("records") == [
        {"工作表": "监督抽检", "识别为": "监督抽检", "格式": "填报模板格式", "行数": "3"},
        {"工作表": "企业自查", "识别为": "企业自查", "格式": "填报模板格式", "行数": "2"},
        {"工作表": "备注", "识别为": "（未识别，已忽略）", "格式": "", "行数": "—"}]
    assert changes[["工作表", "行数", "新增记录", "更新（替换）记录"]].values.tolist() == [
        ["监督抽检", 3, 3, 0], ["企业自查", 2, 2, 0]]
    assert table_snapshot(small_county_env) == before_db  # the dry run wrote nothing
    at.button(key="up_confirm").click().run()
    assert not at.exception, at.exception
    assert "已上报，第 2 批" in texts(at)
    assert [(e["action"], e["detail"]["batch_id"]) for e in events(small_county_env, action="upload")] == [("upload", 2)]
    after = figures(small_county_env)
    assert before["sampling_pass"] == (0, 0) and after["sampling_pass"] == (2, 3)
    assert before["self_inspection"] == (0, 3) and after["self_inspection"] == (2, 3)
    # the same file again: said so, nothing to confirm
    at = upload(at, ("5月月报.xlsx", good_workbook(3)))
    assert "此前已导入（第 2 批）" in texts(at)
    assert not [b for b in at.button if b.key == "up_confirm"]


def test_a_correction_shows_replaced_records(small_county_env):
    import_workbook(small_county_env, good_workbook(3), viewer=system_viewer(small_county_env), uploader="t")
    at = upload(open_upload(), ("5月更正.xlsx", good_workbook(4)))
    changes = frames(at)[1]
    row = changes[changes["工作表"] == "监督抽检"].iloc[0]
    assert (row["新增记录"], row["更新（替换）记录"], row["未变"]) == (1, 1, 2)  # 002 passed now, 003 is new


def test_bad_workbook_shows_every_error_and_writes_nothing(small_county_env):
    before_db, before = table_snapshot(small_county_env), figures(small_county_env)
    at = upload(open_upload(), ("5月月报.xlsx", bad_workbook()))
    assert "未通过校验：发现 4 处错误" in texts(at)
    errors = error_table(at)
    assert list(errors.columns) == ["工作表", "行号", "列", "填写的内容", "错误原因"]
    assert errors[["工作表", "行号", "列"]].values.tolist() == [
        ["监督抽检", "4", "抽样日期"], ["监督抽检", "5", "统一社会信用代码"], ["监督抽检", "6", "任务来源"],
        ["监督抽检", "7", "不合格项目"]]
    reasons = errors["错误原因"].tolist()
    assert reasons[0].startswith("日期不存在") and "不在企业名录中" in reasons[1]
    assert "不是允许的取值" in reasons[2] and "必须填写不合格项目" in reasons[3]
    assert errors.iloc[2]["填写的内容"] == "乡抽"
    assert not [b for b in at.button if b.key == "up_confirm"]  # nothing to confirm
    assert any(d.label.startswith("下载标注了错误的工作簿") for d in at.get("download_button"))
    assert table_snapshot(small_county_env) == before_db and figures(small_county_env) == before


def test_the_annotated_copy_marks_each_bad_cell(small_county_env):
    data = bad_workbook()
    result = import_workbook(small_county_env, data, viewer=system_viewer(small_county_env), uploader="t", dry_run=True)
    wb = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, result.errors, "x.xlsx")))
    ws = wb["监督抽检"]
    marked = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert set(marked) == {"F4", "B5", "G6", "J7"}
    assert marked["G6"].startswith("“乡抽”不是允许的取值")
    assert all(ws[c].fill.fgColor.rgb.endswith("FFC7CE") for c in marked)
    assert [r[:3] for r in wb["错误清单"].iter_rows(min_row=3, values_only=True)] == [
        (e["工作表"], e["行号"], e["列"]) for e in error_rows(result.errors)]


def test_missing_column_is_annotated_on_the_header(small_county_env):
    headers = [h for h in SAMPLING_HEADERS if h != "检验结论"]
    rows = [[v for h, v in zip(SAMPLING_HEADERS, sampling_row("D1")) if h != "检验结论"]]
    data = xlsx(sheet("监督抽检", headers, rows, title="标题"))
    result = import_workbook(small_county_env, data, viewer=system_viewer(small_county_env), uploader="t", dry_run=True)
    ws = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, result.errors)))["监督抽检"]
    assert "缺少必填列“检验结论”" in ws["A2"].comment.text  # the header row (row 2 under the title)


def test_published_notice_through_the_page(small_county_env):
    at = upload(open_upload(), ("第12期公示.xlsx", notice_workbook()))
    sheets = frames(at)[0]
    assert sheets[["工作表", "识别为", "格式", "行数"]].values.tolist() == [
        ["不合格产品信息", "监督抽检", "抽检结果公示表", "2"], ["合格产品信息", "监督抽检", "抽检结果公示表", "2"]]
    at.button(key="up_confirm").click().run()
    assert "监督抽检 4 行" in texts(at)
    assert figures(small_county_env)["sampling_pass"] == (1, 3)


def test_unmatched_producer_through_the_page(small_county_env):
    at = upload(open_upload(), ("公示.xlsx", notice_workbook(unmatched=True)))
    errors = error_table(at)
    assert errors[["工作表", "行号", "列", "填写的内容"]].values.tolist() == [
        ["不合格产品信息", "7", "标称生产企业名称", "盐城市不知名食品厂"]]


def test_several_files_at_once_only_the_good_ones_are_committed(small_county_env):
    at = upload(open_upload(), ("5月.xlsx", good_workbook(2)), ("5月错.xlsx", bad_workbook()),
                ("名单.csv", b"a,b\n1,2\n"))
    assert "“名单.csv”不是 Excel 工作簿（.csv）" in texts(at)
    button = at.button(key="up_confirm")
    assert "确认上报 1 个工作簿" in button.label and "另有 2 个文件" in button.label
    button.click().run()
    assert figures(small_county_env)["sampling_pass"] == (1, 2)


def test_wrong_type_and_oversized_files_get_a_clear_message(small_county_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_UPLOAD_LIMIT_MB", "0.01")
    at = upload(open_upload(), ("大文件.xlsx", good_workbook(2) + b"\0" * 20000), ("宏.xlsm", b"PK\x03\x04"),
                ("改名.xlsx", b"a,b\n1,2\n"))
    shown = texts(at)
    assert "超过 0.01 MB 的上限" in shown
    assert "启用宏的工作簿（.xlsm），不予接受" in shown
    refused = error_table(at)  # a CSV renamed .xlsx: refused by the importer, in Chinese
    assert refused.iloc[0]["工作表"] == "（整个文件）" and "不是 Excel 工作簿（.xlsx）" in refused.iloc[0]["错误原因"]
    assert not at.exception


def test_only_roles_that_may_upload_see_the_page_and_only_for_their_own_units(small_county_env):
    leader = Viewer("leader", "leader", resolve_unit(small_county_env, "DT").unit_id)
    at = open_upload(leader)
    assert "无权访问" in texts(at) and not at.file_uploader
    clerk = Viewer("dt02_clerk", "clerk", resolve_unit(small_county_env, "DT02").unit_id)
    at = upload(open_upload(clerk), ("5月月报.xlsx", good_workbook(2)))  # 城区分局's enterprises
    assert "不属于本单位辖区，无权上报" in " ".join(error_table(at)["错误原因"])
    assert not [b for b in at.button if b.key == "up_confirm"]


@pytest.mark.parametrize("name, size, expected", [
    ("a.xlsx", 100, None), ("a.XLSX", 100, None), ("a.xls", 100, "旧版 Excel"), ("a.csv", 1, "不是 Excel 工作簿"),
    ("a", 1, "无扩展名"), ("a.xlsx", 0, "空文件"), ("a.xlsx", 51 * 1024 * 1024, "超过 50 MB"),
])
def test_upload_refusal(name, size, expected):
    got = upload_refusal(name, size)
    assert got is None if expected is None else expected in got


def test_the_server_refuses_what_the_page_would():
    """Streamlit holds an upload in memory before the page sees it: its own limit is the page's, so
    a 200 MB body is turned away by the server (and nginx, with 1 MB for the multipart envelope)."""
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == DEFAULT_UPLOAD_LIMIT_MB
    nginx = (PROJECT_DIR / "deploy" / "nginx" / "dashboard.conf").read_text(encoding="utf-8")
    assert re.search(r"client_max_body_size (\d+)m;", nginx).group(1) == str(DEFAULT_UPLOAD_LIMIT_MB + 1)


def test_the_template_download_is_offered(small_county_env):
    at = open_upload()
    labels = [d.label for d in at.get("download_button")]
    assert "下载模板" in labels


def test_an_unforeseen_failure_is_a_sentence_not_a_traceback(small_county_env, monkeypatch):
    import dashboard.annotate as annotate  # the page's dry run (annotate.checked_dry_run) calls the importer

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(annotate, "import_workbook", broken)
    at = upload(open_upload(), ("怪文件.xlsx", good_workbook(2)))
    assert not at.exception
    assert "无法读取“怪文件.xlsx”（RuntimeError）" in texts(at)


def named_workbook() -> bytes:
    """Self-inspections of enterprises 1 and 2 with their names beside the codes: row 4 names
    enterprise 1 rightly (Excel row 2), row 3 names enterprise 3 beside enterprise 2's code (a wrong pick)."""
    return xlsx(sheet("企业自查", ["统一社会信用代码", "企业名称", "自查日期", "自查项目数", "发现问题数",
                                "是否提交自查报告"],
                      [[code(1), "东台市第1肉制品有限公司", "2023-05-03", 20, 0, "是"],
                       [code(2), "东台市第3肉制品有限公司", "2023-05-09", 18, 1, "是"]]))


def test_a_name_that_disagrees_with_its_code_is_a_warning_not_a_refusal(small_county_env):
    data = named_workbook()
    result = import_workbook(small_county_env, data, viewer=system_viewer(small_county_env), uploader="t", dry_run=True)
    assert result.status == "imported" and result.errors == []
    assert [(w["sheet"], w["row"], w["column"], w["value"]) for w in result.warnings] == [
        ("企业自查", 3, "企业名称", "东台市第3肉制品有限公司")]
    assert "登记的企业“东台市第2肉制品有限公司”不一致" in result.warnings[0]["message"]
    assert result.to_json()["warnings"] == result.warnings and "提示：" in result.to_text()
    # the annotated copy marks the name yellow with the reason, and lists it as a 提示
    wb = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, [], "x.xlsx", result.warnings)))
    cell = wb["企业自查"]["B3"]
    assert cell.fill.fgColor.rgb.endswith("FFEB9C") and "提示：" in cell.comment.text
    listing = [r for r in wb["错误清单"].iter_rows(values_only=True)]
    assert listing[0][0].startswith("共 0 处错误、1 处提示") and "不必删除" in listing[0][0]
    assert listing[2][4].startswith("提示：企业名称与统一社会信用代码")
    # the page: passes, says so, and offers the annotated copy
    at = upload(open_upload(), ("5月月报.xlsx", data))
    assert "校验通过" in texts(at) and any("1 处提示" in w.value for w in at.warning)
    assert any(d.label.startswith("下载标注了错误和提示的工作簿") for d in at.get("download_button"))
    assert [b for b in at.button if b.key == "up_confirm"]


def test_a_corrected_file_replaces_the_failed_one_in_the_list(small_county_env):
    at = upload(open_upload(), ("5月月报.xlsx", bad_workbook()))
    assert "未通过校验" in texts(at)
    # the clerk adds the corrected file under the same name: only it is checked and listed
    at.file_uploader[0].set_value([("5月月报.xlsx", bad_workbook(), XLSX), ("5月月报.xlsx", good_workbook(3), XLSX)])
    at.run()
    at.run()  # the rerun after the uploader is reset
    assert not at.exception, at.exception
    assert "未通过校验" not in texts(at) and "校验通过" in texts(at)
    assert len([m for m in at.markdown if displayed(m.value) == "##### 5月月报.xlsx"]) == 1
    assert len(at.file_uploader[0].value or []) == 0  # the uploader itself was emptied
