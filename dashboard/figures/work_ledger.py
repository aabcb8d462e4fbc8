"""工作任务台账: the campaign's own work items and the units' uploaded 工作任务 rows, with their status
on as_of (no Streamlit).

- A **campaign work item** is one of the campaign file's phase work items (code, text, 责任科室,
  deadline — by default its phase's end); its status is the one the office recorded
  (work_item_status, through dashboard.actions.mark_work_item), 未开始 when none was.
- A **unit task** is a row of a unit's 工作任务 sheet (细化措施, 责任人, 完成期限, 完成情况, 佐证材料).
- Status on as_of: 未开始, 进行中 or 已完成; a row marked 已完成 with a 完成日期 after as_of was not yet
  done on as_of and reads 进行中 then. **Overdue**: not 已完成 on as_of and deadline < as_of (on
  the deadline day itself an item is not yet overdue).
- Counts per 责任科室 (campaign work items) and per unit directly below the selected one (unit
  tasks, rolled up from the units below it); the selected unit itself when it has none below.
- §四(一) asks every 分局（所） to set out its own measures (细化工作措施，明确责任人、责任时限) in the first
  phase: a unit with no 工作任务 row uploaded by the end of the first phase is itself an exception
  once as_of is past that day (`missing_measures`).
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from ..campaign import UNASSIGNED, CampaignConf
from ..db import execute
from ..labels import as_date
from .selection import Selection

STATUSES = ("未开始", "进行中", "已完成")
NOT_STARTED, IN_PROGRESS, DONE = STATUSES


def status_on(status: str | None, done_date: date | None, as_of: date) -> str:
    """The status on as_of: 已完成 only when it was done by then (a 完成日期 after as_of reads 进行中);
    anything unknown or blank is 未开始."""
    if status == DONE:
        return IN_PROGRESS if done_date is not None and done_date > as_of else DONE
    return status if status in STATUSES else NOT_STARTED


def is_overdue(status: str, deadline: date | None, as_of: date) -> bool:
    """Not done on as_of and past its deadline (deadline < as_of)."""
    return status != DONE and deadline is not None and deadline < as_of


def _timed(row: dict, deadline: date | None, as_of: date) -> dict:
    row["is_overdue"] = is_overdue(row["status"], deadline, as_of)
    row["days_overdue"] = (as_of - deadline).days if row["is_overdue"] else 0
    return row


def _order(row: dict) -> tuple:
    """Overdue first (most days first), then by deadline."""
    return (not row["is_overdue"], -row["days_overdue"], row["deadline_date"] or date.max)


# ------------------------------------------------------------------ the campaign's work items
def campaign_items(engine: Engine, sel: Selection) -> list[dict]:
    """Every work item of the campaign file with its status on the selection's as_of, overdue first
    (the unit and window do not matter: the items are the campaign's)."""
    conf, as_of = sel.conf, sel.as_of
    recorded = {r["item_code"]: r for r in execute(engine, "work_item_statuses", campaign_code=conf.code,
                                                   scope_unit_id=sel.viewer.scope_unit_id)}
    phases = {p.seq: p for p in conf.phases}
    out = []
    for item in conf.work_items:
        r = recorded.get(item.code, {})
        done = as_date(r.get("done_date"))
        row = {"item_code": item.code, "phase_seq": item.phase_seq, "phase_name": phases[item.phase_seq].name,
               "text": item.text, "owner": item.owner, "deadline_date": item.deadline,
               "recorded_status": r.get("status") or NOT_STARTED,
               "status": status_on(r.get("status"), done, as_of), "done_date": done,
               "note": r.get("note"), "updated_at": r.get("updated_at"), "updated_by": r.get("updated_by")}
        out.append(_timed(row, item.deadline, as_of))
    return sorted(out, key=lambda r: (*_order(r), r["phase_seq"]))


def by_department(conf: CampaignConf, items: list[dict]) -> list[dict]:
    """Per 责任科室 (the file's order, 未指定 last when any item has none): the campaign work items
    it owns by status, how many are overdue, and the targets it owns."""
    names = list(conf.departments) + ([UNASSIGNED] if any(r["owner"] not in conf.departments for r in items)
                                      or any(t.owner not in conf.departments for t in conf.targets) else [])
    out = []
    for dept in names:
        mine = [r for r in items if (r["owner"] if r["owner"] in conf.departments else UNASSIGNED) == dept]
        counts = Counter(r["status"] for r in mine)
        head = conf.head_of(dept)
        out.append({"owner": dept, "head": f"{head.name}（{head.post}）" if head else "",
                    "count_items": len(mine), "count_done": counts[DONE],
                    "count_in_progress": counts[IN_PROGRESS], "count_not_started": counts[NOT_STARTED],
                    "count_overdue": sum(r["is_overdue"] for r in mine),
                    "targets": [t.code for t in conf.targets
                                if (t.owner if t.owner in conf.departments else UNASSIGNED) == dept]})
    return out


def behind_by_owner(conf: CampaignConf, figs: list[dict], items: list[dict]) -> list[dict]:
    """What is behind, per 责任科室 (the meeting view's 按责任科室): the unmet targets among `figs`
    (one unit's figure dicts) and the overdue campaign work items, for each department with either,
    in the file's order (未指定 last); n of how many for both."""
    def owner(name: str) -> str:
        return name if name in conf.departments else UNASSIGNED
    out = []
    for d in [*conf.departments, UNASSIGNED]:
        mine = [f for f in figs if owner(conf.owner_of(f["target"])) == d]
        unmet = [f for f in mine if f["met"] is False]
        tasks = [r for r in items if owner(r["owner"]) == d]
        late = [r for r in tasks if r["is_overdue"]]
        if not unmet and not late:
            continue
        out.append({"owner": d, "count_unmet": len(unmet), "count_targets": len(mine),
                    "count_late": len(late), "count_items": len(tasks),
                    "unmet_targets": "、".join(f"{f.get('short_name') or f['name']} {f['figure_text']}"
                                               for f in unmet) or "—",  # 98.8%（172/174）: n of how many
                    "late_items": "；".join(f"{r['text']}（逾期{r['days_overdue']}天）" for r in late) or "—"})
    return out


# ------------------------------------------------------------------ the units' own tasks
def unit_tasks(engine: Engine, sel: Selection) -> list[dict]:
    """Every 工作任务 row of the selected unit's subtree with its status on as_of, overdue first;
    `report_unit_code` is the unit directly below the selected one it counts for."""
    as_of = sel.as_of
    below = {u["code"] for u in sel.children}
    out = []
    for r in execute(engine, "work_tasks", unit_id=sel.unit["unit_id"], scope_unit_id=sel.viewer.scope_unit_id):
        due, done = as_date(r["due_date"]), as_date(r["done_date"])
        row = {**r, "deadline_date": due, "due_date": due, "done_date": done, "recorded_status": r["status"],
               "status": status_on(r["status"], done, as_of),
               "report_unit_code": _report_unit(sel, r["unit_code"], below)}
        out.append(_timed(row, due, as_of))
    return sorted(out, key=lambda r: (*_order(r), r["unit_code"], r["task_no"]))


def _report_unit(sel: Selection, unit_code: str, below: set) -> str:
    """The unit directly below the selected one that a unit counts for (the selected unit when it has
    none below)."""
    for code in sel.report_units_of(unit_code):
        if code in below:
            return code
    return sel.unit["code"]


def by_unit(engine: Engine, sel: Selection, tasks: list[dict]) -> list[dict]:
    """Per unit directly below the selected one (itself when it has none below), in configuration
    order: its tasks by status, how many are overdue, when it first uploaded 工作任务 rows, and
    whether that came by the end of the first phase (`has_measures`); `is_missing_measures` marks
    the §四(一) exception (no upload by then, and as_of past that day)."""
    units = list(sel.children) or [sel.unit]
    below = {u["code"] for u in sel.children}
    first: dict[str, datetime] = {}
    for r in execute(engine, "work_task_uploads", unit_id=sel.unit["unit_id"],
                     scope_unit_id=sel.viewer.scope_unit_id):
        code = _report_unit(sel, r["unit_code"], below)
        when = _as_datetime(r["uploaded_at"])
        first[code] = min(first.get(code, when), when)
    end = sel.conf.phases[0].end_date
    cutoff = datetime.combine(end + timedelta(days=1), datetime.min.time())
    out = []
    for u in units:
        mine = [r for r in tasks if r["report_unit_code"] == u["code"]]
        counts = Counter(r["status"] for r in mine)
        has = u["code"] in first and first[u["code"]] < cutoff
        out.append({"unit_code": u["code"], "unit_name": u["name"], "count_tasks": len(mine),
                    "count_done": counts[DONE], "count_in_progress": counts[IN_PROGRESS],
                    "count_not_started": counts[NOT_STARTED], "count_overdue": sum(r["is_overdue"] for r in mine),
                    "first_uploaded_at": first.get(u["code"]), "measures_due_date": end,
                    "has_measures": has, "is_missing_measures": not has and sel.as_of > end})
    return out


def _as_datetime(value) -> datetime:
    """An upload time as a naive datetime (SQLite returns text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# ------------------------------------------------------------------ the ledger
@dataclass
class Ledger:
    """The work ledger of one unit on as_of."""
    unit_code: str
    unit_name: str
    as_of: date
    measures_due_date: date               # the first phase's end (§四(一))
    items: list[dict]                     # the campaign's work items, overdue first
    tasks: list[dict]                     # the units' 工作任务 rows, overdue first
    departments: list[dict]               # per 责任科室
    units: list[dict]                     # per unit directly below (or the unit itself)
    window_label: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def overdue_items(self) -> list[dict]:
        return [r for r in self.items if r["is_overdue"]]

    @property
    def overdue_tasks(self) -> list[dict]:
        return [r for r in self.tasks if r["is_overdue"]]

    @property
    def missing_measures(self) -> list[dict]:
        """Units with no 工作任务 uploaded by the end of the first phase (once as_of is past it)."""
        return [u for u in self.units if u["is_missing_measures"]]

    def to_json(self) -> dict:
        def clean(rows, keys):
            return [{k: (v.isoformat() if isinstance(v, (date, datetime)) else v)
                     for k, v in r.items() if k in keys} for r in rows]
        return {"unit": self.unit_code, "unit_name": self.unit_name, "as_of": self.as_of.isoformat(),
                "measures_due": self.measures_due_date.isoformat(),
                "items": clean(self.items, ITEM_KEYS), "tasks": clean(self.tasks, TASK_KEYS),
                "departments": clean(self.departments, DEPARTMENT_KEYS), "units": clean(self.units, UNIT_KEYS)}


ITEM_KEYS = ("item_code", "phase_seq", "text", "owner", "deadline_date", "status", "done_date", "is_overdue",
             "days_overdue")
TASK_KEYS = ("unit_code", "report_unit_code", "task_no", "content", "owner_name", "deadline_date", "status",
             "done_date", "is_overdue", "days_overdue")
DEPARTMENT_KEYS = ("owner", "count_items", "count_done", "count_in_progress", "count_not_started",
                   "count_overdue", "targets")
UNIT_KEYS = ("unit_code", "unit_name", "count_tasks", "count_done", "count_in_progress", "count_not_started",
             "count_overdue", "first_uploaded_at", "has_measures", "is_missing_measures")


def work_ledger(engine: Engine, sel: Selection) -> Ledger:
    """The ledger of the selection's unit on its as_of (the window only gives the as_of: the
    ledger is the campaign's whole, dashboard.figures.selection.select checked the unit's scope)."""
    conf = sel.conf
    items = campaign_items(engine, sel)
    tasks = unit_tasks(engine, sel)
    return Ledger(sel.unit["code"], sel.unit["name"], sel.as_of, conf.phases[0].end_date, items, tasks,
                  by_department(conf, items), by_unit(engine, sel, tasks), sel.window.label)


# ------------------------------------------------------------------ text table
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[tuple]) -> list[str]:
    widths = [max(_width(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "-" * max(_width(line) for line in lines))
    return lines


def overdue_text(row: dict) -> str:
    """逾期 N 天, or blank."""
    return f"逾期{row['days_overdue']}天" if row["is_overdue"] else ""


def format_ledger(ledger: Ledger) -> str:
    """The ledger as plain text for the terminal (CJK-width aware): overdue first."""
    out = [f"工作任务台账：{ledger.unit_name}（截至 {ledger.as_of}）",
           f"行动工作任务：{len(ledger.items)} 项，已完成 {sum(r['status'] == DONE for r in ledger.items)} 项，"
           f"逾期 {len(ledger.overdue_items)} 项", ""]
    out += _table([("代码", "阶段", "责任科室", "完成期限", "完成情况", "逾期", "工作任务")] + [
        (r["item_code"], f"第{r['phase_seq']}阶段", r["owner"], str(r["deadline_date"]), r["status"],
         overdue_text(r), r["text"]) for r in ledger.items])
    out += ["", "按责任科室："]
    out += _table([("责任科室", "已完成/任务数", "进行中", "未开始", "逾期")] + [
        (d["owner"], f"{d['count_done']}/{d['count_items']}", d["count_in_progress"], d["count_not_started"],
         d["count_overdue"]) for d in ledger.departments])
    out += ["", f"按单位（第一阶段结束 {ledger.measures_due_date} 前应上报细化措施）："]
    out += _table([("单位", "已完成/任务数", "进行中", "未开始", "逾期", "细化措施")] + [
        (u["unit_name"], f"{u['count_done']}/{u['count_tasks']}", u["count_in_progress"], u["count_not_started"],
         u["count_overdue"], measures_text(u)) for u in ledger.units])
    if ledger.tasks:
        out += ["", f"各单位上报的工作任务：{len(ledger.tasks)} 项，逾期 {len(ledger.overdue_tasks)} 项"]
        out += _table([("单位", "编号", "责任人", "完成期限", "完成情况", "逾期", "细化措施")] + [
            (r["unit_name"], r["task_no"], r["owner_name"], str(r["deadline_date"]), r["status"], overdue_text(r),
             r["content"]) for r in ledger.tasks])
    return "\n".join(out)


def measures_text(u: dict) -> str:
    """已上报（日期） / 未按期上报 / 尚未上报 (first phase not over yet)."""
    if u["has_measures"]:
        return f"已上报（{u['first_uploaded_at']:%Y-%m-%d}）"
    if u["is_missing_measures"]:
        return "逾期未上报" + (f"（{u['first_uploaded_at']:%Y-%m-%d} 补报）" if u["first_uploaded_at"] else "")
    return "尚未上报"
