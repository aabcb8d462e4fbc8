"""Importing a workbook: read → parse → validate → one transaction of natural-key upserts.

All or nothing: any error and nothing of the workbook is written. Each committed upload is a
batch (`upload_batch`); every record it replaced is a `batch_change` row holding the record's prior
state, and the keys of the records it inserted are one `batch_insert` row per table, so
`rollback_batch` can restore the database exactly.

Both take the viewer they act for (the import's scope, the rollback's author and scope) and an
optional `on_write` called inside their transaction, where `dashboard.actions` writes the audit
row; permissions are checked there, at the one door for every change of state.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from json.encoder import encode_basestring as _json_string  # json.dumps's, ensure_ascii=False
from pathlib import Path
from operator import itemgetter
from typing import Any, Callable, NamedTuple

from sqlalchemy import Date, and_, bindparam, delete, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import rollups
from ..figures import stored
from ..writelock import lock_writers
from ..access import Viewer, check_rollback, role_info
from ..models import (ENTERPRISE_RECORDS, Base, BatchChange, BatchEnterprise, BatchInsert, CommittedUpload, OrgUnit,
                      OrgUnitClosure, UploadBatch)
from . import bulk, parse, published, raw, read, validate
from .gcpause import gc_paused
from .schemas import SHEETS, EnterpriseSheet, SheetModel

CHUNK = 1000  # keys per IN list: well under SQLite's and PostgreSQL's bound-parameter limits


class RollbackError(Exception):
    """A batch cannot be rolled back; the message says why, in Chinese."""


BUSY_MESSAGE = "另一份上报正在写入数据库，等待超时：本次未写入任何数据，请稍后重新上传"
IMPORT_CACHE_KIB = 64 * 1024  # SQLite page cache of an import's connection while it writes


@contextmanager
def roomy_page_cache(conn: Connection):
    """On SQLite, a page cache of IMPORT_CACHE_KIB for the block, the connection's own size
    restored after it. With the default 2 MB, a 10,000-row batch (its rows and index pages)
    spills to the WAL in the middle of the transaction, page by page and again when a spilled page
    changes: on a busy disk that writing took more time than the inserts themselves (sampling
    rows: 58 ms of CPU, 150-350 ms wall; with the cache, 60-90 ms wall). Set on the driver
    connection, outside SQLAlchemy's transaction: a PRAGMA neither begins nor ends one."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")  # a constant
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(before)}")  # read back from SQLite: an int


@dataclass
class ImportResult:
    """What an import did (or would do, in a dry run): the cli.md JSON shape plus counts."""
    status: str  # imported | unchanged | rejected
    batch_id: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    ignored_sheets: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # shaped like errors; never stop an import
    dry_run: bool = False
    inserted: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    file_name: str | None = None
    # Each recognised sheet as written: {"sheet": its name, "as": contract sheet, "layout": 填报模板 |
    # 公示表 | 抽检系统导出, "rows": records read from it} (for the 上报 page's summary).
    sheets: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        changes = {sheet: {"inserted": self.inserted.get(sheet, 0), "replaced": self.replaced.get(sheet, 0),
                           "unchanged": self.unchanged.get(sheet, 0)} for sheet in self.rows}
        return {"status": self.status, "batch_id": self.batch_id, "rows": dict(self.rows),
                "ignored_sheets": list(self.ignored_sheets), "errors": list(self.errors),
                "warnings": list(self.warnings),
                "dry_run": self.dry_run, "changes": changes}

    def to_text(self) -> str:
        name = f"{self.file_name}：" if self.file_name else ""
        lines = [name + self._headline()]
        if self.status != "rejected":
            for sheet, count in self.rows.items():
                lines.append(f"  {sheet} {count} 行（新增 {self.inserted.get(sheet, 0)}，"
                             f"更新 {self.replaced.get(sheet, 0)}，未变 {self.unchanged.get(sheet, 0)}）")
        if self.ignored_sheets:
            lines.append("  未识别的工作表（已忽略）：" + "、".join(self.ignored_sheets))
        lines += ["  " + error_text(e) for e in self.errors]
        lines += ["  提示：" + error_text(w) for w in self.warnings]
        return "\n".join(lines)

    def _headline(self) -> str:
        if self.status == "rejected":
            return f"未导入：发现 {len(self.errors)} 处错误，整个工作簿未写入任何数据"
        if self.status == "unchanged":
            return f"该文件此前已导入（第 {self.batch_id} 批），本次未作任何更改"
        if self.dry_run:
            return "校验通过（试运行，未写入数据库）"
        return f"已导入，第 {self.batch_id} 批"


