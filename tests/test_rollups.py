"""Rollups (dashboard.rollups): the figures read from them equal the figures counted from raw
records on any window and unit — a Python oracle for the two rollup-backed figures, the raw-record
member queries for all nine — and incremental upkeep (import, rollback, an enterprise moving to
another unit) equals a full rebuild."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, inspect as sa_inspect, select, text, update

import dashboard.db
from dashboard.__main__ import main
from dashboard.access import Viewer, system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import execute, load_query
from dashboard.demo import build_demo
from dashboard.figures import selection  # its select, beside SQLAlchemy's
from dashboard.figures import stored
from dashboard.figures.exceptions import report_status
from dashboard.figures.measures import measures
from dashboard.figures.records import figure_members
from dashboard.figures.reporting import DATED_SHEETS
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook, rollback_batch
from dashboard.models import (Base, CadreVisit, Enterprise, OfficerExam, OrgUnit, OrgUnitClosure, Sampling,
                              SelfInspection, SupplierEvaluation, UploadBatch)
from dashboard.periods import Window
from dashboard.periods import month_bounds
from dashboard.rollups import rebuild, rebuild_rollups, rollup_rows, units_of

from tests.builders import (EXAM_HEADERS, SELF_HEADERS, SUPPLIER_HEADERS, VISIT_HEADERS, code, registry, sampling,
                            sampling_row, sheet, xlsx)
from tests.databases import (BACKENDS, PG_URL, drop_pg_database, new_database, pair_enterprises, prepared_engine,
                             rebuilt_rollups)

pytestmark = pytest.mark.slow  # builds the sample county on each backend

START, END = date(2023, 3, 1), date(2023, 11, 30)
FIGURES = ("self_inspection", "sampling_pass")


@pytest.fixture(scope="session", params=BACKENDS)
def sample_county_each_backend(request, tmp_path_factory):
    """The sample county, built once per session and backend through the importer."""
    url = new_database(request.param, tmp_path_factory)
    engine = prepared_engine(url)
    build_demo(engine, load_campaign())
    yield engine, _raw_facts(engine)
    if request.param == "postgresql":
        drop_pg_database(PG_URL, url)
    else:
        engine.dispose()


def _raw_facts(engine):
    """Everything the raw-record oracle needs, read once."""
    with engine.connect() as conn:
        closure = defaultdict(set)
        for a, d in conn.execute(select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id)):
            closure[a].add(d)
        enterprises = {c: (u, s) for c, u, s in conn.execute(
            select(Enterprise.credit_code, Enterprise.unit_id, Enterprise.status))}
        samples = conn.execute(select(Sampling.credit_code, Sampling.sampling_date,
                                      Sampling.task_source, Sampling.verdict)).all()
        inspections = conn.execute(select(SelfInspection.credit_code,
                                          SelfInspection.inspection_date)).all()
    return {"closure": closure, "enterprises": enterprises, "samples": samples,
            "inspections": inspections}


def _as_date(d):
    return date.fromisoformat(d) if isinstance(d, str) else d


def raw_figures(facts, unit_id: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    """indicators.md counted directly from the raw rows, in Python."""
    units = facts["closure"][unit_id]
    ents = facts["enterprises"]
    mine = {c for c, (u, _) in ents.items() if u in units}
    active = {c for c in mine if ents[c][1] == "在产"}
    inspected = {c for c, d in facts["inspections"] if c in active and start <= _as_date(d) <= end}
    counted = [v for c, d, src, v in facts["samples"]
               if c in mine and start <= _as_date(d) <= end and src != "风险监测"]
    return {"self_inspection": (len(inspected), len(active)),
            "sampling_pass": (sum(v == "合格" for v in counted), len(counted))}


days = st.integers(min_value=0, max_value=(END - START).days)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=days, b=days, unit_index=st.integers(min_value=0, max_value=12))
def test_rollup_figures_equal_raw_figures(sample_county_each_backend, a, b, unit_index):
    engine, facts = sample_county_each_backend
    start, end = START + timedelta(days=min(a, b)), START + timedelta(days=max(a, b))
    conf = load_campaign()
    viewer = system_viewer(engine)
    unit_ids = sorted(facts["closure"])
    unit_id = unit_ids[unit_index % len(unit_ids)]
    figures = compute_targets(engine, conf, viewer, unit=unit_id, window=Window(start, end, "w"),
                              as_of=end)
    got = {f.target: (f.numerator, f.denominator) for f in figures if f.target in FIGURES}
    assert got == raw_figures(facts, unit_id, start, end)


@pytest.mark.parametrize("start,end", [
    (date(2023, 3, 1), date(2023, 11, 30)),   # whole months only
    (date(2023, 5, 17), date(2023, 5, 17)),   # one day
    (date(2023, 5, 2), date(2023, 5, 30)),    # inside one month, no whole month
    (date(2023, 4, 30), date(2023, 6, 1)),    # one whole month and a day on each side
    (date(2023, 3, 15), date(2023, 8, 31)),   # partial head, whole tail
])
def test_rollup_figures_on_edge_windows(sample_county_each_backend, start, end):
    engine, facts = sample_county_each_backend
    viewer = system_viewer(engine)
    for unit_id in sorted(facts["closure"]):
        figures = compute_targets(engine, load_campaign(), viewer, unit=unit_id,
                                  window=Window(start, end, "w"), as_of=end)
        got = {f.target: (f.numerator, f.denominator) for f in figures if f.target in FIGURES}
        assert got == raw_figures(facts, unit_id, start, end), unit_id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=days, b=days, unit_index=st.integers(min_value=0, max_value=12), extra=st.integers(0, 40))
def test_every_target_equals_its_raw_member_records(sample_county_each_backend, a, b, unit_index, extra):
    """All nine targets, as the engine counts them, equal the raw-record members listed behind
    them (records.figure_members reads no rollup), with as_of on or after the window's end."""
    engine, facts = sample_county_each_backend
    start, end = START + timedelta(days=min(a, b)), START + timedelta(days=max(a, b))
    as_of = min(END, end + timedelta(days=extra))
    conf, viewer = load_campaign(), system_viewer(engine)
    unit_id = sorted(facts["closure"])[unit_index % len(facts["closure"])]
    window = Window(start, end, "w")
    for f in compute_targets(engine, conf, viewer, unit=unit_id, window=window, as_of=as_of):
        rows = figure_members(engine, selection.select(engine, conf, viewer, unit=unit_id, window=window, as_of=as_of),
                              target=f.target)
        assert (f.numerator, f.denominator) == (sum(r["is_numerator"] for r in rows), len(rows)), f.target


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=days, b=days, extra=st.integers(0, 40), scope_index=st.integers(min_value=0, max_value=12))
def test_own_counts_add_up_to_the_whole_counts(sample_county_each_backend, a, b, extra, scope_index):
    """Every additive count query (dashboard.figures.stored.ADDITIVE) with every measure's
    parameters: a unit's own count (own_only 1, what the store counts for an invalidated unit; its
    own arms in enterprise_target_counts_by_unit and officer_exam_pass_counts_by_unit) plus its
    children's whole counts equals its whole count (own_only 0), for every unit, any window and
    as_of, and any viewer's scope (a unit above the scope counts nothing of its own)."""
    engine, facts = sample_county_each_backend
    start, end = START + timedelta(days=min(a, b)), START + timedelta(days=max(a, b))
    conf, units = load_campaign(), sorted(facts["closure"])
    viewer = Viewer("v", "leader", units[scope_index % len(units)])
    sel = selection.select(engine, conf, system_viewer(engine), window=Window(start, end, "w"),
                           as_of=min(END, end + timedelta(days=extra)))
    runs = {(m.count_key[0], repr(sorted(p.items()))): p for m in measures(conf) if m.count_key
            for p in [{**sel.params, **m.count_params(sel.params), "scope_unit_id": viewer.scope_unit_id}]}
    with engine.connect() as conn:
        parent = dict(conn.execute(select(OrgUnit.unit_id, OrgUnit.parent_id)).all())
        for (name, _), params in sorted(runs.items()):
            assert name in stored.ADDITIVE, name
            whole, own = ({u: {} for u in units} for _ in range(2))
            for got, own_only in ((whole, 0), (own, 1)):
                for r in execute(conn, name, **(params | {"report_unit_ids": units, "own_only": own_only})):
                    got[r["unit_id"]][r["count_key"]] = (int(r["numerator"] or 0), int(r["denominator"] or 0))
            for unit in units:
                summed = defaultdict(lambda: (0, 0))
                for part in [own[unit], *(whole[c] for c in units if parent[c] == unit)]:
                    for key, (n, d) in part.items():
                        summed[key] = (summed[key][0] + n, summed[key][1] + d)
                assert dict(summed) == whole[unit], (name, unit)


