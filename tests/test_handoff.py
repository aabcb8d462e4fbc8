"""dashboard.ui.handoff: a sign-in left by the login route for the session holding the form's nonce."""
from __future__ import annotations

import secrets

import pytest

from dashboard.ui import handoff


@pytest.fixture(autouse=True)
def empty():
    handoff._pending.clear()
    yield
    handoff._pending.clear()


def test_taken_once_by_its_nonce_only():
    nonce = handoff.mint()
    assert handoff.put(nonce, "token-1")
    assert handoff.take(handoff.mint()) is None and handoff.take(None) is None and handoff.take("") is None
    assert handoff.take(nonce) == "token-1"
    assert handoff.take(nonce) is None  # once


@pytest.mark.parametrize("nonce", [None, "", "short", "a" * 31, "a" * 65, "a" * 40 + "<>'", "a" * 40 + " \n"])
def test_a_malformed_nonce_keeps_nothing(nonce):
    assert not handoff.put(nonce, "token")
    assert handoff._pending == {}


def test_only_a_nonce_minted_by_this_process_keeps_a_token(monkeypatch):
    """Behind several processes a login POST may reach another process than the page's session (a
    failover, a restart): that process must answer handed=False, so that the script reloads the
    page and the cookie signs it in, instead of pressing the button of a session that finds nothing."""
    nonce = handoff.mint()
    assert handoff.NONCE.fullmatch(nonce) and nonce != handoff.mint()
    assert not handoff.put(secrets.token_urlsafe(32), "token")  # well-formed, not minted here
    assert not handoff.put(nonce[:-1] + ("A" if nonce[-1] != "A" else "B"), "token")
    monkeypatch.setattr(handoff, "_KEY", secrets.token_bytes(32))  # another process (or after a restart)
    assert not handoff.put(nonce, "token")
    assert handoff._pending == {}
    assert handoff.put(handoff.mint(), "token")


def test_too_late_is_gone(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(handoff.time, "monotonic", lambda: now[0])
    first, second = handoff.mint(), handoff.mint()
    handoff.put(first, "token")
    now[0] += handoff.TTL + 1
    assert handoff.take(first) is None
    # and an expired entry is dropped by the next put
    handoff.put(first, "token")
    now[0] += handoff.TTL + 1
    handoff.put(second, "other")
    assert list(handoff._pending) == [second]


def test_bounded_the_oldest_goes_first(monkeypatch):
    monkeypatch.setattr(handoff, "MAX_PENDING", 3)
    nonces = [handoff.mint() for _ in range(5)]
    for i, nonce in enumerate(nonces):
        handoff.put(nonce, f"token-{i}")
    assert list(handoff._pending) == nonces[2:]
    assert handoff.take(nonces[0]) is None and handoff.take(nonces[4]) == "token-4"
