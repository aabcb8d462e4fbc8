"""Months, windows and the one percent rule (dashboard.periods, dashboard.labels.percent_text), with
values worked out by hand; and that no other module defines a month helper or formats a percent
its own way again."""
from __future__ import annotations

import ast
from datetime import date
from fractions import Fraction
from pathlib import Path

from dashboard.exports.xlsx import truncated_percent
from dashboard.figures.pace import Pace
from dashboard.figures.reporting import due_date
from dashboard.labels import percent_text, tenths
from dashboard.periods import (Window, day_of_next_month, month_bounds, month_key, month_keys, month_label,
                               month_of, month_start, month_window, next_month, whole_months)

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ months
def test_month_keys_labels_and_windows():
    assert month_key(date(2023, 5, 31)) == "2023-05" and month_label("2023-05") == "2023年5月"
    assert month_keys(date(2023, 11, 15), date(2024, 2, 1)) == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_keys(date(2023, 5, 10), date(2023, 5, 1)) == ["2023-05"]  # the end's month is the start's
    assert month_keys(date(2023, 5, 10), date(2023, 4, 30)) == []
    assert month_window("2024-02") == Window(date(2024, 2, 1), date(2024, 2, 29), "2024年2月")
    assert month_window("2023-12") == Window(date(2023, 12, 1), date(2023, 12, 31), "2023年12月")
    assert month_of(date(2023, 2, 14)) == Window(date(2023, 2, 1), date(2023, 2, 28), "2023年2月")


def test_month_dates():
    assert month_start(date(2023, 7, 19)) == date(2023, 7, 1)
    assert next_month(date(2023, 12, 1)) == date(2024, 1, 1) and next_month(date(2023, 1, 1)) == date(2023, 2, 1)
    assert month_bounds(date(2024, 2, 1)) == (date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 1))
    assert day_of_next_month("2023-01", 31) == date(2023, 2, 28)  # the next month is shorter
    assert day_of_next_month("2023-12", 5) == date(2024, 1, 5) == due_date("2023-12", 5)


def test_whole_months_of_a_window():
    assert whole_months(date(2023, 5, 1), date(2023, 8, 31)) == {
        "whole_from_date": date(2023, 5, 1), "whole_to_date": date(2023, 8, 31)}
    assert whole_months(date(2023, 5, 10), date(2023, 8, 20)) == {
        "whole_from_date": date(2023, 6, 1), "whole_to_date": date(2023, 7, 31)}
    # no whole month: the head edge is the whole window, the tail is empty
    assert whole_months(date(2023, 5, 10), date(2023, 6, 20)) == {
        "whole_from_date": date(2023, 6, 21), "whole_to_date": date(2023, 6, 20)}


# ------------------------------------------------------------------ one percent rule
def test_percent_text_rounds_down_and_says_no_data_for_nothing():
    assert percent_text(9996, 10000) == "99.9%"  # never 100.0% short of all
    assert percent_text(98, 99) == "98.9%" and percent_text(989, 1000) == "98.9%"
    assert percent_text(2, 3) == "66.6%" and percent_text(1, 3) == "33.3%"
    assert percent_text(5, 5) == "100.0%" and percent_text(0, 7) == "0.0%"
    assert percent_text(1, 1001) == "0.0%"
    assert percent_text(0, 0) == "无数据" and percent_text(None) == "无数据"
    assert percent_text(Fraction(2, 3)) == "66.6%" and percent_text(Fraction(29, 100)) == "29.0%"
    assert percent_text(0.875) == "87.5%"
    assert tenths(9996, 10000) == 999 and tenths(Fraction(9996, 10000)) == 999


def test_every_percent_follows_the_rule():
    """The trajectory and the forecast, the workbook's numbers: the same rule as the figures."""
    pace = Pace("DT01", "城区分局", "t", "指标", 2, 3, 0.99, date(2023, 6, 30), expected=2 / 3,
                projected=float(Fraction(9996, 10000)), is_behind=True, will_meet=True)
    assert (pace.percent_text, pace.expected_text, pace.projected_text) == ("66.6%", "66.6%", "99.9%")
    none = Pace("DT01", "城区分局", "t", "指标", 0, 0, 0.99, date(2023, 6, 30), expected=0.0,
                projected=None, is_behind=None, will_meet=None)
    assert (none.percent_text, none.expected_text, none.projected_text) == ("无数据", "0.0%", "无数据")
    assert truncated_percent(2, 3) == 0.666 and truncated_percent(9996, 10000) == 0.999
    assert truncated_percent(0, 0) is None


# ------------------------------------------------------------------ once
PERIOD_HELPERS = {"month_key", "month_label", "month_keys", "months_between", "month_window", "month_of",
                  "month_start", "next_month", "month_bounds", "whole_months", "day_of_next_month"}


def test_month_helpers_and_percent_formatting_live_in_one_place():
    found = []
    for path in sorted([*(ROOT / "dashboard").rglob("*.py"), ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in PERIOD_HELPERS and rel != "dashboard/periods.py":
                found.append(f"{rel}:{node.lineno}: def {node.name} (dashboard.periods has it)")
            if isinstance(node, ast.FunctionDef) and node.name in ("percent", "percent_text") \
                    and rel != "dashboard/labels.py" and not node.decorator_list:
                found.append(f"{rel}:{node.lineno}: def {node.name} (dashboard.labels.percent_text)")
            if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
                spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
                if spec.endswith("%"):  # f"{x:.1%}" rounds half up: not the figures' rule
                    found.append(f"{rel}:{node.lineno}: a '%' format spec (dashboard.labels.percent_text)")
            if isinstance(node, ast.JoinedStr):  # f"{x * 100:.1f}%": the same, by hand
                for value, after in zip(node.values, node.values[1:]):
                    if isinstance(value, ast.FormattedValue) and value.format_spec is not None \
                            and isinstance(after, ast.Constant) and str(after.value).startswith("%"):
                        found.append(f"{rel}:{node.lineno}: a number formatted before '%' (dashboard.labels.percent_text)")
    assert not found, "\n".join(found)
