"""The app in a real browser: Debian's Chromium driven by Playwright opens every page of a freshly
served app, fails on any Streamlit exception box, and saves screenshots under screenshots/
(git-ignored) for a human to look at. Also proves that a page URL asked for first on a fresh
server goes through the router (st.navigation), not Streamlit's legacy pages/ routing.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true) where that
is a failure.
"""
from __future__ import annotations

import re

import pytest

from tests.pages_support import (ARGS, CHROMIUM, SHOTS, SignedInBrowser, free_port, full_height,
                                 playwright_or_skip, serve, settle)

pytestmark = pytest.mark.browser  # a real Chromium


# (screenshot name, URL path and query, text that must be on the page)
PAGES = [
    ("overview", "", "十三项工作目标"),
    ("overview_unit", "?unit=DT03&window=phase2&as_of=2023-08-31&since=2023-07-31", "与上次会议"),
    ("sub_bureau_pick", "sub_bureau", "请选择一个分局"),
    ("sub_bureau", "sub_bureau?unit=DT03", "还缺哪些"),
    ("phases", "phases", "分阶段对比"),
    ("tasks", "tasks?as_of=2023-08-31", "行动工作任务"),
    ("enterprise_search", "enterprise?q=肉", "找到"),
    ("sampling", "sampling", "按检验项目类别"),
    ("sampling_month", "sampling?window=2023-06&unit=DT05", "不合格批次"),
    ("rectification", "rectification", "问题清单"),
    ("enforcement", "enforcement", "案件清单"),
    ("stars", "stars", "示范企业"),
]




@pytest.fixture(scope="module")
def browser(sample_county_url):
    """Chromium, each new page signed in as the leadership's demo account (session cookie)."""
    sync_playwright = playwright_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield SignedInBrowser(b, sample_county_url)
        b.close()


class Server(str):
    """The served app's base URL; `fresh` until a test has asked it for a page."""
    fresh = True


@pytest.fixture(scope="module")
def app_server(sample_county_url, tmp_path_factory):
    port = free_port()
    proc = serve(sample_county_url, port, tmp_path_factory.mktemp("streamlit") / "server.log")
    yield Server(f"http://127.0.0.1:{port}")
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def server(app_server):
    """The module's server, no longer fresh once a test has used it."""
    app_server.fresh = False
    return app_server


def _assert_clean(page, name: str, *, routed: bool = True) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, f"{name}: Streamlit exception: {boxes.first.inner_text()[:1500]}"
    body = page.locator('[data-testid="stMain"]').inner_text()
    if routed:
        assert page.get_by_text("Page not found").count() == 0, f"{name}: router answered 'page not found'"
    for key in ("unit_code", "credit_code", "unit_name", "percent_text", "nd_text", "None"):
        assert key not in body, f"{name}: raw key {key!r} shown on the page"


def test_fresh_server_page_url_first_goes_through_the_router(browser, app_server, sample_county_url,
                                                             tmp_path_factory):
    """A new server whose very first request is a page URL shows the router's navigation and that
    page (legacy pages/ routing would run the file alone: no navigation, no shared controls), and
    no "Page not found" notice: with no pages/ folder the legacy router never engages."""
    proc = None
    base = str(app_server)
    if not app_server.fresh:  # another test asked first (e.g. a different order): start a new one
        port = free_port()
        proc = serve(sample_county_url, port, tmp_path_factory.mktemp("fresh") / "server.log")
        base = f"http://127.0.0.1:{port}"
    app_server.fresh = False
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{base}/sub_bureau?unit=DT03", wait_until="domcontentloaded")
        settle(page)
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.count() == 1, "no st.navigation sidebar: the router was skipped"
        for title in ("领导小组总览", "分局看板", "阶段进展", "企业档案", "监督抽检", "问题整改"):
            assert title in nav.inner_text()
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "分局看板 · 安丰分局" in main
        assert "unit=DT03" in page.url
        _assert_clean(page, "fresh sub_bureau")
        assert page.locator('[data-testid="stSidebar"]').get_by_text("单位").count() >= 1  # shared controls
        page.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)


def test_every_page_renders_without_exception(browser, server):
    SHOTS.mkdir(exist_ok=True)
    for name, path, must in PAGES:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        settle(page)
        _assert_clean(page, name)
        assert must in page.locator('[data-testid="stMain"]').inner_text(), f"{name}: {must!r} missing"
        full_height(page)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        page.close()


def test_enterprise_file_and_provenance_in_browser(browser, server):
    """Open one enterprise's file from a search, and a figure's records with their uploads."""
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/enterprise?q=91320981", wait_until="domcontentloaded")
    settle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "统一社会信用代码" in main and "企业自查（" in main and "违法案件（" in main
    full_height(page)
    page.screenshot(path=str(SHOTS / "enterprise_file.png"), full_page=True)
    page.close()

    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/sub_bureau?unit=DT01", wait_until="domcontentloaded")
    settle(page)
    page.get_by_text("数据来源：查看任一指标").click()
    page.wait_for_timeout(1500)
    settle(page)
    _assert_clean(page, "provenance")
    assert "分母：" in page.locator('[data-testid="stMain"]').inner_text()
    full_height(page)
    page.screenshot(path=str(SHOTS / "provenance.png"), full_page=True)
    page.close()


def test_print_layout_is_a4_landscape(browser, server):
    """Browser print of the meeting view: ONE A4 landscape page (the meeting sheet: exceptions,
    the thirteen figures × the units below), sidebar and controls hidden."""
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(server, wait_until="domcontentloaded")
    settle(page)
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (SHOTS / "overview_print.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 842) < 2 and abs(float(h) - 595) < 2 for w, h in boxes), boxes
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the meeting view prints on {pages} A4 landscape pages, not one"
    page.set_viewport_size({"width": 1123, "height": 794})
    page.screenshot(path=str(SHOTS / "overview_print.png"), full_page=True)
    page.close()
