"""Stored figures: the rows of the targets' count queries, kept in the reporting database so that a
page reads them with one indexed query instead of counting the records again (#16: "beat the
analytic engine by not recomputing").

A count query (`queries/*_counts_by_unit.sql`) gives, for each report unit, rows of (count_key,
numerator, denominator). Its result for one unit depends only on the query's text, its bound
parameters and the database's contents; so a stored row is keyed by

- `params_hash`: sha256 of STORE_FORMAT, the query's name and text (fragments included), the campaign
  configuration's fingerprint (every field of the parsed file: an edited YAML never reads figures
  stored under the old one) and every bound parameter but the report units (window, as_of, the
  viewer's scope unit, the measure's own parameters);
- the data version (queries/data_version.sql: newest batch id, committed and other batches);
- the report unit.

The version is the global one. A version per report unit (only the batches of its ancestors and
descendants) would let one county's upload leave the other counties' figures valid, but it does not
hold: a batch's unit is the common ancestor of the units its enterprises belong to *after* it
(dashboard.importer.validate.enterprise_units reads the incoming unit), so a 企业名录 row moving an
enterprise from county A to county B gives a batch of unit B that changes A's figures; and a
rollback of A's earlier batch after such a move deletes records now counted in B.

Every write that changes what a count query reads either writes upload_batch in the same
transaction (an upload, a rollback: the version changes) or empties the store itself: a change of
the org tree (dashboard.campaign.sync_campaign), a rebuild of the rollups (dashboard.rollups.rebuild),
the sample county rebuilt with --force (dashboard.demo.empty_records deletes every non-configuration
table, this one included).

Reading (`counts`): one query for every requested key and unit at the current version; units not
stored are counted by the query restricted to them alone and then stored. They are stored only when
the version read after counting equals the one read before: no upload or rollback committed in
between, so the counts are those of that version (SQLite reads each statement in its own snapshot
here). Storing never waits for a writer (a short lock timeout; on a busy database the figures are
returned and not stored) and ignores a concurrent duplicate (ON CONFLICT DO NOTHING).

Bound: keys of an older version are deleted whenever figures are stored, and at most MAX_KEYS keys
(query × parameters) are kept, the oldest deleted first: arbitrary as-of dates make new keys, so the
table holds at most MAX_KEYS × report units × count keys rows (at province scale 500 × 111 × 6).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..db import execute, load_query
from ..models import CACHE_TABLES, StoredFigure, StoredFigureKey

STORE_FORMAT = 1  # raised when what a stored row means changes without its query's text changing
MAX_KEYS = 500
NO_ROW = ""  # the count_key of the row that records a unit counted with no row (0 of 0)
STORE_WAIT_MS = 200  # storing waits at most this long for another writer, then gives up

TABLES = CACHE_TABLES  # a cache: no state a write restores
Run = tuple[str, dict]  # (query name, bound parameters but report_unit_ids)


def fingerprint(conf) -> str:
    """sha256 of every field of a parsed campaign file (dashboard.campaign.CampaignConf, not imported:
    that module empties the store when the org tree changes; frozen dataclasses: a stable repr).
    `extra`'s private keys are left out: they are what a process caches on the parsed file
    (dashboard.figures.measures keeps the measures in extra["_measures"], whose repr holds memory
    addresses), so every process loading the same file reads the same stored figures."""
    fields = [(f.name, getattr(conf, f.name)) for f in dataclasses.fields(conf)]
    file = [(name, {k: v for k, v in value.items() if not k.startswith("_")} if name == "extra" else value)
            for name, value in fields]
    return hashlib.sha256(repr(file).encode("utf-8")).hexdigest()


def params_hash(name: str, params: dict, conf_fingerprint: str) -> str:
    """The key of one count query run, whatever its report units."""
    bound = sorted((k, _plain(v)) for k, v in params.items() if k != "report_unit_ids")
    text = json.dumps([STORE_FORMAT, name, load_query(name), conf_fingerprint, bound], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return value


def data_version(conn: Connection) -> tuple[int, int, int]:
    """(newest batch id, committed batches, other batches), as the page caches key on it."""
    r = execute(conn, "data_version")[0]
    return int(r["max_batch_id"] or 0), int(r["count_committed"] or 0), int(r["count_other"] or 0)


def counts(engine: Engine, conf, runs: list[Run], unit_ids: list[int]) -> list[list[dict]]:
    """For each run, its count query's rows (unit_id, count_key, numerator, denominator) for
    `unit_ids`: read from the store, the missing units counted and stored."""
    if not runs:
        return []
    conf_fp = fingerprint(conf)
    hashes = [params_hash(name, params, conf_fp) for name, params in runs]
    ids = sorted(set(unit_ids))
    with engine.connect() as conn:
        version = data_version(conn)
        found: dict[str, dict[int, list[dict]]] = {h: {} for h in hashes}
        for r in execute(conn, "stored_figures", params_hashes=sorted(set(hashes)), report_unit_ids=ids,
                         max_batch_id=version[0], count_committed=version[1], count_other=version[2]):
            found[r["params_hash"]].setdefault(r["unit_id"], []).append(r)
        fresh: dict[str, tuple[str, dict[int, list[dict]]]] = {}
        for (name, params), h in zip(runs, hashes):
            missing = [i for i in ids if i not in found[h]]
            if not missing or h in fresh:
                continue
            rows = {i: [] for i in missing}
            for r in execute(conn, name, report_unit_ids=missing, **params):
                rows[r["unit_id"]].append(r)
            fresh[h] = (name, rows)
            found[h] |= rows
        storable = bool(fresh) and data_version(conn) == version
    if storable:  # on a connection of its own, the reading one closed
        _store(engine, version, fresh)
    return [[_row(r) for i in ids for r in found[h][i] if r["count_key"] != NO_ROW] for h in hashes]


def _row(r: dict) -> dict:
    return {"unit_id": r["unit_id"], "count_key": r["count_key"],
            "numerator": int(r["numerator"] or 0), "denominator": int(r["denominator"] or 0)}


def _insert(conn: Connection, table):
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()


def _store(engine: Engine, version: tuple[int, int, int], fresh: dict) -> None:
    """Store counted rows under their keys at `version`, prune, and give up rather than wait for
    another writer (the figures are already in hand)."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        waits = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
        conn.rollback()
        try:
            with conn.begin():
                if sqlite:  # for this connection only, put back below (the pool keeps it)
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={STORE_WAIT_MS}")  # a constant
                else:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{STORE_WAIT_MS}ms'")  # a constant
                _write(conn, version, fresh)
        except DBAPIError:
            # a writer held the lock past STORE_WAIT_MS, another reader's pruning removed a key
            # between our insert and our rows, or the database refuses writes (a read-only SQLite
            # file, a PostgreSQL role without INSERT or a read-only transaction): the figures are in
            # hand, the next read counts and stores again
            pass
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waits)}")
                conn.commit()


