"""The 严打 and 星级 county: the small county (tests/upload_support.seed_county: 城区分局 DT01 enterprises
1–4, 4 停产; 开发区分局 DT02 5–6) with cases, serious 不合格 batches, ratings, screenings and grade
changes written by hand, every count of tests/test_strike_stars.py worked out from this list.

Cases (立案日期, 违法类型, 罚没金额, 移送公安, 来源编号 → what it links to):
    K1 e1 DT01 2023-05-10 使用非食用物质     50000   是  S1 (e1's sample)
    K2 e1 DT01 2023-06-15 超范围超限量使用食品添加剂 3000.5 否  P1 (e1's problem)
    K3 e2 DT01 2023-07-01 使用非食用物质     —       是  —
    K4 e5 DT02 2023-08-31 无检疫合格证明     20000   否  I1 (e5's inspection)
    K5 e6 DT02 2023-09-05 HOSTILE_TYPE       100     否  S9 (e5's sample: another enterprise, no link)
    K6 e3 DT01 2023-04-20 其他               1000    否  —
    K7 e6 DT02 2023-09-01 使用非食用物质     8000    是  P6 (e6's problem, whose 来源编号 is S7)

Serious 不合格 batches (non 风险监测, 非食用物质 tested or 病死 in the items):
    S1 e1 05-01 非食用物质          linked by K1's 来源编号
    S2 e2 06-01 兽药残留、非食用物质  linked by K3 (no 来源编号, same enterprise, filed 07-01 ≥ 06-01)
    S3 e5 06-10 兽药残留, 病死…     no case (K4 names I1): unfiled from 07-10 (30 days)
    S7 e6 07-20 动物源性成分、非食用物质 linked via P6 by K7 from 09-01; unfiled 08-19 … 08-31
    S8 e3 05-02 非食用物质          K6 (no 来源编号) was filed before it: unfiled from 06-01
Not serious: S4 (风险监测), S5 (食品添加剂 only), S6 (合格), S9 (合格).

Ratings: e1 2022 三星级 2023 三星级 (示范 2023); e2 2022 二星级 2023 三星级; e3 2023 一星级;
e5 2021 三星级 2022 三星级 (示范 2022) 2023 未评上; e6 (the hostile name) 2022 三星级 2023 三星级
(示范 2023).
Screenings: e1 2023-03-20 (5 hazards, plan) and 2023-04-10 (2 hazards, no plan).
Grades of e1: B/A (seed, batch 1) → C/A (batch 3) → C/B (batch 4); D/B (batch 5) rolled back.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, update

from builders import ENTERPRISE_HEADERS, code, enterprise_row, sheet, xlsx
from dashboard.access import system_viewer
from dashboard.importer import import_workbook, rollback_batch
from tests.databases import pair_enterprises
from dashboard.models import (EnforcementCase, Enterprise, Inspection, Problem, RiskScreening, Sampling,
                              StarRating, UploadBatch)

D = date.fromisoformat
E = {n: code(n) for n in range(1, 7)}
HOSTILE_TYPE = "<b>粗</b>**强调**[链接](http://evil.example)<img src=x onerror=alert(1)>"
HOSTILE_NAME = "<script>alert(1)</script>**开发区**[乙](http://evil.example)肉业"


def _sample(no, n, on, classes, verdict="不合格", source="县抽", items="亚硝酸盐║35║≤30", batch=2):
    return dict(sample_no=no, credit_code=E[n], food_name=f"酱肉{no}", food_category="酱卤肉制品",
                sampling_date=D(on), task_source=source, hazard_classes=classes, verdict=verdict,
                failed_items=items if verdict == "不合格" else None,
                disposal_status="处置中" if verdict == "不合格" else None, batch_id=batch)


def _case(no, n, filed, kind, fine, police, source_no, batch=2):
    return dict(case_no=no, credit_code=E[n], filed_date=D(filed), violation_type=kind, fine_amount=fine,
                is_transferred_police=police, source_no=source_no, batch_id=batch)


def _registry(n_risk: str, n_credit: str) -> bytes:
    return xlsx(sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(1, 风险等级=n_risk, 信用等级=n_credit)]))


def build(engine) -> None:
    """On the small county (its registry is batch 1)."""
    with engine.begin() as conn:
        b = conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), dict(
            file_name="strike.xlsx", sha256="1" * 64, uploader="test", uploaded_at=datetime(2023, 9, 30),
            status="committed")).scalar_one()
        assert b == 2
        pair_enterprises(conn, b)
        conn.execute(update(Enterprise).where(Enterprise.credit_code == E[6]).values(name=HOSTILE_NAME))
        conn.execute(insert(Sampling), [
            _sample("S1", 1, "2023-05-01", "非食用物质"),
            _sample("S2", 2, "2023-06-01", "兽药残留、非食用物质", source="市抽"),
            _sample("S3", 5, "2023-06-10", "兽药残留", items="病死畜禽肉检出║阳性║阴性"),
            _sample("S4", 6, "2023-07-01", "非食用物质", source="风险监测"),
            _sample("S5", 6, "2023-07-01", "食品添加剂"),
            _sample("S6", 1, "2023-08-01", "非食用物质", verdict="合格"),
            _sample("S7", 6, "2023-07-20", "动物源性成分、非食用物质"),
            _sample("S8", 3, "2023-05-02", "非食用物质"),
            _sample("S9", 5, "2023-05-05", "兽药残留", verdict="合格")])
        conn.execute(insert(Problem), [
            dict(problem_no="P1", credit_code=E[1], source="监督检查", source_no=None, description="原料索证不全",
                 found_date=D("2023-06-01"), deadline_date=D("2023-06-30"), batch_id=b),
            dict(problem_no="P6", credit_code=E[6], source="监督抽检", source_no="S7",
                 description="抽检检出非食用物质", found_date=D("2023-07-25"), deadline_date=D("2023-08-25"),
                 batch_id=b)])
        conn.execute(insert(Inspection), [
            dict(inspection_no="I1", credit_code=E[5], inspection_date=D("2023-08-20"), inspection_type="飞行检查",
                 count_problems=1, result="不符合", batch_id=b)])
        conn.execute(insert(EnforcementCase), [
            _case("K1", 1, "2023-05-10", "使用非食用物质", 50000, True, "S1"),
            _case("K2", 1, "2023-06-15", "超范围超限量使用食品添加剂", 3000.5, False, "P1"),
            _case("K3", 2, "2023-07-01", "使用非食用物质", None, True, None),
            _case("K4", 5, "2023-08-31", "无检疫合格证明", 20000, False, "I1"),
            _case("K5", 6, "2023-09-05", HOSTILE_TYPE, 100, False, "S9"),
            _case("K6", 3, "2023-04-20", "其他", 1000, False, None),
            _case("K7", 6, "2023-09-01", "使用非食用物质", 8000, True, "P6")])
        conn.execute(insert(StarRating), [
            dict(credit_code=E[n], year=y, score=s, star=star, batch_id=b)
            for n, y, s, star in [(1, 2022, 95, "三星级"), (1, 2023, 92, "三星级"), (2, 2022, 85, "二星级"),
                                  (2, 2023, 91, "三星级"), (3, 2023, 72, "一星级"), (5, 2021, 93, "三星级"),
                                  (5, 2022, 94, "三星级"), (5, 2023, 60, "未评上"), (6, 2022, 91, "三星级"),
                                  (6, 2023, 90, "三星级")]])
        conn.execute(insert(RiskScreening), [
            dict(credit_code=E[1], screening_date=D("2023-03-20"), agency="第三方机构甲", count_hazards=5,
                 has_plan=True, batch_id=b),
            dict(credit_code=E[1], screening_date=D("2023-04-10"), agency=None, count_hazards=2,
                 has_plan=False, batch_id=b)])
    operator = system_viewer(engine)
    for batch, (risk, credit), when in ((3, ("C", "A"), datetime(2023, 5, 2)), (4, ("C", "B"), datetime(2023, 6, 2)),
                                        (5, ("D", "B"), datetime(2023, 7, 2))):
        result = import_workbook(engine, _registry(risk, credit), viewer=operator, uploader=f"u{batch}",
                                 file_name=f"名录{batch}.xlsx", uploaded_at=when)
        assert result.status == "imported" and result.batch_id == batch, result.errors
    rollback_batch(engine, 5, viewer=operator)
