"""The tiny county the target engine is checked against, built by hand (not through the
importer), every n and d of its figures worked out by hand in test_targets.py.

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

The fixture is `tiny_county` (tests/conftest.py).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select

from dashboard.campaign import campaign_window, load_campaign, phase_window

from dashboard.periods import month_window
from tests.databases import pair_enterprises
from dashboard.models import (CadreVisit, Enterprise, ManagementSystem, OfficerExam, OrgUnit,
                              Problem, Responsibility, Sampling, SelfInspection,
                              SupplierEvaluation, UploadBatch)
from dashboard.rollups import rebuild_rollups

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
        pair_enterprises(conn, b)
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


WINDOWS = {
    "phase2": (phase_window(CONF, 2), None),
    "june": (month_window("2023-06"), None),
    "campaign": (campaign_window(CONF), None),
    "clipped": (phase_window(CONF, 2), D("2023-07-15")),
}
