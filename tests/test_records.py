"""Provenance and the breakdowns: the records listed behind a figure are exactly its numerator and
denominator (for every target, unit and several windows), each with its upload batch; an
enterprise's file holds every record; sampling and problem breakdowns agree with the engine."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from dashboard.figures.breakdowns import pass_rate_by, problem_rows, sampling_rows
from dashboard.campaign import load_campaign, phase_window
from dashboard.periods import Window, month_window
from dashboard.figures.exceptions import report_status, silent_units, undisposed_samples
from dashboard.figures.records import data_version, enterprise_file, figure_members, search_enterprises
from dashboard.figures.selection import select
from dashboard.figures.targets import compute_targets, overdue_problems

CONF = load_campaign()
WINDOWS = [Window(CONF.start_date, CONF.end_date, ""), phase_window(CONF, 1), phase_window(CONF, 3),
           month_window("2023-06")]


@pytest.mark.parametrize("as_of_at", ["window_end", "campaign_end"])
@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w.start_date}_{w.end_date}")
def test_members_are_exactly_the_engines_numerator_and_denominator(sample_county, window, as_of_at):
    """Also with as_of after the window's end: the cumulative targets then count up to as_of."""
    eng, viewer = sample_county.engine, sample_county.system
    as_of = window.end_date if as_of_at == "window_end" else CONF.end_date
    for f in compute_targets(eng, CONF, viewer, window=window, as_of=as_of, by_unit=True):
        rows = figure_members(eng, select(eng, CONF, viewer, unit=f.unit_code, window=window, as_of=as_of),
                              target=f.target)
        assert (sum(r["is_numerator"] for r in rows), len(rows)) == (f.numerator, f.denominator), \
            (f.unit_code, f.target)
        for r in rows:
            assert r["member_file_name"] and r["member_uploader"] and r["member_uploaded_at"]
            if r["is_numerator"] and f.target not in ("sampling_pass", "officer_exam_pass", "rectification"):
                assert r["evidence_file_name"], (f.target, r)


def test_enterprise_file_holds_every_record_with_its_batch(sample_county):
    eng, viewer = sample_county.engine, sample_county.system
    with eng.connect() as conn:
        code = conn.execute(text("select credit_code from problem order by credit_code limit 1")).scalar()
        counts = {t: conn.execute(text(f"select count(*) from {t} where credit_code = :c"), {"c": code}).scalar()
                  for t in ("self_inspection", "responsibility", "management_system", "supplier_evaluation",
                            "officer_exam", "inspection", "problem", "sampling", "cadre_visit",
                            "star_rating", "enforcement_case", "risk_screening")}  # fixed table names
    file = enterprise_file(eng, viewer, code)
    assert file["enterprise"]["credit_code"] == code and file["enterprise"]["file_name"]
    assert {t: len(rows) for t, rows in file["sections"].items()} == counts
    for rows in file["sections"].values():
        assert all(r["file_name"] and r["uploader"] and r["uploaded_at"] for r in rows)
    assert enterprise_file(eng, viewer, "000000000000000000") is None


def test_search_by_name_or_code_and_unit(sample_county):
    eng, viewer = sample_county.engine, sample_county.system
    everyone = search_enterprises(eng, viewer, "食品", limit=10_000)
    mine = search_enterprises(eng, viewer, "食品", unit="DT03", limit=10_000)
    assert 0 < len(mine) < len(everyone) and {r["unit_code"] for r in mine} == {"DT03"}
    code = everyone[0]["credit_code"]
    assert [r["credit_code"] for r in search_enterprises(eng, viewer, code)] == [code]
    assert search_enterprises(eng, viewer, "   ") == []


def test_breakdowns_agree_with_the_engine(sample_county):
    eng, viewer = sample_county.engine, sample_county.system
    window = phase_window(CONF, 2)
    fig = next(f for f in compute_targets(eng, CONF, viewer, window=window) if f.target == "sampling_pass")
    rows = sampling_rows(eng, select(eng, CONF, viewer, window=window))
    counted = [r for r in rows if r["is_counted"]]
    assert (sum(r["verdict"] == "合格" for r in counted), len(counted)) == (fig.numerator, fig.denominator)
    by_cat = pass_rate_by(rows, "food_category")
    assert sum(g["count_samples"] for g in by_cat) == fig.denominator
    assert sum(g["count_passed"] for g in by_cat) == fig.numerator
    assert {g["hazard_class"] for g in pass_rate_by(rows, "hazard_class")} >= {
        "兽药残留", "致病性微生物", "食品添加剂", "非食用物质", "动物源性成分"}
    as_of = date(2023, 11, 30)
    problems = problem_rows(eng, select(eng, CONF, viewer, as_of=as_of))
    overdue = overdue_problems(eng, select(eng, CONF, viewer, as_of=as_of))
    assert {r["problem_no"] for r in problems if r["state"] == "逾期未整改"} == {p["problem_no"] for p in overdue}
    rect = next(f for f in compute_targets(eng, CONF, viewer, as_of=as_of) if f.target == "rectification")
    checked = [r for r in problems if r["source"] == "监督检查"]
    assert (sum(r["state"] == "已整改" for r in checked), len(checked)) == (rect.numerator, rect.denominator)


def test_exceptions_undisposed_and_silent_units(sample_county):
    eng, viewer = sample_county.engine, sample_county.system
    for r in undisposed_samples(eng, select(eng, CONF, viewer, as_of=date(2023, 11, 30))):
        assert r["verdict"] != "合格" and r["disposal_status"] != "已完成"
    # A unit is silent when nothing of the month of as_of has come: no record dated in it and no
    # upload during it. The sample county's uploads come in the first days of the next month;
    # 唐洋分局 (DT10) sent its September report last, on 4 October at 17:16 (and, per
    # dashboard.demo.DEMO_MISSING, no October report), with no record dated 1-3 October.
    october_3 = report_status(eng, select(eng, CONF, viewer, as_of=date(2023, 10, 3)))
    assert [r["unit_code"] for r in october_3] == [f"DT{i:02d}" for i in range(1, 13)]
    assert [(r["unit_code"], r["record_count"], r["last_upload"])
            for r in silent_units(eng, select(eng, CONF, viewer, as_of=date(2023, 10, 3)))] == [("DT10", 0, None)]
    assert silent_units(eng, select(eng, CONF, viewer, as_of=date(2023, 10, 4))) == []
    october_3_dt10 = select(eng, CONF, viewer, unit="DT10", as_of=date(2023, 10, 3))
    assert silent_units(eng, october_3_dt10)[0]["unit_code"] == "DT10"
    assert silent_units(eng, select(eng, CONF, viewer, unit="DT03", as_of=date(2023, 10, 3))) == []


def test_data_version_changes_with_a_new_batch(empty_engine):
    before = data_version(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("insert into upload_batch (file_name, sha256, uploader, uploaded_at, status, rows_json) "
                          "values ('x.xlsx', 'abc', 'tester', :t, 'committed', '{}')"), {"t": date(2023, 5, 1)})
    after = data_version(empty_engine)
    assert after != before and after[1] == before[1] + 1
