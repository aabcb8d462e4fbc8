"""The stage summary as an Excel workbook (xlsxwriter).

Sheets: 封面 (campaign, window, unit, as-of, generated time, every target's definition), 目标完成情况
(the nine targets per unit: n, d, value, target, result, change since the previous phase or month),
one sheet per gap list (its 责任科室 on the line under the title), 上报完整性 (unit × month; 无数据 for
0 of 0 months), the 严打 and 检验项目类别 sheets, 星级评比与示范企业 (every summary: the year of as_of) and
工作任务台账 (the briefing's ledger 附表 as typed rows, plus every 细化措施 of the units below).
Real number formats (percent with one decimal, dates), frozen headers, column widths measured in
Chinese characters, conditional colouring of unmet targets, A4 landscape with the header rows
repeated on every printed page.

Every text cell goes through `safe.neutralise` and `write_string`: nothing from user data can ever be
stored or taken as a formula.
"""
from __future__ import annotations

import io
import math
import unicodedata
from datetime import date, datetime

import xlsxwriter

from ..figures.reporting import cell_text
from ..figures.work_ledger import DONE
from ..labels import FIGURE_STATUS_COLOURS, STATUS_FILLS, STATUS_MET, STATUS_NONE, STATUS_UNMET, tenths
from ..periods import month_label
from .ledger_summary import status_text as ledger_status_text
from .safe import neutralise
from .strike_summary import NOT_RATED, STAR_HEADER, star_note
from .summary import StageSummary

FONT = "宋体"
TARGETS_SHEET, COVER_SHEET, COMPLETENESS_SHEET = "目标完成情况", "封面", "上报完整性"
MAX_WIDTH, WRAP_WIDTH = 60, 48  # column widths in Excel characters (a CJK character counts 2)
NUMBER_COLUMNS = {"days_overdue", "score"}
DATE_COLUMNS = {"exam_date", "found_date", "deadline_date", "sampling_date", "closed_date"}


def text_width(value) -> int:
    """The width of a value in Excel characters: East-Asian wide characters count 2."""
    if value is None:
        return 0
    if isinstance(value, (datetime, date)):
        return 16 if isinstance(value, datetime) else 10
    if isinstance(value, float):
        return 8
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))


def truncated_percent(numerator: int, denominator: int) -> float | None:
    """n/d rounded down to a tenth of a percent, so the cell shows exactly the dashboard's figure
    (Excel's own 0.0% format would round 99.96% up to 100.0%); None for 0 of 0."""
    if not denominator:
        return None
    return tenths(numerator, denominator) / 1000


def percent_or_none(numerator: int, denominator: int) -> float | str:
    """A rate cell: truncated_percent, or 无数据 for 0 of 0 (never a blank, never 0 %)."""
    value = truncated_percent(numerator, denominator)
    return STATUS_NONE if value is None else value


