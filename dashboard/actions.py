"""Every change of state goes through one door: the actions here. Pages and the command line call
only these to write; the importer, rollback, rollups and account functions below them take the
viewer explicitly and never stand in for one.

An action is a function `act(engine, viewer, …, via="web" | "cli")` declared with
`@action(code, permission)`: the door checks the named permission (access.py) for the viewer
before anything is read or written — like Datasette's write endpoints, which check a named
permission for the actor themselves — and a refusal raises PermissionError, writing nothing but
an `access_denied` audit row. The action then does its work and writes its audit row (`code`,
named in audit_trail.ACTIONS) inside the work's own transaction where the work is one transaction
(upload, rollback, rebuild-rollups, every account change: dashboard.auth writes the row the action
hands it in the change's transaction), so the row commits with the work or not at all. init-db is
alembic's own transactions, and the demo rebuild imports workbook after workbook: those rows follow
the work. An export's row follows its files: built, and on the command line written to disk.

REGISTRY lists every action with its permission; tests/test_actions.py enumerates it and proves
each one refuses a viewer without the permission and audits one with it, so an action added here
without a test case fails the suite. A new change of state is one more `@action` function here, its
permission named in access.py (PERMISSION_LABELS, and the roles that hold it) and its name in
audit_trail.ACTIONS — as the status of the campaign's work items (mark_work_item) was added.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import Connection, Engine

from . import audit_trail, auth, rollups
from .access import (EXPORT, MAINTAIN, MANAGE_ACCOUNTS, MARK_WORK_ITEMS, PERMISSION_LABELS, REBUILD_DEMO,
                     ROLLBACK, UPLOAD, Viewer, require)
from .campaign import CampaignConf, prepare
from .demo import build_demo
from .exports import StageSummary, build_summary, render
from .exports.pdf import PdfUnavailable
from .importer import ImportResult, import_workbook, rollback_batch
from .work_status import WorkItemError, record_status  # noqa: F401  (WorkItemError: callers catch actions.WorkItemError)


@dataclass(frozen=True)
class Call:
    """One call of an action: the database, who asks, through which door (web | cli), and the
    action's audit code."""
    engine: Engine
    viewer: Viewer
    via: str
    code: str

    def audit(self, detail: dict, conn: Connection | None = None) -> None:
        """The action's audit row: in `conn`'s transaction when given, else on its own."""
        detail = {"source": self.via, **detail}
        if conn is None:
            audit_trail.record(self.engine, self.viewer.username, self.code, detail)
        else:
            audit_trail.write(conn, self.viewer.username, self.code, detail)

    def audit_row(self, conn: Connection, detail: dict) -> None:
        """The action's audit row in `conn`'s transaction (the `on_write` hook of dashboard.auth)."""
        self.audit(detail, conn)


@dataclass(frozen=True)
class Action:
    """A registered action: its audit code, the permission it needs, and the door to call."""
    code: str
    permission: str
    door: Callable[..., Any]


REGISTRY: dict[str, Action] = {}


def action(code: str, permission: str):
    """Register `work(call, …)` as the action `code` behind a door that checks `permission`."""
    assert code in audit_trail.ACTIONS and permission in PERMISSION_LABELS and code not in REGISTRY, code

    def register(work):
        @functools.wraps(work)
        def door(engine: Engine, viewer: Viewer, *args, via: str = "web", **kwargs):
            try:
                require(viewer, permission)
                return work(Call(engine, viewer, via, code), *args, **kwargs)
            except PermissionError as exc:  # the role, or a scope or rule the work itself checks
                audit_trail.record(engine, viewer.username, "access_denied",
                             {"source": via, "action": code, "reason": str(exc)})
                raise
        REGISTRY[code] = Action(code, permission, door)
        return door
    return register


# ------------------------------------------------------------------ uploads
@action("upload", UPLOAD)
def upload(call: Call, source: str | Path | bytes, *, file_name: str | None = None,
           dry_run: bool = False, uploader: str | None = None,
           uploaded_at: datetime | None = None) -> ImportResult:
    """A monthly workbook checked against the viewer's units and, unless a dry run, loaded. Every
    real upload is audited, a rejected or unchanged one too (dry runs are not)."""
    def audited(conn: Connection | None, result: ImportResult) -> None:
        call.audit({"file": result.file_name, "status": result.status, "batch_id": result.batch_id,
                    "rows": result.rows, "errors": len(result.errors)}, conn)
    result = import_workbook(call.engine, source, viewer=call.viewer, uploader=uploader or call.viewer.username,
                             dry_run=dry_run, file_name=file_name, uploaded_at=uploaded_at,
                             on_write=None if dry_run else audited)
    if not dry_run and result.status != "imported":  # nothing was written: the row stands alone
        audited(None, result)
    return result


@action("rollback", ROLLBACK)
def roll_back(call: Call, batch_id: int) -> None:
    """Undo one upload of the viewer's units (RollbackError when it cannot be undone)."""
    rollback_batch(call.engine, batch_id, call.viewer,
                   on_write=lambda conn: call.audit({"batch_id": batch_id}, conn))


# ------------------------------------------------------------------ exports
@dataclass
class Export:
    """A stage summary and its files by format; `problems` says why a format could not be made."""
    summary: StageSummary
    files: dict[str, bytes]
    problems: dict[str, str]


RENDERING = {"xlsx": "正在生成 Excel 数据表…", "docx": "正在生成 Word 总结（含图表）…",
             "pdf": "正在转换 PDF（LibreOffice）…"}