def test_demo_rollups_equal_a_full_rebuild(sample_county_each_backend):
    engine, _ = sample_county_each_backend
    kept = rollup_rows(engine)
    assert kept["rollup_sampling_unit_day"] and kept["rollup_self_inspection_month"]
    assert sum(r[2] for r in kept["rollup_sampling_unit_day"]) == len(_raw_facts(engine)["samples"])
    assert kept == rebuilt_rollups(engine)  # rolled back: the session's database stays as built




def _self_inspections(rows):
    return sheet("企业自查", SELF_HEADERS, [[code(n), d, 10, 0, "是"] for n, d in rows])


def test_import_rollback_rollups_equal_a_full_rebuild(empty_engine):
    first = import_workbook(empty_engine, xlsx(
        registry(1, 2, 3),
        sampling([sampling_row("S1", 1, 抽样日期=date(2023, 5, 8)),
                  sampling_row("S2", 2, 抽样日期=date(2023, 5, 31), 检验结论="不合格",
                               不合格项目="x║1║0", 核查处置状态="未处置"),
                  sampling_row("S3", 3, 抽样日期=date(2023, 6, 1), 任务来源="风险监测")]),
        _self_inspections([(1, date(2023, 5, 8)), (2, date(2023, 7, 1))])),
               viewer=system_viewer(empty_engine), uploader="t")
    assert first.status == "imported", first.to_text()
    # the second batch moves S1 to another month and enterprise, adds rows, replaces one
    second = import_workbook(empty_engine, xlsx(
        sampling([sampling_row("S1", 2, 抽样日期=date(2023, 8, 20)),
                  sampling_row("S4", 3, 抽样日期=date(2023, 5, 9))]),
        _self_inspections([(3, date(2023, 5, 20))])), viewer=system_viewer(empty_engine), uploader="t")
    assert second.status == "imported", second.to_text()
    after_second = rollup_rows(empty_engine)
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == after_second
    town = _unit_id(empty_engine, "城区分局")
    assert after_second["rollup_sampling_unit_day"] == [
        (town, date(2023, 5, 9), 1, 1, 1), (town, date(2023, 5, 31), 1, 1, 0),
        (town, date(2023, 6, 1), 1, 0, 0), (town, date(2023, 8, 20), 1, 1, 1)]

    rollback_batch(empty_engine, second.batch_id, system_viewer(empty_engine))
    after_rollback = rollup_rows(empty_engine)
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == after_rollback
    assert after_rollback["rollup_sampling_unit_day"] == [
        (town, date(2023, 5, 8), 1, 1, 1), (town, date(2023, 5, 31), 1, 1, 0),
        (town, date(2023, 6, 1), 1, 0, 0)]
    may = month_bounds(date(2023, 5, 1))
    assert [r for r in after_rollback["rollup_self_inspection_month"] if r[0] == code(1)] == [
        (code(1), *may, 1, date(2023, 5, 8))]

    rollback_batch(empty_engine, first.batch_id, system_viewer(empty_engine))
    assert rollup_rows(empty_engine) == {"rollup_sampling_unit_day": [], "rollup_self_inspection_month": [],
                                         "rollup_enterprise_span": []}