def _write(conn: Connection, version: tuple[int, int, int], fresh: dict) -> None:
    key = StoredFigureKey.__table__
    at = dict(max_batch_id=version[0], count_committed=version[1], count_other=version[2])
    conn.execute(_insert(conn, key), [dict(query_name=name, params_hash=h, **at) for h, (name, _) in fresh.items()])
    ids = dict(conn.execute(select(key.c.params_hash, key.c.key_id).where(
        key.c.params_hash.in_(sorted(fresh)), *(key.c[k] == v for k, v in at.items()))).all())
    rows = []
    for h, (_, by_unit) in fresh.items():
        if h not in ids:  # PostgreSQL: another reader's row met our insert, a third pruned it since
            continue
        for unit_id, found in by_unit.items():
            rows += [dict(key_id=ids[h], unit_id=unit_id, count_key=r["count_key"],
                          numerator=int(r["numerator"] or 0), denominator=int(r["denominator"] or 0))
                     for r in found] or [dict(key_id=ids[h], unit_id=unit_id, count_key=NO_ROW,
                                              numerator=0, denominator=0)]
    if rows:
        conn.execute(_insert(conn, StoredFigure.__table__), rows)
    _prune(conn, version)


def _prune(conn: Connection, version: tuple[int, int, int]) -> None:
    """Delete the keys of older versions (every upload raises the newest batch id, every rollback
    the count of other batches; neither ever falls), then all but the newest MAX_KEYS keys."""
    key = StoredFigureKey.__table__
    newest, other = version[0], version[2]
    older = select(key.c.key_id).where((key.c.max_batch_id < newest)
                                       | ((key.c.max_batch_id == newest) & (key.c.count_other < other)))
    _delete_keys(conn, older)
    if conn.execute(select(func.count()).select_from(key)).scalar_one() > MAX_KEYS:
        _delete_keys(conn, select(key.c.key_id).order_by(key.c.key_id.desc()).offset(MAX_KEYS))


def _delete_keys(conn: Connection, keys) -> None:
    doomed = conn.execute(keys).scalars().all()
    for i in range(0, len(doomed), 1000):
        chunk = doomed[i:i + 1000]
        conn.execute(delete(StoredFigure.__table__).where(StoredFigure.__table__.c.key_id.in_(chunk)))
        conn.execute(delete(StoredFigureKey.__table__).where(StoredFigureKey.__table__.c.key_id.in_(chunk)))


def empty(conn: Connection) -> None:
    """Delete every stored figure (a write that changes what count queries read without a batch)."""
    conn.execute(delete(StoredFigure.__table__))
    conn.execute(delete(StoredFigureKey.__table__))
