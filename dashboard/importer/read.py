"""Reading an uploaded workbook: refusals before any row is read, then sheets, headers and rows.

Everything here works on the raw cells python-calamine gives back; typing the cells is `parse`'s
job. Formulas are never evaluated: calamine returns the value Excel cached, and the sheet XML is
scanned for formulas that have none (a workbook written by a program and never opened in Excel).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

import python_calamine

from . import sandbox
from .published import recognise
from .parse import PLACEHOLDERS, cell_text
from .raw import HEADER_SEARCH_ROWS, RawSheet, RawWorkbook, fold, header_forms, is_total_or_footer
from .schemas import SHEETS, SheetModel

# Limits of the contract (bytes, rows) and of this reader (columns, cells: calamine builds the whole
# rectangle of a sheet, 32 bytes a cell, before it hands back a row); module constants so tests can
# make them small. The widest sheet of the contract has 12 columns.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 256
MAX_CELLS = 10_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class FileRefused(Exception):
    """The whole file is refused before any row is read; the message is for the clerk, `sheet`
    names the sheet that is the reason, if one is (args, so it crosses the sandbox's pickle)."""

    def __init__(self, message: str, sheet: str | None = None):
        super().__init__(message, sheet)

    @property
    def sheet(self) -> str | None:
        return self.args[1]

    def __str__(self) -> str:
        return self.args[0]


# ------------------------------------------------------------------ refusals
@dataclass(frozen=True)
class Limits:
    """The limits a file is read under, taken from the module constants when the read starts
    (the read runs in a child process, which would not see a test's change of a constant)."""
    bytes: int
    rows: int
    columns: int
    cells: int

    @classmethod
    def current(cls) -> "Limits":
        return cls(MAX_UNCOMPRESSED_BYTES, MAX_ROWS, MAX_COLUMNS, MAX_CELLS)


DAMAGED = "该工作簿已损坏（压缩包不完整或内容与目录不符），请在 Excel 中打开并另存为 .xlsx 后再上传"
# The parts calamine reads from an .xlsx; nothing else is inflated twice or handed to it (an .xlsb
# or .ods part in the zip cannot make it read the file as another format).
_READ_PARTS = re.compile(r"(?:\[Content_Types\]\.xml|(?:xl|_rels|docProps)/.*\.(?:xml|rels))", re.I)


def check_container(data: bytes, file_name: str, limits: Limits) -> dict[str, bytes]:
    """The parts of the zip behind an .xlsx, inflated under `limits.bytes` in all whatever its
    directory says, or FileRefused for anything the contract turns away unread."""
    if file_name.lower().endswith(".xlsm"):
        raise FileRefused("不接受启用宏的工作簿（.xlsm），请另存为普通的 .xlsx 工作簿后再上传")
    if data[:8] == OLE_MAGIC:
        raise FileRefused("该文件已加密（设置了打开密码）或是旧版 .xls 格式，"
                          "请取消密码并另存为未加密的 .xlsx 工作簿后再上传")
    if data[:4] != b"PK\x03\x04":
        raise FileRefused("该文件不是 Excel 工作簿（.xlsx）：可能是改了扩展名的 CSV 或其他文件，"
                          "请在 Excel 中另存为 .xlsx 后再上传")
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise FileRefused(DAMAGED) from exc
    if any(PurePosixPath(i.filename).name.lower() == "vbaproject.bin" for i in infos):
        raise FileRefused("该工作簿含有宏（VBA 工程），不予接受，请另存为普通的 .xlsx 工作簿后再上传")
    # The zip directory states each member's size: a zip bomb that admits it is caught unread…
    if sum(info.file_size for info in infos) > limits.bytes:
        raise FileRefused(too_big(limits))
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise FileRefused("该文件不是 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx 后再上传")
    parts, budget, view = {}, limits.bytes, memoryview(data)
    for info in infos:  # …and one that lies is stopped when the inflated bytes pass the limit
        if info.flag_bits & 1:
            raise FileRefused("该工作簿已加密，请取消密码并另存为未加密的 .xlsx 工作簿后再上传")
        if _READ_PARTS.fullmatch(info.filename) and not info.is_dir():
            parts[info.filename] = inflate(view, info, budget, limits)
            budget -= len(parts[info.filename])
    return parts


def inflate(data: memoryview, info: zipfile.ZipInfo, budget: int, limits: Limits) -> bytes:
    """One member from its local header, never more than `budget` bytes; FileRefused unless what
    comes out has the size and CRC the directory states."""
    head = bytes(data[info.header_offset:info.header_offset + 30])
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise FileRefused(DAMAGED)
    start = info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    raw = data[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise FileRefused(DAMAGED)  # a truncated file
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(raw[:budget + 1])
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, budget + 1)
        except zlib.error as exc:
            raise FileRefused(DAMAGED) from exc
        if len(out) <= budget and not inflater.eof:
            raise FileRefused(DAMAGED)
    else:
        raise FileRefused("该工作簿使用了 Excel 不用的压缩方式，请在 Excel 中另存为 .xlsx 后再上传")
    if len(out) > budget:
        raise FileRefused(too_big(limits))
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        raise FileRefused(DAMAGED)
    return out


def too_big(limits: Limits) -> str:
    """The refusal message for a workbook that inflates past the limit."""
    return f"工作簿解压后超过 {limits.bytes // (1024 * 1024)} MB，不予接受，请拆分后再上传"


def stored_zip(parts: dict[str, bytes]) -> bytes:
    """The checked parts as an uncompressed zip: calamine reads exactly the bytes that were checked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def sheet_xml_paths(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its XML member, from workbook.xml and its relationships."""
    try:
        book = ElementTree.fromstring(parts["xl/workbook.xml"])
        rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(_NS_REL_ID), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[sheet.get("name")] = path
    return out


_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]*)(\d*)(?::([A-Z]*)(\d+))?"')
_DIMENSION_TAG = re.compile(rb"<dimension\s[^>]*?/>")


