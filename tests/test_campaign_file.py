"""A campaign that exists only in a temporary file: other units (three levels), other phases, two
populations and one target of every measure kind, over a small database built by hand. Every
figure below is counted by hand from the records listed here; nothing of it is in Python.

    QX 青溪县局 ─ QX1 东区所: S1 规上 在产 (风险 A), S2 小作坊 在产 (B)
                └ QX2 西区所: S3 规上 在产 (C)
                   └ QX21 西区站: S4 小作坊 在产 (D), S5 规上 停产 (C, in no population)

Campaign 2025-01-01..06-30 (phases 01-01..03-31 and 04-01..06-30, D = 181 days); figures of the
whole campaign are taken on as_of 06-30 (d = D), those of phase 1 on 03-31 (d = 90).

A wrong campaign file is refused at load, naming the file, the line and the key.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from dashboard.__main__ import main
from dashboard.access import system_viewer
from dashboard.campaign import (CampaignError, TargetConf, campaign_files, campaign_window, load_campaign, phase_window,
                                sync_campaign)
from dashboard import campaign_check
from dashboard.db import execute, get_engine, upgrade
from dashboard.exports import build_summary
from dashboard.exports.narrative import briefing, plain_text
from dashboard.exports.summary import gap_specs
from dashboard.figures import selection, targets  # selection.select, beside SQLAlchemy's select
from dashboard.figures.gaps import gap_note, missing_enterprises
from dashboard.figures.grading import grade_matrix, matrix_table
from dashboard.figures.measures import (CUMULATIVE, INSPECTION_TYPES, LEVEL, MEASURES, PROBLEM_SOURCES, TASK_SOURCES,
                                        measure_of, measures, required_count)
from dashboard.figures.pace import pace_of
from dashboard.figures.records import figure_members
from dashboard.figures.targets import compute_targets
from dashboard.models import (BatchEnterprise, CadreVisit, ChecklistItem, EnforcementCase, Enterprise, Inspection, ManagementSystem,
                              OrgUnit, Problem, Responsibility, RiskScreening, Sampling, UploadBatch)
from dashboard.periods import Window

from tests.databases import BACKENDS, PG_URL, drop_pg_database, new_database, pair_enterprises

D = date.fromisoformat
CAMPAIGN = """\
code: qingxi-2025
name: 青溪县小作坊规范提升行动
short_name: 小作坊规范提升行动
start_date: 2025-01-01
end_date: 2025-06-30
org_units:
  code: QX
  name: 青溪县市场监督管理局
  children:
    - {code: QX1, name: 东区市场监管所}
    - code: QX2
      name: 西区市场监管所
      children:
        - {code: QX21, name: 西区市场监管站}
phases:
  - {name: 整治阶段, start_date: 2025-01-01, end_date: 2025-03-31, work_items: [排查建档]}
  - {name: 巩固阶段, start_date: 2025-04-01, end_date: 2025-06-30, work_items: [巩固提升]}
populations:
  - {code: all, name: 在产主体, label: 在产食品主体}
  - {code: large, name: 在产规上主体, label: 规上主体, large_only: true}
  - {code: workshops, name: 在产小作坊, label: 小作坊, subject_types: [小作坊]}
wording: {scope: 全县, children: 各所, child: 所, units: 各所, subject: 小作坊}
targets:
  - {code: inspected, name: 日常检查覆盖率, measure: coverage, record: 监督检查, period: 行动以来, sources: [日常检查], threshold: 1.0}
  - code: duty_list
    name: 负责人和食品安全员到岗率
    measure: checklist
    items: [主要负责人, 食品安全员]
    threshold: 1.0
  - code: haccp
    name: 规上主体HACCP持证率
    measure: valid_certificate
    population: large
    all_of: [[HACCP]]
    threshold: 1.0
  - {code: additive, name: 添加剂项目抽检合格率, measure: pass_rate, record: 监督抽检,
     exclude_sources: [风险监测], hazard_class: 食品添加剂, threshold: 0.98}
  - {code: complaints_closed, name: 到期问题整改率, measure: closure, sources: [投诉举报, 监督检查],
     past_deadline_only: true, threshold: 0.9}
  - {code: pilots, name: 包保试点数, measure: count, record: 包保督导, goal: 3, goals: {QX1: 1}, threshold: 1.0}
  - {code: fast_closure, name: 问题5个工作日内整改率, measure: within_days, days: 5, working_days: true,
     threshold: 0.8}
  - {code: three_periods, name: 小作坊“三个时段”落实率, measure: checklist, record: 三个时段,
     items: [人员健康, 原料查验, 设备清洁], population: workshops, threshold: 1.0}
  - {code: screened, name: 风险排查一企一策覆盖率, measure: coverage, record: 风险排查, plan_required: true,
     period: 行动以来, due_phase: 1, threshold: 1.0}
  - {code: sampled, name: 监督抽检覆盖率, measure: coverage, record: 监督抽检, exclude_sources: [风险监测],
     threshold: 1.0}
  - code: graded
    name: 按风险等级检查完成率
    measure: graded_minimum
    minimums: {A: 1, B: 1, C: 2, D: 3}   # 示意
    threshold: 1.0
  - {code: followed, name: 风险隐患主体飞行交叉检查率, measure: followup, threshold: 1.0}
  - {code: case_fast, name: 不合格样品30日内立案率, measure: within_days, record: 不合格抽检, from: 抽样日期,
     to: 立案日期, days: 30, by: 起算日期, sources: [国抽, 省抽, 市抽, 县抽], threshold: 0.9}