def error_text(e: dict) -> str:
    """「工作表 监督抽检 第17行 列“抽样日期”：…」; whole-file errors are the message alone."""
    where = []
    if e.get("sheet"):
        where.append(f"工作表 {e['sheet']}")
    if e.get("row") is not None:
        where.append(f"第{e['row']}行")
    if e.get("column"):
        where.append(f"列“{e['column']}”")
    shown = e.get("value") not in (None, "") and str(e["value"]) not in e["message"]
    value = f"（填写的是“{e['value']}”）" if shown else ""
    return (" ".join(where) + "：" if where else "") + e["message"] + value


# ------------------------------------------------------------------ import
OnWrite = Callable[[Connection, ImportResult], None]


def import_workbook(engine: Engine, source: str | Path | bytes, *, viewer: Viewer, uploader: str,
                    dry_run: bool = False, file_name: str | None = None,
                    uploaded_at: datetime | None = None, on_write: OnWrite | None = None) -> ImportResult:
    """Validate a workbook against the viewer's units and, unless `dry_run`, load it in one
    transaction (see module doc); `on_write(conn, result)` runs in it once the batch is written."""
    with gc_paused():
        return _import_workbook(engine, source, uploader=uploader, dry_run=dry_run, viewer=viewer,
                                file_name=file_name, uploaded_at=uploaded_at, on_write=on_write)


def _import_workbook(engine: Engine, source: str | Path | bytes, *, uploader: str, dry_run: bool,
                     viewer: Viewer, file_name: str | None, uploaded_at: datetime | None,
                     on_write: OnWrite | None) -> ImportResult:
    data, file_name = _source_bytes(source, file_name)
    uploaded_at = uploaded_at or datetime.now()
    result = ImportResult("rejected", dry_run=dry_run, file_name=file_name)
    try:  # refusals first: a macro workbook is refused even if its bytes were imported before
        book = read.read_workbook(data, file_name)
    except read.FileRefused as exc:
        result.errors = [{"sheet": exc.sheet, "row": None, "column": None, "message": str(exc), "value": None}]
        return result
    sha = hashlib.sha256(data).hexdigest()
    earlier = _committed_batch_with(engine, sha)
    if earlier is not None:
        result.status, result.batch_id = "unchanged", earlier
        return result
    result.ignored_sheets = book.ignored
    if any(raw.pending is not None for raw in book.sheets):
        with engine.connect() as conn:  # producers named, not coded: matched against the registry
            published.resolve(conn, book)
    result.sheets = [{"sheet": raw.name, "as": raw.model.sheet_name(), "layout": raw.layout,
                      "rows": len(raw.rows)} for raw in book.sheets]
    sheets, errors = _parse_and_check(book, uploaded_at.date())
    try:
        return _load(engine, result, book, sheets, errors, viewer, data, file_name, uploader,
                     uploaded_at, sha, on_write)
    except OperationalError as exc:
        if not _is_lock_timeout(exc):
            raise
    except IntegrityError:  # the same bytes committed by another process in the meantime
        earlier = _committed_batch_with(engine, sha)
        if earlier is None:
            raise
        result.status, result.batch_id, result.errors = "unchanged", earlier, []
        return result
    result.status, result.batch_id = "rejected", None
    result.errors = [{"sheet": None, "row": None, "column": None, "message": BUSY_MESSAGE, "value": None}]
    return result


