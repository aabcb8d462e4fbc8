"""Golden tests of the stage-summary exports on the sample county (SQLite): every cell of the
workbook and every paragraph and table cell of the briefing equal the checked-in files of
tests/golden/, so a change of any figure or any sentence is seen in review.

The golden files are never rewritten by a test: run `python -m tests.regen_golden` on purpose.
"""
from __future__ import annotations

import difflib
import json

import pytest

from dashboard.db import get_engine
from tests.regen_golden import CASES, build_case, dump, extract, golden_path

REGEN = "python -m tests.regen_golden"


@pytest.fixture(scope="module")
def summaries(sample_county_url):
    engine = get_engine(sample_county_url)
    return {name: build_case(engine, name) for name in CASES}


def _compare(actual, path):
    assert path.exists(), f"缺少金标准文件 {path.name}：运行 {REGEN} 生成后提交"
    expected = json.loads(path.read_text(encoding="utf-8"))
    if actual != expected:
        diff = "\n".join(list(difflib.unified_diff(dump(expected).splitlines(), dump(actual).splitlines(),
                                                   "golden", "now", lineterm="", n=1))[:80])
        pytest.fail(f"{path.name} 与导出结果不一致（确属有意修改时运行 {REGEN}）：\n{diff}")


@pytest.mark.parametrize("name", list(CASES))
def test_workbook_cells_equal_the_golden_file(summaries, name):
    _compare(extract(summaries[name], "xlsx"), golden_path(name, "xlsx"))


@pytest.mark.parametrize("name", list(CASES))
def test_briefing_paragraphs_and_tables_equal_the_golden_file(summaries, name):
    _compare(extract(summaries[name], "docx"), golden_path(name, "docx"))


def test_golden_files_hold_the_frozen_times(summaries):
    cover = json.loads(golden_path("county_phase2", "xlsx").read_text(encoding="utf-8"))["封面"]
    values = [v for row in cover for v in row]
    assert "2023-09-01 09:30:00" in values and "2023-08-31" in values
