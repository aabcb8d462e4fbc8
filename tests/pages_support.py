"""Helpers of the page and browser tests: signing an AppTest or a browser in, serving the app,
finding Chromium and Playwright. The databases they run on are fixtures of tests/conftest.py."""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.access import viewer_for_username
from dashboard.auth import COOKIE_NAME, start_session
from dashboard.db import get_engine
from dashboard.ui.session import VIEWER_KEY

PROJECT_DIR = Path(__file__).resolve().parent.parent


def copy_county(url: str, folder: Path) -> str:
    """A private copy of a sample-county SQLite database (sqlite3's backup: its write-ahead log
    included), for a test that changes accounts or logs in many times; returns its URL."""
    db = folder / "county.sqlite"
    with sqlite3.connect(url.split("///", 1)[1]) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return f"sqlite:///{db}"


def displayed(markdown: str) -> str:
    """What a reader sees of Markdown source written with dashboard.ui.widgets.md: the escapes
    resolved and the invisible word joiners gone (for tests reading AppTest element values)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def sign_in(at, username: str = "leader"):
    """Put a demo account's viewer into an AppTest's session before its first run (what a login
    does; a URL cannot set it). Needs DASHBOARD_DB_URL (sample_county_env)."""
    at.session_state[VIEWER_KEY] = viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), username)
    return at


class SignedInBrowser:
    """A Playwright browser whose every new page carries a valid session cookie of `username`
    (a fresh server-side session of the sample county, signed with the app's secret key)."""

    def __init__(self, browser, db_url: str, username: str = "leader"):
        self.browser = browser
        self.cookie = {"name": COOKIE_NAME, "value": start_session(get_engine(db_url), username),
                       "domain": "127.0.0.1", "path": "/", "sameSite": "Strict"}

    def new_page(self, **kwargs):
        """A page in its own context (like Browser.new_page), signed in."""
        context = self.browser.new_context(**kwargs)
        context.add_cookies([self.cookie])
        return context.new_page()


def switch_to(at, page: str):
    """`at` (already run on the overview) on app_pages/<page>.py, run without an exception."""
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str, port: int, log_path: Path, env: dict | None = None) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port against db_url (and `env`); returns once it answers."""
    env = {**os.environ, "DASHBOARD_DB_URL": db_url, **(env or {})}
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.headless", "true"],
        cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"streamlit did not start; see {log_path}")


# ------------------------------------------------------------------ browser tests
CHROMIUM = "/usr/bin/chromium"
SHOTS = PROJECT_DIR / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def playwright_or_skip():
    """Playwright's sync API; skips with the reason when Chromium or Playwright is missing, but
    fails in CI (CI=true), where .ci/run installs both."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright  # lazy: a missing Playwright skips, not fails, here
    except ImportError:
        sync_playwright = None
        missing.append("playwright (pip install playwright==1.65.2)")
    skip_unless_installed("browser test", missing)
    return sync_playwright


def skip_unless_installed(what: str, missing: list[str]) -> None:
    """Skip with the reason when a system tool is missing, but fail in CI (CI=true), where
    .ci/run installs every one."""
    if not missing:
        return
    reason = f"{what} needs " + " and ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " — required in CI")
    pytest.skip(reason)


def settle(page) -> None:
    """Wait until the app has finished running, including the rerun the query-param sync makes."""
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(800)  # a rerun triggered by the query-param sync
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_load_state("networkidle")


def full_height(page) -> None:
    """Streamlit scrolls inside its main container: grow the viewport so a screenshot shows all."""
    height = page.evaluate("""() => {
        const m = document.querySelector('[data-testid="stMain"]');
        return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight); }""")
    page.set_viewport_size({"width": 1600, "height": min(max(int(height) + 40, 900), 8000)})
    page.wait_for_timeout(600)
