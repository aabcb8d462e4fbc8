"""Page server times: an AppTest run of each page, cold (caches empty) and warm (same session,
cached), against the run of an empty page through the same router.

    python benchmarks/bench_pages.py [--db URL] [--campaign FILE] [--repeat N] [--pages overview,...]

Without --db the sample county is built into a temporary SQLite file first (dashboard.demo).
--campaign is the campaign configuration the database was built with (a YAML path or a name under
campaigns/, as DASHBOARD_CAMPAIGN), e.g. the province database of benchmarks/province.py.
Figures are printed, never asserted.

`page_times(db_url, campaign=None, pages=("overview",), repeat=3, username="leader")` is the same
measurement as a function (benchmarks/bench.py uses it for the province/county ratio).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

import streamlit as st  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from streamlit.runtime.scriptrunner import script_cache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from dashboard.access import viewer_for_username  # noqa: E402
from dashboard.campaign import load_campaign  # noqa: E402
from dashboard.db import get_engine  # noqa: E402
from dashboard.demo import build_demo  # noqa: E402
from dashboard.figures import stored  # noqa: E402
from dashboard.models import UploadBatch  # noqa: E402
from dashboard.ui.session import VIEWER_KEY  # noqa: E402

PAGES = ["overview", "sub_bureau", "phases", "enterprise", "sampling", "rectification"]
# bare-mode warnings printed by every AppTest run ("missing ScriptRunContext", "No runtime found")
QUIET = ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api")
EMPTY_APP = '''
import streamlit as st
st.set_page_config(page_title="empty", layout="wide")
st.navigation([st.Page(lambda: st.write("空页面"), title="空页面", url_path="empty", default=True)]).run()
'''


def _params(page: str) -> dict:
    """Query parameters a page is opened with: the sub-bureau page on DT03 (the sample county), else
    on the first unit below the active campaign's root; the enterprise page on a search."""
    if page == "sub_bureau":
        codes = [u.code for u in load_campaign().root.children] or [load_campaign().root.code]
        return {"unit": "DT03" if "DT03" in codes else codes[0]}
    return {"q": "食品"} if page == "enterprise" else {}


@contextmanager
def app_environment(db_url: str, campaign: str | None = None):
    """DASHBOARD_DB_URL (and DASHBOARD_CAMPAIGN) set for AppTest runs in this process, the app's
    cached campaign and results dropped on entry and exit; the environment restored afterwards."""
    for name in QUIET:
        logging.getLogger(name).disabled = True
    from dashboard.ui import data  # after the line above: its st.cache_data functions warn as they are defined
    saved = {k: os.environ.get(k) for k in ("DASHBOARD_DB_URL", "DASHBOARD_CAMPAIGN")}
    os.environ["DASHBOARD_DB_URL"] = db_url
    if campaign:
        os.environ["DASHBOARD_CAMPAIGN"] = str(campaign)
    else:
        os.environ.pop("DASHBOARD_CAMPAIGN", None)
    data._campaign.clear()  # st.cache_resource: one campaign per process otherwise
    st.cache_data.clear()
    try:
        yield
    finally:
        data._campaign.clear()
        st.cache_data.clear()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def session(page: str, username: str = "leader", viewer=None):
    """A new AppTest session already on `page` (one run done, so the script is compiled), signed
    in as `username` or as the given Viewer."""
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=600)
    # signed in as a login would (the leadership account: everything visible)
    at.session_state[VIEWER_KEY] = viewer or viewer_for_username(get_engine(os.environ["DASHBOARD_DB_URL"]), username)
    for k, v in _params(page).items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


def run_page(page: str, at) -> float:
    """One more run of the session's page; returns seconds."""
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    return elapsed


def page_times(db_url: str, campaign: str | None = None, pages=("overview",), repeat: int = 3,
               username: str = "leader") -> dict[str, tuple[float, float]]:
    """{page: (cold_s, warm_s)}, medians over `repeat` new sessions signed in as `username`:
    cold = the page's run right after the stored figures were emptied and st.cache_data cleared,
    warm = the same session's next run (caches filled). The stored figures outlive st.cache_data
    (dashboard.figures.stored): cleared alone, the "cold" run would read the figures the session's
    first run stored. Emptied, every figure is counted again, as after a rollup rebuild or a new org
    tree (an upload now invalidates only the units it changes: this cold run is the harsher one). `campaign`
    is the configuration the database was built with (DASHBOARD_CAMPAIGN; None: the default
    campaign)."""
    out = {}
    with app_environment(db_url, campaign):
        for page in pages:
            cold, warm = [], []
            for _ in range(repeat):
                at = session(page, username)
                with get_engine(db_url).begin() as conn:
                    stored.empty(conn)
                st.cache_data.clear()
                cold.append(run_page(page, at))
                warm.append(run_page(page, at))
            out[page] = (statistics.median(cold), statistics.median(warm))
    return out


