"""More than one process (issue #7, part 4): two app processes over one PostgreSQL database, behind
nginx with sticky sessions, run from the very files of deploy/ (docs/deploy.md):

- deploy/nginx/dashboard.conf, with its ports, listen addresses, certificate and log paths
  replaced, served by an unprivileged nginx with its own prefix and a self-signed certificate;
- the ExecStart line of deploy/systemd/dashboard@.service for each process (instance = port),
  with the variables of deploy/env.example (fresh secrets, the same for both processes;
  DASHBOARD_MODE=production, so the accounts are made first with the `user` commands, with passwords
  of their own, and the demo leaves them alone).

The sample county (without 唐洋分局 DT10's October report) is built in a fresh PostgreSQL database by
`python -m dashboard demo`, while the processes start. Browser context 1, pinned to node a by its
`dashboard_node` cookie, signs in as DT10's clerk and uploads the missing workbook through 月报上报;
context 2, pinned to node b, has DT10's October 分局看板 open as the leadership and, at its next
rerun, shows the new figures. Then the administrator rolls the batch back through node b, and
context 1's board on node a shows the old figures again at its next rerun; the clerk's login cookie
from node a is valid on node b. Every figure card must equal what dashboard.figures.targets computes from
the database (企业食品安全自查率 0.0%（0/10） → 100.0%（10/10） and back). nginx's access log
($upstream_addr) proves which process served each context. Then deploy/dashboard-backup.sh dumps
the database and the dump restores into another database with the same uploads and figures; last,
with process b stopped, its browsers are served by a.

Runs only with DASHBOARD_TEST_PG_URL. Skipped with a reason when nginx, openssl, Chromium or
Playwright is missing, except in CI (CI=true), where that is a failure.
"""
from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard.__main__ import main
from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.figures.targets import compute_targets
from dashboard.labels import figure_dict
from dashboard.periods import month_window

from tests.pages_support import (ARGS, CHROMIUM, READY, SHOTS, free_port, playwright_or_skip,
                                 skip_unless_installed)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_DIR / "deploy"
PG_URL = os.environ.get("DASHBOARD_TEST_PG_URL")

