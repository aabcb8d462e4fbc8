"""Cached access to the core for the pages.

Every cached function takes the data version first (newest upload batch id and batch counts,
read fresh on every run, and the signed-in viewer), so an upload or a rollback made in another
process changes the key and is seen at once. The figure functions then take the run's Selection
(dashboard.figures.selection): the sidebar's choice is resolved once per run by `selection()` from
the viewer's cached units, and a page derives any other window, date or unit it shows from it
(`Selection.at` / `Selection.of`) without resolving again; a Selection enters a key by its `key`. The viewer enters a key by its access only
(`Viewer.access`: role, scope, personal data), so ten leaders share one computation per data
version while a viewer never gets rows computed for a different access; each cached function
runs its core call for the viewer in its key. Concurrent misses of one key are merged by
the process's single flight (dashboard.ui.singleflight, around every cached function): the first
caller computes, the others wait and take its result (an exception releases them; they then
compute in turn), and other keys do not wait (tests/test_cache_sharing.py,
tests/test_singleflight.py). `clear_caches()` drops everything after an upload made here, and so
does `st.cache_data.clear()` (RESULTS' keys carry its generation).
Results are plain dicts and lists, one object kept in RESULTS for every session: no caller changes one.
"""
from __future__ import annotations

import dataclasses
import functools
import secrets
import threading
from collections import Counter, OrderedDict
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import inspect, text

from dashboard.figures import (breakdowns, exceptions as overview, gaps, grading, pace, records, star_ratings,
                               strikes)
from dashboard.figures import work_ledger as work
from dashboard.figures.selection import Selection, select
from dashboard.access import Viewer, system_viewer
from dashboard.auth import ensure_demo_accounts
from dashboard.campaign import active_code, campaigns_over, load_campaign, prepare
from dashboard.db import DEFAULT_DB_PATH, database_url, execute, get_engine, upgrade
from dashboard.figures.gaps import missing_enterprises
from dashboard.figures.targets import compute_targets, overdue_first, overdue_problems
from dashboard.labels import figure_dict
from dashboard.periods import Window
from dashboard.ui import session
from dashboard.ui.singleflight import FLIGHTS


@st.cache_resource(show_spinner=False)
def _prepared(url: str) -> bool:
    """On first start with no database configured, the sample county is built (once per URL)."""
    eng = get_engine(url)
    if url == f"sqlite:///{DEFAULT_DB_PATH}" and not _has_records(eng):
        from dashboard import actions  # lazy: the first start only; actions loads the importer and exports
        conf = load_campaign()
        with st.spinner("首次启动：正在用示例县数据建库（约需半分钟）…"):
            prepare(eng, conf)  # the operator's viewer is the campaign's root
            actions.rebuild_demo(eng, system_viewer(eng, conf.root.code), conf)
    upgrade(eng)  # a database of an earlier version gets the accounts and audit tables
    if url == f"sqlite:///{DEFAULT_DB_PATH}" and not _has_accounts(eng):
        ensure_demo_accounts(eng)  # the sample county built before accounts existed
    return True


_run = threading.local()  # the script run's memo (one_run), on the run's own thread


@contextmanager
def one_run():
    """Around one script run (app.py's router): the engine, the campaign and the data version are
    looked up once per run, not once per call (five, four and three times on the overview: a
    tenth of a warm run's CPU). Each run starts empty, so every run still reads the data version
    fresh; clear_caches() (after an upload or rollback made in the run) empties it too. Outside a
    run (tests, the CLI) nothing is remembered."""
    _run.memo = {}
    try:
        yield
    finally:
        _run.memo = None


def _once(key, make):
    """make(), remembered for the rest of the script run under `key` (see one_run)."""
    memo = getattr(_run, "memo", None)
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def engine():
    """The app's engine (DASHBOARD_DB_URL, else the SQLite file under data/)."""
    url = database_url()
    return _once(("engine", url), lambda: _prepared(url) and get_engine(url))


def _has_accounts(eng) -> bool:
    with eng.connect() as conn:
        return conn.execute(text("select count(*) from app_user")).scalar() > 0


def _has_records(eng) -> bool:
    if "upload_batch" not in inspect(eng).get_table_names():
        return False
    with eng.connect() as conn:
        return conn.execute(text("select count(*) from upload_batch")).scalar() > 0


