"""The printed meeting sheet: the overview printed by Chromium (print media, A4 landscape) is ONE
page (dashboard.ui.meeting_sheet): the exceptions first, every target's figure with its n/总数 and
status, the units below × targets, the units not reported, read at a meeting table (body text
≥ 11 px = 8.25 pt, the strip's counts larger). Printed twice: the phase-2 meeting of 2023-08-31
(compared with 2023-07-31), and 2023-10-03, when 唐洋分局 has not reported for October.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true).
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from dashboard.campaign import load_campaign
from tests.pages_support import (ARGS, CHROMIUM, READY, SHOTS, SignedInBrowser,  # noqa: F401
                                  free_port, playwright_or_skip, serve)

pytestmark = pytest.mark.browser

SHEETS = {"august": "?unit=DT&window=phase2&as_of=2023-08-31&since=2023-07-31",
          "october": "?unit=DT&window=phase3&as_of=2023-10-03",
          # not a meeting sheet: 分局看板 printed as its page shows, the monthly trends on a page of their own
          "sub_bureau": "sub_bureau?unit=DT03&window=campaign&as_of=2023-11-30",
          # a page of lists: each data grid prints as its wrapping table (widgets.print_twin)
          "rectification": "rectification?unit=DT&window=campaign&as_of=2023-11-30",
          "history": "history"}
MEETING_SHEETS = ["august", "october"]
GRIDS = {"rectification": 4, "history": 1}  # data grids each list page draws (waited for: they load their script lazily)

# (selector, smallest computed font size in px under print media); 11 px = 8.25 pt
SIZES = [(".meeting-sheet h3", 18), (".meeting-sheet h5", 12), (".meeting-sheet .exc-card .n", 16),
         (".meeting-sheet .exc-card .t", 11), (".meeting-sheet .ms-fig td", 11), (".meeting-sheet .ms-fig th", 11),
         (".meeting-sheet .ms-list td", 11), (".meeting-sheet p", 11)]


@pytest.fixture(scope="module")
def printed(sample_county_url, tmp_path_factory):  # noqa: F811
    """{sheet: {sizes, text (pdftotext -layout), pages}} for each of SHEETS, one server."""
    sync_playwright = playwright_or_skip()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    tmp = tmp_path_factory.mktemp("print")
    port = free_port()
    proc = serve(sample_county_url, port, tmp / "server.log")
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            signed_in = SignedInBrowser(b, sample_county_url)
            out = {name: _print(signed_in, f"http://127.0.0.1:{port}/{query}", tmp / f"{name}.pdf", GRIDS.get(name, 0))
                   for name, query in SHEETS.items()}
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return out


def _print(signed_in, url: str, pdf, grids: int = 0) -> dict:
    """The overview at `url` printed to `pdf`: computed font sizes, the PDF's text and page count.
    `grids`: the data grids the page draws, waited for (under load a grid's script arrives after the
    run is over, and counting them at once found none)."""
    page = signed_in.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(800)  # a rerun triggered by the query-param sync
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_function("n => document.querySelectorAll('[data-testid=stDataFrame]').length >= n",
                           arg=grids, timeout=90_000)
    shown = page.evaluate("""() => [".print-only", '[data-testid="stDataFrame"]'].map(
        s => Array.from(document.querySelectorAll(s)).filter(e => e.getClientRects().length).length)""")
    page.emulate_media(media="print")
    grids = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
                                    .filter(e => e.getClientRects().length).length""")
    sizes = {sel: page.evaluate(
        """s => Array.from(document.querySelectorAll(s)).filter(e => e.getClientRects().length)
               .map(e => parseFloat(getComputedStyle(e).fontSize))""", sel) for sel, _ in SIZES}
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    page.context.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    if shutil.which("pdftoppm"):  # the page as PNG, for a human to look at
        SHOTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(SHOTS / f"overview_print_{pdf.stem}")],
                       check=True, timeout=60)
    return {"sizes": sizes, "text": text, "pages": text.rstrip("\f").count("\f") + 1,
            "screen": {"twins": shown[0], "grids": shown[1]}, "print_grids": grids}


@pytest.mark.parametrize("sheet", MEETING_SHEETS)
def test_the_meeting_sheet_is_one_page(printed, sheet):
    assert printed[sheet]["pages"] == 1


@pytest.mark.parametrize("sheet", MEETING_SHEETS)
def test_the_meeting_sheet_carries_every_target_by_name(printed, sheet):
    # the thirteen targets of the campaign file, each name whole on its line with its own figure
    names = [t.name for t in load_campaign().targets]
    assert len(names) == 13
    for name in names:
        assert name in printed[sheet]["text"], name


def test_the_meeting_sheet_is_readable_at_a_meeting_table(printed):
    for sel, least in SIZES:
        found = printed["august"]["sizes"][sel]
        assert found, f"{sel} is not printed"
        assert min(found) >= least, (sel, min(found))