pytestmark = [pytest.mark.browser, pytest.mark.pg,  # Chromium against two app processes on PostgreSQL
              pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DASHBOARD_TEST_PG_URL")]

# What changes when DT10's October workbook comes in (sample_data is generated from a fixed seed):
# the 分局看板 of DT10 for the month 2023-10 (as of the month's end).
UNIT, MONTH, AS_OF = "DT10", "2023-10", date(2023, 10, 31)
WORKBOOK = PROJECT_DIR / "sample_data" / "workbooks" / "2023-10_DT10_唐洋分局.xlsx"
TARGET_NAME = "企业食品安全自查率"
BEFORE, AFTER = "0.0%（0/10）", "100.0%（10/10）"
BOARD = f"/sub_bureau?unit={UNIT}&window={MONTH}&as_of={AS_OF.isoformat()}"

PASSWORDS = {"admin": "mp-admin-2023-x", "leader": "mp-leader-2023-x", "dt10_clerk": "mp-clerk-2023-x"}


# ------------------------------------------------------------------ tools
def _tools_or_skip() -> str:
    """The nginx executable; skip (fail in CI) when nginx or openssl is missing."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    missing = [] if nginx else ["nginx (apt-get install -y nginx; scripts/install-system-deps.sh)"]
    if not shutil.which("openssl"):
        missing.append("openssl (apt-get install -y openssl)")
    skip_unless_installed("multi-process test", missing)
    return nginx


def _kill_group(proc: subprocess.Popen | None) -> None:
    """Stop a process started with its own session, and everything it started."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_for(check, what: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        with contextlib.suppress(OSError, http.client.HTTPException):
            if check():
                return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not start (exit {proc.poll()}); {log}:\n{tail}")


def _get(port: int, path: str, *, tls: bool = False, cookie: str | None = None):
    """(status, headers, body) of a GET on 127.0.0.1:port (TLS without checking the certificate)."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


# ------------------------------------------------------------------ the deploy/ files, rendered
def env_example() -> dict[str, str]:
    """The variables deploy/env.example sets (comments and optional lines left out)."""
    out = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def app_command(port: int) -> list[str]:
    """ExecStart of deploy/systemd/dashboard@.service for instance `port`, with this Python."""
    unit = (DEPLOY / "systemd" / "dashboard@.service").read_text(encoding="utf-8")
    argv = shlex.split(re.search(r"^ExecStart=(.+)$", unit, re.M)[1].replace("%i", str(port)))
    assert argv[0] == "/opt/dashboard/venv/bin/python", argv
    assert re.search(r"^WorkingDirectory=/opt/dashboard/app$", unit, re.M)
    return [sys.executable, *argv[1:]]


def render_site(ports: dict[str, int], http_port: int, https_port: int, folder: Path) -> str:
    """deploy/nginx/dashboard.conf for this test: the app ports, loopback listen addresses on free
    ports, the redirect to the HTTPS port, and certificate and log paths under `folder`. Every
    piece replaced must be in the file (an edited template fails here, not silently)."""
    text = (DEPLOY / "nginx" / "dashboard.conf").read_text(encoding="utf-8")
    node_ports = {"8501": ports["a"], "8502": ports["b"]}
    text, n = re.subn(r"127\.0\.0\.1:(8501|8502)\b", lambda m: f"127.0.0.1:{node_ports[m[1]]}", text)
    assert n == 4, "the upstreams of deploy/nginx/dashboard.conf changed"
    for old, new in (("listen [::]:80;", ""), ("listen [::]:443 ssl;", ""),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("https://$host$request_uri", f"https://$host:{https_port}$request_uri"),
                     ("/etc/ssl/dashboard/", f"{folder}/ssl/"),
                     ("/var/log/nginx/", f"{folder}/logs/")):
        assert old in text, f"{old!r} is no longer in deploy/nginx/dashboard.conf"
        text = text.replace(old, new)
    return text


NGINX_MAIN = """worker_processes 1;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {d}/temp/body;
    proxy_temp_path       {d}/temp/proxy;
    fastcgi_temp_path     {d}/temp/fastcgi;
    uwsgi_temp_path       {d}/temp/uwsgi;
    scgi_temp_path        {d}/temp/scgi;
    access_log            {d}/logs/other.access.log;
    include {d}/sites/dashboard.conf;
}}
"""


# ------------------------------------------------------------------ the cluster
@dataclass
class Cluster:
    db_url: str
    ports: dict[str, int]
    http_port: int
    https_port: int
    access_log: Path
    demo: subprocess.Popen
    demo_log: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _ready: bool = False

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def ready(self) -> None:
        """Wait for `python -m dashboard demo` (started beside the processes) to finish."""
        if not self._ready:
            started = time.time()
            code = self.demo.wait(timeout=600)
            assert code == 0, self.demo_log.read_text(errors="replace")[-3000:]
            print(f"waited {time.time() - started:.1f} s more for the sample county")
            self._ready = True


def _create_database() -> str:
    name = f"dashboard_mp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # a generated name, never user input
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str) -> None:
    get_engine(url).dispose()
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _cli(*argv: str, stdin: str | None = None) -> None:
    """`python -m dashboard …` in this process (the commands docs/deploy.md shows)."""
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        assert main(list(argv)) == 0, argv
    finally:
        sys.stdin = saved


def _prepare_accounts(url: str) -> None:
    """Before the sample county: the schema, the campaign and the accounts, as on a bureau's server
    (DASHBOARD_MODE=production): admin and leader with their own passwords (the demo then leaves
    them alone), DT10's clerk, and the demo's DT03 accounts disabled."""
    _cli("--db", url, "init-db")
    for user, role, unit in (("admin", "admin", None), ("leader", "leader", None), ("dt10_clerk", "clerk", UNIT),
                             ("dt03_chief", "chief", "DT03"), ("dt03_clerk", "clerk", "DT03")):
        _cli("--db", url, "user", "add", user, "--role", role, *(["--unit", unit] if unit else []),
             "--password-stdin", stdin=PASSWORDS.get(user, secrets.token_urlsafe(12)) + "\n")
    for user in ("dt03_chief", "dt03_clerk"):
        _cli("--db", url, "user", "disable", user)


def _start_nginx(nginx: str, cluster_ports: dict[str, int], http_port: int, https_port: int,
                 folder: Path) -> subprocess.Popen:
    """nginx with its own prefix in `folder`, as an unprivileged user (nobody when run as root)."""
    for sub in ("ssl", "logs", "temp", "sites"):
        (folder / sub).mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(folder / "ssl" / "privkey.pem"), "-out", str(folder / "ssl" / "fullchain.pem")],
                   check=True, capture_output=True)
    (folder / "sites" / "dashboard.conf").write_text(render_site(cluster_ports, http_port, https_port, folder))
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_MAIN.format(d=folder))
    argv = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "logs" / "error.log"),
            "-g", f"daemon off; pid {folder}/nginx.pid; error_log {folder}/logs/error.log;"]
    drop = {}
    if os.geteuid() == 0:  # never a root nginx in a test: run it all as nobody
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534)
        drop = {"user": 65534, "group": 65534, "extra_groups": []}
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, **drop)
    assert check.returncode == 0, check.stderr
    with open(folder / "logs" / "nginx.out", "wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **drop)
    try:
        _wait_for(lambda: _get(http_port, "/")[0] == 301, "nginx", proc, folder / "logs" / "error.log", 20)
    except BaseException:
        _kill_group(proc)
        raise
    return proc


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nginx = _tools_or_skip()
    folder = tmp_path_factory.mktemp("multiprocess")
    nginx_dir = Path(tempfile.mkdtemp(prefix="dashboard-nginx-"))  # not under pytest's 0700 tree
    url = _create_database()
    procs: dict[str, subprocess.Popen] = {}
    try:
        _prepare_accounts(url)
        # The sample county is built by its own process while the app processes and the browser start
        # (no page needs it before Cluster.ready()).
        started = time.time()
        demo_log = folder / "demo.log"
        with open(demo_log, "wb") as out:
            procs["demo"] = subprocess.Popen([sys.executable, "-m", "dashboard", "--db", url, "demo"],
                                             cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)
        ports = {"a": free_port(), "b": free_port()}
        env = {**os.environ, **env_example(), "DASHBOARD_DB_URL": url,
               "DASHBOARD_SECRET_KEY": secrets.token_urlsafe(48),
               "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(48)}
        assert env["DASHBOARD_MODE"] == "production"
        for node, port in ports.items():
            with open(folder / f"app_{node}.log", "wb") as out:
                procs[node] = subprocess.Popen(app_command(port), cwd=PROJECT_DIR, env=env, start_new_session=True,
                                               stdout=out, stderr=subprocess.STDOUT)
        http_port, https_port = free_port(), free_port()
        procs["nginx"] = _start_nginx(nginx, ports, http_port, https_port, nginx_dir)
        for node, port in ports.items():
            _wait_for(lambda: _get(port, "/_stcore/health")[2] == b"ok", f"app process {node}",  # noqa: B023
                      procs[node], folder / f"app_{node}.log")
        print(f"processes up in {time.time() - started:.1f} s")
        yield Cluster(url, ports, http_port, https_port, nginx_dir / "logs" / "dashboard.access.log",
                      procs["demo"], demo_log, procs)
    finally:
        for proc in procs.values():
            _kill_group(proc)
        with contextlib.suppress(Exception):
            shutil.copytree(nginx_dir / "logs", folder / "nginx_logs")
        shutil.rmtree(nginx_dir, ignore_errors=True)
        _drop_database(url)


# ------------------------------------------------------------------ the access log
LOG_LINE = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d{3}) \d+ "[^"]*" "(?P<agent>[^"]*)" '
                      r'node=(?P<node>\S+) upstream=(?P<upstream>.+?) rt=')


def access_lines(cluster: Cluster) -> list[dict]:
    return [m.groupdict() for m in map(LOG_LINE.search, cluster.access_log.read_text().splitlines()) if m]


def access_line(cluster: Cluster, path: str) -> dict:
    """The access-log line of a request to `path`. nginx logs a request after sending its response,
    so the client can get there first: wait (up to 10 s) for the line rather than read too early."""
    deadline = time.monotonic() + 10
    while True:
        served = {line["request"].split()[1]: line for line in access_lines(cluster)}
        if path in served or time.monotonic() > deadline:
            return served[path]
        time.sleep(0.05)


def board(url: str) -> dict[str, str]:
    """Each target's name → its figure text ("0.0%（0/10）") as dashboard.figures.targets computes it from the
    database for DT10 in October: what 分局看板 must show."""
    engine, conf = get_engine(url), load_campaign()
    figs = map(figure_dict, compute_targets(engine, conf, system_viewer(engine, conf.root.code), unit=UNIT,
                                            window=month_window(MONTH), as_of=AS_OF))
    return {f["name"]: f"{f['percent_text']}（{f['nd_text']}）" for f in figs}


def page_board(page) -> dict[str, str]:
    """Each figure card's name → value text, as the page shows them."""
    return dict(page.evaluate("""() => [...document.querySelectorAll('.fig-card')].map(
        c => [c.querySelector('.t').textContent, c.querySelector('.v').textContent])"""))


