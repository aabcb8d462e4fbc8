"""Records and where they came from: the records behind a figure (provenance) and an enterprise's
file (一户一档). Every row carries the upload batch (file, uploader, time) that last wrote it.

The figures themselves come from dashboard.figures.targets; `figure_members` lists the members of a
figure's denominator (dashboard.figures.members, the same members dashboard.figures.gaps lists), flagged when they
are in its numerator, and tests prove its counts equal the engine's for every target and unit.
"""
from __future__ import annotations

import json

from sqlalchemy.engine import Engine

from ..access import Viewer, mask_exam_label, masked, resolve_unit
from ..db import execute
from ..labels import normalise_dates
from .members import check_target, members_of
from .selection import Selection
from .star_ratings import model_years

# The record tables of an enterprise's file, in the order of the plan's work, with Chinese titles.
FILE_SECTIONS = {
    "risk_screening": "风险排查（一企一策）",
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
    "risk_screening": "screening_date", "self_inspection": "inspection_date", "responsibility": "month_date",
    "management_system": "established_date", "supplier_evaluation": "evaluation_date",
    "officer_exam": "exam_date", "inspection": "inspection_date", "problem": "found_date",
    "sampling": "sampling_date", "cadre_visit": "visit_date", "star_rating": "year",
    "enforcement_case": "filed_date",
}


def batches(engine: Engine) -> dict[int, dict]:
    """Every upload batch by id: file name, uploader, time, status, unit."""
    return {r["batch_id"]: r for r in execute(engine, "upload_batches")}


def data_version(engine: Engine) -> tuple[int, int, int]:
    """(newest batch id, committed batches, other batches): changes whenever data changes."""
    r = execute(engine, "data_version")[0]
    return int(r["max_batch_id"] or 0), int(r["count_committed"] or 0), int(r["count_other"] or 0)


# ------------------------------------------------------------------ provenance of a figure
def _provenance_row(r: dict) -> tuple[dict, int, int]:
    """A member as listed behind a figure, and the upload batch ids of its two records (the
    member's own, and the one that decided it: the measure names both)."""
    row = {k: r[k] for k in ("unit_code", "unit_name", "unit_order", "credit_code", "name", "cadre_name")}
    row |= {"member_label": r["member_label"], "is_numerator": r["is_numerator"],
            "evidence_label": r["evidence_label"], "evidence_date": r["evidence_date"]}
    return row, r["batch_id"], r["evidence_batch_id"]


def figure_members(engine: Engine, sel: Selection, *, target: str) -> list[dict]:
    """One row per member of the figure's denominator (enterprise, person, problem or batch),
    `is_numerator` 1 when it counts in the numerator, with the upload of the member's record
    (member_*) and of the record that decided it (evidence_*)."""
    measure = check_target(sel.conf, target)
    viewer = sel.viewer
    by_id = batches(engine)
    out = []
    for r in members_of(engine, sel, measure):
        row, member_batch_id, evidence_batch_id = _provenance_row(r)
        if "person_name" in r:  # 姓名 is personal data (data-contract.md)
            row["member_label"] = row["member_label"].replace(r["person_name"], masked(viewer, r["person_name"]), 1)
        if not viewer.can_see_personal_data:  # an exam record names its person
            row["evidence_label"] = mask_exam_label(row["evidence_label"])
        for prefix, batch_id in (("member", member_batch_id), ("evidence", evidence_batch_id)):
            b = by_id.get(batch_id) or {}
            row[f"{prefix}_file_name"] = b.get("file_name")
            row[f"{prefix}_uploader"] = b.get("uploader")
            row[f"{prefix}_uploaded_at"] = b.get("uploaded_at")
        out.append(row)
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
        rows = [normalise_dates(r) for r in execute(engine, f"enterprise_file_{table}", **params)]
        key = SECTION_ORDER_BY[table]
        rows.sort(key=lambda r: (r[key] is not None, r[key] or 0), reverse=True)
        for r in rows:
            if "person_name" in r:  # 姓名 is personal data (data-contract.md)
                r["person_name"] = masked(viewer, r["person_name"])
        sections[table] = rows
    return {"enterprise": found[0], "sections": sections,
            "grade_history": grade_history(engine, viewer, credit_code, found[0]),
            "model_years": model_years(sections["star_rating"])}


GRADE_KEYS = ("risk_grade", "credit_grade")


def grade_history(engine: Engine, viewer: Viewer, credit_code: str, current: dict) -> list[dict]:
    """The enterprise's 风险等级 and 信用等级 as each committed upload set them, oldest first: every
    prior state a batch replaced (batch_change keeps the row as it was, with the batch that wrote
    it) and the current row, one row per writing batch with its file, uploader and upload time;
    `is_changed` marks a state whose grades differ from the one before. Uploads that rolled back
    are left out; a row written outside the importer (no batch change) is its current state alone."""
    key = json.dumps([credit_code], ensure_ascii=False)
    changes = execute(engine, "enterprise_grade_changes", scope_unit_id=viewer.scope_unit_id,
                      credit_code=credit_code, record_key=key)
    by_id = batches(engine)
    states: dict[int, dict] = {}
    for c in sorted(changes, key=lambda c: c["change_id"]):
        old = json.loads(c["old_row_json"])
        if old.get("batch_id") is not None:
            states.setdefault(int(old["batch_id"]), {k: old.get(k) for k in GRADE_KEYS})
    if current.get("batch_id") is not None:
        states[int(current["batch_id"])] = {k: current.get(k) for k in GRADE_KEYS}
    out, before = [], None
    for batch_id in sorted(states):
        b = by_id.get(batch_id) or {}
        if b and b.get("status") != "committed":
            continue
        row = {**states[batch_id], "batch_id": batch_id, "file_name": b.get("file_name"),
               "uploader": b.get("uploader"), "uploaded_at": b.get("uploaded_at")}
        row["is_changed"] = before is not None and any(row[k] != before[k] for k in GRADE_KEYS)
        out.append(row)
        before = row
    return out
