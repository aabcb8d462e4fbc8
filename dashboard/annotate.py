"""A dry run as the clerk sees it: the checks made before a file is read, the summary and error
tables, and the clerk's own workbook back with every error marked where it is.

`annotate_workbook(data, errors)` opens the uploaded bytes with openpyxl, fills each bad cell red and
puts the reason in a cell comment (several errors of one cell share the comment). An error about a
whole sheet (a missing column) or a column the sheet does not have goes on the header row; the
header is found again with the importer's own reader, so the cell is exactly the one the error
names. A first sheet 错误清单 lists every error (with whole-file errors that have no cell) and links
to its cell.
"""
from __future__ import annotations

import io
import os
from collections import defaultdict
from pathlib import PurePosixPath

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .importer import import_workbook, raw, read, sandbox
from .templates import AUX_SHEETS

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="FFEB9C")
LIST_SHEET = "错误清单"
AUTHOR = "提升行动督导看板"


def _column_map(raw: raw.RawSheet) -> dict[str, int]:
    """Every name an error may give a column (contract name, header as written) -> 0-based column."""
    out: dict[str, int] = {}
    fields = raw.model.fields()
    columns = raw.source_columns or raw.columns
    for fld, col in columns.items():
        out[fields[fld]["zh"]] = col
        if fld in raw.headers:
            out[raw.headers[fld]] = col
    return out


def _locate(book: raw.RawWorkbook | None) -> dict[str, tuple[int | None, dict[str, int]]]:
    """Sheet name -> (Excel header row, column map)."""
    if book is None:
        return {}
    return {raw.name: (raw.header_row, _column_map(raw)) for raw in book.sheets}


def _header_column(ws, header_row: int | None, name: str | None) -> int | None:
    """The 0-based column whose header cell reads `name` (after the importer's folding)."""
    if not header_row or not name:
        return None
    want = raw.normalise_header(name)
    for cell in ws[header_row]:
        if isinstance(cell.value, str) and raw.normalise_header(cell.value) == want:
            return cell.column - 1
    return None


def cell_of(error: dict, ws, where: tuple[int | None, dict[str, int]] | None) -> tuple[int, int, bool]:
    """(Excel row, 1-based column, is_header) of the cell an error is about."""
    header_row, columns = where or (None, {})
    column = error.get("column")
    col = columns.get(column) if column else None
    if col is None:
        col = _header_column(ws, header_row, column)
    row = error.get("row")
    if row is not None and not column:  # a row's error, no column (the 填报单位 row): its first cell
        return row, 1, row == header_row
    if row is None or col is None:
        row = row if (row is not None and col is not None) else (header_row or 1)
        return row, (col if col is not None else 0) + 1, True
    return row, col + 1, row == header_row


def annotate_workbook(data: bytes, errors: list[dict], file_name: str = "upload.xlsx",
                      warnings: list[dict] = ()) -> bytes:
    """The uploaded workbook with each error's cell filled red and commented, each warning's
    (a name that does not match its code) yellow, and a 错误清单 sheet listing both. openpyxl
    opens the whole untrusted file, every sheet and cell, so it runs in the sandbox's child like
    the importer's read (sandbox.WorkerFailed when it dies or runs out of its memory)."""
    return sandbox.run(_annotate_in_child, data, list(errors), file_name, list(warnings), read.Limits.current())


