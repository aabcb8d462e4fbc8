"""Shared page pieces: print CSS, figure cards, the status matrix, Chinese tables, provenance; and
the two escapes every value from a workbook, a URL, a file name or an account passes through before
it is rendered as Markdown (`md`) or HTML (`html_text`)."""
from __future__ import annotations

import hashlib
import html
import pickle
import re
from datetime import date, datetime

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from dashboard.periods import Window
from dashboard.figures.selection import Selection
from dashboard.filenames import safe_filename
from dashboard.labels import (BOOLEAN_COLUMNS, FIGURE_STATUS_COLOURS, STATUS_FILLS,
                              STATUS_SMALL, figure_text, fmt_date, fmt_datetime, label, short_of,
                              short_points)

from . import data

CSS = """
<style>
/* Cards are HTML grids sized by the box they sit in (a container query), not by the screen: one
   column on a phone (390 px), two in a narrow column, `--cols` otherwise. */
.fig-wrap {container-type:inline-size;}
.fig-grid {display:grid; grid-template-columns:repeat(var(--cols,3),minmax(0,1fr)); gap:8px; margin-bottom:6px;}
.fig-card {border:1px solid #ddd; border-left:6px solid var(--c); border-radius:6px; padding:6px 10px;
           background:#fff; break-inside:avoid; min-width:0;}
.fig-card .t {font-size:0.85rem; color:#444; line-height:1.25; height:2.5em; overflow:hidden;}
.fig-card .v {font-size:1.55rem; font-weight:700; color:var(--c); line-height:1.2;}
.fig-card .nd {font-size:0.95rem; color:#333; font-weight:400; margin-left:4px; white-space:nowrap;
               display:inline-block;}
.fig-card .s {font-size:0.8rem; color:#555; overflow-wrap:anywhere;}
@container (max-width: 499px) {.fig-grid {grid-template-columns:repeat(var(--cols2,2),minmax(0,1fr));}}
@container (max-width: 419px) {.fig-grid {grid-template-columns:minmax(0,1fr);} .fig-card .t {height:auto;}}
.fig-card .own {font-size:0.8rem; color:#777;}
/* heading_html and note_html: a heading or a note inside an html_block, drawn as st.markdown's "####" and st.caption */
h4.in-block {font-size:1.5rem; font-weight:600; line-height:1.2; padding:0.5rem 0 1rem; margin:0;}
h4.in-block small {font-size:0.833em;}
.note {font-size:0.875rem; color:rgba(47,45,43,0.6); margin:0 0 1rem;}
p.legend {margin:0.75rem 0 0;}
.badge {display:inline-block; border-radius:4px; padding:0 5px; font-size:0.75rem; color:#fff; background:var(--c);}
.exc-grid {display:grid; grid-template-columns:repeat(var(--n,4),minmax(0,1fr)); gap:8px; margin-bottom:4px;}
.facts {display:grid; grid-template-columns:repeat(auto-fit,minmax(10rem,1fr)); gap:4px 12px; margin-bottom:8px;}
.facts div {min-width:0; overflow-wrap:anywhere;} .facts b {display:block;}
.exc-card {border-radius:6px; padding:6px 10px; background:var(--bg); border:1px solid var(--c); min-width:0;}
.exc-card .n {font-size:1.6rem; font-weight:700; color:var(--c); line-height:1.2;}
.exc-card .t {font-size:0.85rem; color:#333;}
.meeting-sheet {display:none;}
/* a data grid's table for paper (print_twin): no room on screen, not even the gap of its block */
[data-testid="stElementContainer"]:has(.print-only) {display:none;}
.wrap-table {border-collapse:collapse; width:100%; font-size:0.9rem;}
.wrap-table th, .wrap-table td {border:1px solid #ddd; padding:3px 6px; text-align:left; vertical-align:top;
    white-space:normal; word-break:break-word;}
.wrap-table th {background:#f5f5f5; font-weight:600;}
.wrap-table td.num {text-align:right; white-space:nowrap;}
.wrap-table td.nw {white-space:nowrap;}
/* A chart of fixed width (the small multiples) scrolls in its own box, never the page. */
[data-testid="stVegaLiteChart"] {max-width:100%; overflow-x:auto;}
[class*="st-key-narrowonly"], .narrow-only {display:none;}
/* Streamlit starts with the sidebar closed up to 768 px wide: the hint says where the controls are.
   A phone (up to 640 px, where Streamlit stacks columns): the exception strip two by two, the
   charts drawn for a narrow screen. */
@media screen and (max-width: 768px) {.narrow-only {display:block;}}
@media screen and (max-width: 640px) {
  .exc-grid {grid-template-columns:repeat(var(--n2,2),minmax(0,1fr));}
  [class*="st-key-narrowonly"] {display:flex;}
  [class*="st-key-wideonly"] {display:none;}
  [data-testid="stMainBlockContainer"] {padding-top:3.75rem;}
}
/* Print: the sidebar, the header and the controls are hidden; a page's blocks print as on screen,
   read at arm's length (body text 12px = 9pt and up). A page that carries the meeting sheet
   (dashboard.ui.meeting_sheet, the overview) prints the sheet alone: one A4 landscape page. */
@media print {
  @page {size: A4 landscape; margin: 8mm;}
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stDecoration"], .no-print,
  [data-testid="stExpander"], [data-testid="stElementToolbar"], footer, [data-testid="stDateInput"],
  [class*="st-key-noprint"] {display:none !important;}
  [data-testid="stMain"], [data-testid="stAppViewContainer"] {margin:0 !important; padding:0 !important;}
  [data-testid="stMainBlockContainer"], .block-container {padding:0 !important; max-width:100% !important;}
  [data-testid="stVerticalBlock"] {gap:4px !important;}
  [data-testid="stColumn"]:has([class*="st-key-noprint"]) {display:none !important;}
  [data-testid="stColumn"] {flex:1 1 0 !important; width:auto !important; min-width:0 !important;}
  body {-webkit-print-color-adjust:exact; print-color-adjust:exact; font-size:13px;}
  h3 {font-size:20px !important; padding:0 0 2px 0 !important;}
  h4 {font-size:16px !important; padding:2px 0 0 0 !important; margin:0 !important;}
  [data-testid="stCaptionContainer"], small, .note {font-size:12px !important;}
  .fig-grid {gap:6px;}
  .fig-card {padding:4px 8px;}
  .fig-card .t {font-size:14px; height:auto; font-weight:600;}
  .fig-card .v {font-size:22px;} .fig-card .nd {font-size:14px;}
  .fig-card .s, .badge {font-size:12px;}
  .fig-card .own {display:none;}
  .exc-grid {gap:6px;}
  .exc-card {display:flex; align-items:center; gap:8px; padding:2px 8px;}
  .exc-card .n {font-size:22px; flex:none; white-space:nowrap;} .exc-card .t {font-size:13px; line-height:1.2;}
  /* the meeting sheet alone: every top-level block of the page without it is hidden */
  body:has(.meeting-sheet) [data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]
    > :not(:has(.meeting-sheet)) {display:none !important;}
  .meeting-sheet {display:block; font-size:11px; line-height:1.25; color:#222;}
  .meeting-sheet h3 {font-size:18px !important; margin:0 !important; padding:0 !important; line-height:1.3;}
  .meeting-sheet p {margin:0 0 2px 0; font-size:11px;}
  .meeting-sheet .cap {color:#555; margin-bottom:3px;}
  .meeting-sheet h5 {font-size:12px !important; margin:3px 0 1px 0 !important; padding:0 !important;
                     font-weight:700; line-height:1.3;}
  .meeting-sheet p.names {margin:3px 0 1px 0;} .meeting-sheet p.names b {font-size:12px;}
  .meeting-sheet .exc-grid {gap:4px; margin-bottom:2px;}
  .meeting-sheet .exc-card {padding:1px 6px; gap:6px;}
  .meeting-sheet .exc-card .n {font-size:17px;} .meeting-sheet .exc-card .n span {font-size:11px !important;}
  .meeting-sheet .exc-card .t {font-size:11px;}
  .ms-lists {display:grid; grid-template-columns:repeat(var(--n,3),minmax(0,1fr)); gap:10px; margin-bottom:3px;}
  .meeting-sheet table {border-collapse:collapse; width:100%; margin:0; font-size:11px;}
  .meeting-sheet th, .meeting-sheet td {border:1px solid #ccc !important; padding:0 3px !important;
      font-size:11px !important; line-height:1.2 !important; vertical-align:middle; word-break:break-word;}
  .meeting-sheet th {background:#f2f2f2; font-weight:600; text-align:center;}
  .ms-fig th {padding:0 1px !important;}
  .ms-lists > div {min-width:0; overflow:hidden;}
  .meeting-sheet .ms-list td {white-space:nowrap; overflow:hidden;}
  .meeting-sheet .ms-list td.num {text-align:right;} .meeting-sheet .ms-list th {white-space:nowrap;}
  .ms-fig td {text-align:center; white-space:nowrap;}
  .ms-fig td.name {text-align:left; font-weight:600;}
  .ms-fig td.name small {font-weight:400; font-size:11px !important; color:#555;}
  .ms-fig td.own {font-size:11.5px !important;} .ms-fig td.pace {color:#444;}
  .ms-fig td.pace .late {color:#c62828; font-weight:600;}
  .ms-fig.alone {width:auto;} .ms-fig.alone td {padding:0 12px !important;}
  /* a block too tall to share a page (分局看板's thirteen monthly trends): a page of its own, its
     chart scaled to the page's height (A4 landscape: about 730 px for five rows of panels) */
  [class*="st-key-printpage"] {break-before:page; break-inside:avoid;}
  [class*="st-key-printpage"] [data-testid="stVegaLiteChart"] {zoom:0.72;}
  /* a data grid followed by its table for paper (print_twin): the table prints, the grid does not */
  [data-testid="stElementContainer"]:has(.print-only) {display:block;}
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]):has(+ [data-testid="stElementContainer"] .print-only)
    {display:none !important;}
  .print-table {font-size:11px;} .print-table thead {display:table-header-group;}
  .print-table th {word-break:keep-all;}  /* 批次 on one line, not 批 over 次 */
  [data-testid="stElementContainer"]:has(h3, h4) {break-after:avoid;}  /* a heading element stays with what follows */
  h3, h4 {break-after:avoid;}  /* and so does a heading inside a block (widgets.heading_html) */
  .print-table tr {break-inside:avoid;} .print-note {font-size:11px; color:#555; margin:2px 0 0 0;}
}
</style>
"""


