"""Load: the overview opened in 10 browser pages at once, against one page alone (a script, not a test).

    python benchmarks/load.py [--db URL [--campaign FILE] | --url URL] [--concurrency 10]
                              [--single 5] [--rounds 3] [--user leader --password demo-leader]

Without --url a server is started here: `streamlit run app.py` on a free loopback port against --db
(default: the sample county built into a temporary SQLite file by dashboard.demo), stopped with its
whole process group at the end. One headless Chromium (/usr/bin/chromium, as the browser tests) with
one browser context per simulated user (--concurrency of them, each its own Streamlit session), each
signed in once through the login form.

A load is timed from page.goto(overview URL) until the app is idle (`[data-testid="stApp"]
[data-test-script-state="notRunning"]`) with the nine target cards on screen. Measured in order:
the first load (cold when the server is fresh: caches empty), --single loads of one page alone
(warm), then --rounds rounds of --concurrency pages at once. Prints p50 / p95 / max and the ratios
to the single page's p50, and where the CPU went in each phase (the server process against the
whole machine, from /proc: the browser shares the machine). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
for _p in (PROJECT_DIR, PROJECT_DIR / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from playwright.async_api import async_playwright  # noqa: E402

from dashboard.auth import COOKIE_NAME  # noqa: E402

from bench_pages import build_sample_county  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # as tests/pages_support.py (`playwright install` is not used)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CARDS = f"{READY} .fig-card"  # the run has finished and the target cards are on screen
SIGN_IN_PATH = "history"  # a light page: signing in there leaves the overview's caches cold


# ------------------------------------------------------------------ the server
def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` in its own process group (so stop() ends Streamlit and anything it
    started); the base URL once /_stcore/health answers."""

    def __init__(self, db_url: str, campaign: str | None, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DASHBOARD_DB_URL": db_url}
        if campaign:
            env["DASHBOARD_CAMPAIGN"] = str(campaign)
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
             "--server.headless", "true"],
            cwd=PROJECT_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self._log.flush()
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"streamlit did not start:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)  # the group started with the server, nothing else
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


# ------------------------------------------------------------------ the browser
async def sign_in(context, base: str, username: str, password: str) -> None:
    """Log in through the form of a light page; returns once the browser holds the session cookie."""
    page = await context.new_page()
    await page.goto(f"{base}/{SIGN_IN_PATH}", wait_until="domcontentloaded")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    deadline = time.time() + 120
    while not any(c["name"] == COOKIE_NAME for c in await context.cookies()):
        if time.time() > deadline:
            text = await page.locator('[data-testid="stMain"]').inner_text()
            raise RuntimeError(f"login as {username!r} failed: {text[:300]}")
        await page.wait_for_timeout(100)
    await page.close()


async def load_once(page, url: str, timeout_s: float) -> float:
    """Seconds from goto(url) until the run is over and the target cards are visible."""
    start = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    await page.wait_for_selector(CARDS, state="visible", timeout=timeout_s * 1000)
    return time.perf_counter() - start


# ------------------------------------------------------------------ CPU (Linux /proc; zeros elsewhere)
def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used; 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy (all processes); 0 when unknown."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class Phase:
    """Wall time and CPU seconds (the server's, the machine's) of one phase of the run."""

    def __init__(self, server_pid: int | None):
        self.pid = server_pid

    def __enter__(self):
        self.t, self.s, self.m = time.perf_counter(), process_cpu(self.pid), machine_cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t
        self.server = process_cpu(self.pid) - self.s
        self.machine = machine_cpu() - self.m


# ------------------------------------------------------------------ statistics
def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def table(rows: list[tuple[str, list[float]]], single_p50: float | None) -> str:
    head = f"{'measure':<34}{'n':>4}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'p50/single':>12}{'p95/single':>12}"
    out = [head, "-" * len(head)]
    for name, values in rows:
        if not values:
            continue
        p50, p95 = percentile(values, 50), percentile(values, 95)
        r50 = f"{p50 / single_p50:.2f}" if single_p50 else "—"
        r95 = f"{p95 / single_p50:.2f}" if single_p50 else "—"
        out.append(f"{name:<34}{len(values):>4}{p50:>9.2f}{p95:>9.2f}{max(values):>9.2f}{r50:>12}{r95:>12}")
    return "\n".join(out)