def _is_lock_timeout(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return "database is locked" in message or "lock timeout" in message or "locknotavailable" in message


def _load(engine: Engine, result: ImportResult, book: raw.RawWorkbook, sheets, errors,
          viewer: Viewer, data: bytes, file_name: str, uploader: str, uploaded_at: datetime,
          sha: str, on_write: OnWrite | None) -> ImportResult:
    """The database part of import_workbook: one transaction, writers serialised."""
    with engine.connect() as conn, roomy_page_cache(conn), conn.begin():
        if not result.dry_run:
            lock_writers(conn)
            earlier = conn.execute(select(CommittedUpload.batch_id)
                                   .where(CommittedUpload.sha256 == sha)).scalar()
            if earlier is not None:  # a concurrent upload of the same file landed first
                result.status, result.batch_id = "unchanged", earlier
                return result
        ctx = validate.load_context(conn, viewer.scope_unit_id, validate.workbook_codes(sheets),
                                    _own_unit(viewer))
        errors += validate.database_errors(sheets, ctx)
        result.warnings = validate.name_warnings(sheets, ctx)
        if errors:
            result.errors = _sorted_errors(errors, book)
            return result
        result.rows = _row_counts(sheets)
        plans = [_plan(conn, model, group) for model, group in _models_in_load_order(sheets)]
        for plan in plans:
            _count(result, plan)
        result.status = "imported"
        if not result.dry_run:
            unit_id = _common_unit(conn, validate.enterprise_units(sheets, ctx) | validate.task_units(sheets))
            result.batch_id = _write(conn, plans, data, sha, file_name, uploader, uploaded_at,
                                     result.rows, unit_id)
            if on_write is not None:
                on_write(conn, result)
    return result


def _own_unit(viewer: Viewer) -> int | None:
    """The uploader's own unit (a clerk's), None for a viewer of a whole tree (an administrator,
    the command line without --as): the unit a 工作任务 sheet belongs to when it names none."""
    try:
        whole_tree = role_info(viewer.role).whole_tree
    except KeyError:
        whole_tree = False
    return None if whole_tree else viewer.scope_unit_id


def _source_bytes(source, file_name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), stored_name(file_name or "upload.xlsx")
    path = Path(source)
    return path.read_bytes(), stored_name(file_name or path.name)


def stored_name(name: str) -> str:
    """The file name as a batch keeps and shows it. A name the file system gave as bytes that are no
    UTF-8 (a Windows 报表.xlsx in GBK arrives as surrogates) is decoded as GBK, else with U+FFFD;
    control characters go (PostgreSQL refuses a surrogate or a NUL in text)."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate no file system made
        raw = name.encode("utf-8", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return re.sub(r"[\x00-\x1f\x7f]", "", text) or "upload.xlsx"


def _committed_batch_with(engine: Engine, sha: str) -> int | None:
    stmt = (select(UploadBatch.batch_id).where(UploadBatch.sha256 == sha, UploadBatch.status == "committed")
            .order_by(UploadBatch.batch_id))
    with engine.connect() as conn:
        return conn.execute(stmt).scalars().first()


def _parse_and_check(book: raw.RawWorkbook, today: date) -> tuple[list[parse.ParsedSheet], list[dict]]:
    """Every sheet typed and checked on its own and against the others; all errors collected."""
    sheets, errors = [], []
    for raw in book.sheets:
        if raw.missing:
            errors += [parse.cell_error(raw, raw.header_row, f, f"缺少必填列“{raw.model.fields()[f]['zh']}”")
                       for f in raw.missing]
            continue
        sheet = parse.parse_sheet(raw, today)
        sheet.errors = raw.pre_errors + sheet.errors
        sheet.bad_cells |= raw.pre_bad
        found = sheet.errors + validate.schema_errors(sheet)
        published.clerk_columns(raw, found)
        errors += found
        validate.derive_values(sheet)
        sheets.append(sheet)
    errors += validate.duplicate_key_errors(sheets)
    return sheets, errors


def _sorted_errors(errors: list[dict], book: raw.RawWorkbook) -> list[dict]:
    order = {s.name: i for i, s in enumerate(book.sheets)}
    columns = {s.name: [m["zh"] for m in s.model.fields().values()] for s in book.sheets}

    def key(e):
        cols = columns.get(e["sheet"], [])
        col = cols.index(e["column"]) if e["column"] in cols else -1
        return (order.get(e["sheet"], -1), e["row"] or 0, col)
    return sorted(errors, key=key)


def _row_counts(sheets: list[parse.ParsedSheet]) -> dict[str, int]:
    out: dict[str, int] = {}
    for sheet in sheets:
        name = sheet.raw.model.sheet_name()
        out[name] = out.get(name, 0) + len(sheet.frame)
    return out


def _models_in_load_order(sheets: list[parse.ParsedSheet]):
    """Registry first: records refer to the enterprises it adds."""
    groups = validate.group_by_model(sheets)
    return [(model, groups[model]) for model in SHEETS if model in groups]


# ------------------------------------------------------------------ planning the upsert
@dataclass
class Plan:
    """The upsert of one sheet kind, worked out before anything is written."""
    model: type[SheetModel]
    inserts: list[dict] = field(default_factory=list)  # empty when insert_columns holds them
    replaces: list[tuple[dict, dict]] = field(default_factory=list)  # (new, old row)
    unchanged: int = 0
    # The inserts by column when they are every row of the sheets (none of their keys stored yet),
    # as COPY takes them; then no dict per row is built at all (10,000 rows of a dozen columns:
    # ~10 ms), and the record keys, touched units and rollup pairs are read from the columns too.
    insert_columns: dict[str, list] | None = None

    def count_inserts(self) -> int:
        if self.insert_columns is not None:
            return len(next(iter(self.insert_columns.values()), []))
        return len(self.inserts)

    def inserted(self, name: str) -> list:
        """One column of the rows to insert (None in every row where the table has no such column)."""
        if self.insert_columns is not None:
            column = self.insert_columns.get(name)
            return column if column is not None else [None] * self.count_inserts()
        return [row.get(name) for row in self.inserts]


def _count(result: ImportResult, plan: Plan) -> None:
    name = plan.model.sheet_name()
    result.inserted[name] = plan.count_inserts()
    result.replaced[name] = len(plan.replaces)
    result.unchanged[name] = plan.unchanged


def table_of(model: type[SheetModel]):
    """The SQLAlchemy table a sheet loads into."""
    return Base.metadata.tables[model.table()]


def key_columns(model: type[SheetModel]) -> list[str]:
    """The natural-key columns of a sheet's table (`unit_id` first for rows owned by a unit)."""
    return model.record_key()


def record_columns(model: type[SheetModel], sheets: list[parse.ParsedSheet]) -> dict[str, list]:
    """The typed values by database column (date, bool, int, float, str or None), the sheets' rows
    one after the other."""
    fields = [f for f, m in parse.fields_of(model).items() if f != "unit" and not m.get("reference")] \
        + (["unit_id"] if model is EnterpriseSheet or model.owned_by_unit() else [])
    return {f: list(chain.from_iterable(sheet.values[f] for sheet in sheets)) for f in fields}


def rows_of(columns: dict[str, list]) -> list[dict]:
    """Columns of one length as one dict per row."""
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _existing(conn: Connection, model: type[SheetModel], columns: dict[str, list]) -> dict[Any, dict]:
    """The stored rows for the workbook's keys (by `_key_of`), fetched in bulk, not row by row."""
    keys = key_columns(model)
    # every composite key holds the credit code, or (a unit's rows) the unit and the row's number
    probe = keys[0] if len(keys) == 1 else "credit_code" if "credit_code" in keys else keys[-1]
    wanted = sorted(set(columns[probe]))
    if not bulk.any_between(conn, table_of(model), probe, wanted):  # new records only: nothing to fetch
        return {}
    key_of = _key_of(model)
    return {key_of(row): row for row in bulk.rows_where_in(conn, table_of(model), probe, wanted)}


def _key_of(model: type[SheetModel]) -> Callable[[dict], Any]:
    """A row's natural key: the value of a one-column key, else the tuple of values."""
    return itemgetter(*key_columns(model))


def _plan(conn: Connection, model: type[SheetModel], sheets: list[parse.ParsedSheet]) -> Plan:
    plan = Plan(model)
    columns = record_columns(model, sheets)
    if not next(iter(columns.values()), []):
        return plan
    existing = _existing(conn, model, columns)
    if not existing:
        plan.insert_columns = columns
        return plan
    key_of = _key_of(model)
    for row in rows_of(columns):
        old = existing.get(key_of(row))
        if old is None:
            plan.inserts.append(row)
        elif all(_same(old[c], v) for c, v in row.items()):
            plan.unchanged += 1
        else:
            plan.replaces.append((row, old))
    return plan


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and float(a) == float(b)
    return a == b


# ------------------------------------------------------------------ writing
def _write(conn: Connection, plans: list[Plan], data: bytes, sha: str, file_name: str, uploader: str,
           uploaded_at: datetime, rows: dict[str, int], unit_id: int | None) -> int:
    batch_id = conn.execute(UploadBatch.__table__.insert().returning(UploadBatch.batch_id), {
        "file_name": file_name[:255], "sha256": sha, "uploader": uploader,
        "uploaded_at": uploaded_at, "status": "committed",
        "rows_json": json.dumps(rows, ensure_ascii=False), "unit_id": unit_id, "file_bytes": data,
    }).scalar_one()
    conn.execute(CommittedUpload.__table__.insert(), {"sha256": sha, "batch_id": batch_id})
    touched = _touched_units(plans)
    before = set(rollups.units_of(conn, touched.codes).values())
    changes = {"table_name": [], "record_key": [], "old_row_json": []}
    inserted, pairs = [], _batch_enterprises(plans)
    for plan in plans:
        table, keys = table_of(plan.model), key_columns(plan.model)
        if pairs and table in PAIRED_TABLES:  # after the 企业名录 rows, which may add an enterprise
            bulk.insert_columns(conn, BatchEnterprise.__table__, {"credit_code": pairs}, {"batch_id": batch_id})
            pairs = []
        if plan.insert_columns is not None:
            bulk.insert_columns(conn, table, plan.insert_columns, {"batch_id": batch_id})
        else:
            insert_many(conn, table, plan.inserts, {"batch_id": batch_id})
        if plan.count_inserts():
            inserted.append({"batch_id": batch_id, "table_name": str(table.name), "count_records": plan.count_inserts(),
                             "record_keys": "[" + ", ".join(record_keys([plan.inserted(k) for k in keys])) + "]"})
        if plan.replaces:
            conn.execute(_update_by_key(table, keys, list(plan.replaces[0][0]) + ["batch_id"]),
                         [_update_params({**new, "batch_id": batch_id}, keys) for new, _ in plan.replaces])
        for column, values in _changes(str(table.name), keys, plan).items():
            changes[column] += values
    if inserted:
        conn.execute(BatchInsert.__table__.insert(), inserted)
    bulk.insert_columns(conn, BatchChange.__table__, changes, {"batch_id": batch_id})
    rollups.refresh_pairs(conn, _touched_pairs(plans))
    stored.changed(conn, touched.units | before | set(rollups.units_of(conn, touched.codes).values()))
    _refresh_statistics(conn, plans, len(changes["record_key"]))
    return batch_id


PAIRED_TABLES = {m.__table__ for m in ENTERPRISE_RECORDS}  # check (batch_id, credit_code) as one pair


def _batch_enterprises(plans: list[Plan]) -> list[str]:
    """The enterprises the batch's records of an enterprise name, new rows and replacing ones: one
    batch_enterprise row each, written before the records that refer to it."""
    codes = set()
    for plan in plans:
        if table_of(plan.model) in PAIRED_TABLES:
            codes.update(plan.inserted("credit_code"))
            codes.update(new["credit_code"] for new, _ in plan.replaces)
    return sorted(codes)


@dataclass
class Touched:
    """What a write touches, for the stored figures: the enterprises its rows name (their units are
    read before and after the write: a 企业名录 row can move one) and the units owning rows that name
    no enterprise (工作任务)."""
    codes: set[str] = field(default_factory=set)
    units: set[int] = field(default_factory=set)

    def add(self, codes: list, units: list) -> None:
        """Rows given by their credit_code and unit_id columns (None where a row has none)."""
        self.codes.update(codes)
        self.codes.discard(None)
        if None in codes:
            self.units.update(unit for code, unit in zip(codes, units) if code is None and unit is not None)

    def add_rows(self, rows: list[dict]) -> None:
        self.add([r.get("credit_code") for r in rows], [r.get("unit_id") for r in rows])


def _touched_units(plans: list[Plan]) -> Touched:
    """The enterprises and units of a batch's new rows and of the rows they replace."""
    out = Touched()
    for plan in plans:
        out.add(plan.inserted("credit_code"), plan.inserted("unit_id"))
        out.add_rows([row for pair in plan.replaces for row in pair])
    return out


def _touched_pairs(plans: list[Plan]) -> rollups.Pairs:
    """(enterprise, month) pairs whose rollups the batch changes: new rows and replaced old rows."""
    out = {}
    for plan in plans:
        name = table_of(plan.model).name
        replaced = [new for new, _ in plan.replaces] + [old for _, old in plan.replaces]
        pairs = rollups.pairs_of_columns(name, plan.inserted) | rollups.pairs_of_rows(name, replaced)
        if pairs:
            out[name] = pairs
    return out


ANALYZE_AFTER_ROWS = 1000


def _refresh_statistics(conn: Connection, plans: list[Plan], count_replaced: int) -> None:
    """PostgreSQL plans the target queries as if freshly bulk-loaded tables were empty until
    autovacuum catches up (measured: 10-15 s per call instead of 0.1 s), so a large batch
    refreshes, before it commits, the statistics of the tables it wrote that now hold more than
    twice the rows their statistics describe (or have none). Statistics still describing the
    table's scale are left to autovacuum: ANALYZE of a 10,000-row sampling table was a sixth of
    such an import."""
    inserted = {table_of(p.model).name: p.count_inserts() for p in plans}
    if conn.dialect.name != "postgresql" or sum(inserted.values()) + count_replaced < ANALYZE_AFTER_ROWS:
        return
    inserted["batch_change"] = count_replaced
    stale = _outgrown_statistics(conn, {t: n for t, n in inserted.items() if n})
    rollup_tables = {s.rollup.__tablename__ for s in rollups.ROLLUPS if s.source_table in stale}
    for table in sorted(stale | rollup_tables):
        conn.exec_driver_sql(f"ANALYZE {table}")  # fixed model table names, never user input


def _outgrown_statistics(conn: Connection, inserted: dict[str, int]) -> set[str]:
    """The tables never analyzed (reltuples -1) or whose live rows, with this batch's, are more
    than twice the rows their statistics describe. The live rows from pg_stat_get_live_tuples, the
    function the view pg_stat_user_tables reads them with: the view joins every table's statistics
    (5-15 ms of server CPU per import; the function, under 1 ms)."""
    stmt = text("SELECT t.name, c.reltuples, pg_stat_get_live_tuples(c.oid) "
                "FROM unnest(CAST(:names AS text[])) AS t(name) "
                "JOIN pg_class c ON c.oid = to_regclass(t.name)")
    found = {name: (described, live)
             for name, described, live in conn.execute(stmt, {"names": sorted(inserted)})}
    return {t for t, n in inserted.items()
            if t not in found or found[t][0] < 0 or found[t][1] + n > 2 * found[t][0]}


def insert_many(conn: Connection, table, rows: list[dict], constants: dict | None = None) -> None:
    """All rows of a table at once, in the import's transaction: COPY on PostgreSQL, one driver
    executemany on SQLite (see `bulk`: Core's per-row parameter handling was a third of an
    import on SQLite, COPY is 4× faster than psycopg's executemany)."""
    bulk.insert_rows(conn, table, rows, constants)


def _update_by_key(table, keys: list[str], columns: list[str]):
    """UPDATE … WHERE key = :k_key, for executemany (bind names must differ from column names)."""
    where = and_(*[table.c[k] == bindparam(f"k_{k}") for k in keys])
    return update(table).where(where).values({c: bindparam(f"v_{c}") for c in columns if c not in keys})


def _update_params(row: dict, keys: list[str]) -> dict:
    params = {f"k_{k}": row[k] for k in keys}
    params.update({f"v_{c}": v for c, v in row.items() if c not in keys})
    return params


def _changes(table: str, keys: list[str], plan: Plan) -> dict[str, list]:
    """The batch_change columns but batch_id of one plan's replaced records, by column (no dict
    per row), with their prior rows as JSON. `table` is a plain str: sqlite3 adapts SQLAlchemy's
    quoted_name slowly, per row."""
    news = [new for new, _ in plan.replaces]
    olds = [json.dumps(old, ensure_ascii=False, default=_json_default) for _, old in plan.replaces]
    return {"table_name": [table] * len(news), "record_key": record_keys([[new[k] for new in news] for k in keys]),
            "old_row_json": olds}


def record_keys(columns: list[list]) -> list[str]:
    """record_key of each row, from the key columns; a one-column text key (监督抽检's sample
    number…) in one pass."""
    if len(columns) == 1 and set(map(type, columns[0])) <= {str}:
        return ["[" + text + "]" for text in map(_json_string, columns[0])]
    return list(map(record_key, zip(*columns)))


def record_key(values: tuple) -> str:
    """A record's natural key as stored in batch_change and batch_insert (a JSON list): the text
    json.dumps writes,
    built directly for the key types there are (json.dumps, 5 µs a call, was a tenth of an
    import)."""
    parts = []
    for value in values:
        kind = type(value)
        if kind is str:
            parts.append(_json_string(value))
        elif kind is date:
            parts.append(f'"{value.isoformat()}"')
        elif kind is int:
            parts.append(int.__repr__(value))
        else:
            return json.dumps(list(values), ensure_ascii=False, default=_json_default)
    return "[" + ", ".join(parts) + "]"


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a batch change")


def _common_unit(conn: Connection, units: set[int]) -> int | None:
    """The one unit every enterprise of the batch belongs to, else their lowest common ancestor."""
    if len(units) <= 1:
        return next(iter(units), None)
    stmt = (select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id)
            .where(OrgUnitClosure.descendant_id.in_(sorted(units))))
    ancestors = defaultdict(set)
    for ancestor, descendant in conn.execute(stmt):
        ancestors[descendant].add(ancestor)
    common = set.intersection(*ancestors.values()) if ancestors else set()
    if not common:
        return None
    depth = dict(conn.execute(select(OrgUnit.unit_id, OrgUnit.depth).where(OrgUnit.unit_id.in_(common))).all())
    return max(common, key=lambda u: depth.get(u, 0))


