"""Issue #16's browser goals (a script, not a test): the sidebar unit switch against a trivial app,
the first page after sign-in, and the server's own latency per rerun under ten sessions.

    python benchmarks/browser.py [--db URL [--campaign FILE]] [--port 8615] [--sessions 10]

Without --db the sample county is built into a temporary SQLite file. Three servers are started here
(`streamlit run`, each in its own process group, stopped at the end): the dashboard on --port and a
trivial Streamlit app (a sidebar select box and a heading) on --port + 1, and the same trivial app on
--port + 2 without Streamlit's full garbage collection after every run (for information). With
--pin (default on a machine of two CPUs or more) the servers run on CPU 0 and this script, Playwright's driver and
Chromium on the other CPUs (sched_setaffinity), so the browsers do not take the server's CPU.

Goal 1a, unit switch: on the county overview, pick each unit in the sidebar's 单位 box that has not
been shown before; seconds from the click on the option until the heading names the unit and the
run is over (`data-test-script-state="notRunning"`). The same clicks, in the same browser and
interleaved one by one, on the trivial app. Median ÷ median, goal ≤ 2×.
Goal 1b, first page after sign-in: a new browser context opens the overview's URL (the login form),
fills it in and submits; seconds from the submit until the nine target cards are on screen.
Median of --logins contexts after one untimed sign-in (the server's caches warm), goal ≤ 1.5 s.
Goals 3 and 4, ten sessions, from the server's own wall time of every script run
(DASHBOARD_RUN_TIMING, dashboard/ui/runtiming.py): ten sessions rerunning after an upload against
one session's cold rerun, and ten sessions rerunning at random moments against one — see
benchmarks/server_runs.py. Printed for information only (not a goal line): the lockstep burst, one
session reloading the overview --single times, then --sessions sessions reloading it at once,
--rounds times; its p95 ratio cannot fall below about N ÷ the server's CPUs (N runs arriving
together on one CPU: the last ends after N runs' work), whatever a run costs.
--only runs measures goals 3 and 4 alone (no sign-in, no unit switch).

`browser_goals(db_url, campaign=None, port=8615, sessions=10)` returns the goal rows for
benchmarks/bench.py (`(label, ratio, limit)`), after printing the details. Goal 3 uploads into
db_url (committed batches: its figures change).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
for _p in (PROJECT_DIR, PROJECT_DIR / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from playwright.async_api import async_playwright  # noqa: E402

from dashboard.auth import COOKIE_NAME, start_session  # noqa: E402
from dashboard.campaign import load_campaign  # noqa: E402
from dashboard.db import get_engine  # noqa: E402
from dashboard.ui import runtiming  # noqa: E402

from bench_pages import build_sample_county  # noqa: E402
from load import ARGS, CARDS, CHROMIUM, READY, Server, percentile  # noqa: E402
from server_runs import goal_rows, measure_runs  # noqa: E402

GOALS = {"switch": 2.0, "sign_in_s": 1.5}
TRIVIAL_APP = '''
import streamlit as st
st.set_page_config(page_title="trivial", layout="wide")
names = {names!r}
with st.sidebar:
    unit = st.selectbox("单位", list(names), format_func=names.get, key="ctl_unit")
st.markdown(f"### {{names[unit].strip()}}总览")
'''
HEADING = '[data-testid="stMain"] h3'


class PinnedServer(Server):
    """load.Server on a given port, with extra environment, optionally on CPU 0 only (cwd: the
    project folder it serves, e.g. another revision's checkout: benchmarks/first_page.py)."""

    def __init__(self, db_url, campaign, log_path: Path, port: int, env: dict, script: str = "app.py",
                 pin: bool = False, cwd: Path = PROJECT_DIR, options: tuple[str, ...] = ()):
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        full = {**os.environ, "DASHBOARD_DB_URL": db_url, **env}
        if campaign:
            full["DASHBOARD_CAMPAIGN"] = str(campaign)
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.headless", "true",
             "--server.fileWatcherType", "none", *options],
            cwd=cwd, env=full, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if pin else None)


def unit_names(db_url: str, campaign: str | None) -> dict[str, str]:
    """{code: indented name} of every unit, as the sidebar lists them (root first)."""
    conf = load_campaign(campaign) if campaign else load_campaign()
    out = {}

    def walk(u, depth):
        out[u.code] = "　" * depth + u.name
        for c in u.children:
            walk(c, depth + 1)
    walk(conf.root, 0)
    return out


