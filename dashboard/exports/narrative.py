"""The briefing's text, written from the figures: a list of blocks (headings, paragraphs, tables,
charts) that the Word writer lays out and the 导出 page previews.

The form follows a bureau's 阶段工作总结: title, 总体进展, 各分局完成情况 (the best and the lagging
units named), 存在的问题 (from the gap lists and overdue problems), 下一步工作 (from the unmet targets
and the next phase's work items of 实施方案 section 四). Every sentence is made from the
StageSummary alone, so the same data always gives the same words (the golden tests hold them).
"""
from __future__ import annotations

from collections import Counter

from ..campaign_check import UNASSIGNED
from ..labels import fmt_date, short_name, short_of
from .blocks import Chart, Heading, Para, Table, cn, join
from .ledger_summary import appendix_tables as ledger_tables, problem_items as ledger_problems
from .strike_summary import appendix_tables as strike_tables, problem_items
from .summary import StageSummary, cn_date, cn_range
from .work_summary import work_blocks

def points(delta: float | None) -> str:
    """A change in percentage points for a table cell: +1.7, -0.9, 0.0; — without a comparison."""
    return "—" if delta is None else f"{delta * 100:+.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0")


def _fig(fig: dict) -> str:
    return f"{fig['name']}{fig['percent_text']}（{fig['nd_text']}）" if fig["denominator"] else \
        f"{fig['name']}无数据"


TABLE_TARGETS = 7  # targets per table of 表2 on an A4 portrait page


def _rate(fig: dict) -> str:
    """A figure inside a sentence's brackets, with its n of d: 66.6%，4/6 (无数据，0/0)."""
    return f"{fig['percent_text']}，{fig['nd_text']}"


def scope_word(s: StageSummary) -> str:
    """The campaign's word for its whole tree (全市, 全区) at the root, the unit's name otherwise."""
    return s.word("scope") if s.is_root else s.unit_name


def children_word(s: StageSummary) -> str:
    """The campaign's word for the root's children (各分局（所）, 各地州), 各下属单位 below it."""
    return s.word("children") if s.is_root else "各下属单位"


# ------------------------------------------------------------------ ranking
def unit_scores(s: StageSummary) -> list[dict]:
    """Each unit below the chosen one: targets met, unmet, and its weakest figure; best first."""
    out = []
    for order, (code, name) in enumerate(s.child_units):
        figs = s.figures_of(code)
        met = sum(f["met"] is True for f in figs)
        unmet = [f for f in figs if f["met"] is False]
        gap = sum(f["threshold"] - f["value"] for f in unmet)
        weakest = min(unmet, key=lambda f: (f["value"] - f["threshold"], f["target"])) if unmet else None
        out.append({"unit_code": code, "unit_name": name, "met": met, "unmet": len(unmet), "gap": gap,
                    "weakest": weakest, "order": order})
    return sorted(out, key=lambda r: (-r["met"], r["gap"], r["order"]))


