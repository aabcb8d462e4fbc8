"""The server's heap frozen once the page stack is loaded (#16 goals 3 and 4).

Measured in the server under ten sessions (benchmarks/README.md, 第 8 次会话): CPython's full
(generation 2) collection ran about once a second and took 130–180 ms each time, walking the
modules every page imports (pandas, Altair and its schema, Streamlit, SQLAlchemy) and finding
nothing to free; whichever session's run was waiting for the interpreter lock then took 150 ms
longer, which is most of the ten-session p95. `gc.freeze()` moves every object alive at that
moment into a generation the collector never walks again (reference counting still frees them);
done once after the first complete page run, the full collections that follow walk only what the
sessions have made since. Cycles among the frozen objects are never collected: that is the
one-time heap of a started server, not a growing amount.

Only in a served process (the ASGI lifespan hook calls serving()): AppTest runs the same script in
the test process, whose heap is not ours to freeze.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_state = {"serving": False, "frozen": False}


def serving() -> None:
    """This process serves the app (dashboard.ui.server.lifespan)."""
    _state["serving"] = True


def settle() -> bool:
    """After a complete page run: collect and freeze once per served process; True when it did."""
    with _lock:
        if not _state["serving"] or _state["frozen"]:
            return False
        _state["frozen"] = True
    gc.collect()
    gc.freeze()
    return True
