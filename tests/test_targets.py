"""The target engine against a small county built by hand, every n and d worked out by hand.

The county (DT) has three sub-bureaus with enterprises; DT04..DT12 have none.

    DT01 城区分局   E1 规上 在产 | E2 在产 | E3 规上 停产 (has every record: must not count in
                    enterprise denominators, but its batches, exams and problems do count)
    DT02 开发区分局 E4 规上 在产 | E5 规上 在产 | E7 规上 注销 (no records: must appear nowhere)
    DT03 安丰分局   E6 在产

Windows checked (campaign 2023-03-01..11-30):
    phase2   深入推进阶段 2023-05-01..08-31, as_of 08-31
    june     2023-06-01..06-30, as_of 06-30
    campaign 2023-03-01..11-30, as_of 11-30
    clipped  深入推进阶段 with explicit as_of 2023-07-15 (nothing dated after 07-15 counts)
"""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from dashboard.rollups import rebuild_rollups
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.campaign import (Window, campaign_window, load_campaign, month_window,
                                phase_window)
from dashboard.models import (CadreVisit, Enterprise, ManagementSystem, OfficerExam, OrgUnit,
                              Problem, Responsibility, Sampling, SelfInspection,
                              SupplierEvaluation, UploadBatch)
from dashboard.targets import (TargetFigure, compute_targets, format_table, is_met,
                               overdue_problems)

D = date.fromisoformat
CONF = load_campaign()
TARGETS = [t.code for t in CONF.targets]


def code(n: int) -> str:
    return f"91320981TEST{n:06d}"  # 18 characters; the engine never checks the checksum


E1, E2, E3, E4, E5, E6, E7 = (code(n) for n in range(1, 8))
NINE = ("has_principal", "has_safety_director", "has_safety_officer", "is_daily_control_done",
        "is_weekly_check_done", "is_monthly_review_done", "has_daily_list", "has_weekly_report",
        "has_monthly_record")


# ------------------------------------------------------------------ the county
def _enterprises(units, batch):
    rows = [(E1, "城区甲肉制品厂", "DT01", True, "在产", "王包保"),
            (E2, "城区乙熟食店", "DT01", False, "在产", "王包保"),
            (E3, "城区丙腌腊厂", "DT01", True, "停产", "李包保"),
            (E4, "开发区甲食品公司", "DT02", True, "在产", "陈包保"),
            (E5, "开发区乙肉业公司", "DT02", True, "在产", None),
            (E6, "安丰甲卤菜坊", "DT03", False, "在产", "周包保"),
            (E7, "开发区丙肉品厂", "DT02", True, "注销", "陈包保")]
    return [dict(credit_code=c, name=n, unit_id=units[u], is_large=big, risk_grade="B",
                 status=st, cadre_name=cadre, batch_id=batch)
            for c, n, u, big, st, cadre in rows]


def _responsibility(credit, month, batch, no=()):
    return dict(credit_code=credit, month_date=D(month + "-01"), batch_id=batch,
                **{k: k not in no for k in NINE})


def _samples(credit, prefix, n, on, batch, verdict="合格", source="县抽"):
    return [dict(sample_no=f"{prefix}-{i:03d}", credit_code=credit, food_name="酱卤肉",
                 food_category="酱卤肉制品", sampling_date=D(on), task_source=source,
                 hazard_classes="兽药残留", verdict=verdict, batch_id=batch,
                 failed_items="亚硝酸盐║35║≤30" if verdict == "不合格" else None,
                 disposal_status="处置中" if verdict == "不合格" else None)
            for i in range(n)]


def _problem(no, credit, source, found, deadline, closed, result, batch):
    return dict(problem_no=no, credit_code=credit, source=source, description=f"问题{no}",
                found_date=D(found), deadline_date=D(deadline),
                closed_date=D(closed) if closed else None, review_result=result, batch_id=batch)