async def settled(page) -> None:
    """Wait as a person typing a password does: the login page's run is over, its warm-up chart is
    drawn and the network has been quiet for half a second (the login script loaded)."""
    await page.wait_for_selector(f'{READY} [data-testid="stVegaLiteChart"] canvas, '
                                 f'{READY} [data-testid="stVegaLiteChart"] svg.marks', state="attached")
    await page.wait_for_load_state("networkidle")


async def sign_in_timed(context, base: str, username: str, password: str, timeout: float) -> tuple:
    """(seconds from submitting the login form on the overview's URL until the target cards show, the page).
    The form is filled once the login page has settled, as a person typing would."""
    page = await context.new_page()
    await page.goto(f"{base}/", wait_until="domcontentloaded")
    await settled(page)
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    start = time.perf_counter()
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_selector(CARDS, state="visible", timeout=timeout * 1000)
    elapsed = time.perf_counter() - start
    return elapsed, page


async def signed_in_page(context, base: str, cookie: dict, timeout: float):
    """A page of the context holding a session cookie made on the server side (what a sign-in
    leaves; argon2 is timed only in goal 1b), already showing the overview."""
    await context.add_cookies([cookie])
    page = await context.new_page()
    await page.goto(f"{base}/", wait_until="commit", timeout=timeout * 1000)
    await page.wait_for_selector(CARDS, state="visible", timeout=timeout * 1000)
    return page


async def opened_or_none(context, url: str | None, timeout: float):
    """A page of `context` showing the trivial app at `url`, or None when it did not come up (the
    information-only baseline: its failure must not cost the goals measured beside it)."""
    if url is None:
        return None
    try:
        page = await context.new_page()
        await page.goto(url, wait_until="domcontentloaded")
        await page.wait_for_selector(f"{READY} {HEADING}", timeout=timeout * 1000)
        return page
    except Exception as exc:  # noqa: BLE001
        print(f"  （参考用空应用未能打开：{type(exc).__name__}）", flush=True)
        return None


