"""Upload templates generated from the data contract: the pandera sheet classes of
dashboard/importer/schemas.py are the only source, nothing here is kept by hand per column.

Each template sheet has a title row, a 填报单位/填报日期 row and the contract's header (required
columns highlighted, each header carrying its rule as a comment), then rows with Excel
data-validation dropdowns for every closed vocabulary (是/否, 风险等级, 检查类型, 检验结论 …), date
formats and date checks on date columns, number checks on numbers, and text format on codes. The
workbook with every sheet starts with a 填报说明 sheet (the rules of each column) and, when a unit is
given, a 参考-本单位企业 sheet listing its enterprises (the 统一社会信用代码 dropdown of every record
sheet); the unit's enterprises are prefilled where that helps: 企业名录 holds the current registry
(a clerk corrects status or grade in place) and 主体责任 lists every 在产 enterprise for the month.
Both auxiliary sheets are reported as ignored by the importer, never imported.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from sqlalchemy.engine import Engine

from .access import Viewer, resolve_unit, system_viewer
from .db import execute
from .importer.schemas import SHEET_BY_NAME, SHEETS, SheetModel

INSTRUCTIONS_SHEET = "填报说明"
REFERENCE_SHEET = "参考-本单位企业"
AUX_SHEETS = (INSTRUCTIONS_SHEET, REFERENCE_SHEET)
BLANK_ROWS = 300  # rows below the prefilled ones that carry the dropdowns and formats

KIND_TEXT = {
    "text": "文本", "credit_code": "18 位统一社会信用代码（文本格式）", "date": "日期，如 2023-05-08",
    "month": "月份，如 2023-05（或该月任一日期）", "int": "整数", "number": "数字", "yesno": "是 / 否",
    "enum": "从下拉列表中选择", "enum_multi": "可多选，多项用“、”分隔",
}
GENERAL_RULES = (
    "每月填报一次，一个工作簿可包含下列任意几张工作表；工作表名称请勿修改（可在名称后加月份，如“监督抽检(5月)”）。",
    "前两行（标题、填报单位/填报日期）可以保留；第三行是表头，列名请勿修改，列的顺序可以调整，可选列可以删除。",
    "橙色表头为必填列，灰色表头为可选列；把鼠标移到表头上可看到该列的填写要求。",
    "日期请填真实日期（如 2023-05-08），也可写 2023/5/8、2023年5月8日 或 20230508；不能填将来的日期（整改期限、有效期至、完成期限除外）。",
    "是/否 列也可填 Y/N、√/×、1/0；统一社会信用代码为 18 位并通过校验位检查，企业须已在企业名录中（或本工作簿的“企业名录”表中登记）。",
    "同一记录（见“关键字段”）重复上报时以新数据替换旧数据，不会重复计数；同一个文件重复上报不会有任何变化。",
    "上报时先“试运行”校验：只要有一处错误，整个工作簿都不会写入；可下载标注了错误单元格的工作簿副本，改正后重新上报。",
    "“参考-本单位企业”和本说明页只供参考，上报时会被忽略。",
    "“工作任务”表记在上报单位名下（不填企业）：“填报单位：”后写本单位名称或代码（上级单位可写下级单位）；"
    "任务编号在本单位内不能重复，重新上报同一任务编号即更新该任务的完成情况。",
)


# ------------------------------------------------------------------ the contract, read from the schemas
def column_rules(model: type[SheetModel]) -> dict[str, dict]:
    """field -> {zh, kind, required, key, values, min, max, pattern} from the pandera class."""
    schema = model.to_schema()
    out = {}
    for name, meta in model.fields().items():
        rule = {"zh": meta["zh"], "kind": meta["kind"], "required": meta["required"], "key": meta["key"],
                "values": list(meta["values"]), "future_ok": meta.get("future_ok", False),
                "reference": meta.get("reference", False),
                "min": None, "max": None, "pattern": None}
        for check in schema.columns[name].checks:
            stats = check.statistics or {}
            if check.name in ("greater_than_or_equal_to", "greater_than"):
                rule["min"] = stats.get("min_value")
            elif check.name in ("less_than_or_equal_to", "less_than"):
                rule["max"] = stats.get("max_value")
            elif check.name == "in_range":
                rule["min"], rule["max"] = stats.get("min_value"), stats.get("max_value")
            elif check.name == "str_matches":
                rule["pattern"] = str(stats.get("pattern"))
        out[name] = rule
    return out


def sheet_checks(model: type[SheetModel]) -> list[str]:
    """The rules between columns of a row (the schema's dataframe checks), in Chinese."""
    return [c.error for c in model.to_schema().checks if c.error]


def rule_text(rule: dict) -> str:
    """One column's rule in a sentence, for the header comment and the instructions."""
    if rule.get("reference"):
        return "可选；按统一社会信用代码自动显示企业名称（不导入），与企业名录登记的名称不一致时导入会提示核对"
    parts = ["必填" if rule["required"] else "可选", KIND_TEXT[rule["kind"]]]
    if rule["values"]:
        parts.append("可选值：" + "、".join(rule["values"]))
    if rule["min"] is not None and rule["max"] is not None:
        parts.append(f"范围 {rule['min']}–{rule['max']}")
    elif rule["min"] is not None:
        parts.append(f"不小于 {rule['min']}")
    if rule["pattern"] == r"^SC\d{14}$":
        parts.append("格式：SC 加 14 位数字")
    if rule["key"]:
        parts.append("关键字段（与其他关键字段一起确定一条记录）")
    return "；".join(parts)


def sheet_names() -> list[str]:
    """The contract's sheets in contract order."""
    return [m.sheet_name() for m in SHEETS]


# ------------------------------------------------------------------ prefill
def _month(month: str | date | None) -> date:
    if month is None:
        today = date.today()
        return date(today.year, today.month, 1)
    if isinstance(month, date):
        return month.replace(day=1)
    year, mon = (int(x) for x in str(month)[:7].split("-"))
    return date(year, mon, 1)


def unit_enterprises(engine: Engine, unit, viewer: Viewer | None = None) -> list[dict]:
    """The enterprises of a unit's subtree (inside the viewer's scope), by unit then name."""
    viewer = viewer or system_viewer(engine)
    unit_id = resolve_unit(engine, unit).unit_id if not isinstance(unit, int) else unit
    rows = execute(engine, "template_enterprises", unit_id=unit_id, scope_unit_id=viewer.scope_unit_id)
    return sorted(rows, key=lambda r: (r["unit_sort_order"], r["name"], r["credit_code"]))


def _registry_row(e: dict) -> dict:
    return {"credit_code": e["credit_code"], "name": e["name"], "unit": e["unit_name"],
            "license_no": e["license_no"], "is_large": "是" if e["is_large"] else "否",
            "risk_grade": e["risk_grade"], "credit_grade": e["credit_grade"],
            "product_category": e["product_category"], "cadre_name": e["cadre_name"],
            "status": e["status"], "address": e["address"]}


def prefill_rows(model: type[SheetModel], enterprises: list[dict], month: date) -> list[dict]:
    """The rows a sheet starts with: the registry for 企业名录, one row per 在产 enterprise for
    主体责任, nothing for the other sheets."""
    if model.sheet_name() == "企业名录":
        return [_registry_row(e) for e in enterprises]
    if model.sheet_name() == "主体责任":
        return [{"credit_code": e["credit_code"], "enterprise_name": e["name"], "month_date": month}
                for e in enterprises if e["status"] == "在产"]
    return []


# ------------------------------------------------------------------ writing
class _Formats:
    def __init__(self, wb):
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.note = wb.add_format({"font_color": "#555555"})
        base = {"bold": True, "border": 1, "text_wrap": True, "align": "center", "valign": "vcenter"}
        self.required = wb.add_format({**base, "bg_color": "#FCE4D6"})
        self.key = wb.add_format({**base, "bg_color": "#F8CBAD"})
        self.optional = wb.add_format({**base, "bg_color": "#EDEDED"})
        self.helper = wb.add_format({**base, "bg_color": "#DDEBF7", "font_color": "#555555"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.month = wb.add_format({"num_format": "yyyy-mm"})
        self.text = wb.add_format({"num_format": "@"})
        self.plain = wb.add_format({})
        self.grey = wb.add_format({"font_color": "#555555", "num_format": "@"})
        self.looked_up = wb.add_format({"font_color": "#555555", "bg_color": "#F2F2F2", "locked": True})
        self.unlocked = {}  # the column formats of a protected sheet, unlocked for typing
        self.h1 = wb.add_format({"bold": True, "font_size": 14})
        self.h2 = wb.add_format({"bold": True, "font_size": 12, "bg_color": "#FCE4D6"})
        self.th = wb.add_format({"bold": True, "border": 1, "bg_color": "#EDEDED"})
        self.td = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})


def _column_format(fmt: _Formats, kind: str):
    return {"date": fmt.date, "month": fmt.month, "credit_code": fmt.text, "text": fmt.text,
            "enum": fmt.text, "enum_multi": fmt.text}.get(kind, fmt.plain)


def _open_format(wb, fmt: _Formats, kind: str):
    """The column's format, unlocked: the sheet is protected only for the looked-up name."""
    if kind not in fmt.unlocked:
        props = {"date": {"num_format": "yyyy-mm-dd"}, "month": {"num_format": "yyyy-mm"}}.get(
            kind, {"num_format": "@"} if kind in ("credit_code", "text", "enum", "enum_multi") else {})
        fmt.unlocked[kind] = wb.add_format({**props, "locked": False})
    return fmt.unlocked[kind]


def _name_formula(row: int, code_col: int, n_ref: int) -> str:
    """The enterprise's name looked up from its code in the reference sheet (blank without one)."""
    code = f"{_col_letter(code_col)}{row + 1}"
    return (f"=IF({code}=\"\",\"\",IFERROR(VLOOKUP({code},'{REFERENCE_SHEET}'!$A$3:$B${n_ref + 2},2,FALSE),"
            f"\"（不在本单位企业名录中）\"))")


def _col_letter(col: int) -> str:
    return xl_col_to_name(col)


def _validation(rule: dict, *, units: list[str], has_reference: bool, n_ref: int, field: str) -> dict | None:
    kind, zh = rule["kind"], rule["zh"]
    if kind == "yesno":
        return {"validate": "list", "source": ["是", "否"], "error_title": zh, "error_message": "请填“是”或“否”"}
    if kind == "enum":
        return {"validate": "list", "source": rule["values"], "error_title": zh,
                "error_message": "请从下拉列表中选择：" + "、".join(rule["values"])}
    if kind == "enum_multi":
        return {"validate": "list", "source": rule["values"], "error_type": "information",
                "error_title": zh, "error_message": "多项请用“、”分隔，每项应为：" + "、".join(rule["values"])}
    if kind in ("date", "month"):
        return {"validate": "date", "criteria": "between", "minimum": datetime(2000, 1, 1),
                "maximum": datetime(2100, 12, 31), "error_title": zh,
                "error_message": "请填写日期，如 2023-05-08" if kind == "date" else "请填写月份，如 2023-05",
                "input_title": zh, "input_message": KIND_TEXT[kind]}
    if kind in ("int", "number"):
        out = {"validate": "integer" if kind == "int" else "decimal", "error_title": zh}
        low, high = rule["min"], rule["max"]
        if low is not None and high is not None:
            out.update(criteria="between", minimum=low, maximum=high, error_message=f"应在 {low} 到 {high} 之间")
        elif low is not None:
            out.update(criteria=">=", value=low, error_message=f"应为不小于 {low} 的{'整数' if kind == 'int' else '数字'}")
        else:
            out.update(criteria=">=", value=-1e12, error_message="应填写数字")
        return out
    if kind == "credit_code":
        if has_reference and n_ref:
            return {"validate": "list", "source": f"='{REFERENCE_SHEET}'!$A$3:$A${n_ref + 2}",
                    "error_type": "warning", "error_title": zh,
                    "error_message": "该代码不在本单位企业名录中：新企业请先在“企业名录”表中登记。仍要填写吗？"}
        return {"validate": "length", "criteria": "==", "value": 18, "error_title": zh,
                "error_message": "统一社会信用代码应为 18 位"}
    if field == "unit" and units:
        return {"validate": "list", "source": units, "error_title": zh,
                "error_message": "请从下拉列表中选择所属分局"}
    return None


def _write_value(ws, r: int, c: int, value, fmt_cell) -> None:
    if value is None or value == "":
        return
    if isinstance(value, (date, datetime)):
        ws.write_datetime(r, c, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day),
                          fmt_cell)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt_cell)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt_cell)
    else:
        ws.write_string(r, c, str(value), fmt_cell)


