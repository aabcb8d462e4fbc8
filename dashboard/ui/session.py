"""Who is signed in, for the pages: the login form, logout, the session cookie and page permissions.

The signed-in Viewer lives in `st.session_state[VIEWER_KEY]` (server memory: a URL or query
parameter cannot set it). It gets there only through:
- the session cookie (`st.context.cookies`, the token checked by dashboard.auth on every run). The
  cookie is set and deleted by the server (dashboard.ui.server: POST /account/login and
  /account/logout, HttpOnly): the login form below is a plain HTML form posted there, and no
  script of the page ever sees the token. The page's login script posts it in the background and
  the server hands the token to this session (dashboard.ui.handoff, under the form's one-time
  nonce BIND_KEY), which takes it on the rerun the script asks for: no page reload;
- single sign-on when DASHBOARD_AUTH=oidc (st.login; the identity must match an active account);
- a test fixture setting the key on an AppTest before its first run (no token: trusted as is).
With a token, the session and account are re-checked on every run, so logout elsewhere, a password
change, disabling the account or a role change take effect on the next click.
"""
from __future__ import annotations

import html
import os
from urllib.parse import urlencode, urlsplit

import streamlit as st

from dashboard import audit_trail, auth
from dashboard.access import Viewer, viewer_for_username
from dashboard.ui import handoff, server

VIEWER_KEY = "auth_viewer"
TOKEN_KEY = "auth_token"
_COOKIE_DEAD = "auth_cookie_dead"    # a cookie found invalid in this session: not checked again
_OIDC = "auth_oidc"
BIND_KEY = "auth_bind"  # the login form's one-time nonce: the server hands this session's sign-in under it
DONE_KEY = "login_done"  # the hidden button login.js presses (its `.st-key-login_done button`) once signed in
NOT_HANDED = "登录已完成，但未能在本页接上，请刷新页面。"  # the hand-off pressed for was gone (login_form)


auth_mode = auth.auth_mode


def _forget() -> None:
    for key in (VIEWER_KEY, TOKEN_KEY, _OIDC):
        st.session_state.pop(key, None)


def current_viewer(engine) -> Viewer | None:
    """The signed-in viewer of this browser session, or None (then the login page is shown)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        viewer = auth.viewer_for_token(engine, token)
        if viewer is None:  # logged out elsewhere, password changed, disabled, expired
            _forget()
            st.session_state[_COOKIE_DEAD] = token
            return None
        st.session_state[VIEWER_KEY] = viewer
        return viewer
    if st.session_state.get(_OIDC):
        return _oidc_viewer(engine)
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer):
        return viewer  # set by a test fixture (no token)
    if auth_mode() == "oidc":
        return _oidc_viewer(engine)
    # a sign-in handed over by the login route (the form posted in the background), else the cookie
    # the browser sent when this session opened
    handed = _handed()
    cookie = handed or st.context.cookies.get(auth.COOKIE_NAME)
    if cookie and cookie != st.session_state.get(_COOKIE_DEAD):
        viewer = auth.viewer_for_token(engine, cookie)
        if viewer is not None:
            st.session_state[TOKEN_KEY] = cookie
            st.session_state[VIEWER_KEY] = viewer
            if handed:  # not reloaded: the address may still name an earlier attempt's error. Only
                # now, the token kept: a queued rerun may stop the run at this call
                st.query_params.pop(server.LOGIN_ERROR, None)
            return viewer
        st.session_state[_COOKIE_DEAD] = cookie
    return None


def _handed() -> str | None:
    """The token the login route left for this session's form nonce (used once: a new form, a new nonce)."""
    token = handoff.take(st.session_state.get(BIND_KEY))
    if token:
        st.session_state.pop(BIND_KEY, None)
    return token


