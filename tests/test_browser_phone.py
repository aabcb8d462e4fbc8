"""The board on a phone (390 × 844, a chief's phone): the sub-bureau board, the overview and the
一户一档 page open with the sidebar closed (not over the content), nothing in the main block is wider
than the screen (a wide table or chart scrolls in its own box), the figure cards stand in one
column, and the controls the sidebar holds are one tap away. Screenshots of each page go to a
temporary folder (its path is printed; `pytest -s` shows it) for a human to look at.

Skipped with a reason when Chromium or Playwright is missing, except in CI (CI=true).
"""
from __future__ import annotations

import pytest

from tests.pages_support import SignedInBrowser, free_port, serve, settle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Every element of the main block that reaches past the screen's edges and is not inside a box
# that scrolls (or clips) on its own within the screen; the main block's and the page's own widths.
OVERFLOW = """() => {
  const vw = window.innerWidth, main = document.querySelector('[data-testid="stMain"]');
  const boxed = e => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX)
                     && e.getBoundingClientRect().right <= vw + 1;
  const out = [];
  for (const e of main.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (!r.width || (r.right <= vw + 1 && r.left >= -1)) continue;
    let a = e.parentElement;
    while (a && a !== main && !boxed(a)) a = a.parentElement;
    if (a === main || !a) out.push(`${e.tagName}.${e.getAttribute('data-testid') || e.className} `
                                   + `${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return {page: document.documentElement.scrollWidth, main: main.scrollWidth, mainClient: main.clientWidth,
          outside: out.slice(0, 10)};
}"""

CARDS = """() => Array.from(document.querySelectorAll('.fig-card, .exc-card'))
  .filter(e => e.getClientRects().length)
  .map(e => { const r = e.getBoundingClientRect();
              return {cls: e.className, left: Math.round(r.left), right: Math.round(r.right)}; })"""

SIDEBAR = """() => { const r = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
  const b = document.querySelector('[data-testid="stExpandSidebarButton"]');
  return {right: r.right, width: r.width, button: b ? b.getAttribute('aria-expanded') : null}; }"""


@pytest.fixture(scope="module")
def server(sample_county_url, tmp_path_factory):
    port = free_port()
    proc = serve(sample_county_url, port, tmp_path_factory.mktemp("phone_server") / "server.log")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone_screenshots")
    print(f"\nphone screenshots: {folder}")
    return folder


def _open(browser, url: str, viewport=PHONE):
    page = browser.new_page(viewport=viewport)
    page.goto(url, wait_until="domcontentloaded")
    settle(page)
    # widgets drawn as grey placeholders until their code has loaded (seconds on a busy machine)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')""", timeout=60_000)
    page.wait_for_timeout(400)  # the sidebar's closing transition
    return page


def _assert_reads_on_a_phone(page, name: str, must: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, name
    main = page.locator('[data-testid="stMain"]').inner_text()
    for text in must:
        assert text in main, f"{name}: {text!r} missing"
    for key in ("unit_code", "credit_code", "unit_name", "percent_text", "nd_text", "None"):
        assert key not in main, f"{name}: raw key {key!r} shown"
    # the sidebar starts closed (off the screen, not over the content), its button says so
    side = page.evaluate(SIDEBAR)
    assert side["right"] <= 0 and side["button"] == "false", (name, side)
    assert page.get_by_text("点左上角 » 打开菜单").is_visible(), name  # where the controls are
    # nothing wider than the screen: neither the page nor the main block scrolls sideways
    wide = page.evaluate(OVERFLOW)
    assert wide["page"] <= PHONE["width"] and wide["main"] <= wide["mainClient"], (name, wide)
    assert not wide["outside"], (name, wide["outside"])
    # every card inside the screen; the figure cards in one column
    cards = page.evaluate(CARDS)
    assert all(0 <= c["left"] and c["right"] <= PHONE["width"] for c in cards), (name, cards)
    figure_lefts = {c["left"] for c in cards if c["cls"] == "fig-card"}
    assert len(figure_lefts) <= 1, (name, figure_lefts)


def _screenshot(page, folder, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main block: the viewport grows to show it)."""
    height = page.evaluate("""() => Math.max(document.querySelector('[data-testid="stMain"]').scrollHeight,
                                             document.body.scrollHeight)""")
    page.set_viewport_size({"width": PHONE["width"], "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("username", ["dt03_chief", "leader"])
def test_board_overview_and_file_read_on_a_phone(chromium, sample_county, server, shots, username):
    code = sample_county.by_unit["DT03"][0].credit_code
    pages = [("overview", "", ["需要关注", "工作目标", "达标"]),
             ("sub_bureau", "sub_bureau?unit=DT03", ["分局看板 · 安丰分局", "还缺哪些", "各指标逐月走势"]),
             ("enterprise", f"enterprise?q={code}", ["统一社会信用代码", code, "所属单位"])]
    browser = SignedInBrowser(chromium, sample_county.url, username)
    for name, path, must in pages:
        page = _open(browser, f"{server}/{path}")
        _assert_reads_on_a_phone(page, f"{username} {name}", must)
        _screenshot(page, shots, f"{username}_{name}")
        page.context.close()


def test_the_controls_are_one_tap_away_and_the_desktop_keeps_its_sidebar(chromium, sample_county, server):
    """On the phone the menu button opens the sidebar with the unit and window controls; on a
    desktop the sidebar is open from the start and the phone's hint is not shown; a page the role
    may not open answers in Chinese."""
    browser = SignedInBrowser(chromium, sample_county.url, "dt03_chief")
    page = _open(browser, f"{server}/sub_bureau")
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.wait_for_timeout(600)
    assert page.evaluate(SIDEBAR)["right"] > 200
    side = page.locator('[data-testid="stSidebar"]').inner_text()  # the text rendered (not hidden)
    for text in ("分局看板", "企业档案（一户一档）", "查看范围", "单位", "统计区间", "数据截至"):
        assert text in side, text
    boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    assert boxes.count() == 2 and all(boxes.nth(i).is_visible() for i in range(2))
    assert page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"]').is_visible()
    page.context.close()

    page = _open(browser, f"{server}/sub_bureau", viewport={"width": 1440, "height": 900})
    side = page.evaluate(SIDEBAR)
    assert side["right"] >= 200 and side["width"] >= 200, side
    assert not page.get_by_text("点左上角 » 打开菜单").is_visible()
    page.context.close()

    # a link to a page the role may not open (a clerk's upload page): said in Chinese, not
    # Streamlit's English "Page not found"
    page = _open(browser, f"{server}/upload", viewport={"width": 1440, "height": 900})
    assert "您的账号（分局长）无权打开“月报上报”页面。" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.get_by_text("Page not found").count() == 0
    page.context.close()