def _title(campaign_name: str | None, model: type[SheetModel], month: date) -> str:
    head = campaign_name or "肉制品质量安全提升行动"
    return f"{head}——{model.sheet_name()}情况表（{month.year}年{month.month}月）"


def write_sheet(wb, fmt: _Formats, model: type[SheetModel], *, month: date, unit_name: str | None,
                campaign_name: str | None, rows: list[dict], units: list[str], n_ref: int) -> None:
    """One contract sheet: title, 填报单位/填报日期, header with rules, prefilled rows, validations.
    With the unit's enterprises listed, the 企业名称 beside a code is a formula looking it up, in a
    protected (read-only) column; every other cell stays editable."""
    rules = column_rules(model)
    columns = list(rules)
    looked_up = {f for f, r in rules.items() if r.get("reference")} if n_ref else set()
    ws = wb.add_worksheet(model.sheet_name())
    last = len(columns) - 1
    ws.merge_range(0, 0, 0, max(last, 1), _title(campaign_name, model, month), fmt.title)
    ws.set_row(0, 28)
    ws.write_string(1, 0, f"填报单位：{unit_name or ''}", fmt.note)
    ws.write_string(1, max(last - 1, 1), "填报日期：", fmt.note)
    header_row, first = 2, 3
    ws.set_row(header_row, 32)
    end = first + len(rows) + BLANK_ROWS - 1
    code_col = columns.index("credit_code") if "credit_code" in columns else None  # 工作任务 has none
    for c, fld in enumerate(columns):
        rule = rules[fld]
        if fld in looked_up:
            ws.write_string(header_row, c, rule["zh"], fmt.helper)
            ws.write_comment(header_row, c, "按统一社会信用代码自动显示，不能修改；用于核对是否选对了企业",
                             {"x_scale": 2})
            ws.set_column(c, c, 30, fmt.looked_up)
            for r in range(first, end + 1):
                name = rows[r - first].get(fld) if r - first < len(rows) else None
                ws.write_formula(r, c, _name_formula(r, code_col, n_ref), fmt.looked_up, value=name or "")
            continue
        style = fmt.key if rule["key"] else fmt.required if rule["required"] else fmt.optional
        ws.write_string(header_row, c, rule["zh"], style)
        ws.write_comment(header_row, c, f"{rule['zh']}：{rule_text(rule)}", {"x_scale": 2.5, "y_scale": 1.5})
        width = max(12, min(40, 2 * len(rule["zh"]) + 4 if rule["kind"] != "credit_code" else 22))
        ws.set_column(c, c, width, _open_format(wb, fmt, rule["kind"]) if looked_up else
                      _column_format(fmt, rule["kind"]))
        check = _validation(rule, units=units, has_reference=model.sheet_name() != "企业名录", n_ref=n_ref,
                            field=fld)
        if check:
            ws.data_validation(first, c, end, c, check)
    for i, row in enumerate(rows):
        for c, fld in enumerate(columns):
            if fld in looked_up:
                continue
            kind = rules[fld]["kind"]
            _write_value(ws, first + i, c, row.get(fld),
                         _open_format(wb, fmt, kind) if looked_up else _column_format(fmt, kind))
    ws.freeze_panes(first, 0)
    if looked_up:  # no password: the protection only keeps the looked-up name from being typed over
        ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True,
                        "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True})


