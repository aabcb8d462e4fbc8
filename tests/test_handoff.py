"""dashboard.ui.handoff: a sign-in left by the login route for the session holding the form's nonce."""
from __future__ import annotations

import pytest

from dashboard.ui import handoff

NONCE = "a" * 43


@pytest.fixture(autouse=True)
def empty():
    handoff._pending.clear()
    yield
    handoff._pending.clear()


def test_taken_once_by_its_nonce_only():
    assert handoff.put(NONCE, "token-1")
    assert handoff.take("b" * 43) is None and handoff.take(None) is None and handoff.take("") is None
    assert handoff.take(NONCE) == "token-1"
    assert handoff.take(NONCE) is None  # once


@pytest.mark.parametrize("nonce", [None, "", "short", "a" * 31, "a" * 65, "a" * 40 + "<>'", "a" * 40 + " \n"])
def test_a_malformed_nonce_keeps_nothing(nonce):
    assert not handoff.put(nonce, "token")
    assert handoff._pending == {}


def test_too_late_is_gone(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(handoff.time, "monotonic", lambda: now[0])
    handoff.put(NONCE, "token")
    now[0] += handoff.TTL + 1
    assert handoff.take(NONCE) is None
    # and an expired entry is dropped by the next put
    handoff.put(NONCE, "token")
    now[0] += handoff.TTL + 1
    handoff.put("c" * 43, "other")
    assert list(handoff._pending) == ["c" * 43]


def test_bounded_the_oldest_goes_first(monkeypatch):
    monkeypatch.setattr(handoff, "MAX_PENDING", 3)
    for i in range(5):
        handoff.put(f"{i}" * 43, f"token-{i}")
    assert list(handoff._pending) == ["2" * 43, "3" * 43, "4" * 43]
    assert handoff.take("0" * 43) is None and handoff.take("4" * 43) == "token-4"
