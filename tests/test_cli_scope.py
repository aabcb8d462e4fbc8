"""Issue 11, finding 7 and the self-role hole, through the command line and the account page only
(SQLite and PostgreSQL): every command honours --as — demo, init-db and rebuild-rollups included —
and changes nothing when refused; destructive and maintenance commands write an audit row, with
or without --as; production mode refuses demo --force; an administrator cannot make themselves
leader (who sees the exam takers' names the administrator's role masks)."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import audit_trail, auth
from dashboard.__main__ import main
from dashboard.ui.session import VIEWER_KEY

from tests.pages_support import PROJECT_DIR


@pytest.fixture
def cli(accounts_county, monkeypatch, capsys):
    monkeypatch.setattr("dashboard.demo.SAMPLE_DIR", accounts_county.sample_dir)  # a one-workbook demo
    capsys.readouterr()
    return accounts_county


@pytest.mark.parametrize("command", [["demo", "--force"], ["demo"], ["init-db"], ["rebuild-rollups"]])
def test_maintenance_commands_honour_as(cli, capsys, command):
    before = cli.state()
    assert main(["--db", cli.url, "--as", "dt03_chief", *command]) == 1
    assert "权限不足" in capsys.readouterr().err
    assert cli.state() == before
    assert [e["detail"]["action"] for e in audit_trail.events(cli.engine, action="access_denied")] == [
        command[0].replace("-", "_")]


@pytest.mark.slow  # runs demo, init-db and rebuild-rollups end to end
def test_maintenance_commands_are_audited_with_and_without_as(cli):
    assert main(["--db", cli.url, "--as", "admin", "rebuild-rollups"]) == 0
    assert main(["--db", cli.url, "--as", "admin", "init-db"]) == 0
    assert main(["--db", cli.url, "init-db"]) == 0
    assert main(["--db", cli.url, "--as", "admin", "demo", "--force"]) == 1  # the machine operator's alone
    before = cli.state()
    assert main(["--db", cli.url, "demo", "--force"]) == 0
    assert cli.state() != before
    rows = [(e["username"], e["action"], e["detail"].get("source"))
            for e in reversed(audit_trail.events(cli.engine)) if e["action"] in ("rebuild_rollups", "init_db", "demo")]
    assert rows == [("admin", "rebuild_rollups", "cli"), ("admin", "init_db", "cli"), ("cli", "init_db", "cli"),
                    ("cli", "demo", "cli")]
    assert audit_trail.events(cli.engine, action="demo")[0]["detail"]["force"] is True


def test_production_mode_refuses_demo_force(cli, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "k" * 40)
    assert auth.unchanged_demo_passwords(cli.engine) == []  # the start-up gate lets the command run
    before = cli.state()
    assert main(["--db", cli.url, "demo", "--force"]) == 1
    assert "生产模式" in capsys.readouterr().err
    assert cli.state() == before
    assert audit_trail.events(cli.engine, action="access_denied")[0]["username"] == "cli"


def test_without_as_the_cli_acts_as_the_operator_and_is_audited(cli, tmp_path):
    wb = tmp_path / "june.xlsx"
    wb.write_bytes(cli.workbook)
    assert main(["--db", cli.url, "import", str(wb)]) == 0
    batch = audit_trail.events(cli.engine, action="upload")[0]["detail"]["batch_id"]
    assert main(["--db", cli.url, "rollback", str(batch)]) == 0
    assert [(e["username"], e["action"]) for e in reversed(audit_trail.events(cli.engine))
            if e["action"] in ("upload", "rollback")] == [("cli", "upload"), ("cli", "rollback")]


def test_the_account_page_refuses_a_change_of_ones_own_role(request, monkeypatch, backend):
    if backend != "sqlite":
        pytest.skip("the page runs on the SQLite file")

    county = request.getfixturevalue("accounts_county")
    monkeypatch.setenv("DASHBOARD_DB_URL", county.url)
    st.cache_data.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "app_pages/admin.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = county.viewers["admin"]
    at.run()
    at.selectbox(key="admin_pick").set_value("admin").run()
    at.selectbox(key="admin_role_value").set_value("leader")
    next(b for b in at.button if b.label == "保存角色与单位").click().run()
    assert not at.exception, at.exception
    assert "自己" in at.error[0].value
    assert auth.get_account(county.engine, "admin").role == "admin"
    st.cache_data.clear()
