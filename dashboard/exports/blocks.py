"""The blocks a briefing is made of (headings, paragraphs, tables, charts) and the two small
Chinese text helpers the sections share: what dashboard.exports.narrative and
dashboard.exports.work_summary write and the Word writer (docx) and the 导出 page lay out. A leaf, so
the sections can use it without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field

CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Heading:
    """A heading: level 0 the title, 1 一、… (黑体), 2 （一）… (楷体)."""
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A body paragraph; `lead` is a run-in heading in front of it (（一）…。 in 楷体), `align`
    left/center/right, `indent` whether the first line is indented two characters."""
    text: str
    lead: str = ""
    align: str = "justify"
    indent: bool = True
    style: str = "body"  # body | subtitle | note | signature


@dataclass(frozen=True)
class Table:
    """A table with its caption (表1 …), header row and rows of text; `status_col` is the index of
    the 结果 column whose 未达标 cells are shaded; `font_size` in points."""
    caption: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative widths
    status_col: int | None = None
    font_size: float = 10.5
    left_cols: tuple[int, ...] = ()  # columns of names and descriptions, aligned left
    note: str = ""  # a line under the table (e.g. 尚无评比记录（无数据）)
    stacked: bool = False  # a cell "66.6%（4/6）" prints on two lines, the figure over its n of d


@dataclass(frozen=True)
class Chart:
    """A chart of dashboard.altair_charts (by key, see exports.chart_images) with its caption (图1 …)."""
    key: str
    caption: str


def cn(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一, 20 → 二十, 21 → 二十一 … 99 (a briefing's numbered items pass ten)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return CN_NUMBERS[ones - 1]
    return (CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def join(items: list[str], last: str = "和") -> str:
    """A、B和C."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + last + items[-1]
