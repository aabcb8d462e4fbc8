"""Reading an uploaded workbook: refusals before any row is read, then sheets, headers and rows.

Everything here works on the raw cells python-calamine gives back; typing the cells is `parse`'s
job. Formulas are never evaluated: calamine returns the value Excel cached, and the sheet XML is
scanned for formulas that have none (a workbook written by a program and never opened in Excel).
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

import python_calamine

from .schemas import SHEETS, SheetModel

# Limits of the contract; module constants so tests can make them small.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TOTAL_WORDS = {"合计", "小计", "总计"}
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class FileRefused(Exception):
    """The whole file is refused before any row is read; the message is for the clerk."""


@dataclass
class RawSheet:
    """One recognised sheet: where its header is and which column holds which field."""
    name: str
    model: type[SheetModel]
    header_row: int | None = None  # Excel row number of the header (1-based)
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    headers: dict[str, str] = field(default_factory=dict)  # field -> header text as written
    missing: list[str] = field(default_factory=list)  # required fields without a column
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row, cells)
    no_cached_value: set[tuple[int, int]] = field(default_factory=set)  # (Excel row, 0-based col)
    # Published sampling layouts (dashboard.importer.published): which layout the sheet is in, the
    # clerk's column feeding each contract field, the layout's own findings until the registry is
    # consulted (`pending`), and the errors only that step can tell.
    layout: str = "填报模板"
    source_columns: dict[str, int] = field(default_factory=dict)
    pending: Any = None
    pre_errors: list[dict] = field(default_factory=list)
    pre_bad: set[tuple[int, str]] = field(default_factory=set)


@dataclass
class RawWorkbook:
    """The recognised sheets of a workbook and the names of the others."""
    sheets: list[RawSheet]
    ignored: list[str]


# ------------------------------------------------------------------ refusals
def check_container(data: bytes, file_name: str) -> zipfile.ZipFile:
    """The zip behind an .xlsx, or FileRefused for anything the contract turns away unread."""
    if file_name.lower().endswith(".xlsm"):
        raise FileRefused("不接受启用宏的工作簿（.xlsm），请另存为普通的 .xlsx 工作簿后再上传")
    if data[:8] == OLE_MAGIC:
        raise FileRefused("该文件已加密（设置了打开密码）或是旧版 .xls 格式，"
                          "请取消密码并另存为未加密的 .xlsx 工作簿后再上传")
    if data[:4] != b"PK\x03\x04" or not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRefused("该文件不是 Excel 工作簿（.xlsx）：可能是改了扩展名的 CSV 或其他文件，"
                          "请在 Excel 中另存为 .xlsx 后再上传")
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    if any(PurePosixPath(n).name.lower() == "vbaproject.bin" for n in names):
        raise FileRefused("该工作簿含有宏（VBA 工程），不予接受，请另存为普通的 .xlsx 工作簿后再上传")
    # The zip directory states each member's size: a zip bomb is caught without inflating it.
    total = sum(info.file_size for info in zf.infolist())
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(f"工作簿解压后超过 {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB，不予接受，"
                          "请拆分后再上传")
    if "xl/workbook.xml" not in names:
        raise FileRefused("该文件不是 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx 后再上传")
    return zf


def sheet_xml_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member, from workbook.xml and its relationships."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(_NS_REL_ID), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[sheet.get("name")] = path
    return out


_DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]*(\d*)(?::[A-Z]*(\d+))?"')


def declared_rows(zf: zipfile.ZipFile, path: str) -> int | None:
    """The last row the sheet's <dimension ref> declares, read from the head of its XML only."""
    try:
        with zf.open(path) as fh:
            head = fh.read(4096)
    except KeyError:
        return None
    m = _DIMENSION.search(head)
    if not m:
        return None
    last = m.group(2) or m.group(1)
    return int(last) if last else None


def check_row_limits(zf: zipfile.ZipFile, paths: dict[str, str]) -> None:
    """FileRefused when a sheet declares more rows than MAX_ROWS."""
    for name, path in paths.items():
        rows = declared_rows(zf, path)
        if rows is not None and rows > MAX_ROWS:
            raise FileRefused(too_many_rows(name, rows))


