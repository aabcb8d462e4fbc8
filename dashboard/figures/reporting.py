"""Reporting completeness and timeliness (docs/indicators.md §6), and the upload history.

A unit reported a sheet for a month when a record of that sheet, of an enterprise of the unit's
subtree, is dated in that month; the report *came* when the first such record arrived: the time of
the earliest committed upload batch that wrote any version of one of those records. Every version
counts — the record as it stands (`batch_id`) and each prior version a later batch replaced (kept in
`batch_change`) — so a correction uploaded weeks later never makes a punctual month look late, and a
rolled-back upload no longer counts.

A *month's report* is an upload, not a stray record: a batch reports a month for a unit when at
least REPORT_SHARE (a fifth) of the dated records it wrote for that unit are dated in that month,
and the month's report came with the earliest such batch. So a catch-up file holding September and
October reports both, while November's file re-listing one open October problem (the problem
ledger carries open problems forward) does not make October reported; the per-sheet matrix still
shows that October record, as 迟报.

For each unit × month (and each unit × month × sheet), with due = the campaign's `on_time_day` of the
following month (a setting of the campaign YAML, 5 by default):

| status | when |
|---|---|
| 按时 | the month's report (a sheet: its first record) came by the due date |
| 迟报 | it came after the due date |
| 未报 | nothing has arrived and the due date has passed |
| 待报 | nothing yet, but the due date has not passed |

Uploads after `as_of` and records dated after it are not seen. A month counts (is "due") when it is
按时, 迟报 or 未报; completeness = months reported / months due, on-time rate = months on time /
months due (no figure when no month is due). Sheets without a date of the month (企业名录, 管理体系,
星级评比) do not make a month reported.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from ..access import Viewer, masked
from ..db import execute
from ..periods import day_of_next_month, month_key, month_keys, month_label, month_start
from ..labels import as_date
from .selection import Selection

# Dated sheets: table -> (sheet name, the date column of its records).
DATED_SHEETS = {
    "self_inspection": ("企业自查", "inspection_date"),
    "responsibility": ("主体责任", "month_date"),
    "supplier_evaluation": ("供应商评价", "evaluation_date"),
    "officer_exam": ("食安员抽考", "exam_date"),
    "inspection": ("监督检查", "inspection_date"),
    "problem": ("问题整改", "found_date"),
    "sampling": ("监督抽检", "sampling_date"),
    "cadre_visit": ("包保督导", "visit_date"),
    "enforcement_case": ("违法案件", "filed_date"),
}
SHEETS = tuple(name for name, _ in DATED_SHEETS.values())
ON_TIME, LATE, MISSING, PENDING = "按时", "迟报", "未报", "待报"
# A month's report status → (text colour, fill); a figure's status: labels.FIGURE_STATUS_COLOURS.
REPORT_STATUS_COLOURS = {ON_TIME: ("#2e7d32", "#e3f1e4"), LATE: ("#ef8f00", "#fff1dc"),
                         MISSING: ("#c62828", "#fbe3e3"), PENDING: ("#757575", "#eeeeee")}
FAR_PAST, FAR_FUTURE = date(1900, 1, 1), date(2999, 12, 31)
REPORT_SHARE = 0.2  # the share of a batch's dated records a month needs for the batch to report it


def due_date(month: str, on_time_day: int) -> date:
    """The last on-time day of a month's report: `on_time_day` of the following month."""
    return day_of_next_month(month, on_time_day)


def status_of(arrived: datetime | None, month: str, on_time_day: int, as_of: date) -> str:
    """按时 / 迟报 / 未报 / 待报 (see the module doc)."""
    due = due_date(month, on_time_day)
    if arrived is not None:
        return ON_TIME if _as_datetime(arrived).date() <= due else LATE
    return MISSING if as_of > due else PENDING


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value[:19].replace("T", " "))
    return datetime.combine(value, time())


# ------------------------------------------------------------------ record versions
@dataclass(frozen=True)
class Version:
    """One version of a dated record: its sheet, its enterprise's unit, its date, the batch that wrote it."""
    table: str
    unit_id: int
    record_date: date
    batch_id: int
    count: int = 1


def _batches(engine: Engine) -> dict[int, dict]:
    return {r["batch_id"]: r for r in execute(engine, "upload_batches")}


def record_versions(engine: Engine, viewer: Viewer, *, from_date: date = FAR_PAST,
                    to_date: date = FAR_FUTURE) -> list[Version]:
    """Every committed version of every dated record of the viewer's scope, dated in [from, to]."""
    out = [Version(r["table_name"], r["unit_id"], as_date(r["record_date"]), r["batch_id"],
                   int(r["count_records"]))
           for r in execute(engine, "completeness_record_batches", scope_unit_id=viewer.scope_unit_id,
                            from_date=from_date, to_date=to_date)]
    for r in execute(engine, "completeness_replaced_rows", scope_unit_id=viewer.scope_unit_id):
        old = json.loads(r["old_row_json"])
        day = old.get(DATED_SHEETS[r["table_name"]][1])
        if day is None or old.get("batch_id") is None:
            continue
        day = as_date(day)
        if from_date <= day <= to_date:
            out.append(Version(r["table_name"], r["unit_id"], day, int(old["batch_id"])))
    return out


