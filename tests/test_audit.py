"""The audit log: each action writes one row naming who, when and what (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine

from dashboard import audit_trail, auth
from dashboard.__main__ import main

from tests.builders import registry, sampling, sampling_row, xlsx

PASSWORD = "correct horse 1"


def test_record_writes_who_when_what(empty_engine):
    before = auth.now_utc()
    audit_trail.record(empty_engine, "dt03_clerk", "export", {"format": "xlsx", "unit": "DT03", "file": "总结.xlsx"})
    (row,) = audit_trail.events(empty_engine)
    assert row["username"] == "dt03_clerk" and row["action"] == "export" and row["action_name"] == "导出"
    assert row["detail"] == {"format": "xlsx", "unit": "DT03", "file": "总结.xlsx"}
    assert before - timedelta(seconds=1) <= row["created_at"] <= auth.now_utc() + timedelta(seconds=1)


def test_the_audit_page_reads_a_detail_in_chinese():
    """The page's 内容 column: keys and coded values (roles, sources, reasons, actions, yes/no) in
    Chinese; an unknown key or value as written."""
    assert audit_trail.detail_text({"account": "dt03_clerk", "role": "clerk", "unit_id": 4}) == \
        "账号：dt03_clerk；角色：填报员；单位编号：4"
    assert audit_trail.detail_text({"source": "web", "client": "10.0.0.9", "reason": "wrong_password"}) == \
        "来源：网页；客户端地址：10.0.0.9；原因：密码错误"
    assert audit_trail.detail_text({"source": "cli", "action": "upload", "reason": "账号无权执行此操作"}) == \
        "来源：命令行；操作：上报导入；原因：账号无权执行此操作"
    assert audit_trail.detail_text({"formats": ["docx", "xlsx"], "force": True, "role": "nobody", "new_key": "x"}) == \
        "格式：docx、xlsx；强制重建：是；角色：nobody；new_key：x"
    assert audit_trail.detail_text({}) == ""


def test_record_never_breaks_the_action(empty_engine, capsys):
    audit_trail.record(empty_engine, "x", "export", {"bad": object()})  # not JSON: written as text
    assert audit_trail.events(empty_engine)[0]["detail"]["bad"].startswith("<object")
    empty_engine.dispose()
    broken = create_engine("sqlite:////nonexistent-dir/x.sqlite")
    audit_trail.record(broken, "x", "export", {})  # no table, no database: reported, not raised
    assert "审计日志写入失败" in capsys.readouterr().err


def test_filters(empty_engine):
    t = datetime(2023, 6, 1, 8, 0)
    audit_trail.record(empty_engine, "a", "login", {}, at=t)
    audit_trail.record(empty_engine, "b", "login_failed", {}, at=t + timedelta(days=1))
    audit_trail.record(empty_engine, "a", "upload", {}, at=t + timedelta(days=2))
    assert [r["action"] for r in audit_trail.events(empty_engine)] == ["upload", "login_failed", "login"]
    assert [r["action"] for r in audit_trail.events(empty_engine, username="a")] == ["upload", "login"]
    assert [r["action"] for r in audit_trail.events(empty_engine, action="login_failed")] == ["login_failed"]
    assert [r["username"] for r in audit_trail.events(empty_engine, from_date=t.date() + timedelta(days=1),
                                                 to_date=t.date() + timedelta(days=1))] == ["b"]


@pytest.mark.slow  # runs every action, the export's rendering included
def test_every_action_writes_its_row(empty_engine, tmp_path, monkeypatch, capsys):
    """Logins, failed logins, lockout, logout, uploads, rollbacks and account changes."""
    eng = empty_engine
    url = eng.url.render_as_string(hide_password=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", url, "user", "add", "dt01_clerk", "--role", "clerk", "--unit", "DT01",
                 "--password-stdin"]) == 0
    token = auth.login(eng, "dt01_clerk", PASSWORD).token
    auth.end_session(eng, token)
    for _ in range(auth.MAX_FAILURES):
        auth.login(eng, "dt01_clerk", "wrong password")
    auth.unlock(eng, "dt01_clerk", by="admin")
    wb = tmp_path / "may.xlsx"
    wb.write_bytes(xlsx(registry(1), sampling([sampling_row("S1", 1)])))
    assert main(["--db", url, "--as", "dt01_clerk", "import", str(wb)]) == 0
    assert main(["--db", url, "--as", "dt01_clerk", "rollback", "1"]) == 0
    assert main(["--db", url, "--as", "dt01_clerk", "import", str(wb), "--dry-run"]) == 0  # a dry run: no row
    auth.update_account(eng, "dt01_clerk", role="chief", unit="DT01", by="admin")
    auth.set_active(eng, "dt01_clerk", False, by="admin")
    monkeypatch.setattr("sys.stdin", io.StringIO("new password 2\n"))
    assert main(["--db", url, "user", "passwd", "dt01_clerk", "--password-stdin"]) == 0

    rows = list(reversed(audit_trail.events(eng)))
    assert [(r["username"], r["action"]) for r in rows] == [
        ("cli", "user_add"), ("dt01_clerk", "login"), ("dt01_clerk", "logout"),
        *[("dt01_clerk", "login_failed")] * 5, ("dt01_clerk", "account_locked"),
        ("admin", "user_unlock"), ("dt01_clerk", "upload"), ("dt01_clerk", "rollback"),
        ("admin", "user_update"), ("admin", "user_disable"), ("cli", "user_passwd")]
    upload = next(r for r in rows if r["action"] == "upload")["detail"]
    assert upload == {"source": "cli", "file": "may.xlsx", "status": "imported", "batch_id": 1,
                      "rows": {"企业名录": 1, "监督抽检": 1}, "errors": 0}
    assert next(r for r in rows if r["action"] == "rollback")["detail"] == {"source": "cli", "batch_id": 1}
    assert all(PASSWORD not in str(r["detail"]) for r in rows)
