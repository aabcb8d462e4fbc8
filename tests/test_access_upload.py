"""Uploads and rollbacks only for one's own unit, and `--as` on the command line (SQLite and
PostgreSQL): a DT03 clerk's workbook with a 城区分局 (DT01) enterprise is refused with the rows
named and nothing written; other roles may not upload; a DT03 account cannot roll back, or read
the figures of, another unit."""
from __future__ import annotations

import json

import pytest

from dashboard import audit_trail, auth
from dashboard.__main__ import main
from dashboard.db import table_snapshot
from dashboard.models import RECORD_MODELS
from tests.builders import ENTERPRISE_HEADERS, code, enterprise_row, sampling, sampling_row, sheet, xlsx

PASSWORD = "correct horse 1"


@pytest.fixture
def two_units(empty_engine, tmp_path, capsys):
    """Enterprise 1 in 城区分局 (DT01), enterprise 2 in 安丰分局 (DT03), one batch each; accounts."""
    url = empty_engine.url.render_as_string(hide_password=False)
    for n, unit in ((1, "城区分局"), (2, "安丰分局")):
        path = tmp_path / f"reg{n}.xlsx"
        path.write_bytes(xlsx(sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(n, unit)]),
                              sampling([sampling_row(f"S{n}", n)])))
        assert main(["--db", url, "import", str(path)]) == 0
    for username, role, unit in (("dt03_clerk", "clerk", "DT03"), ("dt03_chief", "chief", "DT03"),
                                 ("boss", "leader", None), ("sysadmin", "admin", None)):
        auth.create_account(empty_engine, username, PASSWORD, role, unit, by="test")
    capsys.readouterr()
    return empty_engine, url


def _file(tmp_path, name, *sheets) -> str:
    path = tmp_path / name
    path.write_bytes(xlsx(*sheets))
    return str(path)


def test_a_workbook_with_another_units_enterprise_is_refused_with_its_rows(two_units, tmp_path, capsys):
    engine, url = two_units
    before = table_snapshot(engine)
    mixed = _file(tmp_path, "mixed.xlsx", sampling([sampling_row("N1", 2), sampling_row("N2", 1),
                                                     sampling_row("N3", 2), sampling_row("N4", 1)]))
    exit_code = main(["--db", url, "--as", "dt03_clerk", "import", mixed, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert exit_code == 1 and result["status"] == "rejected"
    refused = [(e["sheet"], e["row"], e["column"]) for e in result["errors"]]
    assert refused == [("监督抽检", 3, "统一社会信用代码"), ("监督抽检", 5, "统一社会信用代码")]
    assert all(code(1) in e["message"] and "不属于本单位辖区" in e["message"] for e in result["errors"])
    after = table_snapshot(engine)
    data = [m.__tablename__ for m in RECORD_MODELS] + ["upload_batch", "batch_change", "batch_insert"]
    assert {k: after[k] for k in data} == {k: before[k] for k in data}  # nothing written

    own = _file(tmp_path, "own.xlsx", sampling([sampling_row("N1", 2), sampling_row("N3", 2)]))
    assert main(["--db", url, "--as", "dt03_clerk", "import", own]) == 0
    uploads = [(e["username"], e["detail"]["file"], e["detail"]["status"])
               for e in reversed(audit_trail.events(engine, action="upload"))]
    assert uploads[-2:] == [("dt03_clerk", "mixed.xlsx", "rejected"), ("dt03_clerk", "own.xlsx", "imported")]


def test_registering_an_enterprise_for_another_unit_is_refused(two_units, tmp_path, capsys):
    engine, url = two_units
    wb = _file(tmp_path, "reg.xlsx", sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(3, "城区分局")]))
    assert main(["--db", url, "--as", "dt03_clerk", "import", wb, "--json"]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "所属分局")] and "无权上报" in errors[0]["message"]


@pytest.mark.parametrize("username", ["dt03_chief", "boss", "sysadmin"])
def test_only_clerks_upload(two_units, tmp_path, capsys, username):
    engine, url = two_units
    wb = _file(tmp_path, "own.xlsx", sampling([sampling_row("N9", 2)]))
    assert main(["--db", url, "--as", username, "import", wb]) == 1
    assert "权限不足" in capsys.readouterr().err


def test_rollback_only_within_ones_unit(two_units, capsys):
    engine, url = two_units
    # batch 1 is DT01's, batch 2 DT03's
    assert main(["--db", url, "--as", "dt03_clerk", "rollback", "1"]) == 1
    assert main(["--db", url, "--as", "dt03_chief", "rollback", "2"]) == 1
    assert main(["--db", url, "--as", "dt03_clerk", "rollback", "2"]) == 0
    assert main(["--db", url, "--as", "sysadmin", "rollback", "1"]) == 0
    rollbacks = [(e["username"], e["detail"]["batch_id"]) for e in reversed(audit_trail.events(engine, action="rollback"))]
    assert rollbacks == [("dt03_clerk", 2), ("sysadmin", 1)]


def test_targets_as_an_account(two_units, capsys):
    engine, url = two_units
    assert main(["--db", url, "--as", "dt03_chief", "targets", "--unit", "DT01", "--json"]) == 1
    assert "无权查看" in capsys.readouterr().err
    assert main(["--db", url, "--as", "dt03_chief", "targets", "--json"]) == 0
    figs = json.loads(capsys.readouterr().out)
    assert {f["unit"] for f in figs} == {"DT03"}
    sampling_pass = next(f for f in figs if f["target"] == "sampling_pass")
    assert sampling_pass["denominator"] == 1  # S2 only, never S1 of DT01
    assert main(["--db", url, "--as", "nobody", "targets"]) == 2
    assert main(["--db", url, "targets", "--by-unit", "--json"]) == 0  # no --as: full rights
    assert {f["unit"] for f in json.loads(capsys.readouterr().out)} >= {"DT", "DT01", "DT03"}