def batch_months(engine: Engine, viewer: Viewer) -> dict[int, list[str]]:
    """The months of the records each batch wrote (versions still in the database), by batch id."""
    months: dict[int, set[str]] = defaultdict(set)
    for v in record_versions(engine, viewer):
        months[v.batch_id].add(month_key(v.record_date))
    return {b: sorted(m) for b, m in months.items()}


# ------------------------------------------------------------------ the matrix
@dataclass
class Completeness:
    """The completeness of one unit's reporting units over a window, as of a date."""
    as_of: date
    on_time_day: int
    months: list[str]
    units: list[dict]  # {code, name}
    cells: list[dict] = field(default_factory=list)  # one per unit × month × sheet
    months_status: list[dict] = field(default_factory=list)  # one per unit × month
    summary: list[dict] = field(default_factory=list)  # one per unit

    def status(self, unit_code: str, month: str, sheet: str | None = None) -> str:
        """The status of a unit's month (or of one sheet of it)."""
        rows = self.cells if sheet else self.months_status
        return next(r["status"] for r in rows if r["unit_code"] == unit_code and r["month"] == month
                    and (sheet is None or r["sheet"] == sheet))


def _report_unit_of(units: dict[int, dict], report_ids: set[int]) -> dict[int, int]:
    """Each visible unit → the reporting unit whose subtree holds it."""
    out = {}
    for unit_id in units:
        node = unit_id
        while node is not None and node not in report_ids:
            node = units[node]["parent_id"] if node in units else None
        if node is not None:
            out[unit_id] = node
    return out


def reporting_completeness(engine: Engine, sel: Selection) -> Completeness:
    """For each unit directly below the selection's unit (or the unit itself when it has none):
    the status of every month of the window up to as_of, per sheet and overall, and its
    completeness and on-time rate."""
    conf, viewer = sel.conf, sel.viewer
    report_units = list(sel.children) or [sel.unit]
    start, as_of = sel.window.start_date, sel.as_of
    months = month_keys(start, min(sel.window.end_date, as_of)) if start <= as_of else []
    units = {u["unit_id"]: u for u in sel.scope}
    report_of = _report_unit_of(units, {u["unit_id"] for u in report_units})
    batches = _batches(engine)
    cutoff = datetime.combine(as_of + timedelta(days=1), time())
    first: dict[tuple[int, str, str], datetime] = {}
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    per_batch: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for v in record_versions(engine, viewer, from_date=month_start(start),
                             to_date=min(sel.window.end_date, as_of)):
        batch = batches.get(v.batch_id)
        report = report_of.get(v.unit_id)
        if batch is None or batch["status"] != "committed" or report is None:
            continue
        at = _as_datetime(batch["uploaded_at"])
        if at >= cutoff:
            continue
        key = (report, month_key(v.record_date), DATED_SHEETS[v.table][0])
        if key not in first or at < first[key]:
            first[key] = at
        counts[key] += v.count
        per_batch[(v.batch_id, report)][key[1]] += v.count
    reports: dict[tuple[int, str], datetime] = {}  # (report unit, month) -> when its report came
    for (batch_id, report), by_month in per_batch.items():
        at = _as_datetime(batches[batch_id]["uploaded_at"])
        total = sum(by_month.values())
        for m, n in by_month.items():
            if n >= REPORT_SHARE * total and ((report, m) not in reports or at < reports[(report, m)]):
                reports[(report, m)] = at
    out = Completeness(as_of, conf.on_time_day, months, [{"code": u["code"], "name": u["name"]} for u in report_units])
    for u in report_units:
        due = reported = on_time = 0
        for m in months:
            for sheet in SHEETS:
                at = first.get((u["unit_id"], m, sheet))
                out.cells.append({"unit_code": u["code"], "unit_name": u["name"], "month": m, "sheet": sheet,
                                  "status": status_of(at, m, conf.on_time_day, as_of), "arrived_at": at,
                                  "record_count": counts.get((u["unit_id"], m, sheet), 0)})
            at = reports.get((u["unit_id"], m))
            status = status_of(at, m, conf.on_time_day, as_of)
            out.months_status.append({"unit_code": u["code"], "unit_name": u["name"], "month": m,
                                      "status": status, "arrived_at": at,
                                      "due_date": due_date(m, conf.on_time_day),
                                      "sheets": [s for s in SHEETS if first.get((u["unit_id"], m, s))]})
            if status != PENDING:
                due += 1
                reported += status in (ON_TIME, LATE)
                on_time += status == ON_TIME
        out.summary.append({"unit_code": u["code"], "unit_name": u["name"], "months_due": due,
                            "months_reported": reported, "months_on_time": on_time,
                            "months_late": reported - on_time, "months_missing": due - reported,
                            "completeness": reported / due if due else None,
                            "on_time_rate": on_time / due if due else None})
    return out


