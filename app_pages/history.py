"""上报记录: every upload batch (file, unit, months, uploader, time, rows per sheet, status), the
records a batch inserted or replaced, its original file, and its rollback after a confirmation
(restoring exactly the state before it). Runs as a file too (AppTest.from_file)."""
import pandas as pd
import streamlit as st

from dashboard import access, actions
from dashboard.figures.reporting import batch_file, batch_records, upload_history
from dashboard.importer import RollbackError
from dashboard.labels import fmt_datetime
from dashboard.ui import data, session, widgets
from dashboard.ui.widgets import md

eng, viewer, ver = data.engine(), session.viewer(), data.version()
widgets.page_setup("上报记录", caption="每次确认上报都记为一批；撤销一批会把它新增的记录删除、更新过的记录恢复为上报前的内容。")
kind, message = st.session_state.pop("hist_message", (None, None))
if kind:
    (st.error if kind == "error" else st.success)(md(message))


@st.cache_data(show_spinner=False)
def history(ver) -> list[dict]:
    who = session.viewer()
    return upload_history(data.engine(), who, root=access.role_info(who.role).whole_tree)


rows = history(ver)
c1, c2, c3 = st.columns([2, 1, 2])
units = ["全部", *dict.fromkeys(r["unit_name"] for r in rows if r["unit_name"])]
unit = c1.selectbox("单位", units, key="hist_unit")
status = c2.selectbox("状态", ["全部", "已导入", "已撤销"], key="hist_status")
text = c3.text_input("文件名包含", key="hist_text").strip()
shown = [r for r in rows if (unit == "全部" or r["unit_name"] == unit)
         and (status == "全部" or r["status_text"] == status) and (not text or text in r["file_name"])]
if not shown:
    st.info("没有符合条件的上报记录。" if rows else "还没有任何上报。")
    st.stop()

table = pd.DataFrame([{"批次": r["batch_id"], "上报文件": r["file_name"], "单位": r["unit_name"] or "—",
                       "数据月份": r["months_text"], "上报人": r["uploader"],
                       "上报时间": fmt_datetime(r["uploaded_at"]), "各表行数": r["rows_text"],
                       "新增/更新": f"{r['count_inserted']}/{r['count_replaced']}",
                       "状态": r["status_text"] + (f"（{fmt_datetime(r['rolled_back_at'])} {r['rolled_back_by']}）"
                                                   if r["rolled_back_at"] else "")} for r in shown])
st.caption(f"共 {len(shown)} 批")
widgets.paper_grid(table, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420), key="hist_table",
                   column_config={"批次": st.column_config.NumberColumn(width="small"),
                                  "新增/更新": st.column_config.TextColumn(width="small")})

st.markdown("#### 查看一批")
by_id = {r["batch_id"]: r for r in shown}
pick = st.selectbox("批次", list(by_id), key="hist_pick",
                    format_func=lambda b: f"第 {b} 批｜{by_id[b]['file_name']}｜{by_id[b]['unit_name'] or '—'}"
                                          f"｜{fmt_datetime(by_id[b]['uploaded_at'])}｜{by_id[b]['status_text']}")
batch = by_id[pick]
m1, m2, m3, m4 = st.columns(4)
m1.metric("记录行数", batch["count_rows"])
m2.metric("新增记录", batch["count_inserted"])
m3.metric("更新记录", batch["count_replaced"])
m4.metric("状态", batch["status_text"])
st.markdown(f"上报人：{md(batch['uploader'])}　上报时间：{fmt_datetime(batch['uploaded_at'])}　"
         f"数据月份：{batch['months_text']}　SHA-256：`{batch['sha256'][:16]}…`")
original = batch_file(eng, pick, viewer)
if original:
    st.download_button("下载原始上报文件", original[1], file_name=original[0], key="hist_file",
                       icon=":material/download:")

changes = batch_records(eng, pick, viewer)
st.markdown(f"**本批写入的记录（{len(changes)} 条）**")
if changes:
    written = pd.DataFrame([{"工作表": c["sheet"], "记录": c["record_key"], "操作": c["change"],
                             "上报前的内容（更新的记录）": c["previous"]} for c in changes])
    widgets.paper_grid(written, hide_index=True, width="stretch", height=min(38 + 35 * len(changes), 360),
                       key="hist_changes")

if batch["status"] == "committed" and viewer.can(access.ROLLBACK):
    confirm = st.session_state.get("hist_confirm") == pick
    if not confirm and st.button("撤销本批上报…", key="hist_rollback", icon=":material/undo:"):
        st.session_state["hist_confirm"] = pick
        st.rerun()
    if confirm:
        st.warning(f"确定撤销第 {pick} 批（{md(batch['file_name'])}）吗？将删除本批新增的 {batch['count_inserted']} 条记录，"
                   f"并把本批更新的 {batch['count_replaced']} 条记录恢复为上报前的内容。撤销后可重新上报该文件。")
        b1, b2 = st.columns(2)
        if b1.button("确认撤销", type="primary", key="hist_rollback_yes"):
            st.session_state.pop("hist_confirm", None)
            try:
                actions.roll_back(eng, viewer, pick)
            except (RollbackError, PermissionError) as exc:
                st.session_state["hist_message"] = ("error", f"撤销失败：{exc}")
            else:
                data.clear_caches()
                st.session_state["hist_message"] = ("success", f"已撤销第 {pick} 批上报。")
            st.rerun()
        if b2.button("取消", key="hist_rollback_no"):
            st.session_state.pop("hist_confirm", None)
            st.rerun()
