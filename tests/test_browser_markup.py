"""Nothing uploaded or typed ever becomes markup, in a real browser: a county whose every free-text
value, file name and uploader name carries HTML, Markdown-link and script payloads (tests/hostile.py)
is imported through the real importer and served; Chromium opens every page that shows those values
— as the leadership (every view page, the export preview), as the administrator (history with its
rollback question, audit log) and as a clerk (an upload whose file name and cells are hostile) —
expands every expander, clicks every tab, opens the pickers, hovers the charts (Vega tooltips), and
fails on any element a payload injected, any link or image to evil.example, or any side effect of a
payload's script. Screenshots go to screenshots/markup_*.png (git-ignored) for a human to look at.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from dashboard.db import get_engine

from tests.builders import ENTERPRISE_HEADERS, enterprise_row, sheet, xlsx
from tests.hostile import EVIL, INJECTED_JS, LINK, PAYLOADS, hostile_county_url, injected
from tests.pages_support import SHOTS, SignedInBrowser, free_port, full_height, serve, settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile county served: (base URL, database URL, engine)."""
    url = hostile_county_url(tmp_path_factory)
    port = free_port()
    proc = serve(url, port, tmp_path_factory.mktemp("hostile_server") / "server.log")
    yield f"http://127.0.0.1:{port}", url, get_engine(url)
    proc.terminate()
    proc.wait(timeout=20)


TOOLTIP_JS = f"""() => {{
  const tip = document.querySelector('#vg-tooltip-element.visible');
  return [({INJECTED_JS})('#vg-tooltip-element'), tip ? tip.innerText : null]; }}"""