class _Sheet:
    """One worksheet with width tracking and typed, injection-safe writes."""

    def __init__(self, book: "_Book", name: str):
        self.book, self.ws = book, book.wb.add_worksheet(name)
        self.widths: dict[int, int] = {}
        self.wrap: set[int] = set()

    def put(self, row: int, col: int, value, fmt=None, *, measure: bool = True) -> None:
        """Write one value with its real type: number, date, or neutralised text."""
        f = self.book.f
        if value is None or value == "" or isinstance(value, float) and not math.isfinite(value):
            # not finite (a fine summed past 1.8e308): empty, as XlsxWriter refuses NAN/INF
            self.ws.write_blank(row, col, None, fmt or f["cell"])
        elif isinstance(value, bool):
            self.ws.write_string(row, col, "是" if value else "否", fmt or f["cell"])
        elif isinstance(value, (int, float)):
            self.ws.write_number(row, col, value, fmt or f["cell"])
        elif isinstance(value, datetime):
            self.ws.write_datetime(row, col, value, fmt or f["datetime"])
        elif isinstance(value, date):
            self.ws.write_datetime(row, col, value, fmt or f["date"])
        else:
            self.ws.write_string(row, col, neutralise(value), fmt or f["cell"])
        if measure:
            self.widths[col] = max(self.widths.get(col, 0), text_width(value))

    def header(self, row: int, headers: list[str]) -> None:
        """The column header row (bold, shaded, bordered)."""
        for col, text in enumerate(headers):
            self.put(row, col, text, self.book.f["header"])

    def title(self, text: str, ncols: int) -> None:
        """Row 0: the sheet's title across its columns."""
        self.ws.merge_range(0, 0, 0, max(ncols - 1, 1), neutralise(text), self.book.f["title"])
        self.ws.set_row(0, 24)

    def finish(self, *, header_row: int = 1, ncols: int, wrap: set[int] = frozenset(), print_title: str = "",
               min_width: int = 6) -> None:
        """Column widths, frozen header, print setup (A4 landscape, header rows repeated, one page wide)."""
        for col in range(ncols):
            width = min(max(self.widths.get(col, 0) + 2, min_width), MAX_WIDTH)
            if col in wrap and width > WRAP_WIDTH:
                self.ws.set_column(col, col, WRAP_WIDTH, self.book.f["wrap"])
            else:
                self.ws.set_column(col, col, width)
        ws = self.ws
        ws.freeze_panes(header_row + 1, 0)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.repeat_rows(0, header_row)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        ws.set_header(f"&L&9{_header_text(print_title)}")
        ws.set_footer("&C&9第 &P 页，共 &N 页")


def _header_text(text: str) -> str:
    return neutralise(text).replace("&", "&&")[:200]


