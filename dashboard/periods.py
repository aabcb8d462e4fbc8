"""Months and reporting windows: every date helper of the campaign's calendar, once.

A month is keyed 'YYYY-MM' (month_key) and shown 2023年5月 (month_label); a Window is a span of
whole days with its label (a month, a phase, the whole campaign: dashboard.campaign makes the last
two). A leaf: it imports nothing of the project.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    """A reporting window of whole days [start_date, end_date]."""
    start_date: date
    end_date: date
    label: str

    def as_of(self, today: date | None = None) -> date:
        """The window's end, or today while the window is still running."""
        today = today or date.today()
        return min(self.end_date, today) if self.start_date <= today else self.end_date


# ------------------------------------------------------------------ month keys
def month_key(on: date) -> str:
    """'2023-05' for any day of May 2023."""
    return f"{on.year}-{on.month:02d}"


def month_label(key: str) -> str:
    """'2023-05' → '2023年5月'."""
    year, mon = key.split("-")
    return f"{year}年{int(mon)}月"


def month_keys(start: date, end: date) -> list[str]:
    """'YYYY-MM' of every month from start's to end's, in order (none when end is before start's
    month); month_window makes each a Window."""
    out, month = [], month_start(start)
    while month <= end:
        out.append(month_key(month))
        month = next_month(month)
    return out


def month_window(key: str) -> Window:
    """'2023-05' → the whole month, labelled 2023年5月."""
    first = date(*(int(x) for x in key.split("-")), 1)
    return Window(first, next_month(first) - timedelta(days=1), month_label(key))


def month_of(on: date) -> Window:
    """The whole calendar month a date falls in."""
    return month_window(month_key(on))


# ------------------------------------------------------------------ month dates
def month_start(day: date) -> date:
    """The first day of day's month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after month's."""
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def month_bounds(month: date) -> tuple[date, date, date]:
    """(first day, last day, first day of the next month) of month (a first day)."""
    nxt = next_month(month)
    return month, nxt - timedelta(days=1), nxt


def day_of_next_month(key: str, day: int) -> date:
    """The `day`-th of the month after '2023-05' (the month's last day when it is shorter)."""
    nxt = next_month(month_window(key).start_date)
    return nxt.replace(day=min(day, calendar.monthrange(nxt.year, nxt.month)[1]))


def whole_months(from_date: date, to_date: date) -> dict:
    """The span of calendar months wholly inside [from_date, to_date], which month rollups answer:
    whole_from_date is the first day of the first such month, whole_to_date the last day of the
    last. The partial months at the edges are [from_date, whole_from_date) and (whole_to_date,
    to_date]. Without a whole month, the head edge is the whole window and the tail is empty."""
    first = from_date if from_date.day == 1 else next_month(month_start(from_date))
    after = to_date + timedelta(days=1)
    last = after - timedelta(days=1) if after.day == 1 else month_start(after) - timedelta(days=1)
    if first > last:
        return {"whole_from_date": after, "whole_to_date": to_date}
    return {"whole_from_date": first, "whole_to_date": last}
