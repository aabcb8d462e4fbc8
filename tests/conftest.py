"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
DASHBOARD_TEST_PG_URL is set (`.ci/run` sets it).

One name per database:

| fixture | database |
|---|---|
| `empty_engine` | empty, migrated, default campaign configured: a new SQLite file, or one PostgreSQL database per session emptied between tests (each backend) |
| `db_url` | the URL of a new SQLite file as `init-db` leaves it (for the command line) |
| `small_county` | `empty_engine` with the small county's registry: 城区分局 enterprises 1–4 (4 停产), 开发区分局 5–6 (tests/upload_support.py) |
| `small_county_env` | the small county in a SQLite file named by DASHBOARD_DB_URL, for AppTest pages; yields the engine |
| `tiny_county` | `empty_engine` with the hand-built county of the target tests (tests/tiny_county.py) |
| `accounts_county` | `empty_engine` with one DT03 upload and an account of every role (tests/accounts_county.py) |
| `sample_county_url` | the sample county (12 sub-bureaus × 9 months through the importer, dashboard.demo), SQLite, built once per session — read only |
| `sample_county` | the same database: its engine, system viewer, demo accounts' viewers and enterprises by unit |
| `sample_county_env` | the same database named by DASHBOARD_DB_URL, with Streamlit's caches cleared; yields the URL |

Markers (pytest.ini): `browser` (a real Chromium), `slow` (left out of the fast run), `pg` (the
PostgreSQL parametrisation, given here to every test that runs on the `backend` fixture).
"""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from dashboard import auth
from dashboard.access import system_viewer, viewer_for_username
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.demo import build_demo
from dashboard.models import Base

from pages_support import ARGS, CHROMIUM, playwright_or_skip
from tests.accounts_county import AccountsCounty
from tests.databases import BACKENDS, PG_URL, drop_pg_database, new_database, pg_database, prepared_engine
from tiny_county import build_county
from upload_support import seed_county


@pytest.fixture(autouse=True)
def _production_check_forgotten():
    """auth.check_production remembers a pass per database for the process; tests change the
    accounts and the environment between checks (and share one PostgreSQL database)."""
    auth._PRODUCTION_PASSED.clear()
    yield
    auth._PRODUCTION_PASSED.clear()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _session_pg_url(tmp_path_factory):
    if not PG_URL:
        yield None
        return
    url = pg_database(PG_URL)
    prepared_engine(url)
    yield url
    drop_pg_database(PG_URL, url)


RECORD_TABLES_FIRST = [t.name for t in reversed(Base.metadata.sorted_tables)]


def _empty_pg(url: str):
    engine = prepared_engine(url)
    keep = {"org_unit", "org_unit_closure", "campaign", "phase", "target", "alembic_version"}
    with engine.begin() as conn:
        tables = ", ".join(t for t in RECORD_TABLES_FIRST if t not in keep)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))  # fixed table names
    return engine


@pytest.fixture
def empty_engine(backend, tmp_path_factory, _session_pg_url):
    """A migrated database with the default campaign and no records."""
    if backend == "sqlite":
        url = new_database("sqlite", tmp_path_factory)
        engine = prepared_engine(url)
        yield engine
        engine.dispose()
    else:
        yield _empty_pg(_session_pg_url)


@pytest.fixture
def db_url(tmp_path) -> str:
    """The URL of a SQLite file as `init-db` leaves it (migrated, default campaign), for commands
    that refuse a database file that is not there."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    prepared_engine(url).dispose()
    return url


@pytest.fixture
def small_county(empty_engine):
    """The empty database with the small county registered."""
    seed_county(empty_engine)
    return empty_engine


def _clear_streamlit_caches() -> None:
    """st.cache_data outlives an AppTest within one pytest process."""
    import streamlit as st  # only the page fixtures need Streamlit loaded
    st.cache_data.clear()


@pytest.fixture
def small_county_env(tmp_path, monkeypatch):
    """A SQLite file with the small county, as DASHBOARD_DB_URL, and no cached result of another test."""
    url = f"sqlite:///{tmp_path / 'pages.sqlite'}"
    engine = prepared_engine(url)
    seed_county(engine)
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    _clear_streamlit_caches()
    yield engine
    _clear_streamlit_caches()
    engine.dispose()


