"""严打 (enforcement) without Streamlit: the cases filed in a window — how many, the 罚没 total, how many
went to the police, how many of each 违法类型 — for a unit and each unit directly below it (sums of
the cases of their subtrees, never averages), every case with the record its 来源编号 names; and the
meeting's 严打 exception, the serious 不合格 batches with no case some days after sampling (the
campaign file's strike: — campaign.StrikeConf: 30 days, 非食用物质 or 病死 in the Dongtai file).

docs/indicators.md ("严打") defines both; the SQL is queries/enforcement_cases.sql and
queries/serious_failed_samplings.sql.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from ..db import execute
from ..labels import as_date, nd_text, percent_text
from .selection import Selection

NO_TYPE = "未填写"


@dataclass(frozen=True)
class Tally:
    """Cases of one group: how many, the 罚没 total (元), how many went to the police, how many have
    a 来源编号 naming a record, how many have no 罚没金额 filled in."""
    count_cases: int = 0
    amount_fines: float = 0.0
    count_transferred: int = 0
    count_linked: int = 0
    count_no_fine: int = 0

    def add(self, case: dict) -> "Tally":
        fine = case["fine_amount"]
        return Tally(self.count_cases + 1, self.amount_fines + float(fine or 0),
                     self.count_transferred + int(case["is_transferred_police"]),
                     self.count_linked + (case["source_kind"] is not None),
                     self.count_no_fine + (fine is None))

    def as_dict(self) -> dict:
        return {"count_cases": self.count_cases, "amount_fines": round(self.amount_fines, 2),
                "count_transferred": self.count_transferred, "count_linked": self.count_linked,
                "count_no_fine": self.count_no_fine,
                "transferred_text": nd_text(self.count_transferred, self.count_cases),
                "linked_text": nd_text(self.count_linked, self.count_cases)}


def case_rows(engine: Engine, sel: Selection) -> list[dict]:
    """Every case of the selection's unit filed in its window (clipped to as_of), oldest first."""
    rows = execute(engine, "enforcement_cases", unit_id=sel.unit["unit_id"],
                   scope_unit_id=sel.params["scope_unit_id"], from_date=sel.params["from_date"],
                   to_date=sel.params["to_date"])
    for r in rows:
        r["filed_date"] = as_date(r["filed_date"])
        r["source_date"] = as_date(r["source_date"])
        r["is_transferred_police"] = int(r["is_transferred_police"])
        r["fine_amount"] = None if r["fine_amount"] is None else float(r["fine_amount"])
        r["violation_type"] = (r["violation_type"] or "").strip() or NO_TYPE
    return sorted(rows, key=lambda r: (r["filed_date"], r["case_no"]))


def panel(engine: Engine, sel: Selection) -> dict:
    """The 严打 panel of the selection's unit and window: `total` (Tally.as_dict of every case), `by_type` (one row
    per 违法类型, most cases first), `by_unit` (the unit, then each unit directly below it, each the
    sum over its subtree), `by_unit_type` (unit × 违法类型 counts, rows with cases only) and `cases`."""
    cases = case_rows(engine, sel)
    report_units = [sel.unit, *sel.children]
    units = {u["code"]: Tally() for u in report_units}
    types: dict[str, Tally] = defaultdict(Tally)
    unit_types: dict[tuple[str, str], int] = defaultdict(int)
    total = Tally()
    for c in cases:
        total = total.add(c)
        types[c["violation_type"]] = types[c["violation_type"]].add(c)
        for code in sel.report_units_of(c["unit_code"]):
            if code in units:
                units[code] = units[code].add(c)
                unit_types[(code, c["violation_type"])] += 1
    by_type = [{"violation_type": k, **t.as_dict()}
               for k, t in sorted(types.items(), key=lambda kv: (-kv[1].count_cases, kv[0]))]
    by_unit = [{"unit_code": u["code"], "unit_name": u["name"], **units[u["code"]].as_dict()}
               for u in report_units]
    by_unit_type = [{"unit_code": u["code"], "unit_name": u["name"], "violation_type": t["violation_type"],
                     "count_cases": unit_types[(u["code"], t["violation_type"])]}
                    for u in report_units for t in by_type if unit_types[(u["code"], t["violation_type"])]]
    return {"unit_code": sel.unit["code"], "unit_name": sel.unit["name"],
            "from_date": sel.window.start_date, "to_date": sel.params["to_date"], "as_of": sel.as_of,
            "total": total.as_dict(), "by_type": by_type, "by_unit": by_unit, "by_unit_type": by_unit_type,
            "cases": cases}


