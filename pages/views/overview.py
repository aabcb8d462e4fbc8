"""领导小组总览 (first version): the nine targets for the county and each sub-bureau."""
import pandas as pd
import streamlit as st

from dashboard.campaign import campaign_window
from dashboard.ui.data import campaign, target_figures

conf = campaign()
st.title(conf.name)
window = campaign_window(conf)
st.caption(f"统计区间：{window.start_date} 至 {window.end_date}（行动以来）")

figures = target_figures(None, window.start_date, window.end_date, None, True)
county = [f for f in figures if f["unit_code"] == figures[0]["unit_code"]]
cols = st.columns(3)
for i, f in enumerate(county):
    status = "无数据" if f["met"] is None else ("达标" if f["met"] else "未达标")
    cols[i % 3].metric(f["name"], f["percent_text"], f"{f['nd_text']} · 目标 {f['threshold']:.0%} · {status}",
                       delta_color="off", border=True)

st.subheader("各分局完成情况")
table = pd.DataFrame(figures).pivot_table(index="unit_name", columns="name", values="percent_text",
                                          aggfunc="first", sort=False)
st.dataframe(table, width="stretch")
