"""月报上报: download a template, upload one or more workbooks, see the dry run (rows per sheet, new
vs replaced records, ignored sheets, every error with an annotated copy of the workbook), then
confirm to commit. Runs as a file too (AppTest.from_file) with DASHBOARD_DB_URL set."""
import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import access, actions, annotate, templates
from dashboard.periods import month_keys, month_label
from dashboard.importer.load import error_text
from dashboard.ui import data, session, widgets
from dashboard.ui.widgets import md

viewer = session.require(access.UPLOAD)
eng, conf, ver = data.engine(), data.campaign(), data.version()
TABLE_ROWS = 100  # up to this many errors are shown as a wrapping table, more in a scrolling grid
st.markdown("### 月报上报")
st.caption(f"{conf.name}｜每月 {conf.on_time_day} 日前上报上月月报。先试运行校验，确认无误后再写入；"
           "一个工作簿只要有一处错误，就整个不写入。")


@st.cache_data(show_spinner=False, max_entries=64)
def template(ver, sheet: str | None, unit: str, month: str, name: str) -> bytes:
    return templates.build_template(sheet, engine=data.engine(), unit=unit, month=month, viewer=session.viewer(),
                                    campaign_name=name)


with st.expander("① 下载填报模板（由数据契约自动生成：下拉选项、日期格式、本单位企业已预填）", expanded=False):
    units = data.units(ver)
    months = month_keys(conf.start_date, min(conf.end_date, date.today()))
    c1, c2, c3 = st.columns(3)
    unit = c1.selectbox("填报单位", [u["code"] for u in units], key="tpl_unit",
                        format_func=lambda c: next(u["name"] for u in units if u["code"] == c))
    month = c2.selectbox("月份", months[::-1], format_func=month_label, key="tpl_month")
    sheet = c3.selectbox("工作表", [None, *templates.sheet_names()], key="tpl_sheet",
                         format_func=lambda s: "全部工作表（含填报说明）" if s is None else s)
    unit_name = next(u["name"] for u in units if u["code"] == unit)
    st.download_button("下载模板", template(ver, sheet, unit, month, conf.name), icon=":material/download:",
                       file_name=templates.template_file_name(sheet, unit_name, month), key="tpl_download",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.markdown("#### ② 上传工作簿")
uploader = viewer.username
st.caption(f"上报账号：{md(viewer.username)}（{viewer.role_label}）；只能上报本单位辖区内企业的数据。")
round_ = st.session_state.setdefault("up_round", 0)
widgets.uploader_in_chinese(annotate.upload_limit_mb())
picked = st.file_uploader(f"选择月报工作簿（.xlsx，可多选，每个不超过 {annotate.upload_limit_mb():g} MB）",
                          accept_multiple_files=True, key=f"up_files_{round_}")
# A corrected file uploaded under the name of one already in the list replaces it: the list keeps
# the newest file of each name (carried over a fresh uploader, so the old one leaves the list too).
kept = st.session_state.get("up_kept", {})
newest = {**kept, **{f.name: f.getvalue() for f in picked or []}}
if picked and (len({f.name for f in picked}) < len(picked) or set(kept) & {f.name for f in picked}):
    st.session_state["up_kept"] = newest
    st.session_state["up_round"] = round_ + 1
    st.rerun()
if kept:
    st.text("已选文件（同名文件以最后上传的为准）：" + "、".join(kept))  # names as plain text
    if st.button("清空已选文件", key="up_clear"):
        st.session_state["up_kept"] = {}
        st.session_state["up_round"] = round_ + 1
        st.rerun()
files = list(newest.items())

if files:
    st.session_state.pop("up_done", None)
for done in st.session_state.get("up_done", []):
    (st.success if done["status"] == "imported" else st.info)(md(done["text"]))


def dry_run(name: str, content: bytes) -> dict:
    """The dry run of one file, memoised per (file, data version) in the session."""
    key = (name, hashlib.sha256(content).hexdigest(), ver)
    runs = st.session_state.setdefault("up_runs", {})
    if key not in runs:
        runs[key] = annotate.checked_dry_run(eng, content, name, uploader=uploader, viewer=viewer)
    return runs[key]


ready = []
if files:
    progress = st.progress(0.0, text="正在读取并校验…")
    for i, (name, content) in enumerate(files):
        progress.progress(i / len(files), text=f"正在读取并校验 {md(name)}（{i + 1}/{len(files)}）…")
        refusal = annotate.upload_refusal(name, len(content))
        st.markdown(f"##### {md(name)}")
        if refusal:
            st.error(md(refusal))
            continue
        run = dry_run(name, content)
        if "failed" in run:
            st.error(md(run["failed"]))
            continue
        result = run["result"]
        if result.status == "unchanged":
            st.info(f"该文件此前已导入（第 {result.batch_id} 批），内容完全相同，无需重复上报。")
            continue
        if result.status == "rejected":
            st.error(f"未通过校验：发现 {len(result.errors)} 处错误，该工作簿不会写入任何数据。请改正后重新上传。")
        else:
            st.success(md(annotate.passed_text(result)))
            ready.append((name, content))
        sheets = annotate.sheet_rows(result)
        if sheets:
            st.dataframe(pd.DataFrame(sheets), hide_index=True, width="stretch")
        if result.rows and result.status != "rejected":
            st.dataframe(pd.DataFrame(annotate.change_rows(result)), hide_index=True, width="stretch")
        if result.errors:
            errors = pd.DataFrame(annotate.error_rows(result.errors))
            errors["行号"] = errors["行号"].map(lambda r: "" if pd.isna(r) else str(int(r)))
            if len(errors) <= TABLE_ROWS:  # a static table wraps long reasons: every word readable
                st.table(errors.map(md).style.hide(axis="index"))  # st.table reads Markdown
            else:
                st.dataframe(errors, hide_index=True, width="stretch", height=460, key=f"up_errors_{i}",
                             column_config={"错误原因": st.column_config.TextColumn(width="large")})
                st.caption(f"共 {len(errors)} 处错误：可滚动查看，或下载下方的错误清单。")
            st.download_button("下载错误清单（文本）", "\n".join(error_text(e) for e in result.errors),
                               file_name=f"错误清单_{name}.txt", key=f"up_errtxt_{i}")
        if result.warnings:
            st.warning(f"{len(result.warnings)} 处提示：企业名称与统一社会信用代码登记的企业不一致，"
                       "请核对是否选错了企业（提示不影响导入）。")
            st.table(pd.DataFrame(annotate.error_rows(result.warnings)).map(md).style.hide(axis="index"))  # st.table reads Markdown
        if run["annotated"]:
            what = "错误和提示的工作簿（错误标红、提示标黄，并附批注）" if result.warnings else \
                "错误的工作簿（错误单元格标红并附批注）"
            st.download_button(f"下载标注了{what}", run["annotated"],
                               file_name=f"错误标注_{name}", key=f"up_annot_{i}", icon=":material/download:",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    progress.empty()

if ready:
    st.markdown("#### ③ 确认上报")
    skipped = len(files) - len(ready)
    note = f"（另有 {skipped} 个文件未通过校验或无需上报，不会写入）" if skipped else ""
    if st.button(f"确认上报 {len(ready)} 个工作簿{note}", type="primary", key="up_confirm"):
        done = []
        with st.spinner("正在写入…"):
            for name, content in ready:
                result = actions.upload(eng, viewer, content, uploader=uploader, file_name=name)
                text = f"{name}：已上报，第 {result.batch_id} 批（" + "，".join(
                    f"{s} {n} 行" for s, n in result.rows.items()) + "）" if result.status == "imported" \
                    else f"{name}：{result.to_text()}"
                done.append({"status": result.status, "text": text})
        data.clear_caches()
        st.session_state["up_done"] = done
        st.session_state["up_runs"] = {}
        st.session_state["up_kept"] = {}
        st.session_state["up_round"] = round_ + 1  # a fresh uploader: the files are in
        st.rerun()
