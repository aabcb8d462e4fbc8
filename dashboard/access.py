"""Who is looking: the viewer whose org-unit subtree every query is limited to.

The command line acts with full rights (the root unit); accounts and roles come with the access
issue and plug in here, so queries never change.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .models import OrgUnit


@dataclass(frozen=True)
class Viewer:
    """The person (or job) a query runs for; scope_unit_id bounds every row they may see."""
    username: str
    role: str  # admin | leader | chief | clerk | system
    scope_unit_id: int  # the viewer sees this unit and everything below it
    can_see_personal_data: bool = True


def resolve_unit(engine: Engine, unit: str | int | None) -> OrgUnit:
    """An org unit by code or name (or id); None → the root."""
    with engine.connect() as conn:
        if unit is None:
            stmt = select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.unit_id)
        elif isinstance(unit, int):
            stmt = select(OrgUnit).where(OrgUnit.unit_id == unit)
        else:
            u = str(unit).strip()
            stmt = select(OrgUnit).where((OrgUnit.code == u) | (OrgUnit.name == u))
        row = conn.execute(stmt).first()
    if row is None:
        raise LookupError(f"没有这个单位：{unit}")
    return OrgUnit(**{c: getattr(row, c) for c in row._fields})


def system_viewer(engine: Engine, root_code: str | None = None) -> Viewer:
    """Full rights over a campaign's tree (root_code; default: the first root configured)."""
    return Viewer("system", "system", resolve_unit(engine, root_code).unit_id)