_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
# Where Streamlit's Markdown still finds something in text whose punctuation is escaped: GFM's
# autolinks (https://…, www.…, a@b.c) and emoji shortcodes (:smile:) are matched in the parsed text
# after the escapes are gone. An invisible WORD JOINER after every ":" and "@" and between "www"
# and "." breaks each pattern and changes nothing a reader sees.
_TEXT_PATTERNS = re.compile(r"(?<=[:@])|(?i:(?<=www)(?=\.))")
WORD_JOINER = "\u2060"


def md(value) -> str:
    """`value` shown literally where Streamlit reads Markdown (st.markdown, st.caption, st.info…,
    st.write of a string, st.table cells, widget, tab and expander labels). CommonMark lets any
    ASCII punctuation be backslash-escaped, so all of it is: nothing can become a link, an image,
    an HTML tag or entity, emphasis, a Streamlit directive (:red[…], icons) or a formula ($…$);
    autolinks and shortcodes are broken as above. Line breaks become spaces, so a value cannot
    open a block of its own."""
    text = _TEXT_PATTERNS.sub(WORD_JOINER, _BREAKS.sub(" ", str(value)))
    return _MD_SPECIAL.sub(r"\\\1", text)


def html_text(value) -> str:
    """`value` shown literally inside an HTML block of st.markdown(…, unsafe_allow_html=True) (the
    cards): HTML-escaped, and line breaks as spaces, because a blank line would end the HTML block
    and hand the rest of the value back to the Markdown parser."""
    return html.escape(_BREAKS.sub(" ", str(value)), quote=True)