@action("export", EXPORT)
def export(call: Call, conf: CampaignConf, *, formats: tuple[str, ...], phase=None, month: str | None = None,
           unit=None, as_of: date | None = None, progress: Callable[[float, str], None] | None = None,
           deliver: Callable[[Export], None] | None = None) -> Export:
    """The stage summary of a phase or month for a unit of the viewer's, in each format (the
    briefing's docx is reused for its PDF). Audited when any file was made, and only once
    `deliver` (the command line's writing of the file) has returned: when it raises, no row claims
    an export that never reached its file."""
    step = progress or (lambda fraction, text: None)
    summary = build_summary(call.engine, conf, call.viewer, phase=phase, month=month, unit=unit, as_of=as_of,
                            progress=lambda fraction, text: step(0.4 * fraction, text))
    files, problems = {}, {}
    for i, fmt in enumerate(formats):
        step(0.45 + 0.5 * i / len(formats), RENDERING[fmt])
        try:
            files[fmt] = render(summary, fmt, docx=files.get("docx"))
        except PdfUnavailable as exc:
            problems[fmt] = str(exc)
    made = Export(summary, files, problems)
    if files:
        if deliver:
            deliver(made)
        call.audit({"formats": sorted(files), "unit": summary.unit_code, "window": summary.window.label,
                    "from": summary.window.start_date, "to": summary.window.end_date, "as_of": summary.as_of})
    return made


# ------------------------------------------------------------------ accounts
def _not_own(call: Call, username: str, what: str) -> None:
    """An account holder may not change their own role or switch themselves off: an administrator
    who made themselves leader would see the exam takers' names the role masks for them."""
    if call.viewer.role != "system" and (username or "").strip() == call.viewer.username:
        raise PermissionError(f"不能{what}自己正在使用的账号，请由另一位管理员操作")


@action("user_add", MANAGE_ACCOUNTS)
def add_account(call: Call, username: str, password: str, role: str, unit=None, *,
                display_name: str | None = None):
    """A new active account (auth.AccountError for a bad name, role, unit or password)."""
    return auth.create_account(call.engine, username, password, role, unit, by=call.viewer.username,
                               display_name=display_name, on_write=call.audit_row)


@action("user_passwd", MANAGE_ACCOUNTS)
def change_password(call: Call, username: str, password: str) -> None:
    """A new password: the lock is lifted and every session of the account ends."""
    auth.set_password(call.engine, username, password, by=call.viewer.username, on_write=call.audit_row)


@action("user_update", MANAGE_ACCOUNTS)
def change_role(call: Call, username: str, *, role: str, unit=None) -> None:
    """Another account's role and unit."""
    _not_own(call, username, "修改")
    auth.update_account(call.engine, username, role=role, unit=unit, by=call.viewer.username,
                        on_write=call.audit_row)


@action("user_disable", MANAGE_ACCOUNTS)
def disable_account(call: Call, username: str) -> None:
    """Another account disabled; its sessions end at once."""
    _not_own(call, username, "停用")
    auth.set_active(call.engine, username, False, by=call.viewer.username, on_write=call.audit_row)


@action("user_enable", MANAGE_ACCOUNTS)
def enable_account(call: Call, username: str) -> None:
    """A disabled account enabled again."""
    auth.set_active(call.engine, username, True, by=call.viewer.username, on_write=call.audit_row)


@action("user_unlock", MANAGE_ACCOUNTS)
def unlock_account(call: Call, username: str) -> None:
    """A lockout lifted now."""
    auth.unlock(call.engine, username, by=call.viewer.username, on_write=call.audit_row)


# ------------------------------------------------------------------ the campaign's work items
@action("work_item_mark", MARK_WORK_ITEMS)
def mark_work_item(call: Call, conf: CampaignConf, item_code: str, status: str, *,
                   done_date: date | None = None, note: str | None = None,
                   now: datetime | None = None) -> dict:
    """The office's status of one of the campaign file's work items (未开始 / 进行中 / 已完成): the
    row replaced and the audit row written in one transaction (work_status.record_status; a bad
    code, status or date raises WorkItemError). Returns the stored row."""
    def audited(conn: Connection, row: dict) -> None:
        call.audit({"campaign": conf.code, "item": row["item_code"], "status": status,
                    "done_date": row["done_date"], "note": row["note"]}, conn)
    return record_status(call.engine, call.viewer, conf, item_code, status, done_date=done_date,
                         note=note, now=now, on_write=audited)


# ------------------------------------------------------------------ the database itself
@action("init_db", MAINTAIN)
def init_database(call: Call, conf: CampaignConf) -> None:
    """Create or upgrade the schema and configure the campaign."""
    prepare(call.engine, conf)
    call.audit({"campaign": conf.code})


@action("rebuild_rollups", MAINTAIN)
def recompute_rollups(call: Call) -> dict[str, int]:
    """Every rollup recomputed from the records; rollup table → rows."""
    return rollups.rebuild(call.engine, on_write=lambda conn, counts: call.audit({"rows": counts}, conn))


@action("demo", REBUILD_DEMO)
def rebuild_demo(call: Call, conf: CampaignConf, *, force: bool = False,
                 sample_dir: str | Path | None = None) -> str:
    """The sample county database (with `force`, every record replaced: never in production)."""
    if force and auth.is_production():
        raise PermissionError("生产模式（DASHBOARD_MODE=production）下不能重建示例县数据（--force 会删除全部上报数据）")
    summary = build_demo(call.engine, conf, force=force, sample_dir=sample_dir)
    call.audit({"campaign": conf.code, "force": force, "result": summary.splitlines()[0]})
    return summary
