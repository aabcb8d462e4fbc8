"""Stored figures (dashboard.figures.stored) equal the figures counted from the records, whatever
happened before: random uploads (enterprises moving between units among them; records of every
rollup's sources, so the rollups kept by the importer equal a full rebuild after each step), rollbacks and reads
over random and repeated windows, as-of dates, viewers and units, on SQLite and PostgreSQL. A write
invalidates only the units it changes (and their ancestors); the store stays bounded, is keyed by the
campaign file and emptied by the writes that bypass upload batches, and a reader that counted before
such a write never has its figures read after it."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, func, select, text

from dashboard.access import Viewer, system_viewer
from dashboard.campaign import UnitConf as stored_unit, load_campaign, sync_campaign
from dashboard.figures import stored
from dashboard.figures.measures import measures
from dashboard.figures.records import figure_members
from dashboard.figures.selection import select as select_units
from dashboard.figures.targets import compute_targets
from dashboard.importer import RollbackError, import_workbook, rollback_batch
from dashboard.importer.load import lock_writers
from dashboard.models import StoredFigure, StoredFigureKey
from dashboard.periods import Window
from dashboard.rollups import rebuild, rollup_rows
from tests.builders import (ENTERPRISE_HEADERS, EXAM_HEADERS, SELF_HEADERS, SUPPLIER_HEADERS, UNITS, VISIT_HEADERS,
                            code, enterprise_row, registry, sampling, sampling_row, sheet, xlsx)
from tests.databases import rebuilt_rollups
from tests.upload_support import seed_county

CONF = load_campaign()
START, END = CONF.start_date, CONF.end_date
SPAN = (END - START).days
# the sources of rollup_enterprise_span: (sheet, headers, the row for an enterprise code and a day)
SPAN_SHEETS = {
    "供应商评价": (SUPPLIER_HEADERS, lambda c, d: [c, d, 3, 0]),
    "食安员抽考": (EXAM_HEADERS, lambda c, d: [c, "张三", "食品安全员", d, 80, "是"]),
    "包保督导": (VISIT_HEADERS, lambda c, d: [c, d, "王明", "A级", 0]),
}
ENTERPRISES = range(1, 9)  # the small county's six and two more

day = st.integers(0, SPAN).map(lambda d: START + timedelta(days=d))
upload = st.fixed_dictionaries({
    "kind": st.just("upload"),
    # enterprise → (unit, status): every enterprise a record names is (re)registered, often elsewhere
    "registry": st.dictionaries(st.sampled_from(ENTERPRISES),
                                st.tuples(st.sampled_from(UNITS), st.sampled_from(["在产", "在产", "停产"])),
                                min_size=1, max_size=4),
    "samplings": st.lists(st.tuples(st.integers(0, 3), day, st.booleans(), st.sampled_from(["县抽", "风险监测"])),
                          max_size=4),
    "self_inspections": st.lists(st.tuples(st.integers(0, 3), day), max_size=3),
    "spans": st.lists(st.tuples(st.integers(0, 3), day, st.sampled_from(sorted(SPAN_SHEETS))), max_size=3),
})
rollback = st.fixed_dictionaries({"kind": st.just("rollback"), "pick": st.integers(0, 50)})
read = st.fixed_dictionaries({"kind": st.just("read"), "a": day, "b": day, "extra": st.integers(0, 60),
                              "viewer": st.sampled_from([None, *UNITS]), "unit": st.integers(0, 10)})
# the same window and as-of each time: the figures stored by an earlier read, partly invalidated by the
# uploads and rollbacks since (a unit's own count added to its children's stored rows), are read again
standard = st.fixed_dictionaries({"kind": st.just("read"), "a": st.just(START), "b": st.just(END),
                                  "extra": st.just(0), "viewer": st.sampled_from([None, None, *UNITS]),
                                  "unit": st.integers(0, 10)})


def _workbook(step: dict, serial: int) -> bytes:
    listed = sorted(step["registry"])
    rows = [enterprise_row(n, unit, 企业状态=status) for n, (unit, status) in sorted(step["registry"].items())]
    samples = [sampling_row(f"H{serial:04d}-{i}", listed[k % len(listed)], 抽样日期=d, 任务来源=source,
                            **({} if passed else {"检验结论": "不合格", "不合格项目": "x║1║0", "核查处置状态": "未处置"}))
               for i, (k, d, passed, source) in enumerate(step["samplings"])]
    sheets = [sheet("企业名录", ENTERPRISE_HEADERS, rows)]
    if samples:
        sheets.append(sampling(samples))
    if step["self_inspections"]:
        pairs = sorted({(listed[k % len(listed)], d) for k, d in step["self_inspections"]})  # one row a key
        sheets.append(sheet("企业自查", SELF_HEADERS, [[code(n), d, 10, 0, "是"] for n, d in pairs]))
    for name, (headers, row) in SPAN_SHEETS.items():
        pairs = sorted({(listed[k % len(listed)], d) for k, d, kind in step["spans"] if kind == name})
        if pairs:
            sheets.append(sheet(name, headers, [row(code(n), d) for n, d in pairs]))
    return xlsx(*sheets)


def _units(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("select name, unit_id from org_unit")).all())


def _figures(engine, viewer, unit, window, as_of, **kw) -> list[tuple]:
    return [(f.unit_code, f.target, f.numerator, f.denominator)
            for f in compute_targets(engine, CONF, viewer, unit=unit, window=window, as_of=as_of, by_unit=True, **kw)]


def _check_read(engine, step: dict) -> None:
    names = _units(engine)
    root = system_viewer(engine)
    viewer = root if step["viewer"] is None else Viewer("v", "leader", names[step["viewer"]])
    scope = sorted(select_units(engine, CONF, viewer).scope, key=lambda u: u["unit_id"])
    unit = scope[step["unit"] % len(scope)]["unit_id"]
    start, end = sorted((step["a"], step["b"]))
    window, as_of = Window(start, end, "w"), min(END, end + timedelta(days=step["extra"]))
    raw = _figures(engine, viewer, unit, window, as_of, from_store=False)
    assert _figures(engine, viewer, unit, window, as_of) == raw  # counted (or partly read) and stored
    assert _figures(engine, viewer, unit, window, as_of) == raw  # read from the store
    sel = select_units(engine, CONF, viewer, unit=unit, window=window, as_of=as_of)
    for unit_code, target, n, d in raw:
        if unit_code == sel.unit["code"]:
            members = figure_members(engine, sel, target=target)
            assert (n, d) == (sum(r["is_numerator"] for r in members), len(members)), target


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(upload, rollback, read, standard, standard), min_size=1, max_size=8),
       last=st.one_of(read, standard))
def test_stored_figures_equal_the_records_after_random_uploads_and_rollbacks(small_county, steps, last):
    engine = small_county
    for serial, step in enumerate([*steps, last]):
        if step["kind"] == "upload":
            result = import_workbook(engine, _workbook(step, serial + 1000 * len(steps)),
                                     viewer=system_viewer(engine), uploader="t")
            assert result.status in ("imported", "unchanged"), result.to_text()
        elif step["kind"] == "rollback":
            with engine.connect() as conn:
                committed = conn.execute(text("select batch_id from upload_batch where status = 'committed' "
                                              "and batch_id > 1 order by batch_id")).scalars().all()
            if committed:
                try:
                    rollback_batch(engine, committed[step["pick"] % len(committed)], system_viewer(engine))
                except RollbackError:
                    pass  # a later batch changed the same records: refused, nothing changed
        else:
            _check_read(engine, step)
        if step["kind"] != "read":  # the rollups the importer and rollbacks keep equal a full rebuild
            assert rollup_rows(engine) == rebuilt_rollups(engine)


def _count_keys(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(StoredFigureKey)).scalar_one()


def _count_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(StoredFigure)).scalar_one()


def _stored_units(engine, window, as_of) -> dict[str, set[int]]:
    """Query name → the units whose stored rows are valid now, for the root viewer's parameters."""
    sel = select_units(engine, CONF, system_viewer(engine), window=window, as_of=as_of)
    names = sorted({m.count_key[0] for m in measures(CONF) if m.count_key})
    runs = [(name, {**sel.params, **m.count_params(sel.params)}) for name in names
            for m in measures(CONF) if m.count_key and m.count_key[0] == name][:len(names)]
    fp = stored.fingerprint(CONF)
    hashes = [stored.params_hash(name, params, fp) for name, params in runs]
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("select unit_id from org_unit"))]
        valid = stored._valid(conn, hashes, ids)
    return {name: set(valid[h]) for (name, _), h in zip(runs, hashes)}


