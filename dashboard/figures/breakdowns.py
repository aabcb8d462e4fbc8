"""Breakdowns the target engine has no dimension for (no Streamlit): sampling pass rates by food
category and hazard class, and problems by status, source and age.

They count exactly as the engine does (the sampling pass rate: 抽样日期 in the window, 风险监测 not
counted; a problem's status on as_of: 已整改 with 整改完成日期 ≤ as_of); pass rates by unit and month are
the engine's own figures and are not recomputed here. Tests prove the totals equal the engine's.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy.engine import Engine

from ..db import execute
from ..labels import as_date, nd_text, percent_text
from .problem_state import problem_on
from .selection import Selection

HAZARD_CLASSES = ("兽药残留", "致病性微生物", "食品添加剂", "非食用物质", "动物源性成分")
AGEING_BUCKETS = ((15, "15天以内"), (30, "16–30天"), (60, "31–60天"), (90, "61–90天"),
                  (None, "90天以上"))


# ------------------------------------------------------------------ 监督抽检
def sampling_rows(engine: Engine, sel: Selection) -> list[dict]:
    """Every sampling batch of the unit in the window (all task sources), with its upload batch;
    `is_counted` says whether the sampling pass rate counts it (not 风险监测, sampling_batches.sql)."""
    rows = execute(engine, "sampling_batches", unit_id=sel.unit["unit_id"], **sel.params)
    for r in rows:
        r["sampling_date"] = as_date(r["sampling_date"])
        r["is_counted"] = bool(r["is_counted"])
    return sorted(rows, key=lambda r: (r["sampling_date"], r["sample_no"]))


def _rate(label_key: str, label: str, n: int, d: int) -> dict:
    return {label_key: label, "count_passed": n, "count_samples": d, "count_failed": d - n,
            "pass_text": percent_text(n, d), "nd_text": nd_text(n, d),
            "value": (n / d) if d else None}


def pass_rate_by(rows: list[dict], key: str) -> list[dict]:
    """Pass rate of the counted batches grouped by `food_category` or `hazard_class` (a batch
    tested for several hazard classes counts once in each)."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if key == "hazard_class":
        for h in HAZARD_CLASSES:
            groups[h]  # every class of the plan is shown, 无数据 when none was tested
    for r in rows:
        if not r["is_counted"]:
            continue
        labels = ([h.strip() for h in (r["hazard_classes"] or "").split("、") if h.strip()]
                  if key == "hazard_class" else [r[key] or "未填写"])
        for lab in labels:
            groups[lab][1] += 1
            groups[lab][0] += r["verdict"] == "合格"
    return [_rate(key, k, n, d) for k, (n, d) in groups.items()]


def split_failed_items(text: str | None) -> str:
    """项目║检验结果║标准值；… → 项目：检验结果（标准：标准值）；…"""
    if not text:
        return ""
    parts = []
    for item in str(text).split("；"):
        bits = [b.strip() for b in item.replace("‖", "║").split("║")]
        if len(bits) >= 3:
            parts.append(f"{bits[0]}：{bits[1]}（标准：{bits[2]}）")
        elif item.strip():
            parts.append(item.strip())
    return "；".join(parts)


# ------------------------------------------------------------------ 问题整改
def problem_rows(engine: Engine, sel: Selection) -> list[dict]:
    """Problems (any source) found in [window start, as_of], each with its state on as_of:
    已整改 (closed by as_of), 逾期未整改 (past 整改期限), 整改中 (within it); days open/overdue/late."""
    as_of = sel.as_of
    rows = execute(engine, "problems_listed", unit_id=sel.unit["unit_id"], **sel.params)
    out = []
    for r in rows:
        for k in ("found_date", "deadline_date", "closed_date"):
            r[k] = as_date(r[k])
        if r["found_date"] < sel.window.start_date:
            continue
        r = problem_on(r, as_of)  # 已整改 by as_of, as problems_listed.sql's is_rectified
        closed = r["state"] == "已整改"
        r["days_overdue"] = (as_of - r["deadline_date"]).days if r["state"] == "逾期未整改" else 0
        r["days_open"] = 0 if closed else (as_of - r["found_date"]).days
        r["days_late"] = max((r["closed_date"] - r["deadline_date"]).days, 0) if closed else 0
        r["is_closed_late"] = closed and r["days_late"] > 0
        r["ageing"] = "" if closed else ageing_bucket(r["days_open"])
        out.append(r)
    return sorted(out, key=lambda r: (-r["days_overdue"], r["deadline_date"], r["problem_no"]))


def ageing_bucket(days: int) -> str:
    """The age bucket of a problem open for `days` days (15天以内 … 90天以上)."""
    for limit, name in AGEING_BUCKETS:
        if limit is None or days <= limit:
            return name
    return AGEING_BUCKETS[-1][1]


def problem_counts_by(rows: list[dict], key: str) -> list[dict]:
    """Counts per `unit_name` or `source`: total, 已整改, 整改中, 逾期未整改, 超期完成."""
    groups: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (r["unit_order"], r[key]) if key == "unit_name" else r[key]):
        g = groups.setdefault(r[key], {key: r[key], "count_total": 0, "count_closed": 0,
                                       "count_open": 0, "count_overdue": 0, "count_closed_late": 0})
        g["count_total"] += 1
        g["count_closed"] += r["state"] == "已整改"
        g["count_open"] += r["state"] == "整改中"
        g["count_overdue"] += r["state"] == "逾期未整改"
        g["count_closed_late"] += bool(r["is_closed_late"])
    return list(groups.values())


def ageing_counts(rows: list[dict]) -> list[dict]:
    """Open problems (整改中 and 逾期未整改) per age bucket, every bucket present."""
    counts = {name: 0 for _, name in AGEING_BUCKETS}
    for r in rows:
        if r["state"] != "已整改":
            counts[r["ageing"]] += 1
    return [{"ageing": k, "count_open": v} for k, v in counts.items()]
