"""Running the reader of an untrusted file in a child process that may die.

A workbook can make a native reader allocate gigabytes (a Rust allocation failure aborts the
process: no `except` catches it) or run for minutes. Inside the server that would end every
signed-in user's session, so the file is read in a child forked from the multiprocessing
forkserver: the child gets an address-space limit (RLIMIT_AS) on top of what it starts with, the
parent waits at most TIMEOUT_SECONDS, and a child that is killed, aborts or overruns becomes a
`WorkerFailed` with a Chinese message. The forkserver has the importer imported already, so a
child costs a fork, not a Python start-up; every child is joined, none outlives its call.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import threading
from dataclasses import dataclass
from typing import Any, Callable

MEMORY_LIMIT_BYTES = 2 * 1024 ** 3  # address space a child may add to the forkserver's
TIMEOUT_SECONDS = 60.0
PRELOAD = ["__main__", "dashboard.importer.read"]  # '__main__' as multiprocessing's default has it



@dataclass
class ChildStats:
    """What the last child used, for the fuzzer and the benchmark to report."""
    peak_bytes: int = 0  # resident memory at its peak
    cpu_seconds: float = 0.0


last = ChildStats()

_CTX = multiprocessing.get_context("forkserver")
_setup = threading.Lock()
_preloaded = False


class WorkerFailed(Exception):
    """The child died, ran out of memory or time, or raised something unforeseen."""


def run(fn: Callable[..., Any], *args: Any, passthrough: tuple[type[BaseException], ...] = ()) -> Any:
    """fn(*args) in a child process; its exceptions of a `passthrough` type are re-raised here."""
    _ensure_preload()
    receiver, sender = _CTX.Pipe(duplex=False)
    child = _CTX.Process(target=_child, args=(sender, MEMORY_LIMIT_BYTES, fn, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(TIMEOUT_SECONDS):
            raise WorkerFailed(f"读取该工作簿超过 {TIMEOUT_SECONDS:g} 秒仍未完成，已中止：请删去无关的工作表、"
                               "图片或多余的行列后再上传")
        kind, value, stats = receiver.recv()
    except BaseException as exc:  # died without an answer (killed, a native abort), or too slow
        child.kill()
        child.join()
        if isinstance(exc, EOFError):
            raise WorkerFailed(_death(child.exitcode)) from None
        raise
    finally:
        receiver.close()
    # Not joined: having answered, the child is exiting; the forkserver reaps it and the next
    # start (or multiprocessing.active_children) drops it, without this call waiting for its exit.
    last.peak_bytes, last.cpu_seconds = stats
    if kind == "ok":
        return value
    if kind == "raise" and isinstance(value, passthrough):
        raise value
    if kind == "raise":
        value = type(value).__name__
    raise WorkerFailed(value if kind == "memory" else f"无法读取该工作簿（文件可能已损坏：{value}）")


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:  # killed by a signal: SIGABRT after a failed allocation
        return ("读取该工作簿时超出内存上限，已中止：工作簿可能含有极大的空白区域或已损坏，"
                "请在 Excel 中删除多余的行列并另存为 .xlsx 后再上传")
    return f"读取该工作簿的进程意外退出（代码 {exitcode}），请在 Excel 中另存为 .xlsx 后再上传"


def _ensure_preload() -> None:
    global _preloaded
    with _setup:
        if not _preloaded:
            _CTX.set_forkserver_preload(PRELOAD)
            _preloaded = True


def _child(sender, limit: int, fn, args) -> None:
    """In the child: cap the address space, run, send (kind, value, (peak RSS, CPU time)) back. The cyclic
    collector stays off, as it does around an import in the server (importer.gcpause): a child
    lives for one file, and a collection would touch every page it shares with the forkserver."""
    gc.disable()
    size = _address_space()
    if size is not None:
        resource.setrlimit(resource.RLIMIT_AS, (size + limit, size + limit))
    try:
        answer = ("ok", fn(*args))
    except MemoryError:
        answer = ("memory", _death(-6))
    except BaseException as exc:  # noqa: BLE001 - a pyo3 panic is a BaseException: answered too
        answer = ("raise", exc) if _picklable(exc) else ("error", type(exc).__name__)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = (usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime)
    try:
        sender.send((*answer, stats))
    except MemoryError:
        sender.send(("memory", _death(-6), stats))
    sender.close()


def _picklable(exc: BaseException) -> bool:
    import pickle
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return False
    return True


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux), the base the limit is added to."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None
