"""A campaign's sample database: every workbook of its sample folder through the importer.

The campaign file's `sample:` names the folder (`sample_data/workbooks/` for the sample county,
`sample_data/xinjiang/` for the sample region), the script that writes it (its `generate(folder)`
and `upload_time(month, unit)`), and optionally one month of one unit left out so that reporting
completeness has a gap to show (DEMO_MISSING for the sample county).

`python -m dashboard [--campaign CODE] demo [--force]` and the app's first start call `build_demo`.
The workbooks are imported in month order, then unit order, each with the time its clerk uploaded it,
exactly as real uploads would arrive; then the office's statuses of the campaign's own work items
that the generator carries (`office_statuses()`, optional) are recorded. Several campaigns' samples
can live in one database.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine

from .access import system_viewer
from .auth import DEMO_ACCOUNTS, ensure_demo_accounts
from .campaign import DEFAULT_CAMPAIGN, CampaignConf, load_campaign, prepare
from .db import PROJECT_DIR
from .figures import stored
from .importer.load import import_workbook
from .models import Base, Enterprise, OrgUnit, OrgUnitClosure, UploadBatch
from .writelock import lock_writers
from .work_status import record_status

SAMPLE_DIR = PROJECT_DIR / "sample_data" / "workbooks"
GENERATOR = PROJECT_DIR / "sample_data" / "generate.py"
KEEP_TABLES = {"org_unit", "org_unit_closure", "campaign", "phase", "target", "alembic_version",
               "app_user", "user_session", "audit_event"}  # accounts and the audit log survive --force
FILE_NAME = re.compile(r"^(\d{4}-\d{2})_([A-Z]+\d+)_.+\.xlsx$")


class DemoImportError(RuntimeError):
    """A sample workbook was rejected: the sample must always import cleanly."""


def __getattr__(name: str):
    """DEMO_MISSING: (month, unit) the sample county leaves out, from its campaign file."""
    if name == "DEMO_MISSING":
        return missing_of(load_campaign(DEFAULT_CAMPAIGN))
    raise AttributeError(name)


def missing_of(conf: CampaignConf) -> tuple[str, str] | None:
    """The (month, unit) a campaign's demo leaves out, if any."""
    gap = (conf.extra.get("sample") or {}).get("missing")
    return (str(gap["month"]), str(gap["unit"])) if gap else None