def test_an_upload_invalidates_only_the_units_it_changes_and_their_ancestors(small_county):
    engine, viewer = small_county, system_viewer(small_county)
    window, as_of = Window(date(2023, 5, 1), date(2023, 5, 31), "五月"), date(2023, 5, 31)
    names = _units(engine)
    county, a, b, c = (names[n] for n in [CONF.root.name, *UNITS])
    _figures(engine, viewer, None, window, as_of)
    assert all(units >= {county, a, b, c} for units in _stored_units(engine, window, as_of).values())
    # a record of an enterprise of 开发区分局 (b): b and the county go, 城区分局 and 安丰分局 stay
    import_workbook(engine, xlsx(registry(5, unit=UNITS[1]), sampling([sampling_row("B1", 5, 抽样日期=date(2023, 5, 9))])),
                    viewer=viewer, uploader="t")
    for units in _stored_units(engine, window, as_of).values():
        assert county not in units and b not in units and {a, c} <= units
    got = _figures(engine, viewer, None, window, as_of)
    assert got == _figures(engine, viewer, None, window, as_of, from_store=False)
    # the enterprise moves back to 城区分局 (a) in a batch naming it alone: a and b both go
    import_workbook(engine, xlsx(registry(5, unit=UNITS[0])), viewer=viewer, uploader="t")
    for units in _stored_units(engine, window, as_of).values():
        assert not {county, a, b} & units and c in units
    assert _figures(engine, viewer, None, window, as_of) == _figures(engine, viewer, None, window, as_of,
                                                                     from_store=False)
    # rolling the move back puts the enterprise in b again: a and b go
    _figures(engine, viewer, None, window, as_of)
    with engine.connect() as conn:
        newest = conn.execute(text("select max(batch_id) from upload_batch")).scalar_one()
    rollback_batch(engine, newest, viewer)
    for units in _stored_units(engine, window, as_of).values():
        assert not {county, a, b} & units and c in units
    assert _figures(engine, viewer, None, window, as_of) == _figures(engine, viewer, None, window, as_of,
                                                                     from_store=False)