# On a phone the sidebar starts closed: where the pages and the unit / window controls are.
PHONE_HINT = ('<div class="narrow-only" style="font-size:0.8rem;color:#555">点左上角 » 打开菜单，'
              '切换页面、单位和统计区间</div>')


class _Built:
    """Markup this program built (its values escaped), handed to st.html as is: an object with
    `_repr_html_` skips st.html's dedent-and-strip of a string, a regular-expression pass over every
    character (the overview's ~85 KB of HTML: about 0.6 ms of a 9 ms rerun)."""
    __slots__ = ("markup",)

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


def html_block(markup: str) -> None:
    """st.html of markup built here (never of text from a workbook, a URL or an account unescaped)."""
    st.html(_Built(markup))


def page_setup(title: str, sel=None, *, caption: str | None = None) -> None:
    """Every page's top: the print CSS, the title and the caption of what is shown (the selection's
    unit, window and as_of; or `caption`, for a page without the shared controls)."""
    html_block(CSS + PHONE_HINT)  # not st.markdown: the browser parses it natively, not as Markdown in script
    st.markdown(f"### {title}")
    st.caption(sel.caption if caption is None else caption)


def colour(fig: dict) -> str:
    """The colour of a figure's status (green 达标, red 未达标, grey 无数据)."""
    return FIGURE_STATUS_COLOURS[fig["status_text"]]