def too_many_rows(sheet: str, rows: int) -> str:
    """The refusal message for an oversized sheet."""
    return f"工作表“{sheet}”有 {rows} 行，超过上限 {MAX_ROWS} 行，不予接受，请拆分后再上传"


# ------------------------------------------------------------------ formulas without a value
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>\s*[^<\s]")
_FORMULA_HINT = re.compile(rb"<f")  # the regex engine scans a sheet's XML 3× faster than `in`


def formulas_without_value(xml: bytes) -> set[tuple[int, int]]:
    """(Excel row, 0-based column) of every formula cell whose cached <v> is missing or empty.

    xlsxwriter (write_formula with value "") and openpyxl (a "=…" string) both write
    `<f>…</f><v></v>` for a formula nobody computed; calamine reads that as an empty cell, so
    only the XML tells it from a blank. Excel itself writes `t="str"` with `<v></v>` for a text
    formula whose result is "", which is a real cached value."""
    if _FORMULA_HINT.search(xml) is None:
        return set()
    out = set()
    for m in _CELL.finditer(xml):
        body = m.group(2) or b""
        if b"<f" not in body or _VALUE.search(body) or b"<is>" in body:
            continue
        if b't="str"' in m.group(1) and b"<v" in body:
            continue  # Excel's own cached empty-string result of a text formula
        ref = _REF.search(m.group(1))
        if ref:
            out.add((int(ref.group(2)), column_index(ref.group(1).decode())))
    return out


def column_index(letters: str) -> int:
    """Excel column letters → 0-based index (A → 0, AA → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# ------------------------------------------------------------------ names and headers
_BLANKS = re.compile(r"\s+")
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")
_MONTH = r"(?:\d{4}(?:年|[.\-/_])?)?\d{1,2}(?:月份?)?|\d{4}年?(?:度)?"
_SHEET_MONTH_TAIL = re.compile(rf"[\-_—~·]*(?:\((?:{_MONTH})\)|(?:{_MONTH}))$")
_SHEET_MONTH_HEAD = re.compile(rf"^(?:\((?:{_MONTH})\)|(?:{_MONTH}))[\-_—~·]*")


def fold(text: str) -> str:
    """NFKC (full-width → half-width, U+3000 → space) and every blank removed."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text))


def normalise_header(value: Any) -> str:
    """A header cell as compared: folded, without a trailing `*` or unit suffix `（元）`."""
    text = fold(str(value)).strip("*")
    text = _UNIT_SUFFIX.sub("", text).strip("*")
    return text.casefold()


def _header_forms(value: Any) -> set[str]:
    """Both the header with and without its bracketed suffix, so `任务来源（项目名称）` still matches."""
    kept = fold(str(value)).strip("*").casefold()
    return {kept, normalise_header(value)}


def sheet_model_by_name(name: str) -> type[SheetModel] | None:
    """The contract sheet a name means: exact after trimming, or with a month before/after it."""
    text = fold(name)
    bare = _SHEET_MONTH_TAIL.sub("", text)
    bare = _SHEET_MONTH_HEAD.sub("", bare)
    for model in SHEETS:
        if model.sheet_name() in (text, bare):
            return model
    return None


def header_lookup(model: type[SheetModel]) -> dict[str, str]:
    """Normalised spelling -> field; the contract name wins over an alias of another field."""
    out: dict[str, str] = {}
    fields = model.fields()
    for name, meta in fields.items():
        for alias in meta["aliases"]:
            for form in _header_forms(alias):
                out.setdefault(form, name)
    for name, meta in fields.items():
        for form in _header_forms(meta["zh"]):
            out[form] = name
    return out


_LOOKUPS = {model: header_lookup(model) for model in SHEETS}


def match_header(model: type[SheetModel], cells: list[Any]) -> tuple[dict[str, int], dict[str, str]]:
    """field -> column for one candidate header row (the first column naming a field wins)."""
    lookup = _LOOKUPS[model]
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        for form in _header_forms(cell):
            fld = lookup.get(form)
            if fld and fld not in columns:
                columns[fld] = i
                headers[fld] = cell.strip()
                break
    return columns, headers