# ------------------------------------------------------------------ tests
def test_nginx_gives_a_new_browser_a_node_and_keeps_it(cluster):
    """No cookie: a node at random, set in a cookie; a valid cookie: that node, no new cookie."""
    status, headers, _ = _get(cluster.http_port, "/upload?x=1")
    assert status == 301 and dict(headers)["Location"] == f"{cluster.base}/upload?x=1"
    seen = set()
    for _ in range(24):
        status, headers, body = _get(cluster.https_port, "/_stcore/health", tls=True)
        assert (status, body) == (200, b"ok")
        cookie = dict(headers)["Set-Cookie"]
        assert re.fullmatch(r"dashboard_node=[ab]; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Lax",
                            cookie), cookie
        seen.add(cookie[len("dashboard_node="):][0])
    assert seen == {"a", "b"}  # 24 coin flips: both nodes (all alike with probability 2⁻²³)
    for node in "ab":
        status, headers, _ = _get(cluster.https_port, f"/_stcore/health?pinned={node}", tls=True,
                                  cookie=f"dashboard_node={node}")
        assert status == 200 and "Set-Cookie" not in dict(headers)
    status, headers, _ = _get(cluster.https_port, "/_stcore/health?pinned=x", tls=True, cookie="dashboard_node=x")
    assert re.match(r"dashboard_node=[ab];", dict(headers)["Set-Cookie"])
    served = {line["request"].split()[1]: line["upstream"] for line in access_lines(cluster)}
    for node in "ab":
        assert served[f"/_stcore/health?pinned={node}"] == f"127.0.0.1:{cluster.ports[node]}"


