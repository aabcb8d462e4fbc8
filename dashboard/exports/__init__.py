"""Stage summaries (实施方案 五（四）): one StageSummary per window and unit, written as an Excel
workbook, a Word briefing and a PDF of the briefing.

`build_summary` gathers every figure once; `render(summary, fmt)` turns it into the bytes of one
format. The pages, the command line and the tests all go through these two functions.
"""
from __future__ import annotations

from .render import FORMATS, MIME_TYPES, file_name, render  # noqa: F401
from .summary import StageSummary, build_summary  # noqa: F401
