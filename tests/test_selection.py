"""The selection is resolved once (dashboard.figures.selection): `select` checks the unit against the
viewer's scope and reads the viewer's units; every figure function takes the Selection and never
resolves again; a page run, an export and a derived window or unit (`at`, `of`) read nothing more."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.campaign import campaign_window, phase_window
from dashboard.periods import Window
from dashboard.exports import build_summary, summary
from dashboard.exports.work_summary import gather
from dashboard.figures import breakdowns, exceptions, gaps, pace, records, reporting, selection, targets
from dashboard.ui import data
from tests.pages_support import PROJECT_DIR
from tiny_county import CONF, D
from upload_support import signed

PHASE2 = phase_window(CONF, 2)


def chief(engine, unit: str = "DT01") -> Viewer:
    return Viewer("cq", "chief", resolve_unit(engine, unit).unit_id)


def counting(monkeypatch, module, name: str) -> list:
    """Wrap module.name so each call is recorded (its keyword arguments); returns the record."""
    calls, real = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def scope_reads(monkeypatch) -> list:
    """Every scope_units query the read side runs (dashboard.figures.selection's and the UI's)."""
    reads = []
    for module in (selection, data):
        real = module.execute

        def wrapper(engine, name, real=real, **params):
            if name == "scope_units":
                reads.append(params["scope_unit_id"])
            return real(engine, name, **params)

        monkeypatch.setattr(module, "execute", wrapper)
    return reads


# ------------------------------------------------------------------ the scope check
def test_a_unit_outside_the_viewer_s_scope_is_refused(tiny_county):
    viewer = chief(tiny_county)
    for other in ("DT02", "DT", resolve_unit(tiny_county, "DT03"), resolve_unit(tiny_county, "DT").unit_id):
        with pytest.raises(PermissionError, match="无权查看.*不在您的管辖范围内"):
            selection.select(tiny_county, CONF, viewer, unit=other)
    with pytest.raises(LookupError, match="没有这个单位"):  # unknown, not refused
        selection.select(tiny_county, CONF, viewer, unit="XX99")
    own = selection.select(tiny_county, CONF, viewer, window=PHASE2)
    assert own.unit["code"] == "DT01" and own.children == ()
    with pytest.raises(PermissionError, match="无权查看“DT02”"):  # nor can a derived one leave the scope
        own.of("DT02")
    # the leadership's selection reaches every unit
    county = selection.select(tiny_county, CONF, system_viewer(tiny_county), unit="DT")
    assert [c["code"] for c in county.children][:3] == ["DT01", "DT02", "DT03"]
    assert county.of("DT02").unit["name"] == "开发区分局"


def test_defaults_and_what_a_selection_binds(tiny_county):
    sel = selection.select(tiny_county, CONF, system_viewer(tiny_county))
    assert sel.unit["code"] == "DT" and sel.window == campaign_window(CONF)
    assert sel.as_of == campaign_window(CONF).as_of()
    clipped = sel.of("DT01").at(PHASE2, as_of=D("2023-07-15"))
    assert (clipped.unit["code"], clipped.window, clipped.as_of) == ("DT01", PHASE2, D("2023-07-15"))
    assert clipped.params["from_date"] == D("2023-05-01") and clipped.params["to_date"] == D("2023-07-15")
    assert clipped.params["scope_unit_id"] == sel.viewer.scope_unit_id
    assert clipped.report_units_of("DT01") == ["DT01", "DT"]
    assert clipped.at(as_of=D("2023-06-30")).window == PHASE2  # None keeps the window


def test_selections_share_a_key_by_access_not_by_person(tiny_county):
    """The UI caches key a Selection by (campaign, access, unit, window days, as_of)."""
    dt01 = resolve_unit(tiny_county, "DT01").unit_id
    a = selection.select(tiny_county, CONF, Viewer("chief_a", "chief", dt01), window=PHASE2)
    b = selection.select(tiny_county, CONF, Viewer("chief_b", "chief", dt01), window=PHASE2)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.at(Window(PHASE2.start_date, PHASE2.end_date, "另一个名字")) == a  # the label is not data
    assert a.at(as_of=D("2023-07-15")) != a
    county = selection.select(tiny_county, CONF, system_viewer(tiny_county), window=PHASE2)
    assert county.of("DT01") != a  # same unit, other access
    masked = selection.select(tiny_county, CONF, Viewer("c", "chief", dt01, False), window=PHASE2)
    assert masked != a  # no personal data: another access


# ------------------------------------------------------------------ never resolved again
def test_no_figure_function_resolves_again(tiny_county, monkeypatch):
    """Given a Selection, no figure function reads the scope or calls select: both are made to fail."""
    sel = selection.select(tiny_county, CONF, system_viewer(tiny_county), unit="DT", window=PHASE2)

    def refuse(*args, **kwargs):
        raise AssertionError("resolved again")

    for module in (selection, targets):
        monkeypatch.setattr(module, "select", refuse)
    monkeypatch.setattr(selection, "scope_units", refuse)
    real = selection.execute
    monkeypatch.setattr(selection, "execute",
                        lambda engine, name, **p: refuse() if name == "scope_units" else real(engine, name, **p))
    figs = targets.compute_targets(tiny_county, sel, by_unit=True)
    assert [(f.unit_code, f.numerator, f.denominator) for f in figs if f.target == "self_inspection"][:2] == [
        ("DT", 3, 5), ("DT01", 2, 2)]  # the values of tests/test_targets.py
    assert targets.overdue_problems(tiny_county, sel) is not None
    for code in ("self_inspection", "rectification", "sampling_pass"):
        gaps.missing_enterprises(tiny_county, sel, target=code)
        records.figure_members(tiny_county, sel.of("DT01"), target=code)
    breakdowns.sampling_rows(tiny_county, sel)
    breakdowns.problem_rows(tiny_county, sel)
    exceptions.undisposed_samples(tiny_county, sel)
    exceptions.silent_units(tiny_county, sel)
    reporting.reporting_completeness(tiny_county, sel)
    assert pace.trajectory(tiny_county, sel, by_unit=True)
    assert "" in gather(tiny_county, sel)


def test_one_export_build_resolves_once(tiny_county, monkeypatch):
    """A stage summary (figures, the previous phase, every phase, every gap list, work, completeness)
    resolves its selection once and reads the viewer's units once."""
    calls = counting(monkeypatch, summary, "select")
    reads = scope_reads(monkeypatch)
    s = build_summary(tiny_county, CONF, chief(tiny_county), phase=2, as_of=date(2023, 8, 31))
    assert s.unit_code == "DT01" and s.phase_figures and s.gaps
    assert len(calls) == 1 and len(reads) == 1


def test_one_page_run_resolves_once(small_county_env, monkeypatch):
    """One run of the overview (the figures, the pace, both exception lists, the units not reported,
    the matrix, the provenance): the sidebar's choice is resolved once, and the viewer's units are
    read once — by the cached scope the selection and the sidebar share. A second run resolves once
    again and reads nothing (all from the cache)."""
    calls = counting(monkeypatch, data, "select")
    reads = scope_reads(monkeypatch)
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), small_county_env)
    at.query_params["as_of"] = "2023-08-31"
    at.run()
    assert not at.exception, at.exception
    assert any("fig-card" in m.value for m in at.markdown)  # the overview's figures were drawn
    assert len(calls) == 1 and len(reads) == 1
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == 2 and len(reads) == 1