def test_the_meeting_sheet_carries_the_exceptions_and_the_comparison(printed):
    text = re.sub(r"[ \t]+", " ", printed["august"]["text"])
    # the county's own figures with n/总数 and status (figures of the engine, see test_pages)
    assert "98.8% 未达标" in text and "172/174，还差 2" in text
    assert "99.0% 达标" in text and "850/858" in text
    # the overdue list: 7 problems at 2023-08-31, the longest 81 days (梁垛分局, 产品标签标识不规范)
    assert "逾期未整改问题（共 7 件，列出逾期最久的 5 件）" in text
    assert re.search(r"梁垛分局 东台市梁垛镇润泰肉制… 产品标签标识不规范 81", text)
    # the comparison with the meeting of 2023-07-31, falls first: 时堰分局 整改率 100.0% → 80.0%
    assert "与上次会议（2023-07-31）相比：下降 11 项，上升 66 项，持平" in text
    first = text.index("时堰分局 检查问题整改率")
    assert "-20.0" in text[first:first + 60]
    assert "进度落后的下级单位（12 个）：梁垛分局 7 项、南沈灶分局 7 项" in text
    assert "2023-04-30前未报细化措施的单位（2 个）：三仓分局、头灶分局" in text


def test_the_meeting_sheet_names_the_units_not_reported(printed):
    # 2023-10-03: 唐洋分局 sent no October report and has no record dated in October (test_records);
    # named after the title (not only as a column of the matrix), on 2023-08-31 none
    assert "2023年10月尚未上报的单位（1 个）：唐洋分局" in printed["october"]["text"]
    assert "2023年8月尚未上报的单位（0 个）：各单位均已上报" in printed["august"]["text"]


def test_the_sub_bureau_trends_print_whole_on_one_page_with_their_heading(printed):
    """The thirteen monthly panels are taller than what is left under the cards: before, the
    heading ended page 1 and the last row of panels was cut across pages 2 and 3."""
    pages = printed["sub_bureau"]["text"].split("\f")
    names = [t.name for t in load_campaign().targets]
    where = [i for i, page in enumerate(pages) if "各指标逐月走势" in page]
    assert len(where) == 1 and where[0] > 0  # after the cards' page
    trend = re.sub(r"\s+", "", pages[where[0]])
    assert names[0] in trend and names[-1] in trend  # the first panel and the last, whole
    assert all(names[-1] not in re.sub(r"\s+", "", p) for p in pages[where[0] + 1:])


def test_the_sub_bureau_problems_heading_prints_with_its_table(printed):
    """The heading of 未整改问题 does not end a page under other content, its table (a canvas,
    without text in the PDF) carried over to the next: it opens the page it is on, or has its table
    under it."""
    pages = [page.strip() for page in printed["sub_bureau"]["text"].split("\f")]
    found = [page for page in pages if "未整改问题" in page]
    assert len(found) == 1
    ends_the_page = re.search(r"未整改问题（\d+ 件，其中逾期 \d+ 件）$", found[0]) is not None
    assert not ends_the_page or found[0].startswith("未整改问题")


def test_a_list_prints_every_column_and_its_true_count(printed):
    """问题整改's grids (canvases, cut at the page's right edge when printed) print as tables of
    every column, wrapping; the 问题清单 of 630 problems as its first 100 rows and the true count
    (the page's own heading's). On screen the grids show and the tables for paper do not."""
    got = printed["rectification"]
    assert got["screen"]["twins"] == 0 and got["screen"]["grids"] >= 4
    assert got["print_grids"] == 0
    text = re.sub(r"[ \t]+", " ", got["text"])
    total = re.search(r"问题清单（(\d+) 件", text)
    assert total and f"打印件列出前 100 行（共 {total.group(1)} 行）" in text
    # the list's last columns (past the width a grid shows) and a row of the 60 finished late
    assert "上报人 上报时间" in text and "超期完成天数" in text
    assert re.search(r"城区分局 东台市和鸿食品有限公司 ZGDT01-2023-0010 风险排查 2023-04-04 2023-04-29 25", text)


def test_the_upload_history_prints_every_column(printed):
    """上报记录 (a page without the shared controls) carries the page CSS too: its grids (the
    batches, the chosen batch's records) print as wrapping tables, the last column (状态) included,
    and only on paper."""
    got = printed["history"]
    assert got["screen"]["twins"] == 0 and got["screen"]["grids"] >= 1 and got["print_grids"] == 0
    text = re.sub(r"[ \t]+", " ", got["text"])
    # the headers only the tables for paper carry as text (a grid is a canvas)
    assert "批次 上报文件 单位 数据月份 上报人 上报时间 各表行数 新增/" in text
    assert "工作表 记录 操作 上报前的内容" in text