def _settle(page) -> None:
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(500)
    page.wait_for_selector(READY, timeout=90_000)


def _open(browser, cluster: Cluster, node: str, username: str, path: str, *, agent: str | None = None,
          cookies: list[dict] = ()):
    """A browser context pinned to `node` (its dashboard_node cookie) opening `path` (the login form
    until signed in); its user agent names it in nginx's access log."""
    agent = f"dashboard-test {agent or f'{username}@{node}'}"
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                  ignore_https_errors=True, user_agent=agent)
    context.add_cookies([{"name": "dashboard_node", "value": node, "domain": "127.0.0.1", "path": "/",
                          "secure": True, "httpOnly": True, "sameSite": "Lax"}, *cookies])
    context.set_default_timeout(60_000)  # a loaded CI machine: the first run of a process is slow
    page = context.new_page()
    page.goto(cluster.base + path, wait_until="commit")
    return page


def _sign_in(page, username: str):
    """Sign in through the login form; the page asked for is shown then."""
    page.get_by_label("用户名").wait_for(timeout=90_000)
    _settle(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前账号：{username}").wait_for(timeout=60_000)
    _settle(page)
    return page


def _card(page):
    """The 企业食品安全自查率 card's value text on 分局看板."""
    return page.locator(".fig-card").filter(has=page.locator(".t", has_text=TARGET_NAME)).locator(".v")


def _rerun(page) -> None:
    """Rerun the page's script in the same session (Streamlit's "R" shortcut), as any widget would."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")


def _no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:1500]


def test_upload_through_one_process_shows_through_the_other(cluster):
    sync_playwright = playwright_or_skip()
    from playwright.sync_api import expect  # after the line above: without Playwright the test skips
    SHOTS.mkdir(exist_ok=True)
    started = time.time()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # both processes run their first page (the login form) while the county is still built
            board_b = _open(browser, cluster, "b", "leader", BOARD)
            clerk_a = _open(browser, cluster, "a", "dt10_clerk", "/upload")
            cluster.ready()
            before = board(cluster.db_url)
            assert before[TARGET_NAME] == BEFORE
            with get_engine(cluster.db_url).connect() as conn:
                batch = conn.execute(text("select max(batch_id) from upload_batch")).scalar() + 1

            # the leadership on node b looks at DT10's October board (its figures now cached on b)
            _sign_in(board_b, "leader")
            expect(_card(board_b)).to_have_text(BEFORE, timeout=60_000)
            _no_exception(board_b)
            assert page_board(board_b) == before

            # DT10's clerk on node a uploads the October workbook (dry run, then confirm)
            _sign_in(clerk_a, "dt10_clerk")
            clerk_a.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(WORKBOOK))
            clerk_a.get_by_text("校验通过（试运行，尚未写入）").wait_for(timeout=60_000)
            _settle(clerk_a)
            clerk_a.get_by_role("button", name="确认上报 1 个工作簿").click()
            clerk_a.get_by_text(f"已上报，第 {batch} 批").wait_for(timeout=60_000)
            _no_exception(clerk_a)
            after = board(cluster.db_url)
            assert after[TARGET_NAME] == AFTER
            clerk_a.screenshot(path=str(SHOTS / "multiprocess_upload_a.png"), full_page=True)

            # node b: the same open page, at its next rerun, shows the new figure
            expect(_card(board_b)).to_have_text(BEFORE)
            _rerun(board_b)
            expect(_card(board_b)).to_have_text(AFTER, timeout=60_000)
            _settle(board_b)
            _no_exception(board_b)
            assert page_board(board_b) == after
            board_b.screenshot(path=str(SHOTS / "multiprocess_board_b_after_upload.png"), full_page=True)

            # the clerk's board on node a shows (and caches there) the new figure too
            clerk_a.goto(cluster.base + BOARD)
            expect(_card(clerk_a)).to_have_text(AFTER, timeout=60_000)
            _settle(clerk_a)
            assert page_board(clerk_a) == after

            # the administrator rolls the batch back through node b
            admin_b = _sign_in(_open(browser, cluster, "b", "admin", "/history"), "admin")
            admin_b.get_by_role("button", name="撤销本批上报…").click()  # the newest batch is selected
            admin_b.get_by_text(f"确定撤销第 {batch} 批（{WORKBOOK.name}）吗？").wait_for(timeout=60_000)
            admin_b.get_by_role("button", name="确认撤销").click()
            admin_b.get_by_text(f"已撤销第 {batch} 批上报。").wait_for(timeout=60_000)
            _no_exception(admin_b)
            assert board(cluster.db_url) == before

            # node a: the clerk's open board, at its next rerun, shows the figure before the upload
            expect(_card(clerk_a)).to_have_text(AFTER)
            _rerun(clerk_a)
            expect(_card(clerk_a)).to_have_text(BEFORE, timeout=60_000)
            _settle(clerk_a)
            _no_exception(clerk_a)
            assert page_board(clerk_a) == before
            clerk_a.screenshot(path=str(SHOTS / "multiprocess_board_a_after_rollback.png"), full_page=True)

            # the login made through node a is valid on node b: the clerk's session cookie, node b
            session = [c for c in clerk_a.context.cookies() if c["name"] == "dashboard_session"]
            assert len(session) == 1 and session[0]["secure"]
            moved = _open(browser, cluster, "b", "dt10_clerk", BOARD, agent="dt10_clerk@a-then-b", cookies=session)
            moved.get_by_text("当前账号：dt10_clerk").wait_for(timeout=60_000)
            expect(_card(moved)).to_have_text(BEFORE, timeout=60_000)
        finally:
            browser.close()  # closes the websockets, so nginx logs them
    print(f"browser part: {time.time() - started:.1f} s")

    # nginx's access log: every request of a context went to its node's process
    deadline = time.time() + 10
    while time.time() < deadline:
        lines = [line for line in access_lines(cluster) if line["agent"].startswith("dashboard-test ")]
        if sum("/_stcore/stream" in line["request"] for line in lines) >= 4:
            break
        time.sleep(0.3)
    by_agent: dict[str, set[str]] = {}
    for line in lines:
        by_agent.setdefault(line["agent"], set()).add(line["upstream"])
    a, b = (f"127.0.0.1:{cluster.ports[n]}" for n in "ab")
    assert by_agent == {"dashboard-test dt10_clerk@a": {a}, "dashboard-test leader@b": {b},
                        "dashboard-test admin@b": {b}, "dashboard-test dt10_clerk@a-then-b": {b}}
    uploads = [line for line in lines if "/_stcore/upload_file/" in line["request"]]
    assert uploads and {(u["agent"], u["upstream"], u["status"][0]) for u in uploads} == \
        {("dashboard-test dt10_clerk@a", a, "2")}
    streams = {(line["agent"], line["status"]) for line in lines if "/_stcore/stream" in line["request"]}
    assert {agent for agent, status in streams if status == "101"} == set(by_agent)


def test_backup_script_dumps_everything_and_restores(cluster, tmp_path):
    """deploy/dashboard-backup.sh: pg_dump -Fc of the database; pg_restore of it into an empty
    database gives the same uploads (with their original files) and the same figures."""
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            pytest.skip(f"needs {tool} (apt-get install -y postgresql-client)")
    cluster.ready()
    env = {**os.environ, "DASHBOARD_DB_URL": cluster.db_url, "DASHBOARD_BACKUP_DIR": str(tmp_path)}
    done = subprocess.run(["bash", str(DEPLOY / "dashboard-backup.sh")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.parent == tmp_path and re.fullmatch(r"dashboard-\d{8}-\d{6}\.dump", dump.name)
    restored = _create_database()
    try:
        libpq = restored.replace("postgresql+psycopg://", "postgresql://", 1)
        done = subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq, str(dump)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        query = text("select count(*), sum(length(file_bytes)), sum(case when status = 'committed' then 1 end)"
                     " from upload_batch")
        counts = []
        for url in (cluster.db_url, restored):
            with get_engine(url).connect() as conn:
                counts.append(tuple(conn.execute(query).one()))
        assert counts[0] == counts[1] and counts[0][1] > 0
        assert board(restored) == board(cluster.db_url)
    finally:
        _drop_database(restored)


def test_a_stopped_node_fails_over_to_the_other(cluster):
    """While a process is down (a restart, a crash), nginx sends its browsers to the other one
    (`backup` in each upstream) and leaves their node cookie alone. Runs last: it stops b."""
    _kill_group(cluster.procs["b"])
    status, headers, body = _get(cluster.https_port, "/_stcore/health?failover=1", tls=True,
                                 cookie="dashboard_node=b")
    assert (status, body) == (200, b"ok") and "Set-Cookie" not in dict(headers)
    served = access_line(cluster, "/_stcore/health?failover=1")
    a, b = (f"127.0.0.1:{cluster.ports[n]}" for n in "ab")
    assert served["node"] == "b" and served["upstream"] == f"{b}, {a}"  # tried b, served by a
