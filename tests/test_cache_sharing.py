"""The page caches after an upload (dashboard.ui.data): work for a data version is done once, not
once per open session. Viewers of the same access share a key; concurrent misses of one key are
merged (the first computes, the others wait and reuse it); an exception in the first caller
releases the others; different keys do not wait for each other. Threads stand in for sessions."""
from __future__ import annotations

import logging
import pickle
import threading
from datetime import date

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import dashboard.figures.targets as targets_module
from dashboard.access import Viewer, resolve_unit
from dashboard.campaign import load_campaign, phase_window, sync_campaign
from dashboard.figures import exceptions, strikes
from dashboard.figures.records import data_version
from dashboard.figures.selection import select
from dashboard.figures.work_ledger import work_ledger
from dashboard.labels import figure_dict
from dashboard.ui import data
from tests.pages_support import PROJECT_DIR, sign_in

JOIN_TIMEOUT = 30  # a deadlocked thread fails the test instead of hanging it


@pytest.fixture(autouse=True)
def _quiet_empty_caches():
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "No runtime found" from bare threads
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def leaders(n: int) -> list[Viewer]:
    """n leadership accounts: different people, the same access (whole tree from unit 1)."""
    return [Viewer(f"leader{i}", "leader", 1, True) for i in range(n)]


def version(who: Viewer) -> tuple:
    """A data version as data.version() makes it: URL, newest batch, batch counts, viewer."""
    return ("sqlite:///x", 7, 7, 0, who)


def at_once(calls: list) -> tuple[list, list]:
    """Run every call in its own thread, released together; (results, exceptions) in call order."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(i):
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a caller never returned (deadlock)"
    return results, errors


class Computation:
    """A counting fake of a slow core call: each computation records who ran it and, while it
    runs, waits until `others` more computations have started too (or `grace` seconds pass)."""

    def __init__(self, others: int = 0, grace: float = 0.5, fail_first: bool = False):
        self.runs: list[str] = []
        self.lock = threading.Condition()
        self.others, self.grace, self.fail_first = others, grace, fail_first

    def __call__(self, ver, unit: str) -> dict:
        with self.lock:
            self.runs.append(ver[-1].username)
            mine = len(self.runs)
            self.lock.notify_all()
            self.lock.wait_for(lambda: len(self.runs) > self.others, timeout=self.grace)
        if self.fail_first and mine == 1:
            raise RuntimeError("数据库暂时不可用")
        return {"unit": unit, "scope": ver[-1].scope_unit_id}

    def cached(self):
        """The computation behind the page caches' own decorator (st.cache_data wants a function)."""
        def figures(ver, unit: str) -> dict:
            return self(ver, unit)
        return data.cached()(figures)


def test_ten_sessions_of_one_data_version_compute_once():
    """Ten leaders miss together after an upload: one computation, ten identical results. (Were the
    misses not merged, all ten would be inside the computation at once and it would count ten.)"""
    work = Computation(others=9)
    figures = work.cached()
    results, errors = at_once([lambda v=version(w): figures(v, "R") for w in leaders(10)])
    assert errors == [None] * 10
    assert len(work.runs) == 1
    assert results == [{"unit": "R", "scope": 1}] * 10


def test_different_keys_compute_at_the_same_time():
    """Two keys (two units; a leader and a chief) are computed concurrently: each computation waits
    inside until the other has started, which cannot happen if one key waited for the other."""
    for calls in (lambda f: [lambda: f(version(leaders(1)[0]), "R01"), lambda: f(version(leaders(1)[0]), "R02")],
                  lambda f: [lambda: f(version(leaders(1)[0]), "R"), lambda: f(version(Viewer("c", "chief", 5)), "R")]):
        st.cache_data.clear()
        work = Computation(others=1, grace=JOIN_TIMEOUT)
        results, errors = at_once(calls(work.cached()))
        assert errors == [None, None] and len(work.runs) == 2


def test_an_exception_in_the_first_caller_releases_the_others():
    """The first computation fails: its caller gets the exception, the waiting callers are released
    and the next one computes again (once), the rest reuse that result; nothing is left cached
    from the failure."""
    work = Computation(others=9, fail_first=True)
    figures = work.cached()
    results, errors = at_once([lambda v=version(w): figures(v, "R") for w in leaders(10)])
    failed = [e for e in errors if e is not None]
    assert len(failed) == 1 and str(failed[0]) == "数据库暂时不可用"
    assert [r for r in results if r is not None] == [{"unit": "R", "scope": 1}] * 9
    assert len(work.runs) == 2
    assert figures(version(leaders(1)[0]), "R") == {"unit": "R", "scope": 1} and len(work.runs) == 2


