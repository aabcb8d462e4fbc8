"""The target engine: the campaign figures of indicators.md for any org unit and window.

Counting happens in SQL (`queries/*_counts_by_unit.sql`): records are counted per enterprise unit and
rolled up the org tree through org_unit_closure, so a county figure is the sum of numerators over
the sum of denominators, never an average of sub-bureau rates. Python takes the selection resolved
once (dashboard.figures.selection: unit, window, as-of, checked against the viewer's scope) and
turns counts into figures.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy.engine import Engine

from ..access import Viewer
from ..campaign import DEFAULT_CAMPAIGN, CampaignConf, load_campaign
from ..periods import Window
from ..db import execute
from .measures import measures
from ..labels import STATUS_BY_MET, normalise_dates, nd_text, percent_text, threshold_text
from .problem_state import problem_on
from .selection import Selection, select
from . import stored
from ..labels import as_date  # noqa: F401  (dashboard.figures.reporting imports it from here)


def __getattr__(name: str):
    """TARGET_QUERIES: the default campaign's target codes → the count query each runs (tests and
    benchmarks run these queries); read from the measure registry, never written here."""
    if name == "TARGET_QUERIES":
        return {m.code: (m.count_key or ("",))[0] for m in measures(load_campaign(DEFAULT_CAMPAIGN))}
    raise AttributeError(name)


# ------------------------------------------------------------------ the figure
def is_met(numerator: int, denominator: int, threshold: float) -> bool | None:
    """Exact comparison: 0.99 means 99/100, so 99 of 100 is met and 98 of 99 is not."""
    if not denominator:
        return None
    t = Fraction(threshold).limit_denominator()
    return numerator * t.denominator >= t.numerator * denominator


def ratio(numerator: int, denominator: int) -> float | None:
    """n/d to 4 decimals; None for 0 of 0 (no figure, never 0 % or 100 %)."""
    return round(numerator / denominator, 4) if denominator else None


@dataclass(frozen=True)
class TargetFigure:
    """One target for one unit and window: n of d, the value and whether the target is met."""
    unit_code: str
    unit_name: str
    from_date: date
    to_date: date
    as_of: date
    target: str
    name: str
    numerator: int
    denominator: int
    threshold: float
    short_name: str = ""  # for matrix headers and chart axes (the measure's; the name when empty)
    value: float | None = field(init=False)
    met: bool | None = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "value", ratio(self.numerator, self.denominator))
        object.__setattr__(self, "met", is_met(self.numerator, self.denominator, self.threshold))

    @property
    def percent_text(self) -> str:
        """One decimal, rounded down (dashboard.labels.percent_text)."""
        return percent_text(self.numerator, self.denominator)

    @property
    def nd_text(self) -> str:
        """n/d."""
        return nd_text(self.numerator, self.denominator)

    @property
    def threshold_text(self) -> str:
        """100% or ≥99%."""
        return threshold_text(self.threshold)

    @property
    def status_text(self) -> str:
        """达标 / 未达标 / 无数据."""
        return STATUS_BY_MET[self.met]

    def to_json(self) -> dict:
        return {"unit": self.unit_code, "unit_name": self.unit_name,
                "from": self.from_date.isoformat(), "to": self.to_date.isoformat(),
                "target": self.target, "name": self.name, "numerator": self.numerator,
                "denominator": self.denominator, "value": self.value,
                "threshold": self.threshold, "met": self.met}


# ------------------------------------------------------------------ the figures
def _count_rows(engine: Engine, conf: CampaignConf, sel: Selection, report_units: list[dict],
                from_store: bool = True) -> dict:
    """(unit_id, target code) → (numerator, denominator); absent pairs are 0 of 0. Measures a count
    query answers share one run per query and parameters (every report unit at once), read from the
    stored figures (dashboard.figures.stored) unless `from_store` is False; the others count their
    members."""
    ids = [u["unit_id"] for u in report_units]
    runs: dict[tuple, tuple[dict, list]] = {}
    counts = {}
    for m in measures(conf):
        if m.count_key:
            extra = m.count_params(sel.params)
            runs.setdefault((m.count_key[0], _hashable(extra)), (extra, []))[1].append(m)
        else:
            counts |= _member_counts(engine, m, sel, report_units)
    asked = [(name, {**sel.params, **extra}) for (name, _), (extra, _) in runs.items()]
    if from_store:
        results = stored.counts(engine, conf, asked, ids)
    else:
        with engine.connect() as conn:
            results = [execute(conn, name, report_unit_ids=ids, **params) for name, params in asked]
    for (extra, group), result in zip(runs.values(), results):
        rows = {(r["unit_id"], r["count_key"]): (int(r["numerator"] or 0), int(r["denominator"] or 0))
                for r in result}
        for m in group:
            counts |= {(i, m.code): rows[(i, m.count_key[1])] for i in ids if (i, m.count_key[1]) in rows}
    return counts


def _hashable(params: dict) -> tuple:
    """A measure's count parameters as a key: two measures asking the same share one run."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def _member_counts(engine: Engine, m, sel: Selection, report_units: list[dict]) -> dict:
    """A measure's counts from its members, rolled up to each report unit."""
    by_code = {u["code"]: u["unit_id"] for u in report_units}
    n, d = dict.fromkeys(by_code.values(), 0), dict.fromkeys(by_code.values(), 0)
    for r in m.members(engine, sel):
        for code in sel.report_units_of(r["unit_code"]):
            if code in by_code:
                d[by_code[code]] += 1
                n[by_code[code]] += r["is_numerator"]
    out = {}
    for u in report_units:
        goal = m.goal(u["code"])
        out[(u["unit_id"], m.code)] = (n[u["unit_id"]], d[u["unit_id"]] if goal is None else goal)
    return out


