"""阶段性总结导出 (实施方案 五（四）): choose a phase or a month and a unit, build the stage summary
(dashboard.exports), preview the briefing's text, tables and charts, download the Excel workbook,
the Word briefing and its PDF.

Everything goes through the signed-in viewer: the unit list is the viewer's scope (data.units) and
build_summary asks the core with that viewer, so a sub-bureau chief can only export their own unit —
this page never filters anything itself.
"""
import re

import pandas as pd
import streamlit as st

from dashboard import access, actions
from dashboard.campaign import current_phase
from dashboard.exports import MIME_TYPES, file_name
from dashboard.exports import chart_images
from dashboard.exports.blocks import Chart, Heading, Para, Table
from dashboard.exports.narrative import briefing
from dashboard.exports.render import FORMAT_LABELS
from dashboard.periods import month_key, month_label
from dashboard.ui import controls, data, session, widgets
from dashboard.ui.widgets import html_text, md

viewer = session.require(access.EXPORT)
choice, ver, conf = controls.current(), data.version(), data.campaign()
widgets.page_setup("阶段性总结导出", choice)
st.caption("按实施方案“定期组织开展阶段性总结”的要求，从已上报数据一键生成阶段（或月度）工作总结："
           "Excel 数据表、Word 总结及其 PDF。数据截至日期取左侧“数据截至”，且不晚于所选区间的结束日。")

units = data.units(ver)
names = {u["code"]: ("　" * u["depth"]) + u["name"] for u in units}
months = [k for k in controls.window_options(conf) if re.fullmatch(r"\d{4}-\d{2}", k)]
running = current_phase(conf, choice.as_of)

left, mid, right = st.columns([1, 2, 2])
kind = left.radio("区间", ["阶段", "月度"], key="exp_kind", horizontal=True)
if kind == "阶段":
    seqs = [p.seq for p in conf.phases]
    default = seqs.index(running.seq) if running else len(seqs) - 1
    phase = mid.selectbox("阶段", seqs, index=default, key="exp_phase",
                          format_func=lambda q: next(f"第{p.seq}阶段　{p.name}（{p.start_date} 至 {p.end_date}）"
                                                     for p in conf.phases if p.seq == q))
    month = None
else:
    key = month_key(choice.as_of)
    month = mid.selectbox("月份", months, index=months.index(key) if key in months else len(months) - 1,
                          key="exp_month", format_func=month_label)
    phase = None
unit_codes = list(names)
unit = right.selectbox("单位", unit_codes, format_func=names.get, key="exp_unit",
                       index=unit_codes.index(choice.unit_code) if choice.unit_code in unit_codes else 0)

request = (ver, kind, phase, month, unit, choice.as_of)
result = st.session_state.get("export_result")
if result is not None and result["request"] != request:
    result = None

if st.button("生成阶段性总结", type="primary", key="exp_build", icon=":material/summarize:"):
    bar = st.progress(0.0, text="正在汇总数据…")
    try:
        made = actions.export(data.engine(), viewer, conf, formats=("xlsx", "docx", "pdf"), phase=phase,
                              month=month, unit=unit, as_of=choice.as_of, progress=lambda f, t: bar.progress(f, text=t))
    except (ValueError, KeyError) as exc:
        bar.empty()
        st.warning(md(str(exc).strip("'\"")))
        st.stop()
    bar.progress(1.0, text="已生成")
    bar.empty()
    result = {"request": request, "summary": made.summary, "files": made.files, "problems": made.problems}
    st.session_state["export_result"] = result

if result is None:
    st.info("选择区间和单位后，点击“生成阶段性总结”。")
    st.stop()

summary, files, problems = result["summary"], result["files"], result["problems"]
st.markdown(f"#### 下载　<small>{html_text(summary.unit_name)}｜{html_text(summary.window.label)}｜数据截至 {summary.as_of}"
            f"｜生成于 {summary.generated_at:%Y-%m-%d %H:%M}</small>", unsafe_allow_html=True)
cols = st.columns(3)
for col, fmt in zip(cols, ("xlsx", "docx", "pdf")):
    with col:
        if fmt in files:
            st.download_button(f"下载{FORMAT_LABELS[fmt]}（.{fmt}）", files[fmt], file_name=file_name(summary, fmt),
                               mime=MIME_TYPES[fmt], key=f"exp_dl_{fmt}", icon=":material/download:",
                               on_click="ignore", width="stretch")
            st.caption(f"{len(files[fmt]) // 1024} KB")
        else:
            st.warning(md(problems.get(fmt, "未生成")))

if not chart_images.available():
    st.info("本机未安装 vl-convert-python：Word 总结中的图表以文字说明代替。")

st.markdown("#### 总结预览")
with st.container(border=True):
    for b in briefing(summary):
        if isinstance(b, Heading):
            st.markdown(("### " if b.level == 0 else "##### ") + md(b.text))
        elif isinstance(b, Para):
            lead = f"**{md(b.lead)}** " if b.lead else ""  # the space: CommonMark will not close ** between 。 and a letter
            if b.align == "center":
                st.markdown(f"<div style='text-align:center'>{html_text(b.text)}</div>", unsafe_allow_html=True)
            elif b.align == "right":
                st.markdown(f"<div style='text-align:right'>{html_text(b.text)}</div>", unsafe_allow_html=True)
            elif b.style == "note":
                st.caption(md(b.text))
            else:
                st.markdown(lead + md(b.text))
        elif isinstance(b, Table):
            st.markdown(f"**{md(b.caption)}**")
            frame = pd.DataFrame(b.rows, columns=b.header)
            st.dataframe(frame, hide_index=True, width="stretch")
            if b.note:
                st.caption(md(b.note))
        elif isinstance(b, Chart):
            st.altair_chart(chart_images.chart_for(summary, b.key), width="stretch")
            st.caption(md(b.caption))