"""

S1, S2, S3, S4, S5 = (f"91330000QXTEST{n:04d}" for n in range(1, 6))


def _problem(no, credit, source, found, deadline, closed, result, batch):
    return dict(problem_no=no, credit_code=credit, source=source, description=f"问题{no}", found_date=D(found),
                deadline_date=D(deadline), closed_date=D(closed) if closed else None, review_result=result,
                batch_id=batch)


def _duty(credit, month, batch, principal, officer):
    nine = ("has_principal", "has_safety_director", "has_safety_officer", "is_daily_control_done",
            "is_weekly_check_done", "is_monthly_review_done", "has_daily_list", "has_weekly_report",
            "has_monthly_record")
    return dict(credit_code=credit, month_date=D(month + "-01"), batch_id=batch,
                **{k: False for k in nine} | {"has_principal": principal, "has_safety_officer": officer})


def _sample(no, credit, on, source, hazards, verdict, batch):
    return dict(sample_no=no, credit_code=credit, food_name=f"样品{no}", food_category="糕点", sampling_date=D(on),
                task_source=source, hazard_classes=hazards, verdict=verdict, batch_id=batch,
                failed_items="甜蜜素║0.9║≤0.65" if verdict == "不合格" else None)


def _build(engine) -> None:
    with engine.begin() as conn:
        units = dict(conn.execute(select(OrgUnit.code, OrgUnit.unit_id)).all())
        b = conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), dict(
            file_name="qingxi.xlsx", sha256="1" * 64, uploader="test", uploaded_at=datetime(2025, 7, 1),
            status="committed")).scalar_one()
        conn.execute(insert(Enterprise), [
            dict(credit_code=c, name=n, unit_id=units[u], is_large=big, risk_grade=risk, credit_grade=credit,
                 status=st, cadre_name=None, batch_id=b, subject_type=kind)
            for c, n, u, big, st, kind, risk, credit in [
                (S1, "东区甲糕点坊", "QX1", True, "在产", "生产企业", "A", "A"),
                (S2, "东区乙豆腐坊", "QX1", False, "在产", "小作坊", "B", None),
                (S3, "西区甲食品厂", "QX2", True, "在产", "生产企业", "C", "B"),
                (S4, "西区乙面坊", "QX21", False, "在产", "小作坊", "D", "B"),
                (S5, "西区丙酱坊", "QX21", True, "停产", "小作坊", "C", "C")]])
        pair_enterprises(conn, b)
        conn.execute(insert(ChecklistItem), [
            dict(credit_code=c, checklist="三个时段", check_date=D(d), item=i, is_done=ok, batch_id=b)
            for c, d, i, ok in [
                (S2, "2025-05-10", "人员健康", True), (S2, "2025-05-10", "原料查验", True),
                (S2, "2025-05-10", "设备清洁", True),
                (S2, "2025-06-10", "人员健康", True), (S2, "2025-06-10", "原料查验", False),  # June decides
                (S2, "2025-06-10", "设备清洁", True),
                (S4, "2025-03-15", "人员健康", True), (S4, "2025-03-15", "原料查验", True),
                (S4, "2025-03-15", "设备清洁", True),
                (S5, "2025-03-15", "人员健康", True)]])                   # 停产: not counted
        conn.execute(insert(Inspection), [
            dict(inspection_no=no, credit_code=c, inspection_date=D(d), inspection_type="日常检查",
                 count_problems=0, result="符合", batch_id=b)
            for no, c, d in [("J1", S1, "2025-02-10"), ("J2", S3, "2025-05-01"),
                             ("J3", S5, "2025-02-01"),     # 停产: not in the population
                             ("J4", S4, "2025-07-05")]])   # after as_of
        conn.execute(insert(Inspection), [  # not 日常检查: only the graded and follow-up targets see them
            dict(inspection_no=no, credit_code=c, inspection_date=D(d), inspection_type=kind,
                 count_problems=0, result="符合", batch_id=b)
            for no, c, d, kind in [("J5", S2, "2025-02-28", "飞行检查"),   # the day before S2 is flagged
                                   ("J6", S3, "2025-06-10", "交叉检查"),   # the day S3 is flagged
                                   ("J7", S4, "2025-05-20", "飞行检查")]])
        conn.execute(insert(RiskScreening), [
            dict(credit_code=c, screening_date=D(d), agency="第三方", count_hazards=2, has_plan=plan, batch_id=b)
            for c, d, plan in [(S1, "2025-02-10", True),
                               (S2, "2025-03-05", False), (S2, "2025-05-10", True),   # the plan came in May
                               (S3, "2024-12-20", True),                              # before the start
                               (S4, "2025-07-02", True),                              # after as_of
                               (S5, "2025-02-01", True)]])                            # 停产
        conn.execute(insert(EnforcementCase), [
            dict(case_no=no, credit_code=c, filed_date=D(d), violation_type="超范围使用食品添加剂",
                 fine_amount=5000.0, is_transferred_police=False, source_no=src, batch_id=b)
            for no, c, d, src in [("C1", S2, "2025-03-20", "A2"),     # 19 days after sampling
                                  ("C2", S4, "2025-06-15", "A4")]])   # 45 days
        conn.execute(insert(Responsibility), [
            _duty(S1, "2025-05", b, True, True),
            _duty(S2, "2025-03", b, True, True), _duty(S2, "2025-06", b, True, False),  # June decides
            _duty(S4, "2025-02", b, True, True)])
        conn.execute(insert(ManagementSystem), [
            dict(credit_code=S1, system_type="HACCP", established_date=D("2024-01-01"),
                 valid_until_date=D("2025-12-31"), batch_id=b),
            dict(credit_code=S3, system_type="HACCP", established_date=D("2024-01-01"),
                 valid_until_date=D("2025-06-01"), batch_id=b)])          # expired before 06-30
        conn.execute(insert(Sampling), [
            _sample("A1", S1, "2025-02-01", "国抽", "食品添加剂、致病性微生物", "合格", b),
            _sample("A2", S2, "2025-03-01", "县抽", "食品添加剂", "不合格", b),
            _sample("A3", S3, "2025-04-01", "风险监测", "食品添加剂", "不合格", b),   # excluded source
            _sample("A4", S4, "2025-05-01", "省抽", "致病性微生物", "不合格", b),     # no additive item
            _sample("A5", S5, "2025-05-02", "市抽", "食品添加剂", "合格", b),        # 停产 still counts
            _sample("A6", S1, "2025-06-01", "县抽", "致病性微生物", "不合格", b)])   # no case yet
        conn.execute(insert(Problem), [
            _problem("P1", S1, "投诉举报", "2025-02-01", "2025-03-01", "2025-02-20", "已整改", b),
            _problem("P2", S2, "监督检查", "2025-03-01", "2025-04-01", None, "整改中", b),
            _problem("P3", S3, "投诉举报", "2025-05-01", "2025-07-15", None, "整改中", b),  # not yet due
            _problem("P4", S4, "企业自查", "2025-02-01", "2025-03-01", None, None, b),      # other source
            _problem("P5", S4, "监督检查", "2025-04-01", "2025-05-01", "2025-05-10", "整改中", b),
            _problem("P6", S3, "监督检查", "2024-12-01", "2024-12-31", None, None, b),      # before start
            _problem("P7", S2, "投诉举报", "2025-06-06", "2025-06-20", "2025-06-13", "已整改", b),
            _problem("P8", S3, "监督检查", "2025-06-02", "2025-07-31", "2025-06-04", "已整改", b),
            _problem("P9", S3, "投诉举报", "2025-05-20", "2025-07-20", None, "整改中", b),   # S3's second
            _problem("P10", S3, "投诉举报", "2025-06-10", "2025-07-20", None, "整改中", b)])  # and third complaint
        conn.execute(insert(CadreVisit), [
            dict(credit_code=c, visit_date=D(d), cadre_name="包保员", cadre_level="C级", count_problems=0,
                 batch_id=b)
            for c, d in [(S1, "2025-02-01"), (S1, "2025-03-01"), (S4, "2025-04-01")]])


def _campaign_database(backend: str, tmp_path_factory, build=None):
    """(engine, conf) of the campaign above on a new database of the backend, its records written
    by `build` (none without); dropped or disposed when the generator is closed."""
    path = tmp_path_factory.mktemp("campaigns") / "qingxi-2025.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    conf = load_campaign(str(path))
    url = new_database(backend, tmp_path_factory)
    engine = get_engine(url)
    upgrade(engine)
    sync_campaign(engine, conf)
    if build:
        build(engine)
    yield engine, conf
    if backend == "postgresql":
        drop_pg_database(PG_URL, url)
    else:
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def qingxi(request, tmp_path_factory):
    yield from _campaign_database(request.param, tmp_path_factory, _build)


def _figures(engine, conf, window, as_of, unit=None):
    figs = compute_targets(engine, conf, system_viewer(engine, "QX"), unit=unit, window=window, as_of=as_of,
                           by_unit=True)
    return {(f.unit_code, f.target): (f.numerator, f.denominator) for f in figs}


# (unit, target) → (n, d) over the whole campaign on 06-30, counted by hand from the records above
CAMPAIGN_FIGURES = {
    # coverage 日常检查 since the start: J1 (S1), J2 (S3); J3 is 停产's, J4 after as_of, J5–J7 other types
    ("QX", "inspected"): (2, 4), ("QX1", "inspected"): (1, 2), ("QX2", "inspected"): (1, 2),
    # checklist 主要负责人 + 食品安全员 of the latest month: S1 May yes, S2 June no, S3 none, S4 Feb yes
    ("QX", "duty_list"): (2, 4), ("QX1", "duty_list"): (1, 2), ("QX2", "duty_list"): (1, 2),
    # HACCP valid on 06-30 among 在产规上 S1, S3: S3's expired 06-01
    ("QX", "haccp"): (1, 2), ("QX1", "haccp"): (1, 1), ("QX2", "haccp"): (0, 1),
    # 食品添加剂 batches, 风险监测 excluded: A1 pass, A2 fail, A5 pass
    ("QX", "additive"): (2, 3), ("QX1", "additive"): (1, 2), ("QX2", "additive"): (1, 1),
    # 投诉举报 / 监督检查 found since the start and due by 06-30: P1 done, P2 open, P5 整改中, P7 done
    ("QX", "complaints_closed"): (2, 4), ("QX1", "complaints_closed"): (2, 3),
    ("QX2", "complaints_closed"): (0, 1),
    # subjects with a 包保督导 visit (S1 twice, S4) against the goal 3; QX1's own goal is 1
    ("QX", "pilots"): (2, 3), ("QX1", "pilots"): (1, 1), ("QX2", "pilots"): (1, 3),
    # closed in the window within 5 working days: P7 (06-06 Fri → 06-13 Fri, 5), P8 (2); P1 and P5 not
    ("QX", "fast_closure"): (2, 4), ("QX1", "fast_closure"): (1, 2), ("QX2", "fast_closure"): (1, 2),
    # 三个时段 of the 在产小作坊 S2, S4: S2's latest day (06-10) misses 原料查验, S4's (03-15) has all three
    ("QX", "three_periods"): (1, 2), ("QX1", "three_periods"): (0, 1), ("QX2", "three_periods"): (1, 1),
    # 风险排查 with a plan from the campaign start to 06-30: S1 (Feb), S2 (May; March's had no plan);
    # S3's was before the start, S4's after as_of, S5 is 停产
    ("QX", "screened"): (2, 4), ("QX1", "screened"): (2, 2), ("QX2", "screened"): (0, 2),
    # 监督抽检 in the window, 风险监测 not counted: A1 and A6 (S1), A2 (S2), A4 (S4); A3 (S3) is 风险监测
    ("QX", "sampled"): (3, 4), ("QX1", "sampled"): (2, 2), ("QX2", "sampled"): (1, 2),
    # on 06-30 d = D, so the whole minimum: S1 A 1 of 1 (J1), S2 B 1 of 1 (J5), S3 C 2 of 2 (J2, J6),
    # S4 D 1 of 3 (J7; J4 after as_of)
    ("QX", "graded"): (3, 4), ("QX1", "graded"): (2, 2), ("QX2", "graded"): (1, 2),
    # flagged: S1 (A6 不合格 06-01), S2 (A2 03-01), S3 (third 投诉举报 P10 06-10), S4 (A4 05-01); A3 is
    # 风险监测. Followed: S3 (J6 交叉 on 06-10), S4 (J7 飞行 05-20); S2's J5 was the day before, S1 none
    ("QX", "followed"): (2, 4), ("QX1", "followed"): (0, 2), ("QX2", "followed"): (2, 2),
    # 不合格 batches sampled in the window (风险监测 not counted) and their case: A2 → C1 in 19 days,
    # A4 → C2 in 45, A6 none yet
    ("QX", "case_fast"): (1, 3), ("QX1", "case_fast"): (1, 2), ("QX2", "case_fast"): (0, 1),
}


def test_every_measure_counts_what_was_counted_by_hand(qingxi):
    engine, conf = qingxi
    got = _figures(engine, conf, campaign_window(conf), D("2025-06-30"))
    assert got == CAMPAIGN_FIGURES


def test_the_third_level_counts_its_own_subtree(qingxi):
    engine, conf = qingxi
    got = _figures(engine, conf, campaign_window(conf), D("2025-06-30"), unit="QX2")
    assert {t: nd for (u, t), nd in got.items() if u == "QX21"} == {
        "inspected": (0, 1), "duty_list": (1, 1), "haccp": (0, 0), "additive": (1, 1),
        "complaints_closed": (0, 1), "pilots": (1, 3), "fast_closure": (0, 1), "three_periods": (1, 1),
        "screened": (0, 1), "sampled": (1, 1), "graded": (0, 1), "followed": (1, 1), "case_fast": (0, 1)}


def test_a_phase_window_moves_each_measure_its_own_way(qingxi):
    engine, conf = qingxi
    got = _figures(engine, conf, phase_window(conf, 1), D("2025-03-31"))
    assert {t: nd for (u, t), nd in got.items() if u == "QX"} == {
        "inspected": (1, 4),          # J1 only
        "duty_list": (2, 4),          # the latest month inside Jan–Mar: S2 March yes, S4 Feb yes
        "haccp": (2, 2),              # both valid on 03-31
        "additive": (1, 2),           # A1 pass, A2 fail
        "complaints_closed": (1, 1),  # P1 done; P2 is not due before 04-01
        "pilots": (1, 3),             # S1 by 03-31
        "fast_closure": (0, 1),       # P1 closed 02-20 after 14 working days
        "three_periods": (1, 2),      # S2 has no checklist by 03-31, S4 all three
        "screened": (1, 4),           # S1; S2's March screening left no plan
        "sampled": (2, 4),            # A1 (S1), A2 (S2)
        # d = 90 of 181: A and B need 1, C ceil(180/181) = 1, D ceil(270/181) = 2: S1 J1, S2 J5 met;
        # S3 (C) and S4 (D) have none by 03-31
        "graded": (2, 4),
        "followed": (0, 1),           # S2 flagged 03-01; J5 on 02-28 does not count
        "case_fast": (1, 1)}          # A2 → C1 in 19 days


def test_gap_lists_and_provenance_follow_the_measures(qingxi):
    engine, conf = qingxi
    viewer = system_viewer(engine, "QX")
    sel = selection.select(engine, conf, viewer, window=campaign_window(conf), as_of=D("2025-06-30"))
    gaps = missing_enterprises(engine, sel, target="inspected")
    assert [(r["credit_code"], r["reason"]) for r in gaps] == [(S2, "行动以来无日常检查记录"),
                                                              (S4, "行动以来无日常检查记录")]
    duty = missing_enterprises(engine, sel, target="duty_list")
    assert [(r["credit_code"], r["reason"]) for r in duty] == [(S2, "2025年6月未落实：食品安全员"),
                                                              (S3, "本期无主体责任月报")]
    haccp = missing_enterprises(engine, sel, target="haccp")
    assert [(r["credit_code"], r["reason"]) for r in haccp] == [(S3, "HACCP证书已过期")]
    periods = missing_enterprises(engine, sel, target="three_periods")
    assert [(r["credit_code"], r["reason"]) for r in periods] == [(S2, "2025年6月10日未落实：原料查验")]
    slow = missing_enterprises(engine, sel, target="fast_closure")
    assert [(r["problem_no"], r["reason"]) for r in slow] == [("P1", "用时14个工作日，超过5个工作日"),
                                                             ("P5", "用时28个工作日，超过5个工作日")]
    members = figure_members(engine, sel, target="inspected")
    assert [(m["credit_code"], m["is_numerator"], m["evidence_label"]) for m in members] == [
        (S1, 1, "监督检查：J1（符合）"), (S2, 0, None), (S3, 1, "监督检查：J2（符合）"), (S4, 0, None)]


def test_pace_and_briefing_speak_the_campaign_s_words(qingxi):
    engine, conf = qingxi
    figs = compute_targets(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-03-31"))
    paces = {f.target: pace_of(conf, f) for f in figs}
    assert paces["inspected"].expected < 1 and paces["additive"].expected == pytest.approx(0.98)
    s = build_summary(engine, conf, system_viewer(engine, "QX"), phase=2, as_of=D("2025-06-30"),
                      completeness=False)
    text = plain_text(briefing(s))
    assert "全县在产食品主体4家，其中规上主体2家、小作坊2家。" in text
    assert "各所完成情况" in text and "从2个所看" in text
    assert "肉制品" not in text and "全市" not in text and "分局" not in text
    assert [s.target(code)["definition"] for code in ("fast_closure", "three_periods")] == [
        "分子：统计区间内整改完成、且自发现起不超过5个工作日的问题数；分母：统计区间内整改完成的问题数。",
        "分子：统计区间内最近一期三个时段三项均为“是”的在产小作坊数；分母：在产小作坊数。"]


def test_the_new_measures_list_who_is_missing_and_why(qingxi):
    engine, conf = qingxi
    sel = selection.select(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-06-30"))

    def gaps(target, *keys):
        return [tuple(r[k] for k in keys) for r in missing_enterprises(engine, sel, target=target)]
    assert gaps("screened", "credit_code", "reason") == [(S3, "行动以来无风险排查（已制定一企一策方案）记录"),
                                                        (S4, "行动以来无风险排查（已制定一企一策方案）记录")]
    assert gaps("sampled", "credit_code", "reason") == [(S3, "本期无监督抽检（风险监测不计）记录")]
    assert gaps("graded", "credit_code", "reason") == [(S4, "风险等级D级：行动以来监督检查1次，截至统计日应不少于3次")]
    assert gaps("followed", "credit_code", "reason") == [
        (S1, "2025-06-01因A6抽检不合格列为风险隐患，此后至统计日未接受飞行检查或交叉检查"),
        (S2, "2025-03-01因A2抽检不合格列为风险隐患，此后至统计日未接受飞行检查或交叉检查")]
    assert gaps("case_fast", "sample_no", "sampling_date", "filed_date", "reason") == [
        ("A6", D("2025-06-01"), None, "尚未立案（已29天）"),
        ("A4", D("2025-05-01"), D("2025-06-15"), "用时45天，超过30天")]
    # a count of distinct subjects lists the population's candidates not counted yet (S1, S4 visited)
    assert gaps("pilots", "credit_code", "reason") == [(S2, "行动以来无包保督导记录（尚未计入）"),
                                                      (S3, "行动以来无包保督导记录（尚未计入）")]
    # who is behind each new figure, with the record that decided it
    members = figure_members(engine, sel, target="followed")
    assert [(m["credit_code"], m["is_numerator"], m["member_label"], m["evidence_label"]) for m in members] == [
        (S1, 0, "2025-06-01因A6抽检不合格列为风险隐患", None),
        (S2, 0, "2025-03-01因A2抽检不合格列为风险隐患", None),
        (S3, 1, "2025-06-10因第3个投诉举报问题（P10）列为风险隐患", "交叉检查：J6（符合）"),
        (S4, 1, "2025-05-01因A4抽检不合格列为风险隐患", "飞行检查：J7（符合）")]
    graded = figure_members(engine, sel, target="graded")
    assert [(m["credit_code"], m["is_numerator"], m["evidence_label"]) for m in graded] == [
        (S1, 1, "风险等级A级：监督检查1次，应达1次（最近：J1）"),
        (S2, 1, "风险等级B级：监督检查1次，应达1次（最近：J5）"),
        (S3, 1, "风险等级C级：监督检查2次，应达2次（最近：J6）"),
        (S4, 0, "风险等级D级：监督检查1次，应达3次（最近：J7）")]
    screened = figure_members(engine, sel, target="screened")
    assert [(m["credit_code"], m["evidence_label"], m["evidence_date"]) for m in screened] == [
        (S1, "风险排查：隐患 2 项（已制定一企一策方案）", D("2025-02-10")),
        (S2, "风险排查：隐患 2 项（已制定一企一策方案）", D("2025-05-10")),
        (S3, None, None), (S4, None, None)]


def test_risk_screening_counts_from_the_campaign_start_whatever_the_window(qingxi):
    engine, conf = qingxi
    got = _figures(engine, conf, phase_window(conf, 2), D("2025-06-30"))
    assert (got[("QX", "screened")], got[("QX", "sampled")]) == ((2, 4), (2, 4))  # sampled: A4 (S4), A6 (S1)
    # graded counts from the campaign start too; followed and case_fast take the window's batches and
    # complaints only: S1 (A6), S3 (P3, P9, P10), S4 (A4) flagged, S2's A2 was in phase 1
    assert (got[("QX", "graded")], got[("QX", "followed")], got[("QX", "case_fast")]) == ((3, 4), (2, 3), (0, 2))


def test_the_required_number_is_the_minimum_pro_rata_rounded_up():
    start, end = D("2025-01-01"), D("2025-06-30")  # 181 days
    assert [required_count(3, start, end, D(d)) for d in
            ("2024-12-31", "2025-01-01", "2025-03-31", "2025-04-30", "2025-05-01", "2025-06-30", "2025-09-30")] == [
        0, 1, 2, 2, 3, 3, 3]  # d = 0, 1, 90, 120 (360/181 < 2), 121 (363/181 > 2), 181 = D, past the end
    assert [required_count(m, start, end, D("2025-03-31")) for m in (0, 1, 2, 3)] == [0, 1, 1, 2]


def test_flagged_by_the_third_complaint_on_its_day(qingxi):
    engine, conf = qingxi
    sel = selection.select(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-06-09"))
    # on 06-09 S3 has two complaints in the window (P3, P9): not flagged
    before = figure_members(engine, sel, target="followed")
    assert [m["credit_code"] for m in before] == [S1, S2, S4]  # by A6 (06-01), A2, A4
    on = figure_members(engine, sel.at(as_of=D("2025-06-10")), target="followed")
    assert [(m["credit_code"], m["is_numerator"]) for m in on] == [(S1, 0), (S2, 0), (S3, 1), (S4, 1)]


def test_the_grade_matrix_counts_by_hand(qingxi):
    engine, conf = qingxi
    sel = selection.select(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-06-30"))
    cells = grade_matrix(engine, sel)
    got = {(c["unit_code"], c["grade"]): (c["count_enterprises"], c["count_inspections"], c["count_required"],
                                          c["count_met"]) for c in cells if c["count_enterprises"]}
    assert got == {("QX", "A"): (1, 1, 1, 1), ("QX", "B"): (1, 1, 1, 1), ("QX", "C"): (1, 2, 2, 1),
                   ("QX", "D"): (1, 1, 3, 0),
                   ("QX1", "A"): (1, 1, 1, 1), ("QX1", "B"): (1, 1, 1, 1),
                   ("QX2", "C"): (1, 2, 2, 1), ("QX2", "D"): (1, 1, 3, 0)}
    credit = grade_matrix(engine, sel, grade="信用等级")
    table = {r["unit_code"]: r for r in matrix_table(credit)}
    assert {k: table["QX"][k] for k in ("grade_a", "grade_b", "grade_c", "grade_none", "grade_total")} == {
        "grade_a": "1家｜检查 1/1次｜达标 1家", "grade_b": "2家｜检查 3/5次｜达标 1家", "grade_c": "—",
        "grade_none": "1家｜检查 1/1次｜达标 1家", "grade_total": "4家｜检查 5/7次｜达标 3家"}
    # mid-campaign (d = 90): D needs 2, C 1
    mid = grade_matrix(engine, sel.of("QX2").at(phase_window(conf, 1), as_of=D("2025-03-31")))
    assert {(c["unit_code"], c["grade"]): (c["count_inspections"], c["count_required"]) for c in mid
            if c["count_enterprises"]} == {("QX2", "C"): (0, 1), ("QX2", "D"): (0, 2), ("QX21", "D"): (0, 2)}


def test_every_measure_kind_brings_members_gaps_pace_and_sentences(qingxi):
    engine, conf = qingxi
    kinds = {m.kind: m for m in measures(conf)}
    assert set(kinds) == set(MEASURES)  # the temporary campaign has one target of every kind
    sel = selection.select(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-06-30"))
    for kind, m in kinds.items():
        assert m.pace in (CUMULATIVE, LEVEL), kind
        for key in ("definition", "gap_title", "gap_issue", "action"):
            assert m.word(key), (kind, key)
        assert m.members(engine, sel), kind  # every kind has someone behind its figure here
        assert m.gap_columns or m.gap_note, kind  # a gap list, or the reason it has none
        if m.goal("QX") is None:  # a ratio: the gap list is exactly its members outside the numerator
            assert len(m.gaps(engine, sel)) == sum(not r["is_numerator"] for r in m.members(engine, sel)), kind


def test_a_count_of_records_says_why_it_has_no_gap_list(qingxi, tmp_path):
    engine, _ = qingxi
    path = tmp_path / "records.yaml"
    path.write_text(CAMPAIGN.replace("record: 包保督导, goal: 3", "record: 包保督导, distinct: records, goal: 3"),
                    encoding="utf-8")
    conf = load_campaign(str(path))
    sel = selection.select(engine, conf, system_viewer(engine, "QX"), window=campaign_window(conf),
                           as_of=D("2025-06-30"))
    assert missing_enterprises(engine, sel, target="pilots") == []
    assert gap_note(conf, "pilots") == "包保试点数按包保督导记录数计，尚未发生的记录无法列出，没有尚缺清单；差额见完成情况。"
    assert "pilots" not in [spec.key for spec, _ in gap_specs(conf)]
    assert gap_note(conf, "inspected") is None


def test_a_target_due_at_a_phase_end_is_paced_to_it(qingxi):
    engine, conf = qingxi
    figs = {f.target: f for f in compute_targets(engine, conf, system_viewer(engine, "QX"),
                                                 window=campaign_window(conf), as_of=D("2025-03-31"))}
    screened, inspected = pace_of(conf, figs["screened"]), pace_of(conf, figs["inspected"])
    assert screened.expected == 1.0 and inspected.expected == pytest.approx(90 / 181)
    assert (screened.numerator, screened.denominator, screened.is_behind, screened.will_meet) == (1, 4, True, False)


# ------------------------------------------------------------------ refusals
def _refusal(tmp_path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(str(path))
    return str(e.value)


@pytest.mark.parametrize("old, new, message", [
    ("record: 监督检查, period", "record: 检查记录, period",
     "bad.yaml 第24行，键“record”：“检查记录”不可用（可用：企业自查、供应商评价、食安员抽考、包保督导、监督检查、检查清单、"
     "风险排查、监督抽检）"),
    ("measure: checklist", "measure: checklst",
     "bad.yaml 第27行，键“measure”：没有这个度量“checklst”（可用：coverage、checklist、valid_certificate、"
     "pass_rate、closure、count、within_days、graded_minimum、followup）"),
    ("goal: 3, goals", "gaol: 3, goals",
     "bad.yaml 第40行，键“gaol”：度量“count”没有参数“gaol”（可用：record、checklist、sources、exclude_sources、"
     "plan_required、distinct、period、goal、goals、population、due_phase）"),
    ("    population: large\n", "    population: big\n",
     "bad.yaml 第33行，键“population”：没有这个对象范围“big”（见 populations）"),
    ("threshold: 0.98", "threshold: 98",
     "bad.yaml 第37行，键“threshold”：须是 0 到 1 之间的小数（1.0 = 100%）"),
    ("  - {name: 巩固阶段, start_date: 2025-04-01, end_date: 2025-06-30",
     "  - {name: 巩固阶段, start_date: 2025-04-01, end_date: 2025-03-30",
     "bad.yaml 第17行，键“end_date”：阶段的结束日期早于开始日期"),
    ("    - {code: QX1, name: 东区市场监管所}", "    - {code: QX2, name: 东区市场监管所}",
     "bad.yaml 第11行，键“code”：单位代码“QX2”重复"),
    ("subject_types: [小作坊]", "subject_types: [作坊]",
     "bad.yaml 第21行，键“subject_types”：没有这个主体类型“作坊”（config/subjects.yaml 中有：生产企业、小作坊、"
     "屠宰企业、副产品加工点、餐饮服务、景区餐饮、星级酒店、农家乐、网红餐厅、团餐）"),
    ("code: fast_closure,", "code: pilots,",
     "bad.yaml 第41行，键“code”：目标代码“pilots”重复"),
    ("record: 监督检查, period", "record: 检查清单, period",
     "bad.yaml 第24行，键“record”：record 为 检查清单 时须用 checklist 写明清单名称"),
    ("wording: {scope: 全县", "wording: {scop: 全县",
     "bad.yaml 第22行，键“scop”：不认识的措辞键（可用：scope、children、child、units、subject、subject_unit）"),
    # the parameters of the new kinds and record filters
    ("{A: 1, B: 1, C: 2, D: 3}", "{A: 1, E: 2}", "bad.yaml 第52行，键“minimums”：没有等级“E”（可用：A、B、C、D）"),
    ("due_phase: 1", "due_phase: 3", "bad.yaml 第46行，键“due_phase”：须是 1 到 2 之间的阶段序号"),
    ("from: 抽样日期", "from: 发现日期", "bad.yaml 第55行，键“from”：不合格抽检没有“发现日期”（可用：抽样日期、立案日期）"),
    ("record: 监督抽检, exclude_sources", "record: 监督检查, exclude_sources",
     "bad.yaml 第47行，键“exclude_sources”：监督检查没有检查类型“风险监测”（可用：日常检查、飞行检查、交叉检查、双随机检查、专项检查）"),
    ("record: 风险排查, plan_required", "record: 企业自查, plan_required",
     "bad.yaml 第45行，键“plan_required”：只有 record 为 风险排查 时可用"),
    ("measure: followup, threshold", "measure: followup, complaints: 0, threshold",
     "bad.yaml 第54行，键“complaints”：须是正整数"),
    # texts longer than their database columns hold (PostgreSQL refused them when the file was written)
    ("    - {code: QX1, name: 东区市场监管所}", "    - {code: QX1, name: " + "东" * 101 + "}",
     "bad.yaml 第10行，键“name”：不能超过 100 个字符（现为 101 个）"),
    ("code: fast_closure,", "code: " + "c" * 65 + ",",
     "bad.yaml 第41行，键“code”：不能超过 64 个字符（现为 65 个）"),
    ("  - {name: 巩固阶段,", "  - {name: " + "巩" * 101 + ",",
     "bad.yaml 第17行，键“name”：不能超过 100 个字符（现为 101 个）"),
])
def test_a_wrong_file_is_refused_with_its_line_and_key(tmp_path, old, new, message):
    assert old in CAMPAIGN
    assert _refusal(tmp_path, CAMPAIGN.replace(old, new, 1)) == message


def test_a_missing_key_and_broken_yaml_are_refused(tmp_path):
    assert _refusal(tmp_path, CAMPAIGN.replace("    items: [主要负责人, 食品安全员]\n", "")) == (
        "bad.yaml 第25行：度量“checklist”缺少参数“items”（须全部为“是”的项目）")
    assert _refusal(tmp_path, CAMPAIGN.replace("code: qingxi-2025\n", "")) == (
        "bad.yaml 第1行：行动配置缺少必填键“code”")
    assert _refusal(tmp_path, CAMPAIGN.replace("org_units:\n", "org_units: [\n")).startswith(
        "bad.yaml 第")


def test_the_command_line_refuses_a_wrong_file_without_a_traceback(db_url, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(CAMPAIGN.replace("measure: checklist", "measure: checklst", 1), encoding="utf-8")
    assert main(["--db", db_url, "--campaign", str(path), "targets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("行动配置有误：bad.yaml 第27行，键“measure”：没有这个度量“checklst”") and "Traceback" not in err


# ------------------------------------------------------------------ the count queries equal the members
# The four measures counted by queries binding their own parameters (record_coverage_, graded_minimum_
# and followup_counts_by_unit.sql) against their members (dashboard.figures.measures), on random
# subjects, records, parameters, windows, as-of dates and viewers: every report unit's n of d agrees.
# few days, at the edges that matter (the start, phase 1's end, 04-30/05-01 where D needs 2 then 3, the
# end), so records share days with each other and with windows: ties and boundaries are frequent
RANDOM_DAYS = st.sampled_from([D(d) for d in ("2024-12-31", "2025-01-01", "2025-01-02", "2025-03-31", "2025-04-01",
                                              "2025-04-30", "2025-05-01", "2025-06-29", "2025-06-30", "2025-07-01")])
SUBJECT_ROWS = st.tuples(st.sampled_from(["QX", "QX1", "QX2", "QX21"]), st.booleans(),
                         st.sampled_from(["在产", "在产", "在产", "停产"]), st.sampled_from(["生产企业", "小作坊"]),
                         st.sampled_from(["A", "B", "C", "D", "X"]), st.sampled_from(["A", "B", "D", None]))
SUBJECT_INDEX = st.integers(min_value=0, max_value=7)
RECORDS = st.fixed_dictionaries({
    "subjects": st.lists(SUBJECT_ROWS, min_size=8, max_size=8),
    "inspections": st.lists(st.tuples(SUBJECT_INDEX, RANDOM_DAYS, st.sampled_from(INSPECTION_TYPES)), min_size=10,
                            max_size=30),
    "screenings": st.lists(st.tuples(SUBJECT_INDEX, RANDOM_DAYS, st.booleans()), max_size=12,
                           unique_by=lambda r: (r[0], r[1])),
    "samplings": st.lists(st.tuples(SUBJECT_INDEX, RANDOM_DAYS, st.sampled_from(TASK_SOURCES),
                                    st.sampled_from(["合格", "不合格"])), min_size=6,
                         max_size=20),
    "problems": st.lists(st.tuples(SUBJECT_INDEX, RANDOM_DAYS, st.sampled_from(PROBLEM_SOURCES)), min_size=10,
                         max_size=30)})


def _some(values, most: int | None = None) -> st.SearchStrategy:
    return st.lists(st.sampled_from(values), min_size=1, max_size=most or len(values), unique=True)


@st.composite
def _coverage_params(draw) -> dict:
    record = draw(st.sampled_from(["风险排查", "监督抽检", "监督检查"]))
    p = {"record": record, "period": draw(st.sampled_from(["统计区间", "行动以来"]))}
    if record == "风险排查":
        p["plan_required"] = draw(st.booleans())
    else:
        allowed = TASK_SOURCES if record == "监督抽检" else INSPECTION_TYPES
        for key in ("sources", "exclude_sources"):
            if draw(st.booleans()):
                p[key] = draw(_some(allowed))
    return p


MEASURE_PARAMS = st.tuples(
    _coverage_params(),
    st.fixed_dictionaries({"grade": st.sampled_from(["风险等级", "信用等级"]),
                           "minimums": st.dictionaries(st.sampled_from(["A", "B", "C", "D"]),
                                                       st.integers(0, 3), min_size=1)}),
    st.fixed_dictionaries({"exclude_sources": _some(TASK_SOURCES, 2), "complaint_sources": _some(PROBLEM_SOURCES),
                           "complaints": st.integers(1, 3), "inspection_types": _some(INSPECTION_TYPES)}))


@pytest.fixture(scope="module", params=BACKENDS)
def qingxi_empty(request, tmp_path_factory):
    """The campaign's units and no record: each example below writes its own."""
    yield from _campaign_database(request.param, tmp_path_factory)