def build_county(engine) -> None:
    with engine.begin() as conn:
        units = dict(conn.execute(select(OrgUnit.code, OrgUnit.unit_id)).all())
        b = conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), dict(
            file_name="fixture.xlsx", sha256="0" * 64, uploader="test",
            uploaded_at=datetime(2023, 12, 1), status="committed")).scalar_one()
        conn.execute(insert(Enterprise), _enterprises(units, b))
        conn.execute(insert(SelfInspection), [
            dict(credit_code=c, inspection_date=D(d), count_problems=0, is_report_submitted=True,
                 batch_id=b)
            for c, d in [(E1, "2023-03-15"), (E1, "2023-06-10"), (E2, "2023-08-20"),
                         (E3, "2023-06-05"), (E4, "2023-07-20"), (E5, "2023-09-10")]])
        conn.execute(insert(Responsibility), [
            _responsibility(E1, "2023-05", b), _responsibility(E1, "2023-07", b),
            _responsibility(E2, "2023-06", b),
            _responsibility(E2, "2023-08", b, no=("is_monthly_review_done",)),
            _responsibility(E3, "2023-06", b),
            _responsibility(E4, "2023-06", b, no=("has_weekly_report",)),
            _responsibility(E5, "2023-04", b), _responsibility(E5, "2023-09", b),
            _responsibility(E6, "2023-07", b)])
        conn.execute(insert(ManagementSystem), [
            dict(credit_code=c, system_type=t, established_date=D(est),
                 valid_until_date=D(until) if until else None, batch_id=b)
            for c, t, est, until in [
                (E1, "HACCP", "2022-01-01", "2023-08-31"),       # expires exactly on phase 2's as_of
                (E1, "智能化追溯体系", "2023-04-01", None),
                (E3, "HACCP", "2022-01-01", None),               # 停产: never in a denominator
                (E3, "智能化追溯体系", "2022-01-01", None),
                (E4, "ISO22000", "2021-01-01", "2024-12-31"),
                (E4, "智能化追溯体系", "2023-07-01", "2023-10-31"),  # after June; expired by 11-30
                (E5, "HACCP", "2022-05-01", "2025-05-01")]])      # no traceability at all
        conn.execute(insert(SupplierEvaluation), [
            dict(credit_code=c, evaluation_date=D(d), count_suppliers=3, batch_id=b)
            for c, d in [(E1, "2023-04-10"), (E2, "2023-07-20"), (E3, "2023-05-05"),
                         (E4, "2023-02-20"), (E4, "2023-09-15"), (E6, "2023-06-01")]])
        conn.execute(insert(OfficerExam), [
            dict(credit_code=c, person_name=p, post="食品安全员", exam_date=D(d), score=s,
                 is_passed=s >= 60, batch_id=b)
            for c, p, d, s in [(E1, "张三", "2023-05-10", 50), (E1, "张三", "2023-06-15", 80),
                               (E1, "李四", "2023-05-10", 90),
                               (E2, "王五", "2023-06-20", 85), (E2, "王五", "2023-08-10", 40),
                               (E3, "赵六", "2023-05-12", 30),
                               (E4, "钱七", "2023-09-05", 75),
                               (E6, "孙八", "2023-07-01", 55)]])
        conn.execute(insert(Problem), [
            _problem("P01", E1, "监督检查", "2023-04-10", "2023-04-30", "2023-04-25", "已整改", b),
            _problem("P02", E1, "监督检查", "2023-06-01", "2023-06-30", "2023-09-10", "已整改", b),
            _problem("P03", E2, "监督检查", "2023-07-01", "2023-07-31", None, "整改中", b),
            _problem("P04", E3, "监督检查", "2023-05-20", "2023-06-20", "2023-06-18", "已整改", b),
            _problem("P05", E4, "监督抽检", "2023-06-10", "2023-06-25", None, "未整改", b),
            _problem("P06", E4, "监督检查", "2023-02-15", "2023-03-15", None, "未整改", b),
            _problem("P07", E5, "监督检查", "2023-09-05", "2023-09-20", "2023-09-18", "已整改", b),
            _problem("P08", E6, "监督检查", "2023-08-20", "2023-09-30", None, "整改中", b),
            _problem("P09", E5, "投诉举报", "2023-08-01", "2023-08-31", None, None, b)])
        conn.execute(insert(Sampling), [
            *_samples(E1, "E1A", 20, "2023-05-02", b), *_samples(E1, "E1B", 20, "2023-06-12", b),
            *_samples(E1, "E1C", 10, "2023-08-08", b),
            *_samples(E1, "E1R", 1, "2023-06-08", b, "不合格", "风险监测"),  # never counted
            *_samples(E2, "E2A", 19, "2023-06-20", b), *_samples(E2, "E2B", 20, "2023-07-20", b),
            *_samples(E2, "E2C", 1, "2023-09-05", b),
            *_samples(E3, "E3A", 9, "2023-05-15", b),
            *_samples(E3, "E3X", 1, "2023-06-05", b, "不合格"),  # 停产, still counted
            *_samples(E4, "E4A", 30, "2023-05-10", b), *_samples(E4, "E4B", 30, "2023-07-10", b),
            *_samples(E5, "E5A", 39, "2023-08-15", b),
            *_samples(E5, "E5X", 1, "2023-06-15", b, "不合格")])
        conn.execute(insert(CadreVisit), [
            dict(credit_code=c, visit_date=D(d), cadre_name="包保干部", cadre_level="B级",
                 count_problems=0, batch_id=b)
            for c, d in [(E1, "2023-03-20"), (E2, "2023-08-31"), (E3, "2023-05-01"),
                         (E4, "2023-06-30"), (E5, "2023-12-05")]])
        # records written outside the importer: the rollups are rebuilt, as rebuild-rollups would
        rebuild_rollups(conn)


