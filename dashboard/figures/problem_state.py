"""A problem's status as it stood on the as-of date, defined once for every page and export.

A problem row holds its latest upload: 复查结论 已整改 with an 整改完成日期 after the as-of date means
it was still open on that date. Looking back, every place shows the status of that day; the later
closing may only be added as such ("8月31日未整改（已超期），9月12日已整改").
"""
from __future__ import annotations

from datetime import date

RECTIFIED, OVERDUE, OPEN = "已整改", "逾期未整改", "整改中"


def md(d: date) -> str:
    """9月12日."""
    return f"{d.month}月{d.day}日"


def is_rectified(r: dict, as_of: date) -> bool:
    """已整改 with 整改完成日期 on or before as_of (the logic of problems_listed.sql's is_rectified)."""
    return r["review_result"] == RECTIFIED and r["closed_date"] is not None and r["closed_date"] <= as_of


def problem_on(r: dict, as_of: date) -> dict:
    """The row as it stood on as_of: 复查结论 and 整改完成日期 of that day, `state` (已整改 /
    逾期未整改 / 整改中), `closed_later_date` when it was closed after as_of, and `problem_status`,
    the one sentence every page and export shows."""
    if r["found_date"] is not None and r["found_date"] > as_of:  # an enterprise file lists every record
        return {**r, "closed_later_date": None, "state": "统计日后发现",
                "problem_status": f"{md(r['found_date'])}发现（统计日后）"}
    done = is_rectified(r, as_of)
    later = r["closed_date"] if r["review_result"] == RECTIFIED and not done else None
    state = RECTIFIED if done else (OVERDUE if r["deadline_date"] < as_of else OPEN)
    review = RECTIFIED if done else ("未整改" if later else r["review_result"])
    if done:
        text = f"{md(r['closed_date'])}已整改"
    else:
        text = (review or "未复查") + ("（已超期）" if state == OVERDUE else "")
        if later:
            text = f"{md(as_of)}{text}，{md(later)}已整改"
    return {**r, "review_result": review, "closed_date": r["closed_date"] if done else None,
            "closed_later_date": later, "state": state, "problem_status": text}