def facts(items: list[tuple[str, object]]) -> None:
    """Title–value pairs side by side (a workbook's values, escaped), two or more to a row as the
    width allows: four across a desktop, two by two on a phone."""
    cells = "".join(f"<div><b>{html_text(t)}</b>{html_text(v)}</div>" for t, v in items)
    st.markdown(f'<div class="facts">{cells}</div>', unsafe_allow_html=True)


def status_badges(fig: dict) -> str:
    """HTML badges of a figure's status, and 样本较少 when its denominator is small."""
    out = f'<span class="badge" style="--c:{colour(fig)}">{fig["status_text"]}</span>'
    if fig["small_sample"]:
        out += f' <span class="badge" style="--c:{FIGURE_STATUS_COLOURS[STATUS_SMALL]}">{STATUS_SMALL}</span>'
    return out


def gap_text(fig: dict) -> str:
    """达标 / 差 3 户（差 1.2 个百分点）/ 无数据."""
    if fig["met"] is None:
        return "分母为 0，无数据"
    if fig["met"]:
        return f"目标 {fig['threshold_text']}，已达标"
    return f"目标 {fig['threshold_text']}，还差 {short_of(fig)} 个（{short_points(fig):.1f} 个百分点）"


def figure_cards(figs: list[dict], *, extra: dict | None = None, columns: int = 3,
                 owners: dict | None = None) -> None:
    """One card per figure: value, n/d, target, status (and 样本较少); extra[target] adds a line;
    owners[target] (the campaign file's 责任科室) adds a line of its own (not printed)."""
    st.markdown(figure_cards_html(figs, extra=extra, columns=columns, owners=owners), unsafe_allow_html=True)


def figure_cards_html(figs: list[dict], *, extra: dict | None = None, columns: int = 3,
                      owners: dict | None = None) -> str:
    """figure_cards' markup (every text escaped)."""
    cards = []
    for f in figs:
        more = f'<div class="s">{html_text(extra[f["target"]])}</div>' if extra and f["target"] in extra else ""
        owner = (f'<div class="own">责任科室：{html_text(owners[f["target"]])}</div>'
                 if owners and f["target"] in owners else "")
        cards.append(
            f'<div class="fig-card" style="--c:{colour(f)}"><div class="t">{html_text(f["name"])}</div>'
            f'<div class="v">{f["percent_text"]}<span class="nd">（{f["nd_text"]}）</span></div>'
            f'<div class="s">{status_badges(f)} {html_text(gap_text(f))}</div>{owner}{more}</div>')
    return (f'<div class="fig-wrap"><div class="fig-grid" style="--cols:{columns};--cols2:{min(columns, 2)}">'
            f'{"".join(cards)}</div></div>')


