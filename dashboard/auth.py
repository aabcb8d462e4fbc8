"""Local accounts, passwords, lockout, sessions and the signed session cookie (no Streamlit).

- Passwords are hashed with argon2id (argon2-cffi's PasswordHasher); the hash alone is stored.
- Failed logins are counted per (account name, client address) and per client address (table
  login_throttle; see login()): a name is locked for LOCKOUT at the client that failed with it
  MAX_FAILURES times, a client over every name after SOURCE_MAX_FAILURES. Attempts during a lock
  are refused without checking the password and do not extend it; other clients are unaffected.
- A login starts a server-side session (table user_session, only the SHA-256 of its id is kept)
  and returns a token for the browser cookie: `payload.signature`, the payload naming the account,
  the session id and its expiry, the signature an HMAC-SHA256 with the secret key
  (env DASHBOARD_SECRET_KEY, else a random key generated once into data/secret_key, git-ignored,
  0600). The web server sets the cookie HttpOnly (dashboard.ui.server).
  A token is accepted only when its signature is right, it has not expired, its session exists and
  is not revoked, and the account is active. Logout, a password change and disabling the account
  revoke sessions.
- Production mode (env DASHBOARD_MODE=production) refuses to run while a demo account still has
  its published demo password or a deploy/env.example placeholder is left (check_production, once
  per process).

Every login, failed login, lockout, logout and account change is written to the audit log.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import DateTime, bindparam, case, delete, func, inspect, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from . import audit_trail
from .access import ACCOUNT_ROLES, ROLES, Viewer, resolve_unit, root_of, viewer_for_account
from .db import PROJECT_DIR, private_dir
from .models import AppUser, LoginThrottle, OrgUnit, UserSession

MAX_FAILURES = 5              # failed logins of one name from one client before it is refused there
SOURCE_MAX_FAILURES = 20      # failed logins from one client, over every name, before it is refused
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
COOKIE_NAME = "dashboard_session"
SECRET_FILE = PROJECT_DIR / "data" / "secret_key"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


def auth_mode() -> str:
    """`local` (accounts and passwords in the database, the default) or `oidc` (single sign-on,
    st.login): DASHBOARD_AUTH. Under `oidc` no password signs anyone in, the login route's included."""
    return os.environ.get("DASHBOARD_AUTH", "local").strip().lower() or "local"


# The sample county's accounts (README "示例账号"): username, role, unit code, demo password.
DEMO_ACCOUNTS = (
    ("admin", "admin", None, "demo-admin"),
    ("leader", "leader", None, "demo-leader"),
    ("dt03_chief", "chief", "DT03", "demo-chief"),
    ("dt03_clerk", "clerk", "DT03", "demo-clerk"),
)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """An account change that cannot be made (unknown account, bad role, weak password, …)."""


class ProductionRefusal(RuntimeError):
    """Production mode with a demo password still in place."""


def now_utc() -> datetime:
    """The current time, naive UTC (what every DateTime column holds)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


# ------------------------------------------------------------------ passwords
def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (False for a damaged hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, username: str = "") -> None:
    """AccountError for a password too short or equal to the username."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if username and password.strip().lower() == username.strip().lower():
        raise AccountError("密码不能与用户名相同")


# ------------------------------------------------------------------ accounts
def _account(conn, username: str):
    return conn.execute(select(AppUser.__table__).where(AppUser.username == username)).first()


def get_account(engine: Engine, username: str) -> AppUser | None:
    """The account row (detached) or None."""
    with engine.connect() as conn:
        row = conn.execute(select(AppUser.__table__).where(AppUser.username == username)).first()
    return AppUser(**row._mapping) if row else None


def _unit_for(engine: Engine, role: str, unit) -> int:
    if unit is None or str(unit).strip() == "":
        if not ROLES[role].whole_tree:
            raise AccountError(f"{ROLES[role].label}账号必须指定所属单位（--unit）")
        return resolve_unit(engine, None).unit_id
    try:
        return resolve_unit(engine, unit).unit_id
    except LookupError as exc:
        raise AccountError(str(exc)) from exc


# An account change's audit row, written in the change's own transaction: `on_write(conn, detail)`
# when the caller writes it (dashboard.actions: who asked, through which door), else audit_trail.write
# under `by`. Either way a failed audit write rolls the change back.
AuditRow = Callable[[Connection, dict], None]


def _audited(conn: Connection, on_write: AuditRow | None, by: str, action: str, detail: dict) -> None:
    if on_write is None:
        audit_trail.write(conn, by, action, detail)
    else:
        on_write(conn, detail)


