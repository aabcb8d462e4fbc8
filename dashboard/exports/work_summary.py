"""工作开展情况 of a stage summary: what was done in the window, counted from the uploaded records —
inspections by type, sampling by task source and hazard class, exams, 包保督导 visits, self-inspections
and supplier evaluations, star ratings and cases — with a 典型做法 and a 问题不足 paragraph drawn from
the same counts (the units that did most and least per enterprise).

`gather` counts (queries/work_record_counts.sql, once for the unit and once for each unit directly
below it) into a WorkCounts that build_summary keeps on the StageSummary; `work_blocks` writes the
section from it alone, in the register of a bureau's 阶段性工作总结.
"""
from __future__ import annotations

import math

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from ..db import execute
from ..labels import percent_text
from ..figures.selection import Selection
from .blocks import Heading, Para, cn
from .ledger_summary import work_items as ledger_items
from .strike_summary import work_items as strike_items

TASK_SOURCES = ("国抽", "省抽", "市抽", "县抽", "风险监测")
STARS = ("三星级", "二星级", "一星级", "未评上")


@dataclass
class WorkCounts:
    """One unit's records in the window, by kind."""
    unit_name: str
    enterprises: int = 0                                     # active enterprises (the coverage base)
    inspections: Counter = field(default_factory=Counter)    # 检查类型 → records
    problems_found: int = 0
    problems_listed: int = 0                                 # 监督检查 problems on the 问题整改 list
    samples: Counter = field(default_factory=Counter)        # 任务来源 → batches
    samples_failed: int = 0
    samples_disposed: int = 0                                # 不合格 batches whose 核查处置 is 已完成
    hazard_classes: Counter = field(default_factory=Counter)  # 检验项目类别 → batches testing it
    exams: int = 0
    exams_passed: int = 0
    exam_enterprises: int = 0
    visits: Counter = field(default_factory=Counter)         # 干部层级 → visits
    visited_enterprises: int = 0
    self_inspections: int = 0
    self_inspected_enterprises: int = 0
    supplier_evaluations: int = 0
    suppliers_evaluated: int = 0
    stars: Counter = field(default_factory=Counter)          # 星级 → enterprises
    cases: int = 0
    cases_transferred: int = 0
    fines: float = 0.0

    @property
    def inspection_total(self) -> int:
        return sum(self.inspections.values())

    @property
    def per_enterprise(self) -> float:
        """Inspections per active enterprise in tenths, rounded down like every figure (0 without
        enterprises)."""
        return self.inspection_total * 10 // self.enterprises / 10 if self.enterprises else 0.0


def _count(rows: list[dict], unit_name: str) -> WorkCounts:
    w = WorkCounts(unit_name)
    for r in rows:
        n, amount, cat = int(r["count_records"] or 0), r["amount"] or 0, r["category"] or ""
        kind = r["kind"]
        if kind == "enterprise":
            w.enterprises = n
        elif kind == "inspection":
            w.inspections[cat] += n
            w.problems_found += int(amount)
        elif kind == "sampling":
            source, classes, verdict, disposal = cat.split("║")
            w.samples[source] += n
            w.samples_failed += n if verdict != "合格" else 0
            w.samples_disposed += n if verdict != "合格" and disposal == "已完成" else 0
            for c in filter(None, classes.split("、")):
                w.hazard_classes[c] += n
        elif kind == "listed_problem":
            w.problems_listed = n
        elif kind == "officer_exam":
            w.exams += n
            w.exams_passed += n if cat == "合格" else 0
        elif kind == "officer_exam_enterprises":
            w.exam_enterprises = n
        elif kind == "cadre_visit":
            w.visits[cat] += n
        elif kind == "cadre_visit_enterprises":
            w.visited_enterprises = n
        elif kind == "self_inspection":
            w.self_inspections, w.self_inspected_enterprises = n, int(amount)
        elif kind == "supplier_evaluation":
            w.supplier_evaluations, w.suppliers_evaluated = n, int(amount)
        elif kind == "star_rating":
            w.stars[cat] += n
        elif kind == "enforcement_case":
            w.cases += n
            w.cases_transferred += n if cat else 0
            w.fines += float(amount)
    return w


