"""Running the reader of an untrusted file in a child process that may die.

A workbook can make a native reader allocate gigabytes (a Rust allocation failure aborts the
process: no `except` catches it) or run for minutes. Inside the server that would end every
signed-in user's session, so the file is read in a child process with an address-space limit
(RLIMIT_AS) on top of what it starts with; the parent waits at most TIMEOUT_SECONDS, then kills
it, and a child that dies without answering becomes a `WorkerFailed` with a Chinese message.

The children are forked by a zygote: one plain Python process per server process, started on
first use with the importer already imported, so a child costs a fork, not a Python start-up. Not multiprocessing's forkserver: that re-runs the parent's
`__main__` in every child, and under Streamlit `__main__` is the app script. Each request hands
the zygote one end of a fresh socket pair (SCM_RIGHTS over a private socket, nothing listens);
the child reads the call from it, answers on it and exits; the zygote ignores SIGCHLD, so the
kernel reaps. The zygote exits when its parent does (its control socket closes).

What this bounds is memory, time and crashes, not code execution: the child runs as the same
user with the same environment, and its answer is unpickled here.
"""
from __future__ import annotations

import gc
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

MEMORY_LIMIT_BYTES = 2 * 1024 ** 3  # address space a child may add to the zygote's
TIMEOUT_SECONDS = 60.0
# A child's answer is at most this large (a workbook at the contract's limits pickles to far less):
# the server never allocates what a child claims beyond it.
ANSWER_LIMIT_BYTES = 512 * 1024 ** 2
# Children at once: each may take MEMORY_LIMIT_BYTES, so uploads beyond these wait their turn.
MAX_CHILDREN = 2
_children = threading.BoundedSemaphore(MAX_CHILDREN)
PRELOAD = "dashboard.importer.read"
# The zygote forks: it must have no threads, and numpy's BLAS would start a pool at import.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Every page a child writes is new to it (a 10,000-row sheet: ~10,000 page faults, a sixth of its
# time spent in the kernel). glibc's malloc, told so, asks for transparent huge pages where the
# system grants them on request ("madvise", the common default): 2 MiB per fault, not 4 KiB. The
# child's read of the benchmark's workbook, alternating with a child without it: best of 25,
# 142 -> 132 ms, median 172 -> 156 ms. An older glibc or another C library ignores it.
HUGE_PAGES = "glibc.malloc.hugetlb=1"


@dataclass
class ChildStats:
    """What the last child used, for the fuzzer and the benchmark to report."""
    peak_bytes: int = 0  # resident memory at its peak
    cpu_seconds: float = 0.0


last = ChildStats()


class WorkerFailed(Exception):
    """The child died, ran out of memory or time, or raised something unforeseen."""


DIED = ("读取该工作簿时超出内存上限或读取进程异常终止，已中止：工作簿可能含有极大的空白区域或已损坏，"
        "请在 Excel 中删除多余的行列并另存为 .xlsx 后再上传")


def run(fn: Callable[..., Any], *args: Any, passthrough: tuple[type[BaseException], ...] = ()) -> Any:
    """fn(*args) in a child process; its exceptions of a `passthrough` type are re-raised here."""
    with _children:
        return _run(fn, args, passthrough)


def _run(fn: Callable[..., Any], args: tuple, passthrough: tuple[type[BaseException], ...]) -> Any:
    mine, theirs = socket.socketpair()
    with mine:
        with theirs:
            _zygote.hand_over(theirs)
        mine.settimeout(TIMEOUT_SECONDS)
        pid = None
        try:
            pid = struct.unpack("!q", _recv_exact(mine, 8))[0]
            _send(mine, pickle.dumps((fn, args, MEMORY_LIMIT_BYTES, TIMEOUT_SECONDS), pickle.HIGHEST_PROTOCOL))
            kind, value, stats = pickle.loads(_recv(mine))
        except TimeoutError:
            _kill(pid)
            raise WorkerFailed(f"读取该工作簿超过 {TIMEOUT_SECONDS:g} 秒仍未完成，已中止：请删去无关的工作表、"
                               "图片或多余的行列后再上传") from None
        except (EOFError, ConnectionError):  # died without an answer: killed, or a native abort
            _kill(pid)
            raise WorkerFailed(DIED) from None
    last.peak_bytes, last.cpu_seconds = stats
    if kind == "ok":
        return value
    if kind == "raise" and isinstance(value, passthrough):
        raise value
    if kind == "raise":
        value = type(value).__name__
    raise WorkerFailed(DIED if kind == "memory" else f"无法读取该工作簿（文件可能已损坏：{value}）")


