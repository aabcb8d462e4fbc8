"""Stored figures: the rows of the targets' count queries, kept in the reporting database so that a
page reads them with one indexed query instead of counting the records again (#16: "beat the
analytic engine by not recomputing").

A count query (`queries/*_counts_by_unit.sql`) gives, for each report unit, rows of (count_key,
numerator, denominator). Its result for one unit depends only on the query's text, its bound
parameters and the records of the enterprises (and rows) in the unit's subtree; so a stored row is
keyed by

- `params_hash`: sha256 of STORE_FORMAT, the query's name and text (fragments included), the campaign
  configuration's fingerprint (every field of the parsed file: an edited YAML never reads figures
  stored under the old one) and every bound parameter but the report units (window, as_of, the
  viewer's scope unit, the measure's own parameters);
- the report unit;

and carries the change number it was counted at. Change numbers (stored_figure_unit): every upload
and rollback, in its own transaction and under the writer lock (so numbers rise in commit order),
marks with the next number the units it changed and all their ancestors (`changed`). The units it
changed are those owning the enterprises its rows name, read both before and after the write: a
batch's unit is the common ancestor of its enterprises' units *after* it, but a 企业名录 row moving an
enterprise from county A to county B changes A's figures in a batch of unit B, and a rollback of
A's earlier batch after such a move deletes records now counted in B. Every count query reads only
tables keyed by enterprise (records, rollup_self_inspection_month, rollup_enterprise_span) or by the
enterprise's unit (rollup_sampling_unit_day, kept by the same transaction), so this set covers what
the write changes. Writes that change what every unit reads (a change of the org tree,
dashboard.campaign.sync_campaign; a rebuild of the rollups, dashboard.rollups.rebuild; the sample
county rebuilt with --force, dashboard.demo.empty_records) empty the store and mark unit EVERY_UNIT
(`empty`).

Reading (`counts`): the current change number first, then one query for every requested key and
unit; a unit's rows hold when none is older than the newest number of the unit (its subtree) or of
EVERY_UNIT. Rows stored at two numbers with no change of the subtree between them are the same count,
so a unit's rows stored by concurrent readers may mix numbers; any other mix is older than the
change between them and does not hold. A unit whose rows do not hold is counted: for an ADDITIVE
query as its own enterprises' count (own_only = 1) plus its children's rows, stored or counted the
same way, so a county's upload recounts that county alone and adds up its city and the province;
for any other query, the unit's whole subtree. Counted rows are stored at the number read before
counting: a write committed after that read has a larger number, so a row it changed (or counted
under an emptied store) is never read as holding. Storing never waits for a writer (a short lock
timeout; on a busy database the figures are returned and not stored), replaces a unit's older rows
of that key and ignores a concurrent duplicate (ON CONFLICT DO NOTHING).

Bound: at most MAX_KEYS keys (query × parameters) are kept, the oldest deleted first: arbitrary
as-of dates make new keys, so the table holds at most MAX_KEYS × report units × count keys rows (at
province scale 500 × 111 × 6), and stored_figure_unit one row per unit.
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
from ..writelock import lock_writers
from ..models import CACHE_TABLES, OrgUnitClosure, StoredFigure, StoredFigureKey, StoredFigureUnit

STORE_FORMAT = 2  # raised when what a stored row means changes without its query's text changing
MAX_KEYS = 500
NO_ROW = ""  # the count_key of the row that records a unit counted with no row (0 of 0)
STORE_WAIT_MS = 200  # storing waits at most this long for another writer, then gives up
EVERY_UNIT = 0  # the stored_figure_unit row of the writes that change every unit (no org unit has id 0)

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


# Count queries whose rows are sums over units, each counted thing belonging to one unit: every one
# ends in counts_by_own_unit (per enterprise unit) summed over the fragment
# scope_covered_units_by_report_unit, so a unit's rows are its own_only rows plus its children's, key
# by key (a threshold or a latest exam is decided per enterprise or person, before the sum). A count
# query not listed here is counted whole for each unit asked.
ADDITIVE = frozenset({
    "enterprise_target_counts_by_unit", "followup_counts_by_unit", "graded_minimum_counts_by_unit",
    "officer_exam_pass_counts_by_unit", "record_coverage_counts_by_unit", "rectification_counts_by_unit",
    "sampling_pass_counts_by_unit"})


def counts(engine: Engine, conf, runs: list[Run], unit_ids: list[int]) -> list[list[dict]]:
    """For each run, its count query's rows (unit_id, count_key, numerator, denominator) for
    `unit_ids`: read from the store where no write changed the unit's subtree since they were
    counted, the others counted (an additive query: each such unit's own rows plus its children's)
    and stored."""
    if not runs:
        return []
    conf_fp = fingerprint(conf)
    hashes = [params_hash(name, params, conf_fp) for name, params in runs]
    ids = sorted(set(unit_ids))
    with engine.connect() as conn:
        # read before any count: a write committed after it has a larger number, so what is
        # stored at this number and touched by that write is never read as valid
        position = int(execute(conn, "stored_figure_position")[0]["change_no"])
        found = _valid(conn, sorted(set(hashes)), ids)
        fresh: dict[str, tuple[str, dict[int, list[dict]]]] = {}
        for (name, params), h in zip(runs, hashes):
            missing = [i for i in ids if i not in found[h]]
            if not missing or h in fresh:
                continue
            if name in ADDITIVE:
                rows = _built(conn, name, params, h, missing, found[h])
            else:
                rows = {i: [] for i in missing}
                for r in execute(conn, name, report_unit_ids=missing, **params):
                    rows[r["unit_id"]].append(r)
            fresh[h] = (name, rows)
            found[h] |= rows
    if fresh:  # on a connection of its own, the reading one closed
        _store(engine, position, fresh)
    return [[_row(r) for i in ids for r in found[h][i] if r["count_key"] != NO_ROW] for h in hashes]


def _valid(conn: Connection, hashes: list[str], ids: list[int]) -> dict[str, dict[int, list[dict]]]:
    """hash → unit → its stored rows, for the units none of whose rows is older than the newest
    change of the unit's subtree or of everything (rows stored at two numbers with no change of the
    subtree between them are the same count)."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in execute(conn, "stored_figures", params_hashes=hashes, report_unit_ids=ids):
        groups.setdefault((r["params_hash"], r["unit_id"]), []).append(r)
    out: dict[str, dict[int, list[dict]]] = {h: {} for h in hashes}
    for (h, unit), rows in groups.items():
        if min(r["change_no"] for r in rows) >= max(rows[0]["unit_change_no"], rows[0]["every_change_no"]):
            out[h][unit] = rows
    return out