def gather(engine: Engine, sel: Selection) -> dict[str, WorkCounts]:
    """The unit's counts (key "") and each unit directly below it (by code)."""
    as_of = sel.as_of
    years = {"from_year": sel.window.start_date.year, "to_year": min(sel.window.end_date, as_of).year}
    out = {}
    for key, u in [("", sel.unit), *[(c["code"], c) for c in sel.children]]:
        rows = execute(engine, "work_record_counts", unit_id=u["unit_id"], **sel.params, **years)
        out[key] = _count(rows, u["name"])
    return out


# ------------------------------------------------------------------ the section's text
def _share(part: int, whole: int) -> str:
    return percent_text(part, whole)


def _listing(counts: Counter, order: tuple[str, ...] = (), unit: str = "次") -> str:
    keys = [k for k in order if counts.get(k)] + sorted(k for k in counts if k not in order and counts[k])
    return "、".join(f"{k}{counts[k]}{unit}" for k in keys)


def _all_or_part(total: int, done: int, *, none: str, every: str, not_one: str, part: str) -> str:
    """The sentence for `done` of `total` (templates with {total}, {done}, {rest}): `every` only
    when the records bear out all, `none` when there is nothing, else how many of how many."""
    if not total:
        return none
    if done >= total:
        return every.format(total=total)
    if not done:
        return not_one.format(total=total)
    return part.format(total=total, done=done, rest=total - done)


def _problems_found(w: WorkCounts) -> str:
    """The problems the inspections found, said to be all listed with a deadline only when the
    问题整改 list holds each enterprise's 监督检查 problems found in the window."""
    return _all_or_part(
        w.problems_found, w.problems_listed, none="未发现问题。",
        every="发现问题{total}个，均建立问题清单，明确整改期限，实行闭环管理。",
        not_one="发现问题{total}个，均尚未列入问题整改清单。",
        part="发现问题{total}个，其中{done}个已列入问题整改清单并明确整改期限（{done}/{total}），{rest}个尚未列入问题整改清单。")


def _samples_failed(w: WorkCounts) -> str:
    """The 不合格 batches, said to be all disposed of only when none is still open."""
    return _all_or_part(
        w.samples_failed, w.samples_disposed, none="未检出不合格产品。",
        every="检出不合格{total}批次，均已依法完成核查处置。", not_one="检出不合格{total}批次，核查处置均尚未完成。",
        part="检出不合格{total}批次，已完成核查处置{done}批次（{done}/{total}），尚有{rest}批次核查处置未完成。")


def _paragraphs(w: WorkCounts, label: str, subject: str) -> list[tuple[str, str]]:
    """(lead, text) of each kind of work done."""
    out = []
    if w.inspection_total:
        out.append(("强化监督检查。", f"{label}共开展监督检查{w.inspection_total}次"
                    f"（{_listing(w.inspections, ('日常检查', '双随机检查', '专项检查', '飞行检查', '交叉检查'))}），"
                    f"平均每家在产企业{w.per_enterprise:.1f}次，{_problems_found(w)}"))
    total = sum(w.samples.values())
    if total:
        classes = "、".join(k for k, _ in w.hazard_classes.most_common(4))
        found = _samples_failed(w)
        out.append(("加大抽检监测力度。", f"完成{subject}监督抽检和风险监测{total}批次"
                    f"（{_listing(w.samples, TASK_SOURCES, '批次')}），检验项目涵盖{classes}等"
                    f"{len(w.hazard_classes)}类；{found}"))
    if w.exams:
        out.append(("开展食安员监督抽考。", f"对{w.exam_enterprises}家企业的食品安全管理人员开展监督抽考"
                    f"{w.exams}人次，合格{w.exams_passed}人次、不合格{w.exams - w.exams_passed}人次，"
                    "以考促学、以考促用，推动企业主体责任落实。"))
    if w.visits:
        out.append(("压实包保督导责任。", f"各级包保干部开展“两个责任”督导{sum(w.visits.values())}次"
                    f"（{_listing(w.visits, ('A级', 'B级', 'C级'))}），督导企业{w.visited_enterprises}家。"))
    if w.self_inspections or w.supplier_evaluations:
        parts = []
        if w.self_inspections:
            parts.append(f"{w.self_inspected_enterprises}家企业开展自查{w.self_inspections}次")
        if w.supplier_evaluations:
            parts.append(f"开展原料供应商检查评价{w.supplier_evaluations}次、评价供应商{w.suppliers_evaluated}家次")
        out.append(("督促企业落实主体责任。", "，".join(parts) + "。"))
    if w.stars or w.cases:
        parts = []
        if w.stars:
            rated = Counter({k: v for k, v in w.stars.items() if k != "未评上"})
            parts.append(f"组织星级评比，评定{_listing(rated, STARS[:3], '家')}"
                         + (f"，{w.stars['未评上']}家未评上" if w.stars.get("未评上") else ""))
        if w.cases:
            parts.append(f"立案查处违法案件{w.cases}件" + (f"，罚没{w.fines / 10000:.2f}万元" if w.fines and math.isfinite(w.fines) else "")
                         + (f"，移送公安{w.cases_transferred}件" if w.cases_transferred else ""))
        out.append(("评先树优与查处违法并举。", "；".join(parts) + "。"))
    return out