def _spans(engine) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rollup_rows(engine)["rollup_enterprise_span"]}


def test_enterprise_spans_through_import_and_rollback_equal_a_full_rebuild(empty_engine):
    """rollup_enterprise_span follows every batch (new rows, a replaced row, an earlier record)
    and every rollback, and always equals a full rebuild."""
    d = date
    first = import_workbook(empty_engine, xlsx(
        registry(1, 2, 3),
        sheet("供应商评价", SUPPLIER_HEADERS, [[code(1), d(2023, 5, 8), 3, 0], [code(1), d(2023, 7, 1), 2, 0]]),
        sheet("食安员抽考", EXAM_HEADERS, [[code(2), "张三", "食品安全员", d(2023, 6, 2), 80, "是"]]),
        sheet("包保督导", VISIT_HEADERS, [[code(1), d(2023, 4, 3), "王明", "A级", 0]])),
                            viewer=system_viewer(empty_engine), uploader="t")
    assert first.status == "imported", first.to_text()
    assert _spans(empty_engine) == {
        code(1): (d(2023, 5, 8), d(2023, 7, 1), None, None, d(2023, 4, 3), d(2023, 4, 3)),
        code(2): (None, None, d(2023, 6, 2), d(2023, 6, 2), None, None)}
    second = import_workbook(empty_engine, xlsx(
        sheet("供应商评价", SUPPLIER_HEADERS, [[code(1), d(2023, 7, 1), 5, 1], [code(1), d(2023, 2, 1), 1, 0]]),
        sheet("食安员抽考", EXAM_HEADERS, [[code(3), "李四", "食品安全员", d(2023, 9, 9), 50, "否"]])),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert second.status == "imported", second.to_text()
    after_second = rollup_rows(empty_engine)
    assert _spans(empty_engine)[code(1)][:2] == (d(2023, 2, 1), d(2023, 7, 1))
    assert _spans(empty_engine)[code(3)] == (None, None, d(2023, 9, 9), d(2023, 9, 9), None, None)
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == after_second
    rollback_batch(empty_engine, second.batch_id, system_viewer(empty_engine))
    after_rollback = rollup_rows(empty_engine)
    assert set(_spans(empty_engine)) == {code(1), code(2)}
    assert _spans(empty_engine)[code(1)][:2] == (d(2023, 5, 8), d(2023, 7, 1))
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == after_rollback
    rollback_batch(empty_engine, first.batch_id, system_viewer(empty_engine))
    assert _spans(empty_engine) == {}


SPAN_FLAGS = {"suppliers_evaluated": (SupplierEvaluation, "evaluation_date"),
              "officers_examined": (OfficerExam, "exam_date"),
              "supervised": (CadreVisit, "visit_date")}
span_days = st.integers(min_value=0, max_value=300).map(lambda n: date(2022, 12, 1) + timedelta(days=n))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(sorted(SPAN_FLAGS)), span_days), max_size=60),
       active=st.lists(st.booleans(), min_size=6, max_size=6), start=span_days, as_of=span_days)
