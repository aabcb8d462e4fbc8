"""Scope is enforced in the data layer: every core function the pages (and exports) call returns
only rows of the viewer's org-unit subtree, and exam takers' names only to those who may see them.

The matrix: every role × every core call, on the sample county (SQLite; it has every kind of
record), checked by concrete records of other units — the enterprises of 城区分局 (DT01) and of
every other sub-bureau must be absent from everything a DT03 chief or clerk receives, while the
leadership receives them (a positive control: the probe can see them). Plus, on SQLite and
PostgreSQL, uploads and rollbacks limited to one's own unit.

Pages being built by other engineers are covered through the core functions they call:
CORE_CALLS holds them (upload_history, reporting_completeness, template enterprises, …) and
EXPORT_CALLS is the parametrisation for the stage-summary export — add it there when it exists.
"""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import text

from dashboard.access import (Viewer, check_rollback, mask_exam_label, mask_name, resolve_unit,
                              system_viewer)
from dashboard.campaign import load_campaign
from dashboard.db import execute
from dashboard.figures import breakdowns, exceptions as overview, pace, records
from dashboard.figures.gaps import missing_enterprises
from dashboard.figures.reporting import reporting_completeness, upload_history
from dashboard.figures.selection import select
from dashboard.figures.targets import TARGET_QUERIES, compute_targets, overdue_problems
from dashboard.periods import Window
from dashboard.templates import unit_enterprises

CONF = load_campaign()
AS_OF = date(2023, 11, 30)
WINDOW = Window(CONF.start_date, CONF.end_date, "")
ROLES = ("admin", "leader", "dt03_chief", "dt03_clerk")
SCOPED = ("dt03_chief", "dt03_clerk")  # the accounts of 安丰分局 (DT03)
TARGETS = tuple(TARGET_QUERIES)


# ------------------------------------------------------------------ the core calls a page or export makes
def in_window(eng, v, unit=None):
    """The Selection of WINDOW at AS_OF (the unit: the viewer's own by default)."""
    return select(eng, CONF, v, unit=unit, window=WINDOW, as_of=AS_OF)


def on_day(eng, v, unit=None):
    """The Selection of the campaign to date at AS_OF, for the calls that read only the date."""
    return select(eng, CONF, v, unit=unit, as_of=AS_OF)


def _completeness(eng, v):
    return reporting_completeness(eng, on_day(eng, v))


def _upload_history(eng, v):
    return upload_history(eng, v)


def _template_enterprises(eng, v):
    return unit_enterprises(eng, None, v)


CORE_CALLS = {
    "units": lambda eng, v: execute(eng, "scope_units", scope_unit_id=v.scope_unit_id),
    "targets": lambda eng, v: [f.to_json() for f in compute_targets(eng, CONF, v, window=WINDOW, as_of=AS_OF,
                                                                    by_unit=True)],
    **{f"figure_members:{t}": (lambda t: lambda eng, v: records.figure_members(
        eng, in_window(eng, v), target=t))(t) for t in TARGETS},
    **{f"missing:{t}": (lambda t: lambda eng, v: missing_enterprises(
        eng, in_window(eng, v), target=t))(t) for t in TARGETS},
    "overdue": lambda eng, v: overdue_problems(eng, on_day(eng, v)),
    "undisposed": lambda eng, v: overview.undisposed_samples(eng, on_day(eng, v)),
    "report_status": lambda eng, v: overview.report_status(eng, on_day(eng, v)),
    "sampling_rows": lambda eng, v: breakdowns.sampling_rows(eng, in_window(eng, v)),
    "problem_rows": lambda eng, v: breakdowns.problem_rows(eng, in_window(eng, v)),
    "trajectory": lambda eng, v: pace.trajectory(eng, on_day(eng, v), by_unit=True),
    "search": lambda eng, v: records.search_enterprises(eng, v, "东台市", limit=500),
    # pages other engineers are building (upload, history, completeness): their core calls
    "upload_history": _upload_history,
    "reporting_completeness": _completeness,
    "template_enterprises": _template_enterprises,
}