def compute_targets(engine: Engine, sel: Selection | CampaignConf, viewer: Viewer | None = None, *,
                    unit=None, window: Window | None = None, as_of: date | None = None,
                    by_unit: bool = False, from_store: bool = True) -> list[TargetFigure]:
    """The configured targets for the selection's unit, and with by_unit for each unit directly
    below it too, in the campaign's order.

    The one keyword convenience of the read side (for tests and scripts): called as
    `compute_targets(engine, conf, viewer, unit=…, window=…, as_of=…)` it resolves the selection
    itself (dashboard.figures.selection.select). Pages, exports and the CLI pass a Selection."""
    if not isinstance(sel, Selection):
        sel = select(engine, sel, viewer, unit=unit, window=window, as_of=as_of)
    elif (viewer, unit, window, as_of) != (None, None, None, None):
        raise TypeError("compute_targets: a Selection already holds the viewer, unit, window and as_of")
    conf = sel.conf
    report_units = [sel.unit, *sel.children] if by_unit else [sel.unit]
    counts = _count_rows(engine, conf, sel, report_units, from_store)
    return [TargetFigure(u["code"], u["name"], sel.window.start_date, sel.window.end_date,
                         sel.as_of, m.code, m.name, *counts.get((u["unit_id"], m.code), (0, 0)),
                         m.target.threshold, m.short_name)
            for u in report_units for m in measures(conf)]


# ------------------------------------------------------------------ overdue problems
def overdue_problems(engine: Engine, sel: Selection) -> list[dict]:
    """Problems of any source past their 整改期限 and not 已整改 on the selection's as_of, most
    overdue first (the window does not matter)."""
    return _overdue_rows(execute(engine, "overdue_problems", unit_id=sel.unit["unit_id"], **sel.params), sel.as_of)


def overdue_first(engine: Engine, sel: Selection, per_unit: int) -> tuple[list[dict], dict[str, int]]:
    """The overview's short list of overdue_problems: at least the first `per_unit` rows of each
    unit (its enterprises' own, in the whole list's order) and how many each unit has in all
    (by unit_code, units with none left out), counted and ranked in the database."""
    rows = execute(engine, "overdue_problems_first", unit_id=sel.unit["unit_id"], per_unit=per_unit, **sel.params)
    totals = {r["unit_code"]: r.pop("unit_total") for r in rows}
    return _overdue_rows(rows, sel.as_of), totals


def _overdue_rows(rows: list[dict], as_of: date) -> list[dict]:
    """Rows of overdue_problems.sql with their state on as_of and days_overdue, most overdue first."""
    out = [problem_on(normalise_dates(r), as_of) for r in rows]
    for r in out:
        r["days_overdue"] = (as_of - r["deadline_date"]).days
    return sorted(out, key=lambda r: (-r["days_overdue"], r["problem_no"]))


# ------------------------------------------------------------------ text table
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(figures: list[TargetFigure]) -> str:
    """A plain-text table for the terminal, CJK-width aware."""
    if not figures:
        return "（无数据）"
    f0 = figures[0]
    head = f"统计区间：{f0.from_date} 至 {f0.to_date}（截至 {f0.as_of}）"
    rows = [("单位", "指标", "完成/总数", "完成率", "目标", "结果")]
    rows += [(f.unit_name, f.name, f.nd_text, f.percent_text, f.threshold_text, f.status_text)
             for f in figures]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "-" * max(_width(line) for line in lines))
    return "\n".join([head, *lines])