def test_a_reader_that_counted_before_an_emptying_write_never_has_its_figures_read(small_county):
    """The race of a rollup rebuild or a new org tree with a reader: counted before the write, stored
    after it. What it stores carries the change number it read before counting, older than the
    write's mark of every unit, so it is never read (here: made-up rows stored that way)."""
    engine, viewer = small_county, system_viewer(small_county)
    window, as_of = Window(date(2023, 5, 1), date(2023, 5, 31), "五月"), date(2023, 5, 31)
    right = _figures(engine, viewer, None, window, as_of, from_store=False)
    with engine.connect() as conn:
        position = int(stored.execute(conn, "stored_figure_position")[0]["change_no"])
    sel = select_units(engine, CONF, viewer, window=window, as_of=as_of)
    runs = {stored.params_hash(m.count_key[0], {**sel.params, **m.count_params(sel.params)}, stored.fingerprint(CONF)):
            m.count_key for m in measures(CONF) if m.count_key}
    rebuild(engine)  # the emptying write lands between the reader's count and its store
    made_up = {h: (key[0], {sel.unit["unit_id"]: [{"count_key": key[1], "numerator": 999, "denominator": 999}]})
               for h, key in runs.items()}
    stored._store(engine, position, made_up)
    assert _count_rows(engine) > 0  # stored, and never read:
    assert _figures(engine, viewer, None, window, as_of) == right