def create_account(engine: Engine, username: str, password: str, role: str, unit=None, *, by: str,
                   display_name: str | None = None, on_write: AuditRow | None = None) -> AppUser:
    """A new active account; admin and leader default to the root unit, chief and clerk need one."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise AccountError("用户名只能包含字母、数字和 _ . @ -，长度 2–64")
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"未知的角色：{role}（可选：{'、'.join(ACCOUNT_ROLES)}）")
    display_name = (display_name or "").strip() or None
    limit = AppUser.display_name.type.length
    # a control character (Cc), a lone surrogate (Cs) or a line break (Zl, Zp); not str.isprintable(),
    # which also refuses the full-width space of 王　明 and a no-break space
    if display_name is not None and (len(display_name) > limit or any(
            unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in display_name)):
        raise AccountError(f"显示名称不能超过 {limit} 个字符，也不能含有控制字符")
    check_password_policy(password, username)
    unit_id = _unit_for(engine, role, unit)
    when = now_utc()
    with engine.begin() as conn:
        if _account(conn, username) is not None:
            raise AccountError(f"账号已存在：{username}")
        conn.execute(AppUser.__table__.insert().values(
            username=username, display_name=display_name, role=role, unit_id=unit_id,
            password_hash=hash_password(password), is_active=True,
            password_changed_at=when, created_at=when, created_by=by))
        _audited(conn, on_write, by, "user_add", {"account": username, "role": role, "unit_id": unit_id})
    return get_account(engine, username)


def _require_account(conn, username: str) -> AppUser:
    acc = _account(conn, username)
    if acc is None:
        raise AccountError(f"没有这个账号：{username}")
    return acc


def _revoke_sessions(conn: Connection, username: str) -> None:
    """Revoke every open session of an account."""
    conn.execute(update(UserSession).where(UserSession.username == username, UserSession.revoked_at.is_(None))
                 .values(revoked_at=now_utc()))


def set_password(engine: Engine, username: str, password: str, *, by: str,
                 on_write: AuditRow | None = None) -> None:
    """A new password; the lock is lifted and every session of the account ends."""
    with engine.begin() as conn:
        _require_account(conn, username)
        check_password_policy(password, username)
        conn.execute(update(AppUser).where(AppUser.username == username).values(
            password_hash=hash_password(password), password_changed_at=now_utc()))
        _lift_locks(conn, username)
        _revoke_sessions(conn, username)
        _audited(conn, on_write, by, "user_passwd", {"account": username})


def set_active(engine: Engine, username: str, active: bool, *, by: str,
               on_write: AuditRow | None = None) -> None:
    """Enable or disable an account; disabling ends every session of it at once."""
    with engine.begin() as conn:
        _require_account(conn, username)
        conn.execute(update(AppUser).where(AppUser.username == username).values(is_active=active))
        if not active:
            _revoke_sessions(conn, username)
        _audited(conn, on_write, by, "user_enable" if active else "user_disable", {"account": username})


def update_account(engine: Engine, username: str, *, role: str, unit=None, by: str,
                   on_write: AuditRow | None = None) -> None:
    """Change an account's role and unit (takes effect on the holder's next page load)."""
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"未知的角色：{role}")
    unit_id = _unit_for(engine, role, unit)
    with engine.begin() as conn:
        _require_account(conn, username)
        conn.execute(update(AppUser).where(AppUser.username == username)
                     .values(role=role, unit_id=unit_id))
        _audited(conn, on_write, by, "user_update", {"account": username, "role": role, "unit_id": unit_id})


def unlock(engine: Engine, username: str, *, by: str, on_write: AuditRow | None = None) -> None:
    """Lift a lockout now."""
    with engine.begin() as conn:
        _require_account(conn, username)
        _lift_locks(conn, username)
        _audited(conn, on_write, by, "user_unlock", {"account": username})


def _lift_locks(conn, username: str) -> None:
    conn.execute(delete(LoginThrottle).where(LoginThrottle.username == username))


def list_accounts(engine: Engine) -> list[dict]:
    """Every account with its unit and state (never the hash), by username; `locked_until` is the
    latest lock of the name from any client (None when it has none)."""
    locks = (select(LoginThrottle.username, func.max(LoginThrottle.locked_until).label("locked_until"))
             .group_by(LoginThrottle.username).subquery())
    stmt = (select(AppUser.username, AppUser.display_name, AppUser.role, AppUser.is_active,
                   locks.c.locked_until, AppUser.last_login_at,
                   AppUser.password_changed_at, AppUser.created_at, AppUser.created_by,
                   OrgUnit.code.label("unit_code"), OrgUnit.name.label("unit_name"))
            .join(OrgUnit, OrgUnit.unit_id == AppUser.unit_id)
            .outerjoin(locks, locks.c.username == AppUser.username).order_by(AppUser.username))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


# ------------------------------------------------------------------ login, lockout and throttle
@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: the viewer and a session token when it succeeded."""
    ok: bool
    message: str
    viewer: Viewer | None = None
    token: str | None = None
    reason: str = ""  # ok | unknown | wrong_password | disabled | lockout | locked | throttled