# ------------------------------------------------------------------ rollback
MODEL_BY_TABLE = {m.table(): m for m in SHEETS}


def rollback_batch(engine: Engine, batch_id: int, viewer: Viewer, *,
                   on_write: Callable[[Connection], None] | None = None) -> None:
    """Restore every record the batch touched to its state before the batch, in one transaction;
    `on_write(conn)` runs in it last. PermissionError when the batch lies outside the viewer's
    scope or the role may not roll back, RollbackError when it cannot be undone."""
    with engine.begin() as conn:
        try:
            lock_writers(conn)
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            raise RollbackError("另一份上报或撤销正在写入数据库，等待超时，请稍后重试") from exc
        try:
            check_rollback(conn, viewer, batch_id)
        except LookupError as exc:
            raise RollbackError(str(exc)) from exc
        batch = conn.execute(select(UploadBatch.status, UploadBatch.rolled_back_at)
                             .where(UploadBatch.batch_id == batch_id)).first()
        if batch.status != "committed":
            raise RollbackError(f"第 {batch_id} 批上报已于 {batch.rolled_back_at:%Y-%m-%d %H:%M} 撤销")
        changes = batch_changes(conn, batch_id)
        _refuse_if_later_batches(conn, batch_id, changes)
        by_table = defaultdict(list)
        for change in changes:
            by_table[change.table_name].append(change)
        touched = {name: rollups.pairs_of_changes(conn, name, key_columns(MODEL_BY_TABLE[name]), rows)
                   for name, rows in by_table.items()}
        units = _rolled_back_units(conn, batch_id, by_table)
        before = set(rollups.units_of(conn, units.codes).values())
        try:
            _undo_all(conn, batch_id, by_table)
        except IntegrityError as exc:  # a database left inconsistent some other way: refused whole
            raise RollbackError(f"第 {batch_id} 批无法撤销：撤销后会有记录指向已不存在的企业或上报批次，"
                                "数据库中的记录已不一致，本次未做任何改动，请联系系统管理员") from exc
        rollups.refresh_pairs(conn, touched)
        stored.changed(conn, units.units | before | set(rollups.units_of(conn, units.codes).values()))
        conn.execute(delete(CommittedUpload).where(CommittedUpload.batch_id == batch_id))
        conn.execute(update(UploadBatch).where(UploadBatch.batch_id == batch_id).values(
            status="rolled_back", rolled_back_at=datetime.now(), rolled_back_by=viewer.username))
        if on_write is not None:
            on_write(conn)


