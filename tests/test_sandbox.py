"""The child process an untrusted file is read in: whatever happens there, the caller gets an
answer (a value, its own exception, or a Chinese WorkerFailed) and no process is left behind."""
import os
import time
from pathlib import Path

import pytest

from dashboard.importer import read, sandbox


def children() -> list[int]:
    """The zygote's live children, waited for while a killed one is still being reaped."""
    zygote = sandbox._zygote._proc.pid
    for _ in range(100):
        found = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == zygote]
        if not found:
            return []
        time.sleep(0.05)
    return found


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_value_and_passthrough_exception():
    assert sandbox.run(divmod, 17, 5) == (3, 2)
    with pytest.raises(read.FileRefused, match="不是 Excel 工作簿"):
        sandbox.run(read.read_untrusted, b"a,b\n", "x.xlsx", read.Limits.current(), passthrough=(read.FileRefused,))


def test_unforeseen_exception_is_named_not_raised():
    with pytest.raises(sandbox.WorkerFailed, match=r"^无法读取该工作簿（文件可能已损坏：ZeroDivisionError）$"):
        sandbox.run(divmod, 1, 0)


def test_native_abort_is_a_refusal():
    with pytest.raises(sandbox.WorkerFailed, match="^读取该工作簿时超出内存上限"):
        sandbox.run(os.abort)
    assert children() == []


def test_address_space_limit(monkeypatch):
    """4 GB asked of a child allowed 256 MB more than it started with: MemoryError there, a
    sentence here; the limit is the parent's value at the time of the call."""
    monkeypatch.setattr(sandbox, "MEMORY_LIMIT_BYTES", 256 * 1024 ** 2)
    with pytest.raises(sandbox.WorkerFailed, match="^读取该工作簿时超出内存上限"):
        sandbox.run(bytearray, 4 * 1024 ** 3)
    assert len(sandbox.run(bytearray, 64 * 1024 ** 2)) == 64 * 1024 ** 2


def test_timeout_kills_the_child(monkeypatch):
    monkeypatch.setattr(sandbox, "TIMEOUT_SECONDS", 0.5)
    with pytest.raises(sandbox.WorkerFailed, match="超过 0.5 秒仍未完成，已中止"):
        sandbox.run(time.sleep, 30)
    assert children() == []
    assert sandbox.run(abs, -4) == 4  # the zygote outlives its killed child


def test_a_dead_zygote_is_replaced():
    sandbox.run(abs, 1)
    sandbox._zygote._proc.kill()
    sandbox._zygote._proc.wait()
    assert sandbox.run(abs, -2) == 2


def test_an_answer_larger_than_the_cap_is_refused_not_allocated(monkeypatch):
    """The server reads a child's claimed answer length before allocating it: over the cap, the
    child is killed and the upload refused."""
    monkeypatch.setattr(sandbox, "ANSWER_LIMIT_BYTES", 1000)
    assert sandbox.run(bytes, 500) == bytes(500)
    with pytest.raises(sandbox.WorkerFailed, match="^读取该工作簿时超出内存上限"):
        sandbox.run(bytes, 5000)
    assert children() == []



def test_the_zygote_imports_this_dashboard_not_the_current_folders(tmp_path, monkeypatch):
    """Started from a folder holding another `dashboard` (another checkout), the zygote still
    serves this one's code: `python -c` alone would import the folder's."""
    (tmp_path / "dashboard" / "importer").mkdir(parents=True)
    (tmp_path / "dashboard" / "__init__.py").write_text("raise ImportError('the wrong dashboard')")
    monkeypatch.chdir(tmp_path)
    sandbox._zygote._proc.kill()
    sandbox._zygote._proc.wait()
    assert sandbox.run(abs, -3) == 3
    sandbox._zygote._proc.kill()  # the next one starts from the usual folder, not this temporary one
    sandbox._zygote._proc.wait()


def test_the_zygote_asks_glibc_for_huge_pages_and_keeps_the_servers_own_tunables():
    env = sandbox.zygote_environment({"PATH": "/usr/bin", "PYTHONPATH": "/x"})
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.hugetlb=1"
    assert env["OMP_NUM_THREADS"] == "1" and env["PATH"] == "/usr/bin"
    assert env["PYTHONPATH"].split(os.pathsep) == [str(Path(sandbox.__file__).resolve().parents[2]), "/x"]
    # the server's own tunables come last: glibc takes the last value of a tunable named twice
    env = sandbox.zygote_environment({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2"})
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2"


def test_a_child_runs_with_the_tunables():
    assert sandbox.run(os.getenv, "GLIBC_TUNABLES").startswith("glibc.malloc.hugetlb=1")