@lru_cache(maxsize=4)
def sample_generator(path: Path = GENERATOR) -> ModuleType:
    """A sample generator script as a module (a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location(f"sample_data_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def demo_files(sample_dir: str | Path | None = None, *, conf: CampaignConf | None = None
               ) -> list[tuple[Path, str, str]]:
    """(path, month, unit code) of every workbook the demo of a campaign (default: the sample
    county's) imports, in import order; the folder is generated first when it holds no workbooks."""
    if conf is None:
        conf = load_campaign(DEFAULT_CAMPAIGN)
    folder, generator = sample_paths(conf)
    folder = Path(sample_dir) if sample_dir else folder
    if not any(folder.glob("*.xlsx")):
        sample_generator(generator).generate(folder)
    skip, found = missing_of(conf), []
    for path in folder.glob("*.xlsx"):
        match = FILE_NAME.match(path.name)
        if match and (match[1], match[2]) != skip:
            found.append((path, match[1], match[2]))
    return sorted(found, key=lambda f: (f[1], f[2]))


def sample_paths(conf: CampaignConf) -> tuple[Path, Path]:
    """The campaign's sample folder and generator script (DemoImportError when it has none)."""
    sample = conf.extra.get("sample")
    if not sample:
        raise DemoImportError(f"行动“{conf.code}”没有示例数据（行动配置中无 sample）")
    return PROJECT_DIR / sample["workbooks"], PROJECT_DIR / sample["generator"]


def has_records(engine: Engine, conf: CampaignConf | None = None) -> bool:
    """True when any upload or enterprise is already in the database (of the campaign's tree when
    given: several campaigns' samples share one database)."""
    with engine.connect() as conn:
        if conf is not None:
            units = select(OrgUnitClosure.descendant_id).join(
                OrgUnit, OrgUnit.unit_id == OrgUnitClosure.ancestor_id).where(OrgUnit.code == conf.root.code)
            return bool(conn.execute(select(func.count()).select_from(Enterprise)
                                     .where(Enterprise.unit_id.in_(units))).scalar_one())
        batches = conn.execute(select(func.count()).select_from(UploadBatch)).scalar_one()
        enterprises = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
    return bool(batches or enterprises)


def empty_records(engine: Engine) -> None:
    """Delete every record and upload batch, children first; configuration tables stay. The stored
    figures are emptied by their own module, which keeps their change numbers rising (a reader
    counting the old records must not store them as current). The writer lock first: on PostgreSQL
    a DELETE does not see an upload in flight, whose batch and records would outlive the emptying."""
    with engine.begin() as conn:
        lock_writers(conn)
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES and table.name not in stored.TABLES:
                conn.execute(delete(table))
        stored.empty(conn)


def build_demo(engine: Engine, conf: CampaignConf, *, force: bool = False,
               sample_dir: str | Path | None = None) -> str:
    """Build the campaign's sample database; return a Chinese summary. Without `force` a database
    already holding the campaign's records is left alone; with it, all records and batches are
    deleted first."""
    _, generator = sample_paths(conf)
    prepare(engine, conf)
    if has_records(engine, conf):
        if not force:
            return "数据库中已有该行动的上报数据，未做任何改动（如需重建示例数据库，请加 --force）"
        empty_records(engine)
    upload_time = sample_generator(generator).upload_time
    viewer = system_viewer(engine, conf.root.code)  # the sample's own tree, whatever else is there
    rows: dict[str, int] = {}
    files = demo_files(sample_dir, conf=conf)
    for path, month, unit in files:
        result = import_workbook(engine, path, viewer=viewer, uploader=f"{unit.lower()}_clerk",
                                 file_name=path.name, uploaded_at=upload_time(month, unit))
        if result.status == "rejected":
            raise DemoImportError(f"示例工作簿 {path.name} 未能导入：\n{result.to_text()}")
        for sheet, count in result.rows.items():
            rows[sheet] = rows.get(sheet, 0) + count
    # the 办公室's marks, made as the sample's administrator (an account a reader can find), not `system`
    admin = next(username for username, role, *_ in DEMO_ACCOUNTS if role == "admin")
    office = system_viewer(engine, conf.root.code, name=admin)
    statuses = record_office_statuses(engine, conf, office, sample_generator(generator))
    refresh_statistics(engine)
    ensure_demo_accounts(engine, {u.code for u, _, _ in conf.root.walk()})
    return _summary(engine, conf, files, rows) + (f"\n办公室已标记行动工作任务完成情况 {statuses} 项。" if statuses else "")


def record_office_statuses(engine: Engine, conf: CampaignConf, viewer, generator: ModuleType) -> int:
    """The office's statuses of the campaign's own work items that the sample's generator carries
    (its optional `office_statuses()`), each through the same write and checks as a status marked on
    the page (like the workbooks, without an audit row each: the demo action audits itself)."""
    statuses = getattr(generator, "office_statuses", list)()
    for status in statuses:
        record_status(engine, viewer, conf, **status)
    return len(statuses)


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE after the bulk load on PostgreSQL: until autovacuum gets to the freshly filled tables
    the planner believes them empty and the target queries take seconds instead of milliseconds.
    (SQLite plans these queries no better with statistics, so it is left alone.)"""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _summary(engine: Engine, conf: CampaignConf, files: list, rows: dict[str, int]) -> str:
    with engine.connect() as conn:
        enterprises = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
    detail = "，".join(f"{sheet} {count}" for sheet, count in rows.items())
    text = (f"示例数据库已建成（{conf.name}）：导入 {len(files)} 个月报工作簿，共 {sum(rows.values())} 行"
            f"（{detail}），企业 {enterprises} 家。")
    if missing_of(conf):
        month, unit = missing_of(conf)
        text += f"\n（为演示上报完整性，{unit} {month} 的月报未导入，可用 import 命令补报。）"
    return text
