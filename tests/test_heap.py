"""dashboard.ui.heap: the served process freezes its heap once, after a complete page run; a test
process running the script through AppTest never does."""
import asyncio
import gc

import pytest

from dashboard.ui import heap, server


@pytest.fixture
def fresh_state(monkeypatch):
    monkeypatch.setattr(heap, "_state", {"serving": False, "frozen": False})
    yield
    gc.unfreeze()


def test_a_process_that_does_not_serve_never_freezes(fresh_state):
    before = gc.get_freeze_count()
    assert heap.settle() is False
    assert gc.get_freeze_count() == before


def test_the_served_process_freezes_once(fresh_state):
    heap.serving()
    assert heap.settle() is True
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert heap.settle() is False
    assert gc.get_freeze_count() == frozen


def test_the_lifespan_hook_marks_the_process_as_serving(fresh_state, monkeypatch):
    monkeypatch.setattr(server.auth, "check_production", lambda engine: None)
    monkeypatch.setattr(server, "_engine", lambda: None)

    async def start():
        async with server.lifespan(None):
            return heap._state["serving"]
    assert asyncio.run(start()) is True
