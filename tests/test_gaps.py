"""The "still missing" lists against the hand-built tiny county (tests/tiny_county.py).

The one property that matters most: for the same arguments a list has exactly denominator −
numerator rows, for every target, unit and window.
"""
from __future__ import annotations

import pytest

from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.figures.gaps import ENTERPRISE_TARGETS, RECORD_TARGETS, missing_enterprises
from dashboard.figures.selection import select
from dashboard.figures.targets import compute_targets

from tiny_county import CONF, E1, E2, E3, E4, E5, E6, TARGETS, WINDOWS, D


def _gaps(tiny_county, target, key="phase2", unit="DT", viewer=None):
    window, as_of = WINDOWS[key]
    sel = select(tiny_county, CONF, viewer or system_viewer(tiny_county), unit=resolve_unit(tiny_county, unit),
                 window=window, as_of=as_of)
    return missing_enterprises(tiny_county, sel, target=target)


@pytest.mark.parametrize("key", list(WINDOWS))
def test_gap_count_is_denominator_minus_numerator(tiny_county, key):
    window, as_of = WINDOWS[key]
    viewer = system_viewer(tiny_county)
    for unit in ("DT", "DT01", "DT02", "DT03", "DT04"):
        figures = compute_targets(tiny_county, CONF, viewer, unit=resolve_unit(tiny_county, unit),
                                  window=window, as_of=as_of)
        for f in figures:
            rows = _gaps(tiny_county, f.target, key, unit)
            assert len(rows) == f.denominator - f.numerator, (unit, f.target)
            assert all(r["reason"] for r in rows)


def test_every_configured_target_has_a_gap_list():
    assert set(TARGETS) == set(ENTERPRISE_TARGETS) | set(RECORD_TARGETS)


def test_enterprise_rows_and_reasons(tiny_county):
    rows = _gaps(tiny_county, "self_inspection")  # phase 2: E5 (09-10 is later) and E6
    assert [(r["credit_code"], r["unit_code"], r["unit_name"], r["cadre_name"], r["reason"])
            for r in rows] == [(E5, "DT02", "开发区分局", None, "本期无自查记录"),
                               (E6, "DT03", "安丰分局", "周包保", "本期无自查记录")]
    assert rows[1]["name"] == "安丰甲卤菜坊"
    ttt = {r["credit_code"]: r["reason"] for r in _gaps(tiny_county, "three_three_three")}
    assert ttt == {E2: "2023年8月未落实：月调度", E4: "2023年6月未落实：周排查报告",
                   E5: "本期无主体责任月报"}


def test_qms_reasons(tiny_county):
    later = {r["credit_code"]: r["reason"] for r in _gaps(tiny_county, "qms_traceability", "campaign")}
    assert later == {E1: "HACCP/ISO22000证书已过期", E4: "追溯体系证书已过期",
                     E5: "缺少智能化追溯体系"}
    june = {r["credit_code"]: r["reason"] for r in _gaps(tiny_county, "qms_traceability", "june")}
    assert june == {E4: "缺少智能化追溯体系", E5: "缺少智能化追溯体系"}  # E4's is not yet built


def test_cumulative_coverage_lists(tiny_county):
    assert [r["credit_code"] for r in _gaps(tiny_county, "supplier_evaluation")] == [E4, E5]
    assert [r["credit_code"] for r in _gaps(tiny_county, "officer_exam_coverage")] == [E4, E5]
    # E4 was visited 06-30 and E2 on 08-31 (= as_of); E5's visit is after the campaign.
    assert [r["credit_code"] for r in _gaps(tiny_county, "supervision_coverage")] == [E5, E6]


def test_people_problems_and_batches(tiny_county):
    people = _gaps(tiny_county, "officer_exam_pass")
    assert [(r["credit_code"], r["person_name"]) for r in people] == [
        (E2, "王五"), (E3, "赵六"), (E6, "孙八")]
    assert people[0]["reason"] == "最近一次抽考不合格（2023-08-10，40分）"
    problems = _gaps(tiny_county, "rectification")
    assert [r["problem_no"] for r in problems] == ["P02", "P03", "P08"]
    # P02 was closed on 09-10, after as_of: open and overdue on as_of, the closing named as later
    assert problems[0]["closed_date"] is None and problems[0]["review_result"] == "未整改"
    assert problems[0]["reason"] == "8月31日未整改（已超期），9月10日已整改"
    assert "已超期" not in problems[2]["reason"]  # P08 is due 09-30
    batches = _gaps(tiny_county, "sampling_pass")
    assert [r["sample_no"] for r in batches] == ["E3X-000", "E5X-000"]
    assert batches[0]["sampling_date"] == D("2023-06-05") and "亚硝酸盐" in batches[0]["reason"]


def test_personal_data_masked_and_scope(tiny_county):
    dt01 = resolve_unit(tiny_county, "DT01").unit_id
    masked = Viewer("clerk", "clerk", dt01, can_see_personal_data=False)
    assert [r["person_name"] for r in _gaps(tiny_county, "officer_exam_pass", viewer=masked,
                                            unit="DT01")] == ["王*", "赵*"]
    with pytest.raises(PermissionError):
        _gaps(tiny_county, "self_inspection", unit="DT02", viewer=masked)
    with pytest.raises(ValueError):
        _gaps(tiny_county, "no_such_target")
