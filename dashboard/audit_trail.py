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

from .access import role_info
from .models import AuditEvent

# The actions written, with their Chinese names for the audit page.
ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "account_locked": "账号锁定", "logout": "退出登录",
    "upload": "上报导入", "rollback": "撤销上报", "export": "导出",
    "user_add": "新建账号", "user_passwd": "修改密码", "user_disable": "停用账号",
    "user_enable": "启用账号", "user_update": "修改角色或单位", "user_unlock": "解锁账号",
    "access_denied": "越权访问被拒",
    "init_db": "初始化或升级数据库", "rebuild_rollups": "重算汇总表", "demo": "重建示例县数据",
    "work_item_mark": "标记行动工作任务",
}
# A row's detail in Chinese for the audit page: its keys, and the coded values of some (a key or a
# value not listed here is shown as written).
DETAIL_KEYS = {
    "account": "账号", "role": "角色", "unit_id": "单位编号", "unit": "单位", "source": "来源",
    "client": "客户端地址", "reason": "原因", "minutes": "锁定分钟数", "file": "文件", "status": "状态",
    "batch_id": "批次", "rows": "行数", "errors": "错误数", "formats": "格式", "window": "区间",
    "from": "起", "to": "止", "as_of": "数据截至", "campaign": "行动", "force": "强制重建",
    "result": "结果", "action": "操作", "item": "工作任务代码", "done_date": "完成日期", "note": "备注",
}
_SOURCES = {"web": "网页", "cli": "命令行", "oidc": "统一身份认证"}
_REASONS = {"ok": "成功", "unknown": "无此账号", "wrong_password": "密码错误", "disabled": "账号已停用",
            "lockout": "连续失败被锁定"}


def detail_value(key: str, value) -> str:
    """One detail value as a reader sees it: roles, sources, reasons, actions and yes/no in Chinese."""
    if key == "role":
        try:
            return role_info(str(value)).label
        except KeyError:
            return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    table = {"source": _SOURCES, "reason": _REASONS, "action": ACTIONS}.get(key, {})
    return table.get(value, str(value)) if isinstance(value, str) else str(value)


def detail_text(detail: dict) -> str:
    """A row's detail as 账号：dt03_clerk；角色：填报员 (keys in DETAIL_KEYS' words)."""
    return "；".join(f"{DETAIL_KEYS.get(k, k)}：{detail_value(k, v)}" for k, v in detail.items())


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
