"""Shared by the page tests: one sample-county SQLite database per test session, built with
dashboard.demo.build_demo (the same path the app takes on first start), and AppTest helpers."""
from __future__ import annotations

import os
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