def _undo_all(conn: Connection, batch_id: int, by_table: dict[str, list]) -> None:
    for model in reversed(SHEETS):  # records before the enterprises they refer to
        if model is EnterpriseSheet:  # no record names this batch any more
            conn.execute(delete(BatchEnterprise).where(BatchEnterprise.batch_id == batch_id))
        if model.table() in by_table:
            _undo(conn, batch_id, model, by_table[model.table()])


class Change(NamedTuple):
    """A record a batch inserted (old_row_json None) or replaced, as rollback undoes it."""
    table_name: str
    record_key: str
    old_row_json: str | None


def batch_changes(conn: Connection, batch_id: int) -> list[Change]:
    """Every record the batch inserted (from batch_insert), then every one it replaced."""
    inserted = conn.execute(select(BatchInsert.table_name, BatchInsert.record_keys)
                            .where(BatchInsert.batch_id == batch_id)).all()
    replaced = conn.execute(select(BatchChange.table_name, BatchChange.record_key, BatchChange.old_row_json)
                            .where(BatchChange.batch_id == batch_id).order_by(BatchChange.change_id)).all()
    return [Change(name, key, None) for name, keys in inserted for key in inserted_keys(keys)] \
        + [Change(*r) for r in replaced]


def inserted_keys(record_keys: str) -> list[str]:
    """batch_insert.record_keys as the record_key of each record (the text record_key writes)."""
    return [json.dumps(key, ensure_ascii=False) for key in json.loads(record_keys)]


