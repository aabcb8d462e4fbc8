"""The bulk writer (dashboard.importer.bulk) stores exactly what SQLAlchemy Core stores: a binary
COPY on PostgreSQL (the text format, built here, for a column type without a binary form here),
one executemany on SQLite."""
from __future__ import annotations

import math
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest
from sqlalchemy import (Boolean, Column, Date, DateTime, Float, Integer, MetaData, String, Table, Text, exc, exists, func,
                        literal, select, text, union_all)

from dashboard.importer import bulk

metadata = MetaData()
probe = Table("bulk_probe", metadata, Column("n", Integer, primary_key=True), Column("s", Text),
              Column("i", Integer), Column("b", Boolean), Column("f", Float), Column("d", Date),
              Column("v", String(8)))
row = st.fixed_dictionaries({
    "s": st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
    | st.sampled_from(["\\", "\\N", "a\tb", "a\nb\r\n", "\\t", "酱卤肉制品"]),
    "i": st.none() | st.integers(-2 ** 31, 2 ** 31 - 1) | st.sampled_from([-2 ** 31, 2 ** 31 - 1]),
    "b": st.none() | st.booleans(),
    "f": st.none() | st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 1.0, math.inf, -math.inf])
    | st.integers(-10 ** 6, 10 ** 6),
    "d": st.none() | st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    "v": st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
})


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(probe).order_by(probe.c.n))]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_bulk_insert_stores_what_core_stores(empty_engine, rows):
    metadata.create_all(empty_engine)
    try:
        with empty_engine.begin() as conn:
            conn.execute(probe.insert(), [{"n": n, **r} for n, r in enumerate(rows)])
        by_core = stored(empty_engine)
        with empty_engine.begin() as conn:
            conn.execute(probe.delete())
            bulk.insert_rows(conn, probe, [{"n": n, **r} for n, r in enumerate(rows)])
        assert stored(empty_engine) == by_core
    finally:
        metadata.drop_all(empty_engine)


keys = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8) \
    | st.sampled_from(['a"b', "c\\d", "{x,y}", "NULL", "", " 空格 ", "\\N", "酱卤肉制品"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_keys=st.lists(keys, unique=True, max_size=20), asked=st.lists(keys, min_size=1, max_size=20))
def test_rows_where_in_finds_what_core_finds(empty_engine, stored_keys, asked):
    """The bulk lookup of stored rows by a text column (PostgreSQL: one array literal written
    here) finds exactly the rows Core's IN finds, whatever the texts hold."""
    metadata.create_all(empty_engine)
    try:
        with empty_engine.begin() as conn:
            if stored_keys:
                conn.execute(probe.insert(), [{"n": n, "s": k} for n, k in enumerate(stored_keys)])
            wanted = sorted(set(asked))
            by_core = [dict(r) for r in conn.execute(select(probe).where(probe.c.s.in_(wanted))).mappings()]
            found = bulk.rows_where_in(conn, probe, "s", wanted)
        assert sorted(found, key=lambda r: r["n"]) == sorted(by_core, key=lambda r: r["n"])
    finally:
        metadata.drop_all(empty_engine)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_keys=st.lists(keys, unique=True, max_size=20), asked=st.lists(keys, min_size=1, max_size=20),
       numbers=st.lists(st.integers(-2 ** 31, 2 ** 31 - 1), min_size=1, max_size=5))
def test_any_between_is_the_databases_own_range_test(empty_engine, stored_keys, asked, numbers):
    """The importer skips fetching stored rows when any_between is False: it must be True whenever
    an asked key is stored, and it is exactly "a stored value lies between the least and the
    greatest asked one" in the database's own order (its bounds computed by the database here)."""
    metadata.create_all(empty_engine)
    try:
        with empty_engine.begin() as conn:
            if stored_keys:
                conn.execute(probe.insert(), [{"n": n, "s": k, "i": n * 7 - 20} for n, k in enumerate(stored_keys)])
            wanted = sorted(set(asked))
            asked_rows = union_all(*[select(literal(k, Text).label("k")) for k in wanted]).subquery()
            least = select(func.min(asked_rows.c.k)).scalar_subquery()
            greatest = select(func.max(asked_rows.c.k)).scalar_subquery()
            expected = conn.execute(select(exists(select(1).select_from(probe).where(
                probe.c.s.between(least, greatest))))).scalar()
            one_stored = conn.execute(select(exists(select(1).select_from(probe).where(probe.c.s.in_(wanted))))).scalar()
            found = bulk.any_between(conn, probe, "s", wanted)
            in_range = any(min(numbers) <= n * 7 - 20 <= max(numbers) for n in range(len(stored_keys)))
            found_numbers = bulk.any_between(conn, probe, "i", sorted(set(numbers)))
        assert found is bool(expected)
        assert found or not one_stored
        assert found_numbers is in_range
    finally:
        metadata.drop_all(empty_engine)


