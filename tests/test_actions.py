"""The one door for every write (dashboard.actions), on SQLite and PostgreSQL: every registered
action refuses a viewer without its named permission — nothing changes, only an `access_denied`
row is written — and does its work and writes its audit row for a viewer with it; the audit row
commits with the work or not at all; an account holder cannot change their own role or disable
themselves (tests/test_cli_scope.py: the command line and the account page)."""
from __future__ import annotations

import pytest

from dashboard import actions, audit_trail, auth
from dashboard.access import PERMISSION_LABELS, Viewer, viewer_for_username
from dashboard.campaign import load_campaign
from dashboard.importer import import_workbook, rollback_batch
from tests.accounts_county import ACCOUNTS_PASSWORD as PASSWORD, AccountsCounty

CONF = load_campaign()

# Each registered action, called with arguments that work for a viewer allowed to do it.
CASES = {
    "upload": lambda w, v: actions.upload(w.engine, v, w.workbook, file_name="6月.xlsx"),
    "rollback": lambda w, v: actions.roll_back(w.engine, v, w.batch_id),
    "export": lambda w, v: actions.export(w.engine, v, CONF, formats=("xlsx",), month="2023-05"),
    "user_add": lambda w, v: actions.add_account(w.engine, v, "new_clerk", PASSWORD, "clerk", "DT03"),
    "user_passwd": lambda w, v: actions.change_password(w.engine, v, "dt03_other", "another password 2"),
    "user_update": lambda w, v: actions.change_role(w.engine, v, "dt03_other", role="chief", unit="DT03"),
    "user_disable": lambda w, v: actions.disable_account(w.engine, v, "dt03_other"),
    "user_enable": lambda w, v: actions.enable_account(w.engine, v, "gone"),
    "user_unlock": lambda w, v: actions.unlock_account(w.engine, v, "dt03_other"),
    "init_db": lambda w, v: actions.init_database(w.engine, v, CONF),
    "rebuild_rollups": lambda w, v: actions.recompute_rollups(w.engine, v),
    "demo": lambda w, v: actions.rebuild_demo(w.engine, v, CONF, force=True, sample_dir=w.sample_dir),
    "work_item_mark": lambda w, v: actions.mark_work_item(w.engine, v, CONF, "p1_meeting", "进行中"),
}
UNCHANGED = {"export", "init_db", "rebuild_rollups"}  # their only row is the audit row


def test_every_action_has_a_case_and_a_named_permission():
    assert set(CASES) == set(actions.REGISTRY)
    for act in actions.REGISTRY.values():
        assert act.code in audit_trail.ACTIONS and act.permission in PERMISSION_LABELS


def refusers(county: AccountsCounty, permission: str) -> list[Viewer]:
    """Every account without the permission, and a viewer of a role that does not exist."""
    root = county.viewers["system"].scope_unit_id
    return [v for v in county.viewers.values() if not v.can(permission)] + [Viewer("intruder", "guest", root)]


@pytest.mark.parametrize("code", sorted(actions.REGISTRY))
def test_an_action_refuses_a_viewer_without_its_permission(accounts_county, code):
    permission = actions.REGISTRY[code].permission
    for viewer in refusers(accounts_county, permission):
        before, rows = accounts_county.state(), len(audit_trail.events(accounts_county.engine))
        with pytest.raises(PermissionError, match=PERMISSION_LABELS[permission]):
            CASES[code](accounts_county, viewer)
        assert accounts_county.state() == before, (code, viewer.username)
        new = audit_trail.events(accounts_county.engine)[: len(audit_trail.events(accounts_county.engine)) - rows]
        assert [(e["username"], e["action"], e["detail"]["action"]) for e in new] == [
            (viewer.username, "access_denied", code)]


def holder(county: AccountsCounty, permission: str) -> Viewer:
    """The first of clerk, admin, leader, chief, operator that holds the permission."""
    order = ("dt03_clerk", "admin", "leader", "dt03_chief", "system")
    return next(county.viewers[u] for u in order if county.viewers[u].can(permission))


@pytest.mark.parametrize("code", sorted(actions.REGISTRY))
def test_an_action_does_its_work_and_audits_a_viewer_with_its_permission(accounts_county, code):
    viewer = holder(accounts_county, actions.REGISTRY[code].permission)
    before = accounts_county.state()
    CASES[code](accounts_county, viewer)
    assert (accounts_county.state() == before) == (code in UNCHANGED)
    mine = [e for e in audit_trail.events(accounts_county.engine, action=code) if e["username"] == viewer.username]
    assert len(mine) == 1 and mine[0]["detail"].get("source", "web") == "web"
    assert not audit_trail.events(accounts_county.engine, action="access_denied")


