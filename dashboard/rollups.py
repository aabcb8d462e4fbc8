"""Rollups: per (enterprise, month) facts of the large record tables, kept by the importer.

At province scale 监督抽检 holds millions of rows, so the sampling_pass and self_inspection
figures read `rollup_sampling_month` / `rollup_self_inspection_month` (one row per enterprise ×
month) for the months wholly inside a window and the raw records only for the partial months at
its edges (see the grain comments of queries/sampling_pass_counts_by_unit.sql and
queries/enterprise_target_counts_by_unit.sql).

The rollups are derived data and are always written in the same transaction as the records:

- `import_workbook` calls `refresh_pairs` after writing, for every (enterprise, month) the batch
  touched — the new rows' months and the old months of the rows it replaced;
- `rollback_batch` collects the same pairs before restoring and refreshes them afterwards;
- `rebuild_rollups` (`python -m dashboard rebuild-rollups`) recomputes everything from the records.

Month boundaries are computed here, in Python, and bound; SQL never does date arithmetic.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import Date, bindparam, case, delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from .models import RollupSamplingMonth, RollupSelfInspectionMonth, Sampling, SelfInspection

CHUNK = 1000  # codes per IN list


@dataclass(frozen=True)
class RollupSpec:
    """How one rollup table is computed from one record table."""
    rollup: type
    source: type
    date_column: str

    @property
    def source_table(self) -> str:
        """The record table's name."""
        return self.source.__tablename__

    def aggregates(self) -> list:
        """The aggregate columns of one (enterprise, month) group, in rollup column order."""
        src = self.source.__table__.c
        if self.source is Sampling:
            counted = src.task_source != "风险监测"
            return [func.count(),
                    func.sum(case((counted, 1), else_=0)),
                    func.sum(case((counted & (src.verdict == "合格"), 1), else_=0)),
                    func.max(src.sampling_date)]
        return [func.count(), func.max(src.inspection_date)]

    def aggregate_names(self) -> list[str]:
        """The rollup columns the aggregates fill."""
        if self.source is Sampling:
            return ["count_samples", "count_counted", "count_passed", "last_sampling_date"]
        return ["count_self_inspections", "last_inspection_date"]


ROLLUPS = (RollupSpec(RollupSamplingMonth, Sampling, "sampling_date"),
           RollupSpec(RollupSelfInspectionMonth, SelfInspection, "inspection_date"))
SPEC_BY_SOURCE = {s.source_table: s for s in ROLLUPS}

Pairs = dict[str, set[tuple[str, date]]]  # record table → {(credit_code, first day of month)}


# ------------------------------------------------------------------ months
def month_start(day: date) -> date:
    """The first day of day's month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after month."""
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def month_bounds(month: date) -> tuple[date, date, date]:
    """(first day, last day, first day of the next month) of month."""
    nxt = next_month(month)
    return month, nxt - timedelta(days=1), nxt


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


# ------------------------------------------------------------------ which pairs a change touches
def pairs_of_rows(table_name: str, rows: Iterable[dict]) -> set[tuple[str, date]]:
    """The (enterprise, month) pairs of record rows (dicts with credit_code and the date column);
    empty for a table without a rollup."""
    spec = SPEC_BY_SOURCE.get(table_name)
    if spec is None:
        return set()
    return {(r["credit_code"], month_start(_as_date(r[spec.date_column]))) for r in rows}


def pairs_of_changes(conn: Connection, table_name: str, keys: list[str], changes) -> set[tuple[str, date]]:
    """The pairs a batch's changes of one table touch, read before they are undone: the rows as
    they stand now (what the batch wrote) and the prior rows kept in batch_change."""
    spec = SPEC_BY_SOURCE.get(table_name)
    if spec is None:
        return set()
    old = [json.loads(c.old_row_json) for c in changes if c.old_row_json is not None]
    pairs = pairs_of_rows(table_name, old)
    key_rows = [dict(zip(keys, json.loads(c.record_key))) for c in changes]
    if {"credit_code", spec.date_column} <= set(keys):
        return pairs | pairs_of_rows(table_name, key_rows)
    table = spec.source.__table__
    (key,) = keys
    wanted = sorted({r[key] for r in key_rows})
    for i in range(0, len(wanted), CHUNK):
        stmt = (select(table.c.credit_code, table.c[spec.date_column])
                .where(table.c[key].in_(wanted[i:i + CHUNK])))
        pairs |= {(code, month_start(_as_date(day))) for code, day in conn.execute(stmt)}
    return pairs