def declared_extent(xml: bytes) -> tuple[int, int] | None:
    """(last row, last column) the sheet's <dimension ref> declares, read from the head of its XML only."""
    m = _DIMENSION.search(xml, 0, 4096)
    if not m:
        return None
    letters, row = (m.group(3), m.group(4)) if m.group(4) else (m.group(1), m.group(2))
    col = 0
    for ch in letters.decode():
        col = col * 26 + ord(ch) - 64
    return int(row or 0), col


def too_many_rows(sheet: str, rows: int, limit: int) -> str:
    """The refusal message for an oversized sheet."""
    return f"工作表“{sheet}”有 {rows} 行，超过上限 {limit} 行，不予接受，请拆分后再上传"


# ------------------------------------------------------------------ the real extent of a sheet
# A sheet whose every cell tag starts `<c r="X12345"` (one letter, at most five digits: what Excel,
# openpyxl and xlsxwriter write for a sheet up to column Z) ends within Z99999: two scans at C speed
# prove it. Anything else (wider, deeper, cells without `r`, prefixed tags) is walked tag by tag.
_PLAIN_BOUND = (99_999, 26)
_ODD_CELL = re.compile(rb'<c(?:\s(?!r="[A-Za-z]\d{1,5}")|/?>)')
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # `<x:c …>`; found by its colon, 4× faster than by `<`
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"([A-Za-z]*)(\d*)")
_EMPTY_BODY = re.compile(rb"\s*</(?:[A-Za-z_][\w.-]*:)?c\s*>")  # `<c r="A9" s="2"></c>`: openpyxl's styled empty cell


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells holding something, placed as calamine places them: by
    their `r`, else next to the previous cell (or row). Cells written `<c …/>` or `<c …></c>` hold
    only a style and calamine leaves them out; a reference it would misread (no letters) counts as
    unbounded."""
    last_row = last_col = row = col = 0
    for m in _TAG.finditer(xml):
        ref = _R_ATTR.search(m.group(2))
        ref = ref and (ref.group(1) if ref.group(1) is not None else ref.group(2))
        if m.group(1) == b"row":
            row = int(ref) if ref and ref.isdigit() else row + 1
            col = 0
            continue
        cell = _CELL_REF.fullmatch(ref.strip()) if ref else None
        if cell and cell.group(2):
            col = column_index(cell.group(1).upper().decode()) + 1 if cell.group(1) else 2 ** 32
            cell_row = int(cell.group(2))
        else:
            col, cell_row = col + 1, row
        if not m.group(2).endswith(b"/") and not _EMPTY_BODY.match(xml, m.end()):
            last_row, last_col = max(last_row, cell_row), max(last_col, col)
    return last_row, last_col


def check_extent(sheet: str, xml: bytes, limits: Limits) -> None:
    """FileRefused when the cells of a sheet's XML span more rows, columns or cells than allowed."""
    plain = _ODD_CELL.search(xml) is None and _PREFIXED.search(xml) is None
    if plain and _fits(_PLAIN_BOUND, limits):
        return
    rows, cols = sheet_extent(xml)
    if rows > limits.rows:
        raise FileRefused(too_many_rows(sheet, rows, limits.rows), sheet)
    if cols > limits.columns:
        raise FileRefused(f"工作表“{sheet}”的单元格延伸到第 {cols} 列，超过上限 {limits.columns} 列，不予接受："
                          "请删除表格右侧多余的列后再上传", sheet)
    if rows * cols > limits.cells:
        raise FileRefused(f"工作表“{sheet}”的单元格范围为 {rows} 行 × {cols} 列，超过上限 {limits.cells} 个单元格，"
                          "不予接受：请删除多余的行列或拆分后再上传", sheet)