def best_and_lagging(s: StageSummary, n: int = 3) -> tuple[list[dict], list[dict]]:
    """The best units (every one meeting all targets, else the top n) and the lagging ones (the
    bottom n among the rest, worst last)."""
    ranked = unit_scores(s)
    if not ranked:
        return [], []
    all_met = [r for r in ranked if r["unmet"] == 0 and r["met"] > 0]
    best = all_met if all_met else ranked[:min(n, max(len(ranked) // 2, 1))]
    rest = [r for r in ranked if r not in best and r["unmet"] > 0]
    return best, rest[-n:]


# ------------------------------------------------------------------ the measures' groups
def population_sizes(s: StageSummary, by: dict) -> list[tuple[str, int, bool]]:
    """(label, size, inside the first) of each population some subject-based target counts, in the
    campaign's order: the briefing's 全市在产肉制品生产企业N家，其中规上企业M家."""
    out = []
    for code, label, part in s.extra.get("populations", ()):
        fig = next((by[t["code"]] for t in s.targets
                    if t["subject_based"] and t["population"] == code and t["code"] in by), None)
        if fig is not None:
            out.append((label, fig["denominator"], part))
    return out


def _gap_of_rank(s: StageSummary, rank: int):
    """The first gap list of a kind: 1 people's exams, 2 problems closed, 4 sampling batches."""
    return next((g for g in s.gaps if g.spec.key != "overdue" and s.target(g.spec.key)["gap_rank"] == rank),
                None)


def _figure_of(s: StageSummary, gap) -> dict | None:
    return None if gap is None else next((f for f in s.unit_figures if f["target"] == gap.spec.key), None)


# ------------------------------------------------------------------ sections
def _overview(s: StageSummary, counter: dict) -> list:
    figs = s.unit_figures
    by = {f["target"]: f for f in figs}
    met = [f for f in figs if f["met"] is True]
    unmet = [f for f in figs if f["met"] is False]
    none = [f for f in figs if f["met"] is None]
    out = [Heading(1, f"{cn(counter['h'])}、总体进展")]
    counter["h"] += 1
    lead = f"{s.window.label}（{cn_range(s.window.start_date, s.window.end_date)}），"
    sizes = population_sizes(s, by)
    if sizes:
        inside = [f"{label}{n}家" for label, n, part in sizes if part]
        lead += scope_word(s) + "、".join(f"{label}{n}家" for label, n, part in sizes if not part) + (
            "，其中" + "、".join(inside) if inside else "") + "。"
    total = f"实施方案确定的{len(figs)}项目标中，已达标{len(met)}项，未达标{len(unmet)}项"
    total += f"，无数据{len(none)}项。" if none else "。"
    out.append(Para(lead + total))
    if met:
        out.append(Para("已达标的有：" + "；".join(_fig(f) for f in met) + "。"))
    if unmet:
        parts = []
        for f in unmet:
            gap = s.gap(f["target"])
            extra = f"，{len(gap.rows)}{gap.spec.issue}" if gap is not None and gap.rows else ""
            parts.append(f"{_fig(f)}，目标{f['threshold_text']}{extra}")
        out.append(Para("未达标的有：" + "；".join(parts) + "。"))
    if none:
        out.append(Para("无数据的有：" + "、".join(f["name"] for f in none) + "（统计区间内无相应记录）。"))
    if s.previous_label and any(f["change"] is not None for f in figs):
        up = [f for f in figs if f["change"] is not None and f["change"] >= 0.0005]
        down = [f for f in figs if f["change"] is not None and f["change"] <= -0.0005]
        text = f"与{s.previous_label}相比，"
        if up:
            text += f"{len(up)}项指标有所提升（" + "、".join(
                f"{short_name(f)}提高{abs(f['change']) * 100:.1f}个百分点" for f in up) + "）"
        if down:
            text += ("；" if up else "") + f"{len(down)}项指标有所下降（" + "、".join(
                f"{short_name(f)}下降{abs(f['change']) * 100:.1f}个百分点" for f in down) + "）"
        if not up and not down:
            text += "各项指标基本持平"
        out.append(Para(text + "。"))
    counter["t"] += 1
    out.append(Table(f"表{counter['t']}　{s.unit_name}{s.window.label}目标完成情况",
                     ["序号", "指标", "目标", "完成/总数", "完成率",
                      f"较{s.previous_label}（百分点）" if s.previous_label else "较上期（百分点）", "结果"],
                     [[str(i), f["name"], f["threshold_text"], f["nd_text"], f["percent_text"],
                       points(f["change"]) if s.previous_label else "—", f["status_text"]]
                      for i, f in enumerate(figs, 1)],
                     widths=[1.3, 5.2, 1.5, 2.1, 1.7, 2.2, 1.6], status_col=6, left_cols=(1,)))
    if len({f["phase"] for f in s.phase_figures}) >= 2 and any(f["value"] is not None for f in s.phase_figures):
        counter["c"] += 1
        out.append(Chart("phases", f"图{counter['c']}　{s.unit_name}各阶段目标完成情况"))
    return out


def _units(s: StageSummary, counter: dict) -> list:
    ranked = unit_scores(s)
    if not ranked:
        return []
    out = [Heading(1, f"{cn(counter['h'])}、{children_word(s)}完成情况")]
    counter["h"] += 1
    best, lagging = best_and_lagging(s)
    n_targets = len(s.unit_figures)
    all_met = [r for r in ranked if r["unmet"] == 0 and r["met"] > 0]
    text = f"从{len(ranked)}个{s.word('child') if s.is_root else '下属单位'}看，"
    if all_met:
        text += f"{join([r['unit_name'] for r in all_met])}{n_targets}项目标全部达标"
    else:
        text += "完成情况较好的是" + join([f"{r['unit_name']}（达标{r['met']}项）" for r in best])
    if lagging:
        text += "；相对滞后的是" + join([
            f"{r['unit_name']}（达标{r['met']}项"
            + (f"，{r['weakest']['name']}仅{_rate(r['weakest'])}" if r["weakest"] else "") + "）"
            for r in lagging])
    out.append(Para(text + "。"))
    for f in s.unit_figures:
        if f["met"] is not False:
            continue
        behind = sorted((g for code, _ in s.child_units for g in s.figures_of(code)
                         if g["target"] == f["target"] and g["met"] is False),
                        key=lambda g: (g["value"], g["unit_code"]))
        if not behind:
            continue
        shown = "、".join(f"{g['unit_name']}（{_rate(g)}）" for g in behind[:5])
        more = f"等{len(behind)}个单位" if len(behind) > 5 else (f"，共{len(behind)}个单位" if len(behind) > 1 else "")
        out.append(Para(f"{f['name']}未达标的有{shown}{more}。"))
    counter["t"] += 1
    targets = [f for f in s.unit_figures]
    units = [(s.unit_code, scope_word(s)), *s.child_units]
    # Each cell is a figure with its n of d (66.6%（4/6）): more than TABLE_TARGETS targets to a
    # portrait page would squeeze "（172/174）" into a column narrower than itself, so the table
    # goes on in a second one (表2（续）) with the same units; 达标项数 ends the last.
    parts = [targets[i:i + TABLE_TARGETS] for i in range(0, len(targets), TABLE_TARGETS)]
    if len(parts) > 1 and len(parts[-1]) < len(parts[0]) - 1:  # 13 → 7 + 6, not 10 + 3
        half = -(-len(targets) // len(parts))
        parts = [targets[i:i + half] for i in range(0, len(targets), half)]
    start = 0
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        header = ["单位", *[short_name(f) for f in part], *(["达标项数"] if last else [])]
        rows = []
        for code, name in units:
            figs = s.figures_of(code)
            rows.append([name, *[f["figure_text"] for f in figs[start:start + len(part)]],
                         *([f"{sum(f['met'] is True for f in figs)}/{len(figs)}"] if last else [])])
        caption = f"表{counter['t']}{'（续）' if k else ''}　{children_word(s)}目标完成率"
        out.append(Table(caption, header, rows, widths=[2.2, *[1.9] * len(part), *([1.2] if last else [])],
                         font_size=8, left_cols=(0,), stacked=True))
        start += len(part)
    counter["c"] += 1
    out.append(Chart("heatmap", f"图{counter['c']}　{children_word(s)}目标完成情况（绿色达标，红色未达标）"))
    return out


def _examples(rows: list[dict], key: str = "name", n: int = 3, *, with_unit: bool = True) -> str:
    names = [f"{r[key]}（{r['unit_name']}）" if with_unit else r[key] for r in rows[:n]]
    return "、".join(names) + ("等" if len(rows) > n else "")


def _problems(s: StageSummary, counter: dict) -> list:
    out = [Heading(1, f"{cn(counter['h'])}、存在的问题")]
    counter["h"] += 1
    items: list[tuple[str, str]] = []
    many = bool(s.child_units)
    coverage = [g for g in s.gaps if g.spec.key != "overdue" and s.target(g.spec.key)["subject_based"]
                and g.rows]
    if coverage:
        parts = [f"{len(g.rows)}{g.spec.issue}（{_examples(g.rows, with_unit=many)}）" for g in coverage]
        items.append(("主体责任和监管措施落实仍有差距。", "；".join(parts) + "。"))
    rect, overdue = _gap_of_rank(s, 2), s.gap("overdue")
    rect_fig = _figure_of(s, rect)
    if (rect and rect.rows) or (overdue and overdue.rows):
        text = ""
        if rect_fig and rect_fig["denominator"]:
            text = (f"截至{cn_date(s.as_of)}，行动以来{s.target(rect.spec.key)['sources']}发现问题"
                    f"{rect_fig['denominator']}个，"
                    f"已整改{rect_fig['numerator']}个，尚有{len(rect.rows) if rect else 0}个未整改完成")
        if overdue and overdue.rows:
            worst = overdue.rows[0]
            where = Counter(r["unit_name"] for r in overdue.rows)
            text += ("；" if text else f"截至{cn_date(s.as_of)}，") + (
                f"各类问题中{len(overdue.rows)}个已超过整改期限仍未整改，最长超期{worst['days_overdue']}天"
                f"（{worst['enterprise_name']}，{worst['unit_name'] + '，' if many else ''}{worst['description']}）")
            if many:
                text += "，主要分布在" + "、".join(f"{u}（{n}个）" for u, n in where.most_common(3))
        items.append(("问题整改不够及时。", text + "。"))
    samples = _gap_of_rank(s, 4)
    sfig = _figure_of(s, samples)
    if samples and samples.rows:
        undone = [r for r in samples.rows if r["disposal_status"] != "已完成"]
        text = (f"{s.window.label}监督抽检{sfig['denominator'] if sfig else ''}批次，"
                f"不合格{len(samples.rows)}批次（{_examples(samples.rows, 'food_name', with_unit=many)}）")
        text += (f"，其中{len(undone)}批次核查处置尚未完成" if undone else "，核查处置均已完成")
        items.append(("产品抽检仍有不合格。", text + "。"))
    exams = _gap_of_rank(s, 1)
    if exams and exams.rows:
        units = Counter(r["unit_name"] for r in exams.rows)
        items.append(("食品安全管理人员能力有待提升。",
                      f"{len(exams.rows)}名食品安全管理人员最近一次抽考不合格"
                      + ("，分布在" + "、".join(f"{u}（{n}人）" for u, n in units.most_common()) if many else "")
                      + "。"))
    comp = s.completeness
    if comp is not None:
        missing = [r for r in comp.months_status if r["status"] == "未报"]
        late = Counter(r["unit_name"] for r in comp.months_status if r["status"] == "迟报")
        if missing or late:
            parts = []
            if missing:
                parts.append("、".join(f"{r['unit_name']}{_month(r['month'])}月报" for r in missing) + "未报送")
            if late:
                parts.append("、".join(f"{u}（{n}次）" for u, n in late.most_common()) + "存在迟报")
            items.append(("数据报送不够及时。", "；".join(parts) + "。"))
    items += problem_items(s)  # serious 不合格 batches not filed (dashboard.exports.strike_summary)
    items += ledger_problems(s)  # overdue work, no 细化措施 (dashboard.exports.ledger_summary)
    figs = s.unit_figures
    if not items and figs and all(f["met"] is None for f in figs):
        out.append(Para("统计区间内尚无上报数据，暂无法分析存在的问题。"))
    elif not items and all(f["met"] is True for f in figs):
        out.append(Para("各项目标均已达标，未发现逾期未整改问题和抽检不合格产品。"))
    elif not items:
        out.append(Para("未发现逾期未整改问题和抽检不合格产品。"))
    for i, (lead, text) in enumerate(items, 1):
        out.append(Para(text, lead=f"（{cn(i)}）{lead}"))
    if overdue and overdue.rows:
        counter["t"] += 1
        rows = [[str(i), r["unit_name"], r["enterprise_name"], r["description"], fmt_date(r["deadline_date"]),
                 str(r["days_overdue"])] for i, r in enumerate(overdue.rows[:20], 1)]
        caption = f"表{counter['t']}　逾期未整改问题" + ("（超期最长的20个）" if len(overdue.rows) > 20 else "")
        out.append(Table(caption, ["序号", "单位", "企业名称", "问题描述", "整改期限", "超期天数"], rows,
                         widths=[1.2, 1.9, 3.8, 4.0, 2.2, 1.4], font_size=9, left_cols=(2, 3)))
    return out


def _month(key: str) -> str:
    year, mon = key.split("-")
    return f"{int(mon)}月"


def _next_steps(s: StageSummary, counter: dict) -> list:
    out = [Heading(1, f"{cn(counter['h'])}、下一步工作")]
    counter["h"] += 1
    items: list[tuple[str, list[str]]] = []
    unmet = [f for f in s.unit_figures if f["met"] is False]
    if unmet:
        lines = []
        for f in unmet:
            gap = s.gap(f["target"])
            n = len(gap.rows) if gap is not None else short_of(f)
            entry = s.target(f["target"])
            action = entry["action"].replace("{n}", str(n))
            owner = f"，责任科室：{entry['owner']}" if entry.get("owner", UNASSIGNED) != UNASSIGNED else ""
            lines.append(f"{f['name']}（目前{_rate(f)}，目标{f['threshold_text']}{owner}）：{action}。")
        _, lagging = best_and_lagging(s)
        lead = f"聚焦未达标指标补齐短板。针对{len(unmet)}项未达标指标，逐项明确责任人和完成时限"
        if lagging:
            lead += f"，重点督促{join([r['unit_name'] for r in lagging])}加快进度"
        items.append((lead + "。", lines))
    nxt = s.next_phase
    if nxt is not None:
        when = cn_range(nxt.start_date, nxt.end_date)
        same = s.phase is not None and nxt.seq == s.phase.seq
        lead = (f"按照实施方案继续做好{nxt.name}各项工作（{when}）。" if same else
                f"按照实施方案部署开展{nxt.name}工作（{when}）。")
        items.append((lead, [f"{item.text}" + (f"（责任科室：{item.owner}）" if item.owner != UNASSIGNED else "") + "。"
                             for item in nxt.work_items]))
    else:
        items.append(("巩固提升行动成果。", [
            f"对照实施方案目标任务全面开展评估，总结典型做法和先进经验，形成{s.word('subject')}质量安全监管长效机制。"]))
    whom = f"定期调度{children_word(s)}工作进展" if s.child_units else "加强对辖区企业的日常督导"
    items.append(("加强调度和阶段总结。", [
        f"{whom}，按时报送月报数据；及时总结典型做法和先进经验，查找问题和不足，"
        "分析原因，制定措施，持续推进提档升级工作任务落实落细。"]))
    for i, (lead, lines) in enumerate(items, 1):
        if len(lines) == 1:
            out.append(Para(lines[0], lead=f"（{cn(i)}）{lead}"))
            continue
        out.append(Para("", lead=f"（{cn(i)}）{lead}"))
        out += [Para(f"{j}．{line}") for j, line in enumerate(lines, 1)]
    return out


def briefing(s: StageSummary) -> list:
    """The briefing as blocks, in reading order."""
    counter = {"h": 1, "t": 0, "c": 0}
    subtitle = cn_range(s.window.start_date, s.window.end_date)
    if s.as_of < s.window.end_date:
        subtitle += f"，数据截至{s.as_of.month}月{s.as_of.day}日"
    blocks: list = [Heading(0, "\n".join(s.title_lines)),
                    Para(f"（{subtitle}）", align="center", indent=False, style="subtitle")]
    source = f"{children_word(s)}报送的月报" if s.is_root else f"{s.unit_name}报送的月报"
    blocks.append(Para(f"按照《{s.campaign_name}实施方案》关于定期开展阶段性总结的要求，现将{s.unit_name}"
                       f"{s.window.label}工作情况总结如下。本总结数据来源于{source}，由督导看板自动汇总生成。"))
    blocks += work_blocks(s, counter)  # 工作开展情况 (dashboard.exports.work_summary)
    blocks += _overview(s, counter)
    blocks += _units(s, counter)
    blocks += _problems(s, counter)
    blocks += _next_steps(s, counter)
    blocks += [Para(s.unit_name, align="right", indent=False, style="signature"),
               Para(cn_date(s.generated_at.date()), align="right", indent=False, style="signature"),
               Para("注：" + "".join(f"{i}.{n}" for i, n in enumerate(s.notes, 1)), indent=False,
                    style="note")]
    # 附表: 严打, 检验项目类别, 示范企业 (strike_summary), then the work ledger (ledger_summary)
    blocks += [Table(f"附表{i}　{caption}", header, rows, widths=widths, font_size=9, left_cols=left,
                     note=note[0] if note else "")
               for i, (caption, header, rows, widths, left, *note) in enumerate(strike_tables(s) + ledger_tables(s), 1)]
    return blocks


def plain_text(blocks: list) -> str:
    """The blocks as plain text (for the page's preview and for searching in tests)."""
    lines = []
    for b in blocks:
        if isinstance(b, Heading):
            lines.append(b.text)
        elif isinstance(b, Para):
            lines.append(b.lead + b.text)
        elif isinstance(b, Table):
            lines.append(b.caption)
            lines += ["　".join(r) for r in [b.header, *b.rows]]
            if b.note:
                lines.append(b.note)
        elif isinstance(b, Chart):
            lines.append(f"［{b.caption}］")
    return "\n".join(lines)


def gap_counts(s: StageSummary) -> dict[str, int]:
    """Rows per gap list, by key (for the page)."""
    return {g.spec.key: len(g.rows) for g in s.gaps}