def _rolled_back_units(conn: Connection, batch_id: int, by_table: dict[str, list]) -> Touched:
    """The enterprises and units of the rows a batch wrote (they still carry its batch_id: a later
    batch that changed one is refused first, and one rolled back restored the batch's row) and of
    the rows it replaced (kept in batch_change). A record of an enterprise names one of the batch's
    batch_enterprise pairs, read from there: those tables are indexed by enterprise, not by batch."""
    out = Touched()
    for name, changes in by_table.items():
        table = Base.metadata.tables[name]
        out.add_rows([json.loads(c.old_row_json) for c in changes if c.old_row_json is not None])
        if table in PAIRED_TABLES:
            continue
        owner = table.c.credit_code if "credit_code" in table.c else table.c.unit_id
        out.add_rows([dict(r._mapping) for r in conn.execute(
            select(owner).where(table.c.batch_id == batch_id).distinct())])
    if any(Base.metadata.tables[name] in PAIRED_TABLES for name in by_table):
        codes = list(conn.execute(select(BatchEnterprise.credit_code)
                                  .where(BatchEnterprise.batch_id == batch_id)).scalars())
        out.add(codes, [None] * len(codes))
    return out


def _refuse_if_later_batches(conn: Connection, batch_id: int, changes: list[Change]) -> None:
    """A later committed batch that changed one of the same records must be rolled back first.
    (One that inserted it cannot exist while this batch stands, since only a rollback deletes a
    record; its inserts are checked all the same, from batch_insert.)"""
    mine = {(c.table_name, c.record_key) for c in changes}
    keys = sorted({c.record_key for c in changes})
    later = set()
    stmt = (select(BatchInsert.batch_id, BatchInsert.table_name, BatchInsert.record_keys)
            .join(UploadBatch, UploadBatch.batch_id == BatchInsert.batch_id)
            .where(BatchInsert.batch_id > batch_id, UploadBatch.status == "committed",
                   BatchInsert.table_name.in_(sorted({c.table_name for c in changes}))))
    for r in conn.execute(stmt):
        if any((r.table_name, key) in mine for key in inserted_keys(r.record_keys)):
            later.add(r.batch_id)
    for i in range(0, len(keys), CHUNK):
        stmt = (select(BatchChange.batch_id, BatchChange.table_name, BatchChange.record_key)
                .join(UploadBatch, UploadBatch.batch_id == BatchChange.batch_id)
                .where(BatchChange.batch_id > batch_id, UploadBatch.status == "committed",
                       BatchChange.record_key.in_(keys[i:i + CHUNK])))
        later.update(r.batch_id for r in conn.execute(stmt) if (r.table_name, r.record_key) in mine)
    if later:
        names = "、".join(f"第 {b} 批" for b in sorted(later, reverse=True))
        raise RollbackError(f"之后的上报（{names}）修改了同一批记录，请先撤销{names}后再撤销第 {batch_id} 批")