@example(records=[(0, flag, date(2023, d, 1)) for flag in SPAN_FLAGS for d in (1, 5, 9)]  # the gap case:
         + [(1, flag, date(2023, d, 1)) for flag in SPAN_FLAGS for d in (1, 9)],  # with and without a record inside
         active=[True] * 6, start=date(2023, 3, 1), as_of=date(2023, 6, 30))
def test_span_flags_equal_the_raw_records(empty_engine, records, active, start, as_of):
    """The three since-start flags read from rollup_enterprise_span equal "any record dated from
    start to as_of" counted on the raw rows, for any start and as_of (before, inside and after
    each enterprise's records), on both databases."""
    conf, viewer = load_campaign(), system_viewer(empty_engine)
    records = {(n, flag, day) for n, flag, day in records}
    with empty_engine.connect() as conn, conn.begin() as trans:
        homes, subtrees = _seed_span_records(conn, records, active)
        params = selection.query_params(conf, viewer, Window(start, max(start, as_of), "w"), as_of)
        got = {(r["unit_id"], r["count_key"]): (int(r["numerator"]), int(r["denominator"]))
               for r in execute(conn, "enterprise_target_counts_by_unit", report_unit_ids=sorted(subtrees),
                                **(params | {"campaign_start_date": start})) if r["count_key"] in SPAN_FLAGS}
        trans.rollback()
    want = {}
    for unit_id, below in subtrees.items():
        mine = {n for n in range(6) if active[n] and homes[n] in below}
        for flag in SPAN_FLAGS if mine else ():
            hit = {n for n, f, day in records if f == flag and start <= day <= as_of}
            want[(unit_id, flag)] = (len(hit & mine), len(mine))
    assert got == want


