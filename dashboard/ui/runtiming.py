"""The server's own time per script run, for the benchmarks (benchmarks/browser.py).

With DASHBOARD_RUN_TIMING set to a file path, app.py appends one tab-separated line per script
run: wall-clock end (epoch seconds), session id, page (its file name in app_pages/), outcome (ok, or the exception that
ended the run: StopException, RerunException …), wall seconds of the run and CPU seconds of the
run's own thread. The wall time is the server's latency for the rerun (waiting for the GIL and for
the database included, the browser's rendering excluded); the CPU time is the work itself. Without
the variable nothing is measured or written.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from streamlit.runtime.scriptrunner import get_script_run_ctx

ENV = "DASHBOARD_RUN_TIMING"
COLUMNS = ("end_time", "session_id", "page", "outcome", "wall_s", "cpu_s")
_page = threading.local()
_write = threading.Lock()


def note_page(name: str) -> None:
    """The page this run shows, by its file name in app_pages/ (the router calls it once
    st.navigation has chosen)."""
    _page.name = name


@contextmanager
def timed():
    """Time the script run inside; a line in $DASHBOARD_RUN_TIMING when it is set."""
    path = os.environ.get(ENV)
    if not path:
        yield
        return
    _page.name = ""
    start, cpu, outcome = time.perf_counter(), time.thread_time(), "ok"
    try:
        yield
    except BaseException as exc:  # st.stop and st.rerun end a run by raising: recorded, re-raised
        outcome = type(exc).__name__
        raise
    finally:
        wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
        ctx = get_script_run_ctx()
        line = (f"{time.time():.3f}\t{ctx.session_id if ctx else ''}\t{getattr(_page, 'name', '')}\t"
                f"{outcome}\t{wall:.5f}\t{cpu:.5f}\n")
        with _write, open(path, "a", encoding="utf-8") as f:
            f.write(line)


def read(path) -> list[dict]:
    """The lines written so far, as dicts (wall_s and cpu_s as floats)."""
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        return []
    rows = [dict(zip(COLUMNS, line.split("\t"))) for line in text.splitlines() if line.strip()]
    for r in rows:
        r["wall_s"], r["cpu_s"], r["end_time"] = float(r["wall_s"]), float(r["cpu_s"]), float(r["end_time"])
    return rows