GENERIC_FAILURE = "用户名或密码错误"
# The same words whether or not the account exists: a lock tells nothing about the name.
LOCKED_FAILURE = (f"该账号在本机连续 {MAX_FAILURES} 次登录失败，已锁定 {int(LOCKOUT.total_seconds() // 60)} 分钟"
                  "（或请管理员解锁）")
THROTTLED_FAILURE = f"本机登录失败次数过多，请 {int(LOCKOUT.total_seconds() // 60)} 分钟后再试"


def _count_attempt(engine: Engine, username: str, source: str, limit: int, now: datetime) -> int:
    """Count one attempt of (username, source) — one atomic upsert, committed before the password
    is checked — and return the attempts counted so far (this one included). The limit-th attempt
    sets the lock; a lock is never extended; after a lock ends, or LOCKOUT without any attempt,
    counting starts again."""
    t = LoginThrottle.__table__
    insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}[engine.dialect.name]
    until = now + LOCKOUT
    restart = or_(t.c.updated_at <= now - LOCKOUT, t.c.locked_until <= now)
    stmt = insert(t).values(username=username, source=source, attempts=1, locked_until=None, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.username, t.c.source], set_={
        "attempts": case((restart, 1), else_=t.c.attempts + 1),
        "locked_until": case((restart, None),
                             (t.c.locked_until.is_not(None), t.c.locked_until),
                             (t.c.attempts + 1 >= limit, literal(until, DateTime)),
                             else_=None),
        "updated_at": now}).returning(t.c.attempts)
    with engine.begin() as conn:
        return conn.execute(stmt).scalar_one()


def _forget_attempt(conn, username: str, source: str, now: datetime) -> None:
    """A success: the name's count from this source goes, and the attempt leaves the source's total.
    Rows that would start counting afresh anyway (quiet for LOCKOUT, no lock) go too, so names made
    up by guessers do not pile up."""
    t = LoginThrottle.__table__
    conn.execute(delete(t).where(t.c.username == username, t.c.source == source))
    conn.execute(delete(t).where(t.c.updated_at <= now - LOCKOUT,
                                 or_(t.c.locked_until.is_(None), t.c.locked_until <= now)))
    conn.execute(update(t).where(t.c.username == "", t.c.source == source, t.c.attempts > 0).values(
        attempts=t.c.attempts - 1,
        locked_until=case((t.c.attempts - 1 < SOURCE_MAX_FAILURES, None), else_=t.c.locked_until)))