def _seed_span_records(conn, records: set, active: list[bool]):
    """Six enterprises over the tree's leaves (status from active), the drawn records, a full
    rollup rebuild; returns ({n: its unit}, {unit: the units of its subtree})."""
    subtrees = defaultdict(set)
    for a, d in conn.execute(select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id)):
        subtrees[a].add(d)
    leaves = sorted(u for u, below in subtrees.items() if below == {u})
    conn.execute(insert(UploadBatch), [{"batch_id": 1, "file_name": "t.xlsx", "sha256": "0" * 64, "uploader": "t",
                                        "uploaded_at": datetime(2023, 1, 1), "status": "committed", "rows_json": "{}"}])
    homes = {n: leaves[n % len(leaves)] for n in range(6)}
    conn.execute(insert(Enterprise), [{"credit_code": code(n), "name": f"企业{n}", "unit_id": homes[n], "is_large": True,
                                       "risk_grade": "B", "status": "在产" if active[n] else "停产", "batch_id": 1}
                                      for n in range(6)])
    pair_enterprises(conn, 1)
    extra = {"suppliers_evaluated": {"count_suppliers": 1},
             "officers_examined": {"person_name": "张三", "post": "食品安全员", "score": 80.0, "is_passed": True},
             "supervised": {"cadre_name": "王明", "cadre_level": "A级", "count_problems": 0}}
    for flag, (model, column) in SPAN_FLAGS.items():
        rows = [{"credit_code": code(n), column: day, "batch_id": 1, **extra[flag]} for n, f, day in records if f == flag]
        if rows:
            conn.execute(insert(model), rows)
    rebuild_rollups(conn)
    return homes, subtrees


def test_an_enterprise_moving_unit_moves_its_samples(empty_engine):
    """The sampling rollup is per unit: a registry correction that moves an enterprise to another
    sub-bureau moves its samples' counts with it, and rolling the correction back moves them back."""
    first = import_workbook(empty_engine, xlsx(
        registry(1, 2), sampling([sampling_row("M1", 1, 抽样日期=date(2023, 5, 8)),
                                  sampling_row("M2", 2, 抽样日期=date(2023, 5, 8))])),
               viewer=system_viewer(empty_engine), uploader="t")
    assert first.status == "imported", first.to_text()
    town, anfeng = _unit_id(empty_engine, "城区分局"), _unit_id(empty_engine, "安丰分局")
    assert rollup_rows(empty_engine)["rollup_sampling_unit_day"] == [(town, date(2023, 5, 8), 2, 2, 2)]
    moved = import_workbook(empty_engine, xlsx(registry(1, unit="安丰分局")),
                            viewer=system_viewer(empty_engine), uploader="t")
    assert moved.status == "imported", moved.to_text()
    after_move = rollup_rows(empty_engine)
    assert after_move["rollup_sampling_unit_day"] == sorted([(town, date(2023, 5, 8), 1, 1, 1),
                                                              (anfeng, date(2023, 5, 8), 1, 1, 1)])
    rebuild(empty_engine)
    assert rollup_rows(empty_engine) == after_move
    rollback_batch(empty_engine, moved.batch_id, system_viewer(empty_engine))
    assert rollup_rows(empty_engine)["rollup_sampling_unit_day"] == [(town, date(2023, 5, 8), 2, 2, 2)]


def _unit_id(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(OrgUnit.unit_id).where(OrgUnit.name == name)).scalar_one()


def test_rebuild_rollups_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = prepared_engine(url)
    data = xlsx(registry(1), sampling([sampling_row("C1", 1, 抽样日期=date(2023, 6, 3))]))
    assert import_workbook(engine, data, viewer=system_viewer(engine), uploader="t").status == "imported"
    kept = rollup_rows(engine)
    assert main(["--db", url, "rebuild-rollups"]) == 0
    out = capsys.readouterr().out
    assert "汇总表已重算" in out and "rollup_sampling_unit_day 1 行" in out
    assert rollup_rows(engine) == kept
    engine.dispose()