def status_matrix(figs: list[dict], *, row_key: str = "unit_name", col_key: str = "name",
                  row_title: str = "单位") -> None:
    """A unit × target matrix, each cell "98.9%（97/98）" coloured by status, ⚠ for 样本较少."""
    _coloured_matrix([(f[row_key], f[col_key], figure_text(f) + (" ⚠样本较少" if f["small_sample"] else ""),
                      f["status_text"]) for f in figs], row_title=row_title)


def _coloured_matrix(cells: list[tuple[str, str, str, str]], *, row_title: str) -> None:
    """A row × column table from (row, column, text, status) cells, in the cells' order, each cell
    filled and coloured by its status (达标 / 未达标 / 无数据)."""
    rows = list(dict.fromkeys(c[0] for c in cells))
    cols = list(dict.fromkeys(c[1] for c in cells))
    texts = {(row, col): cell for row, col, cell, _ in cells}
    styles = {(row, col): f"background-color:{STATUS_FILLS[status]};color:{FIGURE_STATUS_COLOURS[status]}"
              for row, col, _, status in cells}
    text = pd.DataFrame([[texts.get((r, c), "") for c in cols] for r in rows], index=rows, columns=cols)
    style = pd.DataFrame([[styles.get((r, c), "") for c in cols] for r in rows], index=rows, columns=cols)
    text.index.name = row_title
    st.dataframe(text.style.apply(lambda _: style, axis=None), width="stretch",
                 height=min(38 + 35 * len(rows), 520))


_LEGEND = ("图例：" + " ".join(f'<span class="badge" style="--c:{c}">{s}</span>' for s, c in FIGURE_STATUS_COLOURS.items())
           + "（橙框）　数字格式：完成率（完成数/总数）；样本较少：分母不足 5")


def legend() -> None:
    """The colour legend and how to read a cell, under a status matrix."""
    st.markdown(_LEGEND, unsafe_allow_html=True)


def legend_html() -> str:
    """The legend as a paragraph, to close an html_block of its matrix."""
    return f'<p class="legend">{_LEGEND}</p>'


def heading_html(markup: str) -> str:
    """A section heading inside an html_block (its element's first line, styled as st.markdown's
    "####"): one element for the heading and what it heads. `markup` is built here, values escaped."""
    return f'<h4 class="in-block">{markup}</h4>'


def note_html(text: str) -> str:
    """A note in an html_block, styled as st.caption; `text` is escaped here."""
    return f'<p class="note">{html_text(text)}</p>'


