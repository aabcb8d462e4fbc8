"""阶段进展: each phase of section 四 — its dates, its work items, the figures at its end — and a
phase-by-phase comparison per unit."""
import streamlit as st

from dashboard.periods import Window
from dashboard.ui import controls, data, widgets
from dashboard.ui.widgets import md

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
widgets.page_setup("阶段进展", choice)
widgets.chart("phase_timeline", conf.phases, choice.as_of, width="stretch")


def phase_figures(phase, by_unit=False):
    """The figures at the phase's end (or as_of while it runs); [] before it starts."""
    if phase.start_date > choice.as_of:
        return []
    return data.figures(ver, sel.at(Window(phase.start_date, phase.end_date, phase.name),
                                    as_of=min(phase.end_date, choice.as_of)), by_unit)


compare_rows = []
for phase in conf.phases:
    running = phase.start_date <= choice.as_of <= phase.end_date
    state = "进行中" if running else ("已结束" if phase.end_date < choice.as_of else "未开始")
    with st.container(border=True):
        st.markdown(f"#### 第{phase.seq}阶段　{phase.name}　<small>{phase.start_date} 至 {phase.end_date}"
                    f"（{state}）</small>", unsafe_allow_html=True)
        left, right = st.columns([2, 3])
        with left:
            st.markdown("**工作任务（实施方案第四部分）**")
            st.markdown("\n".join(f"{i}. {md(item.text)}（{md(item.owner)}，{item.deadline} 前）"
                                  for i, item in enumerate(phase.work_items, 1)))
        with right:
            figs = phase_figures(phase)
            if not figs:
                st.info(f"本阶段尚未开始（数据截至 {choice.as_of}）。")
                continue
            st.markdown(f"**{'截至 ' + str(choice.as_of) if running else '阶段末'}指标（{choice.unit_name}）**")
            widgets.figure_cards(figs, columns=3)
        compare_rows += [{**f, "phase": f"第{phase.seq}阶段"} for f in phase_figures(phase, True)]

st.markdown("#### 分阶段对比")
if compare_rows:
    names = {f["target"]: f["name"] for f in compare_rows}
    target = st.selectbox("指标", list(names), format_func=names.get, key="phase_target")
    picked = [f for f in compare_rows if f["target"] == target]
    widgets.status_matrix(picked, row_key="unit_name", col_key="phase")
    widgets.legend()
    st.markdown(f"**{choice.unit_name}：各指标分阶段**")
    widgets.chart("phase_comparison", [f for f in compare_rows if f["unit_code"] == choice.unit_code], width="content",
                  narrow={"columns": 1})
    last = max((f for f in compare_rows), key=lambda f: f["phase"])["phase"]
    widgets.provenance([f for f in compare_rows if f["phase"] == last], sel, key="phases")
else:
    st.info("尚无已开始的阶段。")
