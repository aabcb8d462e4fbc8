"""The sample county database: every workbook of `sample_data/workbooks/` through the importer.

`python -m dashboard demo [--force]` and the app's first start call `build_demo`. The workbooks are
imported in month order, then unit order, each with the time its clerk uploaded it (the 2nd–4th of
the following month, a few late ones on the 8th–12th), exactly as real uploads would arrive; one
month of one unit (DEMO_MISSING) is left out so that reporting completeness has a gap to show.
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
from .campaign import CampaignConf, prepare
from .db import PROJECT_DIR
from .models import Base, Enterprise, UploadBatch

SAMPLE_DIR = PROJECT_DIR / "sample_data" / "workbooks"
GENERATOR = PROJECT_DIR / "sample_data" / "generate.py"
SAMPLE_CAMPAIGN = "dongtai-2023"  # the campaign whose org units the sample workbooks name
DEMO_MISSING = ("2023-10", "DT10")  # 唐洋分局 never sent its October report
KEEP_TABLES = {"org_unit", "org_unit_closure", "campaign", "phase", "target", "alembic_version",
               "app_user", "user_session", "audit_event"}  # accounts and the audit log survive --force
FILE_NAME = re.compile(r"^(\d{4}-\d{2})_([A-Z]+\d+)_.+\.xlsx$")


class DemoImportError(RuntimeError):
    """A sample workbook was rejected: the sample must always import cleanly."""


@lru_cache(maxsize=1)
def sample_generator() -> ModuleType:
    """sample_data/generate.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("sample_data_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def demo_files(sample_dir: str | Path | None = None) -> list[tuple[Path, str, str]]:
    """(path, month, unit code) of every workbook the demo imports, in import order; the folder is
    generated first when it holds no workbooks."""
    folder = Path(sample_dir) if sample_dir else SAMPLE_DIR
    if not any(folder.glob("*.xlsx")):
        sample_generator().generate(folder)
    found = []
    for path in folder.glob("*.xlsx"):
        match = FILE_NAME.match(path.name)
        if match and (match[1], match[2]) != DEMO_MISSING:
            found.append((path, match[1], match[2]))
    return sorted(found, key=lambda f: (f[1], f[2]))


def has_records(engine: Engine) -> bool:
    """True when any upload or enterprise is already in the database."""
    with engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(UploadBatch)).scalar_one()
        enterprises = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
    return bool(batches or enterprises)


def empty_records(engine: Engine) -> None:
    """Delete every record and upload batch, children first; configuration tables stay."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                conn.execute(delete(table))


def build_demo(engine: Engine, conf: CampaignConf, *, force: bool = False,
               sample_dir: str | Path | None = None) -> str:
    """Build the sample county database; return a Chinese summary. Without `force` an existing
    database is left alone; with it, all records and batches are deleted first."""
    from .importer.load import import_workbook

    if conf.code != SAMPLE_CAMPAIGN:
        raise DemoImportError(f"示例县数据只适用于行动“{SAMPLE_CAMPAIGN}”，当前行动为“{conf.code}”")
    prepare(engine, conf)
    if has_records(engine):
        if not force:
            return "数据库中已有上报数据，未做任何改动（如需重建示例县数据库，请加 --force）"
        empty_records(engine)
    upload_time = sample_generator().upload_time
    rows: dict[str, int] = {}
    files = demo_files(sample_dir)
    county = system_viewer(engine, conf.root.code)  # each unit's clerk, uploading within the county
    for path, month, unit in files:
        result = import_workbook(engine, path, viewer=county, uploader=f"{unit.lower()}_clerk",
                                 file_name=path.name, uploaded_at=upload_time(month, unit))
        if result.status == "rejected":
            raise DemoImportError(f"示例工作簿 {path.name} 未能导入：\n{result.to_text()}")
        for sheet, count in result.rows.items():
            rows[sheet] = rows.get(sheet, 0) + count
    refresh_statistics(engine)
    from .auth import ensure_demo_accounts
    ensure_demo_accounts(engine)
    return _summary(engine, files, rows)


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE after the bulk load on PostgreSQL: until autovacuum gets to the freshly filled tables
    the planner believes them empty and the target queries take seconds instead of milliseconds.
    (SQLite plans these queries no better with statistics, so it is left alone.)"""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _summary(engine: Engine, files: list, rows: dict[str, int]) -> str:
    with engine.connect() as conn:
        enterprises = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
    month, unit = DEMO_MISSING
    detail = "，".join(f"{sheet} {count}" for sheet, count in rows.items())
    return (f"示例县数据库已建成：导入 {len(files)} 个月报工作簿，共 {sum(rows.values())} 行"
            f"（{detail}），企业 {enterprises} 家。\n"
            f"（为演示上报完整性，{unit} {month} 的月报未导入，可用 import 命令补报。）")
