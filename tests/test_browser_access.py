"""Login, the session cookie and scope in a real browser (Debian Chromium via Playwright).

A sub-bureau chief (安丰分局 DT03) signs in through the login page; the cookie the server sets
(HttpOnly: `document.cookie` never shows it) keeps the login across a reload; no page breaks the
Content-Security-Policy; the overview shows DT03 only; asking for another unit's enterprise
(`/enterprise?ent=<a 城区分局 credit code>`) and another unit (`?unit=DT01`) by URL is refused.
Screenshots under screenshots/ (git-ignored): access_login.png, access_chief_login_lands_refused.png,
access_chief_overview.png,
access_chief_foreign_enterprise.png, access_forged_cookie.png, access_logged_out.png.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from dashboard import audit_trail, auth
from dashboard.db import get_engine
from tests.pages_support import ARGS, CHROMIUM, SHOTS, free_port, full_height, playwright_or_skip, serve, settle

pytestmark = pytest.mark.browser  # a real Chromium


@pytest.fixture(scope="module")
def served(sample_county_url, tmp_path_factory):
    port = free_port()
    proc = serve(sample_county_url, port, tmp_path_factory.mktemp("streamlit_access") / "server.log")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def _main(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _session_cookie(context):
    return next((c for c in context.cookies() if c["name"] == auth.COOKIE_NAME), None)


def _log_in(page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_timeout(1500)
    settle(page)


def test_chief_logs_in_keeps_the_login_and_is_refused_another_units_enterprise(chromium, served, sample_county_url):
    SHOTS.mkdir(exist_ok=True)
    eng = get_engine(sample_county_url)
    with eng.connect() as conn:
        dt01_code, dt01_name = conn.execute(text(
            "select e.credit_code, e.name from enterprise e join org_unit u on u.unit_id = e.unit_id "
            "where u.code = 'DT01' order by e.credit_code limit 1")).one()
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if m.text.startswith("CSP ") else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', "
                         "e => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))")
    # The fresh-server routing hole (see test_browser_pages): the very first session of a new server
    # pops Streamlit's legacy "Page not found" notice. Open the server once before the real test.
    page.goto(served, wait_until="domcontentloaded")
    settle(page)

    # an enterprise URL without a login: the login page, nothing of the enterprise
    page.goto(f"{served}/enterprise?ent={dt01_code}", wait_until="domcontentloaded")
    settle(page)
    assert page.get_by_label("用户名").count() == 1 and dt01_name not in _main(page)
    page.screenshot(path=str(SHOTS / "access_login.png"))

    _log_in(page, "dt03_chief", "wrong password")
    assert "用户名或密码错误" in _main(page)
    page.evaluate("window.loadedBeforeLogin = true")
    _log_in(page, "dt03_chief", "demo-chief")
    # signed in, the link asked for is opened: and refused
    assert "没有这家企业，或该企业不在您的管辖范围内。" in _main(page) and dt01_name not in _main(page)
    # in the page already loaded (the form posted in the background, the sign-in handed to this
    # Streamlit session: dashboard.ui.handoff), at the link's own address without the login error
    assert page.evaluate("window.loadedBeforeLogin") is True
    assert page.url.startswith(f"{served}/enterprise?ent={dt01_code}") and "login_error" not in page.url
    page.screenshot(path=str(SHOTS / "access_chief_login_lands_refused.png"))
    cookie = _session_cookie(context)
    assert cookie and cookie["sameSite"] == "Strict" and auth.viewer_for_token(eng, cookie["value"]).username == \
        "dt03_chief"
    assert cookie["httpOnly"] and auth.COOKIE_NAME not in page.evaluate("document.cookie")

    # a reload starts a new Streamlit session: the cookie keeps the login
    page.goto(f"{served}/", wait_until="domcontentloaded")
    settle(page)
    main = _main(page)
    assert "十三项工作目标（安丰分局）" in main and page.get_by_label("用户名").count() == 0
    assert "城区分局" not in page.locator('[data-testid="stApp"]').inner_text()
    assert "dt03_chief（分局长）" in page.locator('[data-testid="stSidebar"]').inner_text()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "账号管理" not in nav and "审计日志" not in nav
    full_height(page)
    page.screenshot(path=str(SHOTS / "access_chief_overview.png"), full_page=True)

    # another unit's enterprise, asked for directly
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{served}/enterprise?ent={dt01_code}", wait_until="domcontentloaded")
    settle(page)
    main = _main(page)
    assert "没有这家企业，或该企业不在您的管辖范围内。" in main
    assert dt01_name not in main and dt01_code not in main
    page.screenshot(path=str(SHOTS / "access_chief_foreign_enterprise.png"), full_page=True)

    # another unit, asked for directly
    page.goto(f"{served}/sub_bureau?unit=DT01", wait_until="domcontentloaded")
    settle(page)
    main = _main(page)
    assert "无权查看单位“DT01”" in main and "分局看板 · 安丰分局" in main and "城区分局" not in main

    # logout: the session ends on the server and the cookie goes
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_timeout(1500)
    settle(page)
    assert page.get_by_label("用户名").count() == 1
    assert auth.viewer_for_token(eng, cookie["value"]) is None
    page.goto(f"{served}/", wait_until="domcontentloaded")
    settle(page)
    assert page.get_by_label("用户名").count() == 1, "still signed in after logout"
    assert _session_cookie(context) is None
    page.screenshot(path=str(SHOTS / "access_logged_out.png"))
    assert violations == []
    actions = [(e["username"], e["action"]) for e in reversed(audit_trail.events(eng, username="dt03_chief"))][-3:]
    assert actions == [("dt03_chief", "login_failed"), ("dt03_chief", "login"), ("dt03_chief", "logout")]
    context.close()


def test_a_forged_cookie_gets_the_login_page(chromium, served, sample_county_url):
    token = auth.start_session(get_engine(sample_county_url), "dt03_chief")
    body, mac = token.split(".")
    forged = auth._b64(auth._unb64(body).decode().replace("dt03_chief", "leader").encode()) + "." + mac
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    context.add_cookies([{"name": auth.COOKIE_NAME, "value": forged, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(f"{served}/", wait_until="domcontentloaded")
    settle(page)
    assert page.get_by_label("用户名").count() == 1 and "十三项工作目标" not in _main(page)
    page.screenshot(path=str(SHOTS / "access_forged_cookie.png"))
    context.close()


def test_without_the_login_script_the_plain_form_post_still_signs_in(chromium, served):
    """The background post is an improvement, not a dependency: with /account/login.js unreachable
    the form posts itself, the page reloads at the same address and the cookie signs it in."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    context.route("**/account/login.js", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{served}/sub_bureau?unit=DT03", wait_until="domcontentloaded")
    settle(page)
    page.evaluate("window.loadedBeforeLogin = true")
    _log_in(page, "dt03_chief", "demo-chief")
    page.get_by_text("当前账号：dt03_chief").wait_for(timeout=60_000)
    assert page.evaluate("window.loadedBeforeLogin") is None  # reloaded: the plain form post
    assert page.url.startswith(f"{served}/sub_bureau?unit=DT03") and "分局看板 · 安丰分局" in _main(page)
    assert _session_cookie(context)["httpOnly"]
    context.close()
