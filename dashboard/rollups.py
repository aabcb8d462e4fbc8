"""Rollups: small derived tables of the large record tables, kept by the importer.

At province scale 监督抽检 holds millions of rows and 企业自查 hundreds of thousands, so:

- `rollup_sampling_unit_day` (one row per org unit × sampling day) answers the sampling pass rate for any
  window as a sum over its days: exact at mid-month edges, no raw row read;
- `rollup_self_inspection_month` (one row per enterprise × month) answers "self-inspected in the
  window" for the months wholly inside it; the partial months at the edges probe the raw rows by
  the (credit_code, inspection_date) key (queries/enterprise_target_counts_by_unit.sql);
- `rollup_enterprise_span` (one row per enterprise) holds the first and last date of its 供应商评价,
  食安员抽考 and 包保督导 records, which answers "any record from the campaign start to as_of" without
  reading them unless both fall outside, one before the start and one after as_of.

The rollups are always written in the same transaction as the records:

- `import_workbook` calls `refresh_pairs` after writing, with the keys the batch touched — the new
  rows and the rows they replaced (`pairs_of_rows`);
- `rollback_batch` collects the same keys before restoring (`pairs_of_changes`) and refreshes them
  afterwards;
- `rebuild_rollups` (`python -m dashboard rebuild-rollups`) recomputes everything from the records.

Month boundaries are computed here, in Python, and bound; SQL never does date arithmetic.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Callable, Iterable

from sqlalchemy import Date, Text, and_, any_, bindparam, case, cast, delete, func, insert, null, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from .models import (CadreVisit, Enterprise, OfficerExam, RollupEnterpriseSpan, RollupSamplingUnitDay,
                     RollupSelfInspectionMonth, Sampling, SelfInspection, SupplierEvaluation)
from .db import text_array_literal
from .figures import stored
from .periods import month_bounds, month_start, next_month

CHUNK = 1000  # values per IN list

# table → keys the change touches: self_inspection {(credit_code, month)}, sampling
# {(credit_code, day, unit_id or None)}, enterprise {(unit_id,)}, a SPAN_SOURCES table {(credit_code,)}
Pairs = dict[str, set[tuple]]

# record table → its date column, whose first and last date per enterprise rollup_enterprise_span
# keeps in first_<table>_date and last_<table>_date
SPAN_SOURCES = {"supplier_evaluation": SupplierEvaluation.evaluation_date,
                "officer_exam": OfficerExam.exam_date,
                "cadre_visit": CadreVisit.visit_date}
SOURCE_TABLES = ("self_inspection", "sampling", "enterprise", *SPAN_SOURCES)  # the tables a rollup reads


@dataclass(frozen=True)
class RollupSpec:
    """Which rollup table a record table feeds (load._refresh_statistics reads this)."""
    rollup: type
    source_table: str


ROLLUPS = (RollupSpec(RollupSamplingUnitDay, "sampling"),
           RollupSpec(RollupSamplingUnitDay, "enterprise"),  # a moved enterprise moves its samples
           RollupSpec(RollupSelfInspectionMonth, "self_inspection"),
           *(RollupSpec(RollupEnterpriseSpan, name) for name in SPAN_SOURCES))
ROLLUP_TABLES = (RollupSamplingUnitDay, RollupSelfInspectionMonth, RollupEnterpriseSpan)


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _dates(values: list) -> Iterable[date]:
    """The values as dates (a stored SQLite row holds ISO text): a column of dates as it is, with
    no call per value."""
    return values if set(map(type, values)) <= {date} else map(_as_date, values)


# ------------------------------------------------------------------ which keys a change touches
def pairs_of_rows(table_name: str, rows: Iterable[dict]) -> set[tuple]:
    """The rollup keys of record rows (dicts as written or as stored); empty for a table that
    feeds no rollup. Sampling rows leave the unit open: refresh_pairs looks it up after writing."""
    rows = list(rows)
    return pairs_of_columns(table_name, lambda name: [r.get(name) for r in rows])


def pairs_of_columns(table_name: str, column: Callable[[str], list]) -> set[tuple]:
    """pairs_of_rows for rows given by column: column(name) lists one column's values, a row's
    value at its place (an import's new rows are never made dicts: see importer.load.Plan)."""
    if table_name == "self_inspection":
        return {(code, month_start(day)) for code, day in set(zip(column("credit_code"), _dates(column("inspection_date"))))}
    if table_name == "sampling":
        return set(zip(column("credit_code"), _dates(column("sampling_date")), repeat(None)))
    if table_name == "enterprise":
        return {(unit,) for unit in set(column("unit_id")) if unit is not None}
    if table_name in SPAN_SOURCES:
        return {(code,) for code in set(column("credit_code"))}
    return set()


def pairs_of_changes(conn: Connection, table_name: str, keys: list[str], changes) -> set[tuple]:
    """The keys a batch's changes of one table touch, read before they are undone: the prior rows
    kept in batch_change and the rows as they stand now (what the batch wrote). Sampling keys get
    their unit now, while the enterprise still exists (undoing may delete it). A span table's
    keys hold the credit code, so its keys need no read."""
    if table_name not in SOURCE_TABLES:
        return set()
    old = [json.loads(c.old_row_json) for c in changes if c.old_row_json is not None]
    key_rows = [dict(zip(keys, json.loads(c.record_key))) for c in changes]
    if table_name in SPAN_SOURCES:
        return pairs_of_rows(table_name, old + key_rows)
    rows = old + _current_rows(conn, table_name, keys, key_rows)
    if table_name != "sampling":
        return pairs_of_rows(table_name, rows)
    units = units_of(conn, {r["credit_code"] for r in rows})
    return {(r["credit_code"], _as_date(r["sampling_date"]), units.get(r["credit_code"])) for r in rows}


def _current_rows(conn: Connection, table_name: str, keys: list[str], key_rows: list[dict]) -> list[dict]:
    """The stored rows with the given natural keys, as dicts."""
    table = {"self_inspection": SelfInspection, "sampling": Sampling, "enterprise": Enterprise}[table_name].__table__
    probe = keys[0] if len(keys) == 1 else "credit_code"
    wanted = sorted({r[probe] for r in key_rows})
    found = []
    for i in range(0, len(wanted), CHUNK):
        found += [dict(r._mapping) for r in conn.execute(select(table).where(table.c[probe].in_(wanted[i:i + CHUNK])))]
    wanted_keys = {tuple(r[k] for k in keys) for r in key_rows}
    return [r for r in found if tuple(_key_value(r[k]) for k in keys) in wanted_keys]


def _key_value(value):
    return value.isoformat() if isinstance(value, date) else value


def units_of(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """credit_code → the enterprise's unit, for the codes that exist. PostgreSQL binds the codes as
    one text array: an upload asks three times for its enterprises, and binding each of its ~170
    codes as a parameter of an IN list cost this process ~2 ms a call, the array ~0.5 ms."""
    codes, out = sorted(set(codes)), {}
    if codes and conn.dialect.name == "postgresql" and all(type(c) is str for c in codes):
        array = cast(bindparam("codes", type_=Text), ARRAY(Text))
        stmt = select(Enterprise.credit_code, Enterprise.unit_id).where(Enterprise.credit_code == any_(array))
        return dict(conn.execute(stmt, {"codes": text_array_literal(codes)}).all())
    for i in range(0, len(codes), CHUNK):
        stmt = select(Enterprise.credit_code, Enterprise.unit_id).where(Enterprise.credit_code.in_(codes[i:i + CHUNK]))
        out.update(dict(conn.execute(stmt).all()))
    return out


# ------------------------------------------------------------------ self-inspection months
def _insert_month(conn: Connection, month: date, codes: list[str] | None) -> None:
    """INSERT … SELECT the month's groups (of codes, or of every enterprise when None)."""
    src = SelfInspection.__table__
    first, last, nxt = month_bounds(month)
    stmt = (select(src.c.credit_code,
                   bindparam("m_first", first, type_=Date),
                   bindparam("m_last", last, type_=Date),
                   bindparam("m_next", nxt, type_=Date),
                   func.count(), func.max(src.c.inspection_date))
            .where(src.c.inspection_date >= first, src.c.inspection_date < nxt)
            .group_by(src.c.credit_code))
    if codes is not None:
        stmt = stmt.where(src.c.credit_code.in_(codes))
    columns = ["credit_code", "month_date", "month_end_date", "next_month_date",
               "count_self_inspections", "last_inspection_date"]
    conn.execute(insert(RollupSelfInspectionMonth.__table__).from_select(columns, stmt))


def _refresh_months(conn: Connection, pairs: set[tuple]) -> None:
    rollup = RollupSelfInspectionMonth.__table__
    by_month = defaultdict(set)
    for code, month in pairs:
        by_month[month].add(code)
    for month, codes in sorted(by_month.items()):
        codes = sorted(codes)
        for i in range(0, len(codes), CHUNK):
            chunk = codes[i:i + CHUNK]
            conn.execute(delete(rollup).where(rollup.c.month_date == month, rollup.c.credit_code.in_(chunk)))
            _insert_month(conn, month, chunk)


# ------------------------------------------------------------------ sampling unit days
def _insert_unit_days(conn: Connection, units: list[int] | None, days: list[date] | None) -> None:
    """INSERT … SELECT the (unit, day) groups of the given units × days (None: all)."""
    s, e = Sampling.__table__, Enterprise.__table__
    counted = s.c.task_source != "风险监测"
    stmt = (select(e.c.unit_id, s.c.sampling_date, func.count(),
                   func.sum(case((counted, 1), else_=0)),
                   func.sum(case((and_(counted, s.c.verdict == "合格"), 1), else_=0)))
            .join(e, e.c.credit_code == s.c.credit_code)
            .group_by(e.c.unit_id, s.c.sampling_date))
    if units is not None:
        stmt = stmt.where(e.c.unit_id.in_(units))
    if days is not None:
        stmt = stmt.where(s.c.sampling_date.in_(days))
    columns = ["unit_id", "sampling_date", "count_samples", "count_counted", "count_passed"]
    conn.execute(insert(RollupSamplingUnitDay.__table__).from_select(columns, stmt))


def _refresh_unit_days(conn: Connection, sample_keys: set[tuple], moved_units: set[int]) -> None:
    """Recompute every (unit, day) of the touched units × touched days — a superset of the touched
    pairs, so a delete and an insert over the same set stay consistent — and every day of the
    units an enterprise left or joined."""
    rollup = RollupSamplingUnitDay.__table__
    if moved_units:
        units = sorted(moved_units)
        conn.execute(delete(rollup).where(rollup.c.unit_id.in_(units)))
        _insert_unit_days(conn, units, None)
    looked_up = units_of(conn, {code for code, _, unit in sample_keys if unit is None})
    units, days = set(), set()
    for code, day, unit in sample_keys:
        unit = unit if unit is not None else looked_up.get(code)
        if unit is not None and unit not in moved_units:
            units.add(unit)
            days.add(day)
    # one statement pair over units × days (a superset of the touched pairs, recomputed whole)
    units, days = sorted(units), sorted(days)
    for i in range(0, len(days) if units else 0, CHUNK):
        chunk = days[i:i + CHUNK]
        conn.execute(delete(rollup).where(rollup.c.unit_id.in_(units), rollup.c.sampling_date.in_(chunk)))
        _insert_unit_days(conn, units, chunk)


# ------------------------------------------------------------------ enterprise spans
def _insert_spans(conn: Connection, codes: list[str] | None) -> None:
    """INSERT … SELECT the span row of each enterprise (of codes, or every one when None) with a
    record in any SPAN_SOURCES table: one grouped arm per table, merged per enterprise."""
    columns = [f"{edge}_{name}_date" for name in SPAN_SOURCES for edge in ("first", "last")]
    arms = []
    for name, day in SPAN_SOURCES.items():
        code = day.class_.credit_code
        dates = {f"first_{name}_date": func.min(day), f"last_{name}_date": func.max(day)}
        stmt = select(code, *(dates.get(c, cast(null(), Date)).label(c) for c in columns)).group_by(code)
        arms.append(stmt if codes is None else stmt.where(code.in_(codes)))
    merged = union_all(*arms).subquery()
    stmt = select(merged.c.credit_code, *(func.max(merged.c[c]) for c in columns)).group_by(merged.c.credit_code)
    conn.execute(insert(RollupEnterpriseSpan.__table__).from_select(["credit_code", *columns], stmt))


def _refresh_spans(conn: Connection, codes: set[str]) -> None:
    """Recompute the span rows of the given enterprises (deleted when they have no record left)."""
    rollup = RollupEnterpriseSpan.__table__
    codes = sorted(codes)
    for i in range(0, len(codes), CHUNK):
        chunk = codes[i:i + CHUNK]
        conn.execute(delete(rollup).where(rollup.c.credit_code.in_(chunk)))
        _insert_spans(conn, chunk)


# ------------------------------------------------------------------ entry points
def refresh_pairs(conn: Connection, pairs: Pairs) -> int:
    """Recompute the rollup rows of the touched keys from the records, inside the caller's
    transaction; returns how many keys were given."""
    if pairs.get("self_inspection"):
        _refresh_months(conn, pairs["self_inspection"])
    if pairs.get("sampling") or pairs.get("enterprise"):
        _refresh_unit_days(conn, pairs.get("sampling", set()),
                           {unit for (unit,) in pairs.get("enterprise", set())})
    span_codes = {code for name in SPAN_SOURCES for (code,) in pairs.get(name, set())}
    if span_codes:
        _refresh_spans(conn, span_codes)
    return sum(len(p) for name, p in pairs.items() if name in SOURCE_TABLES)


def rebuild_self_inspection_months(conn: Connection) -> None:
    """Delete and recompute rollup_self_inspection_month (one INSERT … SELECT per month)."""
    conn.execute(delete(RollupSelfInspectionMonth.__table__))
    day = SelfInspection.__table__.c.inspection_date
    low, high = conn.execute(select(func.min(day), func.max(day))).one()
    if low is not None:
        month, last = month_start(_as_date(low)), month_start(_as_date(high))
        while month <= last:
            _insert_month(conn, month, None)
            month = next_month(month)


def rebuild_rollups(conn: Connection) -> dict[str, int]:
    """Delete and recompute every rollup row from the records, and empty the stored figures (they
    were counted from the rollups this replaces); returns rollup table → rows."""
    stored.empty(conn)
    conn.execute(delete(RollupSamplingUnitDay.__table__))
    _insert_unit_days(conn, None, None)
    rebuild_self_inspection_months(conn)
    conn.execute(delete(RollupEnterpriseSpan.__table__))
    _insert_spans(conn, None)
    return {t.__tablename__: conn.execute(select(func.count()).select_from(t.__table__)).scalar_one()
            for t in ROLLUP_TABLES}


def rebuild(engine: Engine, on_write: Callable[[Connection, dict[str, int]], None] | None = None
            ) -> dict[str, int]:
    """rebuild_rollups in its own transaction (the `rebuild-rollups` command), `on_write(conn,
    counts)` last in it (the action's audit row); ANALYZE on PostgreSQL."""
    with engine.begin() as conn:
        counts = rebuild_rollups(conn)
        if on_write is not None:
            on_write(conn, counts)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ROLLUP_TABLES:
                conn.exec_driver_sql(f"ANALYZE {table.__tablename__}")  # fixed model names
    return counts


def rollup_rows(conn: Connection | Engine) -> dict[str, list[tuple]]:
    """Every rollup row, sorted (for tests: incremental upkeep must equal a full rebuild)."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return rollup_rows(c)
    out = {}
    for model in ROLLUP_TABLES:
        rows = conn.execute(select(model.__table__)).all()
        out[model.__tablename__] = sorted(tuple(_as_date(v) if k.endswith("_date") else v
                                                for k, v in r._mapping.items()) for r in rows)
    return out