# ------------------------------------------------------------------ the exception
# Serious batches named to serious_failed_samplings.sql at most (SQLite allows 32,766 bound
# parameters); with more, it links cases to every failed batch and the rule is applied after, as
# it is anyway.
SAMPLE_NOS_AT_MOST = 5000


def serious_samples(engine: Engine, sel: Selection) -> list[dict]:
    """Every serious 不合格 batch (监督抽检, not 风险监测; one of the campaign's strike.hazard_classes
    tested, or one of its failed_item_words in 不合格项目) sampled from the campaign start to the
    selection's as_of (the window does not matter), with its first linked case (filed by as_of:
    case_no, filed_date, count_cases), `reason`, `days_open` (as_of − sampling date),
    `case_due_date` (sampling date + strike.case_due_days) and `is_unfiled` (no case and
    case_due_date ≤ as_of), oldest first."""
    as_of, strike = sel.as_of, sel.conf.strike
    where = {"unit_id": sel.unit["unit_id"], "scope_unit_id": sel.viewer.scope_unit_id,
             "from_date": sel.conf.start_date, "to_date": as_of}
    # which failed batches are serious first (two columns), then the cases of those only
    serious = sorted({r["sample_no"] for r in execute(engine, "failed_sampling_hazards", **where)
                      if strike.reason(r["hazard_classes"], r["failed_items"])})
    few = len(serious) <= SAMPLE_NOS_AT_MOST
    rows = execute(engine, "serious_failed_samplings", sample_nos=serious if few else [], every_failed=int(not few),
                   **where) if serious else []
    out = []
    for r in rows:
        reason = strike.reason(r["hazard_classes"], r["failed_items"])
        if not reason:
            continue
        r = {**r, "sampling_date": as_date(r["sampling_date"]), "filed_date": as_date(r["filed_date"]),
             "count_cases": int(r["count_cases"] or 0), "disposal_status": r["disposal_status"] or "未处置",
             "reason": reason}
        r["case_due_date"] = r["sampling_date"] + timedelta(days=strike.case_due_days)
        r["days_open"] = (as_of - r["sampling_date"]).days
        r["is_unfiled"] = r["case_no"] is None and r["case_due_date"] <= as_of
        out.append(r)
    return sorted(out, key=lambda r: (r["sampling_date"], r["sample_no"]))


def unfiled_samples(engine: Engine, sel: Selection) -> list[dict]:
    """The meeting's 严打 exception: serious 不合格 batches with no case strike.case_due_days days
    after their sampling date (as of the selection's as_of), oldest first."""
    return [r for r in serious_samples(engine, sel) if r["is_unfiled"]]


def serious_summary(rows: list[dict]) -> dict:
    """Counts of serious batches: all, with a case, unfiled past the due date, still within it."""
    with_case = sum(r["case_no"] is not None for r in rows)
    unfiled = sum(r["is_unfiled"] for r in rows)
    return {"count_serious": len(rows), "count_with_case": with_case, "count_unfiled": unfiled,
            "count_pending": len(rows) - with_case - unfiled,
            "with_case_text": nd_text(with_case, len(rows)), "with_case_percent": percent_text(with_case, len(rows))}


def yuan_plain(amount: float | None) -> str | None:
    """A fine in 元 in a table, as the clerk wrote it: 52000, 1234.5 (not the float's 52000.0);
    None when not filled."""
    return amount if amount is None else f"{float(amount):.2f}".rstrip("0").rstrip(".")


def yuan_text(amount: float) -> str:
    """罚没金额 for a sentence: 3.50万元 from ten thousand yuan up, else 3500元."""
    if amount >= 10000:
        return f"{amount / 10000:.2f}万元"
    return f"{amount:.2f}".rstrip("0").rstrip(".") + "元"