@pytest.fixture
def county(empty_engine):
    build_county(empty_engine)
    return empty_engine


WINDOWS = {
    "phase2": (phase_window(CONF, 2), None),
    "june": (month_window("2023-06"), None),
    "campaign": (campaign_window(CONF), None),
    "clipped": (phase_window(CONF, 2), D("2023-07-15")),
}

# (numerator, denominator) per unit, in the campaign's target order. Active enterprises:
# DT01 E1 E2 (2) · DT02 E4 E5 (2) · DT03 E6 (1) · county 5; active 规上: E1 | E4 E5 | none → 3.
EXPECTED = {
    "phase2": {  # 2023-05-01..08-31, as_of 08-31
        #        self   333    qms    suppl  examcov expass  rect   sampling    visits
        "DT":   [(3, 5), (2, 5), (2, 3), (3, 5), (3, 5), (2, 5), (2, 5), (197, 199), (3, 5)],
        "DT01": [(2, 2), (1, 2), (1, 1), (2, 2), (2, 2), (2, 4), (2, 4), (98, 99), (2, 2)],
        "DT02": [(1, 2), (0, 2), (1, 2), (0, 2), (0, 2), (0, 0), (0, 0), (99, 100), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 1), (0, 0), (0, 1)],
        # self: E1 06-10, E2 08-20, E4 07-20 in window; E5 09-10 after; E6 none; E3 停产.
        # 333: latest month in 05..08 — E1 07 all 是; E2 08 has 否 (its all-是 06 is not latest);
        #      E4 06 has 否; E5 rows 04 and 09 are outside; E6 07 all 是.
        # qms: E1 HACCP valid until 08-31 = as_of (counted) + traceability; E4 ISO + trace est.
        #      07-01; E5 HACCP without traceability. DT03 has no 规上 → 0/0.
        # supplier: E1 04-10 (from campaign start, not the window start), E2 07-20, E6 06-01;
        #      E4's 02-20 is before the campaign and 09-15 after as_of.
        # exam coverage: E1, E2, E6 (07-01); E4's 09-05 after as_of.
        # exam pass (people, any status): 张三 failed then passed ✓, 李四 ✓, 王五 passed then
        #      failed 08-10 ✗, 赵六 (E3 停产) ✗ → DT01 2/4; 孙八 ✗ → DT03 0/1; 钱七 not yet.
        # rectification (监督检查, found 03-01..08-31): P01 ✓, P02 closed 09-10 after as_of ✗,
        #      P03 ✗, P04 (E3 停产) ✓ → DT01 2/4; P08 ✗ → DT03 0/1; P06 found before start.
        # sampling: DT01 E1 20+20+10, E2 19+20, E3 9+1 不合格 = 98/99 (风险监测 不合格 excluded);
        #      DT02 E4 30+30, E5 39+1 不合格 = 99/100; county 197/199.
        # visits: E1 03-20, E2 08-31 (= as_of), E4 06-30; E5 12-05 later; E3 停产.
    },
    "june": {  # 2023-06-01..06-30, as_of 06-30
        "DT":   [(1, 5), (1, 5), (1, 3), (2, 5), (2, 5), (3, 4), (2, 3), (39, 41), (2, 5)],
        "DT01": [(1, 2), (1, 2), (1, 1), (1, 2), (2, 2), (3, 4), (2, 3), (39, 40), (1, 2)],
        "DT02": [(0, 2), (0, 2), (0, 2), (0, 2), (0, 2), (0, 0), (0, 0), (0, 1), (1, 2)],
        "DT03": [(0, 1), (0, 1), (0, 0), (1, 1), (0, 1), (0, 0), (0, 0), (0, 0), (0, 1)],
        # self: only E1 06-10. 333: E2 06 all 是 ✓; E1 has no June row; E4 06 has 否.
        # qms: E1 ✓; E4 traceability established 07-01 > as_of ✗; E5 ✗.
        # supplier: E1 04-10, E6 06-01. exam coverage: E1 05-10, E2 06-20.
        # exam pass: 张三 latest 06-15 ✓, 李四 ✓, 王五 latest 06-20 ✓, 赵六 ✗ → 3/4.
        # rectification: found ≤ 06-30: P01 ✓, P02 open ✗, P04 closed 06-18 ✓ → 2/3.
        # sampling: DT01 E1 20 (06-12) + E2 19 (06-20) + E3 1 不合格 (06-05) = 39/40;
        #      DT02 E5 1 不合格 (06-15) = 0/1 (a figure of 0, not "no data").
        # visits: E1 03-20, E4 06-30 (= as_of).
    },
    "campaign": {  # 2023-03-01..11-30, as_of 11-30
        "DT":   [(4, 5), (3, 5), (0, 3), (4, 5), (4, 5), (3, 6), (4, 6), (198, 200), (3, 5)],
        "DT01": [(2, 2), (1, 2), (0, 1), (2, 2), (2, 2), (2, 4), (3, 4), (99, 100), (2, 2)],
        "DT02": [(2, 2), (1, 2), (0, 2), (1, 2), (1, 2), (1, 1), (1, 1), (99, 100), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 1), (0, 0), (0, 1)],
        # self: E1, E2, E4, E5 (09-10). 333: E1 07 ✓, E2 08 ✗, E4 06 ✗, E5 09 ✓, E6 07 ✓.
        # qms: E1 HACCP expired 08-31 < 11-30; E4 traceability expired 10-31; E5 none → 0/3.
        # supplier: E1, E2, E4 (09-15), E6. exam coverage: E1, E2, E4 (09-05), E6.
        # exam pass: 张三 ✓ 李四 ✓ 王五 ✗ 赵六 ✗ | 钱七 ✓ | 孙八 ✗ → 3/6.
        # rectification: P01 ✓ P02 ✓ (09-10) P03 ✗ P04 ✓ | P07 ✓ | P08 ✗ → 4/6.
        # sampling: DT01 phase-2 99 + E2 09-05 合格 = 99/100; DT02 99/100; county 198/200.
        # visits: E1, E2, E4 (E5's 12-05 is after the campaign).
    },
    "clipped": {  # 深入推进阶段 asked with as_of 2023-07-15: window 05-01..07-15
        "DT":   [(1, 5), (3, 5), (2, 3), (2, 5), (3, 5), (3, 5), (2, 4), (128, 130), (2, 5)],
        "DT01": [(1, 2), (2, 2), (1, 1), (1, 2), (2, 2), (3, 4), (2, 4), (68, 69), (1, 2)],
        "DT02": [(0, 2), (0, 2), (1, 2), (0, 2), (0, 2), (0, 0), (0, 0), (60, 61), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 0), (0, 0), (0, 1)],
        # self: E1 06-10 only (E2 08-20, E4 07-20 are after as_of).
        # 333: months 05..07 — E1 07 ✓; E2 latest is now 06 (all 是) ✓; E4 ✗; E6 07 ✓.
        # qms on 07-15: E1 ✓, E4 (trace est. 07-01) ✓, E5 ✗.
        # supplier: E1 04-10, E6 06-01 (E2's 07-20 is after as_of).
        # exam coverage: E1, E2 (06-20), E6 (07-01). exam pass: 张三 ✓ 李四 ✓ 王五 latest is
        #      06-20 ✓ (08-10 after as_of) 赵六 ✗ → 3/4; 孙八 ✗ → 0/1.
        # rectification: P01 ✓ P02 ✗ P03 ✗ (found 07-01) P04 ✓ → 2/4; P08 found 08-20 later.
        # sampling: DT01 E1 20+20 + E2 19 + E3 9+1 = 68/69; DT02 E4 30+30 + E5 1 = 60/61.
        # visits: E1, E4.
    },
}


