"""The web server around the app (issue 11), over HTTP against `streamlit run app.py` — the README's
command — on a copy of the sample county:

- the login route sets the session cookie itself: HttpOnly, SameSite=Strict, Secure behind HTTPS;
- every response carries the Content-Security-Policy and the other security headers;
- login and logout forms posted from another site are refused; the return address stays on site;
- an attacker throttled at one address does not lock the holder out at another (the address comes
  from X-Forwarded-For only because the peer, 127.0.0.1, is uvicorn's default trusted proxy);
- logout revokes the session and deletes the cookie;
- the login page's own script posts the same form in the background (X-Dashboard-Login: in-page):
  JSON instead of a redirect, the same cookie, and the token handed only under a well-formed nonce;
- production mode with demo passwords: the process refuses to start.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlencode

import pytest

from dashboard import audit_trail, auth
from dashboard.db import get_engine
from dashboard.ui import handoff
from tests.pages_support import PROJECT_DIR, copy_county, free_port, serve


class Site:
    def __init__(self, port: int, db_url: str):
        self.port, self.db_url = port, db_url
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, fields: dict | None = None, **headers):
        """(status, [(header, value), …] lower-cased names, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urlencode(fields).encode() if fields is not None else None
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            conn.request(method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
            resp = conn.getresponse()
            return resp.status, [(k.lower(), v) for k, v in resp.getheaders()], resp.read()
        finally:
            conn.close()

    def post(self, path: str, fields: dict, **headers):
        headers.setdefault("Origin", self.origin)
        return self.request("POST", path, fields, **headers)


def _header(headers, name: str) -> str | None:
    return next((v for k, v in headers if k == name), None)


def _cookie(headers) -> str | None:
    return next((v for k, v in headers if k == "set-cookie" and v.startswith(auth.COOKIE_NAME + "=")), None)


@pytest.fixture(scope="module")
def site(sample_county_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    url = copy_county(sample_county_url, folder)
    port = free_port()
    proc = serve(url, port, folder / "server.log")
    yield Site(port, url)
    proc.terminate()
    proc.wait(timeout=20)


LOGIN = {"username": "dt03_chief", "password": "demo-chief"}


def test_login_sets_an_httponly_strict_cookie(site):
    status, headers, _ = site.post("/account/login", {**LOGIN, "next": "/enterprise?ent=X1"})
    assert (status, _header(headers, "location")) == (303, "/enterprise?ent=X1")
    cookie = _cookie(headers)
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert attributes == {"httponly", "max-age", "path", "samesite"}  # no Secure over plain HTTP
    assert "SameSite=strict" in cookie and "Max-Age=43200" in cookie and "Path=/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert auth.viewer_for_token(get_engine(site.db_url), token).username == "dt03_chief"
    assert _header(headers, "cache-control") == "no-store"
    # behind the HTTPS proxy (nginx on this machine, a trusted proxy): Secure as well
    _, headers, _ = site.post("/account/login", LOGIN, X_Forwarded_Proto="https")
    assert "; secure" in _cookie(headers).lower()


def test_a_failed_login_returns_to_the_form_with_a_fixed_message(site):
    status, headers, _ = site.post("/account/login", {"username": "dt03_chief", "password": "nope",
                                                      "next": "/sub_bureau?unit=DT03&login_error=x"})
    assert status == 303 and _cookie(headers) is None
    assert _header(headers, "location") == "/sub_bureau?unit=DT03&login_error=failed"
    # the return address never leaves the site
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        _, headers, _ = site.post("/account/login", {**LOGIN, "next": target})
        assert _header(headers, "location") == "/", target


def test_the_in_page_login_answers_in_json_with_the_same_cookie(site):
    # a well-formed nonce minted by another process (this test's: the server's sticky-session
    # neighbour, or itself before a restart): no session there can take it, so nothing is handed and
    # the script reloads the page (the cookie signs it in). Handed in the page: test_browser_access.
    nonce = handoff.mint()
    status, headers, body = site.post("/account/login", {**LOGIN, "next": "/sub_bureau?unit=DT03&login_error=failed",
                                                         "bind": nonce}, X_Dashboard_Login="in-page")
    assert status == 200 and _header(headers, "content-type") == "application/json"
    # the page's address without the earlier error
    assert json.loads(body) == {"ok": True, "next": "/sub_bureau?unit=DT03", "handed": False}
    cookie = _cookie(headers)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and _header(headers, "cache-control") == "no-store"
    token = cookie.split(";")[0].split("=", 1)[1]
    assert auth.viewer_for_token(get_engine(site.db_url), token).username == "dt03_chief"
    assert token.encode() not in body  # the token only ever travels in the HttpOnly cookie
    # a malformed nonce: signed in by the cookie all the same, nothing handed (the script reloads)
    for bind in ("", "short", "<script>" + "x" * 40, "n" * 65):
        status, headers, body = site.post("/account/login", {**LOGIN, "bind": bind}, X_Dashboard_Login="in-page")
        assert json.loads(body) == {"ok": True, "next": "/", "handed": False} and _cookie(headers), bind
    status, headers, body = site.post("/account/login", {"username": "dt03_chief", "password": "nope",
                                                         "next": "/sub_bureau?unit=DT03", "bind": nonce},
                                      X_Dashboard_Login="in-page")
    assert (status, json.loads(body)) == (200, {"ok": False, "next": "/sub_bureau?unit=DT03&login_error=failed"})
    assert _cookie(headers) is None


def test_the_login_script_is_served_by_this_site(site):
    status, headers, body = site.request("GET", "/account/login.js")
    assert status == 200 and _header(headers, "content-type").startswith("text/javascript")
    assert b'"X-Dashboard-Login": "in-page"' in body and b".st-key-login_done button" in body
    assert "script-src 'self'" in _header(headers, "content-security-policy")


def test_forms_posted_from_another_site_are_refused(site):
    engine = get_engine(site.db_url)
    before = len(audit_trail.events(engine, username="leader"))
    for origin in ("https://evil.example", None):
        headers = {"Origin": origin} if origin else {}
        status, response_headers, _ = site.request("POST", "/account/login",
                                                   {"username": "leader", "password": "demo-leader"}, **headers)
        assert status == 403 and _cookie(response_headers) is None
        assert site.request("POST", "/account/logout", {}, **headers)[0] == 403
    assert len(audit_trail.events(engine, username="leader")) == before  # no login was even tried
    status, _, _ = site.post("/account/login", {"username": "leader", "password": "x" * 5000})
    assert status == 413


def test_security_headers_on_every_response(site):
    index = site.request("GET", "/sub_bureau")
    script = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', index[2])[1].decode()
    for status, headers, _ in (index, site.request("GET", "/" + script), site.request("GET", "/_stcore/health"),
                               site.post("/account/login", {"username": "x", "password": "y"})):
        assert status in (200, 303)
        assert _header(headers, "x-content-type-options") == "nosniff"
        assert _header(headers, "x-frame-options") == "DENY"
        assert _header(headers, "referrer-policy") == "same-origin"
        csp = dict(d.strip().split(" ", 1) for d in _header(headers, "content-security-policy").split(";"))
        assert csp["script-src"].startswith("'self' ") and "unsafe-inline" not in csp["script-src"]
        assert "unsafe-eval" not in csp["script-src"].replace("wasm-unsafe-eval", "")
        assert (csp["frame-ancestors"], csp["object-src"], csp["frame-src"]) == ("'none'", "'none'", "'none'")


def test_a_throttled_attacker_does_not_lock_out_the_holder(site):
    """Someone hammering dt03_clerk from 198.51.100.7 (through the proxy) is refused there; the clerk
    at 10.20.30.40 signs in at once."""
    attacker, holder = {"X_Forwarded_For": "198.51.100.7"}, {"X_Forwarded_For": "10.20.30.40"}
    errors = [_header(site.post("/account/login", {"username": "dt03_clerk", "password": f"guess{i}"},
                                **attacker)[1], "location") for i in range(auth.SOURCE_MAX_FAILURES + 2)]
    assert errors[:4] == ["/?login_error=failed"] * 4
    assert errors[4:auth.SOURCE_MAX_FAILURES] == ["/?login_error=locked"] * (auth.SOURCE_MAX_FAILURES - 4)
    assert errors[auth.SOURCE_MAX_FAILURES:] == ["/?login_error=throttled"] * 2
    right = {"username": "dt03_clerk", "password": "demo-clerk"}
    assert _cookie(site.post("/account/login", right, **attacker)[1]) is None
    assert _cookie(site.post("/account/login", right, **holder)[1]) is not None
    clients = [e["detail"]["client"] for e in audit_trail.events(get_engine(site.db_url), username="dt03_clerk")
               if e["action"] in ("login", "login_failed")]
    assert set(clients) == {"198.51.100.7", "10.20.30.40"}


def test_logout_revokes_the_session_and_deletes_the_cookie(site):
    token = _cookie(site.post("/account/login", LOGIN)[1]).split(";")[0].split("=", 1)[1]
    status, headers, _ = site.post("/account/logout", {}, Cookie=f"{auth.COOKIE_NAME}={token}")
    assert (status, _header(headers, "location")) == (303, "/")
    assert re.match(rf'{auth.COOKIE_NAME}=""?; .*Max-Age=0', _cookie(headers))
    assert auth.viewer_for_token(get_engine(site.db_url), token) is None


def test_production_mode_with_demo_passwords_refuses_to_start(sample_county_url, tmp_path):
    """The lifespan hook checks at start: with the demo passwords in place the process exits with
    the reason, before it serves anyone."""
    env = {**os.environ, "DASHBOARD_DB_URL": copy_county(sample_county_url, tmp_path), "DASHBOARD_MODE": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(free_port()), "--browser.gatherUsageStats", "false", "--server.headless", "true"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "生产模式（DASHBOARD_MODE=production）下拒绝启动" in done.stderr + done.stdout
    assert "admin、leader、dt03_chief、dt03_clerk 仍在使用公开的演示密码" in done.stderr + done.stdout


def test_under_single_sign_on_no_password_signs_in(sample_county_url, tmp_path):
    """DASHBOARD_AUTH=oidc: the login route refuses a right password (no cookie, no session), as
    the login page offers only the single sign-on button."""
    url = copy_county(sample_county_url, tmp_path)
    sessions = "select count(*) from user_session"
    with get_engine(url).connect() as conn:
        before = conn.exec_driver_sql(sessions).scalar_one()
    port = free_port()
    proc = serve(url, port, tmp_path / "server.log", env={"DASHBOARD_AUTH": "oidc"})
    try:
        oidc = Site(port, url)
        status, headers, body = oidc.post("/account/login", {**LOGIN, "next": "/"})
        assert (status, _cookie(headers)) == (403, None)
        assert "统一身份认证" in body.decode()
        status, headers, _ = oidc.post("/account/login", {**LOGIN, "next": "/"}, X_Dashboard_Login="in-page")
        assert (status, _cookie(headers)) == (403, None)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql(sessions).scalar_one() == before


def test_the_default_pages_own_name_leads_home_with_its_query(site):
    """/overview is the default page, served at "/": its name would open Streamlit's English
    "Page not found" dialog, so the server sends it home with the query kept."""
    status, headers, _ = site.request("GET", "/overview?unit=DT03&as_of=2023-08-31")
    assert (status, _header(headers, "location")) == (307, "/?unit=DT03&as_of=2023-08-31")
    status, headers, _ = site.request("GET", "/overview")
    assert (status, _header(headers, "location")) == (307, "/")
