"""The project stands alone: no file of the repository names a place outside it (the original
specification's folder beside the checkout, the machine it was written on), so a clone with nothing
beside it is complete. The words are assembled here so that this file does not name them itself."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("shared" + "/spec", ".." + "/shared", "/" + "work" + "/", str(ROOT))


def repository_files() -> list[Path]:
    """Every file git tracks or would track (untracked but not ignored); the whole tree without git."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    return [ROOT / name for name in out.decode("utf-8").split("\0") if name and (ROOT / name).is_file()]


def test_no_file_names_a_path_outside_the_repository():
    found = []
    for path in repository_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{n}: {word}" for word in OUTSIDE if word in line]
    assert not found, "files naming a place outside the repository:\n" + "\n".join(found)