def expected_figures(key: str, unit: str) -> list[tuple]:
    return EXPECTED[key][unit] if unit in EXPECTED[key] else [(0, 0)] * len(TARGETS)


def _nd(figures, unit_code) -> list[tuple]:
    return [(f.numerator, f.denominator) for f in figures if f.unit_code == unit_code]


# ------------------------------------------------------------------ the figures
@pytest.mark.parametrize("key", list(WINDOWS))
def test_figures_by_unit(county, key):
    window, as_of = WINDOWS[key]
    figures = compute_targets(county, CONF, system_viewer(county), unit=resolve_unit(county, "DT"),
                              window=window, as_of=as_of, by_unit=True)
    units = ["DT"] + [f"DT{i:02d}" for i in range(1, 13)]
    assert [f.unit_code for f in figures] == [u for u in units for _ in TARGETS]
    assert [f.target for f in figures] == TARGETS * len(units)
    for unit in units:
        assert _nd(figures, unit) == expected_figures(key, unit), unit
    assert {f.as_of for f in figures} == {as_of or window.end_date}


@pytest.mark.parametrize("key", list(WINDOWS))
def test_unit_alone_matches_by_unit(county, key):
    window, as_of = WINDOWS[key]
    for unit in ("DT", "DT02"):
        figures = compute_targets(county, CONF, system_viewer(county),
                                  unit=resolve_unit(county, unit), window=window, as_of=as_of)
        assert _nd(figures, unit) == expected_figures(key, unit)
        assert len(figures) == len(TARGETS)


