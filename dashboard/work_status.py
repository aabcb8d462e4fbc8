"""The office's status of one of the campaign file's work items, written (no permission check: the
door is dashboard.actions.mark_work_item, which checks MARK_WORK_ITEMS and passes its audit row as
`on_write`). Like the importer below actions.upload, this takes the viewer explicitly: the sample
county's builder (dashboard.demo) records the office's statuses through it too, so a sample status
passes the same checks as one marked on the page."""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection, Engine

from .access import Viewer
from .campaign import CampaignConf
from .figures.work_ledger import DONE, STATUSES
from .models import WorkItemStatus


class WorkItemError(ValueError):
    """A work-item status that cannot be recorded (unknown code or status, a 完成日期 in the future)."""


def record_status(engine: Engine, viewer: Viewer, conf: CampaignConf, item_code: str, status: str, *,
                  done_date: date | None = None, note: str | None = None, now: datetime | None = None,
                  on_write: Callable[[Connection, dict], None] | None = None) -> dict:
    """未开始 / 进行中 / 已完成 of one work item: the row replaced (and `on_write`'s audit row written)
    in one transaction. 已完成 takes its 完成日期 (today when none is given); the other statuses keep
    none. Returns the stored row."""
    now = now or datetime.now().replace(microsecond=0)
    row = _checked_row(conf, item_code, status, done_date, now)
    row.update(note=(note or "").strip()[:1000] or None, updated_at=now, updated_by=viewer.username)
    with engine.begin() as conn:
        table = WorkItemStatus.__table__
        conn.execute(delete(table).where(table.c.campaign_code == conf.code, table.c.item_code == row["item_code"]))
        conn.execute(insert(table).values(**row))
        if on_write is not None:
            on_write(conn, row)
    return row


def _checked_row(conf: CampaignConf, item_code: str, status: str, done_date: date | None, now: datetime) -> dict:
    """The row's code, status and 完成日期, or WorkItemError saying in Chinese what is wrong."""
    item = next((w for w in conf.work_items if w.code == item_code), None)
    if item is None:
        raise WorkItemError(f"行动“{conf.name}”没有代码为“{item_code}”的工作任务")
    if status not in STATUSES:
        raise WorkItemError(f"完成情况须是 {'、'.join(STATUSES)} 之一，而不是“{status}”")
    done = (done_date or now.date()) if status == DONE else None
    if done is not None and done > now.date():
        raise WorkItemError(f"完成日期 {done} 晚于今天")
    return {"campaign_code": conf.code, "item_code": item.code, "status": status, "done_date": done}
