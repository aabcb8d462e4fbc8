"""The command line of cli.md, run in-process through dashboard.__main__.main."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from dashboard import audit_trail
from dashboard.__main__ import chinese, main
from dashboard.db import get_engine


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_db_is_idempotent_and_at_head(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert run(capsys, "--db", url, "init-db")[0] == 0
    assert run(capsys, "--db", url, "init-db")[0] == 0
    with get_engine(url).connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0018"
        assert conn.execute(text("select count(*) from org_unit")).scalar() == 13
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1


def test_bad_usage_exits_2(db_url, capsys):
    url = db_url
    code, _, err = run(capsys, "--db", url, "targets", "--phase", "9")
    assert code == 2 and "没有这个阶段" in err
    code, _, err = run(capsys, "--db", url, "targets", "--unit", "不存在分局")
    assert code == 2 and "没有这个单位" in err
    with pytest.raises(SystemExit) as exc:
        main(["--db", url, "targets", "--from", "2023-05-01"])
    assert exc.value.code == 2
    code, _, err = run(capsys, "--db", url, "targets", "--unit", "分局")  # in every name, but no unit's
    assert code == 2 and "没有这个单位" in err


def test_dates_and_months_in_the_workbooks_spellings(db_url, capsys):
    def window(*argv) -> tuple[str, str]:
        code, out, err = run(capsys, "--db", db_url, "targets", *argv, "--json")
        assert code == 0, err
        first = json.loads(out)[0]
        return first["from"], first["to"]
    for written in ("2023-06", "2023-6", "2023年6月", "202306", "2023/06", "2023.6"):
        assert window("--month", written) == ("2023-06-01", "2023-06-30")
    assert window("--from", "2023/5/1", "--to", "2023年5月31日") == ("2023-05-01", "2023-05-31")
    for bad in (("--month", "2023-13"), ("--month", "2023"), ("--as-of", "2023-02-30"), ("--as-of", "xx")):
        with pytest.raises(SystemExit) as exc:
            main(["--db", db_url, "targets", *bad])
        assert exc.value.code == 2
        assert "须写成" in capsys.readouterr().err


def test_a_unit_written_another_way_is_found(db_url, capsys):
    for written in ("dt01", "ＤＴ０１", " DT01 ", "城区 分局", "城区分局"):
        code, out, _ = run(capsys, "--db", db_url, "targets", "--unit", written, "--json")
        assert code == 0 and {(f["unit"], f["unit_name"]) for f in json.loads(out)} == {("DT01", "城区分局")}


# ------------------------------------------------------------------ import, rollback, targets
from tests.builders import registry, sampling, sampling_row, xlsx  # noqa: E402


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_rollback_and_targets_end_to_end(db_url, tmp_path, capsys):
    url = db_url
    rows = [sampling_row(f"S{i}", 1 + i % 2) for i in range(99)]
    rows.append(sampling_row("S99", 2, 检验结论="不合格", 不合格项目="氯霉素║0.52μg/kg║不得检出", 核查处置状态="处置中"))
    good = _write(tmp_path, "good.xlsx", xlsx(registry(1, 2), sampling(rows)))

    code, out, _ = run(capsys, "--db", url, "import", good, "--dry-run", "--json")
    assert code == 0 and json.loads(out)["batch_id"] is None and json.loads(out)["dry_run"] is True
    code, out, _ = run(capsys, "--db", url, "import", good, "--json")
    first = json.loads(out)
    assert code == 0 and first["status"] == "imported" and first["rows"] == {"企业名录": 2, "监督抽检": 100}
    code, out, _ = run(capsys, "--db", url, "import", good, "--json")
    assert code == 0 and json.loads(out)["status"] == "unchanged"

    code, out, _ = run(capsys, "--db", url, "targets", "--month", "2023-05", "--json")
    (sampling_fig,) = [f for f in json.loads(out) if f["target"] == "sampling_pass"]
    assert sampling_fig == {"unit": "DT", "unit_name": "东台市市场监督管理局", "from": "2023-05-01",
                            "to": "2023-05-31", "target": "sampling_pass", "name": "产品抽检合格率",
                            "numerator": 99, "denominator": 100, "value": 0.99, "threshold": 0.99,
                            "met": True}
    code, out, _ = run(capsys, "--db", url, "targets", "--by-unit", "--phase", "2", "--json")
    assert code == 0 and len(json.loads(out)) == 13 * 13  # units × targets

    assert run(capsys, "--db", url, "rollback", str(first["batch_id"]))[0] == 0
    code, _, err = run(capsys, "--db", url, "rollback", str(first["batch_id"]))
    assert code == 1 and "撤销" in err
    code, out, _ = run(capsys, "--db", url, "targets", "--month", "2023-05", "--json")
    (after,) = [f for f in json.loads(out) if f["target"] == "sampling_pass"]
    assert (after["numerator"], after["denominator"], after["value"], after["met"]) == (0, 0, None, None)


def test_refusal_comes_before_the_same_file_check(db_url, tmp_path, capsys):
    """An .xlsm is refused even when the same bytes were imported before as .xlsx."""
    url = db_url
    data = xlsx(registry(1))
    assert run(capsys, "--db", url, "import", _write(tmp_path, "a.xlsx", data))[0] == 0
    code, out, _ = run(capsys, "--db", url, "import", _write(tmp_path, "a.xlsm", data), "--json")
    assert code == 1 and json.loads(out)["status"] == "rejected"
    assert "宏" in json.loads(out)["errors"][0]["message"]


def test_missing_file_is_bad_usage(tmp_path, capsys):
    code, _, err = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "import", str(tmp_path / "no.xlsx"))
    assert code == 2 and "找不到文件" in err


# ------------------------------------------------------------------ usage errors in Chinese
def _usage_error(capsys, *argv) -> str:
    """The parser's refusal: exit 2 and its message (the last line of stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, message", [
    (["targets", "--bogus"], "python -m dashboard：错误：不认识的参数：--bogus"),
    (["targets", "--month", "2023-13"],
     "python -m dashboard targets：错误：参数 --month：月份须写成 YYYY-MM（如 2023-05），收到“2023-13”"),
    (["export", "--month", "May", "--format", "xlsx", "--out", "x.xlsx"],
     "python -m dashboard export：错误：参数 --month：月份须写成 YYYY-MM（如 2023-05），收到“May”"),
    (["targets", "--as-of", "yesterday"],
     "python -m dashboard targets：错误：参数 --as-of：日期须写成 YYYY-MM-DD（如 2023-05-31），收到“yesterday”"),
    (["rollback", "abc"], "python -m dashboard rollback：错误：参数 batch_id 须是整数，收到“abc”"),
    (["targets", "--phase", "1", "--month", "2023-05"],
     "python -m dashboard targets：错误：参数 --month 不能与 --phase 同时使用"),
    (["export", "--phase", "1"], "python -m dashboard export：错误：缺少必需的参数：--format, --out"),
    (["export", "--phase", "1", "--format", "doc", "--out", "x.doc"],
     "python -m dashboard export：错误：参数 --format 不能取“doc”（可用：xlsx、docx、pdf）"),
    (["export", "--format", "xlsx", "--out", "x.xlsx"], "python -m dashboard export：错误：须给出以下参数之一：--phase、--month"),
    (["export", "--phase", "1", "--format", "xlsx", "--out"], "python -m dashboard export：错误：参数 --out 后须跟一个值"),
    (["stars", "--year", "二〇二三"], "python -m dashboard stars：错误：参数 --year 须是整数，收到“二〇二三”"),
    (["stars", "--year", "99999999999"],
     "python -m dashboard stars：错误：参数 --year：年份须在 2000 到 2100 之间，收到 99999999999"),
    (["rollback", "99999999999999"],
     "python -m dashboard rollback：错误：参数 batch_id：没有第 99999999999999 批（批次号为正整数）"),
    (["rollback", "0"], "python -m dashboard rollback：错误：参数 batch_id：没有第 0 批（批次号为正整数）"),
    (["targets", "--unit", "x\udce9"],
     "python -m dashboard targets：错误：参数 --unit：含有无法识别的字符（终端不是 UTF-8 编码？）或控制字符"),
    (["--as", "u\udce9", "targets"],
     "python -m dashboard：错误：参数 --as：含有无法识别的字符（终端不是 UTF-8 编码？）或控制字符"),
    (["user", "add", "a\x01", "--role", "admin"],
     "python -m dashboard user add：错误：参数 USERNAME：含有无法识别的字符（终端不是 UTF-8 编码？）或控制字符"),
    (["targets", "--json=yes"], "python -m dashboard targets：错误：参数 --json 不接受值“yes”"),
    (["import"], "python -m dashboard import：错误：缺少必需的参数：FILE"),
    (["bogus"], "python -m dashboard：错误：参数 命令 不能取“bogus”（可用：init-db、demo、import、rollback、"
                "rebuild-rollups、targets、cases、stars、tasks、work-item、export、user）"),
])
def test_bad_arguments_are_refused_in_chinese(tmp_path, capsys, argv, message):
    assert _usage_error(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", *argv) == message


@pytest.mark.parametrize("message, expected", [
    ("ambiguous option: --to could match --to-date, --total", "参数 --to 有歧义，可能是：--to-date、--total"),
    ("argument --n: invalid float value: 'x'", "参数 --n 须是数值，收到“x”"),
    ("argument --files: expected at least one argument", "参数 --files 后须跟至少一个值"),
    ("argument --pair: expected 2 arguments", "参数 --pair 后须跟 2 个值"),
    ("argument --format: invalid choice: 'doc' (choose from xlsx, docx, pdf)",  # Python 3.12.8+
     "参数 --format 不能取“doc”（可用：xlsx、docx、pdf）"),
    ("one of the arguments --phase --month --from is required", "须给出以下参数之一：--phase、--month、--from"),
])
def test_argparse_messages_are_translated_keeping_the_option_names(message, expected):
    assert chinese(message) == expected


def test_help_still_works_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and out.startswith("用法：python -m dashboard export [-h] (--phase P | --month YYYY-MM)")
    assert "--format {xlsx,docx,pdf}" in out and "\n选项：\n" in out


@pytest.mark.parametrize("command", ["targets", "cases", "stars", "tasks"])
def test_an_as_of_date_before_the_window_is_bad_usage(db_url, capsys, command):
    """Nothing of 整改提升阶段 (2023-09-01 … 11-30) has happened by 2023-06-01: every figure would read 0
    (0.0%, 未达标); the command says so instead (exit 2), naming the window and its dates."""
    code, out, err = run(capsys, "--db", db_url, command, "--phase", "3", "--as-of", "2023-06-01")
    assert (code, out) == (2, "")
    assert err == ("错误：--as-of 2023-06-01 早于统计窗口“整改提升阶段”（2023-09-01 至 2023-11-30）的起始日："
                   "截至日须不早于 2023-09-01\n")
    code, _, err = run(capsys, "--db", db_url, command, "--month", "2023-09", "--as-of", "2023-08-31")
    assert code == 2 and err.startswith("错误：--as-of 2023-08-31 早于统计窗口“2023年9月”（2023-09-01 至 2023-09-30）")
    code, _, err = run(capsys, "--db", db_url, command, "--from", "2023-09-02", "--to", "2023-09-30", "--as-of", "2023-09-01")
    assert code == 2 and "早于统计窗口“2023-09-02至2023-09-30”（2023-09-02 至 2023-09-30）" in err
    code, _, err = run(capsys, "--db", db_url, command, "--as-of", "2023-02-28")  # the campaign to date
    assert code == 2 and "早于统计窗口“行动以来”（2023-03-01 至 2023-11-30）" in err
    code, out, err = run(capsys, "--db", db_url, command, "--phase", "3", "--as-of", "2023-09-01", "--json")
    assert (code, err) == (0, "") and json.loads(out)  # its first day is allowed


def test_a_month_may_drop_its_leading_zero(db_url, capsys):
    code, out, _ = run(capsys, "--db", db_url, "targets", "--month", "2023-5", "--json")
    assert code == 0 and {(r["from"], r["to"]) for r in json.loads(out)} == {("2023-05-01", "2023-05-31")}


# ------------------------------------------------------------------ a database that cannot be used
@pytest.mark.parametrize("url, command, code, start", [
    ("nonsense://", "targets", 2, "错误：数据库地址不可用（--db 或环境变量 DASHBOARD_DB_URL）：Can't load plugin"),
    ("postgresql+nodriver://a@localhost/x", "targets", 2, "错误：数据库地址不可用（--db 或环境变量 DASHBOARD_DB_URL）："),
    ("sqlite:///{tmp}/a-file/x.sqlite", "init-db", 2, "错误：无法创建数据库文件：{tmp}/a-file"),  # a file where the folder goes
    ("sqlite:///{tmp}/a-file/x.sqlite", "targets", 2, "错误：数据库文件不存在：{tmp}/a-file/x.sqlite；先运行 init-db 或 demo"),
    ("postgresql+psycopg://nobody@127.0.0.1:1/none", "targets", 1, "数据库无法使用（--db 或环境变量 DASHBOARD_DB_URL）："),
])
def test_a_database_that_cannot_be_used_is_a_message_not_a_traceback(tmp_path, capsys, url, command, code, start):
    (tmp_path / "a-file").write_text("")
    got, out, err = run(capsys, "--db", url.format(tmp=tmp_path), command)
    assert (got, out) == (code, "") and err.startswith(start.format(tmp=tmp_path)) and "Traceback" not in err


def test_an_export_that_cannot_be_written_is_a_message(db_url, tmp_path, capsys):
    url = db_url
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "x.xlsx"  # a file where the folder goes
    code, out, err = run(capsys, "--db", url, "export", "--phase", "1", "--format", "xlsx", "--out", str(target))
    assert (code, out) == (1, "") and err.startswith(f"错误：无法写入 {target}：")
    assert audit_trail.events(get_engine(url), action="export") == []  # no row claims the export
    target = tmp_path / "out" / "x.xlsx"
    assert run(capsys, "--db", url, "export", "--phase", "1", "--format", "xlsx", "--out", str(target))[0] == 0
    assert target.stat().st_size > 0
    assert [(e["username"], e["detail"]["formats"], e["detail"]["source"])
            for e in audit_trail.events(get_engine(url), action="export")] == [("cli", ["xlsx"], "cli")]


# ------------------------------------------------------------------ a database file that is not there
MISTYPED = [["targets"], ["cases"], ["stars"], ["tasks"], ["export", "--phase", "1", "--format", "xlsx", "--out", "o.xlsx"],
            ["import", "{wb}"], ["rollback", "1"], ["rebuild-rollups"], ["work-item", "p1_meeting", "--status", "进行中"],
            ["user", "list"], ["--as", "admin", "targets"]]


@pytest.mark.parametrize("argv", MISTYPED, ids=lambda a: " ".join(a[:2]))
def test_a_mistyped_database_file_is_refused_and_not_created(tmp_path, capsys, argv):
    """Only init-db and demo create a database: any other command given a SQLite file that is not
    there says so (exit 2) and leaves no file, nor the folder it would be in, behind."""
    wb = _write(tmp_path, "wb.xlsx", xlsx(registry(1)))
    typo = tmp_path / "dta" / "dashbaord.sqlite"
    argv = [a.format(wb=wb) for a in argv]
    code, out, err = run(capsys, "--db", f"sqlite:///{typo}", *argv)
    assert (code, out, err) == (2, "", f"错误：数据库文件不存在：{typo}；先运行 init-db 或 demo\n")
    assert not typo.parent.exists()


def test_init_db_creates_the_file_that_other_commands_refuse(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new' / 'dashboard.sqlite'}"
    assert run(capsys, "--db", url, "targets")[0] == 2
    assert run(capsys, "--db", url, "init-db")[0] == 0 and (tmp_path / "new" / "dashboard.sqlite").is_file()
    code, out, _ = run(capsys, "--db", url, "targets", "--json")
    assert code == 0 and len(json.loads(out)) == 13
