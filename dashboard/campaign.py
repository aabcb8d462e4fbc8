"""The campaign as configuration: `campaigns/*.yaml` → org units, phases, targets in the database.

Which campaign is active: the environment variable DASHBOARD_CAMPAIGN (a file name or the
campaign's code), else `campaigns/dongtai-2023.yaml`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .campaign_check import (UNASSIGNED, CampaignError, check_campaign, leader_conf, line_of,  # noqa: F401
                             load_yaml, population_conf, refuse, strike_conf, target_conf, work_item_conf)
from .db import PROJECT_DIR, upgrade
from .figures import stored
from .models import Campaign, OrgUnit, OrgUnitClosure, Phase, Target
from .periods import Window

CAMPAIGNS_DIR = PROJECT_DIR / "campaigns"
DEFAULT_CAMPAIGN = "dongtai-2023"


@dataclass(frozen=True)
class WorkItem:
    """One work item of a phase (工作任务): a stable code (the office's status is stored under it),
    its text, its 责任科室 and its deadline (by default its phase's end)."""
    code: str
    text: str
    owner: str = UNASSIGNED
    deadline: date | None = None
    phase_seq: int = 0

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PhaseConf:
    """A work phase of section 四: number, name, dates, work items."""
    seq: int
    name: str
    start_date: date
    end_date: date
    work_items: tuple[WorkItem, ...] = ()


@dataclass(frozen=True)
class LeaderConf:
    """A member of the leadership group (领导小组): 组长, 副组长 or 成员, name, post, and for a member
    the department (责任科室) they head."""
    role: str
    name: str
    post: str
    department: str | None = None


@dataclass(frozen=True)
class TargetConf:
    """A configured target: its code, display name and threshold, and the measure (a kind of
    dashboard.figures.measures with its parameters) that computes it; `wording` overrides the
    measure's default sentences (missing, gap_title, gap_issue, action, definition)."""
    code: str
    name: str
    threshold: float
    measure: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)
    short_name: str | None = None
    wording: dict = field(default_factory=dict, compare=False, hash=False)
    line: int = 0
    owner: str = UNASSIGNED  # 责任科室 (one of the campaign's departments), 未指定 when the file names none


@dataclass(frozen=True)
class PopulationConf:
    """Who a target counts: subjects of these types (empty: every type) with one of these
    statuses; `large_only` keeps the 规上 ones. `name` reads in definitions (在产企业), `label` in
    the briefing's opening sentence (在产肉制品生产企业)."""
    code: str
    name: str
    label: str
    subject_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("在产",)
    large_only: bool = False


@dataclass(frozen=True)
class UnitConf:
    """An org unit of the configuration tree."""
    code: str
    name: str
    short_name: str | None = None
    children: tuple["UnitConf", ...] = ()
    line: int = field(default=0, repr=False, compare=False)  # of its code in the file (0: not from a file)

    def walk(self, parent: str | None = None, depth: int = 0):
        """(unit, parent code, depth) for this unit and every unit below, depth-first."""
        yield self, parent, depth
        for child in self.children:
            yield from child.walk(self.code, depth + 1)


@dataclass(frozen=True)
class StrikeConf:
    """严打 (the file's strike:): a serious 不合格 batch — one whose 检验项目类别 include one of
    `hazard_classes`, or whose 不合格项目 name one of `failed_item_words` (word, how the reason reads)
    — must have a case within `case_due_days` days of its sampling date."""
    case_due_days: int = 30
    hazard_classes: tuple[str, ...] = ("非食用物质",)
    failed_item_words: tuple[tuple[str, str], ...] = (("病死", "病死畜禽"),)

    @property
    def label(self) -> str:
        """What counts as serious, for a sentence: 非食用物质、病死畜禽."""
        return "、".join(dict.fromkeys([*self.hazard_classes, *(label for _, label in self.failed_item_words)]))

    def reason(self, hazard_classes: str | None, failed_items: str | None) -> str:
        """Why a batch is serious (its classes and the labels of the words its items name), '' when not."""
        classes = {c.strip() for c in (hazard_classes or "").split("、")}
        return "、".join(dict.fromkeys([*(c for c in self.hazard_classes if c in classes),
                                        *(label for word, label in self.failed_item_words
                                          if word in (failed_items or ""))]))


@dataclass(frozen=True)
class CampaignConf:
    """One campaign file, parsed."""
    code: str
    name: str
    start_date: date
    end_date: date
    root: UnitConf
    phases: tuple[PhaseConf, ...]
    targets: tuple[TargetConf, ...]
    on_time_day: int = 5
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    populations: tuple[PopulationConf, ...] = ()
    wording: dict = field(default_factory=dict, compare=False, hash=False)
    leadership: tuple[LeaderConf, ...] = ()
    departments: tuple[str, ...] = ()  # 责任科室, in the file's order
    strike: StrikeConf = StrikeConf()

    @property
    def work_items(self) -> tuple[WorkItem, ...]:
        """Every phase's work items, phase by phase."""
        return tuple(item for p in self.phases for item in p.work_items)

    def owner_of(self, target_code: str) -> str:
        """The 责任科室 of a target (未指定 when the file names none or there is no such target)."""
        return next((t.owner for t in self.targets if t.code == target_code), UNASSIGNED)

    def head_of(self, department: str) -> LeaderConf | None:
        """The leadership group's member who heads a department, if the file names one."""
        return next((p for p in self.leadership if p.department == department), None)

    def population(self, code: str | None) -> PopulationConf:
        """A population by code (the first one by default)."""
        return next(p for p in self.populations if code in (None, p.code))

    def word(self, key: str) -> str:
        """The campaign file's wording, e.g. scope 全市, children 各分局（所）, child 分局（所）,
        units 各分局 (in notes), subject 肉制品, subject_unit 家; neutral words when it has none."""
        return self.wording.get(key) or DEFAULT_WORDING[key]


DEFAULT_WORDING = {"scope": "全辖区", "children": "各下级单位", "child": "下级单位", "units": "各下级单位",
                   "subject": "", "subject_unit": "家"}


def _unit(d: dict) -> UnitConf:
    line = line_of(d, "code")
    return UnitConf(str(d["code"]), d["name"], d.get("short_name"),
                    tuple(_unit(c) for c in d.get("children") or ()), line if isinstance(line, int) else 0)


def parse_campaign(data: dict, source: str = "行动配置") -> CampaignConf:
    """A campaign from its YAML mapping; a wrong file raises CampaignError naming line and key
    (dashboard.campaign_check)."""
    check_campaign(data, source)
    phases = tuple(PhaseConf(i + 1, p["name"], p["start_date"], p["end_date"],
                             tuple(work_item_conf(w, i + 1, p["end_date"]) for w in p.get("work_items") or ()))
                   for i, p in enumerate(data["phases"]))
    targets = tuple(target_conf(t) for t in data["targets"])
    populations = tuple(population_conf(p) for p in data.get("populations") or ()) or (
        PopulationConf("active", "在产企业", "在产企业"),)
    known = {"code", "name", "start_date", "end_date", "org_units", "phases", "targets", "on_time_day",
             "populations", "wording", "leadership", "departments", "strike"}
    conf = CampaignConf(data["code"], data["name"], data["start_date"], data["end_date"],
                        _unit(data["org_units"]), phases, targets, int(data.get("on_time_day", 5)),
                        {k: v for k, v in data.items() if k not in known}, populations,
                        dict(data.get("wording") or {}),
                        tuple(leader_conf(p) for p in data.get("leadership") or ()),
                        tuple(data.get("departments") or ()), strike_conf(data))
    conf.extra["_source"] = source  # private: left out of the stored figures' fingerprint, like _measures
    check_measures(conf, data, source)
    return conf


def check_measures(conf: CampaignConf, data: dict, source: str) -> None:
    """Every target's measure built once, so a wrong parameter is refused at load."""
    from .figures.measures import MeasureError, measure_of  # a real cycle: measures reads this module's dataclasses
    for t, raw in zip(conf.targets, data["targets"]):
        try:
            measure_of(conf, t)
        except MeasureError as e:
            refuse(source, raw, e.key, str(e))  # raises CampaignError


def campaign_path(name: str | None = None) -> Path:
    """The YAML file of a campaign given by path, code, or the environment."""
    name = name or os.environ.get("DASHBOARD_CAMPAIGN") or DEFAULT_CAMPAIGN
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    return CAMPAIGNS_DIR / f"{name}.yaml"


def campaign_files() -> list[Path]:
    """Every campaign file of campaigns/, by name."""
    return sorted(CAMPAIGNS_DIR.glob("*.yaml"))


def campaigns_over(unit_code: str) -> list[CampaignConf]:
    """The campaigns whose tree holds a unit (the campaign switch offers these): the default one
    first, then by code; a file that does not load is left out (its error shows where it is used)."""
    out = []
    for path in campaign_files():
        try:
            conf = load_campaign(str(path))
        except CampaignError:
            continue
        if any(u.code == unit_code for u, _, _ in conf.root.walk()):
            out.append(conf)
    return sorted(out, key=lambda c: (c.code != active_code(), c.code))


def active_code() -> str:
    """The campaign a process starts with: DASHBOARD_CAMPAIGN, else the default."""
    return os.environ.get("DASHBOARD_CAMPAIGN") or DEFAULT_CAMPAIGN


def load_campaign(name: str | None = None) -> CampaignConf:
    """Read and parse a campaign file (default: the active campaign); CampaignError (a ValueError)
    names the file, line and key of what is wrong."""
    path = campaign_path(name)
    if not path.exists():
        raise CampaignError(f"没有这个行动配置文件：{path.name}")
    return parse_campaign(load_yaml(path.read_text(encoding="utf-8"), path.name), path.name)


def sync_campaign(engine: Engine, conf: CampaignConf) -> None:
    """Write the configured org units, campaign, phases and targets; existing ones are updated.

    The org tree is the bureau's, shared by every campaign in the database: a unit another
    campaign's tree holds keeps its name, short name, parent and place among its siblings, so a
    file that says otherwise (or gives an existing unit's name to another code) is refused with a
    CampaignError before anything is written (check_shared_units). The file's root keeps the
    parent it has in the database (the file says nothing of what lies above it)."""
    with Session(engine) as s, s.begin():
        by_code = {u.code: u for u in s.scalars(select(OrgUnit))}
        held = check_shared_units(s, conf, by_code)
        # units of this campaign alone follow the file's order, after the shared ones among their siblings
        base = max((u.sort_order for u in by_code.values()), default=0) + 1 if held.keys() & {
            by_code[u.code].unit_id for u, _, _ in conf.root.walk() if u.code in by_code} else 0
        for order, (u, parent, _) in enumerate(conf.root.walk()):
            row = by_code.get(u.code) or OrgUnit(code=u.code)
            shared = row.unit_id is not None and row.unit_id in held
            row.name = u.name
            if not shared:
                row.short_name, row.sort_order = u.short_name, base + order
            elif u.short_name is not None:
                row.short_name = u.short_name  # the same (check_shared_units), or set where there was none
            if parent or row.parent_id is None:
                row.parent_id = by_code[parent].unit_id if parent else None
            s.add(row)
            s.flush()
            by_code[u.code] = row
        _rebuild_closure(s)
        camp = s.scalar(select(Campaign).where(Campaign.code == conf.code)) or Campaign(code=conf.code)
        camp.name, camp.start_date, camp.end_date = conf.name, conf.start_date, conf.end_date
        camp.root_unit_id, camp.on_time_day = by_code[conf.root.code].unit_id, conf.on_time_day
        s.add(camp)
        s.flush()
        s.execute(delete(Phase).where(Phase.campaign_id == camp.campaign_id))
        s.execute(delete(Target).where(Target.campaign_id == camp.campaign_id))
        s.add_all(Phase(campaign_id=camp.campaign_id, seq=p.seq, name=p.name, start_date=p.start_date,
                        end_date=p.end_date, work_items="\n".join(w.text for w in p.work_items)) for p in conf.phases)
        s.add_all(Target(campaign_id=camp.campaign_id, code=t.code, name=t.name, threshold=t.threshold,
                         sort_order=i) for i, t in enumerate(conf.targets))


def check_shared_units(s: Session, conf: CampaignConf, by_code: dict[str, OrgUnit]) -> dict[int, list[str]]:
    """Raise CampaignError, naming the unit, what the database has and what the file says, when the
    file gives a unit name that another code has in the database, or gives a unit of another
    campaign's tree another name, short name or parent (that campaign's figures and pages would
    change under it). Units only this campaign's tree holds (or none) follow the file: that is how
    a file is revised. Returns unit_id → the other campaigns whose tree holds it."""
    source = conf.extra.get("_source", "行动配置")
    by_id = {u.unit_id: u for u in by_code.values()}
    by_name = {u.name: u for u in by_code.values()}
    in_file = {u.code: u for u, _, _ in conf.root.walk()}
    held: dict[int, list[str]] = {}
    for code, unit_id in s.execute(select(Campaign.code, OrgUnitClosure.descendant_id)
                                   .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == Campaign.root_unit_id)
                                   .where(Campaign.code != conf.code).order_by(Campaign.code)):
        held.setdefault(unit_id, []).append(code)

    def label(code: str | None, name: str | None = None) -> str:
        return f"{code} {name}" if code else "无（最上级）"

    def fail(u: UnitConf, key: str, reason: str):
        where = f"{source} 第{u.line}行，键“{key}”" if u.line else source
        raise CampaignError(f"{where}：{reason}。各行动共用同一组织机构：同一单位须用同一代码、名称和上级，"
                            "不同单位不能同名（如确需调整组织机构，须先与使用该单位的行动协调）")

    for u, parent, _ in conf.root.walk():
        holder = by_name.get(u.name)
        # a name the file itself frees (its unit renamed in the same file) is free to take
        freed = holder is not None and holder.code in in_file and in_file[holder.code].name != u.name
        if holder is not None and holder.code != u.code and not freed:
            up = by_id.get(holder.parent_id)
            users = f"，行动 {'、'.join(held[holder.unit_id])} 使用" if holder.unit_id in held else ""
            fail(u, "name", f"单位名称“{u.name}”在数据库中是单位“{holder.code}”（上级：{label(up and up.code, up and up.name)}"
                            f"{users}），文件中却是单位“{u.code}”的名称")
        row = by_code.get(u.code)
        if row is None or row.unit_id not in held:
            continue
        up = by_id.get(row.parent_id)
        moved = parent is not None and (up is None or up.code != parent)  # a top unit put under another too
        reshort = u.short_name is not None and row.short_name not in (None, u.short_name)
        if moved or reshort or row.name != u.name:
            def said(name, short, up_code, up_name):
                return f"“{name}”" + (f"（简称“{short}”）" if reshort else "") + f"，上级为 {label(up_code, up_name)}"
            db_up = (up and up.code, up and up.name)
            file_up = (parent, in_file[parent].name) if parent else db_up  # the root keeps its parent
            fail(u, "code", f"单位代码“{u.code}”已是行动 {'、'.join(held[row.unit_id])} 的单位，数据库中为"
                            f"{said(row.name, row.short_name, *db_up)}；文件中为{said(u.name, u.short_name, *file_up)}")
    return held