def write_instructions(wb, fmt: _Formats, models: list[type[SheetModel]], month: date,
                       unit_name: str | None, campaign_name: str | None) -> None:
    """The 填报说明 sheet: general rules, then each sheet's columns one per row."""
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 90)
    ws.write_string(0, 0, f"{campaign_name or '肉制品质量安全提升行动'} 月报填报说明（{month.year}年{month.month}月）", fmt.h1)
    ws.write_string(1, 0, f"填报单位：{unit_name or ''}", fmt.note)
    r = 3
    for i, text in enumerate(GENERAL_RULES, 1):
        ws.write_string(r, 0, f"{i}. {text}")
        r += 1
    for model in models:
        r += 1
        ws.merge_range(r, 0, r, 2, f"工作表“{model.sheet_name()}”", fmt.h2)
        r += 1
        for c, head in enumerate(("列名", "必填", "填写要求")):
            ws.write_string(r, c, head, fmt.th)
        r += 1
        for rule in column_rules(model).values():
            ws.write_string(r, 0, rule["zh"], fmt.td)
            ws.write_string(r, 1, "必填" if rule["required"] else "可选", fmt.td)
            ws.write_string(r, 2, rule_text(rule), fmt.td)
            r += 1
        for check in sheet_checks(model):
            ws.write_string(r, 0, "规则", fmt.td)
            ws.write_string(r, 1, "", fmt.td)
            ws.write_string(r, 2, f"不得出现：{check}", fmt.td)
            r += 1


