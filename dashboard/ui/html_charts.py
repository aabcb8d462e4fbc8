"""The overview's three charts as HTML (st.html), not Vega: the phase timeline and the two unit ×
target heatmaps. Same content, colours and order as their Altair versions (dashboard.altair_charts,
which the other pages and the Word briefing keep), each cell's or bar's details in its `title`
(the browser's own tooltip) and the heatmaps as real tables (a screen reader reads them cell by cell).

Why: the first page after sign-in (issue #16 goal 1b). Vega is the dearest thing that page drew:
its scripts are parsed again after the login's page load, and three charts took about a third of the
renderer's main thread (benchmarks/README.md, 目标 1b). HTML of a few dozen cells costs the browser
next to nothing and is drawn with the cards, and the server builds it in well under a millisecond.
Every value passes through widgets.html_text."""
from __future__ import annotations

from datetime import date, timedelta

from dashboard.labels import FIGURE_STATUS_COLOURS, PHASE_STATE_COLOURS, STATUS_FILLS, STATUS_MET, STATUS_NONE, \
    STATUS_SMALL, STATUS_UNMET, short_name

from .widgets import html_text

MAX_TICKS = 7  # month labels under the timeline (every k-th month when the campaign is longer)

CSS = """<style>
.pt {position:relative; margin:2px 0 8px 0; font-size:0.8rem; color:#333;}
.pt-row {display:grid; grid-template-columns:minmax(5rem,38%) 1fr; align-items:center; min-height:28px;}
.pt-label {overflow:hidden; text-overflow:ellipsis; white-space:nowrap; padding-right:6px;}
.pt-track {position:relative; height:28px; border-left:1px solid #bbb;}
.pt-bar {position:absolute; top:3px; height:22px; border-radius:3px;}
.pt-now {position:absolute; top:0; bottom:0; width:2px; margin-left:-1px; background:#c62828;}
.pt-axis {position:relative; height:1.2em; border-top:1px solid #bbb; color:#555; font-size:0.75rem;}
.pt-axis span {position:absolute; transform:translateX(-50%); white-space:nowrap;}
.hm-wrap {overflow-x:auto; max-width:100%;}
.hm {border-collapse:separate; border-spacing:2px; width:100%; font-size:0.8rem; table-layout:fixed;}
.hm th {font-weight:400; color:#333; vertical-align:bottom; text-align:center; padding:2px;
        overflow-wrap:anywhere; line-height:1.2;}
.hm th.u {text-align:left; width:9.5rem; vertical-align:middle; font-size:0.85rem; overflow-wrap:anywhere;}
.hm td {text-align:center; padding:3px 1px; line-height:1.2; color:#424242; border-radius:2px;}
.hm td b {display:block; color:#212121; font-size:0.9rem;}
.hm td.small {outline:2.5px solid var(--s); outline-offset:-3px;}
.hm td em {display:block; font-style:normal; font-size:0.7rem; color:var(--s);}
.hm td i {display:block; font-style:normal; font-size:0.7rem; color:#616161;}
@media screen and (max-width: 640px) {.hm {min-width:1000px;}
  .hm-wrap::before {content:"左右滑动查看全部指标 ⇆"; font-size:0.75rem; color:#777;}}
</style>"""