# The stage-summary export (議題 5) — lead: add ("name", lambda eng, viewer: <the export's rows or
# text>) here once dashboard's export function exists; each entry runs through the same matrix.
EXPORT_CALLS: dict = {}

# Core calls that take a unit: asking for another unit must raise PermissionError.
UNIT_CALLS = {
    "targets": lambda eng, v, u: compute_targets(eng, CONF, v, unit=u, window=WINDOW, as_of=AS_OF),
    "figure_members": lambda eng, v, u: records.figure_members(eng, in_window(eng, v, u), target="self_inspection"),
    "missing": lambda eng, v, u: missing_enterprises(eng, in_window(eng, v, u), target="self_inspection"),
    "overdue": lambda eng, v, u: overdue_problems(eng, on_day(eng, v, u)),
    "undisposed": lambda eng, v, u: overview.undisposed_samples(eng, on_day(eng, v, u)),
    "report_status": lambda eng, v, u: overview.report_status(eng, on_day(eng, v, u)),
    "sampling_rows": lambda eng, v, u: breakdowns.sampling_rows(eng, in_window(eng, v, u)),
    "problem_rows": lambda eng, v, u: breakdowns.problem_rows(eng, in_window(eng, v, u)),
    "trajectory": lambda eng, v, u: pace.trajectory(eng, on_day(eng, v, u)),
}


# ------------------------------------------------------------------ what belongs to whom in the sample county
def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=lambda o: getattr(o, "__dict__", str(o)))


def leaks(text_: str, probes: list[str]) -> list[str]:
    return [p for p in probes if p in text_]


# ------------------------------------------------------------------ the matrix
@pytest.mark.parametrize("call", [*CORE_CALLS, *EXPORT_CALLS])
@pytest.mark.parametrize("role", ROLES)
def test_every_core_call_returns_only_the_viewers_subtree(sample_county, role, call):
    fn = {**CORE_CALLS, **EXPORT_CALLS}[call]
    viewer = sample_county.viewers[role]
    out = dump(fn(sample_county.engine, viewer))
    foreign = sample_county.foreign("DT03")
    if role in SCOPED:
        assert leaks(out, foreign) == [], f"{role} receives other units' data from {call}"
    elif call in ("units", "search", "targets", "figure_members:self_inspection", "sampling_rows", "problem_rows",
                  "upload_history", "template_enterprises"):
        assert leaks(out, foreign), f"positive control: {role} should see other units in {call}"


@pytest.mark.parametrize("role", SCOPED)
def test_a_dt03_account_sees_dt03_figures_and_nothing_of_dt01(sample_county, role):
    viewer = sample_county.viewers[role]
    eng = sample_county.engine
    system = system_viewer(eng)
    own = compute_targets(eng, CONF, viewer, window=WINDOW, as_of=AS_OF)
    assert [f.to_json() for f in own] == \
        [f.to_json() for f in compute_targets(eng, CONF, system, unit="DT03", window=WINDOW, as_of=AS_OF)]
    dt01 = sample_county.dt01()
    assert records.enterprise_file(eng, viewer, dt01.credit_code) is None
    assert records.enterprise_file(eng, system, dt01.credit_code) is not None
    assert records.search_enterprises(eng, viewer, dt01.name) == []
    assert records.search_enterprises(eng, viewer, dt01.credit_code[:12]) == [] or all(
        r["unit_code"] == "DT03" for r in records.search_enterprises(eng, viewer, dt01.credit_code[:12]))
    assert records.search_enterprises(eng, viewer, dt01.name, unit="DT01") == []
    counts = {r["code"] for r in execute(eng, "scope_units", scope_unit_id=viewer.scope_unit_id)}
    assert counts == {"DT03"}


