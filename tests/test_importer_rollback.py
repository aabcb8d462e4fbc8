"""Rolling a batch back restores the database exactly; later batches on the same records block it."""
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect as sa_inspect, select, text

import dashboard.db

from builders import code, enterprise_row, registry, sampling, sampling_row, sheet, xlsx, ENTERPRISE_HEADERS
from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import RollbackError, import_workbook, rollback_batch
from dashboard.figures.reporting import batch_records, upload_history
from dashboard.importer.load import record_keys
from dashboard.models import BatchInsert, UploadBatch

BOOKKEEPING = {"upload_batch", "batch_change", "batch_insert"}


def records(engine):
    return {t: rows for t, rows in table_snapshot(engine).items() if t not in BOOKKEEPING}


def imported(engine, *sheets):
    result = import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="t")
    assert result.status == "imported", result.errors
    return result.batch_id


def test_rollback_restores_exact_state(empty_engine):
    a = imported(empty_engine, registry(1, 2),
                 sampling([sampling_row("A1", 1), sampling_row("A2", 2), sampling_row("A3", 2)]))
    before = records(empty_engine)
    b = imported(empty_engine,
                 sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(2, "安丰分局", 风险等级="D"), enterprise_row(3)]),
                 sampling([sampling_row("A1", 1, 食品名称="酱鸭"), sampling_row("A2", 2),
                           sampling_row("B1", 3, 检验结论="不合格", 不合格项目="x║1║0", 核查处置状态="未处置")]))
    assert records(empty_engine) != before
    rollback_batch(empty_engine, b, system_viewer(empty_engine, name="主管"))
    assert records(empty_engine) == before
    with empty_engine.connect() as conn:
        batch = conn.execute(select(UploadBatch).where(UploadBatch.batch_id == b)).one()
    assert (batch.status, batch.rolled_back_by) == ("rolled_back", "主管") and batch.rolled_back_at is not None
    with pytest.raises(RollbackError, match=f"第 {b} 批上报已于"):
        rollback_batch(empty_engine, b, system_viewer(empty_engine))
    # the same file may come again once its batch is rolled back
    rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert all(not rows for t, rows in records(empty_engine).items()
               if t not in {"org_unit", "org_unit_closure", "campaign", "phase", "target", "alembic_version"})


def test_unknown_batch(empty_engine):
    with pytest.raises(RollbackError, match="没有第 42 批上报"):
        rollback_batch(empty_engine, 42, system_viewer(empty_engine))


def test_later_batch_on_same_records_blocks(empty_engine):
    a = imported(empty_engine, registry(1), sampling([sampling_row("C1", 1), sampling_row("C2", 1)]))
    b = imported(empty_engine, sampling([sampling_row("C1", 1, 食品名称="酱鸭")]))
    c = imported(empty_engine, sampling([sampling_row("C9", 1)]))  # other records: no conflict with b
    before = table_snapshot(empty_engine)
    with pytest.raises(RollbackError) as exc:
        rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert str(exc.value) == f"之后的上报（第 {b} 批）修改了同一批记录，请先撤销第 {b} 批后再撤销第 {a} 批"
    assert table_snapshot(empty_engine) == before
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    with pytest.raises(RollbackError, match=f"第 {c} 批"):  # c still names an enterprise a added
        rollback_batch(empty_engine, a, system_viewer(empty_engine))
    rollback_batch(empty_engine, c, system_viewer(empty_engine))
    rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert records(empty_engine)["sampling"] == [] and records(empty_engine)["enterprise"] == []


def test_reimport_after_rollback(empty_engine):
    data = xlsx(registry(1), sampling([sampling_row("D1", 1)]))
    first = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    rollback_batch(empty_engine, first.batch_id, system_viewer(empty_engine))
    again = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert (again.status, again.batch_id) == ("imported", first.batch_id + 1)


def test_inserted_and_replaced_records_are_each_listed_once_through_replace_and_rollback(empty_engine):
    """A batch's inserted records are kept by key per batch and table (batch_insert), its replaced
    ones per record (batch_change): the history lists each record once under the batch that wrote
    it, a later batch replacing one of them lists it as 更新 there and leaves the first batch's 新增
    alone, and rollbacks in either order lose nothing and count nothing twice."""
    a = imported(empty_engine, registry(1, 2), sampling([sampling_row("E1", 1), sampling_row("E2", 2)]))
    after_a = records(empty_engine)
    b = imported(empty_engine, sampling([sampling_row("E1", 1, 食品名称="酱鸭"), sampling_row("E3", 2)]))
    viewer = system_viewer(empty_engine)

    def listed(batch):
        return [(r["sheet"], r["record_key"], r["change"]) for r in batch_records(empty_engine, batch)]

    def counts():
        return {r["batch_id"]: (r["count_inserted"], r["count_replaced"], r["status"])
                for r in upload_history(empty_engine, viewer)}

    first = [("企业名录", f"统一社会信用代码 {code(1)}", "新增"), ("企业名录", f"统一社会信用代码 {code(2)}", "新增"),
             ("监督抽检", "抽样单编号 E1", "新增"), ("监督抽检", "抽样单编号 E2", "新增")]
    second = [("监督抽检", "抽样单编号 E3", "新增"), ("监督抽检", "抽样单编号 E1", "更新")]
    assert (listed(a), listed(b)) == (first, second)
    assert counts() == {a: (4, 0, "committed"), b: (1, 1, "committed")}
    with pytest.raises(RollbackError, match=f"第 {b} 批"):
        rollback_batch(empty_engine, a, viewer)
    rollback_batch(empty_engine, b, viewer)
    assert records(empty_engine) == after_a
    assert (listed(a), listed(b)) == (first, second)  # a rolled-back batch still shows what it wrote
    assert counts() == {a: (4, 0, "committed"), b: (1, 1, "rolled_back")}
    rollback_batch(empty_engine, a, viewer)
    assert records(empty_engine)["sampling"] == [] and records(empty_engine)["enterprise"] == []
    assert counts() == {a: (4, 0, "rolled_back"), b: (1, 1, "rolled_back")}
    again = imported(empty_engine, sampling([sampling_row("E1", 1)]), registry(1))  # E1 inserted anew
    assert listed(again) == first[:1] + first[2:3]
    assert counts()[again] == (2, 0, "committed")