def cell_text(row: dict) -> str:
    """A matrix cell: 按时（6月3日）/ 迟报（6月9日）/ 未报 / 待报."""
    at = row.get("arrived_at")
    return f"{row['status']}（{at.month}月{at.day}日）" if at else row["status"]


# ------------------------------------------------------------------ the upload history
def upload_history(engine: Engine, viewer: Viewer, *, root: bool = True) -> list[dict]:
    """Every upload batch of the viewer's scope, newest first: file, unit, months, uploader, time,
    rows per sheet, inserted/replaced counts, status. `root`: the viewer sees the whole tree (and
    batches without a unit)."""
    months = batch_months(engine, viewer)
    rows = execute(engine, "upload_history", scope_unit_id=viewer.scope_unit_id,
                   include_unassigned=1 if root else 0)
    out = []
    for r in sorted(rows, key=lambda r: -r["batch_id"]):
        per_sheet = json.loads(r["rows_json"] or "{}")
        out.append({**r, "uploaded_at": _as_datetime(r["uploaded_at"]),
                    "rolled_back_at": _as_datetime(r["rolled_back_at"]) if r["rolled_back_at"] else None,
                    "months": months.get(r["batch_id"], []),
                    "months_text": "、".join(month_label(m) for m in months.get(r["batch_id"], [])) or "—",
                    "rows": per_sheet,
                    "rows_text": "；".join(f"{s} {n}" for s, n in per_sheet.items()) or "—",
                    "count_rows": sum(per_sheet.values()),
                    "status_text": "已导入" if r["status"] == "committed" else "已撤销"})
    return out


def batch_file(engine: Engine, batch_id: int, viewer: Viewer) -> tuple[str, bytes] | None:
    """One batch's original file (name, bytes), for a viewer who may see personal data (the
    workbook holds exam takers' names); None without it or without a stored file. The batch comes
    from upload_history, which is already the viewer's scope."""
    rows = execute(engine, "batch_file", batch_id=batch_id) if viewer.can_see_personal_data else []
    if not rows or not rows[0]["file_bytes"]:
        return None
    return rows[0]["file_name"], bytes(rows[0]["file_bytes"])


def batch_records(engine: Engine, batch_id: int, viewer: Viewer | None = None) -> list[dict]:
    """The records a batch inserted or replaced: sheet, natural key, 新增/更新, the prior version.
    Exam takers' names (personal data) are masked for a viewer who may not see them."""
    from ..importer.load import MODEL_BY_TABLE, inserted_keys  # lazy: the importer loads pandas and pandera
    changes = defaultdict(list)  # table → (record_key, prior row JSON or None), as the batch wrote them
    for r in execute(engine, "batch_inserts", batch_id=batch_id):
        changes[r["table_name"]] += [(key, None) for key in inserted_keys(r["record_keys"])]
    for r in sorted(execute(engine, "batch_changes", batch_id=batch_id), key=lambda r: r["change_id"]):
        changes[r["table_name"]].append((r["record_key"], r["old_row_json"]))
    order = list(MODEL_BY_TABLE)  # the sheets in the order an import writes them
    out = []
    for table_name in sorted(changes, key=lambda t: (order.index(t) if t in order else len(order), t)):
        out += [_batch_record(MODEL_BY_TABLE.get(table_name), table_name, key, old, viewer)
                for key, old in changes[table_name]]
    return out


def _batch_record(model, table_name: str, record_key: str, old_row_json: str | None, viewer: Viewer | None) -> dict:
    """One row of batch_records: 新增 when there is no prior version."""
    fields = model.fields() if model else {}
    # the stored key is the table's record key: `unit_id` first for a unit's rows (工作任务), an
    # internal number no reader knows (the batch is the unit's own), so it is left out of the text
    keys = model.record_key() if model else []
    values = json.loads(record_key)
    if viewer is not None and "person_name" in keys:
        values[keys.index("person_name")] = masked(viewer, values[keys.index("person_name")])
    key_text = "，".join(f"{fields[k]['zh']} {v}" for k, v in zip(keys, values) if k != "unit_id") \
        if keys else record_key
    old = json.loads(old_row_json) if old_row_json else None
    return {"sheet": model.sheet_name() if model else table_name, "record_key": key_text,
            "change": "更新" if old_row_json else "新增",
            "previous": _previous_text(old, fields, keys) if old else ""}


def _previous_text(old: dict, fields: dict, keys: list[str]) -> str:
    parts = []
    for fld, meta in fields.items():
        column = "unit_id" if fld == "unit" else fld
        if fld in keys or column not in old:
            continue
        value = old[column]
        if isinstance(value, bool):
            value = "是" if value else "否"
        parts.append(f"{meta['zh']}：{'' if value is None else value}")
    return "；".join(parts)
