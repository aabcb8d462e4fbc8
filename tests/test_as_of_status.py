"""A problem's status as it stood on the as-of date, everywhere it is shown.

ZGDT02-2023-0075 of the sample county (开发区分局, 东台市东台镇万鑫肉制品加工厂, 监督检查) was found
on 2023-08-09, due 2023-08-24 and closed (已整改) on 2023-09-01. Looking at 2023-08-31 it was open
and 7 days overdue: every place says so, and the later closing only as such.
"""
from __future__ import annotations

import io
from datetime import date

from docx import Document
from openpyxl import load_workbook

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign, phase_window
from dashboard.db import get_engine
from dashboard.exports import build_summary, render
from dashboard.exports.xlsx import TARGETS_SHEET
from dashboard.figures.breakdowns import problem_rows
from dashboard.figures.gaps import missing_enterprises
from dashboard.figures.problem_state import problem_on
from dashboard.figures.records import figure_members
from dashboard.figures.selection import select
from dashboard.figures.targets import overdue_problems

from tests.test_export import need_soffice, pdftotext, squash
from tests.test_pages import cards, open_page

CONF = load_campaign()
AS_OF = date(2023, 8, 31)
NO = "ZGDT02-2023-0075"
STATUS = "8月31日未整改（已超期），9月1日已整改"


def test_problem_on_reads_the_status_of_the_day():
    r = {"found_date": date(2023, 8, 9), "deadline_date": date(2023, 8, 24),
         "closed_date": date(2023, 9, 1), "review_result": "已整改"}
    before = problem_on(r, AS_OF)
    assert (before["state"], before["review_result"], before["closed_date"], before["closed_later_date"],
            before["problem_status"]) == ("逾期未整改", "未整改", None, date(2023, 9, 1), STATUS)
    on_time = problem_on(r, date(2023, 8, 20))
    assert on_time["state"] == "整改中" and on_time["problem_status"] == "8月20日未整改，9月1日已整改"
    after = problem_on(r, date(2023, 9, 30))
    assert (after["state"], after["review_result"], after["problem_status"]) == ("已整改", "已整改", "9月1日已整改")
    still = problem_on({**r, "closed_date": None, "review_result": "整改中"}, AS_OF)
    assert still["problem_status"] == "整改中（已超期）" and still["closed_later_date"] is None
    assert problem_on(r, date(2023, 8, 1))["state"] == "统计日后发现"


def test_every_place_shows_the_status_of_the_as_of_date(sample_county_env):
    eng = get_engine(sample_county_env)
    viewer, window = system_viewer(eng), phase_window(CONF, 2)
    # the core: gap list, provenance, problem list, overdue list
    sel = select(eng, CONF, viewer, unit="DT02", window=window, as_of=AS_OF)
    gap = [r for r in missing_enterprises(eng, sel, target="rectification") if r["problem_no"] == NO]
    assert [(r["reason"], r["review_result"], r["closed_date"]) for r in gap] == [(STATUS, "未整改", None)]
    members = [r for r in figure_members(eng, sel, target="rectification") if r["member_label"].startswith(NO)]
    assert [(r["is_numerator"], r["evidence_label"], r["evidence_date"]) for r in members] == [(0, STATUS, None)]
    listed = [r for r in problem_rows(eng, sel) if r["problem_no"] == NO]
    assert [(r["state"], r["days_overdue"], r["is_closed_late"]) for r in listed] == [("逾期未整改", 7, False)]
    overdue = [r for r in overdue_problems(eng, sel) if r["problem_no"] == NO]
    assert [(r["days_overdue"], r["problem_status"]) for r in overdue] == [(7, STATUS)]

    # the workbook's 监督检查问题未整改 sheet: no row reads 未整改完成（已整改）
    s = build_summary(eng, CONF, viewer, phase=2, unit="DT02", as_of=AS_OF)
    wb = load_workbook(io.BytesIO(render(s, "xlsx")))
    rows = [r for r in wb["监督检查问题未整改"].iter_rows(min_row=4, values_only=True) if r[4] == NO]
    assert len(rows) == 1 and rows[0][-1] == STATUS
    cells = [str(c) for row in wb["监督检查问题未整改"].iter_rows(values_only=True) for c in row]
    assert not any("已整改" in c and "未整改" in c and "日已整改" not in c for c in cells)
    # the briefing lists it among the overdue, 7 days
    doc = Document(io.BytesIO(render(s, "docx")))
    table = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert any("东台市东台镇万鑫肉制品加工厂" in row and row[-1] == "7" for row in table)

    # the pages: the sub-bureau board's missing list and problems, the rectification page's list
    at = open_page("sub_bureau", unit="DT02", window="phase2", as_of=AS_OF.isoformat())
    frames = [d.value for d in at.dataframe]
    shown = [row for f in frames if "问题编号" in f.columns for row in f.to_dict("records")
             if row["问题编号"] == NO]
    assert shown and {row.get("原因") or row.get("整改情况") for row in shown} == {STATUS}
    assert not any("（已整改）" in str(v) for f in frames for v in f.to_numpy().ravel())
    at = open_page("rectification", unit="DT02", window="phase2", as_of=AS_OF.isoformat())
    shown = [row for d in at.dataframe if "问题编号" in d.value.columns for row in d.value.to_dict("records")
             if row["问题编号"] == NO]
    assert shown and all(row["整改情况"] == STATUS and row["整改完成日期"] in ("", None) for row in shown)


def test_page_workbook_briefing_and_pdf_agree(sample_county_env, tmp_path):
    """开发区分局, 深入推进阶段, as of 2023-08-31: the same thirteen figures on the sub-bureau board, in the
    workbook, the briefing and its PDF, and the same overdue problem (7 days) in each export."""
    eng = get_engine(sample_county_env)
    s = build_summary(eng, CONF, system_viewer(eng), phase=2, unit="DT02", as_of=AS_OF)
    expected = [(f["name"], f["percent_text"], f["nd_text"]) for f in s.unit_figures]
    assert len(expected) == 13
    at = open_page("sub_bureau", unit="DT02", window="phase2", as_of=AS_OF.isoformat())
    assert cards(at)[:13] == expected
    wb = load_workbook(io.BytesIO(render(s, "xlsx")))
    rows = {r[1]: r for r in wb[TARGETS_SHEET].iter_rows(min_row=3, values_only=True) if r[0] == "开发区分局"}
    assert [(n, f"{rows[n][2]}/{rows[n][3]}") for n, _, _ in expected] == [(n, nd) for n, _, nd in expected]
    docx = render(s, "docx")
    table = [[c.text for c in row.cells] for t in Document(io.BytesIO(docx)).tables for row in t.rows]
    assert [(r[1], r[4], r[3]) for r in table[1:14]] == expected
    overdue = next(r for r in table if "东台市东台镇万鑫肉制品加工厂" in r)
    assert overdue[-1] == "7"
    need_soffice()
    layer = squash(pdftotext(render(s, "pdf", docx=docx), tmp_path))
    for name, percent, nd in expected:  # a 0/0 figure prints 无数据 alone
        assert squash(f"{percent}（{nd}）" if nd != "0/0" else percent) in layer, name
    assert squash("东台市东台镇万鑫肉制品加工厂") in layer