class _Book:
    def __init__(self, s: StageSummary):
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "default_format_properties": {"font_name": FONT, "font_size": 10}})
        self.wb.set_properties({"title": s.title, "subject": "阶段性总结数据表", "author": s.unit_name,
                                "company": s.unit_name, "created": s.generated_at,
                                "comments": "由提升行动督导看板生成"})
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1, "border_color": "#bdbdbd"}
        add = self.wb.add_format
        self.f = {
            "title": add({**base, "border": 0, "bold": True, "font_size": 14}),
            "cell": add(base), "wrap": add({**base, "text_wrap": True}),
            "header": add({**base, "bold": True, "bg_color": "#e8eaf6", "align": "center", "text_wrap": True}),
            "label": add({**base, "bold": True, "bg_color": "#f5f5f5"}),
            "date": add({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
            "datetime": add({**base, "num_format": "yyyy-mm-dd hh:mm", "align": "left"}),
            "pct": add({**base, "num_format": "0.0%"}),
            "int": add({**base, "num_format": "0"}),
            "num": add({**base, "num_format": "0.##"}),
            "pts": add({**base, "num_format": "+0.0;-0.0;0.0"}),
            "centre": add({**base, "align": "center"}),
            "note": add({"font_name": FONT, "font_size": 9, "font_color": "#616161", "text_wrap": True,
                         "valign": "top"}),
            "h2": add({"font_name": FONT, "font_size": 11, "bold": True}),
        }
        self.cf = {status: add({"bg_color": STATUS_FILLS[status], "font_color": FIGURE_STATUS_COLOURS[status]})
                   for status in (STATUS_MET, STATUS_UNMET, STATUS_NONE)}
        self.cf_status = {name: add({"bg_color": bg, "font_color": fg}) for name, (fg, bg) in {
            "按时": ("#2e7d32", "#e3f1e4"), "迟报": ("#ef8f00", "#fff1dc"),
            "未报": ("#c62828", "#fbe3e3"), "待报": ("#757575", "#eeeeee")}.items()}

    def close(self) -> bytes:
        self.wb.close()
        return self.buf.getvalue()


# ------------------------------------------------------------------ sheets
def _cover(book: _Book, s: StageSummary, sheet_rows: list[tuple[str, str, int]]) -> None:
    sh = _Sheet(book, COVER_SHEET)
    f = book.f
    sh.title(f"{s.title}——数据表", 4)
    info = [("行动名称", s.campaign_name),
            ("统计区间", f"{s.window.label}（{s.window.start_date.isoformat()} 至 {s.window.end_date.isoformat()}）"),
            ("单位", s.unit_name), ("数据截至", s.as_of), ("生成时间", s.generated_at),
            ("比较基准", s.previous_label or "—")]
    row = 2
    for key, value in info:
        sh.put(row, 0, key, f["label"])
        sh.ws.merge_range(row, 1, row, 3, "", f["cell"])
        sh.put(row, 1, value, f["date"] if isinstance(value, date) and not isinstance(value, datetime)
               else f["datetime"] if isinstance(value, datetime) else f["cell"], measure=False)
        row += 1
    row += 1
    sh.put(row, 0, "指标口径", f["h2"], measure=False)
    row += 1
    sh.header(row, ["序号", "指标", "目标", "口径（分子/分母）"])
    for i, t in enumerate(s.targets, 1):
        row += 1
        sh.put(row, 0, i, f["centre"])
        sh.put(row, 1, t["name"])
        sh.put(row, 2, t["threshold"], f["pct"], measure=False)
        sh.put(row, 3, t["definition"], f["wrap"])
    row += 2
    sh.put(row, 0, "说明", f["h2"], measure=False)
    for i, note in enumerate(s.notes, 1):
        row += 1
        sh.ws.merge_range(row, 0, row, 3, "", f["note"])
        sh.put(row, 0, f"{i}. {note}", f["note"], measure=False)
        sh.ws.set_row(row, 28)
    row += 2
    sh.put(row, 0, "工作表", f["h2"], measure=False)
    row += 1
    sh.header(row, ["工作表", "内容", "行数", ""])
    for name, what, n in sheet_rows:
        row += 1
        sh.put(row, 0, name)
        sh.put(row, 1, what)
        sh.put(row, 2, n, f["int"])
    sh.widths[0] = max(sh.widths.get(0, 0), 10)
    sh.finish(header_row=0, ncols=4, wrap={3}, print_title=s.title)
    sh.ws.freeze_panes(0, 0)
    sh.ws.set_column(3, 3, 70, f["wrap"])
    sh.ws.activate()


TARGET_HEADERS = ["单位", "指标", "分子", "分母", "完成率", "目标", "结果", "上期完成率", "较上期变化（百分点）"]


def _targets(book: _Book, s: StageSummary) -> None:
    sh = _Sheet(book, TARGETS_SHEET)
    f = book.f
    headers = list(TARGET_HEADERS)
    if s.previous_label:
        headers[7] = f"{s.previous_label}完成率"
        headers[8] = f"较{s.previous_label}变化（百分点）"
    sh.title(f"{s.unit_name}{s.window.label}目标完成情况（{s.window.start_date} 至 {s.window.end_date}，"
             f"数据截至 {s.as_of}）", len(headers))
    sh.header(1, headers)
    row = 1
    for fig in s.figures:
        row += 1
        sh.put(row, 0, fig["unit_name"])
        sh.put(row, 1, fig["name"])
        sh.put(row, 2, fig["numerator"], f["int"])
        sh.put(row, 3, fig["denominator"], f["int"])
        sh.put(row, 4, truncated_percent(fig["numerator"], fig["denominator"]), f["pct"])
        sh.put(row, 5, fig["threshold"], f["pct"])
        sh.put(row, 6, fig["status_text"], f["centre"])
        sh.put(row, 7, truncated_percent(fig.get("previous_numerator") or 0,
                                         fig.get("previous_denominator") or 0), f["pct"])
        change = fig.get("change")
        sh.put(row, 8, None if change is None else round(change * 100, 1), f["pts"])
    if row > 1:
        for status in (STATUS_UNMET, STATUS_MET, STATUS_NONE):
            sh.ws.conditional_format(2, 0, row, len(headers) - 1, {
                "type": "formula", "criteria": f'=$G3="{status}"', "format": book.cf[status]})
    sh.ws.autofilter(1, 0, max(row, 1), len(headers) - 1)
    sh.finish(ncols=len(headers), print_title=s.title)


def _gap(book: _Book, s: StageSummary, gap) -> None:
    """One gap list: title, the line naming its 责任科室 (as the screen and the briefing do), the
    header row, then the rows."""
    sh = _Sheet(book, gap.spec.title[:31])
    f = book.f
    headers = ["序号", *gap.headers]
    sh.title(f"{gap.spec.title}（{len(gap.rows)}条）　{s.unit_name}　{s.window.label}　数据截至 {s.as_of}",
             len(headers))
    sh.ws.merge_range(1, 0, 1, max(len(headers) - 1, 1), neutralise(f"责任科室：{s.owner_of(gap.spec.key)}"),
                      f["label"])
    sh.header(2, headers)
    row = 2
    for i, r in enumerate(gap.rows, 1):
        row += 1
        sh.put(row, 0, i, f["centre"])
        for col, key in enumerate(gap.spec.columns, 1):
            value = r.get(key)
            if key in DATE_COLUMNS:
                sh.put(row, col, value, f["date"])
            elif key in NUMBER_COLUMNS and isinstance(value, (int, float)):
                sh.put(row, col, value, f["num"])
            else:
                sh.put(row, col, value if value is None or isinstance(value, str) else str(value))
    if not gap.rows:
        sh.ws.merge_range(3, 0, 3, len(headers) - 1, "无", f["centre"])
    else:
        sh.ws.autofilter(2, 0, row, len(headers) - 1)
    wrap = {col for col, key in enumerate(gap.spec.columns, 1)
            if key in ("reason", "description", "failed_items")}
    sh.finish(header_row=2, ncols=len(headers), wrap=wrap, print_title=s.title)


def _completeness(book: _Book, s: StageSummary) -> int:
    c = s.completeness
    sh = _Sheet(book, COMPLETENESS_SHEET)
    f = book.f
    months = list(c.months)
    headers = ["单位", *[month_label(m) for m in months], "应报月数", "已报", "按时", "迟报", "未报", "完整率", "按时率"]
    sh.title(f"上报完整性（单元格：状态及上报日期；次月{c.on_time_day}日前上报为按时）　{s.unit_name}　"
             f"{s.window.label}　数据截至 {s.as_of}", len(headers))
    sh.header(1, headers)
    status = {(r["unit_code"], r["month"]): r for r in c.months_status}
    summary = {r["unit_code"]: r for r in c.summary}
    row = 1
    for u in c.units:
        row += 1
        sh.put(row, 0, u["name"])
        for col, m in enumerate(months, 1):
            r = status.get((u["code"], m))
            sh.put(row, col, cell_text(r) if r else "", f["centre"])
        sm = summary[u["code"]]
        base = len(months) + 1
        for k, key in enumerate(("months_due", "months_reported", "months_on_time", "months_late",
                                 "months_missing")):
            sh.put(row, base + k, sm[key], f["int"])
        for k, key in ((5, "months_reported"), (6, "months_on_time")):  # 0 of 0 months: 无数据, not a blank
            rate = percent_or_none(sm[key], sm["months_due"])
            sh.put(row, base + k, rate, f["centre"] if rate == STATUS_NONE else f["pct"])
    if row > 1 and months:
        for name, fmt in book.cf_status.items():
            sh.ws.conditional_format(2, 1, row, len(months), {
                "type": "text", "criteria": "begins with", "value": name, "format": fmt})
    sh.finish(ncols=len(headers), print_title=s.title, min_width=8)
    return len(c.units)


# ------------------------------------------------------------------ 严打, 检验项目类别, 星级 (new sheets)
STRIKE_SHEET, CASES_SHEET, SERIOUS_SHEET, HAZARD_SHEET, STARS_SHEET = (
    "严打情况", "违法案件清单", "严重不合格批次立案情况", "检验项目类别", "星级评比与示范企业")
CASE_COLUMNS = [("unit_name", "单位"), ("name", "企业名称"), ("credit_code", "统一社会信用代码"), ("case_no", "案件编号"),
                ("filed_date", "立案日期"), ("violation_type", "违法类型"), ("fine_amount", "罚没金额（元）"),
                ("is_transferred_police", "是否移送公安"), ("source_no", "来源编号"), ("source_kind", "来源记录"),
                ("source_date", "来源日期"), ("source_label", "来源内容")]
SERIOUS_COLUMNS = [("unit_name", "单位"), ("name", "企业名称"), ("sample_no", "抽样单编号"), ("food_name", "食品名称"),
                   ("sampling_date", "抽样日期"), ("reason", "原因"), ("due_date", "应立案期限"),
                   ("is_unfiled", "满期未立案"), ("case_no", "案件编号"), ("filed_date", "立案日期")]


def _block(book: _Book, sh: _Sheet, row: int, headers: list[str], rows: list[list], *,
           caption: str | None = None, formats: dict | None = None) -> int:
    """A captioned table at `row` (typed cells: numbers, dates, text; `formats` by column index
    overrides); returns the row after it."""
    f = book.f
    if caption:
        sh.put(row, 0, caption, f["h2"], measure=False)
        row += 1
    sh.header(row, headers)
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            fmt = (f["date"] if isinstance(value, date) else f["num"] if isinstance(value, float)
                   else f["int"] if isinstance(value, int) and not isinstance(value, bool) else None)
            fmt = (formats or {}).get(col, fmt)
            sh.put(row, col, value, fmt)
    if not rows:
        row += 1
        sh.ws.merge_range(row, 0, row, len(headers) - 1, "无", f["centre"])
    return row + 2


def _records(rows: list[dict], columns: list[tuple[str, str]]) -> list[list]:
    return [[bool(r[k]) if k.startswith("is_") else r.get(k) for k, _ in columns] for r in rows]


def _strike(book: _Book, s: StageSummary) -> None:
    part = s.extra["strike"]
    p, suffix = part["enforcement"], f"　{s.unit_name}　{s.window.label}　数据截至 {s.as_of}"
    sh = _Sheet(book, STRIKE_SHEET)
    sh.title(f"严打情况（立案日期在统计区间内的违法案件）{suffix}", 6)
    row = _block(book, sh, 1, ["单位", "案件数", "罚没金额（元）", "移送公安", "来源可追溯", "未填罚没金额"],
                 [[r["unit_name"], r["count_cases"], float(r["amount_fines"]), r["count_transferred"],
                   r["count_linked"], r["count_no_fine"]] for r in p["by_unit"]])
    _block(book, sh, row, ["违法类型", "案件数", "罚没金额（元）", "移送公安", "来源可追溯", "未填罚没金额"],
           [[r["violation_type"], r["count_cases"], float(r["amount_fines"]), r["count_transferred"],
             r["count_linked"], r["count_no_fine"]] for r in p["by_type"]], caption="按违法类型")
    sh.finish(ncols=6, print_title=s.title)
    sh = _Sheet(book, CASES_SHEET)
    sh.title(f"违法案件清单（{len(p['cases'])}件）{suffix}", len(CASE_COLUMNS))
    _block(book, sh, 1, [h for _, h in CASE_COLUMNS], _records(p["cases"], CASE_COLUMNS))
    sh.finish(ncols=len(CASE_COLUMNS), wrap={5, 11}, print_title=s.title)
    sh = _Sheet(book, SERIOUS_SHEET)
    sh.title(f"{part['rule'].label}不合格批次的立案情况（行动开始至 {s.as_of}）　{s.unit_name}", len(SERIOUS_COLUMNS))
    _block(book, sh, 1, [h for _, h in SERIOUS_COLUMNS], _records(part["serious"], SERIOUS_COLUMNS))
    sh.finish(ncols=len(SERIOUS_COLUMNS), print_title=s.title)
    sh = _Sheet(book, HAZARD_SHEET)
    sh.title(f"监督抽检按检验项目类别（不含风险监测；多类项目的批次每类各计一次）{suffix}", 5)
    _block(book, sh, 1, ["检验项目类别", "检验批次", "合格批次", "不合格批次", "合格率"],
           [[h["hazard_class"], h["count_samples"], h["count_passed"], h["count_failed"],
             percent_or_none(h["count_passed"], h["count_samples"])] for h in part["hazards"]],
           formats={4: book.f["pct"]})
    sh.finish(ncols=5, print_title=s.title)
    if part.get("stars"):
        _stars(book, s, part["stars"])


STAR_HEADERS = [*STAR_HEADER, "备注"]


def _stars(book: _Book, s: StageSummary, st: dict) -> None:
    """星级评比 of as_of's year per unit (every stage summary), its line when the year has no ratings or
    no 示范企业, and the 示范企业 list."""
    y, f = st["year"], book.f
    sh = _Sheet(book, STARS_SHEET)
    sh.title(f"{y}年度星级评比与示范企业（{y - 1}、{y}年度连续三星级）　{s.unit_name}　数据截至 {s.as_of}",
             len(STAR_HEADERS))
    header_row, note = 1, star_note(st, s.unit_name)
    if note:  # a clear line: no rating in the year (无数据), or no 示范企业 yet
        sh.ws.merge_range(1, 0, 1, len(STAR_HEADERS) - 1, neutralise(note), f["label"])
        header_row = 2
    row = _block(book, sh, header_row, STAR_HEADERS,
                 [[r["unit_name"], r["count_star1"], r["count_star2"], r["count_star3"], r["count_unrated"],
                   r["count_total"], r["count_model"], "" if r["count_total"] else NOT_RATED] for r in st["by_unit"]])
    _block(book, sh, row, ["单位", "企业名称", "统一社会信用代码", f"{y - 1}年度得分", f"{y}年度得分"],
           [[m["unit_name"], m["name"], m["credit_code"], m["previous_score"], m["score"]] for m in st["models"]],
           caption="示范企业名单（授牌表彰）")
    sh.finish(header_row=header_row, ncols=len(STAR_HEADERS), print_title=s.title)


def _strike_sheets(s: StageSummary) -> list[tuple[str, str, int]]:
    part = s.extra.get("strike")
    if not part:
        return []
    out = [(STRIKE_SHEET, "各单位、各违法类型的案件数、罚没金额、移送公安", len(part["enforcement"]["by_unit"])),
           (CASES_SHEET, "统计区间内立案的违法案件及其来源记录", len(part["enforcement"]["cases"])),
           (SERIOUS_SHEET, f"{part['rule'].label}不合格批次及其立案情况", len(part["serious"])),
           (HAZARD_SHEET, "监督抽检各检验项目类别的批次与不合格批次", len(part["hazards"]))]
    if part.get("stars"):
        out.append((STARS_SHEET, "各单位星级分布与示范企业名单", len(part["stars"]["models"])))
    return out


# ------------------------------------------------------------------ 工作任务台账
LEDGER_SHEET = "工作任务台账"


def _done_on(row: dict) -> date | None:
    """The day a work item was done, when it was done by as_of (a later day is not yet known to the
    summary: its status reads 进行中)."""
    return row["done_date"] if row["status"] == DONE else None


def _ledger_rows(s: StageSummary) -> list[tuple[str, list[str], list[list], dict]]:
    """(caption, headers, typed rows, formats by column) of the ledger's tables: the rows of the
    briefing's 附表 (dashboard.exports.ledger_summary), with numbers as numbers and dates as dates."""
    part = s.extra.get("ledger") or {}
    out = []
    if s.is_root and part.get("items"):
        out.append(("行动工作任务台账（逾期的在前）",
                    ["序号", "阶段", "工作任务", "责任科室", "完成期限", "状态", "完成日期", "逾期天数", "完成情况"],
                    [[i, f"第{r['phase_seq']}阶段", r["text"], r["owner"], r["deadline_date"], r["status"],
                      _done_on(r), r["days_overdue"], ledger_status_text(r)]
                     for i, r in enumerate(part["items"], 1)], {0: "centre"}))
    if s.child_units:
        out.append((f"{s.word('children')}细化工作措施",
                    ["单位", "细化措施", "已完成", "进行中", "未开始", "逾期", "首次报送"],
                    [[u["unit_name"], u["count_tasks"], u["count_done"], u["count_in_progress"],
                      u["count_not_started"], u["count_overdue"],
                      u["first_uploaded_at"].date() if u["first_uploaded_at"] else "未报送"]
                     for u in part.get("units", [])], {}))
        # the rows behind those counts (the briefing has only the counts): every 细化措施, overdue first
        out.append((f"{s.word('children')}细化工作措施清单（逾期的在前）",
                    ["序号", "单位", "细化措施", "责任人", "完成期限", "状态", "完成日期", "逾期天数", "完成情况"],
                    [[i, r["unit_name"], r["content"], r["owner_name"] or "", r["deadline_date"], r["status"],
                      _done_on(r), r["days_overdue"], ledger_status_text(r)]
                     for i, r in enumerate(part.get("tasks", []), 1)], {0: "centre"}))
    else:
        out.append((f"{s.unit_name}细化工作措施（逾期的在前）",
                    ["序号", "细化措施", "责任人", "完成期限", "状态", "完成日期", "逾期天数", "完成情况"],
                    [[i, r["content"], r["owner_name"] or "", r["deadline_date"], r["status"], _done_on(r),
                      r["days_overdue"], ledger_status_text(r)] for i, r in enumerate(part.get("tasks", []), 1)],
                    {0: "centre"}))
    return out


def _ledger(book: _Book, s: StageSummary) -> None:
    """工作任务台账: the campaign's work items (the root's summary) and the units' 细化工作措施, as in
    the briefing's 附表; a table with no rows reads 无."""
    sh = _Sheet(book, LEDGER_SHEET)
    tables = _ledger_rows(s)
    ncols = max(len(h) for _, h, _, _ in tables)
    sh.title(f"工作任务台账（逾期：未完成且完成期限早于数据截至日）　{s.unit_name}　{s.window.label}　"
             f"数据截至 {s.as_of}", ncols)
    row, first_header = 1, None
    for caption, headers, rows, formats in tables:
        first_header = row + 1 if first_header is None else first_header
        row = _block(book, sh, row, headers, rows, caption=caption,
                     formats={c: book.f[name] for c, name in formats.items()})
    wrap = {c for _, headers, _, _ in tables for c, h in enumerate(headers) if h in ("工作任务", "细化措施", "完成情况")}
    sh.finish(header_row=first_header or 1, ncols=ncols, wrap=wrap, print_title=s.title)


def build_xlsx(s: StageSummary) -> bytes:
    """The workbook's bytes."""
    book = _Book(s)
    sheets = [(COVER_SHEET, "行动、统计区间、单位、数据截至与生成时间，各项指标口径", 0),
              (TARGETS_SHEET, "各单位各项目标的分子、分母、完成率、目标、结果及与上期比较", len(s.figures))]
    sheets += [(g.spec.title[:31], f"{g.spec.title}清单", len(g.rows)) for g in s.gaps]
    if s.completeness is not None:
        sheets.append((COMPLETENESS_SHEET, "各单位各月月报是否按时上报", len(s.completeness.units)))
    sheets += _strike_sheets(s)
    if s.extra.get("ledger") is not None:
        sheets.append((LEDGER_SHEET, "行动工作任务及各单位细化工作措施的状态与完成期限（逾期的在前）",
                       sum(len(rows) for _, _, rows, _ in _ledger_rows(s))))
    _cover(book, s, sheets[1:])
    _targets(book, s)
    for g in s.gaps:
        _gap(book, s, g)
    if s.completeness is not None:
        _completeness(book, s)
    if s.extra.get("strike"):
        _strike(book, s)
    if s.extra.get("ledger") is not None:
        _ledger(book, s)
    return book.close()

