"""A small county with an account of every role (the `accounts_county` fixture of tests/conftest.py),
for the tests of who may do what: the actions, the command line's --as, the account page."""
from __future__ import annotations

import functools
from datetime import datetime

from dashboard.access import resolve_unit, system_viewer, viewer_for_username
from dashboard.auth import hash_password
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook
from dashboard.models import AppUser, LoginThrottle

from tests.builders import registry, sampling, sampling_row, xlsx

ACCOUNTS_PASSWORD = "correct horse 1"
ACCOUNTS = (("admin", "admin", None), ("leader", "leader", None), ("dt03_chief", "chief", "DT03"),
            ("dt03_clerk", "clerk", "DT03"), ("dt03_other", "clerk", "DT03"), ("gone", "clerk", "DT03"))


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(ACCOUNTS_PASSWORD)  # once: argon2 is slow by design


class AccountsCounty:
    """An empty county with one DT03 upload (batch_id), an account of every role (password
    ACCOUNTS_PASSWORD; dt03_other locked, gone disabled), a DT03 workbook not yet uploaded
    (workbook) and a one-workbook sample folder for the demo (sample_dir)."""

    def __init__(self, engine, tmp_path):
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)
        operator = system_viewer(engine)
        self.batch_id = import_workbook(engine, xlsx(registry(2, unit="安丰分局"), sampling([sampling_row("S2", 2)])),
                                        viewer=operator, uploader="t").batch_id
        now = datetime(2023, 5, 1)
        with engine.begin() as conn:
            conn.execute(AppUser.__table__.insert(), [{
                "username": u, "role": role, "unit_id": resolve_unit(engine, unit).unit_id,
                "password_hash": _password_hash(), "is_active": u != "gone",
                "password_changed_at": now, "created_at": now, "created_by": "test"} for u, role, unit in ACCOUNTS])
            conn.execute(LoginThrottle.__table__.insert().values(  # dt03_other locked at one client
                username="dt03_other", source="10.0.0.9", attempts=5, locked_until=datetime(2099, 1, 1),
                updated_at=now))
        self.viewers = {u: viewer_for_username(engine, u) for u, _, _ in ACCOUNTS if u != "gone"}
        self.viewers["system"] = operator
        self.workbook = xlsx(sampling([sampling_row("S3", 2)]))
        self.sample_dir = tmp_path / "sample"
        self.sample_dir.mkdir()
        (self.sample_dir / "2023-05_DT03_安丰分局.xlsx").write_bytes(
            xlsx(registry(3, unit="安丰分局"), sampling([sampling_row("D3", 3)])))

    def state(self) -> dict:
        """Every table but the audit log (table_snapshot already leaves out the stored figures: an
        export stores what it counts, not data it changes); phases and targets without their surrogate ids, which
        every command's campaign sync renumbers on PostgreSQL (sequences do not reuse ids)."""
        snap = table_snapshot(self.engine)
        snap.pop("audit_event")
        for table in ("phase", "target"):
            snap[table] = sorted(row[1:] for row in snap[table])
        return snap
