"""Review of session 15 (key spellings, text limits, dates, command line): the defects found, kept as
regression checks on both databases.

* A key's length was checked before its respelling (parse.key_text), which NFKC may lengthen
  (⑴ → (1), ㍻ → 平成): PostgreSQL refused the stored key with a traceback, SQLite kept it longer
  than its column.
* Migration 0017 respelled a stored key past its column's length: the upgrade failed on PostgreSQL.
* A 月份 typed into a number cell (202306) was read as an Excel serial: stored as 2453-11-01.
* The command line's dates and months had no bounds: `--month 9999-12` or `--from 9999-12-31` was an
  English message or a traceback, not a usage error in Chinese.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

import dashboard.db
from dashboard import auth
from builders import EXAM_HEADERS, PROBLEM_HEADERS, code, registry, sampling, sampling_row, sheet, xlsx
from dashboard.__main__ import main, month
from dashboard.access import system_viewer
from dashboard.importer import import_workbook, parse, rollback_batch
from dashboard.importer.schemas import SHEET_BY_NAME
from dashboard.models import Problem, Responsibility, Sampling

RESPONSIBILITY = ["统一社会信用代码", "月份", "主要负责人", "食品安全总监", "食品安全员", "日管控", "周排查", "月调度",
                  "日管控清单", "周排查报告", "月调度记录"]


def upload(engine, *sheets):
    return import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="t")


def errors(result) -> list[tuple]:
    return [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors]


# ------------------------------------------------------------------ a key's length, once respelled
def test_a_key_longer_than_its_column_once_respelled_is_refused_per_cell(empty_engine):
    result = upload(empty_engine, registry(1), sampling([sampling_row("⑴" * 30, 1)]),
                    sheet("食安员抽考", EXAM_HEADERS, [[code(1), "㍻" * 60, "食品安全员", date(2023, 4, 1), 90, "是"]]))
    assert result.status == "rejected"
    assert sorted(errors(result)) == [
        ("监督抽检", 2, "抽样单编号", "内容超过 64 个字符（30 个，统一写法后 90 个）"),
        ("食安员抽考", 2, "姓名", "内容超过 100 个字符（60 个，统一写法后 120 个）")]
    with empty_engine.connect() as conn:
        assert conn.execute(text("select count(*) from sampling")).scalar() == 0


def test_a_key_that_fits_once_its_blanks_are_dropped_is_stored(empty_engine):
    spaced = " ".join(["DC2023"] * 10)  # 69 characters as written, 60 as stored
    result = upload(empty_engine, registry(1), sampling([sampling_row(spaced, 1), sampling_row("J" * 65, 1)]))
    assert errors(result) == [("监督抽检", 3, "抽样单编号", "内容超过 64 个字符（65 个）")]
    result = upload(empty_engine, registry(1), sampling([sampling_row(spaced, 1)]))
    assert result.status == "imported", result.errors
    with empty_engine.connect() as conn:
        assert conn.execute(select(Sampling.sample_no)).scalars().all() == ["DC2023" * 10]


def test_key_length_per_cell():
    sample_no = parse.fields_of(SHEET_BY_NAME["监督抽检"])["sample_no"]
    values, errs = parse.parse_column(["⑴" * 21, "⑴" * 22, "A  1"], sample_no, [2, 3, 4], date(2023, 12, 1))
    assert values == ["(1)" * 21, None, "A1"]
    assert errs == [(3, "内容超过 64 个字符（22 个，统一写法后 66 个）", "⑴" * 22)]


# ------------------------------------------------------------------ migration 0017 and a column's length
def _migrate(engine, revision: str, up: bool) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, revision)


def test_migration_0017_keeps_a_spelling_its_column_cannot_hold(empty_engine, monkeypatch):
    _migrate(empty_engine, "0016", up=False)
    long_no = "⑴" * 30  # 30 characters; 90 respelled, beyond VARCHAR(64)
    problems = sheet("问题整改", PROBLEM_HEADERS, [["P 1", code(1), "监督检查", long_no, "标签不规范", date(2023, 5, 9),
                                                 date(2023, 6, 9), None, "未整改"]])
    with monkeypatch.context() as m:  # the importer before 0017: keys stored as written
        m.setattr(parse, "key_text", lambda text_, canon: text_)
        batch = upload(empty_engine, registry(1), sampling([sampling_row(long_no, 1), sampling_row("A 2", 1)]),
                       problems)
        assert batch.status == "imported", batch.errors
    _migrate(empty_engine, "0017", up=True)  # PostgreSQL: value too long for type character varying(64)
    with empty_engine.connect() as conn:
        assert sorted(conn.execute(select(Sampling.sample_no)).scalars()) == ["A2", long_no]
        assert conn.execute(select(Problem.problem_no, Problem.source_no)).all() == [("P1", long_no)]
        keys = dict(conn.execute(text("select table_name, record_keys from batch_insert where batch_id = :b"),
                                 {"b": batch.batch_id}).all())
    assert sorted(k[0] for k in json.loads(keys["sampling"])) == ["A2", long_no]
    assert json.loads(keys["problem"]) == [["P1"]]
    dashboard.db.upgrade(empty_engine)
    rollback_batch(empty_engine, batch.batch_id, system_viewer(empty_engine))
    with empty_engine.connect() as conn:
        assert conn.execute(text("select count(*) from sampling")).scalar() == 0
        assert conn.execute(text("select count(*) from problem")).scalar() == 0


# ------------------------------------------------------------------ a month typed as a number
def test_a_month_typed_into_a_number_cell(empty_engine):
    month = SHEET_BY_NAME["主体责任"].fields()["month_date"]
    for written in (202306, 202306.0, "202306", 20230615, 45078):
        assert parse.parse_month(written, month) == date(2023, 6, 1), written
    with pytest.raises(parse.CellError, match="日期不存在：2023年13月1日"):
        parse.parse_month(202313, month)
    rows = [[code(1), 202306, *["是"] * 9]]
    result = upload(empty_engine, registry(1), sheet("主体责任", RESPONSIBILITY, rows))
    assert result.status == "imported", result.errors
    with empty_engine.connect() as conn:  # before: 2453-11-01, the serial 202306
        assert conn.execute(select(Responsibility.month_date)).scalars().all() == [date(2023, 6, 1)]
    bad = upload(empty_engine, sheet("主体责任", RESPONSIBILITY, [[code(1), 202313, *["是"] * 9]]))
    assert errors(bad) == [("主体责任", 2, "月份", "日期不存在：2023年13月1日")]


# ------------------------------------------------------------------ the command line's dates and months
@pytest.mark.parametrize("argv, message", [
    (["--month", "9999-12"], "参数 --month：月份须在 1950-01 到 2100-12 之间，收到“9999-12”"),
    (["--month", "0000-05"], "参数 --month：月份须在 1950-01 到 2100-12 之间，收到“0000-05”"),
    (["--from", "9999-12-31", "--to", "9999-12-31"], "参数 --from：日期须在 1950-01-01 到 2100-12-31 之间，收到“9999-12-31”"),
    (["--from", "0001-01-01", "--to", "0001-01-02"], "参数 --from：日期须在 1950-01-01 到 2100-12-31 之间，收到“0001-01-01”"),
    (["--as-of", "2101-01-01"], "参数 --as-of：日期须在 1950-01-01 到 2100-12-31 之间，收到“2101-01-01”"),
])
def test_a_date_or_month_beyond_the_records_years_is_a_usage_error(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "targets", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"python -m dashboard targets：错误：{message}"


def test_a_month_in_full_width_digits_is_kept_in_ascii_digits(db_url, capsys):
    """\\d matches any digit: ２０２３-05 was kept as written, and the summary was labelled ２０２３年5月."""
    assert month("２０２３-05") == "2023-05"
    assert main(["--db", db_url, "targets", "--month", "２０２３-05", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert (first["from"], first["to"]) == ("2023-05-01", "2023-05-31")


# ------------------------------------------------------------------ an account's display name
def test_a_display_name_with_a_full_width_space_is_no_control_character(empty_engine):
    """str.isprintable() is False for U+3000 and U+00A0: 王　明 was refused as holding a control character."""
    password = "Correct-Horse-9"
    for n, name in enumerate(("王\u3000明", "Anna\u00a0Li"), 1):
        made = auth.create_account(empty_engine, f"u{n}", password, "leader", None, by="test", display_name=name)
        assert made.display_name == name
    for name in ("张三\x07", "张\u2028三", "张\ud800"):
        with pytest.raises(auth.AccountError, match="显示名称不能超过 100 个字符，也不能含有控制字符"):
            auth.create_account(empty_engine, "u9", password, "leader", None, by="test", display_name=name)