def logout_button(engine) -> None:
    """退出登录: a form posted to the server, which ends the session and deletes the cookie (single
    sign-on: st.logout)."""
    if st.session_state.get(_OIDC):
        if st.button("退出登录", key="auth_logout", icon=":material/logout:"):
            viewer = st.session_state.get(VIEWER_KEY)
            audit_trail.record(engine, viewer.username, "logout", {"source": "oidc"})
            _forget()
            st.logout()
        return
    st.html(f'<form class="dash-logout" method="post" action="{server.LOGOUT_PATH}">'
            '<button type="submit">退出登录</button></form>' + _FORM_STYLE)


# ------------------------------------------------------------------ the login form
_FORM_STYLE = """<style>
.dash-login label { display: block; margin: 0 0 1rem; font-size: 0.875rem; color: rgb(49, 51, 63); }
.dash-login input { display: block; box-sizing: border-box; width: 100%; margin-top: 0.25rem;
  padding: 0.5rem 0.75rem; font: inherit; font-size: 1rem; color: rgb(49, 51, 63);
  background: rgb(240, 242, 246); border: 1px solid rgb(240, 242, 246); border-radius: 0.5rem; }
.dash-login input:focus { outline: none; border-color: rgb(255, 75, 75); }
.dash-login button, .dash-logout button { font: inherit; border-radius: 0.5rem; cursor: pointer;
  padding: 0.25rem 0.75rem; min-height: 2.5rem; }
.dash-login button { color: #fff; background: rgb(255, 75, 75); border: 1px solid rgb(255, 75, 75); }
.dash-login button:hover { background: rgb(255, 51, 51); }
.dash-logout button { color: rgb(49, 51, 63); background: #fff; border: 1px solid rgba(49, 51, 63, 0.2); }
.dash-logout button:hover { color: rgb(255, 75, 75); border-color: rgb(255, 75, 75); }
.st-key-login_hidden { display: none; }
</style>"""
# A one-point Vega-Lite chart for _warm_browser (inline values: no Arrow table to send).
_WARM_CHART = {"data": {"values": [{"x": 0}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}


def _here() -> str:
    """This page's path and query (without a login error): where the login returns to."""
    path = urlsplit(st.context.url or "").path or "/"
    query = [(k, v) for k in st.query_params if k != server.LOGIN_ERROR for v in st.query_params.get_all(k)]
    return path + ("?" + urlencode(query) if query else "")


def _nonce() -> str:
    """This session's login-form nonce (BIND_KEY): made once, kept until a sign-in is handed under it."""
    if not st.session_state.get(BIND_KEY):
        st.session_state[BIND_KEY] = handoff.mint()
    return st.session_state[BIND_KEY]


def login_form(engine, campaign_name: str) -> None:
    """The login page under the campaign's name: a username and password form posted to the server
    (dashboard.ui.server), or the single sign-on button when DASHBOARD_AUTH=oidc. The server
    returns here, signed in or with ?login_error=… naming one of its fixed messages."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.markdown("### 提升行动督导看板")
        st.caption(campaign_name)
        if auth_mode() == "oidc":
            unknown = st.session_state.pop("auth_oidc_unknown", None)
            if unknown:
                st.error("您的统一身份认证账号在本系统中没有对应的启用账号（或其邮箱未经验证），请联系管理员。")
                st.text(f"统一身份认证账号：{unknown}")  # an identity claim: plain text, never Markdown
            if st.button("使用单位统一身份认证登录", type="primary", key="login_oidc", icon=":material/login:"):
                provider = os.environ.get("DASHBOARD_OIDC_PROVIDER") or None
                st.login(provider) if provider else st.login()
            return
        error = server.ERRORS.get(st.query_params.get(server.LOGIN_ERROR, ""))
        if error:
            st.error(error)
        if st.session_state.get(DONE_KEY):
            # login.js presses the hidden button only after the server set the cookie and kept the
            # token for this session; not found on this rerun (too late: handoff.TTL, or evicted):
            # the cookie signs in on a reload. A new nonce redraws the form the script disabled.
            st.session_state.pop(BIND_KEY, None)
            st.info(NOT_HANDED)
        with st.container(border=True, key="login_box"):
            st.html(f'<form class="dash-login" method="post" action="{server.LOGIN_PATH}">'
                    f'<input type="hidden" name="next" value="{html.escape(_here(), quote=True)}">'
                    f'<input type="hidden" name="bind" value="{_nonce()}">'
                    '<label>用户名<input name="username" maxlength="64" autocomplete="username" required></label>'
                    '<label>密码<input name="password" type="password" maxlength="200" '
                    'autocomplete="current-password" required></label>'
                    '<button type="submit">登录</button></form>' + _FORM_STYLE)
        with st.container(key="login_hidden"):  # hidden (_FORM_STYLE): a hidden script still runs
            # the form's background post (static/login.js, a file of this server: the CSP allows it,
            # no inline script) and the button it presses to rerun this session once signed in
            st.html(f'<script src="{server.LOGIN_SCRIPT_PATH}"></script>', unsafe_allow_javascript=True)
            st.button("完成登录", key=DONE_KEY)
            _warm_browser()
        st.caption(f"同一账号在一台电脑上连续 {auth.MAX_FAILURES} 次密码错误，该电脑将暂停登录此账号 "
                   f"{int(auth.LOCKOUT.total_seconds() // 60)} 分钟。忘记密码请联系管理员。")
        if not auth.list_accounts(engine):
            st.info("系统中还没有任何账号。请在服务器上用命令行新建管理员账号："
                    "`python -m dashboard user add 用户名 --role admin`")


def _warm_browser() -> None:
    """The kinds of element the first page after sign-in shows (the sidebar's select box and
    date, Markdown with HTML, a Vega-Lite chart), in the login form's hidden container; no text box: the
    login page has none that a password could be typed into (tests/test_access_pages.py). Streamlit's
    browser code loads each kind's scripts the first time one is drawn (about 60 files, Vega the
    largest); drawn here, the browser fetches and caches them (immutable) while the password is
    typed, instead of after the sign-in. Nothing here is read or can be used."""
    st.selectbox("warm", ["-"], key="login_warm_select", label_visibility="collapsed")
    st.date_input("warm", value=None, key="login_warm_date", label_visibility="collapsed")
    st.markdown("<span></span>", unsafe_allow_html=True)
    st.vega_lite_chart(_WARM_CHART, width="content")


# ------------------------------------------------------------------ single sign-on (optional)
def _oidc_viewer(engine) -> Viewer | None:
    """The account matching the OIDC identity (claim DASHBOARD_OIDC_CLAIM, default email), when
    st.login has signed the user in and that account is active."""
    if not st.user.is_logged_in:
        st.session_state.pop(_OIDC, None)
        return None
    claim = os.environ.get("DASHBOARD_OIDC_CLAIM", "email")
    name = auth.oidc_username(st.user, claim)
    try:
        viewer = viewer_for_username(engine, name or "")
    except LookupError:
        st.session_state["auth_oidc_unknown"] = str(st.user.get(claim) or "")
        return None
    if not st.session_state.get(_OIDC):
        audit_trail.record(engine, viewer.username, "login", {"source": "oidc", "role": viewer.role})
    st.session_state[_OIDC] = True
    st.session_state[VIEWER_KEY] = viewer
    return viewer


# ------------------------------------------------------------------ page permissions
def viewer() -> Viewer:
    """Who is looking: the viewer signed in to this browser session (app.py's login gate puts it
    there). A page run without one — e.g. a page file started on its own — stops here."""
    who = st.session_state.get(VIEWER_KEY)
    if not isinstance(who, Viewer):
        st.error("请先登录。")
        st.stop()
    return who


def require(permission: str) -> Viewer:
    """For a restricted page: the viewer when its role allows `permission`; otherwise an error
    message and the page stops (the router already hides the page from other roles)."""
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer) or not viewer.can(permission):
        st.error("您的账号无权访问此页面。")
        st.stop()
    return viewer


def production_gate(engine) -> None:
    """DASHBOARD_MODE=production: stop with an error while auth.production_problems() finds
    anything (checked once per process: auth.check_production)."""
    if not auth.is_production():
        return
    try:
        auth.check_production(engine)
    except auth.ProductionRefusal as exc:
        st.error(str(exc))
        st.stop()