def test_any_between_a_columns_own_order_and_numbers_in_a_text_column(empty_engine):
    """Where the database orders texts otherwise than Python (a column's own collation: an ICU one
    on PostgreSQL, NOCASE on SQLite) an asked key that is stored is still found in range; integers
    asked of a text column are no range at all (texts order "10" before "9")."""
    icu = empty_engine.dialect.name == "postgresql"
    if icu:
        with empty_engine.connect() as conn:
            icu = conn.execute(text("select exists(select 1 from pg_collation where collname = 'und-x-icu')")).scalar()
    collation = "und-x-icu" if icu else "NOCASE" if empty_engine.dialect.name == "sqlite" else None
    if collation is None:
        pytest.skip("PostgreSQL without ICU collations")
    ordered = Table("bulk_ordered", MetaData(), Column("k", String(8, collation=collation), primary_key=True))
    ordered.create(empty_engine)
    metadata.create_all(empty_engine)
    try:
        with empty_engine.begin() as conn:
            conn.execute(ordered.insert(), [{"k": "é"}, {"k": "b"}])
            # Python: "ǅ" (U+01C5) after "é" (U+00E9) and "b" after "C"; ICU and NOCASE order otherwise
            assert bulk.any_between(conn, ordered, "k", ["é", "ǅ"]) is True
            assert bulk.any_between(conn, ordered, "k", ["A", "C"]) is True
            conn.execute(probe.insert(), [{"n": 1, "s": "9"}])
            assert bulk.any_between(conn, probe, "s", [9, 10]) is True
            assert bulk.any_between(conn, probe, "s", ["10", "11"]) is False  # as texts: "9" is after both
    finally:
        ordered.drop(empty_engine)
        metadata.drop_all(empty_engine)


@pytest.mark.parametrize("value", [{"v": "九个字的过长文本啊"}, {"i": 3_000_000_000}, {"i": 2 ** 31}, {"i": -2 ** 31 - 1},
                                   {"f": 10 ** 400}])
def test_a_value_the_column_refuses_is_refused_as_core_refuses_it(empty_engine, value):
    """A text longer than its varchar column, an integer beyond PostgreSQL's integer or a float's
    range: refused by the server's own check of the column, raised as the SQLAlchemy error Core
    raises, nothing stored (psycopg's binary int4 writer would have stored 3000000000 as
    -1294967296, its float8 writer raised a bare OverflowError). SQLite keeps what it can."""
    metadata.create_all(empty_engine)
    try:
        row = {"n": 1, "s": None, "i": None, "b": None, "f": None, "d": None, "v": None, **value}
        if empty_engine.dialect.name != "postgresql":
            if "f" in value:
                pytest.skip("SQLite: SQLAlchemy's own float conversion refuses it before either path writes")
            with empty_engine.begin() as conn:
                bulk.insert_rows(conn, probe, [row])
            assert stored(empty_engine) == [tuple(row.values())]
            return
        with pytest.raises(exc.DataError) as by_core, empty_engine.begin() as conn:
            conn.execute(probe.insert(), [row])
        with pytest.raises(exc.DataError) as by_bulk, empty_engine.begin() as conn:
            bulk.insert_rows(conn, probe, [row, {**row, "n": 2, "i": 7, "v": "短"}])
        assert type(by_bulk.value.orig) is type(by_core.value.orig)
        assert stored(empty_engine) == []
    finally:
        metadata.drop_all(empty_engine)


def test_a_column_without_a_binary_form_here_takes_the_text_format(empty_engine):
    """A timestamp column is not in bulk's binary list: its rows go through the text format and
    are stored as Core stores them."""
    table = Table("bulk_probe_ts", MetaData(), Column("n", Integer, primary_key=True), Column("t", DateTime))
    table.create(empty_engine)
    try:
        rows = [{"n": 1, "t": datetime(2023, 5, 2, 8, 30)}, {"n": 2, "t": None}]
        with empty_engine.begin() as conn:
            assert empty_engine.dialect.name != "postgresql" or bulk._binary_types(conn, table, ["n", "t"], [[1, 2], [r["t"] for r in rows]]) is None
            bulk.insert_rows(conn, table, rows)
        with empty_engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(select(table).order_by(table.c.n))] == [(1, rows[0]["t"]), (2, None)]
    finally:
        table.drop(empty_engine)
