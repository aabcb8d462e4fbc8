"""Stage-summary exports (issue 5): each produced file opened with a reader (openpyxl, python-docx,
the PDF's text layer) holds every target's figure; a formula in an enterprise name comes out as
text; a sub-bureau chief only ever exports their own unit; the command line's exit codes; the 导出
page; the same workbook and briefing on PostgreSQL; the time each export takes.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard import altair_charts
from dashboard.__main__ import main as cli_main
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.demo import build_demo
from dashboard.exports import build_summary, file_name, render
from dashboard.exports import chart_images
from dashboard.exports import pdf
from dashboard.exports.blocks import Chart, Para, Table
from dashboard.exports.narrative import briefing, plain_text
from dashboard.exports.safe import is_dangerous, neutralise
from dashboard.exports.xlsx import TARGETS_SHEET, truncated_percent

from tests.pages_support import PROJECT_DIR, sign_in
from tests.regen_golden import CASES, FROZEN_AT, build_case, extract, golden_path

CONF = load_campaign()
PHASE2 = {"phase": 2, "as_of": date(2023, 8, 31), "generated_at": FROZEN_AT}
EVIL = '=HYPERLINK("http://evil.example/x","点此查看")'
IN_CI = os.environ.get("CI", "").lower() == "true"


def squash(s: str) -> str:
    """Text without whitespace (PDF text layers break lines anywhere)."""
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def phase2_summary(sample_county):
    """The phase2_summary's phase-2 summary and its workbook and briefing."""
    engine = sample_county.engine
    s = build_summary(engine, CONF, system_viewer(engine), **PHASE2)
    return {"summary": s, "xlsx": render(s, "xlsx"), "docx": render(s, "docx")}


# ------------------------------------------------------------------ formula injection
@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 123", "'+86 123"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("东台市某食品有限公司", "东台市某食品有限公司"), ("", ""), (None, ""),
    ("a=b", "a=b"), ("'=already", "'=already")])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
    assert not is_dangerous(neutralise(value))