CAMPAIGN_KEY = "ctl_campaign"  # the campaign switch's widget (dashboard.ui.controls)


@st.cache_resource(show_spinner=False)
def _campaign(code: str):
    return load_campaign(code)


def campaign_code() -> str:
    """The campaign this session looks at: the sidebar's switch (kept in the URL as ?campaign=),
    else the process's (DASHBOARD_CAMPAIGN or the default)."""
    return st.session_state.get(CAMPAIGN_KEY) or active_code()


def campaign():
    """The configuration of the campaign this session looks at."""
    code = campaign_code()
    return _once(("campaign", code), lambda: _campaign(code))


def version() -> tuple:
    """The data version, the campaign and the viewer: part of every cache key below (two campaigns
    over the same units count different figures)."""
    url = database_url()
    return (url, *_once(("version", url), lambda: records.data_version(engine())), campaign_code(), session.viewer())


def _who(ver) -> Viewer:
    """The viewer a cache key was made for (the last element of version())."""
    return ver[-1] if ver and isinstance(ver[-1], Viewer) else session.viewer()


def cached(max_entries: int | None = None):
    """A result of the core, kept once per process for every session: no spinner, a Viewer keyed
    by its access and a Selection by its key (campaign, access, unit, window, as_of); concurrent
    misses of one key are merged by the process's single flight (dashboard.ui.singleflight): ten
    sessions missing together after an upload compute once and get the one result. Kept in
    RESULTS (the process's store, below), not st.cache_data: a hit is a dictionary lookup, not
    st.cache_data's key hashing and an unpickled copy (ten hits were about a fifth of a warm
    overview run's CPU, benchmarks/README.md run10). The one object is every session's, so no
    caller may change a result (tests/test_cache_sharing.py runs every page and checks).
    `max_entries`: the function's results kept apart, at most so many (large ones)."""
    def decorate(fn):
        store = Results(max_entries) if max_entries else RESULTS

        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                flight = (fn.__module__, fn.__qualname__, _flight_key(args), _flight_key(tuple(sorted(kwargs.items()))))
                hash(flight)
            except TypeError:  # an unhashable argument: nothing to merge on, compute
                return fn(*args, **kwargs)
            return _kept(flight, lambda: fn(*args, **kwargs), store)
        call.clear = lambda: store.clear(lambda flight: flight[:2] == (fn.__module__, fn.__qualname__))
        call.store = store
        return call
    return decorate


