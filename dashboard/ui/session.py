"""Who is signed in, for the pages: login, logout, the session cookie and page permissions.

The signed-in Viewer lives in `st.session_state[VIEWER_KEY]` (server memory: a URL or query
parameter cannot set it). It gets there only through:
- the login page (`log_in`: password checked by dashboard.auth, a session started, its token kept in
  `st.session_state[TOKEN_KEY]` and written to the browser cookie by a small script);
- the cookie on a page reload (`st.context.cookies`, the token checked by dashboard.auth);
- single sign-on when DASHBOARD_AUTH=oidc (st.login; the identity must match an active account);
- a test fixture setting the key on an AppTest before its first run (no token: trusted as is).
With a token, the session and account are re-checked on every run, so logout elsewhere, a password
change, disabling the account or a role change take effect on the next click.
"""
from __future__ import annotations

import json
import os

import streamlit as st

from dashboard import audit, auth
from dashboard.access import Viewer

VIEWER_KEY = "auth_viewer"
TOKEN_KEY = "auth_token"
_COOKIE_SET = "auth_cookie_set"      # the token a script must still write into the browser
_COOKIE_CLEAR = "auth_cookie_clear"  # after logout: the browser cookie must be deleted
_COOKIE_DEAD = "auth_cookie_dead"    # a cookie found invalid in this session: not checked again
_OIDC = "auth_oidc"


def auth_mode() -> str:
    """`local` (accounts and passwords in the database, the default) or `oidc` (st.login)."""
    return os.environ.get("DASHBOARD_AUTH", "local").strip().lower() or "local"


def _forget() -> None:
    for key in (VIEWER_KEY, TOKEN_KEY, _COOKIE_SET, _OIDC):
        st.session_state.pop(key, None)


def current_viewer(engine) -> Viewer | None:
    """The signed-in viewer of this browser session, or None (then the login page is shown)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        viewer = auth.viewer_for_token(engine, token)
        if viewer is None:  # logged out elsewhere, password changed, disabled, expired
            _forget()
            st.session_state[_COOKIE_CLEAR] = True
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
    cookie = st.context.cookies.get(auth.COOKIE_NAME)
    if cookie and cookie != st.session_state.get(_COOKIE_DEAD):
        viewer = auth.viewer_for_token(engine, cookie)
        if viewer is not None:
            st.session_state[TOKEN_KEY] = cookie
            st.session_state[VIEWER_KEY] = viewer
            return viewer
        st.session_state[_COOKIE_DEAD] = cookie
        st.session_state[_COOKIE_CLEAR] = True
    return None


def log_in(engine, username: str, password: str) -> auth.LoginResult:
    """Check the password (with the lockout rule, audited); on success remember the viewer and
    have the browser store the session cookie."""
    result = auth.login(engine, username, password, source="web")
    if result.ok:
        _forget()
        st.session_state[VIEWER_KEY] = result.viewer
        st.session_state[TOKEN_KEY] = result.token
        st.session_state[_COOKIE_SET] = result.token
        st.session_state.pop(_COOKIE_CLEAR, None)
    return result


def log_out(engine) -> None:
    """End the session here and on the server; the browser cookie is deleted on the next run."""
    token = st.session_state.get(TOKEN_KEY)
    viewer = st.session_state.get(VIEWER_KEY)
    if token:
        auth.end_session(engine, token)
    elif viewer is not None:
        audit.record(engine, viewer.username, "logout", {"source": "oidc" if st.session_state.get(_OIDC)
                                                          else "web"})
    oidc = st.session_state.get(_OIDC)
    _forget()
    st.session_state[_COOKIE_CLEAR] = True
    if oidc:
        st.logout()


def cookie_script() -> None:
    """Write or delete the session cookie in the browser (st.html runs the script in the page).
    SameSite=Strict, Secure over HTTPS, Max-Age the session's lifetime."""
    token = st.session_state.get(_COOKIE_SET)
    if token:
        value = f"{auth.COOKIE_NAME}={token}; Path=/; Max-Age={int(auth.SESSION_LIFETIME.total_seconds())}" \
                "; SameSite=Strict"
    elif st.session_state.get(_COOKIE_CLEAR):
        value = f"{auth.COOKIE_NAME}=; Path=/; Max-Age=0; SameSite=Strict"
    else:
        return
    js = (f"document.cookie = {json.dumps(value)} + (location.protocol === 'https:' ? '; Secure' : '');")
    with st.container(height=1, border=False, key="auth_cookie_box"):
        st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