async def switch_unit(page, name: str, timeout: float) -> float:
    """Open the sidebar's 单位 box, click the option `name`; seconds from the click until the
    heading names the unit and the run is over."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="单位").first
    await box.click()
    option = page.locator('[role="option"]').filter(has_text=name.strip()).first
    await option.wait_for(state="visible", timeout=timeout * 1000)
    start = time.perf_counter()
    await option.click()
    await page.locator(HEADING).filter(has_text=f"{name.strip()}总览").first.wait_for(timeout=timeout * 1000)
    await page.wait_for_selector(READY, timeout=timeout * 1000)
    return time.perf_counter() - start


def session_cookie(db_url: str, username: str) -> dict:
    """A valid session cookie of `username` for the servers started here (as tests/pages_support)."""
    return {"name": COOKIE_NAME, "value": start_session(get_engine(db_url), username),
            "domain": "127.0.0.1", "path": "/", "sameSite": "Strict"}


def server_runs(path: Path, since: float, until: float, page: str = "overview") -> list[dict]:
    return [r for r in runtiming.read(path)
            if since <= r["end_time"] <= until and r["page"] == page and r["outcome"] == "ok"]


async def measure(base: str, trivial: str, lean: str | None, timing: Path, names: dict, db_url: str, folder: Path,
                  args) -> dict:
    out: dict = {}
    timeout = args.timeout
    cookie = session_cookie(db_url, args.user)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            view = {"viewport": {"width": 1600, "height": 1000}}
            # ---- goals 3 and 4: ten sessions, each with its own session of the account
            out |= await measure_runs(browser, base, timing, [session_cookie(db_url, args.user)
                                                               for _ in range(args.sessions)], db_url, folder, args)
            if args.only == "runs":
                return out
            # ---- goal 1b: first page after sign-in (one untimed sign-in warms the server's caches)
            logins = []
            for i in range(args.logins + 1):
                ctx = await browser.new_context(**view)
                t, page = await sign_in_timed(ctx, base, args.user, args.password, timeout)
                logins.append(t)
                await ctx.close()
            out["sign_in"] = logins
            print("  登录后第一页（秒，第一次为冷缓存，不计）：" + " ".join(f"{t:.2f}" for t in logins), flush=True)

            # ---- goal 1a: unit switch, dashboard vs trivial app, interleaved
            ctx = await browser.new_context(**view)
            dash = await signed_in_page(ctx, base, cookie, timeout)
            tctx = await browser.new_context(**view)
            triv = await tctx.new_page()
            await triv.goto(trivial, wait_until="domcontentloaded")
            await triv.wait_for_selector(f"{READY} {HEADING}", timeout=timeout * 1000)
            lctx = await browser.new_context(**view)  # a page of its own window: a background tab is throttled
            lean_page = await opened_or_none(lctx, lean, timeout)
            switches, trivial_switches, lean_switches = [], [], []
            for code, name in list(names.items())[1:args.units + 1]:
                switches.append(await switch_unit(dash, name, timeout))
                trivial_switches.append(await switch_unit(triv, name, timeout))
                if lean_page is not None:  # for information only: its failure costs no goal
                    try:
                        lean_switches.append(await switch_unit(lean_page, name, timeout))
                    except Exception as exc:  # noqa: BLE001
                        print(f"  （参考用空应用切换失败，不再计：{type(exc).__name__}）", flush=True)
                        lean_page = None
            out["switch"], out["trivial"], out["lean"] = switches, trivial_switches, lean_switches
            print("  切换单位（秒）看板：" + " ".join(f"{t:.2f}" for t in switches), flush=True)
            print("  切换单位（秒）空应用：" + " ".join(f"{t:.2f}" for t in trivial_switches), flush=True)
            if lean_switches:
                print("  切换单位（秒）空应用，运行后不做全量垃圾回收：" + " ".join(f"{t:.2f}" for t in lean_switches),
                      flush=True)
            await ctx.close()
            await tctx.close()
            await lctx.close()

            # ---- for information: the lockstep burst (all sessions reload at once), floor ~N ÷ CPUs
            contexts = [await browser.new_context(**view) for _ in range(args.sessions)]
            pages = [await signed_in_page(c, base, cookie, timeout) for c in contexts]
            url = f"{base}/"

            async def reload(pg):
                await pg.goto(url, wait_until="commit", timeout=timeout * 1000)
                await pg.wait_for_selector(CARDS, state="visible", timeout=timeout * 1000)
            await asyncio.sleep(0.5)
            t0 = time.time()
            for _ in range(args.single):
                await reload(pages[0])
            t1 = time.time()
            out["single_runs"] = server_runs(timing, t0, t1)
            for _ in range(args.rounds):
                await asyncio.gather(*(reload(pg) for pg in pages))
            out["ten_runs"] = server_runs(timing, t1, time.time())
        finally:
            await browser.close()
    return out


def browser_goals(db_url: str, campaign: str | None = None, port: int = 8615, sessions: int = 10,
                  args: argparse.Namespace | None = None) -> list[tuple[str, float, float]]:
    """Run the three measurements against db_url; print them; return (label, ratio, limit) rows."""
    args = args or parser().parse_args([])
    args.sessions = sessions
    names = unit_names(db_url, campaign)
    pin = args.pin if args.pin is not None else (os.cpu_count() or 1) >= 2
    saved = os.sched_getaffinity(0)
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp:
        tmp = Path(tmp)
        timing = tmp / "runs.tsv"
        trivial_py = tmp / "trivial_app.py"
        trivial_py.write_text(TRIVIAL_APP.format(names=names), encoding="utf-8")
        dash = PinnedServer(db_url, campaign, tmp / "dash.log", port, {"DASHBOARD_RUN_TIMING": str(timing)}, pin=pin)
        triv = PinnedServer(db_url, campaign, tmp / "trivial.log", port + 1, {}, script=str(trivial_py), pin=pin)
        # the same trivial app without Streamlit's full collection after every run (runner.postScriptGC,
        # on by default): the dashboard's heap is frozen (dashboard/ui/heap.py), so its collection walks
        # only what is new; the trivial app's walks all of Streamlit every run (about 40 ms here)
        lean = PinnedServer(db_url, campaign, tmp / "lean.log", port + 2, {}, script=str(trivial_py), pin=pin,
                            options=("--runner.postScriptGC", "false"))
        try:
            dash.wait()
            triv.wait()
            try:
                lean.wait()
                lean_url = lean.url
            except Exception as exc:  # noqa: BLE001 - the information-only baseline: no goal depends on it
                print(f"  （参考用空应用未能启动：{type(exc).__name__}）", flush=True)
                lean_url = None
            if pin:
                os.sched_setaffinity(0, (saved - {0}) or saved)  # the driver and Chromium inherit it
            print(f"  看板 {dash.url}，空应用 {triv.url}"
                  + ("；服务器在 CPU 0，浏览器在其余 CPU" if pin else "（未绑定 CPU）"), flush=True)
            out = asyncio.run(measure(dash.url, triv.url, lean_url, timing, names, db_url, tmp, args))
        finally:
            os.sched_setaffinity(0, saved)
            dash.stop()
            triv.stop()
            lean.stop()
    rows = goal_rows(out, args.sessions, args.think, args.seconds)
    if args.only == "runs":
        return rows
    sign_in = statistics.median(out["sign_in"][1:])
    switch, trivial = statistics.median(out["switch"]), statistics.median(out["trivial"])
    print(f"  切换单位中位数：看板 {switch * 1000:.0f} ms，空应用 {trivial * 1000:.0f} ms；"
          f"登录后第一页中位数 {sign_in * 1000:.0f} ms")
    if out["lean"]:
        lean_median = statistics.median(out["lean"])
        print(f"  仅供参考，空应用关闭运行后的全量垃圾回收（--runner.postScriptGC false）时切换单位中位数 "
              f"{lean_median * 1000:.0f} ms，看板 ÷ 它 = {switch / lean_median:.2f}×")
    rows.append(("侧栏切换单位（示例县总览，Chromium）÷ 空应用同一操作", switch / trivial, GOALS["switch"]))
    rows.append((f"登录后第一页 ÷ {GOALS['sign_in_s']:g} s", sign_in / GOALS["sign_in_s"], 1.0))
    one = [r["wall_s"] for r in out["single_runs"]]
    ten = [r["wall_s"] for r in out["ten_runs"]]
    if len(one) >= 2 and len(ten) >= 2:
        p1, p10 = percentile(one, 95), percentile(ten, 95)
        c1 = statistics.median(r["cpu_s"] for r in out["single_runs"])
        c10 = statistics.median(r["cpu_s"] for r in out["ten_runs"])
        cpus = 1 if pin else (os.cpu_count() or 1)
        print(f"  仅供参考，同步重新加载（{args.sessions} 个会话同时到达，下限约 {args.sessions} ÷ {cpus} 个服务器 CPU"
              f" = {args.sessions / cpus:g}×）：单个会话 n={len(one)} p95 {p1 * 1000:.0f} ms；同时 n={len(ten)} "
              f"p95 {p10 * 1000:.0f} ms，{p10 / p1:.2f}×；运行线程 CPU 中位数 {c1 * 1000:.0f} / {c10 * 1000:.0f} ms")
    return rows


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL (default: the sample county in a temp file)")
    ap.add_argument("--campaign", help="campaign the database was built with (DASHBOARD_CAMPAIGN)")
    ap.add_argument("--port", type=int, default=8615, help="the dashboard's port; the trivial apps' are the next two")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--single", type=int, default=10, help="reloads of one session alone (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of all sessions at once (default 3)")
    ap.add_argument("--units", type=int, default=8, help="unit switches timed (default 8)")
    ap.add_argument("--logins", type=int, default=3, help="timed sign-ins (default 3)")
    ap.add_argument("--user", default="leader")
    ap.add_argument("--password", default="demo-leader")
    ap.add_argument("--upload-rounds", type=int, default=3, help="goal 3: rounds of upload + reruns (default 3)")
    ap.add_argument("--seconds", type=float, default=25, help="goal 4: seconds of random reruns, each part (default 25)")
    ap.add_argument("--think", type=float, default=1.0, help="goal 4: mean think time, seconds (default 1)")
    ap.add_argument("--only", choices=("runs",), help="runs: goals 3 and 4 only")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None,
                    help="servers on CPU 0, browsers on the others (default: when 2+ CPUs)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from bench import print_goals  # bench imports this module for its goal (f): not at the top, no cycle
    with tempfile.TemporaryDirectory(prefix="bench_browser_db_") as tmp:
        url = args.db
        if not url:
            url = build_sample_county(Path(tmp))
        print_goals(browser_goals(url, args.campaign, args.port, args.sessions, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
