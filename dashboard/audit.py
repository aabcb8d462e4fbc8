"""The audit log: who did what, when — logins, failed logins, lockouts, logouts, uploads,
rollbacks, exports and account changes (table audit_event).

`write(conn, username, action, detail)` writes a row inside the caller's transaction, so an
action's row commits with its work or not at all (dashboard.actions); `record(engine, …)` writes
one in a transaction of its own and never raises into the action it records (a failure to audit
is logged to stderr instead, the action itself has happened).
"""
from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from .models import AuditEvent

# The actions written, with their Chinese names for the audit page.
ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "account_locked": "账号锁定", "logout": "退出登录",
    "upload": "上报导入", "rollback": "撤销上报", "export": "导出",
    "user_add": "新建账号", "user_passwd": "修改密码", "user_disable": "停用账号",
    "user_enable": "启用账号", "user_update": "修改角色或单位", "user_unlock": "解锁账号",
    "access_denied": "越权访问被拒",
    "init_db": "初始化或升级数据库", "rebuild_rollups": "重算汇总表", "demo": "重建示例县数据",
}


def write(conn: Connection, username: str, action: str, detail: dict | None = None, *,
          at: datetime | None = None) -> None:
    """Write one audit row in the caller's transaction: who (username), when (now, UTC), what
    (action and a JSON detail)."""
    when = at or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    conn.execute(AuditEvent.__table__.insert().values(
        created_at=when, username=(username or "?")[:64], action=action[:40], detail_json=_json(detail)))


def _json(detail: dict | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, default=str, sort_keys=True)


def record(engine: Engine, username: str, action: str, detail: dict | None = None, *,
           at: datetime | None = None) -> None:
    """`write` in a transaction of its own, for what has already happened (logins, …)."""
    try:
        with engine.begin() as conn:
            write(conn, username, action, detail, at=at)
    except Exception as exc:  # noqa: BLE001 — auditing must not undo what already happened
        print(f"审计日志写入失败：{action} {username} {_json(detail)}：{exc}", file=sys.stderr)


def events(engine: Engine, *, action: str | None = None, username: str | None = None,
           from_date: date | None = None, to_date: date | None = None, limit: int = 1000) -> list[dict]:
    """Audit rows, newest first, optionally by action, account and day range; detail as a dict."""
    stmt = select(AuditEvent.__table__)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if username:
        stmt = stmt.where(AuditEvent.username == username)
    if from_date:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(from_date, datetime.min.time()))
    if to_date:
        stmt = stmt.where(AuditEvent.created_at < datetime.combine(to_date, datetime.max.time()))
    stmt = stmt.order_by(AuditEvent.event_id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        r["detail"] = json.loads(r.pop("detail_json") or "{}")
        r["action_name"] = ACTIONS.get(r["action"], r["action"])
    return rows
