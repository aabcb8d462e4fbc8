"""Every page on a database with no record yet, and on the small county on the campaign's first day:
no traceback, whatever the page draws (the 监督抽检 page once failed on a period with no batch)."""
from __future__ import annotations


import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.pages_support import PROJECT_DIR
from tests.upload_support import seed_county, signed

pytestmark = pytest.mark.slow
PAGES = sorted(p.stem for p in (PROJECT_DIR / "app_pages").glob("*.py") if p.stem != "login")


@pytest.fixture(params=["no records", "small county"])
def env_engine(request, empty_engine, monkeypatch):
    if request.param == "small county":
        seed_county(empty_engine)
    monkeypatch.setenv("DASHBOARD_DB_URL", empty_engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    yield empty_engine
    st.cache_data.clear()


def test_every_page_runs_before_any_record_counts(env_engine):
    failed = {}
    for page in PAGES:
        at = signed(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), env_engine)
        at.query_params["as_of"] = "2023-04-15"  # inside the campaign, before the sample data's first batch
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        if at.exception:
            failed[page] = at.exception[0].value
    assert len(PAGES) == 15 and not failed, failed
