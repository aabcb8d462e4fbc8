"""企业档案（一户一档）: find an enterprise by name or credit code (`?ent=` links straight to one) and
see its whole file — grades (and their history from every upload), 风险排查 and 一企一策 plans,
certificates, self-inspections, exams, inspections, problems and their
closure, samples, visits, star ratings, cases — every record with the upload it came from."""
import streamlit as st

from dashboard.figures.problem_state import problem_on
from dashboard.figures.records import FILE_SECTIONS
from dashboard.ui import controls, data, widgets

choice, ver = controls.current(), data.version()
widgets.page_setup("企业档案（一户一档）", choice)

controls.seed("ent_query", "q", st.query_params.get("q", ""))
text = st.text_input("企业名称或统一社会信用代码", key="ent_query", placeholder="例如：肉食品 或 91320981…")
controls.publish("q", text or None)
hits = data.search(ver, text, choice.unit_code) if text.strip() else []
credit_code = st.query_params.get("ent")
if hits:
    codes = [h["credit_code"] for h in hits]
    label = {h["credit_code"]: f"{h['name']}（{h['credit_code']}，{h['unit_name']}，{h['status']}）" for h in hits}
    controls.seed("ent_pick", "ent", credit_code if credit_code in codes else codes[0])
    if st.session_state["ent_pick"] not in codes:
        st.session_state["ent_pick"] = codes[0]
    more = "（仅列出前 50 家，请输入更完整的名称或代码）" if len(hits) >= 50 else ""
    credit_code = st.selectbox(f"找到 {len(hits)} 家企业{more}", codes, format_func=label.get, key="ent_pick")
elif text.strip():
    st.warning(f"{widgets.md(choice.unit_name)}没有名称或信用代码包含“{widgets.md(text.strip())}”的企业。")
    credit_code = None
if not credit_code:
    st.info("输入企业名称或统一社会信用代码（可只输入一部分）查找企业。")
    st.stop()
controls.publish("ent", credit_code)

file = data.enterprise(ver, credit_code)
if file is None:
    st.error("没有这家企业，或该企业不在您的管辖范围内。")
    st.stop()
e = file["enterprise"]
st.markdown(f"#### {widgets.md(e['name'])}")
widgets.facts([("统一社会信用代码", e["credit_code"]), ("所属单位", e["unit_name"]),
               ("包保干部", e["cadre_name"] or "未填写"), ("企业状态", e["status"])])
widgets.table([e], ["license_no", "is_large", "risk_grade", "credit_grade", "product_category", "address",
                    "file_name", "uploader", "uploaded_at"])
stars = file["sections"]["star_rating"]
if file["model_years"]:
    years = "、".join(f"{y}年度" for y in file["model_years"])
    st.success(f"示范企业：{years}（与上一年度连续评为三星级）")
elif stars:
    st.caption("星级评比：" + "；".join(f"{r['year']}年度{r['star']}" for r in stars) + "（尚未连续两年评为三星级）")
history = file["grade_history"]
changed = sum(h["is_changed"] for h in history)
with st.expander(f"风险等级、信用等级历史（{len(history)} 次上报，其中 {changed} 次等级有变化）"):
    widgets.table(history, ["risk_grade", "credit_grade", "is_changed", "batch_id", "file_name", "uploader",
                            "uploaded_at"], empty="没有企业名录上报记录")

BATCH = ["batch_id", "file_name", "uploader", "uploaded_at"]
sections = file["sections"]
tabs = st.tabs([f"{title}（{len(sections[t])}）" for t, title in FILE_SECTIONS.items()])
for tab, (table_name, title) in zip(tabs, FILE_SECTIONS.items()):
    with tab:
        rows = sections[table_name]
        if table_name == "problem":  # each as it stood on the chosen date
            rows = [problem_on(r, choice.as_of) for r in rows]
        cols = [k for k in (rows[0] if rows else {}) if k not in BATCH]
        widgets.table(rows, cols + BATCH, empty=f"没有{title}记录")