def _cell(col: str, v):
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if col in BOOLEAN_COLUMNS:
        return "是" if v in (1, True, "1") else "否"
    if col.endswith("uploaded_at") or col == "last_upload":
        return fmt_datetime(v)
    if isinstance(v, (date, datetime)) or col.endswith("_date"):
        return fmt_date(v)
    return v


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame with only `columns`, Chinese headers, dates as 2023-05-08 (built column
    by column: a province's lists run to tens of thousands of rows)."""
    return pd.DataFrame({label(c): [_cell(c, r.get(c)) for r in rows] for c in columns},
                        columns=[label(c) for c in columns])


def table(rows: list[dict], columns: list[str], *, empty: str = "无记录", height: int | None = None,
          key: str | None = None, paper: bool = True) -> None:
    """Rows as a Chinese-headed table of `columns`; the `empty` note when there are none."""
    frame_table(frame(rows, columns), empty=empty, height=height, key=key, paper=paper)


def frame_table(df: pd.DataFrame, *, empty: str = "无记录", height: int | None = None,
                key: str | None = None, paper: bool = True) -> None:
    """A display frame (see frame()) as a table; the `empty` note when it has no rows. With `paper`
    its table for print follows it (print_twin); a table inside an expander, which print hides,
    passes paper=False and costs the run nothing more."""
    if df.empty:
        st.info(empty)
        return
    grid = paper_grid if paper else st.dataframe
    grid(df, width="stretch", hide_index=True, height=height or min(38 + 35 * len(df), 420), key=key)


def paper_grid(df: pd.DataFrame, **options) -> None:
    """st.dataframe(df, **options) followed by its table for paper (print_twin)."""
    st.dataframe(df, **options)
    html_block(print_twin(df))


PRINT_ROWS = 100  # rows of a table on paper (the screen's grid scrolls through all of them)


def print_twin(df: pd.DataFrame) -> str:
    """The table for paper: a data grid prints only the columns its canvas shows, cut at the right
    edge of the page, so the printed page carries this wrapping HTML table of the first PRINT_ROWS
    rows instead (hidden on screen; the grid before it is hidden in print), with the true count
    when it holds fewer. Every value is escaped."""
    numeric = [pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in df.dtypes]
    head = "".join(f"<th>{html_text(c)}</th>" for c in df.columns)
    td = ['<td class="num">' if n else "<td>" for n in numeric]
    body = "".join("<tr>" + "".join(f"{t}{_paper(v)}</td>" for v, t in zip(row, td)) + "</tr>"
                   for row in df.head(PRINT_ROWS).itertuples(index=False, name=None))
    note = (f'<p class="print-note">打印件列出前 {PRINT_ROWS} 行（共 {len(df)} 行）；完整清单见页面上的表格。</p>'
            if len(df) > PRINT_ROWS else "")
    return (f'<div class="print-only"><table class="wrap-table print-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{note}</div>")


def _paper(v) -> str:
    """A grid cell's value as printed text: empty for a missing value, a whole float without its
    ".0" (an integer column holding a gap is float), others to two decimals at most."""
    if v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        text = str(int(v)) if v.is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return html_text(v)


PROVENANCE_COLUMNS = ["unit_name", "credit_code", "name", "member_label", "evidence_label", "evidence_date",
                      "evidence_file_name", "evidence_uploader", "evidence_uploaded_at",
                      "member_file_name", "member_uploader", "member_uploaded_at"]
PROVENANCE_ROWS = 2000  # rows a provenance table shows (a province's run to 10⁵); all are downloadable


PROVENANCE_OPEN = "prov_open_"  # + the page's key: whether its provenance expander is open


def lazy_expander(label: str, key: str, **options):
    """An expander whose content is built only while it is open (None while closed; its state is
    kept under `key`, and opening it reruns the page). A closed expander is one element for the
    browser, not the tables inside it: every rerun (a unit switch) sends and renders each element
    of the page again, open or not, and a table is among the dearest to render."""
    box = st.expander(label, key=key, on_change="rerun", **options)
    return box if box.open else None


def provenance(figs: list[dict], sel: Selection, *, key: str) -> None:
    """From any figure shown: the records behind its numerator and denominator, each with the upload
    (file, uploader, time) it came from. A table shows the first PROVENANCE_ROWS records; the tab
    carries the true count and the whole list downloads as CSV. `sel` is the page's Selection: each
    figure's own (its unit, window and as-of date) is derived from it, not resolved again. The
    records are read only while the expander is open (its state is kept under PROVENANCE_OPEN +
    key): at province scale the members of a figure are tens of thousands of rows, read for nobody
    on every cold page."""
    box = lazy_expander("数据来源：查看任一指标分子、分母背后的记录及其上报批次", PROVENANCE_OPEN + key,
                        icon=":material/search:")
    if box is None:
        return
    with box:
        choices = [(f["unit_code"], f["target"]) for f in figs]
        by = {(f["unit_code"], f["target"]): f for f in figs}
        pick = st.selectbox("指标", choices, key=f"prov_{key}",
                            format_func=lambda c: f"{by[c]['unit_name']} · {by[c]['name']} · {by[c]['figure_text']}")
        f = by[pick]
        fig = (data.version(), f["target"],
               sel.of(f["unit_code"]).at(Window(f["from_date"], f["to_date"], ""), as_of=f["as_of"]))
        parts = _provenance_frames(*fig, PROVENANCE_ROWS)
        tabs = st.tabs([f"{part}：{count} 条" for part, (_, count) in parts.items()])
        for tab, (part, (df, count)) in zip(tabs, parts.items()):
            with tab:
                frame_table(df, empty="分子为 0：没有计入的记录" if part == "分子" else "分母为 0：无数据",
                            paper=False)
                if count > len(df):
                    st.caption(f"共 {count} 条，表中列出前 {len(df)} 条；全部记录可下载。")
                    st.download_button(f"下载全部 {count} 条（CSV）", data=lambda part=part: _provenance_csv(*fig, part),
                                       file_name=safe_filename(f"{f['unit_name']}_{f['name']}_{part}", extension="csv"),
                                       mime="text/csv", on_click="ignore", icon=":material/download:",
                                       key=f"prov_{key}_{part}_csv")


def _provenance_rows(ver, target: str, sel: Selection):
    """{分子: (rows, columns), 分母: (rows, columns)} of a figure (the records from the cache)."""
    rows = data.members(ver, sel, target)
    cols = [c for c in PROVENANCE_COLUMNS if any(r.get(c) for r in rows) or c in ("name", "unit_name")]
    return {"分子": ([r for r in rows if r["is_numerator"]], cols), "分母": (rows, ["is_numerator", *cols])}


@data.cached(max_entries=100)
def _provenance_frames(ver, target: str, sel: Selection, limit: int) -> dict[str, tuple[pd.DataFrame, int]]:
    """{分子 / 分母: (display frame of the first `limit` records, how many there are)}: a rerun
    reads these short frames, however long a province's denominator."""
    parts = _provenance_rows(ver, target, sel)
    return {part: (frame(rows[:limit], cols), len(rows)) for part, (rows, cols) in parts.items()}


def _provenance_csv(ver, target: str, sel: Selection, part: str) -> bytes:
    """Every record of a figure's 分子 or 分母 as CSV (built only when the download is clicked)."""
    rows, cols = _provenance_rows(ver, target, sel)[part]
    return csv_bytes(frame(rows, cols))


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A display frame as CSV for Excel (UTF-8 with BOM), every text formula-injection safe."""
    from dashboard.exports.safe import neutralise  # not at import: dashboard.exports loads docx and more
    return df.map(lambda v: neutralise(v) if isinstance(v, str) else v).to_csv(index=False).encode("utf-8-sig")


def short_list_note(lst: dict, unit_word: str, order_text: str, page: str, link_label: str) -> None:
    """Above one of the overview's short exception lists (dashboard.ui.data.short_list): how many
    fall under each unit below, and when the list is longer than shown, how many there are in all
    and a link to the page that lists them all."""
    if lst["by_unit"]:
        st.caption("按下级单位：" + "｜".join(f"{md(u['unit_name'])} {u['count']} {unit_word}" for u in lst["by_unit"]))
    if lst["total"] > len(lst["rows"]):
        st.caption(f"共 {lst['total']} {unit_word}，下表为{order_text}的 {len(lst['rows'])} {unit_word}。")
        st.page_link(page, label=link_label, icon=":material/list:")


NOWRAP = ("updated_by", "uploader")  # html_table's columns of one word besides the dates


def html_table(rows: list[dict], columns: list[str], *, numeric: tuple[str, ...] = (),
               cls: str = "wrap-table") -> str:
    """Rows as an HTML table that wraps long cells (what a data grid cuts off, and what prints),
    Chinese headers, every value escaped."""
    head = "".join(f"<th>{html.escape(label(c))}</th>" for c in columns)
    # a date (2023-04-30) or an account name (dt03_clerk) is one word: never broken across lines
    td = {c: '<td class="num">' if c in numeric else '<td class="nw">' if c.endswith("_date") or c in NOWRAP
          else "<td>" for c in columns}
    body = "".join("<tr>" + "".join(f"{td[c]}{html.escape(str(_cell(c, r.get(c))))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def comparison_table(rows: list[dict], *, key: str) -> None:
    """The since-last-meeting rows (dashboard.figures.exceptions.comparison_rows) with 变化 as a number, so
    the grid sorts −3.8 before −0.5."""
    df = frame(rows, ["unit_name", "target_name", "previous_text", "current_text"])
    df[label("change_points")] = pd.array([r["change_points"] for r in rows], dtype="Float64")
    if df.empty:
        st.info("所选范围内没有变化的指标。")
        return
    st.dataframe(df, width="stretch", hide_index=True, height=min(38 + 35 * len(df), 420), key=key,
                 column_config={label("change_points"): st.column_config.NumberColumn(format="%+.1f")})


def uploader_in_chinese(limit_mb: float) -> None:
    """Streamlit's file uploader says "Upload" and "200MB per file" in English (its own server
    limit): the texts are replaced in Chinese with the page's own limit. st.html, not st.markdown: a
    style-only block is applied by the browser at once, not after the Markdown renderer's scripts
    load (the uploader could show its English for a moment on a busy machine)."""
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p {{font-size:0 !important;}}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after {{
  content:"选择文件"; font-size:0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size:0 !important;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content:"或把文件拖到这里（.xlsx，每个不超过 {float(limit_mb):g} MB）"; font-size:0.85rem;}}
</style>""")


