"""The members of a figure, defined once: who is in a target's denominator and whether each is in
its numerator.

One query per kind of denominator: `enterprise_target_flags` (active enterprises, an is_* flag per
enterprise target), `officer_exams_latest` (examined people with their latest exam),
`problems_listed` (监督检查 problems counted by rectification, is_rectified) and `sampling_batches`
(counted batches, is_passed). dashboard.gaps lists the members outside the numerator and
dashboard.records all of them with their uploads (provenance). The engine's
`queries/*_counts_by_unit.sql` aggregate the same logic in SQL for speed; tests prove the member
counts equal the engine's for every target, unit and window.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from .db import execute
from .labels import normalise_dates
from .problem_state import problem_on
from .targets import Selection


@dataclass(frozen=True)
class MemberQuery:
    """Where a target's members come from: the query, the 0/1 column that puts a row in the
    numerator and, when the query returns more than the denominator, the column that puts a row
    in the denominator."""
    query: str
    numerator: str
    denominator: str | None = None


ENTERPRISE_FLAGS = "enterprise_target_flags"

MEMBER_QUERIES = {
    "self_inspection": MemberQuery(ENTERPRISE_FLAGS, "is_self_inspected"),
    "three_three_three": MemberQuery(ENTERPRISE_FLAGS, "is_three_three_three"),
    "qms_traceability": MemberQuery(ENTERPRISE_FLAGS, "is_qms_traceable", "is_large"),
    "supplier_evaluation": MemberQuery(ENTERPRISE_FLAGS, "is_supplier_evaluated"),
    "officer_exam_coverage": MemberQuery(ENTERPRISE_FLAGS, "is_officer_examined"),
    "supervision_coverage": MemberQuery(ENTERPRISE_FLAGS, "is_supervised"),
    "officer_exam_pass": MemberQuery("officer_exams_latest", "is_passed"),
    "rectification": MemberQuery("problems_listed", "is_rectified", "is_counted"),
    "sampling_pass": MemberQuery("sampling_batches", "is_passed", "is_counted"),
}


def check_target(target: str) -> MemberQuery:
    """The target's member query; an unknown target code is a ValueError (before any query)."""
    if target not in MEMBER_QUERIES:
        raise ValueError(f"未知的目标代码：{target}")
    return MEMBER_QUERIES[target]


def members_of(engine: Engine, sel: Selection, target: str) -> list[dict]:
    """Every member of the target's denominator for a resolved selection: its query's row (dates
    as dates) with `is_numerator` 1 when it is in the numerator, 0 when not."""
    m = check_target(target)
    rows = [normalise_dates(r) for r in execute(engine, m.query, unit_id=sel.unit["unit_id"], **sel.params)]
    if m.query == "problems_listed":  # a problem's status as it stood on as_of
        rows = [problem_on(r, sel.as_of) for r in rows]
    return [{**r, "is_numerator": int(r[m.numerator] or 0)}
            for r in rows if m.denominator is None or r[m.denominator]]