def prepare(engine: Engine, conf: CampaignConf) -> None:
    """The schema at its newest version and the campaign configured: what every process does at
    start (the app before anyone signs in, the command line before it acts)."""
    upgrade(engine)
    sync_campaign(engine, conf)


def _rebuild_closure(s: Session) -> None:
    """org_unit_closure from the parents, and each unit's depth (below the top of the whole tree)
    and sort_order (depth-first over the whole tree, siblings in their order so far), so several
    campaigns' trees list and nest alike. When the tree changed, the stored figures go too (they
    were counted over the old tree, and no upload batch marks the change)."""
    units = list(s.scalars(select(OrgUnit)))
    parents = {u.unit_id: u.parent_id for u in units}
    before = {tuple(r) for r in s.execute(select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id,
                                                 OrgUnitClosure.distance))}
    s.execute(delete(OrgUnitClosure))
    after = set()
    for unit_id in parents:
        node, distance = unit_id, 0
        while node is not None:
            after.add((node, unit_id, distance))
            node, distance = parents[node], distance + 1
    s.add_all(OrgUnitClosure(ancestor_id=a, descendant_id=d, distance=n) for a, d, n in sorted(after))
    children: dict[int | None, list[OrgUnit]] = {}
    for u in sorted(units, key=lambda u: (u.sort_order, u.code)):
        children.setdefault(u.parent_id, []).append(u)
    order = 0
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        u, depth = stack.pop()
        u.depth, u.sort_order, order = depth, order, order + 1
        stack.extend((c, depth + 1) for c in reversed(children.get(u.unit_id, [])))
    if after != before:
        stored.empty(s.connection())