def test_shared_markup_is_built_once_per_key_for_every_session():
    """data.shared (the overview's heatmaps, cards and meeting sheet): ten leaders rerunning together
    after an upload build it once and all get the one string; another access, a newer data version
    or a cleared cache builds it again (never an older version's markup)."""
    data.clear_caches()
    work = Computation(others=9)

    def build(ver):
        return lambda: f"<b>{work(ver, 'R')['scope']}</b>"
    results, errors = at_once([lambda v=version(w): data.shared("t", v, "R", build=build(v)) for w in leaders(10)])
    assert errors == [None] * 10 and len(work.runs) == 1
    assert results == ["<b>1</b>"] * 10 and len({id(r) for r in results}) == 1
    chief = Viewer("chief3", "chief", 3, True)
    assert data.shared("t", version(chief), "R", build=build(version(chief))) == "<b>3</b>"
    newer = ("sqlite:///x", 8, 8, 0, leaders(1)[0])
    assert data.shared("t", newer, "R", build=lambda: "new") == "new"
    data.clear_caches()
    assert data.shared("t", version(leaders(1)[0]), "R", build=lambda: "rebuilt") == "rebuilt"
    assert len(work.runs) == 2


def test_viewers_share_a_key_only_with_the_same_access():
    """Same role, scope and personal-data right: one computation. A chief of another unit, or an
    admin (names masked), gets a computation of their own, run for them."""
    work = Computation()
    figures = work.cached()
    first, second = leaders(2)
    chief, admin = Viewer("chief3", "chief", 3, True), Viewer("admin", "admin", 1, False)
    assert figures(version(first), "R") == figures(version(second), "R") == {"unit": "R", "scope": 1}
    assert figures(version(chief), "R") == {"unit": "R", "scope": 3}
    figures(version(admin), "R")
    assert work.runs == ["leader0", "chief3", "admin"]


def test_the_page_caches_key_viewers_by_access(empty_engine, monkeypatch):
    """dashboard.ui.data's own cached functions: ten leaders reading the org units at once run the
    query once; a chief's scope is read for the chief."""
    sync_campaign(empty_engine, load_campaign())
    monkeypatch.setattr(data, "engine", lambda: empty_engine)
    queries = []
    real = data.execute

    def counting(engine, name, **params):
        queries.append((name, params.get("scope_unit_id")))
        return real(engine, name, **params)

    monkeypatch.setattr(data, "execute", counting)
    results, errors = at_once([lambda v=version(w): data.units(v) for w in leaders(10)])
    assert errors == [None] * 10 and queries == [("scope_units", 1)]
    assert all(r == results[0] for r in results) and results[0][0]["depth"] == 0
    chief_unit = results[0][1]
    chief = Viewer("chief", "chief", resolve_unit(empty_engine, chief_unit["code"]).unit_id)
    assert [u["code"] for u in data.units(version(chief))] == [chief_unit["code"]]


def test_a_unit_without_units_below_reads_its_parents_result(sample_county, sample_county_env, monkeypatch):
    """Goal 1 of #16 (a sidebar switch between sub-bureaus is a lookup): a sub-bureau's figures,
    overdue problems, undisposed batches, report status, serious and unfiled batches and work
    ledger on the page caches are its rows of the county's, and equal to the core's own computation for the sub-bureau; the county's one
    computation serves every sub-bureau. A chief (whose scope has no parent) computes their own."""
    conf, eng = load_campaign(), sample_county.engine
    leader, chief = sample_county.viewers["leader"], sample_county.viewers["dt03_chief"]
    window, as_of = phase_window(conf, 2), date(2023, 8, 31)
    real, calls = targets_module.compute_targets, []

    def counting(engine, sel, **kwargs):
        calls.append(sel.unit["code"])
        return real(engine, sel, **kwargs)

    monkeypatch.setattr(data, "compute_targets", counting)
    seen = {"unfiled": 0, "tasks": 0}  # the comparisons are not of empty lists only
    for who in (leader, chief):
        ver = (sample_county_env, *data_version(eng), conf.code, who)
        scope = data.units(ver)
        leaves = [u["code"] for u in scope if not any(v["parent_code"] == u["code"] for v in scope)]
        assert len(leaves) == (12 if who is leader else 1) and "DT03" in leaves
        for code in leaves:
            sel = select(eng, conf, who, unit=code, window=window, as_of=as_of)
            own = [figure_dict(f) for f in real(eng, sel, by_unit=True)]
            assert own and {f["unit_code"] for f in own} == {code}
            assert data.figures(ver, sel, True) == own
            assert data.figures(ver, sel, False) == own
            assert data.overdue(ver, sel) == targets_module.overdue_problems(eng, sel)
            assert data.undisposed(ver, sel) == exceptions.undisposed_samples(eng, sel)
            assert data.report_status(ver, sel) == exceptions.report_status(eng, sel)
            for late in (sel, sel.at(as_of=date(2023, 11, 30))):  # the county's serious batch is in October
                assert data.unfiled(ver, late) == strikes.unfiled_samples(eng, late)
                assert data.serious(ver, late) == strikes.serious_samples(eng, late)
                assert data.ledger(ver, late) == work_ledger(eng, late)
                seen.update(unfiled=seen["unfiled"] + len(data.unfiled(ver, late)),
                            tasks=seen["tasks"] + len(data.ledger(ver, late).tasks))
    # twelve sub-bureaus (with and without by_unit), one computation of the county's figures; the
    # chief's own two (by_unit on and off are two keys)
    assert calls == [conf.root.code, "DT03", "DT03"]
    assert seen["unfiled"] > 0 and seen["tasks"] > 0, seen