def login(engine: Engine, username: str, password: str, *, now: datetime | None = None,
          source: str = "web", client: str = "local") -> LoginResult:
    """Check a password under the lockout and throttle rules; on success start a session. `client`
    is where the attempt comes from (the client address). Audited either way.

    - A name tried and failed MAX_FAILURES times from one client is refused to that client for
      LOCKOUT, whether or not the account exists (same words as a lock). Other clients are not
      affected: nobody can keep an account locked for its holder by failing from elsewhere.
    - A client that failed SOURCE_MAX_FAILURES times over any names is refused for LOCKOUT.
    - Attempts are counted before the password is checked, atomically: concurrent guesses cannot
      get more than the limit checked. A refused attempt checks no password."""
    now = now or now_utc()
    username = (username or "").strip()[:64]
    client = (client or "unknown")[:64]
    acc, tries = None, 0
    if _count_attempt(engine, "", client, SOURCE_MAX_FAILURES, now) > SOURCE_MAX_FAILURES:
        result = LoginResult(False, THROTTLED_FAILURE, reason="throttled")
    elif username and (tries := _count_attempt(engine, username, client, MAX_FAILURES, now)) > MAX_FAILURES:
        result = LoginResult(False, LOCKED_FAILURE, reason="locked")
    else:
        acc = get_account(engine, username) if username else None
        matches = verify_password(acc.password_hash if acc else _DUMMY_HASH, password or "")
        if acc is not None and matches and acc.is_active:
            values = {"last_login_at": now}
            if _hasher.check_needs_rehash(acc.password_hash):
                values["password_hash"] = hash_password(password)
            with engine.begin() as conn:
                conn.execute(update(AppUser).where(AppUser.user_id == acc.user_id).values(**values))
                _forget_attempt(conn, username, client, now)
            result = LoginResult(True, "登录成功", reason="ok")
        else:
            why = "unknown" if acc is None else "wrong_password" if not matches else "disabled"
            locks = tries == MAX_FAILURES
            result = LoginResult(False, LOCKED_FAILURE if locks else GENERIC_FAILURE,
                                 reason="lockout" if locks and acc is not None else why)
    where = {"source": source, "client": client}
    if result.ok:
        token = start_session(engine, username, now=now)
        result = LoginResult(True, result.message, viewer_for_account(engine, acc), token, "ok")
        audit_trail.record(engine, username, "login", {**where, "role": result.viewer.role})
    else:
        audit_trail.record(engine, username or "(空)", "login_failed", {**where, "reason": result.reason})
        if result.reason == "lockout":
            audit_trail.record(engine, username, "account_locked",
                         {**where, "minutes": int(LOCKOUT.total_seconds() // 60)})
    return result


# ------------------------------------------------------------------ sessions and the cookie
def secret_key() -> bytes:
    """DASHBOARD_SECRET_KEY, else the key in data/secret_key (generated on first use, mode 0600)."""
    env = os.environ.get("DASHBOARD_SECRET_KEY", "").strip()
    if env:
        if len(env) < 32:
            raise RuntimeError("DASHBOARD_SECRET_KEY 至少需要 32 个字符")
        return env.encode()
    return _file_key(SECRET_FILE)


def _file_key(path: Path) -> bytes:
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
        finally:
            os.close(fd)
    return path.read_bytes().strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: str, key: bytes | None = None) -> str:
    """payload → `base64(payload).base64(HMAC-SHA256)`, the cookie value."""
    raw = payload.encode()
    mac = hmac.new(key or secret_key(), raw, hashlib.sha256).digest()
    return f"{_b64(raw)}.{_b64(mac)}"


def unsign(token: str, key: bytes | None = None) -> str | None:
    """The payload of a correctly signed token, else None."""
    try:
        body, mac = str(token).split(".", 1)
        raw = _unb64(body)
        expected = hmac.new(key or secret_key(), raw, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        return raw.decode()
    except (ValueError, UnicodeDecodeError):
        return None


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(engine: Engine, username: str, *, now: datetime | None = None,
                  lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new session for the account; returns the signed token for the cookie."""
    now = now or now_utc()
    session_id = secrets.token_urlsafe(32)
    expires = now + lifetime
    with engine.begin() as conn:
        conn.execute(UserSession.__table__.insert().values(
            session_hash=_session_hash(session_id), username=username, created_at=now,
            expires_at=expires, revoked_at=None))
    return sign(f"v1|{username}|{session_id}|{int(expires.timestamp())}")


def _parse(token: str) -> tuple[str, str, datetime] | None:
    payload = unsign(token) if token else None
    if payload is None:
        return None
    parts = payload.split("|")
    if len(parts) != 4 or parts[0] != "v1" or not parts[3].isdigit():
        return None
    return parts[1], parts[2], datetime.fromtimestamp(int(parts[3]))


def viewer_for_token(engine: Engine, token: str | None, *, now: datetime | None = None) -> Viewer | None:
    """The Viewer of a valid session token; None when forged, expired, revoked or the account is
    disabled (see the module docstring)."""
    parsed = _parse(token or "")
    if parsed is None:
        return None
    username, session_id, expires = parsed
    now = now or now_utc()
    if expires <= now:
        return None
    with engine.connect() as conn:
        row = conn.execute(_SESSION_ROW, {"session_hash": _session_hash(session_id), "username": username}).first()
    if row is None or not row.is_active or row.expires_at <= now:
        return None
    return viewer_for_account(engine, row, root=row.root)


# Every script run of every session checks its token (viewer_for_token): one query, built once — the
# session, its account and the root above the account's unit (the whole-tree roles' scope) together,
# instead of a statement built per run and a second query for the root.
_SESSION_ROW = (
    select(UserSession.expires_at, AppUser.username, AppUser.role, AppUser.unit_id, AppUser.is_active,
           func.coalesce(root_of(AppUser.unit_id).scalar_subquery(), AppUser.unit_id).label("root"))
    .join(AppUser, AppUser.username == UserSession.username)
    .where(UserSession.session_hash == bindparam("session_hash"), UserSession.username == bindparam("username"),
           UserSession.revoked_at.is_(None)))


def end_session(engine: Engine, token: str | None) -> None:
    """Logout: revoke the token's session (audited)."""
    parsed = _parse(token or "")
    if parsed is None:
        return
    username, session_id, _ = parsed
    with engine.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.session_hash == _session_hash(session_id),
                                               UserSession.revoked_at.is_(None))
                     .values(revoked_at=now_utc()))
    audit_trail.record(engine, username, "logout", {})


# ------------------------------------------------------------------ single sign-on
def oidc_username(claims, claim: str = "email") -> str | None:
    """The local account name an OpenID Connect identity signs in as: the value of `claim`, or
    None when it is missing — or, for the email claim, when the identity provider has not verified
    the address (`email_verified` must be true: an unverified address can be anyone's)."""
    name = str(claims.get(claim) or "").strip()
    if not name or (claim == "email" and claims.get("email_verified") is not True):
        return None
    return name


# ------------------------------------------------------------------ demo accounts and production mode
def ensure_demo_accounts(engine: Engine, units: set[str] | None = None) -> list[str]:
    """Create the demo accounts that are missing (an existing one is left as it is); with `units`,
    only those of the root or of one of these unit codes (another campaign's sample)."""
    made = []
    for username, role, unit, password in DEMO_ACCOUNTS:
        if unit is not None and units is not None and unit not in units:
            continue
        if get_account(engine, username) is None:
            create_account(engine, username, password, role, unit, by="demo",
                           display_name=f"示例{ROLES[role].label}")
            made.append(username)
    return made


def is_production() -> bool:
    """DASHBOARD_MODE=production."""
    return os.environ.get("DASHBOARD_MODE", "").strip().lower() == "production"


def unchanged_demo_passwords(engine: Engine) -> list[str]:
    """The active demo accounts whose password is still the published demo password."""
    out = []
    for username, _, _, password in DEMO_ACCOUNTS:
        acc = get_account(engine, username)
        if acc is not None and acc.is_active and verify_password(acc.password_hash, password):
            out.append(username)
    return out


PLACEHOLDER = "CHANGE-ME"  # every value deploy/env.example leaves to be replaced starts with it
_PRODUCTION_PASSED: set[str] = set()  # databases whose production check passed in this process


def production_problems(engine: Engine) -> list[str]:
    """What production mode refuses: a placeholder value of deploy/env.example left in a
    DASHBOARD_* or STREAMLIT_* variable, a signing key under 32 characters, and demo accounts that
    keep their published demo passwords (four argon2 checks: hence check_production runs once)."""
    problems = [f"环境变量 {name} 仍是 deploy/env.example 中的占位值（{PLACEHOLDER}…），请换成随机生成的值"
                for name, value in sorted(os.environ.items())
                if name.startswith(("DASHBOARD_", "STREAMLIT_")) and PLACEHOLDER in value]
    key = os.environ.get("DASHBOARD_SECRET_KEY", "").strip()
    if key and len(key) < 32:
        problems.append("DASHBOARD_SECRET_KEY 至少需要 32 个字符")
    left = unchanged_demo_passwords(engine) if inspect(engine).has_table("app_user") else []
    if left:
        problems.append("示例账号 " + "、".join(left) + " 仍在使用公开的演示密码。请先用 "
                        "`python -m dashboard user passwd 用户名` 修改密码，或用 "
                        "`python -m dashboard user disable 用户名` 停用这些账号")
    return problems


def check_production(engine: Engine) -> None:
    """In production mode, ProductionRefusal while anything of production_problems() holds. Runs
    once per process and database: the app's lifespan hook checks at start (a refusal stops the
    process), every later call returns at once. Only a pass over a database that has accounts is
    remembered (a first start that builds the sample county is checked again afterwards)."""
    if not is_production():
        return
    url = engine.url.render_as_string(hide_password=False)
    if url in _PRODUCTION_PASSED:
        return
    problems = production_problems(engine)
    if problems:
        raise ProductionRefusal("生产模式（DASHBOARD_MODE=production）下拒绝启动：" + "；".join(problems) + "。")
    if inspect(engine).has_table("app_user") and list_accounts(engine):
        _PRODUCTION_PASSED.add(url)
