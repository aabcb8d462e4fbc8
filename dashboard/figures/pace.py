"""Pace: where each figure should be by now, and whether it gets there by the end at its current rate.

The expected trajectory of every target is a straight line from the campaign start to the end of
the last phase; its measure (dashboard.figures.measures) says which:
- a *cumulative* target (coverage, valid certificates, counts: they grow as work is done) rises
  from 0 on the start day to its threshold on the last day (or on the last day of the phase its
  campaign file gives as its deadline, `due_phase`: 风险排查 is phase 1's work);
- a *level* target (checklists, pass rates, closure, within-days: rates that should hold all
  along) is the flat line at its threshold.

The forecast extrapolates the campaign-to-date figure at as_of: a cumulative figure grows at its
average daily rate since the start (n × total days / elapsed days), a level figure stays where
it is. The figures themselves always come from the target engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.engine import Engine

from ..campaign import DEFAULT_CAMPAIGN, CampaignConf, load_campaign

from ..labels import nd_text, percent_text
from ..periods import Window, month_key, month_keys, month_window

from .measures import CUMULATIVE, LEVEL, measures  # noqa: F401  (LEVEL: tests import it here)
from .selection import Selection
from .targets import compute_targets


def __getattr__(name: str):
    """PACE_KIND: the default campaign's target codes → cumulative or level (each measure's rule)."""
    if name == "PACE_KIND":
        return {m.code: m.pace for m in measures(load_campaign(DEFAULT_CAMPAIGN))}
    raise AttributeError(name)


def pace_kind(conf: CampaignConf, target: str) -> str:
    """The pace rule of a configured target (cumulative for a code the campaign lacks)."""
    return next((m.pace for m in measures(conf) if m.code == target), CUMULATIVE)


def end_date(conf: CampaignConf) -> date:
    """The end of the last phase (the campaign's end when it has no phases)."""
    return max((p.end_date for p in conf.phases), default=conf.end_date)


def due_date(conf: CampaignConf, target: str) -> date:
    """The day a target's straight line reaches its threshold: the end of the phase its campaign
    file names (due_phase), else the end of the last phase."""
    found = next((m for m in measures(conf) if m.code == target), None)
    return found.pace_end() if found is not None else end_date(conf)


def elapsed_fraction(conf: CampaignConf, on: date, until: date | None = None) -> Fraction:
    """Share of the days from the campaign start to `until` (default: the end of the last phase)
    gone by at the end of `on` (0 before the start, 1 after)."""
    total = ((until or end_date(conf)) - conf.start_date).days + 1
    gone = (on - conf.start_date).days + 1
    return Fraction(min(max(gone, 0), total), total)


def expected(conf: CampaignConf, target: str, threshold: float, on: date) -> Fraction:
    """Where the straight-line trajectory of a target stands on a date."""
    t = Fraction(threshold).limit_denominator()
    if pace_kind(conf, target) == LEVEL:
        return t
    return t * elapsed_fraction(conf, on, due_date(conf, target))


@dataclass(frozen=True)
class Pace:
    """One figure measured against its trajectory, with the end-of-campaign forecast."""
    unit_code: str
    unit_name: str
    target: str
    name: str
    numerator: int
    denominator: int
    threshold: float
    as_of: date
    expected: float          # the trajectory's value on as_of
    projected: float | None  # forecast value at the end; None without data
    is_behind: bool | None   # below the trajectory on as_of; None without data
    will_meet: bool | None   # the forecast reaches the threshold; None without data
    is_final: bool = False   # as_of is on or after the campaign's last day: no forecast, the result
    short_name: str = ""     # for chart axes (the measure's)

    @property
    def expected_text(self) -> str:
        return percent_text(self.expected)

    @property
    def projected_text(self) -> str:
        if self.projected is None:
            return percent_text(None)
        return percent_text(Fraction(self.projected).limit_denominator(10**6))  # a float of a Fraction

    @property
    def pace_text(self) -> str:
        return {None: "无数据", True: "落后于进度", False: "符合进度"}[self.is_behind]

    @property
    def forecast_text(self) -> str:
        if self.is_final:  # the campaign is over: what it reached, not a forecast
            return {None: "无数据", True: "期末已达标", False: "期末未达标"}[self.will_meet]
        return {None: "无数据", True: "按当前进度可达标", False: "按当前进度难以达标"}[self.will_meet]

    @property
    def verdict(self) -> str:
        """The forecast in one word for matrix cells: 可达标 / 难达标, after the end 已达标 / 未达标."""
        words = ("已达标", "未达标") if self.is_final else ("可达标", "难达标")
        return "无数据" if self.will_meet is None else words[0] if self.will_meet else words[1]

    @property
    def percent_text(self) -> str:
        return percent_text(self.numerator, self.denominator)

    @property
    def nd_text(self) -> str:
        return nd_text(self.numerator, self.denominator)


def pace_of(conf: CampaignConf, fig) -> Pace:
    """A campaign-to-date figure (TargetFigure or its dict) against its trajectory on its as_of."""
    g = fig if isinstance(fig, dict) else fig.__dict__
    n, d, thr, as_of, target = g["numerator"], g["denominator"], g["threshold"], g["as_of"], g["target"]
    exp = expected(conf, target, thr, as_of)
    t = Fraction(thr).limit_denominator()
    if not d:
        projected = behind = meet = None
    else:
        value = Fraction(n, d)
        if pace_kind(conf, target) == CUMULATIVE:
            gone = elapsed_fraction(conf, as_of, due_date(conf, target))
            projected = min(Fraction(1), value / gone) if gone else Fraction(0)
        else:
            projected = value
        behind, meet = value < exp, projected >= t
        projected = float(projected)
    return Pace(g["unit_code"], g["unit_name"], target, g["name"], n, d, thr, as_of, float(exp),
                projected, behind, meet, as_of >= end_date(conf), g.get("short_name") or "")


def month_ends(conf: CampaignConf, as_of: date) -> list[date]:
    """The last day of every campaign month up to as_of, and as_of itself (the trend's points)."""
    last = min(as_of, end_date(conf))
    return [min(month_window(key).end_date, last) for key in month_keys(conf.start_date, last)]


def trajectory(engine: Engine, sel: Selection, *, by_unit: bool = False) -> list[dict]:
    """Campaign-to-date figures at every month end up to the selection's as_of (one target engine
    call per point, the selection moved to it), each with the trajectory's expected value on that
    day. The selection's window does not matter."""
    conf = sel.conf
    rows = []
    for point in month_ends(conf, sel.as_of):
        window = Window(conf.start_date, point, "行动以来")
        for f in compute_targets(engine, sel.at(window, as_of=point), by_unit=by_unit):
            rows.append({"unit_code": f.unit_code, "unit_name": f.unit_name, "target": f.target,
                         "name": f.name, "point": point, "month": month_key(point),
                         "numerator": f.numerator, "denominator": f.denominator, "value": f.value,
                         "percent_text": f.percent_text, "nd_text": f.nd_text,
                         "threshold": f.threshold,
                         "expected": float(expected(conf, f.target, f.threshold, point))})
    return rows


def expected_line(conf: CampaignConf, target: str, threshold: float) -> list[dict]:
    """The straight line itself: its value on the start day, on its due day (when a phase's end)
    and on the last day."""
    return [{"point": d, "expected": float(expected(conf, target, threshold, d))}
            for d in sorted({conf.start_date, due_date(conf, target), end_date(conf)})]