def _undo(conn: Connection, batch_id: int, model: type[SheetModel], changes) -> None:
    table, keys = table_of(model), key_columns(model)
    inserted = [_typed(table, dict(zip(keys, json.loads(c.record_key)))) for c in changes if c.old_row_json is None]
    restored = [_typed(table, json.loads(c.old_row_json)) for c in changes if c.old_row_json is not None]
    if inserted and model is EnterpriseSheet:
        _refuse_if_still_referenced(conn, batch_id, [r["credit_code"] for r in inserted])
    if restored and table in PAIRED_TABLES:
        _restore_pairs(conn, restored)
    if inserted:
        where = and_(*[table.c[k] == bindparam(f"k_{k}") for k in keys])
        conn.execute(table.delete().where(where), [{f"k_{k}": r[k] for k in keys} for r in inserted])
    if restored:
        columns = list(restored[0])
        conn.execute(_update_by_key(table, keys, columns), [_update_params(r, keys) for r in restored])


def _restore_pairs(conn: Connection, rows: list[dict]) -> None:
    """The batch_enterprise rows the restored records name, where missing. Migration 0015 and
    every import write them, so none should be; a pair gone anyway is put back, not a failure."""
    wanted = {(r["batch_id"], r["credit_code"]) for r in rows}
    codes = sorted({code for _, code in wanted})
    for i in range(0, len(codes), CHUNK):
        stmt = select(BatchEnterprise.batch_id, BatchEnterprise.credit_code).where(
            BatchEnterprise.credit_code.in_(codes[i:i + CHUNK]))
        wanted.difference_update(map(tuple, conn.execute(stmt)))
    if wanted:
        conn.execute(BatchEnterprise.__table__.insert(),
                     [{"batch_id": b, "credit_code": c} for b, c in sorted(wanted)])


def _typed(table, row: dict) -> dict:
    """A row back from JSON: ISO strings become dates again for Date columns."""
    return {c: (date.fromisoformat(v) if v is not None and isinstance(table.c[c].type, Date) else v)
            for c, v in row.items()}


def _refuse_if_still_referenced(conn: Connection, batch_id: int, codes: list[str]) -> None:
    """An enterprise the batch added may not go while another batch's pair names it: a record of
    that batch names it, or did until a later batch moved the record away, whose rollback would
    bring it back (this batch's own pairs are gone by now)."""
    later = set()
    for i in range(0, len(codes), CHUNK):
        later.update(conn.execute(select(BatchEnterprise.batch_id).where(
            BatchEnterprise.credit_code.in_(codes[i:i + CHUNK]), BatchEnterprise.batch_id != batch_id)).scalars())
    if later:
        names = "、".join(f"第 {b} 批" for b in sorted(later, reverse=True))
        raise RollbackError(f"本批新增的企业仍被之后的上报（{names}）引用，请先撤销{names}后再撤销第 {batch_id} 批")