def _write_random(engine, data: dict) -> None:
    codes = [f"91330000QXRAND{n:04d}" for n in range(8)]
    with engine.begin() as conn:
        for table in (Inspection, RiskScreening, Sampling, Problem, BatchEnterprise, Enterprise, UploadBatch):
            conn.execute(delete(table))
        units = dict(conn.execute(select(OrgUnit.code, OrgUnit.unit_id)).all())
        b = conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), dict(
            file_name="random.xlsx", sha256="2" * 64, uploader="test", uploaded_at=datetime(2025, 7, 1),
            status="committed")).scalar_one()
        conn.execute(insert(Enterprise), [
            dict(credit_code=c, name=f"主体{n}", unit_id=units[u], is_large=big, status=status, subject_type=kind,
                 risk_grade=risk, credit_grade=credit, cadre_name=None, batch_id=b)
            for n, (c, (u, big, status, kind, risk, credit)) in enumerate(zip(codes, data["subjects"]))])
        pair_enterprises(conn, b)
        rows = {
            Inspection: [dict(inspection_no=f"J{n}", credit_code=codes[i], inspection_date=d, inspection_type=t,
                              count_problems=0, result="符合", batch_id=b)
                         for n, (i, d, t) in enumerate(data["inspections"])],
            RiskScreening: [dict(credit_code=codes[i], screening_date=d, agency="第三方", count_hazards=1,
                                 has_plan=plan, batch_id=b) for i, d, plan in data["screenings"]],
            Sampling: [_sample(f"A{n}", codes[i], d.isoformat(), src, "食品添加剂", verdict, b)
                       for n, (i, d, src, verdict) in enumerate(data["samplings"])],
            Problem: [_problem(f"P{n}", codes[i], src, d.isoformat(), d.isoformat(), None, None, b)
                      for n, (i, d, src) in enumerate(data["problems"])]}
        for table, values in rows.items():
            if values:
                conn.execute(insert(table), values)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=RECORDS, params=MEASURE_PARAMS, a=RANDOM_DAYS, b=RANDOM_DAYS, extra=st.sampled_from([0, 1, 30]),
       population=st.sampled_from([None, None, "large", "workshops"]), viewer_unit=st.sampled_from(["QX", "QX2"]))
