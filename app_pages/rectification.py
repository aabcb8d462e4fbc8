"""问题整改: open / closed / overdue problems by unit and source, ageing of the open ones, the ones
closed late, and every case with its deadline and days overdue."""
import streamlit as st

from dashboard.figures.breakdowns import ageing_counts, problem_counts_by
from dashboard.figures.measures import first_measure
from dashboard.ui import controls, data, widgets

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
widgets.page_setup("问题整改", choice)
target = first_measure(conf, "closure")  # the campaign's rectification rate
figs = [f for f in data.figures(ver, sel, True)
        if target and f["target"] == target.code]
rows = data.problems(ver, sel)
overdue = data.overdue(ver, sel)

left, right = st.columns([1, 2])
with left:
    widgets.figure_cards(figs[:1], columns=1)
    widgets.exception_cards([("逾期未整改（任何来源）", len(overdue), "件")])
    st.caption("整改率只计“监督检查”发现的问题；逾期统计所有来源。")
with right:
    by_unit = problem_counts_by(rows, "unit_name")
    st.markdown("**按单位**")
    if by_unit:
        widgets.chart("stacked_status", by_unit, "unit_name", "单位", width="stretch")
    else:
        st.info("本期没有发现问题。")

COUNTS = ["count_total", "count_closed", "count_open", "count_overdue", "count_closed_late"]
c1, c2 = st.columns(2)
with c1:
    st.markdown("#### 按单位")
    widgets.table(by_unit, ["unit_name", *COUNTS], empty="本期没有发现问题")
    st.markdown("#### 按问题来源")
    widgets.table(problem_counts_by(rows, "source"), ["source", *COUNTS], empty="本期没有发现问题")
with c2:
    st.markdown("#### 未整改问题账龄（自发现之日起）")
    widgets.chart("count_bars", ageing_counts(rows), "ageing", "账龄", "count_open", "未整改件数", width="stretch")

late = [r for r in rows if r["is_closed_late"]]
st.markdown(f"#### 超期完成整改（{len(late)} 件）")
widgets.table(late, ["unit_name", "name", "problem_no", "source", "deadline_date", "closed_date", "days_late"],
              empty="没有超期完成的问题")

st.markdown(f"#### 问题清单（{len(rows)} 件，逾期在前）")
states = st.multiselect("整改状态", ["逾期未整改", "整改中", "已整改"], default=["逾期未整改", "整改中", "已整改"],
                        key="rect_states")
widgets.table([r for r in rows if r["state"] in states],
              ["unit_name", "name", "cadre_name", "problem_no", "source", "description", "found_date",
               "deadline_date", "closed_date", "state", "problem_status", "days_overdue", "file_name", "uploader", "uploaded_at"],
              empty="没有符合条件的问题", height=420)
widgets.provenance(figs, sel, key="problems")