class Visit:
    """Pages opened as one account; every finding is kept (page name: what was injected)."""

    def __init__(self, chromium, base: str, db_url: str, username: str):
        self.browser, self.base = SignedInBrowser(chromium, db_url, username), base
        self.found: list[str] = []
        self.tooltips_with_payload = 0  # chart tooltips seen showing a payload as text

    def report(self) -> str:
        return "payloads became markup:\n" + "\n".join(list(dict.fromkeys(self.found))[:40])

    def check(self, page, name: str) -> None:
        boxes = page.locator('[data-testid="stException"]')
        assert boxes.count() == 0, f"{name}: Streamlit exception: {boxes.first.inner_text()[:1500]}"
        self.found += [f"{name}: {x}" for x in injected(page)]

    def literal(self, page, name: str) -> None:
        """A payload must be on the page as visible text (word joiners aside, see widgets.md)."""
        main = page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
        if not any(p in main for p in PAYLOADS):
            self.found.append(f"{name}: the payloads are not shown as literal text")

    def open(self, path: str, name: str, must: str | None = None):
        page = self.browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{self.base}/{path}", wait_until="domcontentloaded")
        settle(page)
        if must:
            assert must in page.locator('[data-testid="stMain"]').inner_text(), f"{name}: {must!r} missing"
        self.explore(page, name)
        return page

    def explore(self, page, name: str) -> None:
        """Expand every expander, click every tab, open every picker, hover every chart; check each."""
        self.check(page, name)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
            page.wait_for_timeout(300)
        settle(page)
        self.check(page, f"{name} (expanders)")
        for tab in page.locator('[data-testid="stMain"] [role="tab"]').all():
            if tab.is_visible():
                tab.click()
                page.wait_for_timeout(150)
        self.check(page, f"{name} (tabs)")
        for box in page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').all():
            if box.is_visible():
                box.click()
                page.wait_for_timeout(300)
                self.check(page, f"{name} (picker open)")
                page.keyboard.press("Escape")
        for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
            if not chart.is_visible():
                continue
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            for i in range(1, 10):
                for j in range(1, 5):
                    page.mouse.move(box["x"] + box["width"] * i / 10, box["y"] + box["height"] * j / 5)
                    page.wait_for_timeout(15)
                    # one round trip per point (36 per chart): what the tooltip injected, and its text
                    bad, tip = page.evaluate(TOOLTIP_JS)
                    self.found += [f"{name} (chart tooltip): {x}" for x in bad]
                    if tip and any(p in tip for p in ("<img", "<iframe", "<svg", EVIL)):
                        self.tooltips_with_payload += 1

    def shoot(self, page, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        full_height(page)
        page.screenshot(path=str(SHOTS / f"markup_{name}.png"), full_page=True)
        page.close()


def _enterprises(engine) -> list[str]:
    """Credit codes of enterprises whose 包保干部 carries each kind of payload (the review's case)."""
    with engine.connect() as conn:
        rows = conn.execute(text("select credit_code, cadre_name from enterprise order by credit_code")).all()
    def first(cadre: str) -> str | None:  # the payload a cadre's text starts its run with (a column may hold them all)
        found = [(cadre.find(q), q) for q in PAYLOADS if q in cadre]
        return min(found)[1] if found else None
    firsts = [(code, first(cadre)) for code, cadre in rows if cadre]
    return list(dict.fromkeys(next(code for code, f in firsts if f == p)
                              for p in PAYLOADS[:6] if any(f == p for _, f in firsts)))


LEADER_PAGES = [  # (name, path, text that must be on the page)
    ("overview", "", "十三项工作目标"),
    ("overview_bad_unit", f"?unit={LINK}<img src=x onerror=top.__pwned=9>", "无权查看单位"),
    ("overview_unit", "?unit=DT03&window=phase2&as_of=2023-08-31&since=2023-07-31", "与上次会议"),
    ("sub_bureau", "sub_bureau?unit=DT01", "还缺哪些"),
    ("sub_bureau_dt05", "sub_bureau?unit=DT05&window=phase3", "未整改问题"),
    ("phases", "phases", "分阶段对比"),
    ("enterprise_no_hit", f"enterprise?q={LINK}<img src=x onerror=top.__pwned=8>", "没有名称或信用代码包含"),
    ("enterprise_search", "enterprise?q=肉制品", "找到"),
    ("sampling", "sampling", "不合格批次"),
    ("sampling_month", "sampling?window=2023-06&unit=DT05", "不合格批次"),
    ("rectification", "rectification", "问题清单"),
    ("enforcement", "enforcement", "案件清单"),
    ("stars", "stars", "示范企业"),
    ("tasks", "tasks", "行动工作任务"),
    ("tasks_unit", "tasks?unit=DT03&window=phase1", "行动工作任务"),
    ("history", "history", "查看一批"),
    ("completeness", "completeness", "分工作表查看"),
]
TOOLTIP_PAGES = {"sampling", "sampling_month"}  # pages whose chart tooltips carry a hostile name


@pytest.mark.parametrize(("name", "path", "must"), LEADER_PAGES, ids=[name for name, _, _ in LEADER_PAGES])
def test_no_payload_becomes_markup_for_the_leader(chromium, hostile, name, path, must):  # noqa: F811
    """One test a page (pytest-xdist spreads them over the workers: together they took five minutes)."""
    base, db_url, _ = hostile
    visit = Visit(chromium, base, db_url, "leader")
    page = visit.open(path, name, must)
    if name == "tasks":  # the office's notes (hostile, typed by an account) are shown, as text
        visit.literal(page, name)
    visit.shoot(page, name)
    if name in TOOLTIP_PAGES:  # the hover check must have seen a payload, or it checked nothing
        assert visit.tooltips_with_payload, f"{name}: no chart tooltip showed a payload"
    assert not visit.found, visit.report()


def test_no_enterprise_file_turns_a_payload_into_markup(chromium, hostile):  # noqa: F811
    base, db_url, engine = hostile
    visit = Visit(chromium, base, db_url, "leader")
    codes = _enterprises(engine)
    assert len(codes) >= 4, codes  # the hostile county gives four enterprises payload-bearing cadres
    for i, code in enumerate(codes):
        page = visit.open(f"enterprise?q={code}&ent={code}", f"enterprise_{code}", "包保干部")
        visit.literal(page, f"enterprise_{code}")
        visit.shoot(page, f"enterprise_{i}")
    assert not visit.found, visit.report()


def test_the_stage_summary_preview_turns_no_payload_into_markup(chromium, hostile):  # noqa: F811
    base, db_url, _ = hostile
    visit = Visit(chromium, base, db_url, "leader")
    page = visit.open("export", "export")
    page.get_by_role("button", name="生成阶段性总结").click()
    page.wait_for_selector('[data-testid="stMain"] :text("总结预览")', timeout=240_000)
    settle(page)
    visit.explore(page, "export (preview)")
    visit.shoot(page, "export")
    assert not visit.found, visit.report()


def test_no_payload_becomes_markup_for_the_administrator(chromium, hostile):  # noqa: F811
    base, db_url, _ = hostile
    visit = Visit(chromium, base, db_url, "admin")
    page = visit.open("history", "admin_history", "查看一批")
    page.get_by_role("button", name="撤销本批上报…").click()
    settle(page)
    assert "确定撤销第" in page.locator('[data-testid="stMain"]').inner_text()
    visit.check(page, "admin_history (rollback question)")
    visit.shoot(page, "admin_history")
    visit.shoot(visit.open("audit", "audit", "审计日志"), "audit")
    assert not visit.found, visit.report()


def test_no_payload_becomes_markup_on_upload(chromium, hostile):  # noqa: F811
    """A clerk uploads a workbook whose file name, sheet name, headers and cells are hostile: the
    dry run's headings, messages and error table show them as text."""
    base, db_url, _ = hostile
    bad = PAYLOADS[0] + LINK
    content = xlsx(sheet("企业名录", [*ENTERPRISE_HEADERS, LINK],
                         [enterprise_row(1, "安丰分局", 风险等级=bad, 企业状态=LINK, 所属分局=bad) + [bad]]),
                   sheet("<svg onload=top.__pwned=7>", ["说明"], [[bad]]))
    visit = Visit(chromium, base, db_url, "dt03_clerk")
    page = visit.open("upload", "upload", "上传工作簿")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": f"{PAYLOADS[0]}[请重新登录](https:evil.example).xlsx",
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": content})
    page.wait_for_selector('[data-testid="stMain"] :text("未通过校验")', timeout=120_000)
    settle(page)
    visit.literal(page, "upload (dry run)")
    visit.explore(page, "upload (dry run)")
    visit.shoot(page, "upload")
    assert not visit.found, visit.report()
