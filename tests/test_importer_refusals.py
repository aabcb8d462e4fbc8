"""Whole-file refusals: nothing is read, nothing is written, the clerk is told why in Chinese."""
import io
import struct
import zipfile

import pytest

from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook, read
from dashboard.workbook import SheetData

from builders import code, inline_cell, raw_xlsx, registry, sampling, sampling_row, xlsx


def refused(engine, data, file_name="report.xlsx", sheet=None):
    """The one whole-file error of a refused import (nothing written); `sheet` the sheet it names."""
    before = table_snapshot(engine)
    result = import_workbook(engine, data, viewer=system_viewer(engine), uploader="t", file_name=file_name)
    assert table_snapshot(engine) == before
    assert result.status == "rejected" and result.batch_id is None and result.rows == {}
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error["sheet"], error["row"], error["column"]) == (sheet, None, None)
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
    data = with_member(xlsx(registry(1)), "xl/media/padding.bin", b"\x00" * 2_000_000)
    assert len(data) < 200_000  # it compresses to almost nothing
    assert "解压后超过 0 MB" in refused(empty_engine, data)
    monkeypatch.setattr(read, "inflate", None)  # proof that no member is inflated
    with pytest.raises(read.FileRefused, match="解压后超过"):
        read.read_untrusted(data, "report.xlsx", read.Limits.current())


def lying_directory(data: bytes, member: str, padding: int) -> bytes:
    """`member` grown by `padding` bytes of XML comment while the zip's local header and central
    directory still state its old size and CRC: what a zip bomb that hides its size looks like."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info, content = zf.getinfo(member), zf.read(member)
    grown = content.replace(b"<sheetData>", b"<!--" + b" " * padding + b"--><sheetData>", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in zf.infolist():
            out.writestr(item.filename, grown if item.filename == member else zf.read(item.filename))
    data = bytearray(buf.getvalue())
    new = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member)
    sizes = struct.pack("<I", info.file_size)
    crc = struct.pack("<I", info.CRC)
    for at, crc_at, size_at in ((new.header_offset, 14, 22), (_central_offset(bytes(data), member), 16, 24)):
        data[at + crc_at:at + crc_at + 4] = crc
        data[at + size_at:at + size_at + 4] = sizes
    return bytes(data)


def _central_offset(data: bytes, member: str) -> int:
    name = member.encode()
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    return at


def test_lying_directory_refused_while_inflating(empty_engine, monkeypatch):
    """The directory says the sheet is a few hundred bytes; inflating stops at the limit."""
    monkeypatch.setattr(read, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    data = lying_directory(xlsx(registry(1)), "xl/worksheets/sheet1.xml", 3_000_000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 100_000
    assert "解压后超过 0 MB" in refused(empty_engine, data)


def test_lying_directory_refused_under_the_limit(empty_engine):
    """Smaller than the limit, the member's real size still has to be the one stated."""
    data = lying_directory(xlsx(registry(1)), "xl/worksheets/sheet1.xml", 10_000)
    assert "已损坏" in refused(empty_engine, data)