def _figure(county, unit, target, key="phase2"):
    window, as_of = WINDOWS[key]
    figures = compute_targets(county, CONF, system_viewer(county), unit=resolve_unit(county, unit),
                              window=window, as_of=as_of)
    return next(f for f in figures if f.target == target)


def test_sampling_pass_boundaries(county):
    exactly = _figure(county, "DT02", "sampling_pass")  # 99/100 against ≥ 99 %
    assert (exactly.value, exactly.met, exactly.threshold) == (0.99, True, 0.99)
    below = _figure(county, "DT01", "sampling_pass")  # 98/99
    assert (below.value, below.met, below.percent_text) == (0.9899, False, "98.9%")
    county_fig = _figure(county, "DT", "sampling_pass")  # 197/199: summed, not averaged
    assert (county_fig.value, county_fig.met) == (0.9899, False)
    assert _figure(county, "DT", "sampling_pass", "campaign").met is True  # 198/200
    zero = _figure(county, "DT02", "sampling_pass", "june")  # 0/1 is a figure
    assert (zero.value, zero.met, zero.percent_text) == (0.0, False, "0.0%")


def test_zero_denominator_gives_no_figure(county):
    for unit, target in [("DT03", "sampling_pass"), ("DT03", "qms_traceability"),
                         ("DT02", "officer_exam_pass"), ("DT05", "self_inspection")]:
        f = _figure(county, unit, target)
        assert (f.numerator, f.denominator, f.value, f.met) == (0, 0, None, None)
        assert f.percent_text == "无数据" and f.to_json()["value"] is None
        assert f.to_json()["met"] is None


def test_month_inside_window_counts_when_any_day_is(county):
    # 06-15..07-10: June and July are both inside. E1 07 ✓, E2 06 ✓, E4 06 ✗, E5 ✗, E6 07 ✓.
    window = Window(D("2023-06-15"), D("2023-07-10"), "自定义")
    figures = compute_targets(county, CONF, system_viewer(county), window=window)
    by_target = {f.target: f for f in figures}
    assert (by_target["three_three_three"].numerator,
            by_target["three_three_three"].denominator) == (3, 5)
    # self-inspection uses whole days: E1's 06-10 falls before 06-15.
    assert by_target["self_inspection"].numerator == 0


def test_defaults_campaign_to_date_and_viewer_scope(county):
    viewer = Viewer("cq", "chief", resolve_unit(county, "DT01").unit_id)
    figures = compute_targets(county, CONF, viewer)  # no unit, no window
    assert _nd(figures, "DT01") == EXPECTED["campaign"]["DT01"]
    assert {f.unit_code for f in figures} == {"DT01"}
    by_unit = compute_targets(county, CONF, viewer, by_unit=True)
    assert {f.unit_code for f in by_unit} == {"DT01"}  # nothing below a sub-bureau


def test_scope_is_enforced(county):
    viewer = Viewer("cq", "chief", resolve_unit(county, "DT01").unit_id)
    for other in ("DT02", "DT"):
        with pytest.raises(PermissionError, match="无权查看"):
            compute_targets(county, CONF, viewer, unit=resolve_unit(county, other))
        with pytest.raises(PermissionError):
            overdue_problems(county, CONF, viewer, unit=resolve_unit(county, other),
                             as_of=D("2023-08-31"))


