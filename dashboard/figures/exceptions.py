"""The leadership meeting's exceptions and its "since the last meeting" comparison (no Streamlit).

Exceptions come first on the meeting view: overdue rectifications (dashboard.figures.targets), 不合格
batches not yet disposed, sub-bureaus behind pace (dashboard.figures.pace) and units with no report in the
month of as_of. A unit reported a month when any record of its enterprises is dated in that month
or a committed upload was made for it during that month.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from ..db import execute
from ..labels import as_date, points_text, shown_change
from ..periods import month_of
from .selection import Selection


def undisposed_samples(engine: Engine, sel: Selection) -> list[dict]:
    """不合格 batches (any task source) sampled from the campaign start to the selection's as_of
    whose 核查处置状态 is not 已完成, oldest first (the window does not matter)."""
    return _undisposed_rows(execute(engine, "undisposed_samplings", **_undisposed_where(sel)), sel.as_of)


def undisposed_first(engine: Engine, sel: Selection, per_unit: int) -> tuple[list[dict], dict[str, int]]:
    """The overview's short list of undisposed_samples: at least the first `per_unit` rows of each
    unit (its enterprises' own, in the whole list's order) and how many each unit has in all
    (by unit_code, units with none left out), counted and ranked in the database."""
    rows = execute(engine, "undisposed_samplings_first", per_unit=per_unit, **_undisposed_where(sel))
    totals = {r["unit_code"]: r.pop("unit_total") for r in rows}
    return _undisposed_rows(rows, sel.as_of), totals


def _undisposed_where(sel: Selection) -> dict:
    return {"unit_id": sel.unit["unit_id"], "scope_unit_id": sel.viewer.scope_unit_id,
            "from_date": sel.conf.start_date, "to_date": sel.as_of}


def _undisposed_rows(rows: list[dict], as_of: date) -> list[dict]:
    """Rows of undisposed_samplings.sql with days_open, oldest first (不合格 and not 已完成: filtered in the query)."""
    out = []
    for r in rows:
        r = {**r, "sampling_date": as_date(r["sampling_date"]),
             "disposal_status": r["disposal_status"] or "未处置"}
        r["days_open"] = (as_of - r["sampling_date"]).days
        out.append(r)
    return sorted(out, key=lambda r: (r["sampling_date"], r["sample_no"]))


def report_status(engine: Engine, sel: Selection) -> list[dict]:
    """For each unit directly below the selection's unit (or the unit itself when it has none):
    did it report in the month of as_of (records dated in that month up to as_of, or an upload
    during it)? The window does not matter."""
    as_of, conf, viewer = sel.as_of, sel.conf, sel.viewer
    units = list(sel.children) or [sel.unit]
    ids = [u["unit_id"] for u in units]
    month = month_of(as_of)
    # The month's dates first: a unit with any is reported and its last record date is among them
    # (both end at as_of). Only the units with none are read back to the campaign start, for their
    # last record date: the campaign's whole range cost four times the month's at province scale.
    since = max(month.start_date, conf.start_date)
    dates = execute(engine, "report_unit_record_dates", report_unit_ids=ids,
                    scope_unit_id=viewer.scope_unit_id, from_date=since, to_date=as_of)
    silent = sorted(set(ids) - {r["unit_id"] for r in dates})
    if silent and since > conf.start_date:
        dates += execute(engine, "report_unit_record_dates", report_unit_ids=silent,
                         scope_unit_id=viewer.scope_unit_id, from_date=conf.start_date, to_date=as_of)
    uploads = execute(engine, "report_unit_upload_times", report_unit_ids=ids,
                      scope_unit_id=viewer.scope_unit_id, own_only=0,
                      from_time=datetime.combine(month.start_date, datetime.min.time()),
                      to_time=datetime.combine(as_of + timedelta(days=1), datetime.min.time()))
    out = []
    for u in units:
        own = sorted(as_date(r["record_date"]) for r in dates if r["unit_id"] == u["unit_id"])
        in_month = [d for d in own if d >= month.start_date]
        ups = [r for r in uploads if r["unit_id"] == u["unit_id"]]
        out.append({"unit_code": u["code"], "unit_name": u["name"], "month": month.label,
                    "record_count": len(in_month), "reported": bool(in_month or ups),
                    "last_record_date": own[-1] if own else None,
                    "last_upload": max((r["uploaded_at"] for r in ups), default=None)})
    return out


def silent_units(engine: Engine, sel: Selection) -> list[dict]:
    """The units with no report in the month of the selection's as_of."""
    return [r for r in report_status(engine, sel) if not r["reported"]]


