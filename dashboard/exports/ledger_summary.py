"""工作任务台账 in the stage summary (dashboard.figures.work_ledger on the summary's as_of): a 工作开展情况
item, a 存在的问题 item (overdue work, units without 细化措施) and the 附表 — the campaign's work items
of the phases begun by as_of with their 责任科室 and status, and each unit's 细化措施 by status (a
unit with none below: its own 细化措施, one by one).

The campaign's items are the office's (办公室 marks them): the summary of the campaign's root unit
speaks of them; every summary speaks of the units' own 工作任务 rows of its subtree.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Engine

from ..figures.selection import Selection
from ..figures.work_ledger import DONE, IN_PROGRESS, NOT_STARTED, work_ledger
from ..labels import fmt_date


def gather(engine: Engine, sel: Selection) -> dict:
    """items (the campaign's work items of the phases begun by as_of, overdue first), units (per unit
    directly below, or the unit itself), tasks (its subtree's 工作任务 rows) and measures_due (the
    first phase's end, by which every unit should have sent its 细化措施)."""
    ledger = work_ledger(engine, sel)
    begun = {p.seq for p in sel.conf.phases if p.start_date <= sel.as_of}
    return {"items": [r for r in ledger.items if r["phase_seq"] in begun], "units": ledger.units,
            "tasks": ledger.tasks, "measures_due": ledger.measures_due_date}


def day_text(d) -> str:
    """8月31日 (a sentence of the summary: the year is the summary's own)."""
    return f"{d.month}月{d.day}日"


def is_late(row: dict) -> bool:
    """Done, but after its deadline."""
    return row["status"] == DONE and row["done_date"] is not None and row["done_date"] > row["deadline_date"]


def status_text(row: dict) -> str:
    """已完成（4月3日） / 超期完成（6月28日） / 进行中，逾期214天 / 未开始."""
    if row["status"] == DONE and row["done_date"] is not None:
        return f"{'超期完成' if is_late(row) else '已完成'}（{day_text(row['done_date'])}）"
    return row["status"] + (f"，逾期{row['days_overdue']}天" if row["is_overdue"] else "")


def _item_counts(items: list[dict]) -> str:
    counts = Counter(r["status"] for r in items)
    late, overdue = sum(is_late(r) for r in items), sum(r["is_overdue"] for r in items)
    text = f"已完成{counts[DONE]}项" + (f"（其中超期完成{late}项）" if late else "")
    text += "".join(f"、{s}{counts[s]}项" for s in (IN_PROGRESS, NOT_STARTED) if counts[s])
    return text + (f"，逾期未完成{overdue}项" if overdue else "")


# ------------------------------------------------------------------ the briefing's sentences
def work_items(s) -> list[tuple[str, str]]:
    """(lead, text) of 工作开展情况: the campaign's work items (the root's summary) and the units'
    细化措施 by status."""
    part = s.extra.get("ledger")
    if not part:
        return []
    texts = []
    if s.is_root and part["items"]:
        texts.append(f"实施方案部署的{len(part['items'])}项工作任务（截至{day_text(s.as_of)}已开始的阶段）中，"
                     + _item_counts(part["items"]))
    if part["tasks"]:
        who = s.word("children") if s.child_units else s.unit_name
        tasks = part["tasks"]
        done, overdue = sum(r["status"] == DONE for r in tasks), sum(r["is_overdue"] for r in tasks)
        texts.append(f"{who}细化工作措施{len(tasks)}条，明确责任人和完成时限，已完成{done}条"
                     + (f"、逾期未完成{overdue}条" if overdue else ""))
    see = "（台账见附表）" if appendix_tables(s) else ""
    return [("推进工作任务落实。", "；".join(texts) + see + "。")] if texts else []


def problem_items(s) -> list[tuple[str, str]]:
    """(lead, text) of 存在的问题: overdue work items with their 责任科室, units without 细化措施 by
    the end of the first phase, overdue 细化措施 per unit."""
    part = s.extra.get("ledger")
    if not part:
        return []
    texts = []
    late = [r for r in part["items"] if r["is_overdue"]] if s.is_root else []
    if late:
        texts.append(f"{len(late)}项工作任务逾期未完成（" + "；".join(
            f"{r['text']}，责任科室：{r['owner']}，逾期{r['days_overdue']}天" for r in late) + "）")
    missing = [u["unit_name"] for u in part["units"] if u["is_missing_measures"]]
    if missing:
        texts.append(f"{'、'.join(missing)}在{day_text(part['measures_due'])}第一阶段结束时尚未报送细化工作措施")
    overdue = Counter({u["unit_name"]: u["count_overdue"] for u in part["units"] if u["count_overdue"]})
    if overdue and s.child_units:
        texts.append("细化措施逾期未完成的有" + "、".join(f"{u}（{n}条）" for u, n in overdue.most_common(5))
                     + ("等" if len(overdue) > 5 else ""))
    return [("工作任务推进不够到位。", "；".join(texts) + "。")] if texts else []


def appendix_tables(s) -> list[tuple]:
    """(caption, header, rows, widths, left columns) of the 附表: the campaign's work items (the root's
    summary), and each unit's 细化措施 counts (with units below) or the unit's own 细化措施 (without)."""
    part = s.extra.get("ledger")
    if not part:
        return []
    tables = []
    if s.is_root and part["items"]:
        rows = [[str(i), f"第{r['phase_seq']}阶段", r["text"], r["owner"], fmt_date(r["deadline_date"]), status_text(r)]
                for i, r in enumerate(part["items"], 1)]
        tables.append(("行动工作任务台账（逾期的在前）", ["序号", "阶段", "工作任务", "责任科室", "完成期限", "完成情况"],
                       rows, [0.8, 1.4, 4.6, 2.6, 2.2, 3.4], (2,)))
    if not s.child_units and part["tasks"]:  # a unit with none below: its own 细化措施, one by one
        rows = [[str(i), r["content"], r["owner_name"] or "", fmt_date(r["deadline_date"]), status_text(r)]
                for i, r in enumerate(part["tasks"], 1)]
        tables.append((f"{s.unit_name}细化工作措施（逾期的在前）", ["序号", "细化措施", "责任人", "完成期限", "完成情况"],
                       rows, [0.8, 6.4, 1.6, 2.2, 3.4], (1,)))
    if s.child_units and any(u["count_tasks"] or u["is_missing_measures"] for u in part["units"]):
        rows = [[u["unit_name"], str(u["count_tasks"]), str(u["count_done"]), str(u["count_in_progress"]),
                 str(u["count_not_started"]), str(u["count_overdue"]),
                 fmt_date(u["first_uploaded_at"].date()) if u["first_uploaded_at"] else "未报送"]
                for u in part["units"]]
        tables.append((f"{s.word('children')}细化工作措施", ["单位", "细化措施", "已完成", "进行中", "未开始", "逾期",
                                                        "首次报送"], rows, [2.4, 1.3, 1.2, 1.2, 1.2, 1.0, 1.9], (0,)))
    return tables
