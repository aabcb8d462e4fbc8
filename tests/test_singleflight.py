"""The single flight (dashboard.ui.singleflight): concurrent callers of one key compute once.

Deterministic: the first computation blocks on an Event until every other caller is known to be
waiting on it (SingleFlight.waiting), then is released; calls are counted, nothing is timed."""
from __future__ import annotations

import logging
import threading

import pytest
import streamlit as st

from dashboard.access import Viewer
from dashboard.ui import data
from dashboard.ui.singleflight import FLIGHTS, SingleFlight

JOIN = 30  # seconds: a deadlocked thread fails the test instead of hanging it


def started(fn, n: int) -> tuple[list, list, list[threading.Thread]]:
    """n threads each calling fn(i); (results, errors, threads) filled in when they end."""
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            errors[i] = exc
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return results, errors, threads


def until(condition) -> None:
    """Wait (without asserting any duration) until condition() holds; fail after JOIN seconds."""
    done = threading.Event()
    for _ in range(JOIN * 1000):
        if condition():
            return
        done.wait(0.001)
    pytest.fail("condition never held")


def joined(threads) -> None:
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads), "a caller never returned"


class Blocking:
    """A computation that counts its calls; call k blocks until gate k is set (`release` is the
    first call's gate)."""

    def __init__(self, fail_first: bool = False):
        self.calls = 0
        self.gates = [threading.Event() for _ in range(3)]
        self.release = self.gates[0]
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self) -> dict:
        with self.lock:
            self.calls += 1
            mine = self.calls
        self.gates[min(mine, 3) - 1].wait(JOIN)
        if self.fail_first and mine == 1:
            raise RuntimeError("数据库暂时不可用")
        return {"figures": [1, 2, 3], "call": mine}


def test_ten_concurrent_callers_compute_once():
    flights, work = SingleFlight(), Blocking()
    results, errors, threads = started(lambda i: flights.do(("figures", 7), work), 10)
    until(lambda: work.calls == 1 and flights.waiting(("figures", 7)) == 9)
    work.release.set()
    joined(threads)
    assert errors == [None] * 10
    assert work.calls == 1 and flights.computations == 1
    assert results == [{"figures": [1, 2, 3], "call": 1}] * 10
    # each waiter has its own copy: one session changing its rows changes no one else's
    assert len({id(r) for r in results}) == 10 and len({id(r["figures"]) for r in results}) == 10


def test_a_call_after_the_computation_computes_again():
    """The layer merges concurrent misses only; it keeps no result (caching is st.cache_data's)."""
    flights, work = SingleFlight(), Blocking()
    for gate in work.gates:
        gate.set()
    assert flights.do("k", work) == {"figures": [1, 2, 3], "call": 1}
    assert flights.do("k", work) == {"figures": [1, 2, 3], "call": 2}
    assert flights.waiting("k") == 0


def test_different_keys_do_not_wait_for_each_other():
    """Two keys: both computations are inside at once (each blocks until the other has started)."""
    flights, work = SingleFlight(), Blocking()
    results, errors, threads = started(lambda i: flights.do(("unit", i), work), 2)
    until(lambda: work.calls == 2)
    work.release.set()
    work.gates[1].set()
    joined(threads)
    assert errors == [None, None] and flights.computations == 2


def test_an_exception_in_the_first_caller_releases_the_others():
    """The first computation fails: only its caller sees the exception; the nine waiters are
    released, one of them computes again and the other eight take that result."""
    flights, work = SingleFlight(), Blocking(fail_first=True)
    results, errors, threads = started(lambda i: flights.do("k", work), 10)
    until(lambda: work.calls == 1 and flights.waiting("k") == 9)
    work.release.set()  # the first fails; the second computation starts and the other eight wait
    until(lambda: work.calls == 2 and flights.waiting("k") == 8)
    work.gates[1].set()
    joined(threads)
    failed = [e for e in errors if e is not None]
    assert len(failed) == 1 and str(failed[0]) == "数据库暂时不可用"
    assert work.calls == 2 and flights.computations == 2
    assert [r for r in results if r is not None] == [{"figures": [1, 2, 3], "call": 2}] * 9
    assert flights.waiting("k") == 0


@pytest.fixture()
def _empty_caches():
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "No runtime found" from bare threads
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_the_page_caches_go_through_the_single_flight(_empty_caches):
    """dashboard.ui.data.cached: ten leaders (same access) missing one key together are one
    computation of the process's single flight; a chief (another access) is a computation of
    its own."""
    work = Blocking()

    @data.cached()
    def figures(ver, unit: str) -> dict:
        return {"unit": unit, "scope": ver[-1].scope_unit_id, **work()}

    before = FLIGHTS.computations
    leaders = [("sqlite:///x", 7, 7, 0, Viewer(f"leader{i}", "leader", 1, True)) for i in range(10)]
    results, errors, threads = started(lambda i: figures(leaders[i], "R"), 10)
    until(lambda: work.calls == 1)
    work.release.set()
    joined(threads)
    assert errors == [None] * 10 and work.calls == 1 and FLIGHTS.computations == before + 1
    assert results == [{"unit": "R", "scope": 1, "figures": [1, 2, 3], "call": 1}] * 10
    chief = ("sqlite:///x", 7, 7, 0, Viewer("chief3", "chief", 3, True))
    work.gates[1].set()  # the chief's computation (the second call) need not wait JOIN seconds for its gate
    assert figures(chief, "R")["scope"] == 3 and FLIGHTS.computations == before + 2