class Results:
    """The process's cached results and shared markup: at most `entries` values, the least
    recently used dropped first, keyed by (generation, flight key)."""

    def __init__(self, entries: int):
        self.entries = entries
        self._lock = threading.Lock()
        self._values: OrderedDict = OrderedDict()
        STORES.append(self)

    def get(self, key):
        with self._lock:
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                self._values.move_to_end(key)
            return value

    def put(self, key, value):
        """Keep `value` under `key` (a value already there stays: one object for every session);
        returns the kept one."""
        with self._lock:
            kept = self._values.setdefault(key, value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
            return kept

    def clear(self, which=None) -> None:
        """Forget every value, or those whose flight key `which(flight)` picks."""
        with self._lock:
            for key in [k for k in self._values if which is None or which(k[1])]:
                del self._values[key]


_MISSING = object()
STORES: list[Results] = []  # every store (clear_caches clears them all)
RESULTS_ENTRIES = 1024  # values kept (a dozen per data version, unit and window shown)
# A record list runs to 10^5-10^6 rows at province scale, kept unpickled (about 5x its pickle): each
# such function keeps its few latest results in a store of its own instead of up to RESULTS_ENTRIES.
LONG_LIST_ENTRIES = 4
RESULTS = Results(RESULTS_ENTRIES)


@st.cache_data(show_spinner=False)
def _generation() -> str:
    """A token that changes whenever st.cache_data is cleared (clear_caches after an upload here,
    or a test's st.cache_data.clear()): part of every RESULTS key, so clearing it clears them."""
    return secrets.token_hex(8)


def _kept(flight, make, store: Results = RESULTS):
    """make()'s value kept in `store` under `flight` in the current generation; concurrent misses
    of one key computed once (the single flight), every caller gets the one object."""
    key = (_once(("generation",), _generation), flight)
    value = store.get(key)
    if value is _MISSING:
        # kept before the flight ends: a caller arriving after it finds the value, not a new flight
        value = FLIGHTS.do(flight, lambda: store.put(key, make()), share=True)
    return value


def _flight_key(value):
    """A hashable key like st.cache_data's: a Viewer stands for its access, a Selection for its
    key, tuples recursively."""
    if isinstance(value, Viewer):
        return ("Viewer", value.access)
    if isinstance(value, Selection):
        return ("Selection", value.key)
    if isinstance(value, tuple):
        return tuple(_flight_key(v) for v in value)
    return value


def shared(what: str, ver, sel: Selection, *extra, build):
    """build(), made once per (what, ver, sel, *extra) for every session of the process: for a
    value made only from the cached results of that key and `extra` (an HTML string of the page),
    which every session would otherwise build again on every run (the overview's heatmaps, cards
    and meeting sheet were about a third of a warm run's CPU: ten sessions rerunning after an
    upload paid it ten times). Kept in RESULTS like the results it is made from. Concurrent
    misses merge in the single flight; the key holds the data version, so an upload is seen at
    once (tests/test_not_stale.py)."""
    return _kept(("shared", what, _flight_key((ver, sel, *extra))), build)


def clear_caches() -> None:
    """After an upload or a rollback: every cached result may be stale (the run's data version too)."""
    st.cache_data.clear()  # a new generation (_generation) for every RESULTS key
    for store in STORES:
        store.clear()
    if getattr(_run, "memo", None):
        _run.memo.clear()


@cached()
def campaign_choices(ver) -> list[tuple[str, str]]:
    """(code, name) of every campaign over the viewer's tree (dashboard.campaign.campaigns_over)."""
    top = scope(ver)[0]["code"]
    return [(c.code, c.name) for c in campaigns_over(top)]


# ------------------------------------------------------------------ org units and the selection
@cached()
def scope(ver) -> list[dict]:
    """The org unit rows the viewer may see (queries/scope_units.sql), in configuration order:
    `units` and every Selection of a run are made from them, so they are read once per key."""
    rows = execute(engine(), "scope_units", scope_unit_id=_who(ver).scope_unit_id)
    return sorted(rows, key=lambda r: r["sort_order"])


def selection(ver, choice) -> Selection:
    """The sidebar's choice (dashboard.ui.controls.PageChoice) resolved into the Selection the
    functions below take: the viewer of `ver`, the choice's unit (checked against the viewer's
    scope), its window up to the as-of date, and the as-of date. Reads nothing but the cache."""
    return select(engine(), campaign(), _who(ver), unit=choice.unit_code,
                  window=Window(choice.start, choice.end, choice.window.label), as_of=choice.as_of,
                  scope=scope(ver))


@cached()
def units(ver) -> list[dict]:
    """Every org unit the viewer may see, in configuration order (code, name, depth, parent)."""
    rows = scope(ver)
    by_id = {r["unit_id"]: r for r in rows}
    out = []
    for r in sorted(rows, key=lambda r: r["sort_order"]):
        parent = by_id.get(r["parent_id"])
        out.append({"code": r["code"], "name": r["name"], "depth": r["depth"],
                    "parent_code": parent["code"] if parent else None})
    return out


def _leaf_parent(sel: Selection) -> Selection | None:
    """The same window and date for the parent, when the selection's unit has no unit below it and
    its parent is in the viewer's scope; else None. Such a unit's figures, exception rows and
    report status are exactly its rows of its parent's (each counts the unit's own subtree, which
    is the unit alone), so the loaders below read them from the parent's cached result: one
    computation serves every sibling and a sidebar switch between them is a lookup
    (tests/test_cache_sharing.py checks the equality, tests/test_not_stale.py the freshness)."""
    if sel.children:
        return None
    parent = sel.parents.get(sel.unit["code"])
    return sel.of(parent) if parent else None


def _rows_of(rows: list, sel: Selection) -> list:
    """The rows of the selection's unit."""
    return [r for r in rows if r["unit_code"] == sel.unit["code"]]


# ------------------------------------------------------------------ figures
@cached()
def figures(ver, sel: Selection, by_unit: bool = False):
    """The target engine's figures (as dicts with display texts) for a selection. A unit with no
    unit below it is its own row of its parent's figures (computed once for all its siblings:
    switching to another such unit is a lookup)."""
    if parent := _leaf_parent(sel):
        return _rows_of(figures(ver, parent, True), sel)
    return [figure_dict(f) for f in compute_targets(engine(), sel, by_unit=by_unit)]


@cached()
def trajectory(ver, sel: Selection, by_unit: bool = False):
    """Campaign-to-date figures at each month end up to as_of, with the expected trajectory."""
    return pace.trajectory(engine(), sel, by_unit=by_unit)


@cached()
def paces(ver, sel: Selection, by_unit: bool = True):
    """Each campaign-to-date figure at as_of measured against its trajectory, with the forecast."""
    conf = sel.conf
    figs = figures(ver, sel.at(Window(conf.start_date, sel.as_of, ""), as_of=sel.as_of), by_unit)
    return [pace.pace_of(conf, f) for f in figs]


@cached(max_entries=LONG_LIST_ENTRIES)
def members(ver, sel: Selection, target: str):
    """The records behind a figure: every denominator member, flagged when in the numerator."""
    return records.figure_members(engine(), sel, target=target)


@cached(max_entries=LONG_LIST_ENTRIES)
def missing(ver, sel: Selection, target: str):
    """What is still missing for a target (dashboard.figures.gaps)."""
    return missing_enterprises(engine(), sel, target=target)


@cached()
def gap_note(ver, sel: Selection, target: str):
    """Why a target has no gap list (a count of records), None when it has one."""
    return gaps.gap_note(sel.conf, target)


@cached()
def grade_matrix(ver, sel: Selection, grade: str):
    """The unit × grade table of 风险分级监管 (dashboard.figures.grading), one row per unit."""
    return grading.matrix_table(grading.grade_matrix(engine(), sel, grade=grade))


# ------------------------------------------------------------------ exceptions and listings
@cached(max_entries=LONG_LIST_ENTRIES)
def overdue(ver, sel: Selection):
    """Problems past their 整改期限 and not rectified on as_of (dashboard.figures.targets)."""
    if parent := _leaf_parent(sel):
        return _rows_of(overdue(ver, parent), sel)
    return overdue_problems(engine(), sel)


@cached(max_entries=LONG_LIST_ENTRIES)
def undisposed(ver, sel: Selection):
    """不合格 batches whose 核查处置 is not finished (dashboard.figures.exceptions)."""
    if parent := _leaf_parent(sel):
        return _rows_of(undisposed(ver, parent), sel)
    return overview.undisposed_samples(engine(), sel)


@cached()
def short_list(kind: str, ver, sel: Selection, limit: int) -> dict:
    """An exception list as the overview shows it: `total` rows, `by_unit` (how many fall under
    each unit directly below the selection's unit, dashboard.figures.exceptions.count_by_child) and
    the first `limit` `rows` (the most urgent: overdue problems most overdue first, undisposed
    batches oldest first). kind: overdue | undisposed | unfiled. A rerun reads this short result
    from the cache, not the whole list.
    Overdue problems and undisposed batches are counted and ranked in the database (each unit's
    total and its first `limit` rows: the first `limit` of all are among them), so a province's
    20,000-30,000 rows are neither read into Python nor pickled into the cache; unfiled batches are
    counted from the whole list (which batches are serious is the campaign's rule, applied in Python).
    `below` keeps each unit directly below with no unit below it its own total and first `limit`
    rows, so such a unit reads its short list from its parent's (its rows are its rows of its
    parent's list, in the same order)."""
    if parent := _leaf_parent(sel):
        mine = short_list(kind, ver, parent, limit)["below"].get(sel.unit["code"], {"total": 0, "rows": []})
        return {**mine, "by_unit": [], "below": {}}
    rows, totals = _FIRST_ROWS[kind](engine(), sel, limit)
    by_unit = overview.count_by_child_of(totals, units(ver), sel.unit["code"])
    parents = {u["parent_code"] for u in units(ver)}
    below: dict[str, dict] = {u["code"]: {"total": totals.get(u["code"], 0), "rows": []}
                              for u in sel.children if u["code"] not in parents}
    for r in rows:
        if (own := below.get(r["unit_code"])) is not None and len(own["rows"]) < limit:
            own["rows"].append(r)
    return {"total": sum(totals.values()), "rows": rows[:limit], "by_unit": by_unit, "below": below}


def _whole(rows: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """A whole list as (rows, how many each unit has)."""
    return rows, dict(Counter(r["unit_code"] for r in rows))


# each list's rows (at least each unit's first `limit`, in the list's order) and how many each unit
# has; the core functions by their names here, looked up at each call (tests count the calls)
_FIRST_ROWS = {"overdue": lambda eng, sel, limit: overdue_first(eng, sel, limit),
               "undisposed": lambda eng, sel, limit: overview.undisposed_first(eng, sel, limit),
               "unfiled": lambda eng, sel, limit: _whole(strikes.unfiled_samples(eng, sel))}


@cached(max_entries=LONG_LIST_ENTRIES)
def unfiled(ver, sel: Selection):
    """Serious 不合格 batches with no case 30 days after sampling (dashboard.figures.strikes)."""
    if parent := _leaf_parent(sel):
        return _rows_of(unfiled(ver, parent), sel)
    return strikes.unfiled_samples(engine(), sel)


@cached(max_entries=LONG_LIST_ENTRIES)
def serious(ver, sel: Selection):
    """Every serious 不合格 batch with its linked case (dashboard.figures.strikes)."""
    if parent := _leaf_parent(sel):
        return _rows_of(serious(ver, parent), sel)
    return strikes.serious_samples(engine(), sel)


@cached(max_entries=LONG_LIST_ENTRIES)
def enforcement(ver, sel: Selection):
    """The 严打 panel: cases by unit and 违法类型 (dashboard.figures.strikes)."""
    return strikes.panel(engine(), sel)


@cached()
def star_table(ver, sel: Selection, year: int):
    """星级评比 per unit for a year and the 示范企业 (dashboard.figures.star_ratings)."""
    return star_ratings.star_table(engine(), sel, year=year)


@cached()
def report_status(ver, sel: Selection):
    """Whether each unit reported in the month of as_of (dashboard.figures.exceptions)."""
    if parent := _leaf_parent(sel):
        return _rows_of(report_status(ver, parent), sel)
    return overview.report_status(engine(), sel)


@cached(max_entries=LONG_LIST_ENTRIES)
def sampling(ver, sel: Selection):
    """Every sampling batch of the window, flagged when the sampling pass rate counts it (dashboard.figures.breakdowns)."""
    return breakdowns.sampling_rows(engine(), sel)


@cached(max_entries=LONG_LIST_ENTRIES)
def problems(ver, sel: Selection):
    """Problems of any source with their state on as_of (dashboard.figures.breakdowns)."""
    return breakdowns.problem_rows(engine(), sel)


@cached()
def search(ver, text: str, unit_code: str | None = None):
    """Enterprises whose name or credit code contains `text` (dashboard.figures.records)."""
    return records.search_enterprises(engine(), _who(ver), text, unit=unit_code)


@cached()
def enterprise(ver, credit_code: str):
    """An enterprise's file (一户一档) with every record and its upload (dashboard.figures.records)."""
    return records.enterprise_file(engine(), _who(ver), credit_code)


@cached()
def ledger(ver, sel: Selection):
    """工作任务台账 of the selection's unit on its as_of (dashboard.figures.work_ledger.Ledger). A unit
    with no unit below it reads its parent's (one computation for all its siblings)."""
    if parent := _leaf_parent(sel):
        return _ledger_of_child(ledger(ver, parent), sel.unit)
    return work.work_ledger(engine(), sel)


def _ledger_of_child(parents: work.Ledger, unit: dict) -> work.Ledger:
    """The ledger of a unit directly below `parents`' unit with no unit below it, from its parent's:
    the same campaign items and departments (the campaign's), its own tasks (each counts for it in
    both) and its row of the units (its first upload is its own); equal to work_ledger on the unit
    itself (tests/test_cache_sharing.py)."""
    code = unit["code"]
    return dataclasses.replace(parents, unit_code=code, unit_name=unit["name"],
                               tasks=[r for r in parents.tasks if r["unit_code"] == code],
                               units=[u for u in parents.units if u["unit_code"] == code])
