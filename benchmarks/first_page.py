"""Issue #16 goal 1b, taken apart (a script, not a test): the first page after sign-in on the
overview against a floor — the same server, router, login form and sidebar, with the overview
replaced by a page of the nine target cards alone — and optionally against another revision.

    python benchmarks/first_page.py [--db URL] [--logins 8] [--rev main] [--rev HEAD] [--no-charts]
                                    [--bare] [--settle]

Each revision (`git archive` of this repository into a temporary folder, so any branch or commit
can be measured beside another) is served as it is and as its floor (app_pages/overview.py
replaced by FLOOR_PAGE); with --no-charts also as its overview without charts (every
`widgets.chart(...)` of the page a no-op). All servers run on CPU 0, this script and Chromium on the
other CPUs (as benchmarks/browser.py). The sign-ins are interleaved: round after round, one new
browser context per server, so every server sees the same moment's load. Per sign-in:
- seconds from the click on 登录 until the nine cards are on screen and the run is over
  (browser.py's goal 1b), and until every chart of the page is drawn;
- the CPU seconds Chromium's renderer processes spent from the click until a second after the cards
  (SystemInfo.getProcessInfo): on a busy machine the wall time mostly measures waiting for a CPU,
  the renderer's CPU time does not.
Medians are printed per server, and the overview ÷ floor ratio per revision.

--bare adds a server whose script is only the login gate and one card (BARE_ROUTER): what the same
sign-in costs any Streamlit app here (argon2, the login's background post and the session's rerun).
--settle fills the form only once the login page has finished loading (its warm-up chart drawn, the
network quiet), as a person typing a password would; without it the click can land while the login
page is still fetching and compiling scripts.
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

from bench_pages import build_sample_county  # noqa: E402
from browser import PinnedServer, settled  # noqa: E402
from load import ARGS, CARDS, CHROMIUM, READY  # noqa: E402

# The floor: what any first page after sign-in costs here (the router, the login gate, the
# sidebar's controls, the page's CSS and heading) with the nine cards and nothing else.
FLOOR_PAGE = '''
from dashboard.ui import controls, data, widgets

choice, sel, ver = controls.current(), controls.selection(), data.version()
widgets.page_setup("领导小组总览", choice)
widgets.figure_cards([f for f in data.figures(ver, sel, True) if f["unit_code"] == choice.unit_code])
'''
# The bare floor: Streamlit itself behind the same sign-in (the login form and its server route, argon2
# included, then the session's rerun) and a page of one card: no router, no sidebar, no
# controls. What any Streamlit app with this sign-in costs on this machine.
BARE_ROUTER = '''
def router() -> None:
    from dashboard.ui import data, session
    engine = data.engine()
    if session.current_viewer(engine) is None:
        session.login_form(engine, data.campaign().name)
        st.stop()
    st.html('<div class="fig-card">九项指标</div>')


'''
# A chart is drawn once Vega has put its canvas (or SVG) into the chart's element.
DRAWN = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'


def checkout(rev: str, folder: Path, variant: str) -> Path:
    """`rev` of this repository extracted into folder, its overview as `variant` (VARIANTS)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(PROJECT_DIR), "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    page = folder / "app_pages" / "overview.py"
    if variant == "bare":
        app = folder / "app.py"
        text = app.read_text(encoding="utf-8")
        start, end = text.index("def router() -> None:"), text.index('if __name__ == "__main__":')
        app.write_text(text[:start] + BARE_ROUTER.lstrip() + text[end:], encoding="utf-8")
    elif variant == "floor":
        page.write_text(FLOOR_PAGE, encoding="utf-8")
    elif variant == "nocharts":
        page.write_text(page.read_text(encoding="utf-8").replace("widgets.chart(", "(lambda *a, **k: None)("),
                        encoding="utf-8")
    return folder


async def renderer_cpu(cdp) -> float:
    """CPU seconds of all of Chromium's renderer processes so far."""
    info = (await cdp.send("SystemInfo.getProcessInfo"))["processInfo"]
    return sum(p["cpuTime"] for p in info if p["type"] == "renderer")


