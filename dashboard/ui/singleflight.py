"""Single flight: concurrent callers of one key share one computation.

After an upload every open session misses the page caches at once (the data version is part of
every key). `SingleFlight.do(key, fn)` lets the first caller of a key compute while the others
wait on it and take its result, so the work for one data version is done once per process, not
once per session. Only callers that overlap share: a call made after the computation finished
computes again (keeping results is dashboard.ui.data.RESULTS' job, this layer only merges
concurrent misses; it holds no result afterwards). When the first caller fails, its exception is raised in its own
thread only: the waiting callers are released and the next of them computes in turn. Different
keys never wait for each other.

This layer makes the guarantee the dashboard's own (tests/test_singleflight.py), and is the one
place to look when the question is "how many times did the process compute this?"
(`SingleFlight.computations`).
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class _Flight:
    """One computation in progress: its waiters block on `done`."""
    __slots__ = ("done", "value", "failed", "waiters")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value = None
        self.failed = False
        self.waiters = 0


class SingleFlight:
    """A per-process table of computations in progress, keyed by the caller's key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        self.computations = 0  # how many times fn actually ran (for tests and benchmarks)

    def do(self, key: Hashable, fn: Callable[[], T], *, share: bool = False) -> T:
        """fn() for the first caller of `key`; a caller arriving while it runs gets a deep copy of
        its result (no caller changes another's), or with `share` the result itself (for a value
        kept for every caller anyway, which none may change: dashboard.ui.data.RESULTS)."""
        while True:
            with self._lock:
                flight = self._flights.get(key)
                leader = flight is None
                if leader:
                    flight = self._flights[key] = _Flight()
                    self.computations += 1
                else:
                    flight.waiters += 1
            if leader:
                return self._lead(key, flight, fn)
            flight.done.wait()
            if not flight.failed:
                return flight.value if share else copy.deepcopy(flight.value)
            # the first caller failed: its exception is its own; try again (one of us leads)

    def _lead(self, key: Hashable, flight: _Flight, fn: Callable[[], T]) -> T:
        try:
            flight.value = fn()
            return flight.value
        except BaseException:
            flight.failed = True
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def waiting(self, key: Hashable) -> int:
        """How many callers wait for the computation of `key` in progress (0 when none runs)."""
        with self._lock:
            flight = self._flights.get(key)
            return flight.waiters if flight else 0


FLIGHTS = SingleFlight()  # the process's: every cached loader of dashboard.ui.data shares it