# ------------------------------------------------------------------ writing
def _insert_month(conn: Connection, spec: RollupSpec, month: date, codes: list[str] | None) -> None:
    """INSERT … SELECT the month's groups (of codes, or of every enterprise when None)."""
    src = spec.source.__table__
    first, last, nxt = month_bounds(month)
    day = src.c[spec.date_column]
    stmt = (select(src.c.credit_code,
                   bindparam("m_first", first, type_=Date),
                   bindparam("m_last", last, type_=Date),
                   bindparam("m_next", nxt, type_=Date),
                   *spec.aggregates())
            .where(day >= first, day < nxt)
            .group_by(src.c.credit_code))
    if codes is not None:
        stmt = stmt.where(src.c.credit_code.in_(codes))
    columns = ["credit_code", "month_date", "month_end_date", "next_month_date",
               *spec.aggregate_names()]
    conn.execute(insert(spec.rollup.__table__).from_select(columns, stmt))


def refresh_pairs(conn: Connection, pairs: Pairs) -> int:
    """Recompute the rollup rows of the given (enterprise, month) pairs from the records, inside
    the caller's transaction; returns how many pairs were recomputed."""
    done = 0
    for table_name, table_pairs in pairs.items():
        spec = SPEC_BY_SOURCE.get(table_name)
        if spec is None or not table_pairs:
            continue
        rollup = spec.rollup.__table__
        by_month = defaultdict(set)
        for code, month in table_pairs:
            by_month[month].add(code)
        for month, codes in sorted(by_month.items()):
            codes = sorted(codes)
            for i in range(0, len(codes), CHUNK):
                chunk = codes[i:i + CHUNK]
                conn.execute(delete(rollup).where(rollup.c.month_date == month,
                                                  rollup.c.credit_code.in_(chunk)))
                _insert_month(conn, spec, month, chunk)
        done += len(table_pairs)
    return done


def merge_pairs(*many: Pairs) -> Pairs:
    """The union of several table → pairs maps."""
    out: Pairs = defaultdict(set)
    for pairs in many:
        for table, p in pairs.items():
            out[table] |= p
    return dict(out)


def rebuild_rollups(conn: Connection) -> dict[str, int]:
    """Delete and recompute every rollup row from the records (one INSERT … SELECT per month);
    returns rollup table → rows written."""
    counts = {}
    for spec in ROLLUPS:
        src, rollup = spec.source.__table__, spec.rollup.__table__
        conn.execute(delete(rollup))
        day = src.c[spec.date_column]
        low, high = conn.execute(select(func.min(day), func.max(day))).one()
        if low is not None:
            month, last = month_start(_as_date(low)), month_start(_as_date(high))
            while month <= last:
                _insert_month(conn, spec, month, None)
                month = next_month(month)
        counts[rollup.name] = conn.execute(select(func.count()).select_from(rollup)).scalar_one()
    return counts


def rebuild(engine: Engine) -> dict[str, int]:
    """rebuild_rollups in its own transaction (the `rebuild-rollups` command); ANALYZE on PostgreSQL."""
    with engine.begin() as conn:
        counts = rebuild_rollups(conn)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for spec in ROLLUPS:
                conn.exec_driver_sql(f"ANALYZE {spec.rollup.__tablename__}")  # fixed model names
    return counts


def rollup_rows(conn: Connection | Engine) -> dict[str, list[tuple]]:
    """Every rollup row, sorted (for tests: incremental upkeep must equal a full rebuild)."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return rollup_rows(c)
    out = {}
    for spec in ROLLUPS:
        rollup = spec.rollup.__table__
        rows = conn.execute(select(rollup)).all()
        out[rollup.name] = sorted(tuple(_as_date(v) if k.endswith("_date") else v
                                        for k, v in r._mapping.items()) for r in rows)
    return out

