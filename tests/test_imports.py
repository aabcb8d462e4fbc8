"""How the modules of dashboard/ import each other, read from their source with `ast` (nothing is
imported): no import cycle among them, counting the imports inside functions too (a function-level
import hides a cycle from Python's import machinery, not from a reader), except the edges of
CYCLE_ALLOWED, each with its reason."""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (importer, imported): function-level imports that close a cycle on purpose.
CYCLE_ALLOWED = {
    # A campaign file's checked mappings become campaign.TargetConf/PopulationConf, while
    # campaign.load_campaign runs the checks: the dataclasses and the loader share campaign.py.
    ("dashboard.campaign_check", "dashboard.campaign"),
    # Every target's measure is built at load (a wrong parameter is refused then), and the measure
    # registry reads campaign's dataclasses.
    ("dashboard.campaign", "dashboard.figures.measures"),
}


def modules(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    """Dotted name → (file, is a package) of every module under dashboard/ but the migrations."""
    out = {}
    for path in sorted((root / "dashboard").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if "migrations" in parts:
            continue
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


def _targets(name: str, package: bool, node: ast.Import | ast.ImportFrom, known) -> list[str]:
    """The dashboard modules one import statement loads (a `from pkg import submodule` loads the
    submodule; any other name is the module's own)."""
    if isinstance(node, ast.Import):
        found = [alias.name for alias in node.names]
    else:
        base = name.split(".") if package else name.split(".")[:-1]
        if node.level:
            base = base[:len(base) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        found = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
    out = []
    for target in found:
        while target not in known and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in known and target != name:
            out.append(target)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module → the dashboard modules it imports anywhere in its file (module level or not)."""
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, package) in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[name].update(_targets(name, package, node, known))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_of_dashboard_is_part_of_an_import_cycle():
    graph = import_graph()
    for importer, imported in CYCLE_ALLOWED:
        assert imported in graph[importer], f"CYCLE_ALLOWED names an import that is gone: {importer} → {imported}"
        graph[importer].discard(imported)
    found = cycles(graph)
    assert not found, "import cycles among dashboard modules:\n" + "\n".join(
        " ↔ ".join(c) + ": " + "; ".join(f"{a} → {b}" for a in c for b in sorted(graph[a]) if b in c) for c in found)


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    """The two cycles this check was written against: importer.read ↔ importer.published, read
    importing published inside a function."""
    pkg = tmp_path / "dashboard" / "importer"
    pkg.mkdir(parents=True)
    (tmp_path / "dashboard" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "read.py").write_text("def read():\n    from .published import recognise\n")
    (pkg / "published.py").write_text("from .read import fold\n")
    assert cycles(import_graph(tmp_path)) == [["dashboard.importer.published", "dashboard.importer.read"]]


# ------------------------------------------------------------------ imports inside functions
def _comment_lines(source: str) -> set[int]:
    """The line numbers holding a `#` comment (tokenized: a `#` inside a string does not count)."""
    return {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT}


def unexplained_imports(path: Path) -> list[str]:
    """`file:line: statement` of every import inside a function of the file without a `#` comment on
    its line or the line above; an import right below an explained one shares its comment."""
    source = path.read_text(encoding="utf-8")
    comments, lines = _comment_lines(source), source.splitlines()
    out = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for body in (getattr(n, field) for n in ast.walk(func)
                     for field in ("body", "orelse", "finalbody", "handlers") if isinstance(getattr(n, field, None), list)):
            explained_until = None  # the last line of the explained import just before, if any
            for stmt in body:
                if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    explained_until = None
                    continue
                if (comments & set(range(stmt.lineno - 1, stmt.end_lineno + 1))
                        or explained_until == stmt.lineno - 1):
                    explained_until = stmt.end_lineno
                else:
                    out.append(f"{path.relative_to(ROOT)}:{stmt.lineno}: {lines[stmt.lineno - 1].strip()}")
    return sorted(set(out))


def checked_files(root: Path = ROOT) -> list[Path]:
    """Every Python file of the project: dashboard/ (migrations are alembic's), app.py, app_pages/,
    tests/ and benchmarks/."""
    files = [p for p in (root / "dashboard").rglob("*.py") if "migrations" not in p.parts]
    return sorted(files + [root / "app.py", *(root / "app_pages").glob("*.py"),
                           *(root / "tests").rglob("*.py"), *(root / "benchmarks").rglob("*.py")])


def test_the_function_import_check_reads_tests_and_benchmarks():
    files = {p.relative_to(ROOT).as_posix() for p in checked_files()}
    assert {"dashboard/db.py", "app.py", "tests/conftest.py", "tests/test_imports.py",
            "benchmarks/bench.py"} <= files


def test_every_import_inside_a_function_says_why():
    found = [line for path in checked_files() for line in unexplained_imports(path)]
    assert not found, ("imports inside a function without a comment saying why (move them to the top "
                       "of the module, or write the reason beside them):\n" + "\n".join(found))


def test_the_function_import_check_finds_an_unexplained_import(tmp_path):
    global ROOT
    code = ("def a():\n    from x import y  # lazy: x is heavy\n    from x import z\n    return y\n\n"
            "def b():\n    import json\n    return json\n\n"
            "def c():\n    # a real cycle\n    from x import w\n\n"
            "def d():\n    s = '# not a comment'\n    import re\n")
    (tmp_path / "m.py").write_text(code)
    saved, ROOT = ROOT, tmp_path
    try:
        assert unexplained_imports(tmp_path / "m.py") == ["m.py:16: import re", "m.py:7: import json"]
    finally:
        ROOT = saved


def test_no_module_shares_its_name_with_a_page():
    """A page (app_pages/x.py) and a module (dashboard/…/x.py) of one name make a reader guess which
    `x` a line means: the figures behind a page take a name of their own (figures/strikes.py behind
    app_pages/enforcement.py, audit_trail.py behind the audit page …)."""
    pages = {p.stem for p in (ROOT / "app_pages").glob("*.py")}
    assert {"overview", "enforcement", "audit"} <= pages  # the check compares something
    twins = sorted(f"app_pages/{p.stem}.py ~ {p.relative_to(ROOT)}" for p in (ROOT / "dashboard").rglob("*.py")
                   if p.stem in pages and "migrations" not in p.parts)
    assert not twins, "页面与模块同名：\n" + "\n".join(twins)


# ------------------------------------------------------------------ conftest is pytest's
def conftest_importers(root: Path = ROOT) -> list[str]:
    """`file:line` of every import of conftest (as `conftest` or `tests.conftest`) under tests/ and
    benchmarks/: pytest loads conftest.py itself, and an import makes a second copy of it. Its
    fixtures reach a test as arguments; plain helpers live in a module of their own
    (tests/databases.py, tests/accounts_county.py, tests/builders.py …)."""
    out = []
    for path in sorted([*(root / "tests").rglob("*.py"), *(root / "benchmarks").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or "", *(a.name for a in node.names)] if isinstance(node, ast.ImportFrom)
                     else [])
            if any(n.split(".")[-1] == "conftest" for n in names):
                out.append((path.relative_to(root).as_posix(), node.lineno))
    return [f"{file}:{line}" for file, line in sorted(out)]


def test_no_module_imports_conftest():
    assert conftest_importers() == []


def test_the_conftest_check_finds_each_spelling(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("from tests.conftest import X\nimport json\n")
    (tmp_path / "tests" / "test_b.py").write_text("def f():\n    import conftest\n\nfrom tests import conftest\n")
    (tmp_path / "benchmarks" / "c.py").write_text("from conftest import Y\nfrom tests.builders import xlsx\n")
    assert conftest_importers(tmp_path) == ["benchmarks/c.py:1", "tests/test_a.py:1", "tests/test_b.py:2",
                                          "tests/test_b.py:4"]
