"""Altair charts as return values (no Streamlit): the pages show them, the Word briefing reuses them.

Colours follow dashboard.labels: green 达标, red 未达标, grey 无数据; amber marks 样本较少.
Every chart takes plain rows (lists of dicts) produced by the core, never queries itself.
"""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from .labels import (FIGURE_STATUS_COLOURS, PHASE_STATE_COLOURS, STATUS_FILLS, STATUS_MET, STATUS_NONE,
                     STATUS_SMALL, STATUS_UNMET,
                     percent_text, short_name)

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
STATUS_SCALE = alt.Scale(domain=[STATUS_MET, STATUS_UNMET, STATUS_NONE],
                         range=[FIGURE_STATUS_COLOURS[STATUS_MET], FIGURE_STATUS_COLOURS[STATUS_UNMET],
                                FIGURE_STATUS_COLOURS[STATUS_NONE]])
# cell fills of the heatmaps: 达标 (or 可达标), 未达标 (or 难达标), 无数据
STATUS_FILL_RANGE = [STATUS_FILLS[STATUS_MET], STATUS_FILLS[STATUS_UNMET], STATUS_FILLS[STATUS_NONE]]


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (chart.configure(font=FONT)
            .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12)
            .configure_legend(labelFont=FONT, titleFont=FONT, orient="bottom")
            .configure_view(strokeWidth=0))


def phase_timeline(phases, as_of: date, *, height: int = 130) -> alt.Chart:
    """The phases as bars on a time axis (ended grey, running blue, ahead light), a red rule at as_of."""
    df = pd.DataFrame([{"阶段": f"{p.seq}. {p.name}", "开始": pd.Timestamp(p.start_date),
                        "结束": pd.Timestamp(p.end_date) + pd.Timedelta(days=1),
                        "起止": f"{p.start_date} 至 {p.end_date}",
                        "状态": ("已结束" if p.end_date < as_of else
                               "进行中" if p.start_date <= as_of else "未开始")} for p in phases])
    order = list(df["阶段"])
    bars = alt.Chart(df).mark_bar(cornerRadius=3, height=22).encode(
        x=alt.X("开始:T", title=None, axis=alt.Axis(format="%Y-%m", tickCount="month", labelAngle=0)),
        x2="结束:T",
        y=alt.Y("阶段:N", title=None, sort=order, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        color=alt.Color("状态:N", legend=None,
                        scale=alt.Scale(domain=list(PHASE_STATE_COLOURS),
                                        range=list(PHASE_STATE_COLOURS.values()))),
        tooltip=["阶段", "起止", "状态"])
    rule = alt.Chart(pd.DataFrame([{"截至": pd.Timestamp(as_of) + pd.Timedelta(hours=12),
                                    "说明": f"数据截至 {as_of}"}])).mark_rule(
        color="#c62828", strokeWidth=2).encode(x="截至:T", tooltip=["说明"])
    return _config(alt.layer(bars, rule).properties(height=height, width="container"))


def trend_small_multiples(points: list[dict], *, columns: int = 3) -> alt.Chart:
    """One panel per target: the campaign-to-date figure at each month end (solid) and the
    straight-line expected trajectory (dashed)."""
    rows = []
    for p in points:
        base = {"指标": p["name"], "日期": pd.Timestamp(p["point"]), "完成/总数": p["nd_text"]}
        if p["value"] is not None:
            rows.append({**base, "系列": "实际完成率", "比率": p["value"], "显示": p["percent_text"]})
        rows.append({**base, "系列": "按进度应达", "比率": p["expected"], "显示": percent_text(p["expected"])})
    df = pd.DataFrame(rows)
    order = list(dict.fromkeys(p["name"] for p in points))
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("日期:T", title=None, axis=alt.Axis(format="%m月", tickCount="month")),
        y=alt.Y("比率:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("系列:N", title=None, scale=alt.Scale(domain=["实际完成率", "按进度应达"],
                                                          range=["#1565c0", "#9e9e9e"])),
        strokeDash=alt.StrokeDash("系列:N", legend=None,
                                  scale=alt.Scale(domain=["实际完成率", "按进度应达"], range=[[1, 0], [4, 3]])),
        tooltip=["指标", alt.Tooltip("日期:T", format="%Y-%m-%d"), "系列", "显示", "完成/总数"])
    chart = line.properties(width=230, height=120).facet(
        facet=alt.Facet("指标:N", sort=order, title=None,
                        header=alt.Header(labelFont=FONT, labelFontSize=12, labelLimit=230)),
        columns=columns)
    return _config(chart)


