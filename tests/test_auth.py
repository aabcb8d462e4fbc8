"""Accounts, passwords, lockout, the signed session cookie, production mode and the `user` commands
(SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from dashboard import audit_trail, auth, db
from dashboard.__main__ import main
from dashboard.access import resolve_unit, viewer_for_username
from dashboard.db import PROJECT_DIR

PASSWORD = "correct horse 1"


def _actions(engine, username=None) -> list[str]:
    return [e["action"] for e in reversed(audit_trail.events(engine, username=username))]


@pytest.fixture
def chief(empty_engine):
    auth.create_account(empty_engine, "dt03_chief", PASSWORD, "chief", "DT03", by="test")
    return empty_engine


# ------------------------------------------------------------------ accounts and passwords
def test_password_is_stored_as_an_argon2_hash_only(chief):
    with chief.connect() as conn:
        stored = conn.execute(text("select password_hash from app_user where username = 'dt03_chief'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.verify_password(stored, PASSWORD) and not auth.verify_password(stored, PASSWORD + "x")


def test_account_rules(empty_engine):
    with pytest.raises(auth.AccountError, match="必须指定所属单位"):
        auth.create_account(empty_engine, "c1", PASSWORD, "chief", None, by="test")
    with pytest.raises(auth.AccountError, match="至少 8"):
        auth.create_account(empty_engine, "c1", "short", "clerk", "DT03", by="test")
    with pytest.raises(auth.AccountError, match="未知的角色"):
        auth.create_account(empty_engine, "c1", PASSWORD, "root", None, by="test")
    with pytest.raises(auth.AccountError, match="用户名"):
        auth.create_account(empty_engine, "a b'; --", PASSWORD, "leader", None, by="test")
    leader = auth.create_account(empty_engine, "boss", PASSWORD, "leader", None, by="test")
    assert leader.unit_id == resolve_unit(empty_engine, None).unit_id
    with pytest.raises(auth.AccountError, match="已存在"):
        auth.create_account(empty_engine, "boss", PASSWORD, "leader", None, by="test")
    # a display name PostgreSQL would refuse (over 100 characters), or one with a control character
    for name in ("名" * 101, "张三\x07"):
        with pytest.raises(auth.AccountError, match="显示名称不能超过 100 个字符，也不能含有控制字符"):
            auth.create_account(empty_engine, "c2", PASSWORD, "leader", None, by="test", display_name=name)
    named = auth.create_account(empty_engine, "c2", PASSWORD, "leader", None, by="test", display_name=" " + "名" * 100)
    assert named.display_name == "名" * 100


def test_login_gives_the_accounts_scope(chief):
    result = auth.login(chief, "dt03_chief", PASSWORD)
    assert result.ok and result.token
    dt03 = resolve_unit(chief, "DT03").unit_id
    assert (result.viewer.role, result.viewer.scope_unit_id, result.viewer.can_see_personal_data) == \
        ("chief", dt03, True)
    auth.create_account(chief, "sysadmin", PASSWORD, "admin", None, by="test")
    admin = auth.login(chief, "sysadmin", PASSWORD).viewer
    assert admin.scope_unit_id == resolve_unit(chief, None).unit_id and not admin.can_see_personal_data


# ------------------------------------------------------------------ lockout
@pytest.mark.slow  # one argon2 hash per attempt
def test_five_failures_lock_the_account_for_fifteen_minutes(chief):
    t0 = auth.now_utc()
    for i in range(auth.MAX_FAILURES - 1):
        r = auth.login(chief, "dt03_chief", "wrong password", now=t0 + timedelta(seconds=i))
        assert not r.ok and r.reason == "wrong_password" and r.message == auth.GENERIC_FAILURE
    r = auth.login(chief, "dt03_chief", "wrong password", now=t0 + timedelta(seconds=10))
    assert not r.ok and r.reason == "lockout" and "锁定" in r.message
    # the right password is refused during the lock, without extending it
    r = auth.login(chief, "dt03_chief", PASSWORD, now=t0 + timedelta(minutes=14))
    assert not r.ok and r.reason == "locked" and r.token is None
    r = auth.login(chief, "dt03_chief", PASSWORD, now=t0 + timedelta(minutes=16))
    assert r.ok
    assert _actions(chief, "dt03_chief") == ["user_add"] * 0 + ["login_failed"] * 5 + [
        "account_locked", "login_failed", "login"]
    # a success resets the count: four more failures do not lock
    for i in range(auth.MAX_FAILURES - 1):
        assert auth.login(chief, "dt03_chief", "nope nope", now=t0 + timedelta(minutes=17)).reason == "wrong_password"
    assert auth.login(chief, "dt03_chief", PASSWORD, now=t0 + timedelta(minutes=17)).ok


def test_unlock_and_password_change_lift_the_lock(chief):
    for _ in range(auth.MAX_FAILURES):
        auth.login(chief, "dt03_chief", "wrong password")
    assert auth.login(chief, "dt03_chief", PASSWORD).reason == "locked"
    auth.unlock(chief, "dt03_chief", by="admin")
    assert auth.login(chief, "dt03_chief", PASSWORD).ok


def test_unknown_and_disabled_accounts_fail_alike(chief):
    unknown = auth.login(chief, "nobody", PASSWORD)
    auth.set_active(chief, "dt03_chief", False, by="admin")
    disabled = auth.login(chief, "dt03_chief", PASSWORD)
    assert not unknown.ok and not disabled.ok and unknown.message == disabled.message == auth.GENERIC_FAILURE
    failed = audit_trail.events(chief, action="login_failed")
    assert {(e["username"], e["detail"]["reason"]) for e in failed} == {("nobody", "unknown"),
                                                                        ("dt03_chief", "disabled")}


def _count_verifications(monkeypatch) -> list[int]:
    """Patch auth.verify_password to count its calls; returns the one-element counter."""
    calls, real = [0], auth.verify_password

    def counted(*args):
        calls[0] += 1
        return real(*args)
    monkeypatch.setattr(auth, "verify_password", counted)
    return calls


def test_concurrent_wrong_passwords_lock_the_account(chief, monkeypatch):
    """Finding 3: twelve wrong passwords at once. Today's read-verify-write counter lost the
    concurrent increments (count 1, no lock); each attempt is now counted atomically before its
    password is checked, so exactly MAX_FAILURES passwords are checked and the name is locked."""
    checked = _count_verifications(monkeypatch)
    start = threading.Barrier(12)

    def attempt(_):
        start.wait()
        return auth.login(chief, "dt03_chief", "wrong password", client="10.0.0.66")
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(attempt, range(12)))
    assert not any(r.ok for r in results)
    assert checked[0] == auth.MAX_FAILURES
    assert sorted(r.reason for r in results) == ["locked"] * 7 + ["lockout"] + ["wrong_password"] * 4
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.0.0.66").reason == "locked"
    assert [a["locked_until"] is not None for a in auth.list_accounts(chief)] == [True]


def test_locked_and_unknown_names_answer_alike(chief):
    """Finding 6: after MAX_FAILURES failures an existing and an unknown name get the same words,
    and the same words again while locked; neither checks a password then."""
    for name in ("dt03_chief", "no_such_user"):
        answers = [auth.login(chief, name, "wrong password", client="10.0.0.7").message
                   for _ in range(auth.MAX_FAILURES + 1)]
        assert answers == [auth.GENERIC_FAILURE] * (auth.MAX_FAILURES - 1) + [auth.LOCKED_FAILURE] * 2, name
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.0.0.7").message == \
        auth.login(chief, "no_such_user", PASSWORD, client="10.0.0.7").message == auth.LOCKED_FAILURE


def test_an_attacker_cannot_lock_the_holder_out_from_elsewhere(chief):
    """Finding 6: someone hammering dt03_chief from one client (until that client is throttled
    over every name) leaves the holder, at another client, able to sign in at once."""
    for _ in range(auth.SOURCE_MAX_FAILURES + 3):
        auth.login(chief, "dt03_chief", "guess guess", client="203.0.113.9")
    assert auth.login(chief, "dt03_chief", PASSWORD, client="203.0.113.9").reason == "throttled"
    assert auth.login(chief, "leader", "guess guess", client="203.0.113.9").message == auth.THROTTLED_FAILURE
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.1.2.3").ok
    # the lock of the attacker's client shows to the administrator, and unlocking lifts it
    assert auth.list_accounts(chief)[0]["locked_until"] is not None
    auth.unlock(chief, "dt03_chief", by="admin")
    assert auth.list_accounts(chief)[0]["locked_until"] is None
    clients = {(e["detail"]["client"], e["detail"]["reason"]) for e in audit_trail.events(chief, action="login_failed")}
    assert clients == {("203.0.113.9", "wrong_password"), ("203.0.113.9", "lockout"), ("203.0.113.9", "locked"),
                       ("203.0.113.9", "throttled")}


@pytest.mark.slow  # a password check per attempt, over many names
def test_a_client_is_throttled_over_every_name(chief):
    """Spraying many names from one client: after SOURCE_MAX_FAILURES failures that client is refused
    for any name, without a password check; a success in between does not count as a failure."""
    t0 = auth.now_utc()
    for i in range(auth.SOURCE_MAX_FAILURES - 1):
        assert auth.login(chief, f"name{i}", "x", client="10.9.9.9", now=t0).reason == "unknown"
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.9.9.9", now=t0).ok
    assert auth.login(chief, "name_last", "x", client="10.9.9.9", now=t0).reason == "unknown"
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.9.9.9", now=t0).reason == "throttled"
    assert auth.login(chief, "dt03_chief", PASSWORD, client="10.9.9.9", now=t0 + auth.LOCKOUT).ok
    with chief.connect() as conn:  # the made-up names, quiet since, are gone
        assert conn.execute(text("select count(*) from login_throttle")).scalar() == 1


# ------------------------------------------------------------------ the session cookie
def test_a_valid_cookie_keeps_the_login(chief):
    token = auth.login(chief, "dt03_chief", PASSWORD).token
    assert auth.viewer_for_token(chief, token) == viewer_for_username(chief, "dt03_chief")


def _tamper(token: str, **change) -> str:
    body, mac = token.split(".")
    payload = auth._unb64(body).decode().split("|")
    if "username" in change:
        payload[1] = change["username"]
    if "expires" in change:
        payload[3] = str(change["expires"])
    return auth._b64("|".join(payload).encode()) + "." + mac


def test_forged_cookies_are_refused(chief):
    auth.create_account(chief, "boss", PASSWORD, "leader", None, by="test")
    token = auth.login(chief, "dt03_chief", PASSWORD).token
    payload = auth.unsign(token)
    forged = [
        _tamper(token, username="boss"),                  # another account, old signature
        _tamper(token, expires=4102444800),               # a later expiry, old signature
        auth.sign(payload, key=b"not the server's key" * 2),  # signed with another key
        auth.sign(payload.replace("dt03_chief", "boss")),     # right key, but no such session for boss
        auth.sign("v1|boss|made-up-session|4102444800"),      # right key, invented session
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "garbage", "", None, "a.b.c",
    ]
    assert all(auth.viewer_for_token(chief, f) is None for f in forged)
    assert auth.viewer_for_token(chief, token) is not None


def test_expired_logged_out_and_revoked_cookies_are_refused(chief):
    t0 = auth.now_utc()
    token = auth.login(chief, "dt03_chief", PASSWORD, now=t0).token
    assert auth.viewer_for_token(chief, token, now=t0 + auth.SESSION_LIFETIME - timedelta(minutes=1))
    assert auth.viewer_for_token(chief, token, now=t0 + auth.SESSION_LIFETIME + timedelta(seconds=1)) is None

    auth.end_session(chief, token)
    assert auth.viewer_for_token(chief, token) is None

    token = auth.login(chief, "dt03_chief", PASSWORD).token
    auth.set_password(chief, "dt03_chief", "another password", by="admin")
    assert auth.viewer_for_token(chief, token) is None

    token = auth.login(chief, "dt03_chief", "another password").token
    auth.set_active(chief, "dt03_chief", False, by="admin")
    assert auth.viewer_for_token(chief, token) is None


def test_role_change_applies_to_an_open_session(chief):
    token = auth.login(chief, "dt03_chief", PASSWORD).token
    auth.update_account(chief, "dt03_chief", role="clerk", unit="DT05", by="admin")
    v = auth.viewer_for_token(chief, token)
    assert (v.role, v.scope_unit_id) == ("clerk", resolve_unit(chief, "DT05").unit_id)


def test_a_sessions_scope_is_the_accounts_scope(chief):
    # the session check reads the root above a whole-tree account's unit in its own query
    token = auth.login(chief, "dt03_chief", PASSWORD).token
    for role in ("leader", "admin", "chief"):
        auth.update_account(chief, "dt03_chief", role=role, unit="DT03", by="admin")
        v = auth.viewer_for_token(chief, token)
        assert v == viewer_for_username(chief, "dt03_chief")
        assert v.scope_unit_id == (resolve_unit(chief, "DT03").unit_id if role == "chief"
                                   else resolve_unit(chief, None).unit_id)


def test_secret_key_from_env_or_generated_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "k" * 40)
    assert auth.secret_key() == b"k" * 40
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "short")
    with pytest.raises(RuntimeError):
        auth.secret_key()
    key = auth._file_key(tmp_path / "data" / "secret_key")
    assert len(key) == 64 and auth._file_key(tmp_path / "data" / "secret_key") == key
    assert oct((tmp_path / "data" / "secret_key").stat().st_mode & 0o777) == "0o600"


# ------------------------------------------------------------------ production mode
def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.slow  # builds the demo accounts and runs the command line
def test_production_mode_refuses_demo_passwords(empty_engine, monkeypatch, capsys):
    auth.ensure_demo_accounts(empty_engine)
    assert auth.unchanged_demo_passwords(empty_engine) == [u for u, *_ in auth.DEMO_ACCOUNTS]
    auth.check_production(empty_engine)  # not production: nothing to refuse
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    with pytest.raises(auth.ProductionRefusal, match="admin"):
        auth.check_production(empty_engine)
    url = _url(empty_engine)
    assert main(["--db", url, "targets"]) == 2
    assert "生产模式" in capsys.readouterr().err
    # the user command still works: that is how the passwords get changed
    for username, *_ in auth.DEMO_ACCOUNTS[:-1]:
        monkeypatch.setattr("sys.stdin", io.StringIO("a new strong password\n"))
        assert main(["--db", url, "user", "passwd", username, "--password-stdin"]) == 0
    assert main(["--db", url, "user", "disable", auth.DEMO_ACCOUNTS[-1][0]]) == 0
    auth.check_production(empty_engine)
    capsys.readouterr()
    assert main(["--db", url, "targets", "--json"]) == 0


def _env_example() -> dict[str, str]:
    lines = (PROJECT_DIR / "deploy" / "env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_production_mode_refuses_the_placeholders_of_env_example(empty_engine, monkeypatch):
    """The signing key of deploy/env.example, any other CHANGE-ME value of it, or a key under 32
    characters: production mode refuses to start. (No accounts here: only the variables count.)"""
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    example = _env_example()
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", example["DASHBOARD_SECRET_KEY"])
    with pytest.raises(auth.ProductionRefusal, match="DASHBOARD_SECRET_KEY 仍是 deploy/env.example 中的占位值"):
        auth.check_production(empty_engine)
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "k" * 31)
    with pytest.raises(auth.ProductionRefusal, match="至少需要 32 个字符"):
        auth.check_production(empty_engine)
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", example["STREAMLIT_SERVER_COOKIE_SECRET"])
    with pytest.raises(auth.ProductionRefusal, match="STREAMLIT_SERVER_COOKIE_SECRET"):
        auth.check_production(empty_engine)
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "s" * 48)
    auth.check_production(empty_engine)


@pytest.mark.slow  # hashes and checks every demo account's password
def test_production_check_runs_once_per_process(empty_engine, monkeypatch):
    """Finding 4: once it has passed, the check costs no argon2 verification (it used to cost four
    on every page run)."""
    auth.ensure_demo_accounts(empty_engine)
    for username, *_ in auth.DEMO_ACCOUNTS:
        auth.set_password(empty_engine, username, "a new strong password", by="test")
    monkeypatch.setenv("DASHBOARD_MODE", "production")
    checked = _count_verifications(monkeypatch)
    for _ in range(3):
        auth.check_production(empty_engine)
    assert checked[0] == len(auth.DEMO_ACCOUNTS)


# ------------------------------------------------------------------ single sign-on
def test_an_oidc_email_must_be_verified():
    assert auth.oidc_username({"email": "li@x.gov.cn", "email_verified": True}) == "li@x.gov.cn"
    assert auth.oidc_username({"email": "li@x.gov.cn", "email_verified": False}) is None
    assert auth.oidc_username({"email": "li@x.gov.cn"}) is None
    assert auth.oidc_username({"email": "li@x.gov.cn", "email_verified": "true"}) is None
    assert auth.oidc_username({"email_verified": True}) is None
    assert auth.oidc_username({"employee_id": "E1024"}, "employee_id") == "E1024"


# ------------------------------------------------------------------ files
def test_data_files_are_private(tmp_path, monkeypatch):
    """The quick start's data/ is 0700 (tightened if an earlier version left it 0755), the SQLite
    file and its write-ahead log 0600, the generated signing key 0600."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    monkeypatch.setattr(db, "DEFAULT_DB_PATH", data / "dashboard.sqlite")
    engine = db.get_engine(f"sqlite:///{data / 'dashboard.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("create table t (x integer)"))
        conn.execute(text("insert into t values (1)"))
        modes = {p.name: oct(p.stat().st_mode & 0o777) for p in data.iterdir()}
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    assert modes == {"dashboard.sqlite": "0o600", "dashboard.sqlite-wal": "0o600", "dashboard.sqlite-shm": "0o600"}
    engine.dispose()
    auth._file_key(tmp_path / "elsewhere" / "secret_key")
    assert oct((tmp_path / "elsewhere").stat().st_mode & 0o777) == "0o700"
    assert oct((tmp_path / "elsewhere" / "secret_key").stat().st_mode & 0o777) == "0o600"


# ------------------------------------------------------------------ the user command
def test_user_commands_and_their_audit_rows(empty_engine, monkeypatch, capsys):
    url = _url(empty_engine)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", url, "user", "add", "dt03_clerk", "--role", "clerk", "--unit", "DT03",
                 "--password-stdin"]) == 0
    assert auth.login(empty_engine, "dt03_clerk", PASSWORD).ok
    monkeypatch.setattr("sys.stdin", io.StringIO("second password\n"))
    assert main(["--db", url, "user", "passwd", "dt03_clerk", "--password-stdin"]) == 0
    assert auth.login(empty_engine, "dt03_clerk", "second password").ok
    assert main(["--db", url, "user", "disable", "dt03_clerk"]) == 0
    assert not auth.login(empty_engine, "dt03_clerk", "second password").ok
    capsys.readouterr()
    assert main(["--db", url, "user", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(a["username"], a["role"], a["unit_code"], a["is_active"]) for a in listed] == \
        [("dt03_clerk", "clerk", "DT03", False)]
    assert "password_hash" not in listed[0]
    # errors: unknown account, bad unit, and a non-admin --as
    assert main(["--db", url, "user", "disable", "nobody"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", url, "user", "add", "x1", "--role", "chief", "--unit", "不存在", "--password-stdin"]) == 1
    auth.set_active(empty_engine, "dt03_clerk", True, by="test")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", url, "--as", "dt03_clerk", "user", "add", "x2", "--role", "admin", "--password-stdin"]) == 1
    assert auth.get_account(empty_engine, "x2") is None
    changes = [(e["username"], e["action"], e["detail"].get("account")) for e in reversed(audit_trail.events(empty_engine))
               if e["action"].startswith("user_")]
    assert changes == [("cli", "user_add", "dt03_clerk"), ("cli", "user_passwd", "dt03_clerk"),
                       ("cli", "user_disable", "dt03_clerk"), ("test", "user_enable", "dt03_clerk")]
