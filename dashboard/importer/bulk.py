"""Bulk reads and writes of record rows on the driver of the caller's connection.

SQLAlchemy Core turns every row's parameters into driver parameters one by one: for a 10,000-row
workbook a third of an import's time on SQLite, and psycopg's executemany is several times slower
than COPY. These helpers hand whole row lists to the driver of the connection the import already
holds, so they stay inside its one transaction (all or nothing still holds). Every value still
goes through its column's own SQLAlchemy bind or result processor: what is stored and read back is
exactly what Core would store and read (SQLite keeps dates as ISO text and booleans as 0/1).
Driver errors are raised as the SQLAlchemy exceptions Core would raise.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from typing import Any, Iterable

from sqlalchemy import Integer, String, Table, Text, any_, bindparam, cast, exc, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from ..db import text_array_literal

CHUNK = 1000  # values per IN list on SQLite: well under its bound-parameter limit


def _fast_path(conn: Connection) -> str | None:
    """The connection's bulk path: "sqlite" (pysqlite), "copy" (psycopg) or None (Core)."""
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        return "sqlite"
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return "copy"
    return None


@contextmanager
def _as_sqlalchemy_errors(conn: Connection, statement: str):
    """Raise a driver error as the SQLAlchemy exception Core would raise (IntegrityError, …)."""
    base = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except base as err:
        raise exc.DBAPIError.instance(statement, None, err, base, dialect=conn.dialect) from err


def _quoted(conn: Connection, names: Iterable[str]) -> str:
    return ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)


def _table(conn: Connection, table: Table) -> str:
    return conn.dialect.identifier_preparer.format_table(table)


# ------------------------------------------------------------------ writing
def insert_rows(conn: Connection, table: Table, rows: list[dict], constants: dict | None = None) -> None:
    """INSERT every row (dicts with the same keys; `constants` are the same for all of them):
    PostgreSQL COPY, SQLite one executemany of tuples, any other driver Core's executemany."""
    if rows:
        insert_columns(conn, table, {n: list(map(itemgetter(n), rows)) for n in rows[0] if n not in (constants or {})},
                       constants)


def insert_columns(conn: Connection, table: Table, columns: dict[str, list], constants: dict | None = None) -> None:
    """insert_rows for rows given by column: {column: its value in each row} (lists of one length)."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    constants = constants or {}
    names = [n for n in columns if n not in constants] + list(constants)
    path = _fast_path(conn)
    if path is None or _needs_python_defaults(table, names):
        rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
        conn.execute(table.insert(), [{**r, **constants} for r in rows])
        return
    bound = _bound_columns(conn, table, names, columns, constants, count)
    if path == "copy":
        _copy(conn, table, names, bound)
    else:
        _executemany(conn, table, names, list(zip(*bound)))


def _needs_python_defaults(table: Table, names: list[str]) -> bool:
    """A column left out that Core would fill from a Python-side default."""
    return any(c.default is not None for c in table.columns if c.name not in names)


def _bound_columns(conn: Connection, table: Table, names: list[str], columns: dict[str, list],
                   constants: dict, count: int) -> list[list]:
    """Driver parameters by column, converted with the columns' bind processors."""
    dialect, bound = conn.dialect, []
    for name in names:
        values = [constants[name]] * count if name in constants else columns[name]
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        bound.append(values if process is None else _processed(process, values))
    return bound


_EXACT_KINDS = {str, int, bool, date, type(None)}  # equal values of one type bind alike (not 0.0, -0.0)


def _processed(process, values: list) -> list:
    """process(value) for each value, computed once per distinct value when equal values are
    indistinguishable (SQLite's date processor formats every date anew: 9 ms per 10,000 rows)."""
    kinds = set(map(type, values))
    if not kinds <= _EXACT_KINDS or {int, bool} <= kinds:  # 1 == True, but binds differently
        return list(map(process, values))
    memo = {value: process(value) for value in set(values)}
    return list(map(memo.__getitem__, values))


def _executemany(conn: Connection, table: Table, names: list[str], values: list[tuple]) -> None:
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {_table(conn, table)} ({_quoted(conn, names)}) VALUES ({marks})"
    cursor = conn.connection.driver_connection.cursor()
    try:
        with _as_sqlalchemy_errors(conn, sql):
            cursor.executemany(sql, values)
    finally:
        cursor.close()