def rate_bars(rows: list[dict], category: str, title: str, *, threshold: float | None = None) -> alt.Chart:
    """Horizontal bars of a pass rate per category, labelled "98.9%（97/98）"; 无数据 shown as text."""
    df = pd.DataFrame([{title: r[category], "合格率": r["value"], "标注": f"{r['pass_text']}（{r['nd_text']}）",
                        "状态": (STATUS_NONE if r["value"] is None else
                               STATUS_MET if threshold is None or r["value"] >= threshold else STATUS_UNMET)}
                       for r in rows], columns=[title, "合格率", "标注", "状态"])  # columns: an empty period too
    df["合格率显示"] = df["合格率"].fillna(0)
    base = alt.Chart(df).encode(y=alt.Y(f"{title}:N", title=None, sort=None, axis=alt.Axis(labelLimit=160)))
    bars = base.mark_bar(height=14).encode(
        x=alt.X("合格率显示:Q", title="合格率", scale=alt.Scale(domain=[0, 1.25]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1.0])),
        color=alt.Color("状态:N", scale=STATUS_SCALE, legend=None),
        tooltip=[title, "标注"])
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(x="合格率显示:Q", text="标注")
    layers = [bars, text]
    if threshold is not None:
        layers.append(alt.Chart(pd.DataFrame([{"目标": threshold}])).mark_rule(
            color="#616161", strokeDash=[4, 3]).encode(x="目标:Q"))
    return _config(alt.layer(*layers).properties(height=alt.Step(26), width="container"))


def count_bars(rows: list[dict], category: str, title: str, value: str, value_title: str,
               *, colour: str = "#ef6c00") -> alt.Chart:
    """Plain counts per category (e.g. open problems per age bucket), labelled with the count."""
    df = pd.DataFrame([{title: r[category], value_title: r[value]} for r in rows], columns=[title, value_title])
    base = alt.Chart(df).encode(x=alt.X(f"{title}:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(color=colour, width=36).encode(y=alt.Y(f"{value_title}:Q", title=value_title),
                                                         tooltip=[title, value_title])
    text = base.mark_text(dy=-8, fontSize=12).encode(y=f"{value_title}:Q", text=f"{value_title}:Q")
    return _config(alt.layer(bars, text).properties(height=200, width="container"))


def stacked_status(rows: list[dict], category: str, title: str) -> alt.Chart:
    """Problems per unit or source, stacked by state (已整改 / 整改中 / 逾期未整改)."""
    long = []
    for r in rows:
        for key, state in (("count_closed", "已整改"), ("count_open", "整改中"), ("count_overdue", "逾期未整改")):
            long.append({title: r[category], "状态": state, "件数": r[key]})
    df = pd.DataFrame(long)
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{title}:N", title=None, sort=None, axis=alt.Axis(labelLimit=160)),
        x=alt.X("件数:Q", title="问题件数", stack="zero"),
        color=alt.Color("状态:N", title=None, scale=alt.Scale(domain=["已整改", "整改中", "逾期未整改"],
                                                          range=["#2e7d32", "#f9a825", "#c62828"])),
        order=alt.Order("状态:N", sort="descending"),
        tooltip=[title, "状态", "件数"])
    return _config(chart.properties(height=alt.Step(24), width="container"))