def phase_timeline(phases, as_of: date) -> str:
    """The phases as bars on a time axis (ended grey, running blue, ahead light) and a red line at
    as_of; month labels under them."""
    start = min(p.start_date for p in phases)
    end = max(p.end_date for p in phases) + timedelta(days=1)

    def at(d: date) -> float:
        return round(100 * (d - start).days / (end - start).days, 3)
    now = ""
    if start <= as_of < end:  # mid-day of as_of, as the Altair rule
        left = round(100 * ((as_of - start).days + 0.5) / (end - start).days, 3)
        now = f'<div class="pt-now" style="left:{left}%" title="数据截至 {as_of}"></div>'
    rows = []
    for p in phases:
        state = "已结束" if p.end_date < as_of else "进行中" if p.start_date <= as_of else "未开始"
        label = html_text(f"{p.seq}. {p.name}")
        left, right = at(p.start_date), at(p.end_date + timedelta(days=1))
        tip = html_text(f"{p.seq}. {p.name}｜{p.start_date} 至 {p.end_date}｜{state}")
        rows.append(f'<div class="pt-row"><div class="pt-label" title="{label}">{label}</div>'
                    f'<div class="pt-track"><div class="pt-bar" title="{tip}" style="left:{left}%;'
                    f'width:{round(right - left, 3)}%;background:{PHASE_STATE_COLOURS[state]}"></div>{now}</div></div>')
    months = []
    m = date(start.year, start.month, 1)
    while m < end:
        if m >= start:
            months.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    step = -(-len(months) // MAX_TICKS) or 1
    ticks = "".join(f'<span style="left:{at(m)}%">{m:%Y-%m}</span>' for m in months[::step])
    axis = f'<div class="pt-row"><div></div><div class="pt-axis">{ticks}</div></div>'
    return f'{CSS}<div class="pt" role="img" aria-label="行动阶段时间轴">{"".join(rows)}{axis}</div>'


def _matrix(cells: list[tuple[str, object, str, str, str, str]], row_title: str) -> str:
    """Rows × columns from (row, column object, cell HTML, fill, tooltip, extra class) cells, rows
    and columns in the cells' order; the column header is the short name, its title the full name."""
    rows = list(dict.fromkeys(c[0] for c in cells))
    cols = list(dict.fromkeys(short_name(c[1]) for c in cells))
    full = {short_name(c[1]): (c[1]["name"] if isinstance(c[1], dict) else c[1].name) for c in cells}
    by = {(c[0], short_name(c[1])): c for c in cells}
    head = f'<th class="u">{html_text(row_title)}</th>' + "".join(
        f'<th scope="col" title="{html_text(full[c])}">{html_text(c)}</th>' for c in cols)
    body = []
    for r in rows:
        tds = []
        for c in cols:
            cell = by.get((r, c))
            if cell is None:
                tds.append("<td></td>")
                continue
            _, _, inner, fill, tip, cls = cell
            tds.append(f'<td class="{cls}" style="background:{fill};--s:{FIGURE_STATUS_COLOURS[STATUS_SMALL]}" '
                       f'title="{html_text(tip)}">{inner}</td>')
        body.append(f'<tr><th scope="row" class="u">{html_text(r)}</th>{"".join(tds)}</tr>')
    return (f'{CSS}<div class="hm-wrap"><table class="hm"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def status_heatmap(figs: list[dict], *, rows: str = "unit_name", row_title: str = "单位") -> str:
    """Units (rows) × targets (columns): the percentage over "n/d", filled by status (green 达标,
    red 未达标, grey 无数据), an amber frame and 样本较少 when d < 5."""
    cells = []
    for f in figs:
        small = f["small_sample"]
        inner = (f'<b>{html_text(f["percent_text"])}</b>{html_text(f["nd_text"])}'
                 + (f"<em>{STATUS_SMALL}</em>" if small else ""))
        tip = "｜".join([f[rows], f["name"], f"完成率 {f['percent_text']}（{f['nd_text']}）", f["status_text"]]
                       + ([STATUS_SMALL] if small else []))
        cells.append((f[rows], f, inner, STATUS_FILLS[f["status_text"]], tip, "small" if small else ""))
    return _matrix(cells, row_title)


def forecast_heatmap(paces, *, row_title: str = "单位") -> str:
    """Units × targets: will the campaign-to-date figure reach its threshold by the end at the
    current rate (green 可达标 / red 难达标 / grey 无数据; after the end 已达标 / 未达标), with
    the projected value and the figure it is projected from, n of how many (45/50; the page's
    caption says so)."""
    fill = {"可达标": STATUS_FILLS[STATUS_MET], "已达标": STATUS_FILLS[STATUS_MET],
            "难达标": STATUS_FILLS[STATUS_UNMET], "未达标": STATUS_FILLS[STATUS_UNMET], STATUS_NONE: STATUS_FILLS[STATUS_NONE]}
    cells = []
    for p in paces:
        inner = (f"<b>{html_text(p.verdict)}</b>" + ("" if p.verdict == STATUS_NONE else html_text(p.projected_text))
                 + f"<i>{p.nd_text}</i>")
        tip = "｜".join([p.unit_name, p.name, f"当前 {p.percent_text}（{p.nd_text}）",
                        f"按进度应达 {p.expected_text}",
                        f"进度 {p.pace_text}", f"预测 {p.projected_text}", p.verdict])
        cells.append((p.unit_name, p, inner, fill[p.verdict], tip, ""))
    return _matrix(cells, row_title)