def _copy(conn: Connection, table: Table, names: list[str], bound: list[list]) -> None:
    """COPY in the binary format when every column's type has a binary form here: psycopg's C
    dumpers write each row as it comes and the server reads the rows as they arrive, so the client's
    formatting overlaps the server's work (a 10,000-row sampling sheet: client 11 -> 6 ms, the
    COPY's wall time a third less), and the server parses no text. Else the text format: built by
    column, or by psycopg row by row for a value of a type without a text form here."""
    types = _binary_types(conn, table, names, bound)
    if types is not None:
        sql = f"COPY {_table(conn, table)} ({_quoted(conn, names)}) FROM STDIN (FORMAT BINARY)"
        with _as_sqlalchemy_errors(conn, sql), conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(sql) as copy:
                copy.set_types(types)
                for row in zip(*bound):
                    copy.write_row(row)
        return
    sql = f"COPY {_table(conn, table)} ({_quoted(conn, names)}) FROM STDIN"
    texts = [_copy_texts(values) for values in bound]
    with _as_sqlalchemy_errors(conn, sql), conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            if None in texts:  # a value of a type without a text form here: psycopg's own, row by row
                for row in zip(*bound):
                    copy.write_row(row)
            else:
                copy.write("".join([row + "\n" for row in map("\t".join, zip(*texts))]))


# The server's binary input of a column is its type's own (varchar checks its length), so psycopg
# only has to write each value as that type: these are the types of the importer's columns, with the
# Python types each is written from. psycopg's int4 writer keeps the low 32 bits of a larger number
# without a word (3000000000 was stored as -1294967296), so an integer column is written in binary
# only when all its values are in range; any other column or value takes the text format, whose
# numbers the server checks (the DataError Core raises).
_BINARY_TYPES = {"VARCHAR": "text", "TEXT": "text", "CHAR": "text", "INTEGER": "int4", "BIGINT": "int8",
                 "SMALLINT": "int2", "BOOLEAN": "bool", "DATE": "date", "FLOAT": "float8",
                 "DOUBLE PRECISION": "float8"}
_BINARY_VALUES = {"text": {str}, "int2": {int}, "int4": {int}, "int8": {int}, "bool": {bool}, "date": {date},
                  "float8": {float, int}}
_INT_BITS = {"int2": 16, "int4": 32, "int8": 64}


def _binary_types(conn: Connection, table: Table, names: list[str], bound: list[list]) -> list[str] | None:
    """The psycopg type name each column is written as in a binary COPY, or None when a column's
    type or one of its values has no exact binary form here."""
    out = []
    for name, values in zip(names, bound):
        kind = _BINARY_TYPES.get(table.c[name].type.compile(dialect=conn.dialect).split("(")[0].strip())
        kinds = set(map(type, values)) - {type(None)}
        if kind is None or not kinds <= _BINARY_VALUES[kind]:
            return None
        if int in kinds:  # an int column's range; a float column holds ints exactly up to 2**53
            low, high = (-2 ** (_INT_BITS[kind] - 1), 2 ** (_INT_BITS[kind] - 1) - 1) if kind in _INT_BITS \
                else (-2 ** 53, 2 ** 53)
            present = [v for v in values if v is not None] if None in values else values
            if min(present) < low or max(present) > high:
                return None
        out.append(kind)
    return out


_COPY_ESCAPED = "\\\t\n\r"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format, as psycopg's text dumpers write it: NULL as \\N, booleans
    t/f, numbers by repr, dates ISO, text with backslash, tab and line breaks escaped."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is float:
        return repr(value)
    return value.isoformat()  # a date: _copy_texts lets no other type through


def _copy_texts(values: list) -> list[str] | None:
    """Each value's COPY text, computed once per distinct value (a column repeats most of its
    values); None when a value is of another type. psycopg's write_row, formatting row by row, was
    half the client's time of writing a 10,000-row sheet. A text column (a key: every value
    distinct) is checked for the four characters to escape in one pass over all of it."""
    kinds = set(map(type, values))
    if not kinds <= _COPY_KINDS:
        return None
    if kinds <= {str, type(None)}:
        texts = values if type(None) not in kinds else ["\\N" if v is None else v for v in values]
        joined = "".join(values if texts is values else [v for v in values if v is not None])
        return texts if not any(c in joined for c in _COPY_ESCAPED) else list(map(_copy_text, values))
    if float in kinds or {int, bool} <= kinds:  # 0.0 == -0.0, 1 == 1.0 == True: a memo would merge them
        return list(map(_copy_text, values))
    memo = {value: _copy_text(value) for value in set(values)}
    return list(map(memo.__getitem__, values))


_COPY_KINDS = {str, int, bool, float, date, type(None)}


# ------------------------------------------------------------------ reading
def rows_where_in(conn: Connection, table: Table, column: str, wanted: list[Any]) -> list[dict]:
    """Every stored row whose `column` is one of `wanted`, as dicts of typed values: PostgreSQL
    binds the whole list as one JSON array (text values) or one array, SQLite reads IN lists of
    CHUNK on its driver."""
    if not wanted:
        return []
    path = _fast_path(conn)
    if path == "copy":
        return [dict(r) for r in conn.execute(*_pg_where_in(table, column, wanted)).mappings()]
    if path is None:
        out = []
        for i in range(0, len(wanted), CHUNK):
            stmt = select(table).where(table.c[column].in_(wanted[i:i + CHUNK]))
            out += [dict(r) for r in conn.execute(stmt).mappings()]
        return out
    return _sqlite_rows_where_in(conn, table, column, wanted)