def phase_comparison(rows: list[dict], *, columns: int = 4) -> alt.Chart:
    """Grouped bars: each target's figure at the end of each phase (rows from the phase page),
    `columns` targets to a row (four fit a desktop beside the sidebar, one a phone). Each bar is
    labelled with its percentage over its n/d ("0.0%" over "0/8"); a figure with a zero denominator
    has no bar but the label 无数据 over 0/0, so it never reads as a 0 % bar."""
    df = pd.DataFrame([{"指标": r["name"], "阶段": r["phase"], "比率": r["value"],
                        "标注": r["figure_text"], "完成率": r["percent_text"], "完成/总数": r["nd_text"],
                        "有数据": r["value"] is not None} for r in rows],
                      columns=["指标", "阶段", "比率", "标注", "完成率", "完成/总数", "有数据"])
    df["比率显示"] = df["比率"].fillna(0)
    base = alt.Chart().encode(
        x=alt.X("阶段:N", title=None, axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("比率显示:Q", title=None, scale=alt.Scale(domain=[0, 1.3]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1.0])))
    bars = base.transform_filter("datum['有数据']").mark_bar().encode(
        color=alt.Color("阶段:N", title=None, scale=alt.Scale(range=["#90caf9", "#42a5f5", "#1565c0", "#0d47a1"])),
        tooltip=["指标", "阶段", "标注"])
    percent = base.mark_text(baseline="bottom", dy=-12, fontSize=9, fontWeight="bold", color="#212121").encode(
        text="完成率:N", tooltip=["指标", "阶段", "标注"])
    nd = base.mark_text(baseline="bottom", dy=-2, fontSize=9, color="#424242").encode(
        text="完成/总数:N", tooltip=["指标", "阶段", "标注"])
    chart = alt.layer(bars, percent, nd, data=df).properties(width=120, height=120).facet(
        facet=alt.Facet("指标:N", title=None, header=alt.Header(labelFont=FONT, labelLimit=200),
                        sort=list(dict.fromkeys(r["name"] for r in rows))), columns=columns)
    return _config(chart)


def _matrix_base(df: pd.DataFrame, row_title: str, tooltip: list[str]) -> alt.Chart:
    """Units (rows, in the rows' order) × targets (columns, short names wrapped every five
    characters on top): the encoding both heatmaps draw their cells and texts on."""
    return alt.Chart(df).encode(
        x=alt.X("指标:N", sort=list(dict.fromkeys(df["指标"])), title=None,
                axis=alt.Axis(orient="top", labelAngle=0, labelLimit=120, labelFontSize=12, labelOverlap=False,
                              labelExpr="split(replace(datum.label, /(.{5})/g, '$1\\n'), '\\n')")),
        y=alt.Y(f"{row_title}:N", sort=list(dict.fromkeys(df[row_title])), title=None,
                axis=alt.Axis(labelFontSize=13, labelLimit=220)),  # e.g. 第10市市场监督管理局 in full
        tooltip=[row_title, "指标全称", *tooltip])


def status_heatmap(figs: list[dict], *, rows: str = "unit_name", row_title: str = "单位") -> alt.Chart:
    """Units (rows) × targets (columns): each cell the percentage over "n/d", filled by status
    (green 达标, red 未达标, grey 无数据), an amber frame and 样本较少 under it when d < 5."""
    df = pd.DataFrame([{row_title: f[rows], "指标": short_name(f), "指标全称": f["name"],
                        "结果": f["status_text"], "完成率": f["percent_text"], "完成/总数": f["nd_text"],
                        "样本": STATUS_SMALL if f["small_sample"] else ""} for f in figs])
    y_order = list(dict.fromkeys(df[row_title]))
    base = _matrix_base(df, row_title, ["完成率", "完成/总数", "结果", "样本"])
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("结果:N", legend=None, scale=alt.Scale(
            domain=[STATUS_MET, STATUS_UNMET, STATUS_NONE], range=STATUS_FILL_RANGE)))
    small = base.transform_filter("datum['样本'] != ''").mark_rect(
        fill=None, stroke=FIGURE_STATUS_COLOURS[STATUS_SMALL], strokeWidth=2.5)
    value = base.mark_text(fontSize=13, fontWeight="bold", dy=-10, color="#212121").encode(text="完成率:N")
    nd = base.mark_text(fontSize=11, dy=5, color="#424242").encode(text="完成/总数:N")
    note = base.transform_filter("datum['样本'] != ''").mark_text(
        fontSize=10, dy=18, color=FIGURE_STATUS_COLOURS[STATUS_SMALL]).encode(text="样本:N")
    height = 52 * len(y_order)
    chart = alt.layer(cells, small, value, nd, note).resolve_scale(color="independent")
    return _config(chart.properties(width="container", height=height))