@pytest.mark.parametrize("limit", [1, 20])
def test_short_lists_equal_the_whole_lists_and_leaves_read_their_parents(sample_county, sample_county_env,
                                                                        monkeypatch, limit):
    """The overview's short exception lists (data.short_list: counted and ranked in the database,
    or from the whole list, not cached) hold the whole list's total, its count under each unit below and its first `limit`
    rows, for the county and each sub-bureau, as the engine computes them for that unit; a
    sub-bureau's is read from the county's short list (no list of its own is computed). A chief
    (no parent in scope) computes their own."""
    conf, eng = load_campaign(), sample_county.engine
    leader, chief = sample_county.viewers["leader"], sample_county.viewers["dt03_chief"]
    whole = {"overdue": targets_module.overdue_problems, "undisposed": exceptions.undisposed_samples,
             "unfiled": strikes.unfiled_samples}
    calls = []

    def counting(real):
        def call(engine, sel, limit):
            calls.append(sel.unit["code"])
            return real(engine, sel, limit)
        return call
    monkeypatch.setattr(data, "overdue_first", counting(targets_module.overdue_first))
    seen = 0
    for as_of in (date(2023, 8, 31), date(2023, 11, 30)):
        for who in (leader, chief):
            ver = (sample_county_env, *data_version(eng), conf.code, who)
            scope = data.units(ver)
            for u in scope:
                sel = select(eng, conf, who, unit=u["code"], as_of=as_of)
                for kind, core in whole.items():
                    rows = core(eng, sel)
                    got = data.short_list(kind, ver, sel, limit)
                    assert (got["total"], got["rows"], got["by_unit"]) == \
                        (len(rows), rows[:limit], exceptions.count_by_child(rows, scope, u["code"])), (kind, u["code"])
                    seen += len(rows) > limit
    assert seen or limit > 1  # with one row, some lists are longer than the short list
    # overdue problems ranked on the page caches: the county's and the chief's own, per as_of
    assert sorted(calls) == sorted([conf.root.code, "DT03"] * 2)


@pytest.fixture
def kept_results(monkeypatch):
    """Every value put into a results store during the test, with its pickle when it was kept."""
    kept = {}
    real_put = data.Results.put

    def put(self, key, value):
        kept.setdefault(key, (value, pickle.dumps(value)))
        return real_put(self, key, value)

    monkeypatch.setattr(data.Results, "put", put)
    return kept


def changed_results(kept: dict) -> list:
    """The (module, function) of every kept value whose pickle is no longer the one it was kept with."""
    return sorted({key[1][:2] for key, (value, before) in kept.items() if pickle.dumps(value) != before}, key=str)


def test_no_page_changes_a_kept_result(sample_county, sample_county_env, kept_results):
    """A cached result is one object kept for every session (data.RESULTS), not a copy per caller:
    a page that changed one (sorted a list in place, added a key to a row) would change what every
    other session sees. Every page an account may open, opened by the administrator (all but 月报上报)
    and by a sub-bureau chief, with the overview's expanders open and a meeting date to compare
    with, leaves every kept value as it was kept (its pickle unchanged)."""
    kept = kept_results
    pages = sorted(p.stem for p in (PROJECT_DIR / "app_pages").glob("*.py") if p.stem != "login")
    for username, refused in (("admin", {"upload"}), ("dt03_chief", {"admin", "audit", "upload"})):
        for page in sorted(set(pages) - refused):
            at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), username)
            at.query_params["as_of"] = "2023-08-31"
            if page == "overview":
                at.query_params["since"] = "2023-07-31"
                for key in ("ovw_open_exceptions", "ovw_open_matrix", "ovw_open_grades", "prov_open_overview"):
                    at.session_state[key] = True
            at.run()
            if page != "overview":
                at.switch_page(f"app_pages/{page}.py")
                at.run()
            assert not at.exception, (username, page, at.exception)
    assert len(kept) > 50 and changed_results(kept) == []