# ------------------------------------------------------------------ the login form
def login_form(engine) -> None:
    """The login page: a username and password form (with the lockout notice), or the single
    sign-on button when DASHBOARD_AUTH=oidc. A successful login reruns the app signed in."""
    from dashboard.ui import data
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.markdown("### 提升行动督导看板")
        st.caption(data.campaign().name)
        if auth_mode() == "oidc":
            unknown = st.session_state.pop("auth_oidc_unknown", None)
            if unknown:
                st.error(f"统一身份认证账号“{unknown}”在本系统中没有对应的启用账号，请联系管理员。")
            if st.button("使用单位统一身份认证登录", type="primary", key="login_oidc", icon=":material/login:"):
                provider = os.environ.get("DASHBOARD_OIDC_PROVIDER") or None
                st.login(provider) if provider else st.login()
            return
        with st.form("login_form", border=True):
            username = st.text_input("用户名", key="login_username", max_chars=64, autocomplete="username")
            password = st.text_input("密码", type="password", key="login_password", max_chars=200,
                                     autocomplete="current-password")
            submitted = st.form_submit_button("登录", type="primary", icon=":material/login:")
        if submitted:
            result = log_in(engine, username, password)
            if result.ok:
                st.rerun()
            st.error(result.message)
        st.caption(f"连续 {auth.MAX_FAILURES} 次密码错误将锁定账号 "
                   f"{int(auth.LOCKOUT.total_seconds() // 60)} 分钟。忘记密码请联系管理员。")
        if not auth.list_accounts(engine):
            st.info("系统中还没有任何账号。请在服务器上用命令行新建管理员账号："
                    "`python -m dashboard user add 用户名 --role admin`")


# ------------------------------------------------------------------ single sign-on (optional)
def _oidc_viewer(engine) -> Viewer | None:
    """The account matching the OIDC identity (claim DASHBOARD_OIDC_CLAIM, default email), when
    st.login has signed the user in and that account is active."""
    from dashboard.access import viewer_for_username
    if not st.user.is_logged_in:
        st.session_state.pop(_OIDC, None)
        return None
    claim = os.environ.get("DASHBOARD_OIDC_CLAIM", "email")
    name = str(st.user.get(claim) or "")
    try:
        viewer = viewer_for_username(engine, name)
    except LookupError:
        st.session_state["auth_oidc_unknown"] = name
        return None
    if not st.session_state.get(_OIDC):
        audit.record(engine, viewer.username, "login", {"source": "oidc", "role": viewer.role})
    st.session_state[_OIDC] = True
    st.session_state[VIEWER_KEY] = viewer
    return viewer


# ------------------------------------------------------------------ page permissions
def require(permission: str) -> Viewer:
    """For a restricted page: the viewer when its role allows `permission`; otherwise an error
    message and the page stops (the router already hides the page from other roles)."""
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer) or not viewer.can(permission):
        st.error("您的账号无权访问此页面。")
        st.stop()
    return viewer


def production_gate(engine) -> None:
    """DASHBOARD_MODE=production: stop with an error while a demo password is unchanged."""
    if not auth.is_production():
        return
    try:
        auth.check_production(engine)
    except auth.ProductionRefusal as exc:
        st.error(str(exc))
        st.stop()
