"""The writer lock: uploads, rollbacks and the writes that empty the stored figures run one at a
time across threads and app processes (dashboard.importer.load, dashboard.figures.stored: change
numbers rise in commit order). A module of its own: both import it, and the importer imports the
store."""
from __future__ import annotations

from sqlalchemy import delete, text
from sqlalchemy.engine import Connection

from .models import CommittedUpload

WRITER_LOCK_KEY = 7_2023_0301  # PostgreSQL advisory lock shared by every upload and rollback
WRITER_LOCK_TIMEOUT = "120s"


def lock_writers(conn: Connection) -> None:
    """Serialise uploads and rollbacks across threads and app processes, for the rest of the
    caller's transaction: PostgreSQL takes a transaction advisory lock (waiting up to
    WRITER_LOCK_TIMEOUT); SQLite takes its write lock now, with a no-op write, so the planning
    reads that follow already see every earlier upload (busy_timeout bounds the wait). A wait
    that times out raises OperationalError."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITER_LOCK_TIMEOUT}'")  # a constant
        conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": WRITER_LOCK_KEY})
    else:
        conn.execute(delete(CommittedUpload).where(CommittedUpload.sha256 == ""))
