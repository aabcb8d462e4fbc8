"""The web server around the app (app.py declares `st.App`; Starlette and uvicorn underneath).

- POST /account/login checks the password (dashboard.auth: lockout and throttle by client address)
  and sets the session cookie itself: HttpOnly (no script in the page can read it), SameSite=Strict,
  Secure over HTTPS. The login form is a plain HTML form (session.login_form), so the password never
  passes through the page's websocket and no script is needed to store the cookie. The page's own
  script (GET /account/login.js) posts the same form in the background (header X-Dashboard-Login:
  in-page) and gets JSON instead of a redirect: the sign-in is handed to the Streamlit session that
  showed the form (dashboard.ui.handoff) instead of reloading the page.
- POST /account/logout revokes the session on the server and deletes the cookie.
  Both refuse a form posted from another site (Origin must name this host).
- Every HTTP response carries a Content-Security-Policy that lets the page run only the app's own
  scripts (an injected `<script>` or `<iframe srcdoc>` script does not run), and the usual
  X-Content-Type-Options / X-Frame-Options / Referrer-Policy / Permissions-Policy headers.
- The lifespan hook runs the production-mode check once when the process starts; a refusal stops it.

The client address is the peer of the connection; behind nginx it is the address nginx adds to
X-Forwarded-For, which uvicorn honours only from the proxies in FORWARDED_ALLOW_IPS (default
127.0.0.1: nginx on the same machine).
"""
from __future__ import annotations

import base64
import hashlib
import re
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import streamlit
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import auth
from dashboard.ui import handoff, heap
from dashboard.db import database_url, get_engine

LOGIN_PATH = "/account/login"
LOGOUT_PATH = "/account/logout"
LOGIN_SCRIPT_PATH = "/account/login.js"
LOGIN_SCRIPT = (Path(__file__).parent / "static" / "login.js").read_text(encoding="utf-8")
IN_PAGE = ("x-dashboard-login", "in-page")  # the header login.js sends: answer in JSON, hand the sign-in over
LOGIN_ERROR = "login_error"  # query parameter naming why a login failed: one of ERRORS
ERRORS = {"failed": auth.GENERIC_FAILURE, "locked": auth.LOCKED_FAILURE, "throttled": auth.THROTTLED_FAILURE}
_ERROR_OF = {"lockout": "locked", "locked": "locked", "throttled": "throttled"}  # any other failure: failed
MAX_FORM_BYTES = 4096  # a username, a password and a page address


def _inline_script_hashes() -> str:
    """CSP sources for the inline scripts of Streamlit's own index.html (one, today)."""
    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                    for body in re.findall(r"<script>(.*?)</script>", html, re.S))


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    f"script-src 'self' 'wasm-unsafe-eval' {_inline_script_hashes()}",  # WebAssembly, not eval
    "style-src 'self' 'unsafe-inline'",  # Streamlit's components style themselves at run time
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",  # the websocket and uploads go to this host only
    "worker-src 'self' blob:",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every HTTP response (websockets pass untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)
        return await self.app(scope, receive, send_with_headers)


# ------------------------------------------------------------------ login and logout
def _engine():
    return get_engine(database_url())


def _from_this_site(request: Request) -> bool:
    """Whether a POST comes from a page of this site: browsers send Origin with every form POST,
    and it must name the host the request was sent to (refuses login and logout forged elsewhere)."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


async def _form(request: Request) -> dict[str, str] | None:
    """The url-encoded form, or None when its body exceeds MAX_FORM_BYTES (read no further)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def safe_next(target: str | None) -> str:
    """The page to return to after the login: a path on this site, else the start page."""
    target = str(target or "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000:
        return "/"
    return target


def _query(target: str) -> tuple[str, list[tuple[str, str]]]:
    """A target's path and its query without an earlier attempt's LOGIN_ERROR."""
    parts = urlsplit(target)
    return parts.path, [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != LOGIN_ERROR]


def _with_error(target: str, code: str) -> str:
    path, query = _query(target)
    return path + "?" + urlencode([*query, (LOGIN_ERROR, code)])


def _without_error(target: str) -> str:
    path, query = _query(target)
    return path + ("?" + urlencode(query) if query else "")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    """POST /account/login: back to the page asked for with the HttpOnly session cookie, or to the
    login form with ?login_error=failed|locked|throttled."""
    if not _from_this_site(request):
        return PlainTextResponse("拒绝：登录请求不是从本站的登录页提交的。", status_code=403)
    if auth.auth_mode() != "local":  # single sign-on: the login page shows no password form either
        return PlainTextResponse("拒绝：本站使用统一身份认证登录，不接受账号密码登录。", status_code=403)
    form = await _form(request)
    if form is None:
        return PlainTextResponse("请求过大。", status_code=413)
    target = safe_next(form.get("next"))
    result = await run_in_threadpool(auth.login, _engine(), form.get("username", ""), form.get("password", ""),
                                     source="web", client=_client(request))
    in_page = request.headers.get(IN_PAGE[0]) == IN_PAGE[1]
    if not result.ok:
        target = _with_error(target, _ERROR_OF.get(result.reason, "failed"))
        return _no_store(JSONResponse({"ok": False, "next": target}) if in_page else RedirectResponse(target, 303))
    response = (JSONResponse({"ok": True, "next": _without_error(target),
                              "handed": handoff.put(form.get("bind"), result.token)})
                if in_page else RedirectResponse(target, status_code=303))
    response.set_cookie(auth.COOKIE_NAME, result.token, max_age=int(auth.SESSION_LIFETIME.total_seconds()),
                        path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict")
    return _no_store(response)


async def login_script(_request: Request) -> Response:
    """GET /account/login.js: the login form's background post (a file of this app: the CSP's 'self')."""
    return Response(LOGIN_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


async def logout(request: Request) -> Response:
    """POST /account/logout: the session is revoked on the server and the cookie deleted."""
    if not _from_this_site(request):
        return PlainTextResponse("拒绝：退出请求不是从本站页面提交的。", status_code=403)
    await run_in_threadpool(auth.end_session, _engine(), request.cookies.get(auth.COOKIE_NAME))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/", secure=request.url.scheme == "https", httponly=True,
                           samesite="strict")
    return _no_store(response)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def home(request: Request) -> Response:
    """GET /overview: the default page lives at "/" in st.navigation, so its own name would open
    Streamlit's English "Page not found" dialog; a link or bookmark naming it is sent home instead,
    with its query (unit, window, as-of) kept."""
    query = request.url.query
    return RedirectResponse("/" + (f"?{query}" if query else ""), status_code=307)


HOME_ALIAS = "/overview"  # app.py's default page (PAGES: "overview")
ROUTES = [Route(LOGIN_PATH, login, methods=["POST"]), Route(LOGOUT_PATH, logout, methods=["POST"]),
          Route(LOGIN_SCRIPT_PATH, login_script, methods=["GET"]),
          Route(HOME_ALIAS, home, methods=["GET"])]
MIDDLEWARE = [Middleware(SecurityHeaders)]


@asynccontextmanager
async def lifespan(_app):
    """At start: DASHBOARD_MODE=production refuses to serve (the process exits) while
    dashboard.auth.production_problems() finds anything; the pass is remembered for the process."""
    try:
        await run_in_threadpool(auth.check_production, _engine())
    except auth.ProductionRefusal as exc:
        print(exc, file=sys.stderr, flush=True)
        raise
    heap.serving()
    yield
