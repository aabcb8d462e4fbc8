"""The bulk writer (dashboard.importer.bulk) stores exactly what SQLAlchemy Core stores: COPY's
text rows built here on PostgreSQL, one executemany on SQLite."""
from __future__ import annotations

import math
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, Table, Text, select

from dashboard.importer import bulk

metadata = MetaData()
probe = Table("bulk_probe", metadata, Column("n", Integer, primary_key=True), Column("s", Text),
              Column("i", Integer), Column("b", Boolean), Column("f", Float), Column("d", Date))
row = st.fixed_dictionaries({
    "s": st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
    | st.sampled_from(["\\", "\\N", "a\tb", "a\nb\r\n", "\\t", "酱卤肉制品"]),
    "i": st.none() | st.integers(-2 ** 31, 2 ** 31 - 1),
    "b": st.none() | st.booleans(),
    "f": st.none() | st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 1.0, math.inf, -math.inf]),
    "d": st.none() | st.dates(date(1900, 1, 1), date(2100, 12, 31)),
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
