"""app.py as the app's script (AppTest): the production check costs nothing after the first run,
and every declared page must exist (nothing is silently left out of the router)."""
from __future__ import annotations

import shutil

from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.db import get_engine
from tests.pages_support import PROJECT_DIR, copy_county, sign_in
from tests.test_auth import _count_verifications


def test_production_check_runs_once_across_reruns(sample_county_url, tmp_path, monkeypatch):
    """Finding 4: with the demo passwords changed, DASHBOARD_MODE=production cost four argon2
    verifications on every page run; now four in the process, none on the reruns."""
    url = copy_county(sample_county_url, tmp_path)
    for username, *_ in auth.DEMO_ACCOUNTS:
        auth.set_password(get_engine(url), username, "a new strong password", by="test")
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    checked = _count_verifications(monkeypatch)
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180))
    runs = []
    for _ in range(3):
        at.run()
        assert not at.exception, at.exception
        runs.append(checked[0])
    assert runs == [len(auth.DEMO_ACCOUNTS)] * 3
    assert "领导小组总览" in "".join(m.value for m in at.markdown)


def test_a_missing_page_file_is_an_error(sample_county_env, tmp_path):
    """The router lists the pages it declares; a declared page whose file is missing stops the app
    with an error instead of vanishing from the navigation."""
    shutil.copy(PROJECT_DIR / "app.py", tmp_path / "app.py")
    (tmp_path / "app_pages").mkdir()
    for page in (PROJECT_DIR / "app_pages").glob("*.py"):
        if page.name != "audit.py":
            (tmp_path / "app_pages" / page.name).symlink_to(page)
    at = sign_in(AppTest.from_file(str(tmp_path / "app.py"), default_timeout=180), "admin")
    at.run()
    assert len(at.exception) == 1  # StreamlitPageNotFoundError (its text is redacted: showErrorDetails)
    assert not at.markdown
