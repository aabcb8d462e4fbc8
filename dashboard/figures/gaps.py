"""The "still missing" lists: for each target, what keeps it from 100 %.

The rows are the measure's gap list (dashboard.figures.measures: Measure.gaps): for every ratio the
members of the figure outside its numerator, so for the same arguments there are exactly
denominator − numerator of the figure in dashboard.figures.targets: the enterprises, people,
problems or batches a sub-bureau must still act on. A count against an absolute goal lists the
candidates of its population not counted yet (or none, and its gap_note says why).
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..access import masked
from ..campaign import DEFAULT_CAMPAIGN, load_campaign
from .measures import measures
from .members import check_target
from .selection import Selection

ENTERPRISE_KEYS = ("credit_code", "name", "unit_code", "unit_name", "cadre_name")


def __getattr__(name: str):
    """ENTERPRISE_TARGETS / RECORD_TARGETS: the default campaign's targets whose gap rows are
    enterprises / people, problems or batches (read from the measure registry)."""
    if name in ("ENTERPRISE_TARGETS", "RECORD_TARGETS"):
        want = name == "ENTERPRISE_TARGETS"
        return {m.code: m.gap_extra for m in measures(load_campaign(DEFAULT_CAMPAIGN))
                if m.subject_based == want}
    raise AttributeError(name)


def missing_enterprises(engine: Engine, sel: Selection, *, target: str) -> list[dict]:
    """What is still missing for one target: enterprises (coverage targets), people whose latest
    exam failed, open 监督检查 problems or 不合格 batches; each row has a short Chinese reason."""
    measure = check_target(sel.conf, target)
    rows = []
    for r in measure.gaps(engine, sel):
        row = {k: r[k] for k in (*ENTERPRISE_KEYS, *measure.gap_extra)}
        row["reason"] = r["reason"]
        if "person_name" in row:  # 姓名 is personal data (data-contract.md)
            row["person_name"] = masked(sel.viewer, row["person_name"])
        rows.append(row)
    return sorted(rows, key=_sort_key)


def _sort_key(r: dict) -> tuple:
    item = r.get("person_name") or r.get("problem_no") or r.get("sample_no") or ""
    return r["unit_code"], r["credit_code"], item


def gap_note(conf, target: str) -> str | None:
    """Why a target has no gap list (a count of records), None when it has one."""
    return check_target(conf, target).gap_note
