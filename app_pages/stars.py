"""星级评比: for a year, each unit's enterprises at each 星级 (一星级 规范企业, 二星级 标准企业, 三星级 优秀企业,
未评上), the unit's distribution in every year, and the 示范企业 — 三星级 two years running — as the
award list for 授牌表彰 (dashboard.figures.star_ratings; docs/indicators.md "星级评比")."""
import streamlit as st

from dashboard.labels import label
from dashboard.ui import controls, data, widgets

choice, sel, ver = controls.current(), controls.selection(), data.version()
widgets.page_setup("星级评比", choice)
years = [r["year"] for r in data.star_table(ver, sel, choice.as_of.year)["by_year"]]
controls.seed("stars_year", "year", choice.as_of.year)
if st.session_state["stars_year"] not in years:
    st.session_state["stars_year"] = choice.as_of.year
year = st.columns([1, 3])[0].selectbox("评比年度", years, key="stars_year", format_func=lambda y: f"{y}年度")
controls.publish("year", str(year))
t = data.star_table(ver, sel, year)
own = t["by_unit"][0]

COUNTS = ["count_star1", "count_star2", "count_star3", "count_unrated"]
for col, key in zip(st.columns(5), [*COUNTS, "count_model"]):
    col.metric(label(key), f"{own[key]}/{own['count_total']} 家" if key != "count_model" else f"{own[key]} 家")
st.caption(f"{choice.unit_name}{year}年度参评企业 {own['count_total']} 家（各星级为“n/参评企业数”）；示范企业：{year - 1}、"
           f"{year}年度连续评为三星级的企业。按企业所属单位汇总，不论企业目前状态。")

st.markdown(f"#### {year}年度各单位星级分布")
widgets.table(t["by_unit"], ["unit_name", *COUNTS, "count_total", "count_model"])
st.markdown(f"#### {widgets.md(choice.unit_name)}历年星级分布")
widgets.table(t["by_year"], ["year", *COUNTS, "count_total", "count_model"])

st.markdown(f"#### {year}年度示范企业（授牌表彰名单，{len(t['models'])} 家）")
widgets.table(t["models"], ["unit_name", "name", "credit_code", "previous_score", "score", "status",
                            "file_name", "uploader", "uploaded_at"],
              empty=f"{year}年度没有连续两年评为三星级的企业")
if t["models"]:
    st.markdown("获授牌企业：" + "、".join(widgets.md(m["name"]) for m in t["models"]) + "。")
with st.expander(f"{year}年度全部评比结果（{len(t['ratings'])} 家）"):
    widgets.table(t["ratings"], ["unit_name", "name", "credit_code", "score", "star", "status",
                                 "file_name", "uploader", "uploaded_at"], paper=False)
