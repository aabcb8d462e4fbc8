"""风险分级监管: the active enterprises of each unit by 风险等级 (or 信用等级), with the 监督检查 they
had from the campaign start to as_of against the number the plan requires by then.

The required number is the campaign file's: the parameters of its first `graded_minimum` target
(dashboard.figures.measures), read through the registry. A campaign without one shows the
enterprises and inspections only (required None). A unit's cell is the sum over its subtree.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..db import execute
from ..labels import normalise_dates
from .measures import GRADE_COLUMNS, GRADES, first_measure
from .selection import Selection

UNGRADED = "未定级"
MATRIX_GRADES = (*GRADES, UNGRADED)


def _cell() -> dict:
    return {"count_enterprises": 0, "count_inspections": 0, "count_required": 0, "count_met": 0}


def grade_matrix(engine: Engine, sel: Selection, *, grade: str = "风险等级") -> list[dict]:
    """One row per (report unit, grade): the unit and each unit directly below it, × A/B/C/D and
    未定级, with count_enterprises, count_inspections (done from the campaign start to as_of),
    count_required (what the plan requires by as_of; None without a graded target) and count_met
    (enterprises with done ≥ required). `grade` is the axis: 风险等级 or 信用等级 (the requirement
    is always the one of the graded target's own grade)."""
    if grade not in GRADE_COLUMNS:
        raise ValueError(f"没有这种等级：{grade}（可用：{'、'.join(GRADE_COLUMNS)}）")
    plan = first_measure(sel.conf, "graded_minimum", record="监督检查")
    report = [sel.unit, *sel.children]
    cells = {(u["code"], g): _cell() for u in report for g in MATRIX_GRADES}
    rows = execute(engine, "enterprise_grades", unit_id=sel.unit["unit_id"], **sel.params)
    for r in map(normalise_dates, rows):
        if plan is not None and not plan.in_population(r):
            continue
        need = plan.required(r[GRADE_COLUMNS[plan.p["grade"]]], sel.as_of) if plan else None
        axis = r[GRADE_COLUMNS[grade]] or UNGRADED
        axis = axis if axis in MATRIX_GRADES else UNGRADED
        done = int(r["count_inspections"])
        for code in sel.report_units_of(r["unit_code"]):
            c = cells.get((code, axis))
            if c is None:
                continue
            c["count_enterprises"] += 1
            c["count_inspections"] += done
            if need is not None:
                c["count_required"] += need
                c["count_met"] += int(done >= need)
    out = []
    for u in report:
        for g in MATRIX_GRADES:
            c = cells[(u["code"], g)]
            out.append({"unit_code": u["code"], "unit_name": u["name"], "grade": g, **c,
                        "count_required": c["count_required"] if plan else None,
                        "count_met": c["count_met"] if plan else None})
    return out


def matrix_table(cells: list[dict]) -> list[dict]:
    """The matrix as one row per unit for a table: unit_name and one text per grade column
    (grade_a … grade_d, grade_none: "N家｜检查 done/required次｜达标 M家"), and the unit's total."""
    keys = {g: f"grade_{g.lower()}" for g in GRADES} | {UNGRADED: "grade_none"}
    rows: dict[str, dict] = {}
    totals: dict[str, dict] = {}
    for c in cells:
        row = rows.setdefault(c["unit_code"], {"unit_code": c["unit_code"], "unit_name": c["unit_name"]})
        row[keys[c["grade"]]] = cell_text(c)
        t = totals.setdefault(c["unit_code"], {**_cell(), "count_required": None, "count_met": None})
        t["count_enterprises"] += c["count_enterprises"]
        t["count_inspections"] += c["count_inspections"]
        if c["count_required"] is not None:
            t["count_required"] = (t["count_required"] or 0) + c["count_required"]
            t["count_met"] = (t["count_met"] or 0) + c["count_met"]
    for code, row in rows.items():
        row["grade_total"] = cell_text(totals[code])
    return list(rows.values())


def cell_text(c: dict) -> str:
    """12家｜检查 15/14次｜达标 11家 (without a plan: 12家｜检查 15次); 0 enterprises: —."""
    if not c["count_enterprises"]:
        return "—"
    if c["count_required"] is None:
        return f"{c['count_enterprises']}家｜检查 {c['count_inspections']}次"
    return (f"{c['count_enterprises']}家｜检查 {c['count_inspections']}/{c['count_required']}次｜"
            f"达标 {c['count_met']}家")