def new_data_version(db_url: str) -> None:
    """What an upload does to every cache key: a new committed batch (no records: the figures
    stay the same, every page cache misses; the stored figures stay valid, dashboard.figures.stored
    invalidates only the units a batch's records change, and this one changes none)."""
    with get_engine(db_url).begin() as conn:
        newest = conn.execute(select(func.max(UploadBatch.batch_id))).scalar() or 0
        conn.execute(insert(UploadBatch).values(
            file_name="bench-version.xlsx", sha256=f"{newest + 1:064x}", uploader="bench",
            uploaded_at=datetime.now(), status="committed", rows_json="{}"))


@contextmanager
def one_compile_at_a_time():
    """AppTest compiles the page scripts again on every run (a server compiles each once, in its
    shared script cache); CPython 3.11's ast.parse is not safe in concurrent threads ("AST
    constructor recursion depth mismatch"), so the concurrent reruns below compile one at a time."""
    lock, real = threading.Lock(), script_cache.ScriptCache.get_bytecode

    def get_bytecode(self, script_path):
        with lock:
            return real(self, script_path)
    script_cache.ScriptCache.get_bytecode = get_bytecode
    try:
        yield
    finally:
        script_cache.ScriptCache.get_bytecode = real


def concurrent_cold(db_url: str, campaign: str | None = None, sessions: int = 10,
                    username: str = "leader") -> tuple[float, list[float]]:
    """(one session's rerun after an upload, each of `sessions` sessions' reruns after another
    upload when they all rerun at once), seconds. The sessions are different people of the same
    access (`username`'s viewer under other names), each already showing the overview."""
    with app_environment(db_url, campaign), one_compile_at_a_time():
        who = viewer_for_username(get_engine(db_url), username)
        tabs = [session("overview", viewer=dataclasses.replace(who, username=f"{username}{i}"))
                for i in range(sessions)]
        new_data_version(db_url)
        single = run_page("overview", tabs[0])
        new_data_version(db_url)
        times = [0.0] * sessions
        start = threading.Barrier(sessions)

        def rerun(i: int) -> None:
            start.wait()
            times[i] = run_page("overview", tabs[i])
        threads = [threading.Thread(target=rerun, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return single, times


def empty_page_time(repeat: int = 3) -> float:
    """Median seconds of a rerun of a one-line page through st.navigation (the floor)."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        empty_path = Path(tmp) / "empty_app.py"
        empty_path.write_text(EMPTY_APP, encoding="utf-8")
        for _ in range(repeat):
            at = AppTest.from_file(str(empty_path), default_timeout=60)
            at.run()
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_sample_county(folder: Path) -> str:
    """The sample county (dashboard.demo) in a SQLite file in `folder`; returns its URL."""
    url = f"sqlite:///{folder / 'county.sqlite'}"
    build_demo(get_engine(url), load_campaign())
    return url


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL (default: build the sample county into a temp file)")
    ap.add_argument("--campaign", help="campaign the database was built with (YAML path or name; "
                                       "default: the default campaign)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated (default: all six)")
    ap.add_argument("--user", default="leader", help="account the sessions are signed in as")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
        url = args.db
        if not url:
            t = time.perf_counter()
            url = build_sample_county(Path(tmp))
            print(f"sample county built in {time.perf_counter() - t:.1f} s: {url}")
        base = empty_page_time(args.repeat)
        pages = [p.strip() for p in args.pages.split(",") if p.strip()]

        print(f"\n{'page':<15}{'cold ms':>10}{'warm ms':>10}{'cold/empty':>12}{'warm/empty':>12}")
        print(f"{'(empty page)':<15}{base * 1000:>10.1f}{base * 1000:>10.1f}{1:>12.1f}{1:>12.1f}")
        for page in pages:  # one at a time, so each line appears as soon as it is measured
            c, w = page_times(url, args.campaign, (page,), args.repeat, args.user)[page]
            print(f"{page:<15}{c * 1000:>10.1f}{w * 1000:>10.1f}{c / base:>12.1f}{w / base:>12.1f}", flush=True)
    print(f"\n(median of {args.repeat} sessions; each page already compiled; cold = stored figures "
          "emptied and st.cache_data cleared before the run, warm = the next run; empty = a one-line page through st.navigation; "
          "AppTest server-side time, no browser)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