def required_fields(model: type[SheetModel]) -> list[str]:
    """The fields a sheet's header must name."""
    return [f for f, m in model.fields().items() if m["required"]]


def find_header(model: type[SheetModel], rows: list[list[Any]]):
    """(0-based header row, columns, headers, missing): the first of the first rows holding every
    required column; when none does, the row matching most columns and what it lacks."""
    required = required_fields(model)
    best = (None, {}, {}, required)
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, headers = match_header(model, cells)
        missing = [f for f in required if f not in columns]
        if not missing:
            return i, columns, headers, []
        if len(columns) > len(best[1]):
            best = (i, columns, headers, missing)
    return best


def model_by_header(rows: list[list[Any]]) -> type[SheetModel] | None:
    """The sheet whose required columns all appear in one header row; most matched columns wins."""
    best, best_count = None, 0
    for model in SHEETS:
        i, columns, _, missing = find_header(model, rows)
        if i is not None and not missing and len(columns) > best_count:
            best, best_count = model, len(columns)
    return best


# ------------------------------------------------------------------ reading
def is_blank(value: Any) -> bool:
    """An empty cell: None or only blanks."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_total_row(cells: list[Any]) -> bool:
    """A 合计/小计/总计 row: its first non-empty cell is one of those words."""
    first = next((c for c in cells if not is_blank(c)), None)
    return isinstance(first, str) and fold(first).rstrip(":：") in TOTAL_WORDS


def _is_data_row(cells: list[Any]) -> bool:
    """Neither blank nor a total row, from one look at the first non-empty cell: is_blank and
    is_total_row, each walking the row, cost a third of calamine's read of a 10,000-row sheet."""
    for cell in cells:
        if cell is None:
            continue
        if not isinstance(cell, str):
            return True
        if cell.isascii():  # NFKC maps no ASCII text to CJK: neither blank-only nor a total word
            if cell.strip():
                return True
            continue
        if not cell.strip():
            continue
        return fold(cell).rstrip(":：") not in TOTAL_WORDS
    return False


def read_workbook(data: bytes, file_name: str) -> RawWorkbook:
    """Every sheet recognised (by name, else by header) with its data rows; FileRefused for the
    refusals of the contract, including a workbook in which no sheet is recognised."""
    zf = check_container(data, file_name)
    paths = sheet_xml_paths(zf)
    check_row_limits(zf, paths)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise FileRefused("该工作簿已加密，请取消密码并另存为未加密的 .xlsx 工作簿后再上传") from exc
    except Exception as exc:  # calamine's errors: a damaged or foreign file
        raise FileRefused(f"无法读取该工作簿（文件可能已损坏）：{exc}") from exc
    sheets, ignored = [], []
    for name in book.sheet_names:
        sheet = _read_sheet(book, zf, paths, name)
        if sheet is None:
            ignored.append(name)
        else:
            sheets.append(sheet)
    if not sheets:
        raise FileRefused("工作簿中没有可识别的工作表：工作表名称或表头应与填报模板一致"
                          "（如“监督抽检”“企业名录”）")
    return RawWorkbook(sheets, ignored)


def _read_sheet(book, zf, paths, name: str) -> RawSheet | None:
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:  # a chart sheet or a damaged part: nothing to import from it
        return None
    if len(rows) > MAX_ROWS:
        raise FileRefused(too_many_rows(name, len(rows)))
    model = sheet_model_by_name(name) or model_by_header(rows)
    header, columns, headers, missing = find_header(model, rows) if model else (None, {}, {}, [])
    if model is None or (missing and model.sheet_name() == "监督抽检"):
        from .published import recognise  # 公示表 and the sampling system's long export
        published = recognise(name, rows, contract_named=model is not None)
        if published is not None or model is None:
            return published
    sheet = RawSheet(name, model, None if header is None else header + 1, columns, headers, missing)
    if header is None or missing:
        return sheet  # reported as missing columns; its rows cannot be read without a header
    sheet.rows = [(i + 1, cells) for i, cells in enumerate(rows[header + 1:], header + 1)
                  if _is_data_row(cells)]
    if name in paths:
        try:
            sheet.no_cached_value = formulas_without_value(zf.read(paths[name]))
        except KeyError:
            pass
    return sheet