def behind_units(paces) -> list[dict]:
    """Units with at least one target behind its trajectory, most behind first; `paces` are
    dashboard.figures.pace.Pace rows for one parent unit and its children (the parent itself counts only
    when it has no children)."""
    if not paces:
        return []
    parent = paces[0].unit_code
    alone = all(p.unit_code == parent for p in paces)  # a unit without children: itself
    by_unit: dict[str, dict] = {}
    for p in paces:
        if (p.unit_code == parent and not alone) or not p.is_behind:
            continue
        row = by_unit.setdefault(p.unit_code, {"unit_code": p.unit_code, "unit_name": p.unit_name,
                                               "targets": []})
        row["targets"].append(p.name)
    out = sorted(by_unit.values(), key=lambda r: -len(r["targets"]))
    for r in out:
        r["behind_targets"] = "、".join(r.pop("targets"))
    return out


def count_by_child(rows: list[dict], units: list[dict], parent_code: str) -> list[dict]:
    """How many of `rows` (each with the unit_code of its enterprise's unit) fall under each unit
    directly below parent_code, most first (ties in configuration order, units with none left out);
    `units` are the viewer's units with their parent_code (dashboard.ui.data.units)."""
    return count_by_child_of(Counter(r["unit_code"] for r in rows), units, parent_code)


def count_by_child_of(totals: dict[str, int], units: list[dict], parent_code: str) -> list[dict]:
    """count_by_child from how many rows each unit has (by unit_code) instead of the rows."""
    parent_of = {u["code"]: u["parent_code"] for u in units}
    names = {u["code"]: u["name"] for u in units if u["parent_code"] == parent_code}

    def child(code):
        while code is not None and code not in names:
            code = parent_of.get(code)
        return code

    child_of = {code: child(code) for code in parent_of}
    counts = Counter()
    for code, n in totals.items():
        counts[child_of.get(code)] += n
    return [{"unit_code": c, "unit_name": names[c], "count": counts[c]}
            for c in sorted((c for c in names if counts[c]), key=lambda c: -counts[c])]


def compare(current: list[dict], previous: list[dict]) -> list[dict]:
    """Figures (dicts) now and at an earlier as_of, matched by unit and target, with the change."""
    before = {(f["unit_code"], f["target"]): f for f in previous}
    out = []
    for f in current:
        p = before.get((f["unit_code"], f["target"]))
        delta = shown_change(f, p)
        out.append({"unit_code": f["unit_code"], "unit_name": f["unit_name"], "target": f["target"],
                    "name": f["name"], "current": f, "previous": p, "delta": delta,
                    "change_text": points_text(delta) if p else "—"})
    return out


def comparison_rows(current: list[dict], previous: list[dict]) -> list[dict]:
    """"Since the last meeting": each unit × target then and now, worst fall first (then the
    unchanged, then the rises, those without a comparison last); `change_points` is the change of
    the shown figures in points (a number, so tables sort it as one), `is_flat` marks 持平."""
    rows = [{"unit_name": c["unit_name"], "target": c["target"], "target_name": c["name"],
             "short_name": c["current"].get("short_name") or c["name"],
             "previous_text": c["previous"]["figure_text"] if c["previous"] else "无数据",
             "current_text": c["current"]["figure_text"], "change_text": c["change_text"],
             "change_points": None if c["delta"] is None else round(c["delta"] * 100, 1),
             "is_flat": c["delta"] == 0}
            for c in compare(current, previous)]
    return sorted(rows, key=lambda r: (r["change_points"] is None, r["change_points"] or 0))
