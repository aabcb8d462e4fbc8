"""Something public that is undocumented fails the suite (the Datasette habit)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboard.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_cli_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, sub in _subcommands().items():
        if f"python -m dashboard {name}" not in readme:
            missing.append(name)
        for action in sub._actions:
            missing += [f"{name} {o}" for o in action.option_strings
                        if o.startswith("--") and o != "--help" and o not in readme]
    for action in build_parser()._actions:
        missing += [o for o in action.option_strings if o.startswith("--") and o != "--help" and o not in readme]
    assert missing == []


def _public_defs(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            yield node


def test_every_public_module_class_and_function_has_a_docstring():
    undocumented = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT)
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) and path.name != "__init__.py":
            undocumented.append(f"{rel} (module)")
        for node in _public_defs(path):
            # Tables and sheet schemas are documented by the data contract itself.
            bases = {getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", [])}
            if bases & {"Base", "SheetModel"} or node.name.startswith("cmd_"):
                continue
            if not ast.get_docstring(node):
                undocumented.append(f"{rel}:{node.name}")
    assert undocumented == []
