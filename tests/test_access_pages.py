"""Role × page, through the router (AppTest on the sample county, SQLite).

For every demo account and every page the router offers it — asked plainly and asked for 城区分局
(DT01) by URL — everything the page sends to the browser (every element, table, chart and widget,
as serialised for the wire) is searched for the enterprises (credit codes and names) and the
sub-bureau names of other units: a DT03 chief or clerk must receive none of them. The leadership
must receive them (the probe works). Restricted pages are absent from the router for the roles
without the right, and refuse by themselves when run directly. Without a login only the login page
exists.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard.access import viewer_for_username
from dashboard.db import get_engine
from dashboard.ui import handoff, session
from dashboard.ui.session import VIEWER_KEY

from tests.pages_support import PROJECT_DIR, switch_to

ROLES = ("admin", "leader", "dt03_chief", "dt03_clerk")
SCOPED = ("dt03_chief", "dt03_clerk")
VIEWS = PROJECT_DIR / "app_pages"
# The pages each demo account's router lists, written out: a page deleted or not routed fails.
BROWSE = {"overview", "sub_bureau", "phases", "tasks", "enterprise", "sampling", "rectification", "enforcement",
          "stars", "history", "completeness", "export"}
ROUTED = {
    "admin": BROWSE | {"admin", "audit"},
    "leader": BROWSE,
    "dt03_chief": BROWSE,
    "dt03_clerk": BROWSE | {"upload"},
}
ALL_PAGES = sorted(set().union(*ROUTED.values()))


def app_as(username: str | None, **params) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180)
    if username:
        at.session_state[VIEWER_KEY] = viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), username)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def routed_pages(at: AppTest) -> set[str]:
    return {Path(str(info["script_path"])).stem for info in at._registered_pages.values()
            if info.get("script_path")}


def wire_bytes(at: AppTest) -> bytes:
    """Every element of the page as serialised for the browser (tables and charts included)."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at._tree)
    return b"".join(out)


def open_as(username: str, page: str, **params) -> AppTest:
    at = app_as(username, **params)
    return switch_to(at, page)


def test_a_sign_in_pressed_but_not_handed_redraws_the_form_and_says_to_reload(sample_county_env):
    """login.js presses the hidden button only once the server has set the cookie and kept the token
    for this session; should the token be gone by the rerun (60 s passed, or evicted), the session
    says the sign-in is done and the page needs reloading, and draws a new form (a new nonce: the
    browser replaces the form whose button the script disabled), instead of the same dead form."""
    at = app_as(None)
    nonce = at.session_state[session.BIND_KEY]
    at.button(key="login_done").click().run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [session.NOT_HANDED]
    fresh = at.session_state[session.BIND_KEY]
    assert fresh != nonce and handoff.NONCE.fullmatch(fresh)
    assert any(f'name="bind" value="{fresh}"' in h.proto.body for h in at.get("html"))
    at.run()  # the next rerun of its own: the note was for the press only
    assert not at.info and at.session_state[session.BIND_KEY] == fresh


def test_without_login_only_the_login_page_exists(sample_county_env):
    at = app_as(None, unit="DT01", q='"><script>alert(1)</script>')
    assert routed_pages(at) == {"login"}
    # the login form is plain HTML posted to the server, which sets the HttpOnly cookie; it returns
    # to this page and query (escaped: the query is the visitor's)
    htmls = [h.proto for h in at.get("html")]
    [form] = [h.body for h in htmls if h.body.startswith("<form")]
    # the page's one script is the server's own file (no inline script, nothing of the visitor's in it)
    assert [h.body for h in htmls if h.unsafe_allow_javascript] == ['<script src="/account/login.js"></script>']
    # the one-time nonce the login route hands this session's sign-in under (dashboard.ui.handoff)
    nonce = at.session_state[session.BIND_KEY]
    assert handoff.NONCE.fullmatch(nonce) and f'<input type="hidden" name="bind" value="{nonce}">' in form
    assert form.startswith('<form class="dash-login" method="post" action="/account/login">')
    assert '<input type="hidden" name="next" value="/?unit=DT01&amp;q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E">' \
        in form
    assert '<input name="username"' in form and '<input name="password" type="password"' in form
    assert "<script" not in form and not at.text_input
    assert not at.dataframe and not any("fig-card" in m.value for m in at.markdown)


@pytest.mark.parametrize("role", ROLES)
def test_the_router_lists_only_the_pages_the_role_may_open(sample_county_env, role):
    at = app_as(role)
    assert routed_pages(at) == ROUTED[role]
    for page in set(ALL_PAGES) - ROUTED[role]:
        with pytest.raises(ValueError):
            at.switch_page(f"app_pages/{page}.py")


@pytest.mark.parametrize("page", ["admin", "audit", "upload"])
@pytest.mark.parametrize("role", ["leader", "dt03_chief"])
def test_restricted_pages_refuse_by_themselves(sample_county_env, page, role):
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
    at.session_state[VIEWER_KEY] = viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), role)
    at.run()
    assert [e.value for e in at.error] == ["您的账号无权访问此页面。"]
    assert not at.dataframe


# Only the pairs a router lists: absent pages are asserted by the router test above.
ROUTED_PAIRS = [(role, page) for page in ALL_PAGES for role in ROLES if page in ROUTED[role]]


@pytest.mark.parametrize("asked", ["plain", "DT01"])
@pytest.mark.parametrize("role,page", ROUTED_PAIRS)
def test_role_by_page_shows_only_the_viewers_units(sample_county_env, sample_county, role, page, asked):
    params = {} if asked == "plain" else {"unit": "DT01"}
    if page == "enterprise":
        params["ent"] = sample_county.dt01().credit_code  # another unit's enterprise, asked for by URL
    at = open_as(role, page, **params)
    shown = wire_bytes(at).decode("utf-8", errors="replace")
    leaked = [p for p in sample_county.foreign("DT03") if p in shown]
    if role in SCOPED:
        assert leaked == [], f"{role} on {page}: other units' data shown"
        if asked == "DT01" and page == "overview":  # the first run (other pages: switched to after it)
            assert any("无权查看单位“DT01”" in w.value for w in at.warning)
        if page == "enterprise":
            assert "没有这家企业，或该企业不在您的管辖范围内。" in [e.value for e in at.error]
    elif role == "leader" and page in ("overview", "enterprise", "sampling", "rectification"):
        assert leaked, f"positive control: the leadership sees other units on {page}"


@pytest.mark.parametrize("role", ROLES)
def test_exam_names_on_the_enterprise_page(sample_county_env, sample_county, role):
    eng = sample_county.engine
    with eng.connect() as conn:
        credit_code, name = conn.execute(text(
            "select e.credit_code, o.person_name from officer_exam o join enterprise e on e.credit_code = o.credit_code "
            "join org_unit u on u.unit_id = e.unit_id where u.code = 'DT03' order by o.person_name limit 1")).one()
    at = open_as(role, "enterprise", ent=credit_code)
    exams = next(d.value for d in at.dataframe if "姓名" in d.value.columns)
    if role == "admin":
        assert name not in set(exams["姓名"]) and (name[0] + "*" * (len(name) - 1)) in set(exams["姓名"])
    else:
        assert name in set(exams["姓名"])


def test_production_mode_refuses_to_start_with_demo_passwords(sample_county_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    at = app_as("leader")
    assert any("生产模式" in e.value and "dt03_chief" in e.value for e in at.error)
    assert not at.dataframe and not any("fig-card" in m.value for m in at.markdown)
