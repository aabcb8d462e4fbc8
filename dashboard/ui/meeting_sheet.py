"""The printed meeting sheet: the overview printed (A4 landscape) is ONE page for the leadership
group's meeting, the exceptions first. Hidden on screen; in print it replaces the whole page (the
print CSS of dashboard.ui.widgets hides every other block of a page that carries a sheet).

Top to bottom: the title and what is shown; the exception strip (the screen's); the short
exception lists side by side (the most urgent rows, each with the true total); then one table,
a row per target: its full name over its target value and 责任科室, the unit's own figure (percentage, n/总数,
status, how many short), its pace and the change since the last meeting, and a column per unit
directly below (the screen's units × targets matrix turned a quarter, so thirteen targets and a
dozen units fit the width). Everything from a workbook or a file is escaped (html_text)."""
from __future__ import annotations

from collections import Counter

from dashboard.labels import STATUS_FILLS, short_of
from .widgets import colour, exception_strip, html_block, html_table, html_text

ROWS = 5      # rows of each exception list on the sheet (the totals are in the titles)
NAMES = 8     # unit names listed in a line before "等 N 个"
# A list's row is one line (the page has room for so many): its long texts are cut to these lengths.
CLIP = {"enterprise_name": 11, "name": 11, "description": 9, "food_name": 6, "target_name": 8, "text": 20}


def render(sheet_html: str) -> None:
    """The sheet (sheet()) on the page."""
    # st.html, not st.markdown: a sheet hidden on screen is parsed by the browser natively, not run
    # through Streamlit's Markdown pipeline in script on every rerun
    html_block(sheet_html)


def sheet(title: str, caption: str, strip: list[tuple[str, int, str]], lists: list[list[str]],
          table: str) -> str:
    """The sheet's markup: `lists` are the columns of exception sections (built below), `table`
    the figure table (figure_table)."""
    cols = "".join(f'<div>{"".join(col)}</div>' for col in lists)
    return (f'<div class="meeting-sheet"><h3>{html_text(title)}</h3><p class="cap">{html_text(caption)}</p>'
            f'{exception_strip(strip)}<div class="ms-lists" style="--n:{len(lists)}">{cols}</div>'
            f'{table}</div>')


def section(title: str, body: str) -> str:
    """One exception list: an escaped title over its (already escaped) body."""
    return f'<section><h5>{html_text(title)}</h5>{body}</section>'


def names(title: str, values: list[str], empty: str, *, limit: int = NAMES) -> str:
    """A list of names run on after its title, one paragraph: "title：a、b、c 等 N 个" (the
    first `limit`), or "title：empty"."""
    more = f" 等 {len(values)} 个" if len(values) > limit else ""
    listed = "、".join(html_text(v) for v in values[:limit]) + more if values else html_text(empty)
    return f'<p class="names"><b>{html_text(title)}：</b>{listed}</p>'


def short_section(name: str, lst: dict, unit_word: str, order: str, columns: list[str], empty: str, *,
                  numeric: tuple[str, ...] = (), rows: int = ROWS) -> str:
    """A short list (dashboard.ui.data.short_list) under its title with the true total: its first
    `rows` rows as a table of one line a row, or `empty`."""
    shown = f"，列出{order}的 {rows} {unit_word}" if lst["total"] > rows else (f"，{order}的在前" if lst["total"] else "")
    body = list_table(lst["rows"][:rows], columns, numeric) if lst["rows"] else f"<p>{html_text(empty)}</p>"
    return section(f"{name}（共 {lst['total']} {unit_word}{shown}）", body)


def list_table(rows: list[dict], columns: list[str], numeric: tuple[str, ...]) -> str:
    """Rows as a table of one line a row, the long texts cut (CLIP); html_table escapes them."""
    cut = [{**r, **{c: clip(r[c], CLIP[c]) for c in columns if c in CLIP and isinstance(r.get(c), str)}}
           for r in rows]
    return html_table(cut, columns, numeric=numeric, cls="wrap-table ms-list")


def behind_counts(paces, unit_code: str) -> list[str]:
    """Each unit below with targets behind pace, "梁垛分局 9 项", most first."""
    counts = Counter(p.unit_name for p in paces if p.is_behind and p.unit_code != unit_code)
    return [f"{u} {n} 项" for u, n in counts.most_common()]


