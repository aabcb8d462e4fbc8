"""The 上报 page in a real browser: a clerk logs in, uploads a workbook with errors through the page's
file input, and the error table is screenshotted (screenshots/upload_errors.png, git-ignored) for a
human to look at; Chinese must render and no raw key may show. Then a good workbook is confirmed.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true) where that is
a failure.
"""
from __future__ import annotations

import pytest

from dashboard.auth import create_account
from dashboard.campaign import load_campaign, sync_campaign
from dashboard.db import get_engine, upgrade

from tests.pages_support import (ARGS, CHROMIUM, SHOTS, free_port, full_height, playwright_or_skip,
                                 serve, settle)
from upload_support import bad_workbook, figures, good_workbook, seed_county

pytestmark = pytest.mark.browser  # a real Chromium

PASSWORD = "clerk-pass-2023"




@pytest.fixture(scope="module")
def upload_server(tmp_path_factory):
    """The app served on a small county with a 城区分局 clerk account."""
    folder = tmp_path_factory.mktemp("browser_upload")
    url = f"sqlite:///{folder / 'county.sqlite'}"
    engine = get_engine(url)
    upgrade(engine)
    sync_campaign(engine, load_campaign())
    seed_county(engine)
    create_account(engine, "dt01_clerk", PASSWORD, "clerk", "DT01", by="test")
    port = free_port()
    proc = serve(url, port, folder / "server.log")
    yield f"http://127.0.0.1:{port}", engine, folder
    proc.terminate()
    proc.wait(timeout=20)


def _assert_clean(page) -> str:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:1500]
    body = page.locator('[data-testid="stMain"]').inner_text()
    for key in ("sheet", "message", "column", "credit_code", "None", "nan", "Traceback"):
        assert key not in body, f"raw key {key!r} shown on the page"
    return body


def test_upload_errors_in_the_browser(upload_server):
    sync_playwright = playwright_or_skip()
    base, engine, folder = upload_server
    bad, good = folder / "5月月报（有错）.xlsx", folder / "5月月报.xlsx"
    bad.write_bytes(bad_workbook())
    good.write_bytes(good_workbook(3))
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page.goto(base + "/")
        settle(page)
        page.get_by_label("用户名").fill("dt01_clerk")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("当前账号：dt01_clerk").wait_for(timeout=60_000)  # signed in (no page reload)
        settle(page)
        page.goto(base + "/upload")
        settle(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
        page.get_by_text("未通过校验：发现 4 处错误").wait_for(timeout=60_000)
        settle(page)
        body = _assert_clean(page)
        assert "下载标注了错误的工作簿" in body
        grid = page.locator('[data-testid="stDataFrame"]').last
        grid.scroll_into_view_if_needed()
        full_height(page)
        page.screenshot(path=str(SHOTS / "upload_errors.png"), full_page=True)
        grid.screenshot(path=str(SHOTS / "upload_error_table.png"))
        # every error cell is inside the table's box: nothing overflows the page
        box, width = grid.bounding_box(), page.evaluate("document.documentElement.clientWidth")
        assert box["x"] >= 0 and box["x"] + box["width"] <= width

        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(good))
        page.get_by_text("校验通过（试运行，尚未写入）").wait_for(timeout=60_000)
        settle(page)
        full_height(page)
        page.screenshot(path=str(SHOTS / "upload_dry_run.png"), full_page=True)
        page.get_by_role("button", name="确认上报 1 个工作簿").click()
        page.get_by_text("已上报，第 2 批").wait_for(timeout=60_000)
        _assert_clean(page)
        for name, path, text in (("upload_history", "/history", "本批写入的记录"),
                                 ("upload_completeness", "/completeness?as_of=2023-06-30", "各单位完整率与按时率")):
            page.set_viewport_size({"width": 1400, "height": 900})
            page.goto(base + path)
            settle(page)
            page.get_by_text(text).first.wait_for(timeout=60_000)
            _assert_clean(page)
            full_height(page)
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        browser.close()
    assert figures(engine)["sampling_pass"] == (2, 3)