def _built(conn: Connection, name: str, params: dict, h: str, missing: list[int],
           read: dict[int, list[dict]]) -> dict[int, list[dict]]:
    """The rows of the missing units and of every unit below them not validly stored: each such
    unit's own_only count (one run for all of them) plus its children's rows, stored or built.
    `read`: the valid stored rows the caller already read on this connection, unit by unit (a
    unit below asked for too is not read again: at province scale that was 7 ms a query)."""
    parent = {r["unit_id"]: r["parent_id"] for r in execute(conn, "stored_figure_subtrees", report_unit_ids=missing)}
    below = sorted(set(parent) - set(missing) - set(read))
    known = {u: rows for u, rows in read.items() if u in parent}
    known |= _valid(conn, [h], below)[h] if below else {}
    stale = sorted((set(parent) | set(missing)) - set(known))  # a unit gone from the tree: no row
    own: dict[int, list[dict]] = {u: [] for u in stale}
    for r in execute(conn, name, report_unit_ids=stale, **{**params, "own_only": 1}):
        own[r["unit_id"]].append(r)
    children: dict[int, list[int]] = {}
    for unit, up in parent.items():
        if up in parent:
            children.setdefault(up, []).append(unit)
    built: dict[int, list[dict]] = {}

    def rows_of(unit: int) -> list[dict]:
        if unit in known:
            return known[unit]
        if unit not in built:
            built[unit] = _summed(unit, [own[unit], *(rows_of(c) for c in children.get(unit, []))])
        return built[unit]

    for unit in missing:
        rows_of(unit)
    return built


def _summed(unit: int, parts: list[list[dict]]) -> list[dict]:
    """One row per count_key present in any part, numerators and denominators added."""
    total: dict[str, list[int]] = {}
    for r in (r for part in parts for r in part if r["count_key"] != NO_ROW):
        n_d = total.setdefault(r["count_key"], [0, 0])
        n_d[0] += int(r["numerator"] or 0)
        n_d[1] += int(r["denominator"] or 0)
    return [{"unit_id": unit, "count_key": k, "numerator": n, "denominator": d} for k, (n, d) in total.items()]