def _practice(counts: dict[str, WorkCounts], figures: dict[str, int]) -> str:
    """典型做法: the units that inspected most per enterprise (ties: more targets met)."""
    units = [w for k, w in counts.items() if k and w.enterprises and w.inspection_total]
    if len(units) < 2:
        return ""
    top = sorted(units, key=lambda w: (-w.per_enterprise, -figures.get(w.unit_name, 0), w.unit_name))[:2]
    names = "；".join(f"{w.unit_name}平均每家企业检查{w.per_enterprise:.1f}次、"
                     f"{figures.get(w.unit_name, 0)}项目标已达标" for w in top)
    return f"{names}，加密检查频次、发现问题及时督促整改的做法成效明显，值得推广。"


def _shortfalls(w: WorkCounts, counts: dict[str, WorkCounts]) -> str:
    """问题不足: how the work itself falls short (the targets' gaps are in 存在的问题)."""
    parts = []
    if w.inspection_total:
        routine = w.inspections.get("日常检查", 0)
        if routine * 2 > w.inspection_total:
            parts.append(f"监督检查以日常检查为主（占{_share(routine, w.inspection_total)}），"
                         "飞行检查、交叉检查等方式运用不够")
    units = [c for k, c in counts.items() if k and c.enterprises]
    if len(units) >= 2 and w.enterprises:
        low = min(units, key=lambda c: (c.per_enterprise, c.unit_name))
        if low.per_enterprise < w.per_enterprise:
            parts.append(f"{low.unit_name}平均每家企业检查{low.per_enterprise:.1f}次，"
                         f"低于平均水平（{w.per_enterprise:.1f}次）")
    total = sum(w.samples.values())
    if total and not w.samples.get("风险监测"):
        parts.append("未开展风险监测，抽检发现风险的针对性有待增强")
    if w.exams and w.exams_passed < w.exams:
        parts.append(f"食安员抽考有{w.exams - w.exams_passed}人次不合格，企业培训不够扎实")
    return "；".join(parts) + "。" if parts else ""


def work_blocks(s, counter: dict) -> list:
    """The 工作开展情况 section of the briefing (blocks of dashboard.exports.blocks), empty
    without counts."""
    counts = s.extra.get("work") or {}
    w = counts.get("")
    if w is None:
        return []
    scope = s.word("scope") if s.is_root else s.unit_name  # the campaign file's wording (全市, 全区)
    who = f"{scope}市场监管部门" if s.is_root else s.unit_name
    items = _paragraphs(w, f"{s.window.label}，{scope}", s.word("subject"))
    items += strike_items(s, scope)  # 严打, 检验项目类别, 星级 (dashboard.exports.strike_summary)
    items += ledger_items(s)  # the work items and 细化措施 (dashboard.exports.ledger_summary)
    met = {f["unit_name"]: sum(g["met"] is True for g in s.figures_of(f["unit_code"]))
           for f in s.figures if f["unit_code"] != s.unit_code}
    practice, short = _practice(counts, met), _shortfalls(w, counts)
    if not items:
        return []
    out = [Heading(1, f"{cn(counter['h'])}、工作开展情况")]
    counter["h"] += 1
    out.append(Para(f"{s.window.label}，{who}坚持问题导向，对照实施方案确定的目标任务，"
                    f"统筹监督检查、抽检监测、监督抽考、包保督导和执法办案，扎实推进{s.campaign_short}。"))
    if practice:
        items.append(("总结推广典型做法。", practice))
    if short:
        items.append(("工作中的不足。", short))
    out += [Para(text, lead=f"（{cn(i)}）{lead}") for i, (lead, text) in enumerate(items, 1)]
    return out
