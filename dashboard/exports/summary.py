"""Everything a stage summary shows, gathered once for one window (a phase or a month) and one unit.

`build_summary` asks the core — the target engine, the gap lists, overdue problems and reporting
completeness — through the viewer it is given, so a sub-bureau chief's summary can only ever hold
their own subtree (a unit outside it raises PermissionError in the core). The workbook, the
briefing, its PDF and the page's preview are all made from the one StageSummary, so they cannot
disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from ..access import Viewer
from ..figures.breakdowns import split_failed_items
from ..campaign import UNASSIGNED, CampaignConf, PhaseConf, current_phase, phase_of
from ..periods import Window, month_of, month_window
from ..figures.gaps import missing_enterprises
from ..figures.measures import measures
from ..figures.reporting import reporting_completeness
from ..labels import figure_dict, label, points_text, shown_change, threshold_text
from ..figures.selection import select
from ..figures.targets import compute_targets, overdue_problems
from .ledger_summary import gather as gather_ledger
from .strike_summary import gather as gather_strike
from .work_summary import gather as gather_work

GENERAL_NOTES = (
    "在产企业指企业名录中企业状态为“在产”的企业；企业名录以最新上报为准。",
    "上级单位的完成率按所辖企业汇总计算（分子之和÷分母之和），不是{units}完成率的平均数。",
    "分母为0时不计算完成率，显示“无数据”。",
    "完成率保留一位小数并向下取整（如98.96%显示为98.9%），较上期的变化为两期显示值之差，"
    "是否达标按分子、分母精确比较。",
    "逾期未整改问题：任何来源的问题，整改期限早于统计日且统计日尚未整改完成。",
)

@dataclass(frozen=True)
class GapSpec:
    """One gap list: its key (a target code, or overdue), its title and the columns shown."""
    key: str
    title: str
    columns: tuple[str, ...]
    issue: str  # how the briefing names the problem: "{n}家企业本期无自查记录"-style lead


# Not a target: problems of any source past their deadline; listed after the closure targets'.
OVERDUE = GapSpec("overdue", "逾期未整改问题",
                  ("unit_name", "enterprise_name", "cadre_name", "problem_no", "source", "description",
                   "found_date", "deadline_date", "days_overdue"),
                  "个问题已超过整改期限仍未整改")
OVERDUE_RANK = 3  # between the closure (2) and the sampling (4) gap lists


def gap_specs(conf: CampaignConf) -> list[tuple[GapSpec, object]]:
    """(spec, measure) of every gap list in the exports' order: each measure's rank, then the
    campaign's order; the overdue list (measure None) among them. Counts have no gap list."""
    ranked = [(m.gap_rank, i, GapSpec(m.code, m.word("gap_title"), m.gap_columns, m.word("gap_issue")), m)
              for i, m in enumerate(measures(conf)) if m.gap_columns]
    ranked.append((OVERDUE_RANK, 0, OVERDUE, None))
    return [(spec, m) for _, _, spec, m in sorted(ranked, key=lambda r: r[:2])]


@dataclass(frozen=True)
class GapList:
    """The rows of one gap list (dicts keyed by the spec's columns) under its spec."""
    spec: GapSpec
    rows: list[dict]

    @property
    def headers(self) -> list[str]:
        """The Chinese column headers."""
        return [label(c) for c in self.spec.columns]


