"""上报完整性: sub-bureau × month — reported on time, late, missing (overall and per sheet), and each
unit's completeness and on-time rate (dashboard.figures.reporting, the function the overview can call
too). Runs as a file too (AppTest.from_file)."""
import pandas as pd
import streamlit as st

from dashboard.figures.reporting import SHEETS, REPORT_STATUS_COLOURS, cell_text, due_date, reporting_completeness
from dashboard.labels import percent_text
from dashboard.periods import month_label
from dashboard.ui import controls, data, widgets

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
widgets.page_setup("上报完整性与及时性", choice)


@data.cached()
def completeness(ver, sel):
    return reporting_completeness(data.engine(), sel)


c = completeness(ver, sel)
if not c.months:
    st.info("所选区间在数据截至日期之后，还没有应报的月份。")
    st.stop()
st.caption(f"按时：该月月报在次月 {c.on_time_day} 日（含）前上报；迟报：之后才上报；未报：已过期限仍未上报；"
           "待报：尚未到上报期限。月报指一次上报中至少五分之一的记录日期在该月；单元格中的日期为上报日期。")

st.markdown("#### 各单位完整率与按时率")
summary = pd.DataFrame([{"单位": s["unit_name"], "应报月数": s["months_due"], "已报": s["months_reported"],
                         "按时": s["months_on_time"], "迟报": s["months_late"], "未报": s["months_missing"],
                         "完整率": percent_text(s["months_reported"], s["months_due"]),
                         "按时率": percent_text(s["months_on_time"], s["months_due"])} for s in c.summary])
widgets.paper_grid(summary, hide_index=True, width="stretch", key="cmp_summary")


def matrix(rows: list[dict], title: str) -> None:
    """Unit × month, each cell 按时（6月3日）/ 迟报 / 未报 / 待报, coloured by status."""
    units = [u["name"] for u in c.units]
    columns = [month_label(m) for m in c.months]
    text = pd.DataFrame("", index=units, columns=columns)
    style = pd.DataFrame("", index=units, columns=columns)
    for r in rows:
        fg, bg = REPORT_STATUS_COLOURS[r["status"]]
        text.loc[r["unit_name"], month_label(r["month"])] = cell_text(r)
        style.loc[r["unit_name"], month_label(r["month"])] = f"background-color:{bg};color:{fg}"
    text.index.name = title
    st.dataframe(text.style.apply(lambda _: style, axis=None), width="stretch",
                 height=min(38 + 35 * len(units), 520))


st.markdown("#### 单位 × 月份：月报是否按时上报")
legend = " ".join(f'<span style="background:{bg};color:{fg};padding:0 6px;border-radius:4px">{s}</span>'
                  for s, (fg, bg) in REPORT_STATUS_COLOURS.items())
st.markdown("图例：" + legend, unsafe_allow_html=True)
matrix(c.months_status, "单位")

st.markdown("#### 分工作表查看")
sheet = st.selectbox("工作表", list(SHEETS), key="cmp_sheet")
matrix([r for r in c.cells if r["sheet"] == sheet], "单位")
st.caption(f"“{sheet}”：该月有记录（按记录日期）即为已报，上报时间取这些记录最早到达的一次上报。"
           "供应商评价、食安员抽考、违法案件等并非每月都有记录，未报不一定是缺报。")

with st.expander("明细（单位 × 月份 × 工作表）"):
    st.dataframe(pd.DataFrame([{"单位": r["unit_name"], "月份": month_label(r["month"]), "工作表": r["sheet"],
                                "状态": r["status"], "记录数": r["record_count"],
                                "上报时间": r["arrived_at"].strftime("%Y-%m-%d %H:%M") if r["arrived_at"] else "",
                                "上报期限": due_date(r["month"], c.on_time_day).isoformat()}
                               for r in c.cells]), hide_index=True, width="stretch", key="cmp_detail")
