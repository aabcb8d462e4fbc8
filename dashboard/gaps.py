"""The "still missing" lists: for each target, what keeps it from 100 %.

The rows are the members of the figure (dashboard.members) outside its numerator, so for the same
arguments there are exactly denominator − numerator of the figure in dashboard.targets: the
enterprises, people, problems or batches a sub-bureau must still act on.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from .access import Viewer, masked
from .campaign import CampaignConf, Window
from .labels import label
from .members import check_target, members_of
from .targets import resolve_selection

RESPONSIBILITY_ITEMS = {col: label(col) for col in (
    "has_principal", "has_safety_director", "has_safety_officer", "is_daily_control_done",
    "is_weekly_check_done", "is_monthly_review_done", "has_daily_list", "has_weekly_report",
    "has_monthly_record")}


# ------------------------------------------------------------------ reasons
def _responsibility_reason(r: dict, as_of: date) -> str:
    month = r["responsibility_month_date"]
    if month is None:
        return "本期无主体责任月报"
    missing = [text for col, text in RESPONSIBILITY_ITEMS.items() if not r[col]]
    return f"{month.year}年{month.month}月未落实：" + "、".join(missing)


def _qms_reason(r: dict, as_of: date) -> str:
    parts = []
    if not r["is_quality_system_valid"]:
        parts.append("HACCP/ISO22000证书已过期" if r["is_quality_system_expired"]
                     else "缺少HACCP或ISO22000体系")
    if not r["is_traceability_valid"]:
        parts.append("追溯体系证书已过期" if r["is_traceability_expired"] else "缺少智能化追溯体系")
    return "；".join(parts)


def _fixed(text: str):
    return lambda r, as_of: text


ENTERPRISE_KEYS = ("credit_code", "name", "unit_code", "unit_name", "cadre_name")

# target → reason(member row, as_of) for the targets counted over active enterprises
ENTERPRISE_TARGETS = {
    "self_inspection": _fixed("本期无自查记录"),
    "three_three_three": _responsibility_reason,
    "qms_traceability": _qms_reason,
    "supplier_evaluation": _fixed("行动以来无供应商评价记录"),
    "officer_exam_coverage": _fixed("行动以来未开展食安员抽考"),
    "supervision_coverage": _fixed("行动以来无包保督导记录"),
}

# target → (columns listed besides the enterprise's, reason) for people, problems and batches
RECORD_TARGETS = {
    "officer_exam_pass": (
        ("person_name", "post", "exam_date", "score"),
        lambda r, as_of: f"最近一次抽考不合格（{r['exam_date']}，{r['score']:g}分）"),
    "rectification": (
        ("problem_no", "description", "found_date", "deadline_date", "closed_date", "review_result"),
        lambda r, as_of: r["problem_status"]),  # as it stood on as_of (dashboard.problem_state)
    "sampling_pass": (
        ("sample_no", "food_name", "sampling_date", "task_source", "failed_items", "disposal_status"),
        lambda r, as_of: "抽检不合格" + (f"：{r['failed_items']}" if r["failed_items"] else "")),
}


def missing_enterprises(engine: Engine, conf: CampaignConf, viewer: Viewer, *, target: str,
                        unit=None, window: Window | None = None,
                        as_of: date | None = None) -> list[dict]:
    """What is still missing for one target: enterprises (coverage targets), people whose latest
    exam failed, open 监督检查 problems or 不合格 batches; each row has a short Chinese reason."""
    check_target(target)
    sel = resolve_selection(engine, conf, viewer, unit=unit, window=window, as_of=as_of)
    extra, reason = RECORD_TARGETS.get(target) or ((), ENTERPRISE_TARGETS[target])
    rows = []
    for r in members_of(engine, sel, target):
        if r["is_numerator"]:
            continue
        row = {k: r[k] for k in (*ENTERPRISE_KEYS, *extra)}
        row["reason"] = reason(r, sel.as_of)
        if "person_name" in row:  # 姓名 is personal data (data-contract.md)
            row["person_name"] = masked(viewer, row["person_name"])
        rows.append(row)
    return sorted(rows, key=_sort_key)


def _sort_key(r: dict) -> tuple:
    item = r.get("person_name") or r.get("problem_no") or r.get("sample_no") or ""
    return r["unit_code"], r["credit_code"], item
