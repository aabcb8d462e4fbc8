"""The command line of cli.md, run in-process through dashboard.__main__.main."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from dashboard.__main__ import main
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
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0001"
        assert conn.execute(text("select count(*) from org_unit")).scalar() == 13
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1


def test_bad_usage_exits_2(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    code, _, err = run(capsys, "--db", url, "targets", "--phase", "9")
    assert code == 2 and "没有这个阶段" in err
    code, _, err = run(capsys, "--db", url, "targets", "--unit", "不存在分局")
    assert code == 2 and "没有这个单位" in err
    with pytest.raises(SystemExit) as exc:
        main(["--db", url, "targets", "--from", "2023-05-01"])
    assert exc.value.code == 2