def any_between(conn: Connection, table: Table, column: str, wanted: list[Any]) -> bool:
    """Whether a stored row's `column` lies between the least and the greatest of `wanted` in the
    database's own order; True when that order cannot be told here. A month's new records (numbers
    above every stored one) then cost one index descent, not one per row: rows_where_in with 10,000
    new sample numbers took 15-24 ms of PostgreSQL's time. A text column is ordered by its collation
    (the database's unless the column names one), which need not be Python's: on PostgreSQL the
    least and the greatest are the server's, in the column's collation; SQLite compares texts of a
    column without a collation as UTF-8 bytes (code points, as Python does). Integers of an integer
    column agree everywhere; any other pairing (numbers in a text column …) is not guessed at."""
    col = table.c[column]
    kinds = set(map(type, wanted))
    text, collation = isinstance(col.type, String), getattr(col.type, "collation", None)
    if text and kinds == {str} and conn.dialect.name == "postgresql":
        keys = func.unnest(cast(bindparam("wanted", type_=Text), ARRAY(Text))).table_valued("key").render_derived()
        key = keys.c.key if collation is None else keys.c.key.collate(collation)
        # one pass over the array, each bound then a constant of the index condition (as a join
        # filter PostgreSQL chose a sequential scan)
        bounds = select(func.min(key).label("least"), func.max(key).label("greatest")).cte("bounds")
        least, greatest = select(bounds.c.least).scalar_subquery(), select(bounds.c.greatest).scalar_subquery()
        inside = select(1).select_from(table).where(col.between(least, greatest))
        return bool(conn.execute(select(exists(inside)), {"wanted": text_array_literal(wanted)}).scalar())
    python_order = (text and kinds == {str} and conn.dialect.name == "sqlite" and collation is None) \
        or (isinstance(col.type, Integer) and kinds == {int})
    if python_order:
        least, greatest = (cast(bindparam(n, v, type_=col.type), col.type)
                           for n, v in (("least", min(wanted)), ("greatest", max(wanted))))
        return bool(conn.execute(select(exists(select(1).select_from(table).where(col.between(least, greatest)))))
                    .scalar())
    return True


def _pg_where_in(table: Table, column: str, wanted: list[Any]) -> tuple:
    """The statement and parameters: `column = any(array)`, texts bound as one array literal
    written by db.text_array_literal (psycopg adapts a list of 10,000 strings into an array 8× slower). The array,
    not `in (select jsonb_array_elements_text(…))` as before: PostgreSQL estimated that set
    function at 100 rows whatever its length, so it always probed the index once per key behind a
    hash aggregate; with the array's true length it plans for it (10,000 keys against the
    benchmark's 10,000 just-deleted rows: a bitmap scan, server CPU 34 -> 20 ms; a 2,000,000-row
    table: still the primary key's index, 25 % less)."""
    col = table.c[column]
    if all(type(v) is str for v in wanted):
        array = cast(bindparam("wanted", type_=Text), ARRAY(Text))
        return select(table).where(col == any_(array)), {"wanted": text_array_literal(wanted)}
    array = bindparam("wanted", type_=ARRAY(col.type))
    return select(table).where(col == any_(array)), {"wanted": list(wanted)}


def _sqlite_rows_where_in(conn: Connection, table: Table, column: str, wanted: list[Any]) -> list[dict]:
    dialect = conn.dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    wanted = wanted if process is None else [process(v) for v in wanted]
    names = [c.name for c in table.columns]
    head = (f"SELECT {_quoted(conn, names)} FROM {_table(conn, table)} "
            f"WHERE {dialect.identifier_preparer.quote(column)} IN ")
    found = []
    cursor = conn.connection.driver_connection.cursor()
    try:
        for i in range(0, len(wanted), CHUNK):
            chunk = list(wanted[i:i + CHUNK])
            sql = head + "(" + ", ".join("?" * len(chunk)) + ")"
            with _as_sqlalchemy_errors(conn, sql):
                found += cursor.execute(sql, chunk).fetchall()
    finally:
        cursor.close()
    return _typed_rows(conn, table, found)


def _typed_rows(conn: Connection, table: Table, found: list[tuple]) -> list[dict]:
    """Driver rows of every column as dicts of the values Core would return."""
    dialect = conn.dialect
    # SQLite reports no column types, so Core calls the result processors with None too.
    processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.columns]
    names = [c.name for c in table.columns]
    return [dict(zip(names, [v if p is None else p(v) for p, v in zip(processors, row)])) for row in found]