def _fits(extent: tuple[int, int], limits: Limits) -> bool:
    rows, cols = extent
    return rows <= limits.rows and cols <= limits.columns and rows * cols <= limits.cells


# ------------------------------------------------------------------ formulas without a value
# Linear on any input: an attribute list stops at the next "<" and a cell's body at the next <c or
# </c, so no match attempt scans past the next cell (a comment full of "<c " took seconds before).
_CELL = re.compile(rb"<c\b([^<>]*?)(?:/>|>((?:[^<]|<(?!/?c\b))*?)</c>)")
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>\s*[^<\s]")
_FORMULA_HINT = re.compile(rb"<f")  # the regex engine scans a sheet's XML 3× faster than `in`
_ZERO = re.compile(rb"<v>0</v>")
_TYPED = re.compile(rb"""\bt\s*=\s*["'](?!n["'])""")  # a cell typed other than number (text, boolean, error)
# what xlsxwriter and openpyxl write, neither able to compute a formula: the calculation id of
# Excel 2007 with a request to recalculate everything when the workbook is opened
_WRITTEN_BY_PYTHON = {"calcId": "124519", "fullCalcOnLoad": "1"}


def recalculated_on_load(workbook_xml: bytes) -> bool:
    """Whether workbook.xml carries xlsxwriter's and openpyxl's request to be recalculated in full
    when opened (_WRITTEN_BY_PYTHON): their cached formula results are placeholders. Excel drops the
    request when it saves the values it computed; another program's request (with its own
    calculation id) is not taken as proof, so its real zeros are never refused."""
    try:
        calc = ElementTree.fromstring(workbook_xml).find(f"{_NS_MAIN}calcPr")
    except ElementTree.ParseError:
        return False
    return calc is not None and all(calc.get(k) == v for k, v in _WRITTEN_BY_PYTHON.items())


def formulas_without_value(xml: bytes, zero_is_placeholder: bool = False) -> set[tuple[int, int]]:
    """(Excel row, 0-based column) of every formula cell whose cached <v> is missing or empty —
    or, with `zero_is_placeholder` (a workbook xlsxwriter or openpyxl wrote), a numeric 0.

    openpyxl (a "=…" string) writes `<f>…</f>` with no value and xlsxwriter with value "" an
    empty `<v></v>`; calamine reads both as an empty cell, so only the XML tells them from a
    blank. xlsxwriter's write_formula without a value writes `<v>0</v>`, a zero nobody computed,
    in a workbook marked as theirs (recalculated_on_load): there a cached 0 is no result (an explicit
    0 written by such a program is refused with it, and Excel's own saved files are untouched).
    Excel writes `t="str"` with `<v></v>` for a text formula whose result is "", a real cached value."""
    if _FORMULA_HINT.search(xml) is None:
        return set()
    out = set()
    for m in _CELL.finditer(xml):
        body = m.group(2) or b""
        if b"<f" not in body or b"<is>" in body:
            continue
        if _VALUE.search(body) and not (zero_is_placeholder and _ZERO.search(body)
                                        and _TYPED.search(m.group(1)) is None):
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
_MONTH = r"(?:\d{4}(?:年|[.\-/_])?)?\d{1,2}(?:月份?)?|\d{4}年?(?:度)?"
_SHEET_MONTH_TAIL = re.compile(rf"[\-_—~·]*(?:\((?:{_MONTH})\)|(?:{_MONTH}))$")
_SHEET_MONTH_HEAD = re.compile(rf"^(?:\((?:{_MONTH})\)|(?:{_MONTH}))[\-_—~·]*")


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
            for form in header_forms(alias):
                out.setdefault(form, name)
    for name, meta in fields.items():
        for form in header_forms(meta["zh"]):
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
        for form in header_forms(cell):
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
        return not is_total_or_footer(fold(cell))
    return False


def _holds_a_record(cells: list[Any], mapped: list[int]) -> bool:
    """Whether a contract column of the row holds something: a template's pre-filled 序号 alone, or
    a row of “/”, under the last record is no record (an error on each of its required cells would
    tell the clerk nothing)."""
    for col in mapped:
        value = cells[col] if col < len(cells) else None
        if value is None:
            continue
        if value.__class__ is not str:
            return True
        text = value.strip()
        if text and text not in PLACEHOLDERS and (text.isascii() or cell_text(text) is not None):
            return True
    return False