def exception_cards(items: list[tuple[str, int, str]]) -> None:
    """The exceptions strip (exception_strip) on a page."""
    st.markdown(exception_strip(items), unsafe_allow_html=True)


def exception_strip(items: list[tuple[str, int, str]]) -> str:
    """The exceptions strip's markup: (title, count, unit word); red when non-zero, green when
    zero. One HTML grid: a row on a wide screen and on paper, two by two on a phone."""
    cards = []
    for title, count, unit in items:
        c, bg = ("#c62828", "#fdecea") if count else ("#2e7d32", "#e8f5e9")
        cards.append(f'<div class="exc-card" style="--c:{c};--bg:{bg}"><div class="n">{count}'
                     f'<span style="font-size:0.9rem;font-weight:400"> {html_text(unit)}</span></div>'
                     f'<div class="t">{html_text(title)}</div></div>')
    return f'<div class="exc-grid" style="--n:{len(items)};--n2:{min(len(items), 2)}">{"".join(cards)}</div>'


def trend_frame(points: list[dict]) -> pd.DataFrame:
    """Targets × months, each cell "98.9%（97/98）"."""
    months = list(dict.fromkeys(p["month"] for p in points))
    cells = {(p["name"], p["month"]): figure_text(p) for p in points}
    names = list(dict.fromkeys(p["name"] for p in points))
    return pd.DataFrame([{"指标": n, **{m: cells.get((n, m), "") for m in months}} for n in names])


