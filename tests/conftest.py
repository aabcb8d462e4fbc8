"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
DASHBOARD_TEST_PG_URL is set (`.ci/run` sets it).

`empty_engine` gives each test an empty, migrated database with the default campaign configured:
a new SQLite file, or one PostgreSQL database per session whose tables are emptied between tests.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from dashboard.campaign import load_campaign, sync_campaign
from dashboard.db import get_engine, upgrade
from dashboard.models import Base

PG_URL = os.environ.get("DASHBOARD_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_database(base_url: str) -> str:
    """Create a fresh database on the test server; return its URL."""
    name = f"dashboard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is generated above, never user input
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(base_url: str, url: str) -> None:
    get_engine(url).dispose()
    name = url.rsplit("/", 1)[1]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database(kind: str, tmp_path_factory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    return _pg_database(PG_URL)


def prepared_engine(url: str):
    engine = get_engine(url)
    upgrade(engine)
    sync_campaign(engine, load_campaign())
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _session_pg_url(tmp_path_factory):
    if not PG_URL:
        yield None
        return
    url = _pg_database(PG_URL)
    prepared_engine(url)
    yield url
    _drop_pg_database(PG_URL, url)


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