# ------------------------------------------------------------------ the run
async def measure(base: str, args, server_pid: int | None) -> tuple[dict[str, list[float]], dict[str, Phase]]:
    """Sign every context in, then time the first load, the single loads and the concurrent rounds;
    returns the times and each phase's wall and CPU seconds."""
    url = f"{base}/{args.query}"
    times: dict[str, list[float]] = {}
    phases: dict[str, Phase] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            contexts = [await browser.new_context(viewport={"width": 1600, "height": 1000})
                        for _ in range(args.concurrency)]
            for c in contexts:
                c.set_default_timeout(args.timeout * 1000)
            for c in contexts:  # one user session each (argon2 logins one after the other)
                await sign_in(c, base, args.user, args.password)
            pages = [await c.new_page() for c in contexts]
            print(f"{len(pages)} browser contexts signed in as {args.user}; timing {url}", flush=True)

            with Phase(server_pid) as phases["first"]:
                times["first"] = [await load_once(pages[0], url, args.timeout)]
            print(f"  first load: {times['first'][0]:.2f} s", flush=True)
            with Phase(server_pid) as phases["single"]:
                times["single"] = [await load_once(pages[0], url, args.timeout) for _ in range(args.single)]
            print("  single: " + " ".join(f"{t:.2f}" for t in times["single"]), flush=True)
            with Phase(server_pid) as phases["concurrent"]:
                for r in range(args.rounds):
                    times[f"round{r + 1}"] = list(await asyncio.gather(
                        *(load_once(pg, url, args.timeout) for pg in pages)))
                    print(f"  {len(pages)} at once, round {r + 1}: "
                          + " ".join(f"{t:.2f}" for t in times[f"round{r + 1}"]), flush=True)
        finally:
            await browser.close()
    return times, phases


def cpu_table(phases: dict[str, Phase], loads: dict[str, int], serving: bool) -> str:
    """Where the CPU went in each phase: the server process against the whole machine (the
    browser runs on the same machine: a high machine share means the browser, not the server,
    bounds the figures)."""
    head = f"{'phase':<34}{'loads':>6}{'wall s':>9}{'server CPU s':>14}{'per load':>10}{'machine CPU s':>15}"
    out = [head, "-" * len(head)]
    for name, ph in phases.items():
        n = loads[name]
        server = f"{ph.server:.1f}" if serving else "—"
        per = f"{ph.server / n:.2f}" if serving and n else "—"
        out.append(f"{name:<34}{n:>6}{ph.wall:>9.1f}{server:>14}{per:>10}{ph.machine:>15.1f}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--db", help="database URL to serve (default: the sample county in a temp file)")
    where.add_argument("--url", help="base URL of a running server (e.g. http://127.0.0.1:8501)")
    ap.add_argument("--campaign", help="campaign the database was built with (DASHBOARD_CAMPAIGN)")
    ap.add_argument("--concurrency", type=int, default=10, help="pages at once (default 10)")
    ap.add_argument("--single", type=int, default=5, help="warm loads of one page alone (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of concurrent loads (default 3)")
    ap.add_argument("--user", default="leader")
    ap.add_argument("--password", default="demo-leader")
    ap.add_argument("--query", default="", help="path and query after the base URL (default: the overview)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds one load may take")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below: stop the server

    with tempfile.TemporaryDirectory(prefix="load_") as tmp:
        server = None
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                db = args.db
                if not db:
                    t = time.perf_counter()
                    db = build_sample_county(Path(tmp))
                    print(f"sample county built in {time.perf_counter() - t:.1f} s", flush=True)
                server = Server(db, args.campaign, Path(tmp) / "server.log")
                server.wait()
                base = server.url
                print(f"serving {db} at {base}", flush=True)
            times, phases = asyncio.run(measure(base, args, server.proc.pid if server else None))
        finally:
            if server is not None:
                server.stop()

    single = times["single"] or times["first"]
    s50 = percentile(single, 50)
    rounds = [times[f"round{r + 1}"] for r in range(args.rounds)]
    n = args.concurrency
    rows = [("first load (cold if server fresh)", times["first"]),
            ("single page (warm)", times["single"])]
    if rounds:
        rows.append((f"{n} at once, round 1", rounds[0]))
    if len(rounds) > 1:
        later = "round 2" if len(rounds) == 2 else f"rounds 2–{len(rounds)}"
        rows.append((f"{n} at once, {later}", [t for r in rounds[1:] for t in r]))
        rows.append((f"{n} at once, all rounds", [t for r in rounds for t in r]))
    print()
    print(table(rows, s50))
    print(f"\n(seconds from page.goto to the app idle with the target cards visible; one Chromium, "
          f"{n} contexts each signed in as {args.user}; ratios against the single page's warm p50)\n")
    print(cpu_table(phases, {"first": 1, "single": args.single, "concurrent": n * args.rounds},
                    serving=server is not None))
    print(f"\n({os.cpu_count()} CPUs shared by the server and the browser; machine CPU counts every "
          "process, the browser's included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
