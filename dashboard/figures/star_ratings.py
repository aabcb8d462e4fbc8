"""星级评比 and 示范企业 without Streamlit (the plan's §三(三)5 and §四(三) 授牌表彰).

For a year Y, each unit's enterprises at each 星级 by their row for Y (the unit and each unit directly
below it, sums over their subtrees); a 示范企业 of Y is rated 三星级 in both Y and Y − 1
(docs/indicators.md "星级评比"). The SQL is queries/star_ratings.sql.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..db import execute
from .selection import Selection

STARS = ("一星级", "二星级", "三星级", "未评上")
TOP = "三星级"
COUNT_KEYS = {"一星级": "count_star1", "二星级": "count_star2", "三星级": "count_star3",
              "未评上": "count_unrated"}


def rating_rows(engine: Engine, sel: Selection) -> list[dict]:
    """Every rating (any year) of the selection's unit, by unit order, credit code and year."""
    rows = execute(engine, "star_ratings", unit_id=sel.unit["unit_id"],
                   scope_unit_id=sel.params["scope_unit_id"])
    for r in rows:
        r["year"] = int(r["year"])
        r["score"] = None if r["score"] is None else float(r["score"])
    return sorted(rows, key=lambda r: (r["unit_order"], r["credit_code"], r["year"]))


def _distribution(rows: list[dict], unit: dict, year: int) -> dict:
    out = {"unit_code": unit["code"], "unit_name": unit["name"], "year": year}
    out |= {key: 0 for key in COUNT_KEYS.values()}
    for r in rows:
        if r["year"] == year and r["star"] in COUNT_KEYS:
            out[COUNT_KEYS[r["star"]]] += 1
    out["count_total"] = sum(out[k] for k in COUNT_KEYS.values())
    return out


def model_enterprises(rows: list[dict], year: int) -> list[dict]:
    """示范企业 of `year`: 三星级 in year and year − 1, with both scores, by unit and credit code."""
    by_key = {(r["credit_code"], r["year"]): r for r in rows}
    out = []
    for r in rows:
        before = by_key.get((r["credit_code"], year - 1))
        if r["year"] == year and r["star"] == TOP and before is not None and before["star"] == TOP:
            out.append({"unit_code": r["unit_code"], "unit_name": r["unit_name"], "unit_order": r["unit_order"],
                        "credit_code": r["credit_code"], "name": r["name"], "status": r["status"],
                        "year": year, "previous_score": before["score"], "score": r["score"],
                        "batch_id": r["batch_id"], "file_name": r["file_name"], "uploader": r["uploader"],
                        "uploaded_at": r["uploaded_at"]})
    return sorted(out, key=lambda r: (r["unit_order"], r["credit_code"]))


def star_table(engine: Engine, sel: Selection, *, year: int) -> dict:
    """For the selection's unit (its window does not matter) and a year: `by_unit` (the unit, then each unit directly below it: count_star1,
    count_star2, count_star3, count_unrated, count_total, count_model), `by_year` (the unit's own
    distribution in every year it has ratings, and `year`), `models` (示范企业 of the year) and
    `ratings` (every rating of the year)."""
    rows = rating_rows(engine, sel)
    models = model_enterprises(rows, year)
    report_units = [sel.unit, *sel.children]
    by_unit = []
    for u in report_units:
        mine = [r for r in rows if u["code"] in sel.report_units_of(r["unit_code"])]
        row = _distribution(mine, u, year)
        row["count_model"] = sum(u["code"] in sel.report_units_of(m["unit_code"]) for m in models)
        by_unit.append(row)
    years = sorted({r["year"] for r in rows} | {year})
    by_year = []
    for y in years:
        row = _distribution(rows, sel.unit, y)
        row["count_model"] = len(model_enterprises(rows, y))
        by_year.append(row)
    return {"unit_code": sel.unit["code"], "unit_name": sel.unit["name"], "year": year,
            "by_unit": by_unit, "by_year": by_year, "models": models,
            "ratings": [r for r in rows if r["year"] == year]}


def model_years(history: list[dict]) -> list[int]:
    """The years an enterprise is a 示范企业 in, from its own ratings (dicts with year and star)."""
    top = {int(r["year"]) for r in history if r["star"] == TOP}
    return sorted(y for y in top if y - 1 in top)
