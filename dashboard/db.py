"""Engine, schema upgrades and the one way SQL is run: `execute(engine, name, **params)`.

Every query lives in `queries/NAME.sql` (bound parameters only, SQL that runs on SQLite and
PostgreSQL). A list or tuple parameter is bound as an expanding `IN (...)` list. A CTE body that many
queries share is written once in `queries/_fragments/` and named by a `-- include: NAME` line.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import String, bindparam, create_engine, event, text
from sqlalchemy.engine import Connection, Engine

from .models import CACHE_TABLES, Base

PROJECT_DIR = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_DIR / "queries"
FRAGMENTS_DIR = QUERIES_DIR / "_fragments"
INCLUDE = re.compile(r"^( *)-- include: (\w+) *$", re.M)
DEFAULT_DB_PATH = PROJECT_DIR / "data" / "dashboard.sqlite"


def database_url(url: str | None = None) -> str:
    """--db URL, else DASHBOARD_DB_URL, else the SQLite file under data/."""
    return url or os.environ.get("DASHBOARD_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")  # a second writer waits instead of failing at once
    cur.close()


def private_dir(folder: Path) -> Path:
    """`folder`, created 0700 when missing; data/ is tightened to 0700 even when an earlier version
    left it open (its files then cannot be read by other users whatever their own modes)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder == DEFAULT_DB_PATH.parent:
        folder.chmod(0o700)
    return folder


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names (None for another database, an in-memory one or a
    `file:` URI, which SQLite opens itself)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" and not path.startswith("file:") else None


@functools.lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process; SQLite gets WAL and foreign keys on every connection, and
    a new database file is created 0600 in a 0700 folder (SQLite gives its -wal and -shm
    files the database file's mode)."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path:
            private_dir(path.parent)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        # JIT compiles each target query for about 1 s (measured at province scale) to save tens of
        # milliseconds: a dashboard's short aggregate queries never win it back.
        engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


@functools.lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """The text of queries/NAME.sql, each line `-- include: FRAGMENT` replaced by the lines of
    queries/_fragments/FRAGMENT.sql at the same indent (a CTE body many queries share, written once)."""
    return INCLUDE.sub(_fragment, (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def _fragment(found: re.Match) -> str:
    indent, lines = found[1], (FRAGMENTS_DIR / f"{found[2]}.sql").read_text(encoding="utf-8").splitlines()
    return "\n".join(indent + line if line else line for line in lines)


def _statement(name: str, params: dict[str, Any]):
    stmt = text(load_query(name))
    # an empty list is bound as text: untyped, PostgreSQL would read its empty set as integers and
    # refuse `task_source not in (…)` (a measure's parameter lists may be empty: no exclusion)
    expanding = [bindparam(k, expanding=True, type_=None if v else String()) for k, v in params.items()
                 if isinstance(v, (list, tuple, set, frozenset))]
    return stmt.bindparams(*expanding) if expanding else stmt


def execute(conn: Connection | Engine, name: str, **params) -> list[dict]:
    """Run queries/NAME.sql with bound parameters; rows as dicts."""
    params = {k: (list(v) if isinstance(v, (set, frozenset, tuple)) else v) for k, v in params.items()}
    stmt = _statement(name, params)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return _dicts(c.execute(stmt, params))
    return _dicts(conn.execute(stmt, params))


def _dicts(result) -> list[dict]:
    """The rows as dicts, all fetched at once and zipped with the column names read once (a
    RowMapping per row: undisposed_samplings at province scale, 30,000 rows, 0.55 s CPU instead of 0.44 s)."""
    keys = list(result.keys())
    return [dict(zip(keys, row)) for row in result.fetchall()]


_ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def text_array_literal(texts: list[str]) -> str:
    """PostgreSQL's text form of a text[]: every element double-quoted (so commas, braces, blanks
    and the word NULL stay text), a backslash or a double quote in it escaped by a backslash. The
    texts are checked for those two in one pass (a translate per text: 10 ms for 10,000 texts)."""
    joined = "".join(texts)
    if "\\" in joined or '"' in joined:
        texts = [t.translate(_ARRAY_ESCAPES) for t in texts]
    return '{"' + '","'.join(texts) + '"}' if texts else "{}"


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest alembic revision."""
    from alembic import command  # lazy: alembic and its script machinery only when upgrading
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def table_snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table but the caches a read fills (models.CACHE_TABLES), sorted: for tests
    that prove a refused upload or a dry run changed nothing, and that a rollback restores the data."""
    out = {}
    with engine.connect() as conn:
        for table in (t for t in Base.metadata.sorted_tables if t.name not in CACHE_TABLES):
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out
