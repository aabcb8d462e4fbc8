"""Rolling a batch back restores the database exactly; later batches on the same records block it."""
import pytest
from sqlalchemy import select

from builders import code, enterprise_row, registry, sampling, sampling_row, sheet, xlsx, ENTERPRISE_HEADERS
from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import RollbackError, import_workbook, rollback_batch
from dashboard.models import UploadBatch

BOOKKEEPING = {"upload_batch", "batch_change"}


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