def test_migration_0004_builds_the_unit_day_rollup_of_existing_records(empty_engine):
    """A database at 0003 that already holds samples gets rollup_sampling_unit_day filled by the
    upgrade, equal to what the importer keeps."""
    data = xlsx(registry(1, 2), sampling([sampling_row("U1", 1, 抽样日期=date(2023, 6, 3)),
                                          sampling_row("U2", 2, 抽样日期=date(2023, 6, 3), 检验结论="不合格",
                                                       不合格项目="x║1║0", 核查处置状态="未处置")]))
    assert import_workbook(empty_engine, data, viewer=system_viewer(empty_engine), uploader="t").status == "imported"
    kept = rollup_rows(empty_engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with empty_engine.connect() as conn:
        assert "rollup_sampling_unit_day" not in sa_inspect(conn).get_table_names()
    dashboard.db.upgrade(empty_engine)
    assert rollup_rows(empty_engine) == kept
    assert kept["rollup_sampling_unit_day"] == [(_unit_id(empty_engine, "城区分局"), date(2023, 6, 3), 2, 2, 1)]


# ------------------------------------------------------------------ the overview's cold-path queries
def _dated_records(engine) -> list[tuple[str, date]]:
    """(credit_code, record date) of every record of every dated sheet, read plainly."""
    out = []
    with engine.connect() as conn:
        for table_name, (_, column) in DATED_SHEETS.items():
            table = Base.metadata.tables[table_name]
            out += [(c, _as_date(d)) for c, d in conn.execute(select(table.c.credit_code, table.c[column]))]
    return out


@pytest.mark.parametrize("scope_index,report_indexes,start,end", [
    (0, None, date(2023, 3, 1), date(2023, 11, 30)),   # the county: every sub-bureau, whole campaign
    (0, None, date(2023, 5, 8), date(2023, 6, 20)),    # mid-month edges
    (3, [3], date(2023, 3, 1), date(2023, 10, 31)),    # a sub-bureau's own view
    (3, [3, 5], date(2023, 4, 1), date(2023, 9, 30)),  # a report unit outside the viewer's scope: nothing
])
def test_report_unit_record_dates_equal_the_raw_records(sample_county_each_backend, scope_index, report_indexes, start, end):
    """queries/report_unit_record_dates.sql (sampling read from its unit × day rollup, the other
    sheets reduced per sheet) gives exactly the (report unit, date) pairs of the raw records of
    all nine dated sheets, as the query over the raw rows did."""
    engine, facts = sample_county_each_backend
    unit_ids = sorted(facts["closure"])
    scope = unit_ids[scope_index]
    report = [u for u in unit_ids if u != unit_ids[0]] if report_indexes is None else [unit_ids[i] for i in report_indexes]
    unit_of = {c: u for c, (u, _) in facts["enterprises"].items()}
    expected = {(r, d) for c, d in _dated_records(engine) for r in report
                if unit_of[c] in facts["closure"][r] and unit_of[c] in facts["closure"][scope] and start <= d <= end}
    got = execute(engine, "report_unit_record_dates", report_unit_ids=report, scope_unit_id=scope,
                  from_date=start, to_date=end)
    assert len(got) == len(expected)
    assert {(r["unit_id"], _as_date(r["record_date"])) for r in got} == expected
    if report_indexes == [3, 5]:
        assert {r["unit_id"] for r in got} == {unit_ids[3]} and expected
    else:
        assert len({r for r, _ in expected}) == len(report)  # every report unit has dates here


@pytest.mark.parametrize("as_of", [date(2023, 3, 1), date(2023, 6, 1), date(2023, 10, 3), date(2023, 10, 4),
                                   date(2023, 11, 30)])
@pytest.mark.parametrize("unit_index", [0, 3])
def test_report_status_equals_the_raw_records(sample_county_each_backend, unit_index, as_of):
    """dashboard.figures.exceptions.report_status reads the month of as_of first and goes back to
    the campaign start only for the units with no record in it; each unit's count of dates in the
    month and its last record date are still those of the raw records of all nine dated sheets
    (on the 1st of a month, and on 3 October, some units have none yet)."""
    engine, facts = sample_county_each_backend
    conf = load_campaign()
    unit_ids = sorted(facts["closure"])
    viewer = system_viewer(engine, conf.root.code)
    sel = selection.select(engine, conf, viewer, unit=unit_ids[unit_index], as_of=as_of)
    unit_of = {c: u for c, (u, _) in facts["enterprises"].items()}
    dated = _dated_records(engine)
    month_start = as_of.replace(day=1)
    silent = 0
    for row, unit in zip(report_status(engine, sel), list(sel.children) or [sel.unit]):
        own = {d for c, d in dated if unit_of[c] in facts["closure"][unit["unit_id"]] and START <= d <= as_of}
        assert row["unit_code"] == unit["code"]
        assert row["record_count"] == len({d for d in own if d >= month_start}), (unit["code"], as_of)
        assert row["last_record_date"] == max(own, default=None), (unit["code"], as_of)
        silent += row["record_count"] == 0
    if as_of == date(2023, 10, 3) and unit_index == 0:
        assert silent  # the case read back to the campaign start is exercised


@pytest.mark.parametrize("unit_index", [0, 2, 7])
def test_undisposed_samplings_equal_the_raw_records(sample_county_each_backend, unit_index):
    """queries/undisposed_samplings.sql (the failed batches read through ix_sampling_failed_date)
    lists exactly the 不合格 batches of the unit's subtree whose 核查处置 is not 已完成. The sample
    county has every failed batch disposed, so some are reopened and some passed ones failed, in a
    transaction rolled back afterwards."""
    engine, facts = sample_county_each_backend
    unit_id = sorted(facts["closure"])[unit_index]
    start, end = date(2023, 3, 1), date(2023, 10, 20)
    with engine.connect() as conn:
        trans = conn.begin()
        numbers = conn.execute(select(Sampling.sample_no).order_by(Sampling.sample_no)).scalars().all()
        conn.execute(update(Sampling).where(Sampling.verdict != "合格").values(disposal_status=None))
        for k, status in enumerate(["处置中", "未处置", "已完成", None] * 40):
            conn.execute(update(Sampling).where(Sampling.sample_no == numbers[k * 7])
                         .values(verdict="不合格", disposal_status=status))
        rows = conn.execute(select(Sampling.sample_no, Sampling.credit_code, Sampling.sampling_date,
                                   Sampling.verdict, Sampling.disposal_status)).all()
        got = execute(conn, "undisposed_samplings", unit_id=unit_id, scope_unit_id=sorted(facts["closure"])[0],
                      from_date=start, to_date=end)
        trans.rollback()
    expected = {no for no, c, d, verdict, disposal in rows
                if verdict != "合格" and disposal != "已完成" and start <= _as_date(d) <= end
                and facts["enterprises"][c][0] in facts["closure"][unit_id]}
    assert expected and sorted(r["sample_no"] for r in got) == sorted(expected)


def test_undisposed_samplings_read_the_failed_batch_index(sample_county_each_backend):
    """On SQLite the query plan reads the partial index (a province's two million batches are
    not scanned); the index holds exactly the 不合格 batches."""
    engine, facts = sample_county_each_backend
    with engine.connect() as conn:
        failed = conn.execute(select(func.count()).select_from(Sampling).where(Sampling.verdict != "合格")).scalar()
        assert 0 < failed < len(facts["samples"])
        if engine.dialect.name != "sqlite":
            assert "ix_sampling_failed_date" in {i["name"] for i in sa_inspect(conn).get_indexes("sampling")}
            return
        params = {"unit_id": 1, "scope_unit_id": 1, "from_date": "2023-03-01", "to_date": "2023-10-31"}
        plan = conn.execute(text("explain query plan " + load_query("undisposed_samplings")), params).all()
        indexed = conn.execute(text("select count(*) from sampling indexed by ix_sampling_failed_date "
                                    "where verdict <> '合格' and sampling_date >= '1900-01-01'")).scalar()
    assert any("ix_sampling_failed_date" in str(step[-1]) for step in plan)
    assert indexed == failed


# ------------------------------------------------------------------ the units of enterprises
odd_codes = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8) \
    | st.sampled_from(['a"b', "c\\d", "{x,y}", "NULL", "", " 空格 ", "\\N", "91320981"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_codes=st.lists(odd_codes, unique=True, max_size=12), asked=st.lists(odd_codes, max_size=12))
def test_units_of_finds_what_core_finds(empty_engine, stored_codes, asked):
    """units_of (PostgreSQL: the codes bound as one text array) answers exactly what Core's IN
    answers, whatever the codes hold; codes not stored are left out."""
    with empty_engine.begin() as conn:
        conn.execute(text("delete from batch_enterprise"))
        conn.execute(text("delete from enterprise"))
        conn.execute(text("delete from upload_batch"))
        units = list(conn.execute(select(OrgUnit.unit_id).order_by(OrgUnit.unit_id)).scalars())
        batch = conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), {
            "file_name": "x.xlsx", "sha256": "0" * 64, "uploader": "t", "uploaded_at": datetime(2023, 6, 1),
            "status": "committed"}).scalar_one()
        if stored_codes:
            conn.execute(insert(Enterprise), [
                {"credit_code": c, "name": f"企业{i}", "unit_id": units[i % len(units)], "is_large": False,
                 "risk_grade": "A", "status": "在产", "batch_id": batch} for i, c in enumerate(stored_codes)])
        by_core = dict(conn.execute(select(Enterprise.credit_code, Enterprise.unit_id)
                                    .where(Enterprise.credit_code.in_(sorted(set(asked))))).all())
        assert units_of(conn, asked) == by_core
        assert units_of(conn, stored_codes + asked) == {c: units[i % len(units)] for i, c in enumerate(stored_codes)}
