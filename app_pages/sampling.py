"""监督抽检: the sampling pass rate by unit and month (the target engine's figures), by food category
and hazard class, and the unqualified batches with their items and disposal status."""
import streamlit as st

from dashboard.periods import Window
from dashboard.figures.breakdowns import pass_rate_by, split_failed_items
from dashboard.figures.measures import first_measure
from dashboard.ui import controls, data, widgets

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
widgets.page_setup("监督抽检", choice)
target = first_measure(conf, "pass_rate", record="监督抽检")  # the campaign's sampling pass rate
code = target.code if target else None
figs = [f for f in data.figures(ver, sel, True)
        if f["target"] == code]
own = [f for f in figs if f["unit_code"] == choice.unit_code]
rows = data.sampling(ver, sel)
threshold = own[0]["threshold"] if own else None
left, right = st.columns([1, 2])
with left:
    widgets.figure_cards(own, columns=1)
    st.caption(f"风险监测批次不计入合格率（本期 {sum(not r['is_counted'] for r in rows)} 批）。")
with right:
    if len(figs) > 1:
        st.markdown("**按单位**")
        widgets.chart("rate_bars", [{"unit_name": f["unit_name"], "value": f["value"],
                                           "pass_text": f["percent_text"], "nd_text": f["nd_text"]}
                                          for f in figs[1:]], "unit_name", "单位", threshold=threshold, width="stretch")

st.markdown("#### 按月份")
months = [m for k, m in controls.window_options(conf).items()
          if k[:4].isdigit() and m.end_date >= choice.start and m.start_date <= choice.end]
monthly = [{**f, "month": m.label} for m in months
           for f in data.figures(ver, sel.at(Window(max(m.start_date, choice.start), min(m.end_date, choice.end), m.label),
                                             as_of=min(m.end_date, choice.as_of))) if f["target"] == code]
widgets.status_matrix([{**f, "unit_name": choice.unit_name} for f in monthly], row_key="month",
                      col_key="unit_name", row_title="月份")



def rate_breakdown(key: str, title: str) -> None:
    by = pass_rate_by(rows, key)
    if by:
        widgets.chart("rate_bars", by, key, title, threshold=threshold, width="stretch")
    else:  # a period before the first batch: say so rather than draw empty axes
        st.info("本期没有监督抽检批次。")


c1, c2 = st.columns(2)
with c1:
    st.markdown("#### 按食品类别")
    rate_breakdown("food_category", "食品类别")
with c2:
    st.markdown("#### 按检验项目类别")
    rate_breakdown("hazard_class", "检验项目类别")
    st.caption("一个批次检验多类项目时，在每一类中各计一次。")

failed = [{**r, "failed_items": split_failed_items(r["failed_items"]),
           "disposal_status": r["disposal_status"] or "未处置"} for r in rows if r["verdict"] != "合格"]
st.markdown(f"#### 不合格批次（{len(failed)} 批）")
widgets.table(failed, ["unit_name", "name", "sample_no", "food_name", "food_category", "sampling_date",
                       "task_source", "hazard_classes", "failed_items", "disposal_status", "lab_name",
                       "file_name", "uploader", "uploaded_at"], empty="本期没有不合格批次")
widgets.provenance(figs, sel, key="sampling")
