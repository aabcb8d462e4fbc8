"""Write monthly workbooks the way county clerks lay them out: a title row, a 填报单位/填报日期 row,
the header, the rows, and optionally a 合计 row. Used by the sample county, the tests and templates.

A cell value may be a str, int, float, bool, date or datetime (written as a real Excel date), or
None (left blank). `Formula("=...", cached)` writes a formula with or without a cached value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

import xlsxwriter

CREATED = datetime(2023, 1, 1)


@dataclass
class Formula:
    """A formula cell, with or without a cached value."""
    formula: str
    cached: Any = None  # None: no cached value (as in a workbook never opened in Excel)


@dataclass
class SheetData:
    """One sheet to write: headers, rows and the clerk-style decoration above and below."""
    headers: list[str]
    rows: list[list[Any]]
    name: str = ""
    title: str | None = None
    unit_name: str | None = None
    report_date: date | None = None
    total_row: bool = False  # a trailing 合计 row, as clerks add
    extra_rows_above: list[list[Any]] = field(default_factory=list)


def write_workbook(target: str | BinaryIO, sheets: list[SheetData]) -> None:
    """Write the sheets to a path or a binary file object."""
    wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False,
                                      "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"created": CREATED})  # fixed, so the same content gives the same bytes
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    fmt_title = wb.add_format({"bold": True, "font_size": 14})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        r = 0
        if sheet.title:
            ws.merge_range(0, 0, 0, max(len(sheet.headers) - 1, 1), sheet.title, fmt_title)
            r += 1
        if sheet.unit_name or sheet.report_date:
            ws.write_string(r, 0, f"填报单位：{sheet.unit_name or ''}")
            if sheet.report_date:
                ws.write_string(r, max(len(sheet.headers) - 2, 1), f"填报日期：{sheet.report_date:%Y年%m月%d日}")
            r += 1
        for extra in sheet.extra_rows_above:
            _write_row(ws, r, extra, fmt_date)
            r += 1
        _write_row(ws, r, sheet.headers, fmt_date)
        r += 1
        for row in sheet.rows:
            _write_row(ws, r, row, fmt_date)
            r += 1
        if sheet.total_row and sheet.rows:
            ws.write_string(r, 0, "合计")
            ws.write_number(r, 1, len(sheet.rows))
        ws.set_column(0, len(sheet.headers), 16)
    wb.close()


def _write_row(ws, r: int, values: list[Any], fmt_date) -> None:
    for c, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, Formula):
            ws.write_formula(r, c, v.formula, None, "" if v.cached is None else v.cached)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v)
        elif isinstance(v, (datetime, date)):
            ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime(v.year, v.month, v.day),
                              fmt_date)
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v)
        else:
            ws.write_string(r, c, str(v))
