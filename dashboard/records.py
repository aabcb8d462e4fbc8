"""Records and where they came from: the records behind a figure (provenance) and an enterprise's
file (一户一档). Every row carries the upload batch (file, uploader, time) that last wrote it.

The figures themselves come from dashboard.targets; `figure_members` lists the members of a
figure's denominator, flagged when they are in its numerator, and tests prove its counts equal the
engine's for every target and unit.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from .access import Viewer, resolve_unit
from .campaign import CampaignConf, Window
from .db import execute
from .labels import as_date
from .targets import TARGET_QUERIES, resolve_selection

# The record tables of an enterprise's file, in the order of the plan's work, with Chinese titles.
FILE_SECTIONS = {
    "self_inspection": "企业自查",
    "responsibility": "主体责任（三类人、三件事、三本账）",
    "management_system": "管理体系与追溯体系",
    "supplier_evaluation": "供应商检查评价",
    "officer_exam": "食安员抽考",
    "inspection": "监督检查",
    "problem": "问题整改",
    "sampling": "监督抽检",
    "cadre_visit": "包保督导",
    "star_rating": "星级评比",
    "enforcement_case": "违法案件",
}
SECTION_ORDER_BY = {
    "self_inspection": "inspection_date", "responsibility": "month_date",
    "management_system": "established_date", "supplier_evaluation": "evaluation_date",
    "officer_exam": "exam_date", "inspection": "inspection_date", "problem": "found_date",
    "sampling": "sampling_date", "cadre_visit": "visit_date", "star_rating": "year",
    "enforcement_case": "filed_date",
}


def _dates(row: dict) -> dict:
    return {k: (as_date(v) if k.endswith("_date") else v) for k, v in row.items()}


def batches(engine: Engine) -> dict[int, dict]:
    """Every upload batch by id: file name, uploader, time, status, unit."""
    return {r["batch_id"]: r for r in execute(engine, "upload_batches")}


def data_version(engine: Engine) -> tuple[int, int, int]:
    """(newest batch id, committed batches, other batches): changes whenever data changes."""
    r = execute(engine, "data_version")[0]
    return int(r["max_batch_id"] or 0), int(r["count_committed"] or 0), int(r["count_other"] or 0)


# ------------------------------------------------------------------ provenance of a figure
def figure_members(engine: Engine, conf: CampaignConf, viewer: Viewer, *, target: str, unit=None,
                   window: Window | None = None, as_of: date | None = None) -> list[dict]:
    """One row per member of the figure's denominator (enterprise, person, problem or batch),
    `is_numerator` 1 when it counts in the numerator, with the upload of the member's record
    (member_*) and of the record that decided it (evidence_*)."""
    if target not in TARGET_QUERIES:
        raise ValueError(f"未知的目标代码：{target}")
    sel = resolve_selection(engine, conf, viewer, unit=unit, window=window, as_of=as_of)
    rows = execute(engine, f"figure_members_{target}", unit_id=sel.unit["unit_id"], **sel.params)
    by_id = batches(engine)
    out = []
    for r in rows:
        r = _dates(r)
        r["is_numerator"] = int(r["is_numerator"] or 0)
        for prefix in ("member", "evidence"):
            b = by_id.get(r.pop(f"{prefix}_batch_id")) or {}
            r[f"{prefix}_file_name"] = b.get("file_name")
            r[f"{prefix}_uploader"] = b.get("uploader")
            r[f"{prefix}_uploaded_at"] = b.get("uploaded_at")
        out.append(r)
    return sorted(out, key=lambda r: (r["unit_order"], r["credit_code"], r["member_label"] or ""))


# ------------------------------------------------------------------ 一户一档
def search_enterprises(engine: Engine, viewer: Viewer, text: str, *, unit=None,
                       limit: int = 50) -> list[dict]:
    """Enterprises of the unit's subtree (default: the viewer's scope) whose name or credit code
    contains `text`, any status."""
    text = (text or "").strip()
    if not text:
        return []
    escaped = text.replace("%", "").replace("_", "")
    unit_id = viewer.scope_unit_id if unit is None else resolve_unit(engine, unit).unit_id
    rows = execute(engine, "enterprises_matching", scope_unit_id=viewer.scope_unit_id, unit_id=unit_id,
                   pattern=f"%{escaped}%")
    rows.sort(key=lambda r: (not r["name"].startswith(text), r["unit_code"], r["name"]))
    return rows[:limit]


def enterprise_file(engine: Engine, viewer: Viewer, credit_code: str) -> dict | None:
    """The enterprise's registry row and every record of each section, newest first, each with
    its upload batch; None when the enterprise is unknown or outside the viewer's scope."""
    params = {"scope_unit_id": viewer.scope_unit_id, "credit_code": credit_code}
    found = execute(engine, "enterprise_file_enterprise", **params)
    if not found:
        return None
    sections = {}
    for table in FILE_SECTIONS:
        rows = [_dates(r) for r in execute(engine, f"enterprise_file_{table}", **params)]
        key = SECTION_ORDER_BY[table]
        rows.sort(key=lambda r: (r[key] is not None, r[key] or 0), reverse=True)
        sections[table] = rows
    return {"enterprise": found[0], "sections": sections}