def _kill(pid: int | None) -> None:
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ------------------------------------------------------------------ framing
def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack("!Q", len(payload)) + payload)


def _recv(sock: socket.socket) -> bytes:
    size = struct.unpack("!Q", _recv_exact(sock, 8))[0]
    if size > ANSWER_LIMIT_BYTES:  # a child that went wrong (or was made to) claims too much
        raise ConnectionError(f"answer of {size} bytes")
    return _recv_exact(sock, size)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if not n:
            raise EOFError
        got += n
    return buf  # bytes-like for pickle and struct: no second copy


# ------------------------------------------------------------------ the zygote, seen from the server
class _Zygote:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._control: socket.socket | None = None

    def hand_over(self, end: socket.socket) -> None:
        """Give the zygote `end`; it forks a child that serves it. A dead zygote is replaced."""
        with self._lock:
            for attempt in (1, 2):
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                try:
                    socket.send_fds(self._control, [b"."], [end.fileno()])
                    return
                except OSError:
                    if attempt == 2:
                        raise
                    self._proc = None

    def _start(self) -> None:
        if self._control is not None:
            self._control.close()
        self._control, theirs = socket.socketpair()
        code = f"from {__name__} import _serve; _serve({theirs.fileno()})"
        env = zygote_environment(os.environ)
        with theirs:
            # -P: not the current folder first on the path (`-c` would put it there): a `dashboard`
            # package in the folder the server was started from must not stand in for this one
            self._proc = subprocess.Popen([sys.executable, "-P", "-c", code], pass_fds=[theirs.fileno()], env=env,
                                          stdin=subprocess.DEVNULL)


def zygote_environment(environ) -> dict[str, str]:
    """The zygote's environment: the server's, single-threaded, glibc asked for huge pages (before
    any tunables already set: glibc takes the last of a repeated one, so the server's own choice of
    the same tunable wins), and `dashboard` importable from this checkout."""
    root = str(Path(__file__).resolve().parents[2])  # where `dashboard` is importable from
    tunables = ":".join(filter(None, [HUGE_PAGES, environ.get("GLIBC_TUNABLES")]))
    return {**environ, **SINGLE_THREADED, "GLIBC_TUNABLES": tunables,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, environ.get("PYTHONPATH")]))}


_zygote = _Zygote()


# ------------------------------------------------------------------ the zygote and its children
def _serve(control_fd: int) -> None:
    """The zygote's loop: for each socket handed over, fork a child to serve it."""
    __import__(PRELOAD)
    gc.freeze()  # what is imported now is shared with every child and never collected again
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the server process has gone
        if os.fork() == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _child(socket.socket(fileno=fds[0]))
            finally:
                os._exit(0)
        os.close(fds[0])


def _child(sock: socket.socket) -> None:
    """In the child: say who it is, read the call, cap the address space and CPU time, run, answer
    (kind, value, (peak RSS, CPU time)). The cyclic collector stays off, as it does around an
    import in the server (importer.gcpause): a child lives for one file."""
    gc.disable()
    sock.sendall(struct.pack("!q", os.getpid()))
    fn, args, limit, timeout = pickle.loads(_recv(sock))
    with open("/proc/self/statm") as fh:
        size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + limit, size + limit))
    cpu = int(timeout) + 5  # a backstop should the server be gone and nobody kill this child
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        answer = ("ok", fn(*args))
    except MemoryError:
        answer = ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - a pyo3 panic is a BaseException: answered too
        answer = ("raise", exc) if _picklable(exc) else ("error", type(exc).__name__)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = (usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime)
    try:
        payload = pickle.dumps((*answer, stats), pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        payload = pickle.dumps(("memory", None, stats))
    _send(sock, payload)


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return False
    return True