def test_the_audit_row_commits_with_the_work_or_not_at_all(accounts_county, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")
    monkeypatch.setattr(audit_trail, "write", broken)
    before = accounts_county.state()
    clerk = accounts_county.viewers["dt03_clerk"]
    with pytest.raises(RuntimeError):
        actions.upload(accounts_county.engine, clerk, accounts_county.workbook, file_name="6月.xlsx")
    with pytest.raises(RuntimeError):
        actions.roll_back(accounts_county.engine, clerk, accounts_county.batch_id)
    with pytest.raises(RuntimeError):
        actions.recompute_rollups(accounts_county.engine, accounts_county.viewers["admin"])
    assert accounts_county.state() == before


ACCOUNT_ACTIONS = ("user_add", "user_passwd", "user_update", "user_disable", "user_enable", "user_unlock")


@pytest.mark.parametrize("code", ACCOUNT_ACTIONS)
def test_an_account_change_and_its_audit_row_are_one_transaction(accounts_county, monkeypatch, code):
    """A failed audit write rolls the account change back: no new account, the password, role,
    unit, state and lock as they were, no session ended."""
    engine, admin = accounts_county.engine, accounts_county.viewers["admin"]
    token = auth.login(engine, "dt03_other", PASSWORD).token  # a session a password change would end
    before, rows = accounts_county.state(), len(audit_trail.events(engine))

    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")
    monkeypatch.setattr(audit_trail, "write", broken)
    with pytest.raises(RuntimeError, match="audit table unavailable"):
        CASES[code](accounts_county, admin)
    monkeypatch.undo()
    assert accounts_county.state() == before and len(audit_trail.events(engine)) == rows
    assert auth.get_account(engine, "new_clerk") is None and auth.viewer_for_token(engine, token) is not None
    CASES[code](accounts_county, admin)  # with the audit table back, the change is made and audited
    assert accounts_county.state() != before
    assert [e["action"] for e in audit_trail.events(engine)[:1]] == [code]


def test_an_account_change_made_without_the_door_is_audited_in_its_transaction_too(accounts_county, monkeypatch):
    """dashboard.auth's own callers (the demo accounts, tests) get the same guarantee."""
    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")
    monkeypatch.setattr(audit_trail, "write", broken)
    before = accounts_county.state()
    for change in (lambda e: auth.create_account(e, "x_clerk", PASSWORD, "clerk", "DT03", by="test"),
                   lambda e: auth.set_password(e, "dt03_other", "another password 3", by="test"),
                   lambda e: auth.update_account(e, "dt03_other", role="chief", unit="DT03", by="test"),
                   lambda e: auth.set_active(e, "dt03_other", False, by="test"),
                   lambda e: auth.unlock(e, "dt03_other", by="test")):
        with pytest.raises(RuntimeError):
            change(accounts_county.engine)
    assert accounts_county.state() == before



def test_the_importer_and_rollback_need_a_viewer(accounts_county):
    with pytest.raises(TypeError):
        import_workbook(accounts_county.engine, accounts_county.workbook, uploader="t")  # no silent system viewer
    with pytest.raises(PermissionError):
        rollback_batch(accounts_county.engine, accounts_county.batch_id, accounts_county.viewers["leader"])


# ------------------------------------------------------------------ one's own account
def test_an_admin_cannot_change_their_own_role_or_disable_themselves(accounts_county):
    """An administrator who made themselves leader would see the exam takers' names masked for them."""
    engine, admin = accounts_county.engine, accounts_county.viewers["admin"]
    for change in (lambda: actions.change_role(engine, admin, "admin", role="leader"),
                   lambda: actions.change_role(engine, admin, " admin ", role="admin", unit="DT03"),
                   lambda: actions.disable_account(engine, admin, "admin")):
        with pytest.raises(PermissionError, match="自己"):
            change()
    acc = auth.get_account(engine, "admin")
    assert (acc.role, acc.is_active, viewer_for_username(engine, "admin").can_see_personal_data) == (
        "admin", True, False)
    assert len(audit_trail.events(engine, action="access_denied", username="admin")) == 3
    auth.create_account(engine, "admin2", PASSWORD, "admin", None, by="test")
    actions.change_role(engine, viewer_for_username(engine, "admin2"), "admin", role="leader")
    assert auth.get_account(engine, "admin").role == "leader"  # another administrator may


def test_an_export_whose_delivery_fails_writes_no_audit_row(accounts_county):
    """The command line writes the file in `deliver`; when that fails, the export is not audited."""
    def full_disk(made):
        assert set(made.files) == {"xlsx"} and made.files["xlsx"]  # built, not yet delivered
        raise OSError(28, "No space left on device")
    before = audit_trail.events(accounts_county.engine)
    with pytest.raises(OSError):
        actions.export(accounts_county.engine, accounts_county.viewers["leader"], CONF, formats=("xlsx",),
                       month="2023-05", deliver=full_disk, via="cli")
    assert audit_trail.events(accounts_county.engine) == before
