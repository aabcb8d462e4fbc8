"""Test databases on each backend: SQLite always, PostgreSQL when DASHBOARD_TEST_PG_URL names a
server (`.ci/run` sets it). Plain helpers for the fixtures of tests/conftest.py and for test modules
that build a database of their own per module or session (a campaign of their own, the sample county
on each backend)."""
from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
import uuid

from sqlalchemy import create_engine, text

from dashboard.campaign import load_campaign, sync_campaign
from dashboard.db import get_engine, upgrade
from dashboard.rollups import rebuild_rollups, rollup_rows

PG_URL = os.environ.get("DASHBOARD_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pg_database(base_url: str) -> str:
    """Create a fresh database on the test server; return its URL."""
    name = f"dashboard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is generated above, never user input
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(base_url: str, url: str) -> None:
    get_engine(url).dispose()
    name = url.rsplit("/", 1)[1]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database(kind: str, tmp_path_factory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    return pg_database(PG_URL)


def prepared_engine(url: str):
    """A migrated database with the default campaign. A new SQLite file is a copy of one built once
    per process (alembic's eight migrations and the campaign sync cost a few hundred milliseconds,
    paid by hundreds of tests otherwise); PostgreSQL databases are migrated in place."""
    if url.startswith("sqlite:///") and not os.path.exists(url.removeprefix("sqlite:///")):
        with sqlite3.connect(_prepared_sqlite_template()) as src, \
                sqlite3.connect(url.removeprefix("sqlite:///")) as dst:
            src.backup(dst)  # the backup API copies a consistent image, WAL or not
        return get_engine(url)
    engine = get_engine(url)
    upgrade(engine)
    sync_campaign(engine, load_campaign())
    return engine


@functools.lru_cache(maxsize=1)
def _prepared_sqlite_template() -> str:
    folder = tempfile.mkdtemp(prefix="dashboard-template-")
    path = os.path.join(folder, "template.sqlite")
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    sync_campaign(engine, load_campaign())
    engine.dispose()
    return path


def pair_enterprises(conn, batch_id: int) -> None:
    """For fixtures that write records directly: the batch_enterprise row of every enterprise with
    this batch, which the importer writes for the enterprises a workbook's records name."""
    conn.execute(text("insert into batch_enterprise (batch_id, credit_code) select :b, credit_code from enterprise "
                      "where credit_code not in (select credit_code from batch_enterprise where batch_id = :b)"),
                 {"b": batch_id})


def rebuilt_rollups(engine) -> dict:
    """The rollup tables' rows as a full rebuild from the records makes them, in a transaction rolled
    back (the database stays as it was): what the importer and rollbacks must have kept."""
    with engine.connect() as conn:
        trans = conn.begin()
        rebuild_rollups(conn)
        rebuilt = rollup_rows(conn)
        trans.rollback()
    return rebuilt
