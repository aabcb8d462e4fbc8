"""分局看板: one parameterised page for every sub-bureau (`?unit=DT03`): its nine targets with the
trend by month, for each target below 100 % who is still missing (with their 包保干部), and its
open and overdue problems."""
import streamlit as st

from dashboard.figures.breakdowns import split_failed_items
from dashboard.labels import short_of
from dashboard.ui import controls, data, widgets

choice, ver = controls.current(), data.version()
sel = controls.selection()
units = data.units(ver)
if choice.is_root and any(u["parent_code"] is not None for u in units):  # a chief's own unit is its board
    widgets.page_setup("分局看板", choice)
    st.info("请选择一个分局（或在左侧“单位”中选择）：")
    cols = st.columns(4)
    for i, u in enumerate(u for u in units if u["parent_code"] is not None):
        cols[i % 4].page_link("app_pages/sub_bureau.py", label=u["name"], icon=":material/apartment:",
                              query_params={"unit": u["code"], "window": choice.window_key,
                                            "as_of": choice.as_of.isoformat()})
    st.stop()

widgets.page_setup(f"分局看板 · {choice.unit_name}", choice)
figs = data.figures(ver, sel)
conf = data.campaign()
widgets.figure_cards(figs, owners={t.code: t.owner for t in conf.targets})

# ---------------------------------------------------------------- still missing, by target
short = [f for f in figs if f["value"] is not None and f["value"] < 1]
st.markdown(f"#### 未达 100% 的指标：还缺哪些（{len(short)} 项）")
if not short:
    st.success("各项指标均已达到 100%（或无数据）。")
else:
    # the tab says what the card says (还差 N to the target, labels.short_of); the list holds every
    # member outside the numerator, and only those still needing action are to be followed up
    tabs = st.tabs([f"{f['name']}（{'已达标' if f['met'] else f'还差 {short_of(f)}'}）" for f in short])
    for tab, f in zip(tabs, short):
        with tab:
            rows = data.missing(ver, sel, f["target"])
            rows = [{**r, "reason": "抽检不合格：" + split_failed_items(r["failed_items"])}
                    if r.get("failed_items") else r for r in rows]
            extra = [c for c in ("person_name", "post", "problem_no", "description", "deadline_date",
                                 "sample_no", "food_name", "disposal_status") if rows and c in rows[0]]
            columns = ["name", "credit_code", "cadre_name", *extra, "reason"]
            done = [r for r in rows if r.get("disposal_status") == "已完成"]  # 不合格, already disposed of
            todo = [r for r in rows if r.get("disposal_status") != "已完成"]
            note = data.gap_note(ver, sel, f["target"])  # a count of records lists nobody: say why
            st.caption(note or f"{f['name']}：{f['figure_text']}，{widgets.gap_text(f)}。以下 {len(todo)} 个尚未计入分子"
                       + ("，请督促包保干部跟进。" if todo else "。"))
            st.caption(f"责任科室：{widgets.md(conf.owner_of(f['target']))}")
            if todo:
                widgets.table(todo, columns, key=f"missing_{f['target']}")
            if done:
                st.caption(f"另有 {len(done)} 批不合格产品已完成核查处置（不计入合格批次，无需再跟进）：")
                widgets.table(done, columns, key=f"missing_{f['target']}_done")

# ---------------------------------------------------------------- trend by month
points = data.trajectory(ver, sel)
with st.container(key="printpage_trend"):  # printed on a page of its own, heading with the chart
    st.markdown("#### 各指标逐月走势（行动以来累计，虚线为按进度应达）")
    widgets.chart("trend_small_multiples", points, width="content", narrow={"columns": 1})
with st.expander("逐月数据表"):
    st.dataframe(widgets.trend_frame(points), hide_index=True, width="stretch")

# ---------------------------------------------------------------- problems
problems = [p for p in data.problems(ver, sel)
            if p["state"] != "已整改"]
overdue = [p for p in problems if p["state"] == "逾期未整改"]
st.markdown(f"#### 未整改问题（{len(problems)} 件，其中逾期 {len(overdue)} 件）")  # printed with its table
widgets.table(problems, ["name", "cadre_name", "problem_no", "source", "description", "found_date",
                         "deadline_date", "problem_status", "days_overdue"], empty="没有未整改的问题")
widgets.provenance(figs, sel, key="sub_bureau")