# ------------------------------------------------------------------ overdue problems
def test_overdue_problems(county):
    rows = overdue_problems(county, CONF, system_viewer(county), as_of=D("2023-08-31"))
    # P06 deadline 03-15 (found before the campaign; any source, any date counts): 169 days;
    # P05 监督抽检 06-25: 67; P02 06-30, closed 09-10 after as_of: 62; P03 07-31: 31.
    # Not overdue: P01/P04 closed in time, P08 deadline 09-30, P09 deadline 08-31 = as_of,
    # P07 found after as_of.
    assert [(r["problem_no"], r["days_overdue"]) for r in rows] == [
        ("P06", 169), ("P05", 67), ("P02", 62), ("P03", 31)]
    p05 = rows[1]
    assert (p05["credit_code"], p05["enterprise_name"], p05["unit_code"], p05["unit_name"],
            p05["source"], p05["found_date"], p05["deadline_date"]) == (
        E4, "开发区甲食品公司", "DT02", "开发区分局", "监督抽检", D("2023-06-10"), D("2023-06-25"))
    assert p05["description"] == "问题P05"


def test_overdue_problems_later_and_scoped(county):
    rows = overdue_problems(county, CONF, system_viewer(county), as_of=D("2023-11-30"))
    # P02 closed 09-10 and P07 closed 09-18 drop out; P09 (no 复查结论) and P08 become overdue.
    assert [(r["problem_no"], r["days_overdue"]) for r in rows] == [
        ("P06", 260), ("P05", 158), ("P03", 122), ("P09", 91), ("P08", 61)]
    viewer = Viewer("cq", "chief", resolve_unit(county, "DT01").unit_id)
    mine = overdue_problems(county, CONF, viewer, as_of=D("2023-08-31"))
    assert [r["problem_no"] for r in mine] == ["P02", "P03"]
    dt03 = overdue_problems(county, CONF, system_viewer(county), unit=resolve_unit(county, "DT03"),
                            as_of=D("2023-11-30"))
    assert [r["problem_no"] for r in dt03] == ["P08"]


# ------------------------------------------------------------------ the figure object
def _fig(n, d, threshold=1.0):
    return TargetFigure("DT01", "城区分局", D("2023-05-01"), D("2023-08-31"), D("2023-08-31"),
                        "sampling_pass", "产品抽检合格率", n, d, threshold)


def test_met_uses_the_exact_fraction():
    assert is_met(99, 100, 0.99) and not is_met(98, 99, 0.99)
    assert is_met(990, 1000, 0.99) and not is_met(9899, 10000, 0.99)
    assert is_met(5, 5, 1.0) and not is_met(4, 5, 1.0) and is_met(0, 0, 1.0) is None


def test_figure_texts_and_json():
    f = _fig(97, 98, 0.99)
    assert (f.value, f.met, f.percent_text, f.nd_text) == (0.9898, False, "98.9%", "97/98")
    assert f.to_json() == {"unit": "DT01", "unit_name": "城区分局", "from": "2023-05-01",
                           "to": "2023-08-31", "target": "sampling_pass", "name": "产品抽检合格率",
                           "numerator": 97, "denominator": 98, "value": 0.9898,
                           "threshold": 0.99, "met": False}
    assert _fig(1, 3).percent_text == "33.3%" and _fig(2, 3).percent_text == "66.6%"
    assert _fig(5, 5).percent_text == "100.0%" and _fig(0, 0).nd_text == "0/0"


def test_format_table(county):
    window, _ = WINDOWS["phase2"]
    text = format_table(compute_targets(county, CONF, system_viewer(county), window=window,
                                        by_unit=True))
    assert "产品抽检合格率" in text and "98/99" in text and "99/100" in text
    assert "达标" in text and "未达标" in text and "无数据" in text and "≥99%" in text
    assert "2023-05-01 至 2023-08-31" in text


def test_cli_targets_json(county, capsys):
    from dashboard.__main__ import main
    url = county.url.render_as_string(hide_password=False)
    assert main(["--db", url, "targets", "--by-unit", "--phase", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 13 * len(TARGETS)
    dt02 = next(o for o in out if o["unit"] == "DT02" and o["target"] == "sampling_pass")
    assert dt02 == {"unit": "DT02", "unit_name": "开发区分局", "from": "2023-05-01",
                    "to": "2023-08-31", "target": "sampling_pass", "name": "产品抽检合格率",
                    "numerator": 99, "denominator": 100, "value": 0.99, "threshold": 0.99,
                    "met": True}
    assert main(["--db", url, "targets", "--unit", "安丰分局", "--as-of", "2023-07-15",
                 "--phase", "2"]) == 0
    assert "无数据" in capsys.readouterr().out