@st.cache_resource(show_spinner=False, max_entries=300)
def _chart_spec(kind: str, digest: str, _args: tuple, _kwargs: tuple) -> dict:
    """An Altair chart of dashboard.altair_charts as its Vega-Lite dict: Altair's schema validation costs
    0.1–0.2 s per chart, so the spec is built once per data. The key is `digest` (a hash of the
    pickled arguments: Streamlit's own hashing of rows and Pace objects costs more than pickling).
    A resource, not st.cache_data: the one dict is shared, never unpickled again on every run
    (st.vega_lite_chart copies the spec before it changes anything; nothing else writes to it)."""
    from dashboard import altair_charts  # lazy: altair loads with the first chart, not with every page
    spec = getattr(altair_charts, kind)(*_args, **dict(_kwargs)).to_dict()
    # Each dataset as the Arrow bytes st.vega_lite_chart would make of it on every run (it passes
    # bytes through as they are): converted once per data, not once per rerun (pandas and pyarrow
    # were a fifth of a warm overview run's CPU).
    if "datasets" in spec:
        spec["datasets"] = {name: convert_anything_to_arrow_bytes(rows) for name, rows in spec["datasets"].items()}
    return spec


def chart(kind: str, *args, width: str = "stretch", narrow: dict | None = None, **kwargs) -> None:
    """Show dashboard.altair_charts.<kind>(*args, **kwargs), cached by its arguments. A chart of
    fixed width (small multiples) can give `narrow`, the keyword arguments of its phone version
    (e.g. {"columns": 1}): both are sent, and CSS shows the one that fits the screen."""
    kw = tuple(sorted(kwargs.items()))
    digest = hashlib.blake2b(pickle.dumps((kind, args, kw), protocol=5), digest_size=16).hexdigest()
    if narrow is None:
        st.vega_lite_chart(_chart_spec(kind=kind, digest=digest, _args=args, _kwargs=kw), width=width)
        return
    with st.container(key=f"wideonly_{digest[:12]}"):
        chart(kind, *args, width=width, **kwargs)
    with st.container(key=f"narrowonly_{digest[:12]}"):
        chart(kind, *args, width=width, **(kwargs | narrow))