def test_a_later_batch_that_inserted_the_same_record_blocks_too(empty_engine):
    """Only a rollback deletes a record, so no later batch can insert one this batch wrote while it
    stands; should its batch_insert row name one anyway, the rollback is refused like for a
    replacement."""
    a = imported(empty_engine, registry(1), sampling([sampling_row("F1", 1)]))
    b = imported(empty_engine, sampling([sampling_row("F2", 1)]))
    with empty_engine.begin() as conn:
        conn.execute(BatchInsert.__table__.update().where(BatchInsert.batch_id == b)
                     .values(record_keys='[["F2"], ["F1"]]', count_records=2))
    with pytest.raises(RollbackError, match=f"之后的上报（第 {b} 批）修改了同一批记录"):
        rollback_batch(empty_engine, a, system_viewer(empty_engine))


def test_migration_0012_moves_the_inserted_keys_and_back(empty_engine):
    """A database at 0010 kept one batch_change row per inserted record (old_row_json null): the
    upgrade to 0012 gathers them into batch_insert in the order written, the downgrade spreads them
    out again, and the history and the rollbacks read the same either way."""
    a = imported(empty_engine, registry(1, 2), sampling([sampling_row("G1", 1), sampling_row("G2", 2)]))
    b = imported(empty_engine, sampling([sampling_row("G1", 1, 食品名称="酱鸭"), sampling_row("G3", 2)]))
    history = {batch: batch_records(empty_engine, batch) for batch in (a, b)}
    kept = table_snapshot(empty_engine)["batch_insert"]
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    with empty_engine.connect() as conn:
        assert "batch_insert" not in sa_inspect(conn).get_table_names()
        old = conn.execute(text("select batch_id, table_name, record_key from batch_change "
                                "where old_row_json is null order by change_id")).all()
    assert [tuple(r) for r in old] == [(a, "enterprise", f'["{code(1)}"]'), (a, "enterprise", f'["{code(2)}"]'),
                                       (a, "sampling", '["G1"]'), (a, "sampling", '["G2"]'), (b, "sampling", '["G3"]')]
    dashboard.db.upgrade(empty_engine)
    assert table_snapshot(empty_engine)["batch_insert"] == kept
    assert {batch: batch_records(empty_engine, batch) for batch in (a, b)} == history
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert records(empty_engine)["sampling"] == [] and records(empty_engine)["enterprise"] == []


ODD_KEYS = ['Q"1\\x', "样品№１", "a\u2028b\u00e9", "T" * 60, "it's <b>&amp;"]
# as stored: one spelling per key (parse.key_text: NFKC, a number's blanks, U+2028 too, dropped)
STORED_KEYS = ['Q"1\\x', "样品No1", "ab\u00e9", "T" * 60, "it's<b>&amp;"]


def test_keys_with_quotes_backslashes_unicode_and_length_roll_back_and_refuse_exactly(empty_engine):
    """batch_insert keeps the inserted keys as one JSON list per batch and table and every reader
    rebuilds each record_key from it: keys JSON must escape (quotes, a backslash) or keeps as is
    (unicode, a line separator, a long one) still match batch_change's keys of a later replacement
    (the refusal), list once in the history and delete exactly on rollback."""
    viewer = system_viewer(empty_engine)
    a = imported(empty_engine, registry(1), sampling([sampling_row(k, 1) for k in ODD_KEYS]))
    after_a = records(empty_engine)
    b = imported(empty_engine, sampling([sampling_row(ODD_KEYS[0], 1, 食品名称="酱鸭"),
                                         sampling_row(ODD_KEYS[3], 1, 食品名称="酱鸭")]))
    assert [r["record_key"] for r in batch_records(empty_engine, a) if r["sheet"] == "监督抽检"] == \
        [f"抽样单编号 {k}" for k in STORED_KEYS]
    with pytest.raises(RollbackError, match=f"第 {b} 批"):
        rollback_batch(empty_engine, a, viewer)
    rollback_batch(empty_engine, b, viewer)
    assert records(empty_engine) == after_a
    rollback_batch(empty_engine, a, viewer)
    assert records(empty_engine)["sampling"] == [] and records(empty_engine)["enterprise"] == []


key_value = st.none() | st.integers(-10 ** 9, 10 ** 9) | st.dates() \
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=8) | st.sampled_from(['a"b', "c\\d", "\u2028", "样品№１"])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(key_value, key_value, key_value), max_size=12), width=st.integers(1, 3))
def test_record_keys_from_columns_are_the_json_of_each_key(rows, width):
    """The record keys of an import's rows, written from the key columns (no dict per row), are
    the text json.dumps writes for each row's key values: what rollback and the history parse."""
    keys = [row[:width] for row in rows]
    columns = [[key[i] for key in keys] for i in range(width)]
    assert record_keys(columns) == [json.dumps(list(key), ensure_ascii=False, default=date.isoformat) for key in keys]
