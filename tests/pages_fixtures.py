"""Shared by the page tests: one sample-county SQLite database per test session, built with
dashboard.demo.build_demo (the same path the app takes on first start), and AppTest helpers."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
_BUILT: dict[str, str] = {}


def sample_db_url(tmp_path_factory) -> str:
    """The URL of the session's sample-county database (built once, then reused)."""
    if "url" not in _BUILT:
        from dashboard.campaign import load_campaign
        from dashboard.db import get_engine
        from dashboard.demo import build_demo
        url = f"sqlite:///{tmp_path_factory.mktemp('sample_county') / 'county.sqlite'}"
        build_demo(get_engine(url), load_campaign())
        _BUILT["url"] = url
    return _BUILT["url"]


def copy_county(url: str, folder: Path) -> str:
    """A private copy of a sample-county SQLite database (sqlite3's backup: its write-ahead log
    included), for a test that changes accounts or logs in many times; returns its URL."""
    import sqlite3
    db = folder / "county.sqlite"
    with sqlite3.connect(url.split("///", 1)[1]) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return f"sqlite:///{db}"


@pytest.fixture(scope="session")
def county_url(tmp_path_factory):
    return sample_db_url(tmp_path_factory)


@pytest.fixture
def county_env(county_url, monkeypatch):
    """DASHBOARD_DB_URL pointing at the sample county, and no cached result from another test."""
    import streamlit as st
    monkeypatch.setenv("DASHBOARD_DB_URL", county_url)
    st.cache_data.clear()
    yield county_url
    st.cache_data.clear()


def displayed(markdown: str) -> str:
    """What a reader sees of Markdown source written with dashboard.ui.widgets.md: the escapes
    resolved and the invisible word joiners gone (for tests reading AppTest element values)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def sign_in(at, username: str = "leader"):
    """Put a demo account's viewer into an AppTest's session before its first run (what a login
    does; a URL cannot set it). Needs DASHBOARD_DB_URL (county_env)."""
    from dashboard.access import viewer_for_username
    from dashboard.db import get_engine
    from dashboard.ui.session import VIEWER_KEY
    at.session_state[VIEWER_KEY] = viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), username)
    return at


class SignedInBrowser:
    """A Playwright browser whose every new page carries a valid session cookie of `username`
    (a fresh server-side session of the sample county, signed with the app's secret key)."""

    def __init__(self, browser, db_url: str, username: str = "leader"):
        from dashboard.auth import COOKIE_NAME, start_session
        from dashboard.db import get_engine
        self.browser = browser
        self.cookie = {"name": COOKIE_NAME, "value": start_session(get_engine(db_url), username),
                       "domain": "127.0.0.1", "path": "/", "sameSite": "Strict"}

    def new_page(self, **kwargs):
        """A page in its own context (like Browser.new_page), signed in."""
        context = self.browser.new_context(**kwargs)
        context.add_cookies([self.cookie])
        return context.new_page()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str, port: int, log_path: Path) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port against db_url; returns once it answers."""
    env = {**os.environ, "DASHBOARD_DB_URL": db_url}
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
    import pytest
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("playwright (pip install playwright==1.65.2)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — required in CI")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright, for one test module."""
    sync_playwright = playwright_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
