"""Typed frames → every rule of the contract, each failure as {sheet, row, column, message, value}.

Three layers: the pandera schema of the sheet (required, vocabularies, ranges, the rules between
columns of one row), rules across rows and sheets (a key used twice), and rules that need the
database (the enterprise registry, org units, the viewer's part of the county).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..models import Enterprise, OrgUnit, OrgUnitClosure
from .parse import ParsedSheet, cell_error, display_value, fields_of
from .raw import header_unit
from ..subjects import subjects
from .schemas import CHECK_COLUMNS, PASS_SCORE, EnterpriseSheet, OfficerExamSheet

PATTERN_HINTS: dict[str, str] = {}  # pattern → hint for a str_matches check (none at present)


# ------------------------------------------------------------------ pandera
def schema_errors(sheet: ParsedSheet) -> list[dict]:
    """The sheet's pandera failures in Chinese, minus cells that already failed to parse."""
    model = sheet.raw.model
    try:
        _schema(model).validate(sheet.frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    out, seen, by_row = [], set(), dict(sheet.raw.rows)
    for case in cases.to_dict("records"):
        err = _translate(sheet, case, by_row)
        if err is None:
            continue
        spot = (err["row"], err["column"], err["message"])
        fld = _field_of(model, err["column"])
        if (err["row"], fld) in sheet.bad_cells or spot in seen:
            continue
        seen.add(spot)
        out.append(err)
    return out


@functools.cache
def _schema(model) -> pa.DataFrameSchema:
    """The sheet's pandera schema without its dtype checks: parse.typed_series gives each column
    its kind's dtype by construction, and pandera's check of a string column formats a failure
    report even when nothing fails (half of validation time on a 10,000-row sheet)."""
    schema = model.to_schema()
    return schema.update_columns({name: {"dtype": None} for name in schema.columns})


def _field_of(model, zh: str | None) -> str | None:
    return next((f for f, m in fields_of(model).items() if m["zh"] == zh), None)


def _translate(sheet: ParsedSheet, case: dict, by_row: dict[int, list]) -> dict | None:
    check = str(case.get("check") or "")
    row = case.get("index")
    row = None if row is None or pd.isna(row) else int(row)
    if check in CHECK_COLUMNS:  # a rule between columns: reported at the column it is about
        fld = CHECK_COLUMNS[check]
        value = sheet.frame.at[row, fld] if row is not None else None
        return cell_error(sheet.raw, row, fld, check, _written(sheet, by_row, row, fld, _plain(value)))
    fld = case.get("column")
    if fld not in sheet.frame.columns:
        return cell_error(sheet.raw, row, None, f"校验未通过：{check}")
    meta = fields_of(sheet.raw.model)[fld]
    value = _plain(case.get("failure_case"))
    return cell_error(sheet.raw, row, fld, _message(check, meta, value), _written(sheet, by_row, row, fld, value))


def _written(sheet: ParsedSheet, by_row: dict[int, list], row: int | None, fld: str, parsed: Any) -> Any:
    """The cell as the clerk wrote it (通过, not True; 2 under 罚没金额（万元）, not 20000), where the
    sheet is in the contract's layout; else the parsed value."""
    col = sheet.raw.columns.get(fld)
    if row is None or col is None or sheet.raw.layout != "填报模板":
        return parsed
    cells = by_row.get(row)
    written = cells[col] if cells is not None and col < len(cells) else parsed
    unit, header = fields_of(sheet.raw.model)[fld].get("unit"), header_unit(sheet.raw.headers.get(fld, ""))
    if unit and header and header != unit and isinstance(parsed, (int, float)):  # converted: say to what
        return f"{display_value(written)}{header}，即 {parsed:.2f}{unit}"
    return written


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.date() if isinstance(value, pd.Timestamp) else value


def _message(check: str, meta: dict, value: Any) -> str:
    if check == "not_nullable":
        return "必填项，不能为空"
    if check.startswith("isin"):
        return f"“{display_value(value)}”不是允许的取值，应为：{'、'.join(meta['values'])}"
    if check.startswith("greater_than_or_equal_to"):
        return f"不能小于 {_arg(check)}"
    if check.startswith("in_range"):
        low, high = _args(check)
        return f"应在 {low} 到 {high}{meta.get('unit') or ''} 之间"
    if check.startswith("str_matches"):
        pattern = next((p for p in PATTERN_HINTS if p in check), None)
        return "格式不正确" + ("，" + PATTERN_HINTS[pattern] if pattern else "")
    return f"校验未通过：{check}"


def _args(check: str) -> list[str]:
    return [a.strip() for a in check[check.index("(") + 1:check.rindex(")")].split(",")]


def _arg(check: str) -> str:
    return _args(check)[0]


def derive_values(sheet: ParsedSheet) -> None:
    """Values the contract derives when left blank: 是否合格 = 成绩 ≥ 60; 主体类型 = the configured
    default type."""
    if sheet.raw.model is EnterpriseSheet:
        default = subjects().default
        sheet.values["subject_type"] = [t or default for t in sheet.values["subject_type"]]
    if sheet.raw.model is OfficerExamSheet:
        values = sheet.values
        values["is_passed"] = [(score >= PASS_SCORE if score is not None else None) if passed is None
                               else passed for passed, score in zip(values["is_passed"], values["score"])]


# ------------------------------------------------------------------ across rows and sheets
def _keyed(sheets: list[ParsedSheet]) -> list[ParsedSheet]:
    """The sheets whose whole record key is known: a 工作任务 sheet once its unit is (its key is
    unit + 任务编号, and two sheets of one workbook may be two units' tasks)."""
    return [s for s in sheets if all(k in s.values for k in s.raw.model.record_key())]


def duplicate_key_errors(sheets: list[ParsedSheet]) -> list[dict]:
    """A natural key given twice in one workbook: the later row is an error naming the first.
    Sheets whose key is not known yet (a 工作任务 sheet's unit) are left for a later call."""
    sheets = _keyed(sheets)
    if not _any_key_repeated(sheets):
        return []
    out, first_seen = [], {}
    for sheet in sheets:
        model = sheet.raw.model
        keys = model.record_key()
        for row, values in zip(sheet.rows, zip(*(sheet.values[k] for k in keys))):
            if None in values:
                continue
            spot = (model, tuple(values))
            if spot not in first_seen:
                first_seen[spot] = (sheet.raw.name, row)
                continue
            other_sheet, other_row = first_seen[spot]
            where = f"第{other_row}行" if other_sheet == sheet.raw.name else f"工作表“{other_sheet}”第{other_row}行"
            shown = model.key_fields()
            names = "、".join(fields_of(model)[k]["zh"] for k in shown)
            unit = "同一单位的" if model.owned_by_unit() else ""
            out.append(cell_error(sheet.raw, row, shown[0], f"与{where}重复：{unit}同一{names}只能填一行",
                                  values[keys.index(shown[0])]))
    return out


def _any_key_repeated(sheets: list[ParsedSheet]) -> bool:
    """Whether any sheet kind holds a natural key twice: sets built in C, so a clean workbook
    skips the row-by-row search for the first occurrence."""
    seen: dict[type, set] = defaultdict(set)
    for sheet in sheets:
        keys = sheet.raw.model.record_key()
        if len(keys) == 1:
            values = sheet.values[keys[0]]
            count = len(values) - values.count(None)
        else:
            values = [v for v in zip(*(sheet.values[k] for k in keys)) if None not in v]
            count = len(values)
        known = seen[sheet.raw.model]
        before = len(known)
        known.update(values)
        known.discard(None)
        if len(known) - before != count:
            return True
    return False


# ------------------------------------------------------------------ the database
@dataclass
class Context:
    """What the database says about a workbook: units, the viewer's subtree, known enterprises."""
    units: dict[str, int]  # folded name / code / short name -> unit_id
    scope: set[int]  # unit_ids the viewer may report for
    registry: dict[str, int]  # credit code -> unit_id, from the database
    incoming: dict[str, int] = field(default_factory=dict)  # from this workbook's 企业名录
    listed: set[str] = field(default_factory=set)  # every code this workbook's 企业名录 holds
    names: dict[str, str] = field(default_factory=dict)  # credit code -> registered name
    own_unit: int | None = None  # the uploader's own unit, None when not known (admin, command line)
    unit_names: dict[int, str] = field(default_factory=dict)  # unit_id -> name




def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def load_context(conn: Connection, scope_unit_id: int, codes: set[str],
                 own_unit: int | None = None) -> Context:
    """Org units, the viewer's subtree and the registered enterprises among `codes`; `own_unit`
    is the uploader's own unit when there is one (the 工作任务 rows' default owner)."""
    units, unit_names = {}, {}
    for unit in conn.execute(select(OrgUnit.unit_id, OrgUnit.code, OrgUnit.name, OrgUnit.short_name)):
        unit_names[unit.unit_id] = unit.name
        for spelling in (unit.code, unit.name, unit.short_name):
            if spelling:
                units[_fold(spelling)] = unit.unit_id
                units[_fold(spelling).upper()] = unit.unit_id
    scope = set(conn.execute(select(OrgUnitClosure.descendant_id)
                             .where(OrgUnitClosure.ancestor_id == scope_unit_id)).scalars())
    registry, names = {}, {}
    ordered = sorted(codes)
    for i in range(0, len(ordered), 1000):
        chunk = ordered[i:i + 1000]
        stmt = select(Enterprise.credit_code, Enterprise.unit_id, Enterprise.name) \
            .where(Enterprise.credit_code.in_(chunk))
        for r in conn.execute(stmt):
            registry[r.credit_code], names[r.credit_code] = r.unit_id, r.name
    return Context(units, scope, registry, names=names, own_unit=own_unit, unit_names=unit_names)


def workbook_codes(sheets: list[ParsedSheet]) -> set[str]:
    """Every credit code the workbook's sheets mention."""
    codes = set()
    for sheet in sheets:
        codes.update(c for c in sheet.values.get("credit_code", ()) if c is not None)
    return codes


def registry_errors(sheet: ParsedSheet, ctx: Context) -> list[dict]:
    """企业名录: 所属分局 must be a known unit inside the viewer's part; sets `unit_id`."""
    out, unit_ids = [], []
    values = sheet.values
    for row, code, unit in zip(sheet.rows, values["credit_code"], values["unit"]):
        unit_id = None if unit is None else ctx.units.get(_fold(unit)) or ctx.units.get(_fold(unit).upper())
        unit_ids.append(unit_id)
        if unit is not None and unit_id is None:
            out.append(cell_error(sheet.raw, row, "unit", f"“{unit}”不是已有的分局名称或代码", unit))
        elif unit_id is not None and unit_id not in ctx.scope:
            out.append(cell_error(sheet.raw, row, "unit", f"“{unit}”不属于本单位辖区，无权上报", unit))
        if code is None:
            continue
        ctx.listed.add(code)
        old_unit = ctx.registry.get(code)
        if old_unit is not None and old_unit not in ctx.scope:
            out.append(cell_error(sheet.raw, row, "credit_code",
                                  f"企业 {code} 不属于本单位辖区，无权修改", code))
            continue  # the enterprise stays where it is for the checks of its records
        if unit_id is not None:
            ctx.incoming.setdefault(code, unit_id)
    values["unit_id"] = unit_ids
    return out


def record_errors(sheet: ParsedSheet, ctx: Context) -> list[dict]:
    """A record's enterprise must be registered (in the database or this workbook) and ours."""
    codes = sheet.values["credit_code"]
    problems = {code: _record_problem(code, ctx) for code in set(codes) - {None}}  # each code once
    if not any(problems.values()):
        return []
    return [cell_error(sheet.raw, row, "credit_code", problems[code], code)
            for row, code in zip(sheet.rows, codes) if code is not None and problems[code]]


def _record_problem(code: str, ctx: Context) -> str | None:
    unit_id = ctx.incoming.get(code, ctx.registry.get(code))
    if unit_id is None and code in ctx.listed:
        return None  # its 企业名录 row already carries the error
    if unit_id is None:
        return f"企业 {code} 不在企业名录中：请先在“企业名录”工作表中登记该企业"
    if unit_id not in ctx.scope:
        return f"企业 {code} 不属于本单位辖区，无权上报"
    return None


def licence_errors(sheet: ParsedSheet) -> list[dict]:
    """企业名录: the licence number its subject type requires, in its kind's format."""
    out, types = [], subjects().types
    values = sheet.values
    for row, kind, number in zip(sheet.rows, values["subject_type"], values["license_no"]):
        subject = types.get(kind)
        if subject is None:
            continue  # an unknown type is already a vocabulary error
        if number is None and subject.licence_required:
            out.append(cell_error(sheet.raw, row, "license_no",
                                  f"许可证编号必填（{kind}须持{subject.licence.name}）", number))
        elif number is not None and subject.licence.problem(number):
            out.append(cell_error(sheet.raw, row, "license_no", subject.licence.problem(number), number))
    return out


# ------------------------------------------------------------------ rows that belong to a unit
_LABEL = "填报单位"
_LABEL_END = re.compile(r"(?:填报日期|填报时间|填报人|联系电话|日期)")
_STAMP = re.compile(r"[(（]\s*(?:盖章|公章|章)\s*[)）]")


def reporting_unit_label(sheet: ParsedSheet) -> tuple[int, str | None] | None:
    """(Excel row, the unit written) of the sheet's `填报单位：…` row above its header, the unit
    None when the row leaves it blank; None when the sheet has no such row. The unit may follow in
    the same cell (`填报单位：安丰分局  填报日期：…`) or in the next cell of the row."""
    for row, cells in sheet.raw.above:
        for i, cell in enumerate(cells):
            folded = _fold(cell)
            at = folded.find(_LABEL)
            if at < 0:
                continue
            rest = folded[at + len(_LABEL):].lstrip(":：")
            rest = _LABEL_END.split(rest, 1)[0]
            if not rest and i + 1 < len(cells) and not _LABEL_END.match(_fold(cells[i + 1])):
                rest = _LABEL_END.split(_fold(cells[i + 1]), 1)[0]
            rest = _STAMP.sub("", rest).strip(":：")
            return row, rest or None
    return None


def _unit_named(text: str, ctx: Context) -> int | None:
    """The unit a 填报单位 text names: a name, short name or code, or a full name ending in one
    (东台市市场监督管理局安丰分局 → 安丰分局; the longest such ending wins)."""
    folded = _fold(text)
    found = ctx.units.get(folded) or ctx.units.get(folded.upper())
    if found is not None:
        return found
    endings = [s for s in ctx.units if len(s) >= 2 and folded.endswith(s)]
    return ctx.units[max(endings, key=len)] if endings else None


def work_task_units(sheet: ParsedSheet, ctx: Context) -> list[dict]:
    """A sheet whose rows belong to the uploading unit (工作任务): that unit is the one its
    `填报单位：…` row names, else the uploader's own; it must lie in the uploader's part of the
    county. Sets `unit_id` on every row; a sheet whose unit cannot be told is one sheet error."""
    if not sheet.rows:  # an empty sheet (a template's, left blank) belongs to nobody
        sheet.values["unit_id"] = []
        return []
    label = reporting_unit_label(sheet)
    row, text = label if label else (None, None)
    raw = sheet.raw
    name = raw.model.sheet_name()
    if text is not None:
        unit_id = _unit_named(text, ctx)
        if unit_id is None:
            return [cell_error(raw, row, None, f"填报单位“{text}”不是已有的单位名称或代码，"
                               f"无法确定这些{name}属于哪个单位", text)]
        if unit_id not in ctx.scope:
            return [cell_error(raw, row, None, f"填报单位“{text}”不属于本单位辖区，无权上报该单位的{name}", text)]
    elif ctx.own_unit is not None:
        unit_id = ctx.own_unit
    else:
        return [cell_error(raw, row or raw.header_row, None,
                           f"无法确定这些{name}属于哪个单位：请在表头上方写明“填报单位：本单位名称”"
                           "（如“填报单位：安丰分局”，也可写单位代码）")]
    sheet.values["unit_id"] = [unit_id] * len(sheet.rows)
    return []


def task_units(sheets: list[ParsedSheet]) -> set[int]:
    """Every org unit the workbook's unit-owned rows (工作任务) belong to."""
    return {u for s in sheets for u in s.values.get("unit_id", ()) if s.raw.model.owned_by_unit()}


def database_errors(sheets: list[ParsedSheet], ctx: Context) -> list[dict]:
    """Registry rows first (they register codes), then every record's enterprise, then the unit
    of the rows that belong to one (and their keys, now complete)."""
    out = []
    registries = [s for s in sheets if s.raw.model is EnterpriseSheet]
    for sheet in registries:
        out += licence_errors(sheet) + registry_errors(sheet, ctx)
    owned = [s for s in sheets if s.raw.model.owned_by_unit()]
    for sheet in sheets:
        if sheet.raw.model is not EnterpriseSheet and not sheet.raw.model.owned_by_unit():
            out += record_errors(sheet, ctx)
    for sheet in owned:
        out += work_task_units(sheet, ctx)
    return out + duplicate_key_errors([s for s in owned if "unit_id" in s.values])


def name_warnings(sheets: list[ParsedSheet], ctx: Context) -> list[dict]:
    """A record whose 企业名称 differs from the name its credit code is registered under (this
    workbook's 企业名录 first, then the database): a warning, since a wrong pick from the code
    dropdown passes every other check."""
    names = dict(ctx.names)
    for sheet in sheets:
        if sheet.raw.model is EnterpriseSheet:
            names.update((c, n) for c, n in zip(sheet.values["credit_code"], sheet.values["name"]) if c and n)
    out = []
    for sheet in sheets:
        given = sheet.values.get("enterprise_name")
        if given is None or sheet.raw.model is EnterpriseSheet:
            continue
        for row, code, name in zip(sheet.rows, sheet.values["credit_code"], given):
            known = names.get(code)
            if name and known and _fold(name) != _fold(known):
                out.append(cell_error(sheet.raw, row, "enterprise_name",
                                      f"企业名称与统一社会信用代码 {code} 登记的企业“{known}”不一致，"
                                      "请核对是否选错了企业（不影响导入）", name))
    return out


def enterprise_units(sheets: list[ParsedSheet], ctx: Context) -> set[int]:
    """Every org unit the workbook's enterprises belong to (for the batch's unit)."""
    units = set()
    for sheet in sheets:
        for code in set(sheet.values.get("credit_code", ())) - {None}:
            unit = ctx.incoming.get(code, ctx.registry.get(code))
            if unit is not None:
                units.add(unit)
    return units


def group_by_model(sheets: list[ParsedSheet]) -> dict[type, list[ParsedSheet]]:
    """The sheets by contract sheet class (a month per sheet gives several)."""
    out = defaultdict(list)
    for sheet in sheets:
        out[sheet.raw.model].append(sheet)
    return out