def test_the_count_queries_equal_the_members_on_random_records(qingxi_empty, data, params, a, b, extra,
                                                                population, viewer_unit):
    engine, conf = qingxi_empty
    _write_random(engine, data)
    start, end = min(a, b), max(a, b)
    sel = selection.select(engine, conf, system_viewer(engine, viewer_unit), window=Window(start, end, "w"),
                           as_of=end + timedelta(days=extra))
    units = [sel.unit, *sel.children]
    for kind, p in zip(("coverage", "graded_minimum", "followup"), params):
        m = measure_of(conf, TargetConf("random", "随机", 1.0, kind, {**p, "population": population}))
        query, key = m.count_key
        rows = execute(engine, query, report_unit_ids=[u["unit_id"] for u in units], **sel.params,
                       **m.count_params(sel.params))
        counted = {(r["unit_id"], m.code): (int(r["numerator"] or 0), int(r["denominator"] or 0))
                   for r in rows if r["count_key"] == key}
        members = {k: v for k, v in targets._member_counts(engine, m, sel, units).items() if v != (0, 0)}
        assert counted == members, (kind, p)
        # --hypothesis-show-statistics: how often each kind had members, and members missing
        event(f"{kind}: {'some' if members else 'no'} member, "
              f"{'some' if any(n < d for n, d in members.values()) else 'none'} missing")


@pytest.mark.parametrize("path", sorted(campaign_files()), ids=lambda p: p.name)
def test_libyaml_reads_every_campaign_file_as_the_python_parser_does(path):
    """load_yaml parses with libyaml (campaign_check._FastLoader): the same values, and the same line
    of every mapping and key, as the pure-Python parser the error messages come from."""
    def lines(x):
        if isinstance(x, dict):
            yield x.line, x.lines
            for v in x.values():
                yield from lines(v)
        elif isinstance(x, list):
            for v in x:
                yield from lines(v)
    text = path.read_text(encoding="utf-8")
    fast, slow = campaign_check.load_yaml(text), yaml.load(text, Loader=campaign_check._Loader)  # noqa: S506
    assert campaign_check._FastLoader.__mro__[1] is yaml.CSafeLoader
    assert fast == slow and list(lines(fast)) == list(lines(slow)) and len(list(lines(fast))) > 20


def test_a_yaml_syntax_error_keeps_the_python_parsers_wording():
    with pytest.raises(CampaignError) as e:
        campaign_check.load_yaml("code: x\nname: [未闭合\n", "bad.yaml")
    assert str(e.value) == "bad.yaml 第3行：YAML 格式错误（expected ',' or ']', but got '<stream end>'）"
