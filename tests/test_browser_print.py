"""The printed meeting sheet: the overview printed by Chromium (print media, A4 landscape) is at
most three pages (two before the campaign's work targets), readable at arm's length (body text ≥ 12 px = 9 pt, figures larger) and carries the
exception lists and the since-last-meeting comparison.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true).
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.pages_support import (ARGS, CHROMIUM, READY, SHOTS, SignedInBrowser,  # noqa: F401
                                  free_port, playwright_or_skip, serve)

pytestmark = pytest.mark.browser

SHEET = "?unit=DT&window=phase2&as_of=2023-08-31&since=2023-07-31"

# (selector, smallest computed font size in px under print media); 12 px = 9 pt
SIZES = [(".fig-card .t", 14), (".fig-card .v", 20), (".fig-card .s", 12), (".exc-card .t", 12),
         (".exc-card .n", 20), (".matrix td", 12), (".print-sheet td", 12), (".print-sheet th", 12),
         ('[data-testid="stCaptionContainer"]', 12)]


@pytest.fixture(scope="module")
def printed(sample_county_url, tmp_path_factory):  # noqa: F811
    sync_playwright = playwright_or_skip()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    tmp = tmp_path_factory.mktemp("print")
    port = free_port()
    proc = serve(sample_county_url, port, tmp / "server.log")
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = SignedInBrowser(b, sample_county_url).new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/{SHEET}")
            page.wait_for_selector(READY, timeout=90_000)
            page.wait_for_timeout(800)  # a rerun triggered by the query-param sync
            page.wait_for_selector(READY, timeout=90_000)
            page.emulate_media(media="print")
            sizes = {sel: page.evaluate(
                """s => Array.from(document.querySelectorAll(s)).filter(e => e.getClientRects().length)
                       .map(e => parseFloat(getComputedStyle(e).fontSize))""", sel) for sel, _ in SIZES}
            pdf = tmp / "overview.pdf"
            page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    if shutil.which("pdftoppm"):  # the pages as PNG, for a human to look at
        SHOTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(SHOTS / "overview_print")],
                       check=True, timeout=60)
    return {"sizes": sizes, "text": text, "pages": text.count("\f") + (not text.endswith("\f"))}


def test_the_meeting_sheet_is_three_pages_at_most(printed):
    # thirteen targets (the nine of 工作目标 and four of the campaign's work): the cards, the units ×
    # targets matrix whole on its own page (13 × 12 cells with n/d at 12 px), then the lists
    assert printed["pages"] <= 3


def test_the_meeting_sheet_is_readable_at_arms_length(printed):
    for sel, least in SIZES:
        found = printed["sizes"][sel]
        assert found, f"{sel} is not printed"
        assert min(found) >= least, (sel, min(found))


def test_the_meeting_sheet_carries_the_exceptions_and_the_comparison(printed):
    text = re.sub(r"[ \t]+", " ", printed["text"])
    # the thirteen figures and the units' matrix (figures of the engine, see test_pages)
    assert "十三项工作目标" in text and "各下级单位完成情况" in text
    # the overdue list: 7 problems at 2023-08-31, the longest 81 days (梁垛分局, 产品标签标识不规范)
    assert "逾期未整改问题（共 7 项，逾期最久的在前）" in text
    assert re.search(r"产品标签标识不规范 81 未整改（已超期）", text)
    # the comparison with the meeting of 2023-07-31, falls first: 时堰分局 整改率 100.0% → 80.0%
    assert "与上次会议（2023-07-31）相比：下降 11 项" in text
    first = text.index("时堰分局 检查问题整改率")
    assert "-20.0" in text[first:first + 120]
    assert "进度落后的下级单位" in text and "尚未上报的单位" in text
