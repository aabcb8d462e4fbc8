"""The "still missing" lists: for each target, what keeps it from 100 %.

For the same arguments, the rows returned are exactly denominator − numerator of the figure in
dashboard.targets: the enterprises, people, problems or batches a sub-bureau must still act on.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from .access import Viewer
from .campaign import CampaignConf, Window
from .db import execute
from .targets import Selection, normalise_dates, resolve_selection

RESPONSIBILITY_ITEMS = {
    "has_principal": "主要负责人", "has_safety_director": "食品安全总监",
    "has_safety_officer": "食品安全员", "is_daily_control_done": "日管控",
    "is_weekly_check_done": "周排查", "is_monthly_review_done": "月调度",
    "has_daily_list": "日管控清单", "has_weekly_report": "周排查报告",
    "has_monthly_record": "月调度记录",
}


# ------------------------------------------------------------------ reasons
def _responsibility_reason(r: dict) -> str:
    month = r["responsibility_month_date"]
    if month is None:
        return "本期无主体责任月报"
    missing = [label for col, label in RESPONSIBILITY_ITEMS.items() if not r[col]]
    return f"{month.year}年{month.month}月未落实：" + "、".join(missing)


def _qms_reason(r: dict) -> str:
    parts = []
    if not r["is_quality_system_valid"]:
        parts.append("HACCP/ISO22000证书已过期" if r["is_quality_system_expired"]
                     else "缺少HACCP或ISO22000体系")
    if not r["is_traceability_valid"]:
        parts.append("追溯体系证书已过期" if r["is_traceability_expired"] else "缺少智能化追溯体系")
    return "；".join(parts)


# target → (numerator flag, in-denominator test, reason)
ENTERPRISE_TARGETS = {
    "self_inspection": ("is_self_inspected", None, lambda r: "本期无自查记录"),
    "three_three_three": ("is_three_three_three", None, _responsibility_reason),
    "qms_traceability": ("is_qms_traceable", "is_large", _qms_reason),
    "supplier_evaluation": ("is_supplier_evaluated", None, lambda r: "行动以来无供应商评价记录"),
    "officer_exam_coverage": ("is_officer_examined", None, lambda r: "行动以来未开展食安员抽考"),
    "supervision_coverage": ("is_supervised", None, lambda r: "行动以来无包保督导记录"),
}

ENTERPRISE_KEYS = ("credit_code", "name", "unit_code", "unit_name", "cadre_name")


def _missing_by_flag(engine: Engine, sel: Selection, target: str) -> list[dict]:
    flag, in_denominator, reason = ENTERPRISE_TARGETS[target]
    rows = [normalise_dates(r) for r in execute(engine, "enterprise_target_flags",
                                                unit_id=sel.unit["unit_id"], **sel.params)]
    return [{**{k: r[k] for k in ENTERPRISE_KEYS}, "reason": reason(r)}
            for r in rows if not r[flag] and (in_denominator is None or r[in_denominator])]


# ------------------------------------------------------------------ people, problems, batches
def _mask(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1)


def _failed_people(engine: Engine, sel: Selection, viewer: Viewer) -> list[dict]:
    rows = [normalise_dates(r) for r in execute(engine, "officer_exams_latest_failed",
                                                unit_id=sel.unit["unit_id"], **sel.params)]
    for r in rows:
        r["reason"] = f"最近一次抽考不合格（{r['exam_date']}，{r['score']:g}分）"
        if not viewer.can_see_personal_data:  # 姓名 is personal data (data-contract.md)
            r["person_name"] = _mask(r["person_name"])
    return rows


def _open_problems(engine: Engine, sel: Selection, viewer: Viewer) -> list[dict]:
    rows = [normalise_dates(r) for r in execute(engine, "problems_unrectified",
                                                unit_id=sel.unit["unit_id"], **sel.params)]
    for r in rows:
        late = "，已超期" if r["deadline_date"] < sel.as_of else ""
        r["reason"] = f"未整改完成（{r['review_result'] or '未复查'}）{late}"
    return rows


def _unqualified_samples(engine: Engine, sel: Selection, viewer: Viewer) -> list[dict]:
    rows = [normalise_dates(r) for r in execute(engine, "samples_unqualified",
                                                unit_id=sel.unit["unit_id"], **sel.params)]
    for r in rows:
        r["reason"] = "抽检不合格" + (f"：{r['failed_items']}" if r["failed_items"] else "")
    return rows


RECORD_TARGETS = {
    "officer_exam_pass": _failed_people,
    "rectification": _open_problems,
    "sampling_pass": _unqualified_samples,
}


def missing_enterprises(engine: Engine, conf: CampaignConf, viewer: Viewer, *, target: str,
                        unit=None, window: Window | None = None,
                        as_of: date | None = None) -> list[dict]:
    """What is still missing for one target: enterprises (coverage targets), people whose latest
    exam failed, open 监督检查 problems or 不合格 batches; each row has a short Chinese reason."""
    if target not in ENTERPRISE_TARGETS and target not in RECORD_TARGETS:
        raise ValueError(f"未知的目标代码：{target}")
    sel = resolve_selection(engine, conf, viewer, unit=unit, window=window, as_of=as_of)
    if target in ENTERPRISE_TARGETS:
        rows = _missing_by_flag(engine, sel, target)
    else:
        rows = RECORD_TARGETS[target](engine, sel, viewer)
    return sorted(rows, key=_sort_key)


def _sort_key(r: dict) -> tuple:
    item = r.get("person_name") or r.get("problem_no") or r.get("sample_no") or ""
    return r["unit_code"], r["credit_code"], item