def test_truncated_file_refused(empty_engine):
    data = xlsx(registry(1, 2, 3))
    for cut in (len(data) // 3, len(data) - 30):
        assert "已损坏" in refused(empty_engine, data[:cut])


def test_too_many_rows_from_dimension(empty_engine, monkeypatch):
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    data = xlsx(sampling([sampling_row(f"A{i}") for i in range(6)]))
    message = refused(empty_engine, data, sheet="监督抽检")
    assert message == "工作表“监督抽检”有 7 行，超过上限 5 行，不予接受，请拆分后再上传"


def test_too_many_rows_without_dimension(empty_engine, monkeypatch):
    """A sheet XML without a <dimension> is still caught by the rows its cells reach."""
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    data = raw_xlsx({"监督抽检": "".join(f'<row r="{r}">{inline_cell(f"A{r}", "x")}</row>' for r in range(1, 8))})
    assert refused(empty_engine, data, sheet="监督抽检") == "工作表“监督抽检”有 7 行，超过上限 5 行，不予接受，请拆分后再上传"


def test_a_declared_range_beyond_the_limits_is_no_refusal_when_the_cells_are_few(empty_engine):
    """Only the cells decide: two rows under a <dimension> of A1:XFD1048576 (a sheet saved after
    formatting whole columns) import; the reference is dropped before calamine would build it."""
    seed = import_workbook(empty_engine, xlsx(registry(1)), viewer=system_viewer(empty_engine), uploader="t")
    assert seed.status == "imported"
    cells = [("抽样单编号", "D1"), ("统一社会信用代码", code(1)), ("食品名称", "卤肉"), ("食品类别", "酱卤肉制品"),
             ("抽样日期", "2023-05-02"), ("任务来源", "县抽"), ("检验项目类别", "其他"), ("检验结论", "合格")]
    row = lambda r, values: f'<row r="{r}">' + "".join(  # noqa: E731
        inline_cell(f"{chr(65 + i)}{r}", v) for i, v in enumerate(values)) + "</row>"
    data = raw_xlsx({"监督抽检": row(1, [h for h, _ in cells]) + row(2, [v for _, v in cells])},
                    dimension={"监督抽检": "A1:XFD1048576"})
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t")
    assert (result.status, result.rows, result.errors) == ("imported", {"监督抽检": 1}, [])


FAR_CELL = {"监督抽检": f'<row r="1">{inline_cell("A1", "抽样单编号")}</row>'
                    f'<row r="20000">{inline_cell("XFD20000", "x")}</row>'}


def test_one_far_cell_refused_before_reading(empty_engine):
    """One value in A1 and one in XFD20000: a 1 KB file whose rectangle is 327 million cells
    (10 GB in calamine, which aborted the server) is refused from its XML, whatever <dimension> says."""
    data = raw_xlsx(FAR_CELL, dimension={"监督抽检": "A1"})
    assert len(data) < 2_000
    assert refused(empty_engine, data, sheet="监督抽检") == ("工作表“监督抽检”的单元格延伸到第 16384 列，超过上限 256 列，不予接受："
                                           "请删除表格右侧多余的列后再上传")


def test_far_cell_without_references_refused(empty_engine):
    """Cells without `r` are placed after the previous one: 300 of them still reach column 300;
    a prefixed tag is a cell too."""
    row = "".join(inline_cell(None, "x") for _ in range(300))
    assert "延伸到第 300 列" in refused(empty_engine, raw_xlsx({"监督抽检": f"<row>{row}</row>"}), sheet="监督抽检")
    data = raw_xlsx({"监督抽检": '<x:row xmlns:x="urn:x" r="3"><x:c r="A250000"><x:v>1</x:v></x:c></x:row>'})
    assert "有 250000 行，超过上限 200000 行" in refused(empty_engine, data, sheet="监督抽检")


def test_too_many_cells_refused(empty_engine):
    data = raw_xlsx({"监督抽检": f'<row r="1">{inline_cell("A1", "x")}</row>'
                               f'<row r="150000">{inline_cell("IV150000", "x")}</row>'})
    assert "150000 行 × 256 列，超过上限 10000000 个单元格" in refused(empty_engine, data, sheet="监督抽检")


def test_style_only_cells_do_not_count(empty_engine):
    """Excel writes `<c r="XFD1" s="3"/>` for a formatted empty cell; calamine leaves it out, so does
    the extent: the sheet is read (and lacks its columns) instead of being refused."""
    data = raw_xlsx({"监督抽检": f'<row r="1">{inline_cell("A1", "抽样单编号")}<c r="XFD1" s="1"/></row>'})
    result = import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t", dry_run=True)
    assert result.status == "rejected" and all("缺少必填列" in e["message"] for e in result.errors)


def test_crash_in_the_reader_is_a_refusal(empty_engine, monkeypatch):
    """With the extent checks lifted, calamine itself asks for 10 GB: the child process dies under
    its address-space limit, the test process (the server) lives on and the clerk reads why."""
    for name in ("MAX_ROWS", "MAX_COLUMNS", "MAX_CELLS"):
        monkeypatch.setattr(read, name, 10 ** 12)
    message = refused(empty_engine, raw_xlsx(FAR_CELL))
    assert message.startswith("读取该工作簿时超出内存上限")


def test_no_sheet_recognised(empty_engine):
    data = xlsx(SheetData(headers=["说明"], rows=[["请按模板填写"]], name="填表说明"))
    assert "没有可识别的工作表" in refused(empty_engine, data)