def _row(r: dict) -> dict:
    return {"unit_id": r["unit_id"], "count_key": r["count_key"],
            "numerator": int(r["numerator"] or 0), "denominator": int(r["denominator"] or 0)}


def _insert(conn: Connection, table):
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def _store(engine: Engine, position: int, fresh: dict) -> None:
    """Store counted rows at change number `position`, prune, and give up rather than wait for
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
                _write(conn, position, fresh)
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


def _write(conn: Connection, position: int, fresh: dict) -> None:
    key, figure = StoredFigureKey.__table__, StoredFigure.__table__
    conn.execute(_insert(conn, key).on_conflict_do_nothing(),
                 [dict(query_name=name, params_hash=h) for h, (name, _) in fresh.items()])
    ids = dict(conn.execute(select(key.c.params_hash, key.c.key_id).where(key.c.params_hash.in_(sorted(fresh)))).all())
    rows = []
    for h, (_, by_unit) in fresh.items():
        if h not in ids:  # PostgreSQL: another reader's row met our insert, a third pruned it since
            continue
        units = sorted(by_unit)
        for i in range(0, len(units), 1000):  # a unit's rows counted before ours go: ours replace them
            conn.execute(delete(figure).where(figure.c.key_id == ids[h], figure.c.unit_id.in_(units[i:i + 1000]),
                                              figure.c.change_no < position))
        for unit_id, found in by_unit.items():
            rows += [dict(key_id=ids[h], unit_id=unit_id, count_key=r["count_key"], change_no=position,
                          numerator=int(r["numerator"] or 0), denominator=int(r["denominator"] or 0))
                     for r in found] or [dict(key_id=ids[h], unit_id=unit_id, count_key=NO_ROW,
                                              change_no=position, numerator=0, denominator=0)]
    if rows:  # a row already there (a concurrent reader's, or counted later) stays
        conn.execute(_insert(conn, figure).on_conflict_do_nothing(), rows)
    _prune(conn)


def _prune(conn: Connection) -> None:
    """All but the newest MAX_KEYS keys go (arbitrary as-of dates make new keys)."""
    key = StoredFigureKey.__table__
    if conn.execute(select(func.count()).select_from(key)).scalar_one() > MAX_KEYS:
        _delete_keys(conn, select(key.c.key_id).order_by(key.c.key_id.desc()).offset(MAX_KEYS))


def _delete_keys(conn: Connection, keys) -> None:
    doomed = conn.execute(keys).scalars().all()
    for i in range(0, len(doomed), 1000):
        chunk = doomed[i:i + 1000]
        conn.execute(delete(StoredFigure.__table__).where(StoredFigure.__table__.c.key_id.in_(chunk)))
        conn.execute(delete(StoredFigureKey.__table__).where(StoredFigureKey.__table__.c.key_id.in_(chunk)))


# ------------------------------------------------------------------ writes
def changed(conn: Connection, unit_ids: set[int]) -> None:
    """Mark the units a write in this transaction changed, and their ancestors, with the next
    change number. The caller holds the writer lock (dashboard.writelock.lock_writers), so
    numbers rise in commit order."""
    if not unit_ids:
        return
    closure = OrgUnitClosure.__table__
    units = set(unit_ids)
    wanted = sorted(units)
    for i in range(0, len(wanted), 1000):
        units.update(conn.execute(select(closure.c.ancestor_id).where(
            closure.c.descendant_id.in_(wanted[i:i + 1000]))).scalars())
    _mark(conn, units)


def empty(conn: Connection) -> None:
    """Delete every stored figure and mark everything changed (a write that changes what count
    queries read for every unit: a new org tree, a rollup rebuild, the sample county rebuilt): a
    reader that counted before this write and stores after it stores under an older number,
    never read. Takes the writer lock: change numbers rise in commit order."""
    lock_writers(conn)
    conn.execute(delete(StoredFigure.__table__))
    conn.execute(delete(StoredFigureKey.__table__))
    _mark(conn, {EVERY_UNIT})


def _mark(conn: Connection, units: set[int]) -> None:
    table = StoredFigureUnit.__table__
    number = conn.execute(select(func.coalesce(func.max(table.c.change_no), 0))).scalar_one() + 1
    stmt = _insert(conn, table)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.unit_id],
                                            set_={"change_no": stmt.excluded.change_no}),
                 [{"unit_id": u, "change_no": number} for u in sorted(units)])
