"""The raw sheets of an uploaded workbook and the header and cell rules every layout shares.

A leaf of the importer: `read` (the contract's own template) and `published` (the published
sampling layouts, which `read` hands a sheet it does not recognise) both build RawSheets and compare
headers the same way; neither imports the other for it. The cells are as python-calamine gives them
back; typing them is `parse`'s job.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .schemas import SheetModel

HEADER_SEARCH_ROWS = 10  # a header is looked for in a sheet's first rows only
# A signature line under a table (填表人：张三　审核人：李四) or a note (备注：…, 注1：…, 填表说明：…):
# no record, whatever columns it fills.
FOOTER = re.compile(r"(?:填表人|填报人|制表人|审核人|审核|联系人|联系电话|负责人|单位负责人|统计人|填表日期"
                    r"|备注|填表说明|说明|注意事项|注\d*)[:：]")
TOTAL = re.compile(r"(?:合计|小计|总计)(?:[:：]|$)")  # 合计, 小计：2 …

_BLANKS = re.compile(r"\s+")
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


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
    # The text cells of the rows above the header (title, 填报单位/填报日期), by Excel row: where a
    # sheet whose rows belong to a unit (工作任务) names that unit.
    above: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    """The recognised sheets of a workbook and the names of the others."""
    sheets: list[RawSheet]
    ignored: list[str]


# ------------------------------------------------------------------ headers
def fold(text: str) -> str:
    """NFKC (full-width → half-width, U+3000 → space) and every blank removed."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text))


def normalise_header(value: Any) -> str:
    """A header cell as compared: folded, without a trailing `*` or unit suffix `（元）`."""
    text = fold(str(value)).strip("*")
    text = _UNIT_SUFFIX.sub("", text).strip("*")
    return text.casefold()


def header_unit(value: Any) -> str | None:
    """The unit a header names in its trailing bracket (`罚没金额（万元）` → 万元; also written
    `（万）`, `（单位：元）`, `（人民币元）`, `（万元人民币）`); None for no bracket or a bracket that
    names no money (`任务来源（项目名称）`). A bracket naming money in a unit not listed comes back as
    written (`千元`, `美元`), for the caller to refuse."""
    found = _UNIT_SUFFIX.search(fold(str(value)).strip("*"))
    text = found.group(0)[1:-1] if found else ""
    text = re.sub(r"^单位[:：]?|人民币", "", text)
    text = "万元" if text == "万" else text
    return text if "元" in text else None


def header_forms(value: Any) -> set[str]:
    """Both the header with and without its bracketed suffix, so `任务来源（项目名称）` still matches."""
    kept = fold(str(value)).strip("*").casefold()
    return {kept, normalise_header(value)}


# ------------------------------------------------------------------ cells and rows
def is_blank(value: Any) -> bool:
    """An empty cell: None or only blanks."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_total_row(cells: list[Any]) -> bool:
    """A 合计/小计/总计 row: its first non-empty cell is one of those words."""
    first = next((c for c in cells if not is_blank(c)), None)
    return isinstance(first, str) and is_total_or_footer(fold(first))


def is_total_or_footer(folded: str) -> bool:
    """A folded first cell that opens a 合计 row (TOTAL) or a signature line or note (FOOTER)."""
    return TOTAL.match(folded) is not None or FOOTER.match(folded) is not None
