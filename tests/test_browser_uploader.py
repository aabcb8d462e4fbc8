"""The file uploader speaks Chinese: Streamlit's own "Upload" and "200MB per file" are replaced (in
a real browser, where the CSS applies) by 选择文件 and the page's own limit.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true).
"""
from __future__ import annotations

import pytest

from tests.pages_support import (ARGS, CHROMIUM, READY, SHOTS, SignedInBrowser,  # noqa: F401
                                  free_port, playwright_or_skip, serve)

pytestmark = pytest.mark.browser

SHOWN = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stFileUploader"] *')) {
    if (el.children.length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const after = getComputedStyle(el, '::after').content;
    if (size > 0 && el.textContent.trim()) out.push(el.textContent.trim());
    if (after && after !== 'none' && after !== 'normal') out.push(after.replace(/^"|"$/g, ''));
  }
  return out;
}"""


def test_the_uploader_shows_no_english(sample_county_url, tmp_path):  # noqa: F811
    sync_playwright = playwright_or_skip()
    port = free_port()
    proc = serve(sample_county_url, port, tmp_path / "server.log")
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = SignedInBrowser(b, sample_county_url, "dt03_clerk").new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/upload")
            page.wait_for_selector(READY, timeout=90_000)
            page.wait_for_selector('[data-testid="stFileUploaderDropzone"]', timeout=30_000)
            try:  # the page's style block may be applied a moment after the uploader is drawn
                page.wait_for_function(f"() => ({SHOWN})().includes('选择文件')", timeout=15_000)
            except Exception:  # noqa: BLE001 - the assertion below says what is shown instead
                pass
            shown = page.evaluate(SHOWN)
            # a clerk has 13 pages: collapsed, Streamlit's navigation would add "View 3 more"
            nav = page.inner_text('[data-testid="stSidebarNav"]')
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / "upload_chinese.png"))
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "选择文件" in shown and "或把文件拖到这里（.xlsx，每个不超过 50 MB）" in shown
    assert not [t for t in shown if t in ("Upload", "200MB per file") or "Browse" in t or "Drag" in t]
    assert "月报上报" in nav and "上报完整性" in nav and "View" not in nav and "more" not in nav