def write_reference(wb, fmt: _Formats, enterprises: list[dict], unit_name: str | None) -> None:
    """参考-本单位企业: code, name, sub-bureau, status (the source of the code dropdowns)."""
    ws = wb.add_worksheet(REFERENCE_SHEET)
    ws.write_string(0, 0, f"{unit_name or ''} 企业名录（参考，不导入）", fmt.h1)
    for c, (head, width) in enumerate((("统一社会信用代码", 22), ("企业名称", 34), ("所属分局", 14),
                                       ("企业状态", 10))):
        ws.write_string(1, c, head, fmt.th)
        ws.set_column(c, c, width, fmt.text)
    for i, e in enumerate(enterprises):
        for c, key in enumerate(("credit_code", "name", "unit_name", "status")):
            ws.write_string(2 + i, c, str(e[key] or ""), fmt.text)


def build_template(sheets: list[str] | str | None = None, *, engine: Engine | None = None, unit=None,
                   month: str | date | None = None, viewer: Viewer | None = None,
                   campaign_name: str | None = None) -> bytes:
    """The .xlsx bytes of a template: one sheet (a name), several, or every sheet (None, with the
    填报说明). With an engine and a unit, the unit's enterprises are prefilled and listed."""
    names = sheet_names() if sheets is None else [sheets] if isinstance(sheets, str) else list(sheets)
    unknown = [n for n in names if n not in SHEET_BY_NAME]
    if unknown:
        raise KeyError("没有这个工作表：" + "、".join(unknown))
    models = [SHEET_BY_NAME[n] for n in names]
    the_month = _month(month)
    enterprises, unit_name, units = [], None, []
    if engine is not None and unit is not None:
        org = resolve_unit(engine, unit)
        unit_name = org.name
        enterprises = unit_enterprises(engine, org.unit_id, viewer)
        units = [u["name"] for u in execute(engine, "scope_units", scope_unit_id=org.unit_id)]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    fmt = _Formats(wb)
    if len(models) > 1 or sheets is None:
        write_instructions(wb, fmt, models, the_month, unit_name, campaign_name)
    for model in models:
        write_sheet(wb, fmt, model, month=the_month, unit_name=unit_name, campaign_name=campaign_name,
                    rows=prefill_rows(model, enterprises, the_month), units=units, n_ref=len(enterprises))
    if enterprises:
        write_reference(wb, fmt, enterprises, unit_name)
    wb.close()
    return buf.getvalue()


def template_file_name(sheets: list[str] | str | None, unit_name: str | None, month: str | date | None) -> str:
    """e.g. 2023-05_城区分局_月报模板.xlsx or 2023-05_城区分局_监督抽检模板.xlsx."""
    m = _month(month)
    what = "月报" if sheets is None or (not isinstance(sheets, str) and len(sheets) != 1) else \
        (sheets if isinstance(sheets, str) else sheets[0])
    return f"{m:%Y-%m}_{unit_name or '全县'}_{what}模板.xlsx"