# ------------------------------------------------------------------ windows (dashboard.periods: months)
def phase_of(conf: CampaignConf, phase: str | int) -> PhaseConf:
    """A phase by its number (1, 2, 3) or its name."""
    for p in conf.phases:
        if str(phase) in (str(p.seq), p.name):
            return p
    raise KeyError(f"没有这个阶段：{phase}（可用：" + "、".join(f"{p.seq} {p.name}" for p in conf.phases) + "）")


def phase_window(conf: CampaignConf, phase: str | int) -> Window:
    """The window of a phase given by number or name."""
    p = phase_of(conf, phase)
    return Window(p.start_date, p.end_date, p.name)


def campaign_window(conf: CampaignConf) -> Window:
    """The whole campaign: 行动以来."""
    return Window(conf.start_date, conf.end_date, "行动以来")


def current_phase(conf: CampaignConf, on: date) -> PhaseConf | None:
    """The phase running on a date, if any."""
    return next((p for p in conf.phases if p.start_date <= on <= p.end_date), None)


def phase_label(conf: CampaignConf, on: date) -> str:
    """What the pages call the stage on a date: the phase's name, 阶段之间 in a pause between two
    phases (campaign_check allows one), else 行动期外."""
    phase = current_phase(conf, on)
    if phase is not None:
        return phase.name
    return "阶段之间" if conf.start_date <= on <= conf.end_date else "行动期外"
