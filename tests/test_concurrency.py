"""Two uploads at the same moment (threads; SQLite and PostgreSQL): both land, or one is refused
with a clear Chinese message; nothing is lost or doubled, and the same file gives one batch."""
from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from dashboard.access import system_viewer
from dashboard.demo import empty_records
from dashboard import writelock
from dashboard.importer import import_workbook, load, rollback_batch
from dashboard.importer.load import BUSY_MESSAGE
from dashboard.models import BatchInsert, CommittedUpload, Enterprise, Sampling, UploadBatch
from dashboard.rollups import rebuild, rollup_rows

from tests.builders import registry, sampling, sampling_row, xlsx


def _at_once(engine, payloads: list[bytes]) -> list:
    """Import every payload in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)
    errors: list = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = import_workbook(engine, payloads[i],
                                         viewer=system_viewer(engine), uploader=f"u{i}", file_name=f"f{i}.xlsx")
        except Exception as exc:  # noqa: BLE001 - the test reports any crash below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _workbook(prefix: str, enterprises: tuple[int, ...], n: int = 40) -> bytes:
    rows = [sampling_row(f"{prefix}{i}", enterprises[i % len(enterprises)],
                         抽样日期=date(2023, 3 + i % 8, 1 + i % 28)) for i in range(n)]
    return xlsx(registry(*enterprises), sampling(rows))


def test_two_uploads_at_once_both_land_or_one_is_refused(empty_engine):
    # both name enterprise 1: planned one after the other, the second finds it already stored
    for round_no in range(3):
        a = _workbook(f"A{round_no}-", (1, 2))
        b = _workbook(f"B{round_no}-", (1, 3))
        results = _at_once(empty_engine, [a, b])
        for r in results:
            assert r.status in ("imported", "rejected"), r.to_text()
            if r.status == "rejected":
                assert [e["message"] for e in r.errors] == [BUSY_MESSAGE]
        landed = [r for r in results if r.status == "imported"]
        assert landed, "at least one upload lands"
        assert len({r.batch_id for r in landed}) == len(landed)
    batches = _count(empty_engine, UploadBatch)
    assert _count(empty_engine, Sampling) == 40 * batches
    assert _count(empty_engine, Enterprise) == 3
    with empty_engine.connect() as conn:
        inserted_enterprises = conn.execute(
            select(func.sum(BatchInsert.count_records)).where(BatchInsert.table_name == "enterprise")).scalar_one()
    assert inserted_enterprises == 3  # each enterprise inserted by exactly one batch
    kept = rollup_rows(empty_engine)
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == kept


def test_same_file_twice_at_once_gives_one_batch(empty_engine):
    data = _workbook("S-", (1, 2))
    results = _at_once(empty_engine, [data, data, data])
    statuses = sorted(r.status for r in results)
    assert statuses.count("imported") == 1, [r.to_text() for r in results]
    batch_id = next(r.batch_id for r in results if r.status == "imported")
    for r in results:
        if r.status == "unchanged":
            assert r.batch_id == batch_id
            assert "此前已导入" in r.to_text()
        elif r.status == "rejected":
            assert [e["message"] for e in r.errors] == [BUSY_MESSAGE]
    assert _count(empty_engine, UploadBatch) == 1
    assert _count(empty_engine, CommittedUpload) == 1
    assert _count(empty_engine, Sampling) == 40


def test_same_file_again_after_rollback_lands_again(empty_engine):
    data = _workbook("R-", (1,))
    first = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    rollback_batch(empty_engine, first.batch_id, system_viewer(empty_engine))
    assert _count(empty_engine, CommittedUpload) == 0
    again = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert again.status == "imported" and again.batch_id != first.batch_id


@pytest.mark.slow  # waits out a lock timeout
def test_upload_waiting_too_long_is_refused_in_chinese(empty_engine, monkeypatch):
    monkeypatch.setattr(writelock, "WRITER_LOCK_TIMEOUT", "1s")  # PostgreSQL; SQLite waits busy_timeout
    data = _workbook("W-", (1,))
    with empty_engine.connect() as holder:
        holder.begin()
        load.lock_writers(holder)  # another upload is writing
        result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
        holder.rollback()
    assert result.status == "rejected"
    assert [e["message"] for e in result.errors] == [BUSY_MESSAGE]
    assert "另一份上报正在写入数据库" in result.to_text()
    assert _count(empty_engine, UploadBatch) == 0
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"


def test_emptying_the_records_waits_for_an_upload_in_flight_and_deletes_it_too(empty_engine):
    """demo.empty_records (the sample county rebuilt with --force) takes the writer lock before it
    deletes: an upload holding the lock lands first and is deleted with the rest. Deleting first
    (PostgreSQL: the upload's uncommitted rows invisible to the DELETE) and locking only to empty
    the stored figures left that upload's batch and records behind."""
    engine = empty_engine
    holder = engine.connect()
    tx = holder.begin()
    writelock.lock_writers(holder)  # an upload in flight: the lock held, a batch written, not committed
    holder.execute(UploadBatch.__table__.insert(), {"file_name": "f.xlsx", "sha256": "x" * 64, "uploader": "u",
                                                   "uploaded_at": datetime(2023, 5, 1), "status": "committed"})
    errors: list = []

    def run() -> None:
        try:
            empty_records(engine)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=2)  # it waits for the lock, however long (a SQLite busy wait or the advisory lock)
    assert thread.is_alive()
    tx.commit()
    holder.close()
    thread.join()
    assert errors == [] and _count(engine, UploadBatch) == 0
