"""An enterprise's records check their batch and enterprise as one pair (batch_enterprise, migration
0015): the same integrity as a foreign key on each, kept through imports, rollbacks and the migration
both ways, on both databases."""
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, insert, inspect as sa_inspect, select
from sqlalchemy.exc import IntegrityError

import dashboard.db
from builders import code, registry, sampling, sampling_row, xlsx
from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import RollbackError, import_workbook, rollback_batch
from dashboard.models import ENTERPRISE_RECORDS, BatchEnterprise, Enterprise, Sampling, UploadBatch


def imported(engine, *sheets):
    result = import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="t")
    assert result.status == "imported", result.errors
    return result.batch_id


def pairs(engine) -> set[tuple[int, str]]:
    with engine.connect() as conn:
        return set(map(tuple, conn.execute(select(BatchEnterprise.batch_id, BatchEnterprise.credit_code))))


def samples(engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.sample_no: (r.credit_code, r.batch_id)
                for r in conn.execute(select(Sampling.sample_no, Sampling.credit_code, Sampling.batch_id))}


def refused(engine, stmt) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(stmt)
    except IntegrityError:
        return True
    return False


def sample(no: str, credit_code: str, batch_id: int) -> dict:
    return {"sample_no": no, "credit_code": credit_code, "food_name": "f", "food_category": "c",
            "sampling_date": date(2023, 5, 1), "task_source": "县抽", "hazard_classes": "", "verdict": "合格",
            "batch_id": batch_id}


def test_a_batch_pairs_the_enterprises_its_records_name_and_the_keys_still_hold(empty_engine):
    a = imported(empty_engine, registry(1, 2, 3), sampling([sampling_row("A1", 1), sampling_row("A2", 2),
                                                            sampling_row("A3", 2)]))
    assert pairs(empty_engine) == {(a, code(1)), (a, code(2))}  # 3 is registered but named by no record
    b = imported(empty_engine, sampling([sampling_row("A1", 3), sampling_row("B1", 1)]))  # a move and a new one
    assert pairs(empty_engine) == {(a, code(1)), (a, code(2)), (b, code(1)), (b, code(3))}
    assert samples(empty_engine) == {"A1": (code(3), b), "A2": (code(2), a), "A3": (code(2), a), "B1": (code(1), b)}
    table = Sampling.__table__
    assert refused(empty_engine, insert(table).values(**sample("X1", code(9), a)))  # no such enterprise
    assert refused(empty_engine, insert(table).values(**sample("X1", code(3), 999)))  # no such batch
    assert refused(empty_engine, insert(table).values(**sample("X1", code(3), a)))  # a pair the batch lacks
    assert refused(empty_engine, insert(BatchEnterprise).values(batch_id=a, credit_code=code(9)))
    assert refused(empty_engine, insert(BatchEnterprise).values(batch_id=999, credit_code=code(3)))
    assert refused(empty_engine, delete(Enterprise).where(Enterprise.credit_code == code(1)))
    assert refused(empty_engine, delete(UploadBatch).where(UploadBatch.batch_id == b))
    assert refused(empty_engine, delete(BatchEnterprise).where(BatchEnterprise.batch_id == b))
    # a pair no record names any more may go: (a, 1), which A1 named before it moved
    assert not refused(empty_engine, delete(BatchEnterprise).where(BatchEnterprise.batch_id == a,
                                                                  BatchEnterprise.credit_code == code(1)))
    assert not refused(empty_engine, insert(table).values(**sample("X1", code(3), b)))


def test_a_rollback_takes_its_pairs_and_restores_the_ones_it_needs(empty_engine):
    a = imported(empty_engine, registry(1, 2), sampling([sampling_row("A1", 1)]))
    b = imported(empty_engine, sampling([sampling_row("A1", 2), sampling_row("B1", 2)]))
    assert pairs(empty_engine) == {(a, code(1)), (b, code(2))}
    # a database migrated by 0015 holds only the pairs its records named then: not (a, 1), which
    # only the row b replaced named; the rollback puts the pair back with the row
    with empty_engine.begin() as conn:
        conn.execute(delete(BatchEnterprise).where(BatchEnterprise.batch_id == a))
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    assert samples(empty_engine) == {"A1": (code(1), a)}
    assert pairs(empty_engine) == {(a, code(1))}
    rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert pairs(empty_engine) == set() and samples(empty_engine) == {}


