"""Page server times at sample scale: an AppTest run of each page, cold (caches empty) and warm
(same session, cached), against the run of an empty page through the same router.

    python benchmarks/bench_pages.py [--db URL] [--repeat N]

Without --db the sample county is built into a temporary SQLite file first (dashboard.demo).
Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

PAGES = ["overview", "sub_bureau", "phases", "enterprise", "sampling", "rectification"]
PARAMS = {"sub_bureau": {"unit": "DT03"}, "enterprise": {"q": "食品"}}
EMPTY_APP = '''
import streamlit as st
st.set_page_config(page_title="empty", layout="wide")
st.navigation([st.Page(lambda: st.write("空页面"), title="空页面", url_path="empty", default=True)]).run()
'''


def session(page: str):
    """A new AppTest session already on `page` (one run done, so the script is compiled)."""
    from streamlit.testing.v1 import AppTest
    from dashboard.access import viewer_for_username
    from dashboard.db import get_engine
    from dashboard.ui.session import VIEWER_KEY
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=300)
    # signed in as the leadership's demo account, as a login would (the whole county visible)
    at.session_state[VIEWER_KEY] = viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), "leader")
    for k, v in PARAMS.get(page, {}).items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


def run_page(page: str, at):
    """One more run of the session's page; returns seconds."""
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL (default: build the sample county into a temp file)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    url = args.db
    if not url:
        from dashboard.campaign import load_campaign
        from dashboard.db import get_engine
        from dashboard.demo import build_demo
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'county.sqlite'}"
        t = time.perf_counter()
        build_demo(get_engine(url), load_campaign())
        print(f"sample county built in {time.perf_counter() - t:.1f} s: {url}")
    os.environ["DASHBOARD_DB_URL"] = url

    empty_path = Path(tempfile.mkdtemp()) / "empty_app.py"
    empty_path.write_text(EMPTY_APP, encoding="utf-8")
    empty = []
    for _ in range(args.repeat):
        at = AppTest.from_file(str(empty_path), default_timeout=60)
        at.run()
        t = time.perf_counter()
        at.run()
        empty.append(time.perf_counter() - t)
    base = statistics.median(empty)

    print(f"\n{'page':<15}{'cold ms':>10}{'warm ms':>10}{'cold/empty':>12}{'warm/empty':>12}")
    print(f"{'(empty page)':<15}{base * 1000:>10.1f}{base * 1000:>10.1f}{1:>12.1f}{1:>12.1f}")
    for page in PAGES:
        cold, warm = [], []
        for _ in range(args.repeat):
            at = session(page)
            st.cache_data.clear()
            cold.append(run_page(page, at))
            warm.append(run_page(page, at))
        c, w = statistics.median(cold), statistics.median(warm)
        print(f"{page:<15}{c * 1000:>10.1f}{w * 1000:>10.1f}{c / base:>12.1f}{w / base:>12.1f}")
    print(f"\n(median of {args.repeat} sessions; each page already compiled; cold = st.cache_data "
          "cleared before the run, warm = the next run; empty = a one-line page through st.navigation; "
          "AppTest server-side time, no browser)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
