"""工作任务台账: the campaign's own work items (责任科室, 完成期限, the office's status) and each unit's
uploaded 工作任务 rows, overdue first, grouped by 责任科室 and by unit, each count as n of how many
(dashboard.figures.work_ledger). The leadership group's office marks a campaign work item's status here
(dashboard.actions.mark_work_item: permission, one transaction, audit row)."""
from datetime import date

import streamlit as st

from dashboard import actions
from dashboard.access import MARK_WORK_ITEMS
from dashboard.figures.work_ledger import DONE, STATUSES, measures_text
from dashboard.ui import controls, data, session, widgets
from dashboard.ui.widgets import md

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
widgets.page_setup("工作任务台账", choice)
ledger = data.ledger(ver, sel)
names = {t.code: t.short_name or t.name for t in conf.targets}

late_items, late_tasks, missing = ledger.overdue_items, ledger.overdue_tasks, ledger.missing_measures
widgets.exception_cards([("逾期的行动工作任务", len(late_items), "项"), ("逾期的单位工作任务", len(late_tasks), "项"),
                         (f"第一阶段结束（{ledger.measures_due_date}）前未上报细化措施的单位", len(missing), "个")])
st.caption(f"逾期：截至 {ledger.as_of} 尚未完成且完成期限早于该日（期限当天不算逾期）。标为已完成但完成日期晚于截至日的，"
           "按截至日时的“进行中”计。")


def item_rows(items: list[dict]) -> list[dict]:
    return [{**r, "item_text": r["text"], "work_status": r["status"], "due_date": r["deadline_date"],
             "days_overdue": r["days_overdue"] or None} for r in items]


ITEM_COLUMNS = ["phase_name", "item_text", "owner", "due_date", "work_status", "days_overdue", "done_date", "note",
                "updated_by"]

# ---------------------------------------------------------------- the campaign's work items
done = sum(r["status"] == DONE for r in ledger.items)
st.markdown(f"#### 行动工作任务（共 {len(ledger.items)} 项，已完成 {done} 项，逾期 {len(late_items)} 项）")
dept_rows = [{**d, "done_text": f"{d['count_done']}/{d['count_items']}", "count_late": d["count_overdue"],
              "target_names": "、".join(names[c] for c in d["targets"])} for d in ledger.departments]
st.markdown(widgets.html_table(dept_rows, ["owner", "head", "done_text", "count_in_progress", "count_not_started",
                                           "count_late", "target_names"], numeric=("count_in_progress",
                                           "count_not_started", "count_late")), unsafe_allow_html=True)
if st.toggle("按责任科室分组", value=True, key="tasks_by_owner"):
    for d in ledger.departments:
        mine = [r for r in ledger.items if (r["owner"] if r["owner"] in conf.departments else "未指定") == d["owner"]]
        if not mine:
            continue
        title = (f"{d['owner']}　已完成 {d['count_done']}/{d['count_items']}"
                 + (f"　逾期 {d['count_overdue']} 项" if d["count_overdue"] else ""))
        with st.expander(md(title), expanded=bool(d["count_overdue"])):
            st.markdown(widgets.html_table(item_rows(mine), [c for c in ITEM_COLUMNS if c != "owner"],
                                           numeric=("days_overdue",)),
                        unsafe_allow_html=True)
else:
    st.markdown(widgets.html_table(item_rows(ledger.items), ITEM_COLUMNS, numeric=("days_overdue",)),
                unsafe_allow_html=True)

viewer = session.viewer()
if viewer.can(MARK_WORK_ITEMS):
    with st.expander("标记行动工作任务的完成情况（领导小组办公室）"):
        by_code = {r["item_code"]: r for r in ledger.items}
        with st.form("tasks_mark"):
            code = st.selectbox("工作任务", [w.code for w in conf.work_items],
                                format_func=lambda c: f"第{by_code[c]['phase_seq']}阶段｜{by_code[c]['text']}"
                                                      f"（{by_code[c]['owner']}，当前：{by_code[c]['recorded_status']}）",
                                key="tasks_mark_item")
            status = st.radio("完成情况", STATUSES, horizontal=True, key="tasks_mark_status")
            done_on = st.date_input("完成日期（已完成时填写）", value=min(date.today(), choice.as_of), format="YYYY-MM-DD",
                                    key="tasks_mark_date")
            note = st.text_input("备注（可选）", max_chars=500, key="tasks_mark_note")
            if st.form_submit_button("保存", key="tasks_mark_save"):
                try:
                    actions.mark_work_item(data.engine(), viewer, conf, code, status,
                                           done_date=done_on if status == DONE else None, note=note)
                except (actions.WorkItemError, PermissionError) as exc:
                    st.error(md(str(exc)))
                else:
                    data.clear_caches()
                    st.success(f"已标记：{md(by_code[code]['text'])} — {status}")
                    st.rerun()

# ---------------------------------------------------------------- each unit's own tasks
units = ledger.units
st.markdown(f"#### 各单位工作任务（细化措施）　<small>{len(ledger.tasks)} 项，逾期 {len(late_tasks)} 项；"
            f"第一阶段结束前上报了细化措施的单位 {sum(u['has_measures'] for u in units)}/{len(units)}</small>",
            unsafe_allow_html=True)
unit_rows = [{**u, "done_text": f"{u['count_done']}/{u['count_tasks']}", "count_late": u["count_overdue"],
              "measures_text": measures_text(u)} for u in units]
unit_rows.sort(key=lambda u: (not u["is_missing_measures"], -u["count_overdue"]))
widgets.table(unit_rows, ["unit_name", "done_text", "count_in_progress", "count_not_started", "count_late",
                          "measures_text"], key="tasks_units")
choices = {"": "全部单位"} | {u["unit_code"]: u["unit_name"] for u in units if u["count_tasks"]}
picked = st.selectbox("单位", list(choices), format_func=choices.get, key="tasks_unit") if len(choices) > 2 else ""
rows = [{**r, "work_status": r["status"], "due_date": r["deadline_date"], "days_overdue": r["days_overdue"] or None}
        for r in ledger.tasks if not picked or r["report_unit_code"] == picked]
widgets.table(rows, ["unit_name", "task_no", "content", "owner_name", "due_date", "work_status", "days_overdue",
                     "done_date", "evidence", "uploaded_at"], key="tasks_rows",
              empty="尚无单位上报工作任务（月报的“工作任务”表）")