def test_an_enterprise_a_rollback_could_bring_back_stays(empty_engine):
    """The batch that added enterprise 1 may not go while batch b's pair names it, though no record
    names 1 any more: c moved b's record to 2, and c's rollback brings it back to 1. (Before 0015
    the rollback of a went through, and c could then never be rolled back.) Rolled back in order,
    everything goes."""
    a = imported(empty_engine, registry(1))
    b = imported(empty_engine, registry(2), sampling([sampling_row("A1", 1)]))
    c = imported(empty_engine, sampling([sampling_row("A1", 2)]))
    assert pairs(empty_engine) == {(b, code(1)), (c, code(2))}
    before = table_snapshot(empty_engine)
    with pytest.raises(RollbackError, match=f"本批新增的企业仍被之后的上报（第 {b} 批）引用"):
        rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert table_snapshot(empty_engine) == before
    rollback_batch(empty_engine, c, system_viewer(empty_engine))
    assert samples(empty_engine) == {"A1": (code(1), b)}
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    rollback_batch(empty_engine, a, system_viewer(empty_engine))
    assert pairs(empty_engine) == set() and samples(empty_engine) == {}
    with empty_engine.connect() as conn:
        assert conn.execute(select(Enterprise.credit_code)).scalars().all() == []


def test_a_rollback_into_an_inconsistent_database_is_refused_in_chinese(empty_engine):
    """A restored row whose enterprise is gone (a database damaged outside the importer): the
    rollback is refused with a message, and nothing changes."""
    a = imported(empty_engine, registry(1, 2), sampling([sampling_row("A1", 1)]))
    b = imported(empty_engine, sampling([sampling_row("A1", 2)]))
    with empty_engine.begin() as conn:
        conn.execute(delete(BatchEnterprise).where(BatchEnterprise.batch_id == a))
        conn.execute(delete(Enterprise).where(Enterprise.credit_code == code(1)))
    before = table_snapshot(empty_engine)
    with pytest.raises(RollbackError, match=f"第 {b} 批无法撤销：撤销后会有记录指向已不存在的企业或上报批次"):
        rollback_batch(empty_engine, b, system_viewer(empty_engine))
    assert table_snapshot(empty_engine) == before


def test_migrations_0015_and_0016_fill_the_pairs_and_back(empty_engine):
    a = imported(empty_engine, registry(1, 2, 3), sampling([sampling_row("A1", 1), sampling_row("A2", 2)]))
    b = imported(empty_engine, sampling([sampling_row("A1", 3)]))
    before = samples(empty_engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))

    def keys(table: str) -> list[tuple[tuple[str, ...], str]]:
        found = sa_inspect(empty_engine).get_foreign_keys(table)
        return sorted((tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in found)

    def indexes(table: str) -> set[tuple[str, tuple[str, ...]]]:
        return {(i["name"], tuple(i["column_names"])) for i in sa_inspect(empty_engine).get_indexes(table)}

    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
    assert "batch_enterprise" not in sa_inspect(empty_engine).get_table_names()
    for model in ENTERPRISE_RECORDS:
        name = model.__tablename__
        assert keys(name) == [(("batch_id",), "upload_batch"), (("credit_code",), "enterprise")]
        assert indexes(name) >= {(f"ix_{name}_batch_id", ("batch_id",)), (f"ix_{name}_credit_code", ("credit_code",))}
        assert not {f"ix_{name}_batch_enterprise", f"ix_{name}_enterprise_batch"} & {n for n, _ in indexes(name)}
    assert samples(empty_engine) == before
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0015")
    for model in ENTERPRISE_RECORDS:
        name = model.__tablename__
        assert keys(name) == [(("batch_id", "credit_code"), "batch_enterprise")]
        assert indexes(name) >= {(f"ix_{name}_batch_enterprise", ("batch_id", "credit_code")),
                                 (f"ix_{name}_credit_code", ("credit_code",))}
        assert f"ix_{name}_batch_id" not in {n for n, _ in indexes(name)}
    dashboard.db.upgrade(empty_engine)  # 0016: the two indexes become one on (credit_code, batch_id)
    for model in ENTERPRISE_RECORDS:
        name = model.__tablename__
        assert keys(name) == [(("batch_id", "credit_code"), "batch_enterprise")]
        assert indexes(name) >= {(f"ix_{name}_enterprise_batch", ("credit_code", "batch_id"))}
        assert not {f"ix_{name}_batch_id", f"ix_{name}_batch_enterprise", f"ix_{name}_credit_code"} \
            & {n for n, _ in indexes(name)}
    # from the records, and (a, 1) from the row b replaced: b's rollback restores it
    assert pairs(empty_engine) == {(a, code(1)), (a, code(2)), (b, code(3))}
    assert samples(empty_engine) == before
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    assert samples(empty_engine) == {"A1": (code(1), a), "A2": (code(2), a)}