@dataclass
class StageSummary:
    """One stage summary's content: who, which window, every figure, the gap lists."""
    campaign_code: str
    campaign_name: str
    campaign_short: str
    window: Window
    kind: str                       # "phase" or "month"
    phase: PhaseConf | None         # the window's phase (kind phase) or the phase holding the month
    previous_label: str | None      # 部署推动阶段 / 2023年6月: what "change" is measured against
    next_phase: PhaseConf | None    # the phase whose work items 下一步工作 lists
    unit_code: str
    unit_name: str
    as_of: date
    generated_at: datetime
    targets: list[dict]             # code, name, threshold_text, definition, action, grouping
    figures: list[dict]             # the unit's figures, then each unit directly below it
    phase_figures: list[dict]       # the unit's figures at the end of each phase begun by as_of
    gaps: list[GapList]
    completeness: object | None = None  # dashboard.figures.reporting.Completeness
    notes: tuple[str, ...] = ()     # general_notes(conf)
    extra: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def unit_figures(self) -> list[dict]:
        """The chosen unit's own nine figures."""
        return [f for f in self.figures if f["unit_code"] == self.unit_code]

    @property
    def child_units(self) -> list[tuple[str, str]]:
        """(code, name) of each unit directly below the chosen one, in configuration order."""
        return list(dict.fromkeys((f["unit_code"], f["unit_name"]) for f in self.figures
                                  if f["unit_code"] != self.unit_code))

    def figures_of(self, unit_code: str) -> list[dict]:
        """One unit's figures, in the campaign's target order."""
        return [f for f in self.figures if f["unit_code"] == unit_code]

    def gap(self, key: str) -> GapList | None:
        """The gap list of a target code (or `overdue`), None when the campaign has no such target."""
        return next((g for g in self.gaps if g.spec.key == key), None)

    @property
    def window_text(self) -> str:
        """2023年5月1日至2023年8月31日."""
        return f"{cn_date(self.window.start_date)}至{cn_date(self.window.end_date)}"

    @property
    def title_lines(self) -> tuple[str, str]:
        """The title in its two printed lines: 东台市肉制品质量安全提升行动 / 深入推进阶段工作总结."""
        stem = self.campaign_name if self.is_root else f"{self.unit_name}{self.campaign_short}"
        return stem, f"{self.window.label}工作总结"

    @property
    def title(self) -> str:
        """东台市肉制品质量安全提升行动深入推进阶段工作总结 (a sub-bureau: its name first)."""
        return "".join(self.title_lines)

    def target(self, code: str) -> dict:
        """The target entry of a code (summary.target_entry)."""
        return next(t for t in self.targets if t["code"] == code)

    def owner_of(self, key: str) -> str:
        """The 责任科室 of a gap list's target (未指定 for a list that is no target's, e.g. overdue)."""
        return next((t["owner"] for t in self.targets if t["code"] == key), UNASSIGNED)

    def word(self, key: str) -> str:
        """The campaign's wording (scope 全市, children 各分局（所）, child 分局（所）, subject 肉制品)."""
        return self.extra.get("wording", {}).get(key, "")

    @property
    def is_root(self) -> bool:
        """Whether the summary is the county's (the root of the campaign's tree)."""
        return bool(self.extra.get("is_root"))