def _annotate_in_child(data: bytes, errors: list[dict], file_name: str, warnings: list[dict],
                       limits: read.Limits) -> bytes:
    try:
        book = read.read_untrusted(data, file_name, limits)  # already in the child: no second one
    except read.FileRefused:
        book = None
    where = _locate(book)
    wb = load_workbook(io.BytesIO(data))
    notes: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    spots: list[tuple[dict, str | None]] = []
    hinted: set[tuple[str, int, int]] = set()
    for e in [*errors, *({**w, "hint": True} for w in warnings)]:
        sheet = e.get("sheet")
        if not sheet or sheet not in wb.sheetnames:
            spots.append((e, None))
            continue
        ws = wb[sheet]
        row, col, is_header = cell_of(e, ws, where.get(sheet))
        text = e["message"] if not is_header or e.get("row") is None or not e.get("column") else \
            f"{e['column']}：{e['message']}"
        if is_header and e.get("column") and e.get("row") is not None and e["row"] != row:
            text = f"第{e['row']}行 {text}"
        notes[(sheet, row, col)].append(("提示：" if e.get("hint") else "") + text)
        if e.get("hint"):
            hinted.add((sheet, row, col))
        spots.append((e, f"'{sheet}'!{get_column_letter(col)}{row}"))
    for (sheet, row, col), texts in notes.items():
        cell = wb[sheet].cell(row=row, column=col)
        cell.fill = HEADER_FILL if (sheet, row, col) in hinted and len(texts) == 1 else ERROR_FILL
        body = "\n".join(dict.fromkeys(texts))
        comment = Comment(body, AUTHOR)
        comment.width, comment.height = 320, min(60 + 18 * body.count("\n") + len(body) // 2, 400)
        cell.comment = comment
    _error_list(wb, spots)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _error_list(wb, spots: list[tuple[dict, str | None]]) -> None:
    ws = wb.create_sheet(LIST_SHEET, 0)
    hints = sum(bool(e.get("hint")) for e, _ in spots)
    found = f"共 {len(spots) - hints} 处错误" + (f"、{hints} 处提示" if hints else "")
    ws.append([f"{found}：请改正标红的单元格（鼠标移到单元格上可看到原因）"
               + ("，黄色的提示请核对，无误可不改" if hints else "")
               + "，保存后重新上报即可。本工作表只供查看，上报时会被忽略，不必删除。"])
    ws["A1"].font = Font(bold=True, color="C00000")
    ws.append(["工作表", "行号", "列", "填写的内容", "错误原因", "位置"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for e, ref in spots:
        ws.append([e.get("sheet") or "（整个文件）", e.get("row"), e.get("column"), e.get("value"),
                   ("提示：" if e.get("hint") else "") + e["message"], "转到" if ref else None])
        if ref:
            link = ws.cell(row=ws.max_row, column=6)
            link.hyperlink = f"#{ref}"
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEF", (16, 6, 20, 24, 80, 6)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3, min_col=5, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# ------------------------------------------------------------------ before reading, and the tables
DEFAULT_UPLOAD_LIMIT_MB = 50
ACCEPTED_SUFFIXES = (".xlsx",)


def upload_limit_mb() -> float:
    """The largest file the 上报 page accepts (env DASHBOARD_UPLOAD_LIMIT_MB, default 50 MB; the
    importer's own limit of 200 MB uncompressed applies inside the file). Streamlit's
    server.maxUploadSize in .streamlit/config.toml is the same 50 MB, so the server turns a larger
    body away before holding it in memory: to raise the limit, raise both (the second with
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE)."""
    try:
        return float(os.environ.get("DASHBOARD_UPLOAD_LIMIT_MB") or DEFAULT_UPLOAD_LIMIT_MB)
    except ValueError:
        return DEFAULT_UPLOAD_LIMIT_MB


def upload_refusal(file_name: str, size: int) -> str | None:
    """Why a file is turned away before it is read (wrong type, too large), else None."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix == ".xlsm":
        return f"“{file_name}”是启用宏的工作簿（.xlsm），不予接受：请在 Excel 中另存为普通的 .xlsx 工作簿后再上传"
    if suffix == ".xls":
        return f"“{file_name}”是旧版 Excel 文件（.xls）：请在 Excel 中另存为 .xlsx 工作簿后再上传"
    if suffix not in ACCEPTED_SUFFIXES:
        shown = suffix or "无扩展名"
        return f"“{file_name}”不是 Excel 工作簿（{shown}）：只接受 .xlsx 文件，请用填报模板填写后上传"
    limit = upload_limit_mb()
    if size > limit * 1024 * 1024:
        return (f"“{file_name}”有 {size / 1024 / 1024:.2f} MB，超过 {limit:g} MB 的上限：请删去无关的工作表、"
                "图片，或按月份拆分后再上传")
    if size == 0:
        return f"“{file_name}”是空文件"
    return None


LAYOUT_TEXT = {"填报模板": "填报模板格式", "公示表": "抽检结果公示表", "抽检系统导出": "抽检系统导出（每行一个检验项目）"}


def sheet_rows(result) -> list[dict]:
    """One row per sheet of the workbook: as written, recognised as, layout, rows read; ignored
    sheets too (auxiliary template sheets said so)."""
    out = [{"工作表": s["sheet"], "识别为": s["as"], "格式": LAYOUT_TEXT.get(s["layout"], s["layout"]),
            "行数": str(s["rows"])} for s in result.sheets]
    out += [{"工作表": name, "识别为": "（模板的说明/参考页，不导入）" if name in AUX_SHEETS or name == LIST_SHEET
             else "（未识别，已忽略）", "格式": "", "行数": "—"} for name in result.ignored_sheets]
    return out


def change_rows(result) -> list[dict]:
    """One row per contract sheet: rows, new, replaced, unchanged records."""
    return [{"工作表": sheet, "行数": count, "新增记录": result.inserted.get(sheet, 0),
             "更新（替换）记录": result.replaced.get(sheet, 0), "未变": result.unchanged.get(sheet, 0)}
            for sheet, count in result.rows.items()]


def error_rows(errors: list[dict]) -> list[dict]:
    """Every error as a row of the error table: sheet, Excel row, column, value, reason."""
    return [{"工作表": e.get("sheet") or "（整个文件）", "行号": e.get("row"), "列": e.get("column") or "",
             "填写的内容": e.get("value") or "", "错误原因": e["message"]} for e in errors]


def checked_dry_run(engine, content: bytes, file_name: str, *, uploader: str, viewer) -> dict:
    """The 上报 page's dry run of one file: {"result", "annotated"} (the annotated copy when an
    error names a sheet), or {"failed": message} when reading fails in a way nobody foresaw — the
    clerk gets a sentence, never a traceback."""
    try:
        result = import_workbook(engine, content, uploader=uploader, dry_run=True, viewer=viewer,
                                 file_name=file_name)
    except Exception as exc:  # noqa: BLE001
        return {"failed": f"无法读取“{file_name}”（{type(exc).__name__}）：请在 Excel 中打开并另存为 .xlsx 后"
                          "重新上传；如仍不行，请把该文件发给管理员。"}
    try:
        annotated = annotate_workbook(content, result.errors, file_name, result.warnings) \
            if any(e["sheet"] for e in [*result.errors, *result.warnings]) else None
    except Exception:  # noqa: BLE001 — the error table is still shown
        annotated = None
    return {"result": result, "annotated": annotated}


def passed_text(result) -> str:
    """The headline of a dry run that passed: what would be added and replaced, per sheet."""
    moves = "，".join(f"{s} 新增 {result.inserted.get(s, 0)}、更新 {result.replaced.get(s, 0)}"
                      for s in result.rows if result.inserted.get(s) or result.replaced.get(s))
    return f"校验通过（试运行，尚未写入）：{moves or '没有新增或改变的记录'}。确认后才会写入。"