# Page states test_no_page_changes_a_kept_result does not reach: (account, page, query parameters,
# widget state of the first run, widget state changed for a second run). An enterprise's file, the
# provenance expanders of the other pages, the leadership and clerk accounts, other windows and
# years, a unit switch (a unit without units below reads its parent's rows), the tasks by unit.
MORE_STATES = [
    ("leader", "enterprise", {"q": "ENT_NAME", "ent": "ENT_CODE"}, {}, {}),
    ("dt03_clerk", "enterprise", {"q": "ENT_NAME", "ent": "ENT_CODE"}, {}, {}),
    ("leader", "sampling", {}, {"prov_open_sampling": True}, {"ctl_unit": "DT01"}),
    ("leader", "rectification", {}, {"prov_open_problems": True, "rect_states": ["逾期未整改"]}, {"ctl_unit": "DT03"}),
    ("leader", "sub_bureau", {"unit": "DT03"}, {"prov_open_sub_bureau": True}, {"ctl_unit": "DT01"}),
    ("dt03_clerk", "sub_bureau", {}, {"prov_open_sub_bureau": True}, {}),
    ("leader", "phases", {}, {"prov_open_phases": True}, {"ctl_unit": "DT03"}),
    ("leader", "tasks", {}, {"tasks_by_owner": False}, {"tasks_unit": "DT03"}),
    ("dt03_clerk", "tasks", {}, {}, {}),
    ("leader", "stars", {"year": "2022"}, {}, {"ctl_unit": "DT03"}),
    ("leader", "completeness", {"window": "phase1"}, {}, {"cmp_sheet": "监督检查"}),
    ("leader", "enforcement", {"window": "2023-07"}, {}, {"ctl_unit": "DT03"}),
    ("dt03_clerk", "enforcement", {}, {}, {}),
    ("leader", "export", {}, {}, {}),
    ("dt03_clerk", "upload", {}, {}, {}),
    ("leader", "overview", {"since": "2023-07-31", "window": "phase1"},
     {"ovw_open_exceptions": True, "ovw_open_matrix": True, "ovw_open_grades": True, "prov_open_overview": True,
      "ovw_show_flat": True}, {"ctl_unit": "DT03"}),
    ("leader", "overview", {"unit": "DT05", "since": "2023-06-30"},
     {"ovw_open_exceptions": True, "ovw_open_grades": True, "prov_open_overview": True}, {"ctl_unit": "DT04"}),
    ("dt03_clerk", "overview", {"since": "2023-07-31"},
     {"ovw_open_exceptions": True, "ovw_open_matrix": True, "ovw_open_grades": True, "prov_open_overview": True}, {}),
]


def test_no_page_state_changes_a_kept_result(sample_county, sample_county_env, kept_results):
    """As test_no_page_changes_a_kept_result, in the page states it does not reach (MORE_STATES):
    each page run once, then again after a widget change, leaves every kept value as it was kept."""
    kept = kept_results
    ent = sample_county.by_unit["DT03"][0]
    fill = {"ENT_NAME": ent.name[:3], "ENT_CODE": ent.credit_code}
    for username, page, params, state, then in MORE_STATES:
        at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), username)
        at.query_params["as_of"] = "2023-08-31"
        for k, v in params.items():
            at.query_params[k] = fill.get(v, v)
        for k, v in state.items():
            at.session_state[k] = v
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        for k, v in then.items():
            at.session_state[k] = v
        if then:
            at.run()
        assert not at.exception, (username, page, at.exception)
    reached = {key[1][1] for key in kept}
    assert {"enterprise", "search", "_provenance_frames", "members", "star_table"} <= reached
    assert len(kept) > 100 and changed_results(kept) == []


def test_record_lists_are_kept_few_in_stores_of_their_own():
    """A record list (members, sampling, problems, …) runs to 10^5-10^6 rows at province scale and is
    kept unpickled: each such function keeps at most LONG_LIST_ENTRIES results in its own store, the
    least recently used dropped first, never up to RESULTS_ENTRIES in the shared one."""
    long_lists = (data.members, data.missing, data.overdue, data.undisposed, data.unfiled, data.serious,
                  data.enforcement, data.sampling, data.problems)
    assert len({id(fn.store) for fn in long_lists}) == len(long_lists)
    assert all(fn.store is not data.RESULTS and fn.store.entries == data.LONG_LIST_ENTRIES == 4 for fn in long_lists)
    assert data.figures.store is data.RESULTS and data.RESULTS.entries == data.RESULTS_ENTRIES
    store = data.Results(2)
    try:
        for key in ("a", "b", "a", "c"):  # "a" used again: "b" is the least recently used
            store.put(key, key.upper()) if store.get(key) is data._MISSING else None
        assert (store.get("a"), store.get("b"), store.get("c")) == ("A", data._MISSING, "C")
    finally:
        data.STORES.remove(store)