async def sign_in(browser, base: str, args) -> tuple[float, float, float]:
    """(seconds to the cards, seconds to the last chart drawn, renderer CPU seconds) of one
    sign-in in a new context."""
    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000})
    cdp = await browser.new_browser_cdp_session()
    try:
        page = await ctx.new_page()
        page.set_default_timeout(args.timeout * 1000)  # a fresh server's first run on a busy machine
        await page.goto(f"{base}/", wait_until="domcontentloaded")
        if args.settle:
            await settled(page)
        await page.get_by_label("用户名").fill(args.user)
        await page.get_by_label("密码").fill(args.password)
        cpu = await renderer_cpu(cdp)
        start = time.perf_counter()
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_selector(CARDS, state="visible", timeout=args.timeout * 1000)
        cards = time.perf_counter() - start
        # every chart element of the page (those sent so far and any still to come) drawn
        await page.wait_for_function(
            f"""() => {{ const n = document.querySelectorAll('[data-testid="stVegaLiteChart"]').length;
                 return n >= {args.charts_at_least} && document.querySelectorAll('{DRAWN}').length >= n
                   && document.querySelector('[data-testid="stApp"]').dataset.testScriptState === "notRunning"; }}""",
            timeout=args.timeout * 1000, polling=20)
        drawn = time.perf_counter() - start
        await page.wait_for_timeout(max(0, 1000 * (cards + 1 - drawn)))
        return cards, drawn, await renderer_cpu(cdp) - cpu
    finally:
        await cdp.detach()
        await ctx.close()


async def measure(servers: dict[str, str], args) -> dict[str, list[tuple[float, float, float]]]:
    out = {name: [] for name in servers}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for name, base in servers.items():  # untimed: each server's caches and page compiles warm
                await sign_in(browser, base, argparse.Namespace(**{**vars(args), "charts_at_least": 0}))
            for i in range(args.logins):
                for name, base in servers.items():
                    charts = args.charts if name.endswith(":overview") else 0
                    ns = argparse.Namespace(**{**vars(args), "charts_at_least": charts})
                    out[name].append(await sign_in(browser, base, ns))
                print(f"  round {i + 1}: " + "  ".join(f"{n} " + "/".join(f"{x:.2f}" for x in out[n][-1])
                                                      for n in servers), flush=True)
        finally:
            await browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL (default: the sample county in a temp file)")
    ap.add_argument("--rev", action="append", help="revision to measure (repeatable; default HEAD)")
    ap.add_argument("--logins", type=int, default=8, help="timed sign-ins per server (default 8)")
    ap.add_argument("--charts", type=int, default=0,
                    help="Vega charts to wait for on the overview (0: those on the page when the run ends)")
    ap.add_argument("--port", type=int, default=8625)
    ap.add_argument("--user", default="leader")
    ap.add_argument("--password", default="demo-leader")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--settle", action="store_true",
                    help="fill the form only once the login page has settled (as a person typing would)")
    ap.add_argument("--bare", action="store_true",
                    help="also serve a bare floor: the same sign-in, then a page of one card (BARE_ROUTER)")
    ap.add_argument("--no-charts", action="store_true", help="also serve each overview without its charts")
    args = ap.parse_args(argv)
    revs = args.rev or ["HEAD"]
    saved = os.sched_getaffinity(0)
    pin = len(saved) >= 2
    with tempfile.TemporaryDirectory(prefix="bench_first_page_") as tmp:
        tmp = Path(tmp)
        url = args.db or build_sample_county(tmp)
        env = {"DASHBOARD_SECRET_KEY": "first-page-benchmark-" + "k" * 32}
        started, servers = [], {}
        try:
            variants = ("overview", "floor") + (("nocharts",) if args.no_charts else ()) \
                + (("bare",) if args.bare else ())
            for i, (rev, variant) in enumerate((r, v) for r in revs for v in variants):
                name = f"{rev}:{variant}"
                folder = checkout(rev, tmp / f"tree{i}", variant)
                srv = PinnedServer(url, None, tmp / f"server{i}.log", args.port + i, env, pin=pin, cwd=folder)
                started.append(srv)
                servers[name] = srv.url
            for srv in started:
                srv.wait()
            if pin:
                os.sched_setaffinity(0, (saved - {0}) or saved)
            out = asyncio.run(measure(servers, args))
        finally:
            os.sched_setaffinity(0, saved)
            for srv in started:
                srv.stop()
    print(f"\n  {args.logins} 次登录的中位数（秒）：卡片出现 / 图表全部画完 / 渲染进程 CPU")
    med = {n: tuple(statistics.median(t[k] for t in v) for k in range(3)) for n, v in out.items()}
    for n, m in med.items():
        print(f"    {n:<24} " + " / ".join(f"{x:.3f}" for x in m))
    for rev in revs:
        o, f = med[f"{rev}:overview"], med[f"{rev}:floor"]
        print(f"  {rev}：总览 ÷ 底线：卡片 {o[0] / f[0]:.2f}×，渲染进程 CPU {o[2] / f[2]:.2f}×；"
              f"登录后第一页 ÷ 1.5 s：总览 {o[0] / 1.5:.2f}×，底线 {f[0] / 1.5:.2f}×")
        if args.bare:
            b = med[f"{rev}:bare"]
            print(f"  {rev}：裸底线（同一登录，之后一张卡片）{b[0]:.3f} s，÷ 1.5 s {b[0] / 1.5:.2f}×；"
                  f"总览 ÷ 裸底线：卡片 {o[0] / b[0]:.2f}×，渲染进程 CPU {o[2] / b[2]:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