def cn_date(d: date) -> str:
    """2023年5月1日."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_range(start: date, end: date) -> str:
    """2023年5月1日至8月31日 (the year once when both days share it)."""
    tail = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    return f"{cn_date(start)}至{tail}"


# ------------------------------------------------------------------ windows
def summary_window(conf: CampaignConf, *, phase=None, month: str | None = None
                   ) -> tuple[Window, str, PhaseConf | None]:
    """The window of a phase (number or name) or a month (YYYY-MM), its kind and its phase.
    KeyError / ValueError for an unknown phase or a malformed month."""
    if (phase is None) == (month is None):
        raise ValueError("须指定阶段或月份之一")
    if phase is not None:
        p = phase_of(conf, phase)
        return Window(p.start_date, p.end_date, p.name), "phase", p
    w = month_window(month)
    if w.end_date < conf.start_date or w.start_date > conf.end_date:
        raise ValueError(f"{w.label}不在行动期间（{conf.start_date} 至 {conf.end_date}）内")
    return w, "month", current_phase(conf, w.start_date) or current_phase(conf, w.end_date)


def previous_window(conf: CampaignConf, window: Window, kind: str, phase: PhaseConf | None
                    ) -> Window | None:
    """The window the change is measured against: the phase before, or the month before (when it
    lies in the campaign)."""
    if kind == "phase":
        before = [p for p in conf.phases if p.seq == phase.seq - 1]
        return Window(before[0].start_date, before[0].end_date, before[0].name) if before else None
    prev = window.start_date - timedelta(days=1)
    w = month_of(prev)
    return w if w.end_date >= conf.start_date else None


def next_phase_of(conf: CampaignConf, window: Window, kind: str, phase: PhaseConf | None
                  ) -> PhaseConf | None:
    """The phase whose work comes next: the following phase after a phase, the phase running the
    day after a month (or the following phase when none runs then)."""
    if kind == "phase":
        return next((p for p in conf.phases if p.seq == phase.seq + 1), None)
    after = window.end_date + timedelta(days=1)
    return current_phase(conf, after) or next((p for p in conf.phases if p.start_date > after), None)


# ------------------------------------------------------------------ gathering
def _with_change(figs: list[dict], before: list[dict]) -> list[dict]:
    prev = {(f["unit_code"], f["target"]): f for f in before}
    out = []
    for f in figs:
        p = prev.get((f["unit_code"], f["target"]))
        delta = shown_change(f, p)  # the difference of the shown (rounded-down) figures
        out.append({**f, "previous_value": p["value"] if p else None,
                    "previous_text": p["percent_text"] if p else "—",
                    "previous_nd_text": p["nd_text"] if p else "",
                    "previous_numerator": p["numerator"] if p else None,
                    "previous_denominator": p["denominator"] if p else None,
                    "change": delta, "change_text": points_text(delta) if p else "—"})
    return out


def _gap_rows(spec: GapSpec, rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        row = {c: r.get(c) for c in spec.columns}
        if "failed_items" in row:
            row["failed_items"] = split_failed_items(row["failed_items"])
        if "disposal_status" in row:
            row["disposal_status"] = row["disposal_status"] or "未处置"
        out.append(row)
    return out


def build_summary(engine: Engine, conf: CampaignConf, viewer: Viewer, *, phase=None,
                  month: str | None = None, unit=None, as_of: date | None = None,
                  generated_at: datetime | None = None, completeness: bool = True,
                  progress=None) -> StageSummary:
    """Every figure of one stage summary: the window is a phase (number or name) or a month
    ('2023-07'); unit a code or name (default: the viewer's own unit); as_of defaults to the window's
    end, or today while the window runs. `progress(fraction, text)` is called as the parts are
    gathered (the page shows it)."""
    step = progress or (lambda fraction, text: None)
    window, kind, the_phase = summary_window(conf, phase=phase, month=month)
    as_of = min(as_of or window.as_of(), window.end_date)
    if as_of < window.start_date:
        raise ValueError(f"{window.label}（{window.start_date} 起）在数据截至日 {as_of} 时尚未开始")
    sel = select(engine, conf, viewer, unit=unit, window=window, as_of=as_of)  # once for the whole summary
    step(0.05, "计算各项目标完成情况")
    current = compute_targets(engine, sel, by_unit=True)
    unit_code, unit_name = sel.unit["code"], sel.unit["name"]
    figs = [figure_dict(f) for f in current]
    before_window = previous_window(conf, window, kind, the_phase)
    before = []
    if before_window is not None:
        step(0.15, f"计算{before_window.label}完成情况（用于比较）")
        before = [figure_dict(f) for f in compute_targets(
            engine, sel.at(before_window, as_of=min(before_window.end_date, as_of)), by_unit=True)]
    step(0.25, "计算各阶段完成情况")
    phase_figs = []
    for p in conf.phases:
        if p.start_date > as_of:
            continue
        if kind == "phase" and (p.start_date, p.end_date) == (window.start_date, window.end_date):
            these = [f for f in figs if f["unit_code"] == unit_code]
        else:
            these = [figure_dict(f) for f in compute_targets(
                engine, sel.at(Window(p.start_date, p.end_date, p.name), as_of=min(p.end_date, as_of)))]
        phase_figs += [{**f, "phase": f"第{p.seq}阶段", "phase_name": p.name} for f in these]
    gaps = []
    specs = gap_specs(conf)
    for i, (spec, _) in enumerate(specs):
        step(0.35 + 0.5 * i / len(specs), f"整理清单：{spec.title}")
        if spec.key == "overdue":
            rows = overdue_problems(engine, sel)
        else:
            rows = missing_enterprises(engine, sel, target=spec.key)
        gaps.append(GapList(spec, _gap_rows(spec, rows)))
    step(0.88, "统计工作开展情况")
    work = gather_work(engine, sel)
    step(0.89, "统计严打、检验项目类别、星级评比与工作任务台账")
    strike = gather_strike(engine, sel, kind=kind, phase=the_phase)
    ledger = gather_ledger(engine, sel)
    comp = None
    if completeness:
        step(0.9, "统计上报完整性")
        comp = reporting_completeness(engine, sel)
    step(1.0, "数据准备完成")
    return StageSummary(
        campaign_code=conf.code, campaign_name=conf.name,
        campaign_short=str(conf.extra.get("short_name") or conf.name),
        window=window, kind=kind, phase=the_phase,
        previous_label=before_window.label if before_window else None,
        next_phase=next_phase_of(conf, window, kind, the_phase),
        unit_code=unit_code, unit_name=unit_name, as_of=as_of,
        generated_at=(generated_at or datetime.now()).replace(microsecond=0),
        targets=[target_entry(m) for m in measures(conf)],
        figures=_with_change(figs, before), phase_figures=phase_figs, gaps=gaps, completeness=comp,
        notes=general_notes(conf),
        extra={"is_root": unit_code == conf.root.code, "work": work, "strike": strike, "ledger": ledger,
               "wording": {k: conf.word(k) for k in ("scope", "children", "child", "subject")},
               "populations": [(p.code, p.label, within(conf.populations[0], p)) for p in conf.populations]})


def within(first, p) -> bool:
    """Whether population p lies inside the first one (the briefing says 其中 for it)."""
    return p is not first and (not first.subject_types or set(p.subject_types or ()) <= set(first.subject_types)
                               and bool(p.subject_types))


def general_notes(conf: CampaignConf) -> tuple[str, ...]:
    """The notes of the workbook's cover and the briefing's end, in the campaign's words."""
    return tuple(n.format(units=conf.word("units")) for n in GENERAL_NOTES)


def target_entry(m) -> dict:
    """What the exports say of a target besides its figures: definition, sentences, grouping."""
    t = m.target
    return {"code": t.code, "name": t.name, "threshold": t.threshold,
            "threshold_text": threshold_text(t.threshold), "definition": m.definition,
            "action": m.word("action"), "subject_based": m.subject_based, "gap_rank": m.gap_rank,
            "population": m.population.code, "record": m.p.get("record"),
            "sources": "、".join(m.p.get("sources") or ()), "owner": t.owner}