def test_the_keys_stay_bounded(small_county, monkeypatch):
    engine, viewer = small_county, system_viewer(small_county)
    window = Window(date(2023, 5, 1), date(2023, 5, 31), "五月")
    _figures(engine, viewer, None, window, date(2023, 5, 31))
    queries = _count_keys(engine)
    assert queries >= 3 and _count_rows(engine) > 0  # one key per count query and parameters
    monkeypatch.setattr(stored, "MAX_KEYS", queries + 2)
    for extra in range(4):  # arbitrary as-of dates: new keys each
        _figures(engine, viewer, None, window, date(2023, 6, 1) + timedelta(days=extra))
    assert _count_keys(engine) == queries + 2


def test_another_campaign_file_never_reads_the_figures_stored_under_this_one(small_county):
    engine, viewer = small_county, system_viewer(small_county)
    window = Window(date(2023, 5, 1), date(2023, 5, 31), "五月")
    compute_targets(engine, CONF, viewer, window=window)
    keys = _count_keys(engine)
    edited = dataclasses.replace(CONF, name=CONF.name + "（修订）")  # the same code, another file
    assert stored.fingerprint(edited) != stored.fingerprint(CONF)
    compute_targets(engine, edited, viewer, window=window)
    assert _count_keys(engine) == 2 * keys


def test_a_rollup_rebuild_and_a_new_org_tree_empty_the_store(small_county):
    engine, viewer = small_county, system_viewer(small_county)
    compute_targets(engine, CONF, viewer)
    assert _count_rows(engine) > 0
    rebuild(engine)
    assert _count_rows(engine) == 0
    compute_targets(engine, CONF, viewer)
    sync_campaign(engine, CONF)  # the same tree: the stored figures stay
    assert _count_rows(engine) > 0
    data = dataclasses.asdict(CONF.root)
    moved = dataclasses.replace(CONF, root=dataclasses.replace(CONF.root, children=(
        dataclasses.replace(CONF.root.children[0], children=CONF.root.children[1:2]),
        *CONF.root.children[2:])))  # the second sub-bureau now under the first
    assert data != dataclasses.asdict(moved.root)
    try:
        sync_campaign(engine, moved)
        assert _count_rows(engine) == 0
    finally:
        sync_campaign(engine, CONF)  # PostgreSQL's test database keeps its org tree between tests


def test_figures_are_returned_unstored_while_an_upload_holds_the_write_lock(small_county):
    engine, viewer = small_county, system_viewer(small_county)
    window = Window(date(2023, 5, 1), date(2023, 5, 31), "五月")
    with engine.connect() as writer, writer.begin():
        lock_writers(writer)  # what an upload or a rollback holds until it commits
        got = _figures(engine, viewer, None, window, date(2023, 5, 31))
    assert got == _figures(engine, viewer, None, window, date(2023, 5, 31), from_store=False)
    if engine.dialect.name == "sqlite":  # SQLite has one writer: storing gave up instead of waiting
        assert _count_rows(engine) == 0
        with engine.connect() as conn:  # and the pooled connection waits as long as before again
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    _figures(engine, viewer, None, window, date(2023, 5, 31))
    assert _count_rows(engine) > 0  # the lock released, the next read stores


def test_the_fingerprint_is_the_campaign_file_not_the_process():
    """Another process (a restart, a second server, the command line) loads the same file: it must
    read the figures this one stored, so the fingerprint leaves out what a process caches on the
    parsed file (the measures, whose repr holds memory addresses)."""
    mine, theirs = load_campaign(), load_campaign()
    measures(mine)  # what the first compute_targets on a parsed file does
    assert "_measures" in mine.extra
    assert stored.fingerprint(mine) == stored.fingerprint(theirs)


def test_a_database_that_refuses_writes_still_shows_the_figures(small_county):
    """A reader that may not write (a read-only SQLite file, a PostgreSQL role or standby in a
    read-only transaction) gets its figures, unstored, never a traceback."""
    window = Window(date(2023, 5, 1), date(2023, 5, 31), "五月")
    url = small_county.url
    if small_county.dialect.name == "sqlite":
        reader = create_engine(f"sqlite:///file:{url.database}?mode=ro&uri=true")
    else:
        reader = create_engine(url.render_as_string(hide_password=False),
                               connect_args={"options": "-c default_transaction_read_only=on"})
    try:
        viewer = system_viewer(reader)
        got = _figures(reader, viewer, None, window, date(2023, 5, 31))
    finally:
        reader.dispose()
    assert got == _figures(small_county, system_viewer(small_county), None, window, date(2023, 5, 31),
                           from_store=False)
    assert _count_rows(small_county) == 0


