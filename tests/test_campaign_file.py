"""A campaign that exists only in a temporary file: other units (three levels), other phases, two
populations and one target of every measure kind, over a small database built by hand. Every
figure below is counted by hand from the records listed here; nothing of it is in Python.

    QX 青溪县局 ─ QX1 东区所: S1 规上 在产, S2 小作坊 在产
                └ QX2 西区所: S3 规上 在产
                   └ QX21 西区站: S4 小作坊 在产, S5 规上 停产 (in no population)

Campaign 2025-01-01..06-30 (phases 01-01..03-31 and 04-01..06-30); figures of the whole campaign
are taken on as_of 06-30, those of phase 1 on 03-31.

A wrong campaign file is refused at load, naming the file, the line and the key.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from dashboard.access import system_viewer
from dashboard.campaign import CampaignError, campaign_window, load_campaign, phase_window, sync_campaign
from dashboard.db import get_engine, upgrade
from dashboard.exports import build_summary
from dashboard.exports.narrative import briefing, plain_text
from dashboard.figures.gaps import missing_enterprises
from dashboard.models import (CadreVisit, ChecklistItem, Enterprise, Inspection, ManagementSystem, OrgUnit, Problem,
                              Responsibility, Sampling, UploadBatch)
from dashboard.figures.pace import pace_of
from dashboard.figures.records import figure_members
from dashboard.figures import selection  # its select, beside SQLAlchemy's
from dashboard.figures.targets import compute_targets
from tests.conftest import BACKENDS, _drop_pg_database, PG_URL, new_database

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
  - {code: inspected, name: 监督检查覆盖率, measure: coverage, record: 监督检查, period: 行动以来, threshold: 1.0}
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
            dict(credit_code=c, name=n, unit_id=units[u], is_large=big, risk_grade="B", status=st,
                 cadre_name=None, batch_id=b, subject_type=kind)
            for c, n, u, big, st, kind in [
                (S1, "东区甲糕点坊", "QX1", True, "在产", "生产企业"), (S2, "东区乙豆腐坊", "QX1", False, "在产", "小作坊"),
                (S3, "西区甲食品厂", "QX2", True, "在产", "生产企业"), (S4, "西区乙面坊", "QX21", False, "在产", "小作坊"),
                (S5, "西区丙酱坊", "QX21", True, "停产", "小作坊")]])
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
            _sample("A5", S5, "2025-05-02", "市抽", "食品添加剂", "合格", b)])       # 停产 still counts
        conn.execute(insert(Problem), [
            _problem("P1", S1, "投诉举报", "2025-02-01", "2025-03-01", "2025-02-20", "已整改", b),
            _problem("P2", S2, "监督检查", "2025-03-01", "2025-04-01", None, "整改中", b),
            _problem("P3", S3, "投诉举报", "2025-05-01", "2025-07-15", None, "整改中", b),  # not yet due
            _problem("P4", S4, "企业自查", "2025-02-01", "2025-03-01", None, None, b),      # other source
            _problem("P5", S4, "监督检查", "2025-04-01", "2025-05-01", "2025-05-10", "整改中", b),
            _problem("P6", S3, "监督检查", "2024-12-01", "2024-12-31", None, None, b),      # before start
            _problem("P7", S2, "投诉举报", "2025-06-06", "2025-06-20", "2025-06-13", "已整改", b),
            _problem("P8", S3, "监督检查", "2025-06-02", "2025-07-31", "2025-06-04", "已整改", b)])
        conn.execute(insert(CadreVisit), [
            dict(credit_code=c, visit_date=D(d), cadre_name="包保员", cadre_level="C级", count_problems=0,
                 batch_id=b)
            for c, d in [(S1, "2025-02-01"), (S1, "2025-03-01"), (S4, "2025-04-01")]])


@pytest.fixture(scope="module", params=BACKENDS)
def qingxi(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("campaigns") / "qingxi-2025.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    conf = load_campaign(str(path))
    url = new_database(request.param, tmp_path_factory)
    engine = get_engine(url)
    upgrade(engine)
    sync_campaign(engine, conf)
    _build(engine)
    yield engine, conf
    if request.param == "postgresql":
        _drop_pg_database(PG_URL, url)
    else:
        engine.dispose()


def _figures(engine, conf, window, as_of, unit=None):
    figs = compute_targets(engine, conf, system_viewer(engine, "QX"), unit=unit, window=window, as_of=as_of,
                           by_unit=True)
    return {(f.unit_code, f.target): (f.numerator, f.denominator) for f in figs}


# (unit, target) → (n, d) over the whole campaign on 06-30, counted by hand from the records above
CAMPAIGN_FIGURES = {
    # coverage 监督检查 since the start: J1 (S1), J2 (S3); J3 is 停产's, J4 after as_of
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
        "complaints_closed": (0, 1), "pilots": (1, 3), "fast_closure": (0, 1), "three_periods": (1, 1)}


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
        "three_periods": (1, 2)}      # S2 has no checklist by 03-31, S4 all three


def test_gap_lists_and_provenance_follow_the_measures(qingxi):
    engine, conf = qingxi
    viewer = system_viewer(engine, "QX")
    sel = selection.select(engine, conf, viewer, window=campaign_window(conf), as_of=D("2025-06-30"))
    gaps = missing_enterprises(engine, sel, target="inspected")
    assert [(r["credit_code"], r["reason"]) for r in gaps] == [(S2, "行动以来无监督检查记录"),
                                                              (S4, "行动以来无监督检查记录")]
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
    assert [t["definition"] for t in s.targets][-2:] == [
        "分子：统计区间内整改完成、且自发现起不超过5个工作日的问题数；分母：统计区间内整改完成的问题数。",
        "分子：统计区间内最近一期三个时段三项均为“是”的在产小作坊数；分母：在产小作坊数。"]


# ------------------------------------------------------------------ refusals
def _refusal(tmp_path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(str(path))
    return str(e.value)


@pytest.mark.parametrize("old, new, message", [
    ("record: 监督检查, period", "record: 检查记录, period",
     "bad.yaml 第24行，键“record”：“检查记录”不可用（可用：企业自查、供应商评价、食安员抽考、包保督导、监督检查、检查清单）"),
    ("measure: checklist", "measure: checklst",
     "bad.yaml 第27行，键“measure”：没有这个度量“checklst”（可用：coverage、checklist、valid_certificate、"
     "pass_rate、closure、count、within_days）"),
    ("goal: 3, goals", "gaol: 3, goals",
     "bad.yaml 第40行，键“gaol”：度量“count”没有参数“gaol”（可用：record、checklist、distinct、period、goal、goals、population）"),
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
    ("wording: {scope: 全县", "wording: {scop: 全县",
     "bad.yaml 第22行，键“scop”：不认识的措辞键（可用：scope、children、child、units、subject、subject_unit）"),
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


def test_the_command_line_refuses_a_wrong_file_without_a_traceback(tmp_path, capsys):
    from dashboard.__main__ import main
    path = tmp_path / "bad.yaml"
    path.write_text(CAMPAIGN.replace("measure: checklist", "measure: checklst", 1), encoding="utf-8")
    assert main(["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--campaign", str(path), "targets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("行动配置有误：bad.yaml 第27行，键“measure”：没有这个度量“checklst”") and "Traceback" not in err
