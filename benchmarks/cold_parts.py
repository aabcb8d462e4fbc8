"""Where the overview's cold run goes: CPU seconds of the run and of its main parts (a script, not a test).

    python benchmarks/cold_parts.py --db sqlite:////tmp/p.sqlite --campaign /tmp/p.yaml [--runs 3]

One AppTest session on the overview (bench_pages.session, the leadership account); each run is
cold as in bench_pages.page_times (the stored figures emptied and st.cache_data cleared first). Printed per run: wall seconds, the
CPU seconds of the run's own thread (a busy machine stretches wall time, hardly CPU time), and
the CPU milliseconds spent in each core function the page's caches call (wrapped for the
measurement only). Nothing is asserted.
"""
from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
for _p in (PROJECT_DIR, PROJECT_DIR / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import streamlit as st  # noqa: E402

import bench_pages  # noqa: E402
from dashboard.db import get_engine  # noqa: E402
from dashboard.figures import stored  # noqa: E402
from dashboard.ui import runtiming  # noqa: E402

SPENT: dict[str, float] = collections.defaultdict(float)


def _timed_thread_cpu(module, name: str) -> None:
    """Replace module.name by a wrapper adding its thread CPU time to SPENT[name]."""
    real = getattr(module, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return real(*args, **kwargs)
        finally:
            SPENT[name] += time.thread_time() - start
    setattr(module, name, wrapper)


@contextmanager
def _run_cpu():
    """app.py's per-run timing hook, here: the run thread's CPU time into SPENT."""
    start = time.thread_time()
    try:
        yield
    finally:
        SPENT["(whole run)"] += time.thread_time() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="database URL (e.g. the province database of province.py)")
    ap.add_argument("--campaign", help="campaign the database was built with (DASHBOARD_CAMPAIGN)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    runtiming.timed = _run_cpu  # app.py calls runtiming.timed() around every run
    with bench_pages.app_environment(args.db, args.campaign):
        # after app_environment quiets the bare-mode warnings their st.cache_data functions print when defined
        from dashboard.figures import exceptions, strikes
        from dashboard.ui import data, widgets
        for module, name in ((data, "compute_targets"), (data, "overdue_problems"), (exceptions, "undisposed_samples"),
                             (data, "overdue_first"), (exceptions, "undisposed_first"), (strikes, "unfiled_samples"), (exceptions, "report_status"), (data, "campaigns_over"),
                             (widgets, "_chart_spec")):
            _timed_thread_cpu(module, name)
        at = bench_pages.session("overview")
        for _ in range(args.runs):
            with get_engine(args.db).begin() as conn:
                stored.empty(conn)
            st.cache_data.clear()
            SPENT.clear()
            wall = bench_pages.run_page("overview", at)
            parts = "，".join(f"{k} {v * 1000:.0f}" for k, v in sorted(SPENT.items(), key=lambda kv: -kv[1])
                             if k != "(whole run)")
            print(f"冷运行 墙钟 {wall:.2f} s，运行线程 CPU {SPENT['(whole run)']:.2f} s；各部分 CPU ms：{parts}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