def read_workbook(data: bytes, file_name: str) -> RawWorkbook:
    """Every sheet recognised (by name, else by header) with its data rows; FileRefused for the
    refusals of the contract, including a workbook in which no sheet is recognised. The file is
    read in a child process (`sandbox`): a crash or a runaway there is a refusal here."""
    try:
        return sandbox.run(_read_in_child, data, file_name, Limits.current(), passthrough=(FileRefused,))
    except sandbox.WorkerFailed as exc:
        raise FileRefused(str(exc)) from None


def _read_in_child(data: bytes, file_name: str, limits: Limits) -> RawWorkbook:
    """read_untrusted, with equal cells made one object: calamine gives each cell its own string
    or date, and pickle sends an object once, so a column of repeated values crosses to the parent
    at a third of the cost (a date pickled anew is a call of its constructor: 10,000 of them were
    20 ms of the child's pickling). A cell that is not text is matched by type and value: 1, 1.0
    and True are equal but different cells."""
    book = read_untrusted(data, file_name, limits)
    same: dict = {}
    for sheet in book.sheets:
        for _, cells in sheet.rows:
            for i, cell in enumerate(cells):
                if cell.__class__ is str:
                    cells[i] = same.setdefault(cell, cell)
                elif cell is not None:
                    cells[i] = same.setdefault((cell.__class__, cell), cell)
    return book


def read_untrusted(data: bytes, file_name: str, limits: Limits) -> RawWorkbook:
    """read_workbook's work, in whatever process calls it: nothing reaches calamine before the
    inflated size and every sheet's real extent are known to be within `limits`."""
    parts = check_container(data, file_name, limits)
    paths = sheet_xml_paths(parts)
    for name, path in paths.items():
        declared = declared_extent(parts.get(path, b""))
        if declared is not None and not _fits(declared, limits):
            # A declared range is no proof of rows (a sheet saved after formatting whole columns
            # says A1:XFD1048576): calamine would build that rectangle, so the reference goes, and
            # the real extent, checked below, decides.
            parts[path] = _DIMENSION_TAG.sub(b"", parts[path], count=1)
    names = {path: name for name, path in paths.items()}
    for path, xml in parts.items():  # every part calamine might take for a sheet, named or not
        if b"sheetData" in xml:
            check_extent(names.get(path, path), xml, limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(stored_zip(parts)))
    except python_calamine.PasswordError as exc:
        raise FileRefused("该工作簿已加密，请取消密码并另存为未加密的 .xlsx 工作簿后再上传") from exc
    except Exception as exc:  # calamine's errors: a damaged or foreign file
        raise FileRefused(f"无法读取该工作簿（文件可能已损坏）：{exc}") from exc
    sheets, ignored = [], []
    recalculated = recalculated_on_load(parts.get("xl/workbook.xml", b""))
    for name in book.sheet_names:
        sheet = _read_sheet(book, parts, paths, name, limits, recalculated)
        if sheet is None:
            ignored.append(name)
        else:
            sheets.append(sheet)
    if not sheets:
        raise FileRefused("工作簿中没有可识别的工作表：工作表名称或表头应与填报模板一致"
                          "（如“监督抽检”“企业名录”）")
    return RawWorkbook(sheets, ignored)


def _read_sheet(book, parts, paths, name: str, limits: Limits, recalculated: bool = False) -> RawSheet | None:
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:  # a chart sheet or a damaged part: nothing to import from it
        return None
    if len(rows) > limits.rows:
        raise FileRefused(too_many_rows(name, len(rows), limits.rows), name)
    model = sheet_model_by_name(name) or model_by_header(rows)
    header, columns, headers, missing = find_header(model, rows) if model else (None, {}, {}, [])
    if model is None or (missing and model.sheet_name() == "监督抽检"):  # 公示表, the long export
        published = recognise(name, rows, contract_named=model is not None)
        if published is not None or model is None:
            return published
    sheet = RawSheet(name, model, None if header is None else header + 1, columns, headers, missing)
    if header is None or missing:
        return sheet  # reported as missing columns; its rows cannot be read without a header
    sheet.rows = [(i + 1, cells) for i, cells in enumerate(rows[header + 1:], header + 1)
                  if _is_data_row(cells)]
    # a template's unused numbered rows come after the records: looked for at the end only, so a
    # 10,000-row sheet pays nothing per row (every row looked at cost 6 % of the raw read)
    mapped = sorted(set(columns.values()))
    while sheet.rows and not _holds_a_record(sheet.rows[-1][1], mapped):
        sheet.rows.pop()
    sheet.above = [(i + 1, [c.strip() for c in cells if isinstance(c, str) and c.strip()])
                   for i, cells in enumerate(rows[:header])]
    if name in paths and paths[name] in parts:
        sheet.no_cached_value = formulas_without_value(parts[paths[name]], recalculated)
    return sheet