def test_a_formula_in_an_enterprise_name_comes_out_as_text(sample_county_url, tmp_path):
    # a copy of the county whose enterprise missing a 包保督导 visit is named like a formula
    path = tmp_path / "evil.sqlite"
    src = sqlite3.connect(sample_county_url.split("///", 1)[1])
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    eng = get_engine(f"sqlite:///{path}")
    viewer = system_viewer(eng)
    victim = build_summary(eng, CONF, viewer, **PHASE2).gap("supervision_coverage").rows[0]["credit_code"]
    with eng.begin() as conn:
        conn.execute(text("update enterprise set name = :n where credit_code = :c"), {"n": EVIL, "c": victim})
    s = build_summary(eng, CONF, viewer, **PHASE2)
    data = render(s, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    hits = [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert hits, "the malicious name should appear in the gap list"
    for _, cell in hits:
        assert cell.data_type == "s" and cell.value == "'" + EVIL
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no <f> element anywhere in the sheets' XML
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/"))
    docx_text = "\n".join(p.text for p in Document(io.BytesIO(render(s, "docx"))).paragraphs)
    assert EVIL in docx_text  # the briefing quotes it literally (Word has no formulas in text)
    eng.dispose()


# ------------------------------------------------------------------ owners in the gap sheets
# Each gap sheet's 责任科室, read off campaigns/dongtai-2023.yaml's `owner:` by hand; the overdue
# list is no target's (未指定).
GAP_SHEET_OWNERS = {
    "未开展自查企业": "食品安全监管科", "三类人三件事三本账未落实企业": "食品安全监管科",
    "规上企业体系或追溯未建立": "质量安全监管科", "未开展供应商评价企业": "食品安全监管科",
    "未开展食安员抽考企业": "食品安全监管科", "未开展包保督导企业": "办公室",
    "未完成风险排查或一企一策方案的企业"[:31]: "质量安全监管科", "未监督抽检企业": "质量安全监管科",
    "监督检查次数未达到风险等级要求的在产企业"[:31]: "食品安全监管科",
    "未接受飞行检查或交叉检查的风险隐患在产企业"[:31]: "综合行政执法大队",
    "食安员抽考不合格人员": "食品安全监管科", "监督检查问题未整改": "综合行政执法大队",
    "逾期未整改问题": "未指定", "抽检不合格及核查处置": "质量安全监管科"}


def test_each_gap_sheet_names_its_owner_under_its_title(phase2_summary):
    """Like the screen's gap tabs and the briefing's 下一步工作: the line under the title names the
    责任科室; the header row follows it (frozen below it, repeated in print), the rows after."""
    s = phase2_summary["summary"]
    wb = load_workbook(io.BytesIO(phase2_summary["xlsx"]))
    assert {g.spec.title[:31] for g in s.gaps} == set(GAP_SHEET_OWNERS)
    for title, owner in GAP_SHEET_OWNERS.items():
        ws = wb[title]
        assert (ws["A2"].value, ws["A3"].value, ws.freeze_panes, ws.print_title_rows) == (
            f"责任科室：{owner}", "序号", "A4", "$1:$3"), title
    # 27 open 监督检查 problems at 08-31: numbered 1…27 from the fourth row
    rows = [r for r in wb["监督检查问题未整改"].iter_rows(min_row=4, values_only=True)]
    assert [r[0] for r in rows] == list(range(1, 28))
    # an empty list says so on the first row under the header
    assert wb["未监督抽检企业"]["A4"].value == "无"


# ------------------------------------------------------------------ readers find every figure
def test_workbook_holds_every_target_figure(phase2_summary):
    s = phase2_summary["summary"]
    wb = load_workbook(io.BytesIO(phase2_summary["xlsx"]))
    ws = wb[TARGETS_SHEET]
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == len(s.figures) == 13 * 13  # units × targets
    for f in s.figures:
        r = rows[(f["unit_name"], f["name"])]
        assert r[2:7] == (f["numerator"], f["denominator"], truncated_percent(f["numerator"], f["denominator"]),
                          f["threshold"], f["status_text"])
    # number formats, frozen header, print setup, conditional colouring of unmet targets
    assert ws["E3"].number_format == "0.0%" and ws["C3"].data_type == "n"
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$2"
    rules = [rule.formula[0] for rng in ws.conditional_formatting for rule in rng.rules]
    assert '$G3="未达标"' in rules
    assert wb["逾期未整改问题"]["H4"].is_date and wb["逾期未整改问题"]["H4"].number_format == "yyyy-mm-dd"
    assert wb.sheetnames[0] == "封面" and "上报完整性" in wb.sheetnames
    # gap sheets hold exactly denominator − numerator rows (or the one 无 row)
    root = {f["target"]: f for f in s.unit_figures}
    for g in s.gaps:
        if g.spec.key in root:
            short = root[g.spec.key]["denominator"] - root[g.spec.key]["numerator"]
            assert wb[g.spec.title].max_row - 3 == max(short, 1)  # an empty list holds one 无 row
            assert short or wb[g.spec.title]["A4"].value == "无"


def test_briefing_holds_every_target_figure_and_names_best_and_lagging(phase2_summary):
    s = phase2_summary["summary"]
    doc = Document(io.BytesIO(phase2_summary["docx"]))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert doc.paragraphs[0].text == "东台市肉制品质量安全提升行动\n深入推进阶段工作总结"
    for f in s.unit_figures:
        assert f"{f['name']}{f['percent_text']}（{f['nd_text']}）" in body
        assert f["nd_text"] in cells and f["percent_text"] in cells
    for heading in ("一、工作开展情况", "二、总体进展", "三、各分局（所）完成情况", "四、存在的问题", "五、下一步工作"):
        assert heading in [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert "完成情况较好的是" in body and "相对滞后的是" in body
    assert "整改提升阶段" in body and "组织开展肉制品生产企业星级评比和授牌表彰" in body
    # charts are embedded as pictures, the official fonts set for East-Asian text, page numbers in the footer
    assert len(doc.inline_shapes) == 2
    xml = doc.element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="黑体"' in xml
    assert 'w:eastAsia="方正小标宋简体"' in xml
    assert "PAGE" in doc.sections[0].footer._element.xml


def test_briefing_reuses_the_pages_charts(phase2_summary):
    s = phase2_summary["summary"]
    heat = chart_images.chart_for(s, "heatmap").to_dict()
    assert heat == altair_charts.status_heatmap([f for f in s.figures]).to_dict()
    assert [b.key for b in briefing(s) if isinstance(b, Chart)] == ["phases", "heatmap"]
    if chart_images.available():
        png = chart_images.chart_png(s, "heatmap")
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def pdftotext(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext"):
        src = tmp_path / "b.pdf"
        src.write_bytes(data)
        return subprocess.run(["pdftotext", "-layout", str(src), "-"], capture_output=True, check=True,
                              timeout=60).stdout.decode("utf-8")
    pypdf = pytest.importorskip("pypdf", reason="neither pdftotext (poppler-utils) nor pypdf is installed")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def need_soffice():
    if not pdf.available():
        if IN_CI:
            pytest.fail("CI=true but LibreOffice (soffice) is missing: .ci/run must install libreoffice-writer")
        pytest.skip("LibreOffice (soffice) is not installed: PDF export cannot be tested here")


def test_pdf_text_layer_holds_every_target_figure(phase2_summary, tmp_path):
    need_soffice()
    s = phase2_summary["summary"]
    data = render(s, "pdf", docx=phase2_summary["docx"])
    assert data[:5] == b"%PDF-"
    layer = squash(pdftotext(data, tmp_path))
    assert squash(s.title) in layer
    for f in s.unit_figures:
        assert squash(f"{f['percent_text']}（{f['nd_text']}）") in layer, f["name"]
    if shutil.which("pdftoppm"):  # the first page as PNG (kept for a look when the test fails)
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(tmp_path / "b.pdf"),
                        str(tmp_path / "page")], check=True, timeout=60)
        assert list(tmp_path.glob("page*.png"))


# ------------------------------------------------------------------ scope: a chief exports their own unit
def test_a_chief_exports_only_their_own_unit(sample_county):
    engine = sample_county.engine
    dt03 = resolve_unit(engine, "DT03")
    chief = Viewer("dt03_chief", "chief", dt03.unit_id)
    s = build_summary(engine, CONF, chief, month="2023-07", as_of=date(2023, 7, 31))
    assert s.unit_code == "DT03" and s.child_units == [] and {f["unit_code"] for f in s.figures} == {"DT03"}
    assert all(r["unit_name"] == "安丰分局" for g in s.gaps for r in g.rows)
    assert s.completeness is None or [u["code"] for u in s.completeness.units] == ["DT03"]
    with pytest.raises(PermissionError):
        build_summary(engine, CONF, chief, month="2023-07", unit="DT01")
    with pytest.raises(PermissionError):
        build_summary(engine, CONF, chief, phase=2, unit="DT")
    # the same as the system viewer's summary of that unit
    assert s.figures == build_summary(engine, CONF, system_viewer(engine), month="2023-07", unit="DT03",
                                      as_of=date(2023, 7, 31)).figures


def test_no_figure_is_shown_as_zero_when_there_is_nothing_to_count(sample_county):
    engine = sample_county.engine
    s = build_summary(engine, CONF, system_viewer(engine), phase=1, unit="DT12")
    f = next(f for f in s.unit_figures if f["target"] == "sampling_pass")
    assert f["denominator"] == 0 and f["percent_text"] == "无数据"
    assert s.previous_label is None and all(f["change_text"] == "—" for f in s.figures)
    words = plain_text(briefing(s))
    assert "无数据的有：" in words and "产品抽检合格率0.0%" not in words
    wb = load_workbook(io.BytesIO(render(s, "xlsx")))
    row = next(r for r in wb[TARGETS_SHEET].iter_rows(min_row=3, values_only=True) if r[1] == f["name"])
    assert row[4] is None and row[6] == "无数据"


def test_window_arguments_are_checked(sample_county):
    engine = sample_county.engine
    viewer = system_viewer(engine)
    with pytest.raises(KeyError):
        build_summary(engine, CONF, viewer, phase=7)
    with pytest.raises(ValueError):
        build_summary(engine, CONF, viewer, month="2024-07")
    with pytest.raises(ValueError):
        build_summary(engine, CONF, viewer, phase=3, as_of=date(2023, 8, 1))  # not begun yet


# ------------------------------------------------------------------ command line
def test_cli_export_writes_each_format(sample_county_url, tmp_path, capsys):
    out = tmp_path / "sub" / "安丰.xlsx"
    assert cli_main(["--db", sample_county_url, "export", "--month", "2023-07", "--unit", "安丰分局",
                     "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out)[TARGETS_SHEET]["A3"].value == "安丰分局"
    assert "已导出" in capsys.readouterr().out
    out = tmp_path / "phase2_summary.docx"
    assert cli_main(["--db", sample_county_url, "export", "--phase", "深入推进阶段", "--format", "docx",
                     "--out", str(out)]) == 0
    assert Document(out).paragraphs[0].text.replace("\n", "") == "东台市肉制品质量安全提升行动深入推进阶段工作总结"


def test_cli_export_bad_usage_and_missing_converter(sample_county_url, tmp_path, capsys, monkeypatch):
    args = ["--db", sample_county_url, "export", "--format", "docx", "--out", str(tmp_path / "x.docx")]
    assert cli_main([*args[:3], "--phase", "9", *args[3:]]) == 2
    assert "没有这个阶段" in capsys.readouterr().err
    assert cli_main([*args[:3], "--month", "2023-07", "--unit", "不存在分局", *args[3:]]) == 2
    assert cli_main([*args[:3], "--month", "2024-01", *args[3:]]) == 2
    monkeypatch.setenv("DASHBOARD_SOFFICE", str(tmp_path / "no-soffice"))
    out = tmp_path / "x.pdf"
    assert cli_main(["--db", sample_county_url, "export", "--phase", "1", "--format", "pdf", "--out", str(out)]) == 1
    assert "本机未安装 LibreOffice" in capsys.readouterr().err and not out.exists()


def test_file_names(phase2_summary):
    s = phase2_summary["summary"]
    assert file_name(s, "xlsx") == "东台市市场监督管理局_深入推进阶段_数据表.xlsx"
    assert file_name(s, "pdf").endswith("_工作总结.pdf")


# ------------------------------------------------------------------ the page
def test_export_page_builds_previews_and_offers_downloads(sample_county_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB_URL", sample_county_url)
    monkeypatch.setenv("DASHBOARD_SOFFICE", "/nonexistent/soffice")  # the page must say so, not fail
    st.cache_data.clear()
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180), "dt03_chief")
    at.run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/export.py")
    at.run()
    assert not at.exception, at.exception
    unit = at.selectbox(key="exp_unit")
    assert [o.strip("　") for o in unit.options] == ["安丰分局"]  # the chief's scope only
    at.radio(key="exp_kind").set_value("月度").run()
    at.selectbox(key="exp_month").set_value("2023-07").run()
    at.button(key="exp_build").click().run()
    assert not at.exception, at.exception
    shown = "\n".join(m.value for m in at.markdown)
    assert "安丰分局肉制品质量安全提升行动" in shown and "2023年7月工作总结" in shown
    assert "东台市市场监督管理局" not in "".join(str(d.value) for d in at.dataframe)
    downloads = at.get("download_button")
    assert len(downloads) == 2  # xlsx and docx; the PDF says why instead
    assert any("LibreOffice" in w.value for w in at.warning)
    st.cache_data.clear()


# ------------------------------------------------------------------ PostgreSQL
def test_the_same_files_on_postgresql(empty_engine, backend):
    """The sample phase2_summary on PostgreSQL gives the same workbook cells and briefing text as the
    golden files made on SQLite (SQLite is covered by the golden tests)."""
    if backend != "postgresql":
        pytest.skip("SQLite is covered by test_export_golden.py")
    build_demo(empty_engine, CONF)
    s = build_case(empty_engine, "county_phase2")
    for fmt in ("xlsx", "docx"):
        assert extract(s, fmt) == json.loads(golden_path("county_phase2", fmt).read_text(encoding="utf-8"))


@pytest.mark.slow  # renders every format
def test_an_empty_database_exports_without_error(empty_engine):
    """Before any upload every figure is 无数据; every format is still written."""
    s = build_summary(empty_engine, CONF, system_viewer(empty_engine), phase=2, as_of=date(2023, 8, 31))
    assert {f["percent_text"] for f in s.figures} == {"无数据"}
    assert all(not g.rows for g in s.gaps)
    words = plain_text(briefing(s))
    assert "无数据的有：" in words and "0.0%" not in words
    wb = load_workbook(io.BytesIO(render(s, "xlsx")))
    assert wb["未开展自查企业"]["A4"].value == "无"
    doc = Document(io.BytesIO(render(s, "docx")))
    assert doc.paragraphs[0].text.startswith("东台市肉制品质量安全提升行动")


# ------------------------------------------------------------------ speed
def test_export_times_at_sample_scale(sample_county, phase2_summary, capsys):
    engine = sample_county.engine
    timings = {}
    started = time.perf_counter()
    s = build_summary(engine, CONF, system_viewer(engine), **PHASE2)
    timings["summary"] = time.perf_counter() - started
    for fmt in ("xlsx", "docx"):
        started = time.perf_counter()
        render(s, fmt)
        timings[fmt] = time.perf_counter() - started
    with capsys.disabled():
        print("\n导出用时（示例县，深入推进阶段，全市）：" +
              "，".join(f"{k} {v:.2f} 秒" for k, v in timings.items()))
    assert timings["summary"] < 15 and timings["xlsx"] < 10 and timings["docx"] < 30


def test_narrative_blocks_are_well_formed(phase2_summary):
    blocks = briefing(phase2_summary["summary"])
    for b in blocks:
        if isinstance(b, Table):
            assert all(len(r) == len(b.header) for r in b.rows) and len(b.widths) in (0, len(b.header))
        if isinstance(b, Para):
            assert "None" not in b.text and "nan" not in b.text
    assert CASES  # the golden cases exist
