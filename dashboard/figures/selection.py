"""What a figure is about — the campaign, the viewer, the unit, the window and the as-of date —
resolved once into a Selection that every figure function of this package takes.

`select` reads the viewer's units (one query, or none when the caller already holds them), applies
the defaults (the viewer's own unit, the campaign to date, the window's as-of date) and checks the
unit against the viewer's scope: a unit outside the viewer's subtree raises PermissionError. A
page run, an export or a command resolves once and derives the other windows, dates or units it
shows with `Selection.at` and `Selection.of`, which read nothing: the units were read by `select`,
so the scope check of another unit needs no query either. No figure function resolves again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy.engine import Engine

from ..access import Viewer, resolve_unit
from ..campaign import CampaignConf, campaign_window
from ..db import execute
from ..periods import Window, month_start, whole_months


@dataclass(frozen=True, eq=False)
class Selection:
    """One campaign, viewer, unit, window and as-of date, resolved and checked against the
    viewer's scope. Hashed and compared by `key` (the viewer by its access), so the UI's caches
    share one entry between sessions of the same access."""
    conf: CampaignConf
    viewer: Viewer
    unit: dict  # the org unit row (unit_id, code, name, parent_id, depth, sort_order)
    window: Window
    as_of: date
    scope: tuple[dict, ...] = field(repr=False)  # every unit the viewer may see, in sort_order

    @cached_property
    def children(self) -> tuple[dict, ...]:
        """The units directly below the unit, in sort_order."""
        return tuple(u for u in self.scope if u["parent_id"] == self.unit["unit_id"])

    @cached_property
    def parents(self) -> dict[str, str | None]:
        """Unit code → parent code, for every unit in scope."""
        codes = {u["unit_id"]: u["code"] for u in self.scope}
        return {u["code"]: codes.get(u["parent_id"]) for u in self.scope}

    @cached_property
    def params(self) -> dict:
        """The bound parameters every query of the engine understands."""
        return query_params(self.conf, self.viewer, self.window, self.as_of)

    @property
    def key(self) -> tuple:
        """What the figures depend on: the campaign, the viewer's access (role, scope, personal
        data), the unit, the window's days and the as-of date."""
        return (self.conf.code, self.viewer.access, self.unit["code"], self.window.start_date,
                self.window.end_date, self.as_of)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other) -> bool:
        return isinstance(other, Selection) and self.key == other.key

    def report_units_of(self, unit_code: str) -> list[str]:
        """The unit and each of its ancestors in scope: the report units a member counts for."""
        out = []
        while unit_code is not None:
            out.append(unit_code)
            unit_code = self.parents.get(unit_code)
        return out

    def at(self, window: Window | None = None, *, as_of: date | None = None) -> Selection:
        """The same viewer and unit over another window and/or as-of date (None keeps it)."""
        return Selection(self.conf, self.viewer, self.unit, window or self.window, as_of or self.as_of,
                         self.scope)

    def of(self, unit) -> Selection:
        """The same window and date for another unit (code, id or row) of the viewer's scope;
        a unit outside it raises PermissionError. Reads nothing."""
        found = _in_scope(self.scope, unit)
        if found is None:
            raise _refused(unit)
        return Selection(self.conf, self.viewer, found, self.window, self.as_of, self.scope)


def select(engine: Engine, conf: CampaignConf, viewer: Viewer, *, unit=None,
           window: Window | None = None, as_of: date | None = None,
           scope: Iterable[dict] | None = None) -> Selection:
    """Resolve a selection once. Defaults: the viewer's scope unit, the campaign to date, the
    window's as_of. `unit` is a code, a name, an id or an OrgUnit; outside the viewer's subtree it
    raises PermissionError (an unknown one LookupError). `scope`: the viewer's unit rows
    (scope_units) when the caller has already read them; otherwise they are read here."""
    rows = tuple(sorted(scope if scope is not None else scope_units(engine, viewer).values(),
                        key=lambda r: r["sort_order"]))
    found = _in_scope(rows, viewer.scope_unit_id if unit is None else unit)
    if found is None:
        if isinstance(unit, (str, int)):
            resolve_unit(engine, unit)  # an unknown unit is a LookupError, not a refusal
        raise _refused(unit)
    window = window or campaign_window(conf)
    return Selection(conf, viewer, found, window, as_of or window.as_of(), rows)


def _in_scope(rows: tuple[dict, ...], unit) -> dict | None:
    """The scope's row for a code, name, id, row or OrgUnit; None when it is not in scope."""
    if isinstance(unit, dict):
        unit = unit["unit_id"]
    if isinstance(unit, str):
        text = unit.strip()
        return next((r for r in rows if r["code"] == text), None) or \
            next((r for r in rows if r["name"] == text), None)
    unit_id = unit if isinstance(unit, int) else unit.unit_id
    return next((r for r in rows if r["unit_id"] == unit_id), None)


def _refused(unit) -> PermissionError:
    label = getattr(unit, "name", None) or (unit.get("name") if isinstance(unit, dict) else unit)
    return PermissionError(f"无权查看“{label}”的数据：该单位不在您的管辖范围内")


def scope_units(engine: Engine, viewer: Viewer) -> dict[int, dict]:
    """unit_id → org unit row, for every unit the viewer may see, in sort_order."""
    rows = execute(engine, "scope_units", scope_unit_id=viewer.scope_unit_id)
    return {r["unit_id"]: r for r in sorted(rows, key=lambda r: r["sort_order"])}


def query_params(conf: CampaignConf, viewer: Viewer, window: Window, as_of: date) -> dict:
    """The bound parameters of every engine query, dates computed here, never in SQL."""
    # Records dated after as_of never count, so the window's end is clipped to it here, once.
    to_date = min(window.end_date, as_of)
    # own_only 0: a report unit's whole subtree (dashboard.figures.stored binds 1 for a unit's own count)
    return {"scope_unit_id": viewer.scope_unit_id, "own_only": 0, "as_of": as_of,
            "from_date": window.start_date, "to_date": to_date,
            "from_month_date": month_start(window.start_date),
            "campaign_start_date": conf.start_date,
            **whole_months(window.start_date, to_date)}