def comparison(day, rows: list[dict]) -> str:
    """Since the last meeting: the counts of falls, rises and flats, and the worst falls (the
    change, then the figure now; the figure then is on the screen). A province's long unit names
    may cut the last column, never the change."""
    moved = [r for r in rows if not r["is_flat"]]
    down = [r for r in moved if (r["change_points"] or 0) < 0]
    title = f"与上次会议（{day}）相比：下降 {len(down)} 项，上升 {len(moved) - len(down)} 项，持平 {len(rows) - len(moved)} 项"
    body = list_table([{**r, "target_name": r["short_name"]} for r in down[:ROWS]],
                      ["unit_name", "target_name", "change_points", "current_text"],
                      ("change_points", "current_text")) if down else "<p>没有下降的指标。</p>"
    return section(title, body)


def work(late: list[dict], missing: list[dict], due) -> str:
    """工作任务台账: the overdue items (the three most overdue) and the units without 细化措施."""
    items = "；".join(f"{html_text(clip(r['text'], CLIP['text']))}（{html_text(r['owner'])}，逾期 {r['days_overdue']} 天）"
                     for r in late[:3])
    more = f"等 {len(late)} 项" if len(late) > 3 else ""
    return (section(f"逾期的工作任务（{len(late)} 项）", f"<p>{items + more or '没有逾期的工作任务。'}</p>")
            + names(f"{due}前未报细化措施的单位（{len(missing)} 个）", [r["unit_name"] for r in missing],
                    "各单位均已上报细化措施。"))


def clip(text: str, most: int) -> str:
    """A long text cut to `most` characters with an ellipsis (a work item's wording runs to lines)."""
    return text if len(text) <= most else text[:most - 1] + "…"


def figure_table(own: list[dict], below: list[dict], scope: str, paces: dict, changes: dict,
                 owners: dict) -> str:
    """A row per target of `own`: its name (one line) over its target value and 责任科室 (`owners`),
    the own figure, pace and change since the last meeting (`paces`/`changes` by target), then
    the figure of each unit of `below`."""
    units = list(dict.fromkeys(f["unit_name"] for f in below))
    by = {(f["unit_name"], f["target"]): f for f in below}
    head = (f"<th>指标（目标值｜责任科室）</th><th>{html_text(scope)}</th><th>应达｜预测｜较上次</th>"
            + "".join(f"<th>{html_text(u)}</th>" for u in units))
    rows = "".join(
        f"<tr>{name_cell(f, owners.get(f['target']))}{own_cell(f)}"
        f'{pace_cell(paces.get(f["target"]), changes.get(f["target"]))}'
        + "".join(unit_cell(by.get((u, f["target"]))) for u in units) + "</tr>" for f in own)
    return f'<table class="ms-fig{"" if units else " alone"}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def name_cell(f: dict, owner: str | None) -> str:
    """The target's full name on a line of its own, under it 目标 100%｜责任科室."""
    more = f"｜{html_text(owner)}" if owner else ""
    return (f'<td class="name">{html_text(f["name"])}<br><small>目标 {html_text(f["threshold_text"])}'
            f"{more}</small></td>")


def _fill(f: dict) -> str:
    return f'style="background:{STATUS_FILLS[f["status_text"]]};color:{colour(f)}"'


def own_cell(f: dict) -> str:
    """98.8% 未达标 / 172/174，还差 2."""
    gap = f"，还差 {short_of(f)}" if f["met"] is False else ""
    return (f'<td class="own" {_fill(f)}><b>{f["percent_text"]}</b> {f["status_text"]}'
            f'<br>{f["nd_text"]}{gap}</td>')


def pace_cell(p, change: dict | None) -> str:
    """应达 66.9% (red when behind) / 可达标｜+4.0, or blank without a pace."""
    if p is None:
        return "<td></td>"
    late = ' class="late"' if p.is_behind else ""
    moved = f"｜{change['change_text'].replace(' 个百分点', '')}" if change else ""
    return f'<td class="pace"><span{late}>应达 {p.expected_text}</span><br>{p.verdict}{moved}</td>'


def unit_cell(f: dict | None) -> str:
    """A unit's figure: the percentage over n/总数, coloured by its status."""
    if f is None:
        return "<td></td>"
    return f'<td {_fill(f)}><b>{f["percent_text"]}</b><br>{f["nd_text"]}</td>'