@pytest.fixture
def tiny_county(empty_engine):
    """The empty database with the hand-built county of the target tests."""
    build_county(empty_engine)
    return empty_engine


@pytest.fixture(scope="session")
def sample_county_url(tmp_path_factory) -> str:
    """The sample county, built once per session the way the app builds it on first start."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sample_county') / 'county.sqlite'}"
    build_demo(get_engine(url), load_campaign())
    return url


DEMO_ACCOUNTS = ("admin", "leader", "dt03_chief", "dt03_clerk")


class SampleCounty:
    """The sample county's engine, system viewer, demo accounts' viewers and enterprises by unit."""

    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)
        self.system = system_viewer(self.engine)
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "select e.credit_code, e.name, u.code, u.name as unit_name from enterprise e "
                "join org_unit u on u.unit_id = e.unit_id")).all()
            self.exam_names = {r.person_name for r in conn.execute(text(
                "select o.person_name from officer_exam o join enterprise e on e.credit_code = o.credit_code "
                "join org_unit u on u.unit_id = e.unit_id where u.code = 'DT03'"))}
        self.by_unit: dict[str, list] = {}
        for r in rows:
            self.by_unit.setdefault(r.code, []).append(r)
        self.unit_names = {r.code: r.unit_name for r in rows}
        self.viewers = {u: viewer_for_username(self.engine, u) for u in DEMO_ACCOUNTS}

    def foreign(self, unit: str = "DT03") -> list[str]:
        """Credit codes, enterprise names and sub-bureau names of every unit but `unit`."""
        out = [self.unit_names[c] for c in self.by_unit if c != unit]
        for code, rows in self.by_unit.items():
            if code != unit:
                out += [x for r in rows for x in (r.credit_code, r.name)]
        return out

    def dt01(self):
        """One enterprise of 城区分局 (DT01)."""
        return self.by_unit["DT01"][0]


@pytest.fixture(scope="session")
def sample_county(sample_county_url) -> SampleCounty:
    return SampleCounty(sample_county_url)


@pytest.fixture
def sample_county_env(sample_county_url, monkeypatch):
    """DASHBOARD_DB_URL pointing at the sample county, and no cached result from another test."""
    monkeypatch.setenv("DASHBOARD_DB_URL", sample_county_url)
    _clear_streamlit_caches()
    yield sample_county_url
    _clear_streamlit_caches()


def pytest_collection_modifyitems(config, items):
    """`pg` on every PostgreSQL parametrisation (of `backend` or any fixture parametrised by
    BACKENDS); `slow` on every test of the sample county, whose database takes ~40 s to build, and
    on every Streamlit page test (AppTest: seconds each)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.pg)
        if {"sample_county_url", "small_county_env"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_report_header(config):
    return "database backends: " + ", ".join(BACKENDS) + (
        "" if PG_URL else "  (set DASHBOARD_TEST_PG_URL to run on PostgreSQL too)")


def pytest_terminal_summary(terminalreporter):
    """Show how many tests ran on each database, so CI output proves both were exercised."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            if getattr(rep, "when", "call") not in ("call", "setup") or (outcome == "passed" and rep.when != "call"):
                continue
            for kind in ("sqlite", "postgresql"):
                if f"[{kind}" in rep.nodeid or f"-{kind}]" in rep.nodeid or f"-{kind}-" in rep.nodeid:
                    counts.setdefault(kind, {}).setdefault(outcome, 0)
                    counts[kind][outcome] += 1
    for kind, c in counts.items():
        terminalreporter.write_line(f"on {kind}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())))


@pytest.fixture
def accounts_county(empty_engine, tmp_path) -> AccountsCounty:
    return AccountsCounty(empty_engine, tmp_path)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright, one per test module (browser tests)."""
    sync_playwright = playwright_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2id at its lowest cost for the test run (as Django's tests swap in a fast hasher): the
    suite hashes and verifies hundreds of passwords, and what it tests is who may sign in, not the
    hash's cost. Hashes keep their own parameters, so a served app verifies them as usual (and
    rehashes them at its own cost on the next sign-in)."""
    saved = auth._hasher, auth._DUMMY_HASH
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth._DUMMY_HASH = auth._hasher.hash("not a password of anyone")
    yield
    auth._hasher, auth._DUMMY_HASH = saved
