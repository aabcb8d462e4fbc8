"""Hypothesis-generated hostile workbooks through a dry run and an import, on every database.

Random sheets (contract names and others), header rows mixing the contract's headers with noise,
every cell type (text, numbers, booleans, errors, formulas without a value), cells placed anywhere
(up to XFD1048576, without `r`, out of order), merged ranges, and files broken afterwards
(truncated, bytes overwritten, a zip directory that understates a member, garbage). What must
hold for each: no exception escapes, a refusal writes nothing, and the reading child never holds
more than its memory cap. derandomize + no example database: the same EXAMPLES files every run.
"""
from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from builders import code, inline_cell, raw_xlsx, registry, sampling, sampling_row, xlsx
from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook, read, sandbox
from dashboard.importer.schemas import SHEETS

EXAMPLES = 70  # per database; each example reads the file twice (dry run, import) in a child
MODEL_HEADERS = [[meta["zh"] for meta in model.fields().values()] for model in SHEETS]
HEADERS = sorted({meta["zh"] for model in SHEETS for meta in model.fields().values()})
SHEET_NAMES = [model.sheet_name() for model in SHEETS] + ["Sheet1", "填表说明", "监督抽检(5月)", "企业名录 "]
VALID = [xlsx(registry(1, 2)), xlsx(registry(3), sampling([sampling_row("FZ1", 3), sampling_row("FZ2", 3)]))]
peak = {"bytes": 0, "examples": 0}

texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
values = st.one_of(
    texts.map(lambda t: ("s", t)),
    st.sampled_from(HEADERS + ["合计", "城区分局", "合格", "是", "2023-05-08", code(1), code(2)]).map(lambda t: ("s", t)),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: ("n", repr(x))),
    st.integers(-10 ** 6, 10 ** 6).map(lambda n: ("n", str(n))),
    st.booleans().map(lambda b: ("b", "1" if b else "0")),
    st.sampled_from(["#N/A", "#DIV/0!", "#REF!"]).map(lambda e: ("e", e)),
    st.just(("f", "")),  # a formula nobody computed
    st.just(("style", "")),
)
refs = st.sampled_from(["next"] * 8 + [None])  # where a cell goes: after the previous one, with or without `r`
far = st.one_of(st.tuples(st.integers(1, 40), st.integers(1, 400)),  # within the limits, out of order
                st.tuples(st.integers(1, 16_384), st.integers(1, 1_048_576)))


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_xml(ref: str | None, kind: str, value: str) -> str:
    r = f' r="{ref}"' if ref else ""
    if kind == "s":
        return inline_cell(ref, value)
    if kind == "f":
        return f"<c{r}><f>1+1</f><v></v></c>"
    if kind == "style":
        return f'<c{r} s="1"/>'
    return f'<c{r} t="{kind}"><v>{value}</v></c>' if kind != "n" else f"<c{r}><v>{value}</v></c>"


@st.composite
def sheet_xml(draw) -> tuple[str, str]:
    """(<sheetData> body, what follows it): a header row, then rows of cells placed as drawn."""
    headers = draw(st.one_of(st.sampled_from(MODEL_HEADERS), st.lists(st.sampled_from(HEADERS), max_size=14, unique=True)))
    rows = [[("s", h) for h in headers]] + draw(st.lists(st.lists(values, max_size=14), max_size=6))
    body, number = [], draw(st.integers(1, 4))
    for cells in rows:
        out, col = [], 0
        for kind, value in cells:
            where = draw(refs)
            col += 1
            out.append(cell_xml(f"{column_letters(col)}{number}" if where == "next" else None, kind, value))
        if draw(st.integers(0, 3)) == 0:
            c, r = draw(far)
            out.append(cell_xml(f"{column_letters(c)}{r}", *draw(values)))
        body.append(f'<row r="{number}">{"".join(out)}</row>' if draw(st.booleans()) or number > 1
                    else f"<row>{''.join(out)}</row>")
        number += draw(st.integers(1, 3))
    merges = draw(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(0, 3), st.integers(0, 3)),
                           max_size=2))
    merged = "".join(f'<mergeCell ref="{column_letters(c)}{r}:{column_letters(c + w)}{r + h}"/>' for r, c, w, h in merges)
    return "".join(body), f'<mergeCells count="{len(merges)}">{merged}</mergeCells>' if merges else ""


def understate(data: bytes, at: int) -> bytes:
    """The first member's stated size, in its local header and the central directory, set to `at`."""
    out = bytearray(data)
    central = out.find(b"PK\x01\x02")
    if central < 0:
        return data
    out[22:26] = struct.pack("<I", at)
    out[central + 24:central + 28] = struct.pack("<I", at)
    return bytes(out)


@st.composite
def workbooks(draw) -> bytes:
    names = draw(st.lists(st.one_of(st.sampled_from(SHEET_NAMES), texts.filter(str.strip)), min_size=1,
                          max_size=3, unique_by=lambda n: n.strip().casefold()))
    sheets, after, dims = {}, {}, {}
    for name in names:
        sheets[name], after[name] = draw(sheet_xml())
        dims[name] = draw(st.sampled_from([None, "A1", "A1:L20", "A1:XFD1048576"]))
    data = draw(st.one_of(st.just(raw_xlsx(sheets, after=after, dimension={n: d for n, d in dims.items() if d})),
                          st.sampled_from(VALID)))
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "overwrite", "understate", "garbage"]))
    if damage == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if damage == "overwrite":
        at = draw(st.integers(0, len(data) - 8))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 8:]
    if damage == "understate":
        return understate(data, draw(st.integers(0, 64)))
    if damage == "garbage":
        return draw(st.sampled_from([b"PK\x03\x04", b""])) + draw(st.binary(max_size=200))
    return data


@pytest.mark.slow  # EXAMPLES workbooks, each read twice in a sandboxed child
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=workbooks())
def test_hostile_workbooks(empty_engine, data):
    before, operator = table_snapshot(empty_engine), system_viewer(empty_engine)
    dry = import_workbook(empty_engine, data, viewer=operator, uploader="fuzz", dry_run=True)
    assert table_snapshot(empty_engine) == before
    reading = sandbox.last.peak_bytes
    result = import_workbook(empty_engine, data, viewer=operator, uploader="fuzz")
    reading = max(reading, sandbox.last.peak_bytes)
    assert reading < sandbox.MEMORY_LIMIT_BYTES
    peak["bytes"], peak["examples"] = max(peak["bytes"], reading), peak["examples"] + 1
    assert result.status == dry.status or {result.status, dry.status} == {"unchanged", "imported"}
    if result.status == "rejected":
        assert table_snapshot(empty_engine) == before and result.batch_id is None
        assert result.errors and all(e["message"] and not e["message"].isascii() for e in result.errors)


def test_report_peak():
    """Prints what the fuzzer saw (run with -s): examples and the largest child it needed."""
    if peak["examples"]:
        print(f"\nfuzz: {peak['examples']} examples, peak child RSS {peak['bytes'] / 2 ** 20:.0f} MB "
              f"(cap: the zygote + {sandbox.MEMORY_LIMIT_BYTES / 2 ** 30:g} GB)")