@pytest.mark.parametrize("call", UNIT_CALLS)
def test_asking_for_another_unit_is_refused(sample_county, call):
    viewer = sample_county.viewers["dt03_chief"]
    for unit in ("DT01", "DT", resolve_unit(sample_county.engine, "DT05").unit_id):
        with pytest.raises(PermissionError):
            UNIT_CALLS[call](sample_county.engine, viewer, unit)
    UNIT_CALLS[call](sample_county.engine, viewer, "DT03")  # its own unit is fine


# ------------------------------------------------------------------ personal data
MASKED = re.compile(r"^.\*+$")


def _exam_rows(sample_county, viewer):
    """Every exam taker's name as each core call hands it to the viewer."""
    eng = sample_county.engine
    names = []
    for e in sample_county.by_unit["DT03"]:
        file = records.enterprise_file(eng, viewer, e.credit_code)
        names += [r["person_name"] for r in file["sections"]["officer_exam"]]
    members = records.figure_members(eng, in_window(eng, viewer, "DT03"), target="officer_exam_pass")
    names += [m["member_label"].split("（")[0] for m in members]
    coverage = records.figure_members(eng, in_window(eng, viewer, "DT03"), target="officer_exam_coverage")
    names += [m["evidence_label"].split("：", 1)[1].split("（")[0] for m in coverage
              if (m["evidence_label"] or "").startswith("食安员抽考：")]
    missing = missing_enterprises(eng, in_window(eng, viewer, "DT03"), target="officer_exam_pass")
    names += [m["person_name"] for m in missing]
    return names


@pytest.mark.parametrize("role", ROLES)
def test_exam_takers_names_only_for_their_sub_bureau_and_the_leadership(sample_county, role):
    names = _exam_rows(sample_county, sample_county.viewers[role])
    assert len(names) > 20
    if role == "admin":
        assert all(MASKED.match(n) for n in names), names[:5]
        assert not set(names) & sample_county.exam_names
    else:
        assert set(names) <= sample_county.exam_names and not any(MASKED.match(n) for n in names)


def test_masking_helpers():
    assert mask_name("郑宇晓") == "郑**" and mask_name("") == "" and mask_name(None) is None
    assert mask_exam_label("食安员抽考：郑宇晓（食品安全员）") == "食安员抽考：郑**（食品安全员）"
    assert mask_exam_label("其他") == "其他"


# ------------------------------------------------------------------ uploads and rollbacks: one's own unit only
def test_dt03_clerk_may_roll_back_dt03_batches_only(sample_county):
    eng = sample_county.engine
    with eng.connect() as conn:
        batch = {code: conn.execute(text(
            "select min(b.batch_id) from upload_batch b join org_unit u on u.unit_id = b.unit_id where u.code = :c"),
            {"c": code}).scalar() for code in ("DT01", "DT03")}
    clerk, chief, admin, leader = (sample_county.viewers[u] for u in ("dt03_clerk", "dt03_chief", "admin", "leader"))
    check_rollback(eng, clerk, batch["DT03"])
    check_rollback(eng, admin, batch["DT01"])
    for viewer, b in ((clerk, batch["DT01"]), (chief, batch["DT03"]), (leader, batch["DT01"])):
        with pytest.raises(PermissionError):
            check_rollback(eng, viewer, b)
    with pytest.raises(LookupError):
        check_rollback(eng, clerk, 10**6)


def test_viewer_permissions_by_role():
    table = {role: {p for p in ("view", "export", "upload", "rollback", "manage_accounts", "read_audit",
                                "maintain_database", "rebuild_demo")
                    if Viewer("x", role, 1).can(p)} for role in ("admin", "leader", "chief", "clerk", "system")}
    assert table == {
        "admin": {"view", "export", "rollback", "manage_accounts", "read_audit", "maintain_database"},
        "leader": {"view", "export"},
        "chief": {"view", "export"},
        "clerk": {"view", "export", "upload", "rollback"},
        "system": {"view", "export", "upload", "rollback", "manage_accounts", "read_audit", "maintain_database",
                   "rebuild_demo"},
    }
    assert not Viewer("x", "intruder", 1).can("view")
