"""Whole-file refusals: nothing is read, nothing is written, the clerk is told why in Chinese."""
import io
import zipfile

import pytest

from builders import registry, sampling, sampling_row, xlsx
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook, read


def refused(engine, data, file_name="report.xlsx"):
    before = table_snapshot(engine)
    result = import_workbook(engine, data, uploader="t", file_name=file_name)
    assert table_snapshot(engine) == before
    assert result.status == "rejected" and result.batch_id is None and result.rows == {}
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error["sheet"], error["row"], error["column"]) == (None, None, None)
    return error["message"]


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, content)
    return buf.getvalue()


def test_xlsm_name_refused(empty_engine):
    assert "启用宏" in refused(empty_engine, xlsx(registry(1)), "report.xlsm")


def test_vba_project_refused_whatever_the_name(empty_engine):
    data = with_member(xlsx(registry(1)), "xl/vbaProject.bin", b"\x00" * 100)
    assert "含有宏" in refused(empty_engine, data, "report.xlsx")


def test_encrypted_refused(empty_engine):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    message = refused(empty_engine, ole)
    assert "已加密" in message and ".xls" in message and "未加密的 .xlsx" in message


def test_csv_renamed_refused(empty_engine):
    message = refused(empty_engine, "抽样单编号,食品名称\nA1,酱牛肉\n".encode("utf-8"))
    assert "不是 Excel 工作簿" in message and "CSV" in message


def test_zip_bomb_refused_from_directory(empty_engine, monkeypatch):
    monkeypatch.setattr(read, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    monkeypatch.setattr(zipfile.ZipFile, "read", None)  # proof that no member is inflated
    data = with_member(xlsx(registry(1)), "xl/media/padding.bin", b"\x00" * 2_000_000)
    assert len(data) < 200_000  # it compresses to almost nothing
    assert "解压后超过" in refused(empty_engine, data)


def test_too_many_rows_from_dimension(empty_engine, monkeypatch):
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    data = xlsx(sampling([sampling_row(f"A{i}") for i in range(6)]))
    message = refused(empty_engine, data)
    assert message == "工作表“监督抽检”有 7 行，超过上限 5 行，不予接受，请拆分后再上传"


def test_too_many_rows_after_reading(empty_engine, monkeypatch):
    """A sheet XML without a <dimension> is still caught by the height calamine reads."""
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    monkeypatch.setattr(read, "declared_rows", lambda zf, path: None)
    data = xlsx(sampling([sampling_row(f"A{i}") for i in range(6)]))
    assert "超过上限 5 行" in refused(empty_engine, data)


def test_no_sheet_recognised(empty_engine):
    from dashboard.workbook import SheetData
    data = xlsx(SheetData(headers=["说明"], rows=[["请按模板填写"]], name="填表说明"))
    assert "没有可识别的工作表" in refused(empty_engine, data)
