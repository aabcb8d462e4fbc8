"""The golden files of the stage-summary exports: what the workbook's cells and the briefing's
paragraphs and table cells must be for the sample county (tests/golden/*.json).

They are only ever rewritten by running this script on purpose:

    python -m tests.regen_golden            (or: python tests/regen_golden.py)
    python -m tests.regen_golden --db URL   (reuse an existing sample-county database)

so that any change of a figure or a sentence shows up in review as a diff of these files. The
generated time and the as-of date are frozen (FROZEN_AT, each case's as_of).
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.demo import build_demo
from dashboard.exports import build_summary, render

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
FROZEN_AT = datetime(2023, 9, 1, 9, 30)

# name → build_summary arguments (as_of frozen)
CASES = {
    "county_phase2": {"phase": 2, "unit": None, "as_of": date(2023, 8, 31)},
    "anfeng_2023-07": {"month": "2023-07", "unit": "DT03", "as_of": date(2023, 7, 31)},
}


def build_case(engine, name: str, viewer=None):
    """The StageSummary of a golden case on a sample-county database (system viewer by default)."""
    conf = load_campaign()
    viewer = viewer or system_viewer(engine, conf.root.code)
    return build_summary(engine, conf, viewer, generated_at=FROZEN_AT, **CASES[name])


def _plain(value):
    if isinstance(value, datetime):  # openpyxl reads every date cell as a datetime
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def xlsx_cells(data: bytes) -> dict[str, list[list]]:
    """Every sheet's cell values as read by openpyxl (dates as ISO text, trailing empties dropped)."""
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = [_plain(v) for v in row]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        out[ws.title] = rows
    return out


def docx_content(data: bytes) -> dict[str, list]:
    """The briefing's paragraphs (style and text, in order) and every table's cell texts."""
    doc = Document(io.BytesIO(data))
    return {"paragraphs": [[p.style.name, p.text] for p in doc.paragraphs],
            "tables": [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]}


def golden_path(name: str, fmt: str) -> Path:
    """tests/golden/<case>.<fmt>.json."""
    return GOLDEN_DIR / f"{name}.{fmt}.json"


def extract(summary, fmt: str):
    """The golden content of one format of a summary."""
    data = render(summary, fmt)
    return xlsx_cells(data) if fmt == "xlsx" else docx_content(data)


def dump(obj) -> str:
    """The JSON text of a golden file (stable, readable diffs)."""
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def main(argv=None) -> int:
    """Rebuild every golden file (building the sample county in a temp folder unless --db is given)."""
    parser = argparse.ArgumentParser(description="重新生成阶段性总结导出的金标准文件（tests/golden）")
    parser.add_argument("--db", help="已建好的示例县数据库 URL（默认：临时建库）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'county.sqlite'}"
        engine = get_engine(url)
        if not args.db:
            build_demo(engine, load_campaign())
        GOLDEN_DIR.mkdir(exist_ok=True)
        for name in CASES:
            summary = build_case(engine, name)
            for fmt in ("xlsx", "docx"):
                path = golden_path(name, fmt)
                path.write_text(dump(extract(summary, fmt)), encoding="utf-8")
                print(f"写入 {path.relative_to(ROOT)}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