def test_a_key_pruned_by_another_reader_while_storing_is_not_a_traceback(small_county):
    """PostgreSQL, read committed: our key insert meets another reader's row (DO NOTHING), and a
    third reader at a newer version prunes it before we look its id up. Simulated here by deleting
    the keys right after the insert, in the storing transaction."""
    engine, viewer = small_county, system_viewer(small_county)
    window = Window(date(2023, 5, 1), date(2023, 5, 31), "五月")

    def prune_behind(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("INSERT INTO STORED_FIGURE_KEY"):
            cursor.execute("DELETE FROM stored_figure_key")

    event.listen(engine, "after_cursor_execute", prune_behind)
    try:
        got = _figures(engine, viewer, None, window, date(2023, 5, 31))
    finally:
        event.remove(engine, "after_cursor_execute", prune_behind)
    assert got == _figures(engine, viewer, None, window, date(2023, 5, 31), from_store=False)
    assert _count_rows(engine) == 0  # nothing stored under a key that is gone


def test_three_levels_rebuild_only_the_changed_path_and_add_up_to_the_records(small_county, monkeypatch):
    """Three levels (county → 分局 → 所): the first read stores every unit of the subtree (the 所
    too, built on the way). An upload of an enterprise registered on 开发区分局 itself invalidates it
    and the county only; the next read counts their own rows alone, adds the stored rows of the 所
    and the other 分局, and equals the records."""
    engine, viewer = small_county, system_viewer(small_county)
    deep = dataclasses.replace(CONF.root, children=tuple(
        dataclasses.replace(u, children=tuple(stored_unit(f"{u.code}{i}", f"{u.name}{i}所") for i in (1, 2)))
        if u.code in ("DT01", "DT02") else u for u in CONF.root.children))
    conf = dataclasses.replace(CONF, root=deep)
    sync_campaign(engine, conf)
    try:
        _read_three_levels(engine, viewer, conf, monkeypatch)
    finally:  # the PostgreSQL test database keeps its org tree between tests: the 所 go again
        with engine.begin() as conn:
            added = "select unit_id from org_unit where code in ('DT011', 'DT012', 'DT021', 'DT022')"
            conn.execute(text(f"delete from org_unit_closure where descendant_id in ({added})"))
            conn.execute(text(f"delete from org_unit where unit_id in ({added})"))
        sync_campaign(engine, CONF)


def _read_three_levels(engine, viewer, conf, monkeypatch) -> None:
    window, as_of = Window(date(2023, 5, 1), date(2023, 5, 31), "五月"), date(2023, 5, 31)
    compute_targets(engine, conf, viewer, window=window, as_of=as_of, by_unit=True)
    import_workbook(engine, xlsx(registry(5, unit=UNITS[1]), sampling([sampling_row("B1", 5, 抽样日期=date(2023, 5, 9))])),
                    viewer=viewer, uploader="t")
    own_units = set()
    counted = stored.execute

    def spy(conn, name, **params):
        if params.get("own_only") == 1:
            own_units.update(params["report_unit_ids"])
        return counted(conn, name, **params)

    monkeypatch.setattr(stored, "execute", spy)
    got = [(f.unit_code, f.target, f.numerator, f.denominator)
           for f in compute_targets(engine, conf, viewer, window=window, as_of=as_of, by_unit=True)]
    monkeypatch.undo()
    assert got == [(f.unit_code, f.target, f.numerator, f.denominator) for f in compute_targets(
        engine, conf, viewer, window=window, as_of=as_of, by_unit=True, from_store=False)]
    with engine.connect() as conn:
        code_of = dict(conn.execute(text("select unit_id, code from org_unit")).all())
    assert {code_of[u] for u in own_units} == {"DT", "DT02"}
