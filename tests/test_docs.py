"""Something public that is undocumented fails the suite (the Datasette habit)."""
from __future__ import annotations

import argparse
import ast
import dataclasses
import re
from pathlib import Path

from dashboard.__main__ import build_parser
from dashboard.campaign import load_campaign
from dashboard.figures.measures import MEASURES, measure_of, measures
from dashboard.importer.schemas import SHEETS

ROOT = Path(__file__).resolve().parent.parent


def _parsers(parser, prefix=""):
    """(command path, parser) for the parser and every subcommand below it, `user add` included."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{prefix} {name}".strip())


def _options(parser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]


def _section(text: str, heading: str) -> str:
    """The text under the first heading line that starts with `heading`, up to the next heading
    of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith("#") and len(lines[i].split(" ", 1)[0]) <= len(level)), len(lines))
    return "\n".join(lines[start:end])


def test_every_cli_command_and_option_is_in_docs_cli():
    """Each command (`user add` as such) is in docs/cli.md's table, each of its options on its row
    (global options in the global table)."""
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"\| `([a-z-]+(?: [a-z]+)?)(?: [^`]*)?` \|", line)
        if m:
            rows.setdefault(m.group(1), line)
    missing = []
    for path, parser in _parsers(build_parser()):
        if not path:
            missing += [o for o in _options(parser) if f"| `{o}" not in doc]
            continue
        if path == "user":  # a group: its subcommands are the rows
            continue
        row = rows.get(path)
        if row is None:
            missing.append(path)
            continue
        missing += [f"{path} {o}" for o in _options(parser) if o not in row]
    assert missing == []
    assert set(rows) >= {"init-db", "demo", "import", "rollback", "rebuild-rollups", "targets", "export",
                         "user add", "user passwd", "user disable", "user list"}


ARGPARSE_ENGLISH = ("usage:", "options:", "optional arguments:", "positional arguments:", "show this help message",
                    "error:")


def test_every_commands_help_is_in_chinese():
    """`python -m dashboard [COMMAND …] -h`: argparse's own headings and the help option in Chinese,
    and every option and argument says what it is."""
    english, silent = [], []
    for path, parser in _parsers(build_parser()):
        text = parser.format_help()
        assert text.startswith(f"用法：python -m dashboard {path}".rstrip() + " ") and "\n选项：\n" in text, path
        assert "  -h, --help" in text and "显示帮助并退出" in text
        english += [f"{path or '（全局）'}: {word}" for word in ARGPARSE_ENGLISH if word in text.lower()]
        silent += [f"{path} {a.option_strings or a.dest}" for a in parser._actions if not a.help]
    assert english == [] and silent == []
    assert "\n位置参数：\n" in build_parser().format_help()


def test_every_campaign_target_has_its_section_in_docs_indicators():
    """A section `### `code` name` per target of each campaign file, with the file's threshold."""
    doc = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    targets = load_campaign("dongtai-2023").targets
    assert len(targets) == 13  # the nine of 工作目标, then the four of the campaign's work
    for t in targets:
        section = _section(doc, f"### `{t.code}` ")
        assert section.splitlines()[0] == f"### `{t.code}` {t.name}"
        pct = f"{t.threshold * 100:g}%"
        assert f"目标：{pct if t.threshold >= 1 else '≥' + pct}；" in section
        assert "分子：" in section and "分母：" in section
    headed = re.findall(r"^### `([a-z_]+)` ", doc, flags=re.M)
    assert headed == [t.code for t in targets]  # no section for a target the campaign lacks


DEFINITION_LINE = "- 定义（页面、导出与命令行显示的原文）："


def definition_mismatches(doc: str, targets) -> list[str]:
    """`code: what the docs say ≠ what the pages show` for every target whose section's 定义 line is
    not, word for word, its definition (the campaign file's wording, else the measure's default)."""
    out = []
    for m in targets:
        lines = [line for line in _section(doc, f"### `{m.code}` ").splitlines() if line.startswith(DEFINITION_LINE)]
        said = lines[0].removeprefix(DEFINITION_LINE) if len(lines) == 1 else f"{len(lines)} 定义 lines"
        if said != m.definition:
            out.append(f"{m.code}: {said} ≠ {m.definition}")
    return out


def test_docs_indicators_gives_each_targets_definition_word_for_word():
    doc = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    targets = measures(load_campaign("dongtai-2023"))
    assert any("definition" in m.target.wording for m in targets)  # the campaign's own wording is read too
    assert definition_mismatches(doc, targets) == []


def test_the_definition_check_fails_on_one_word_changed_on_either_side():
    doc = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    conf = load_campaign("dongtai-2023")
    assert definition_mismatches(doc.replace("有企业自查记录", "有企业检查记录", 1), measures(conf)) == [
        "self_inspection: 分子：统计区间内有企业检查记录的在产企业数；分母：在产企业数。"
        " ≠ 分子：统计区间内有企业自查记录的在产企业数；分母：在产企业数。"]
    qms = next(t for t in conf.targets if t.code == "qms_traceability")  # its wording is the campaign file's
    changed = dataclasses.replace(qms, wording={"definition": qms.wording["definition"].replace("规上企业数。", "企业数。")})
    assert [line.split(":")[0] for line in definition_mismatches(doc, [measure_of(conf, changed)])] == [
        "qms_traceability"]


def test_every_sheet_and_column_of_the_schemas_is_in_docs_data_contract():
    """Each schema class has its `### 表名` section with one table row per column, marked 键 for a
    key column, 必填 for a required one and 选填 for an optional one (a 选填 column whose cell a
    rule demands in some rows says 选填列)."""
    doc = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    wrong = []
    for model in SHEETS:
        section = _section(doc, f"### {model.sheet_name()}")
        rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| ")}
        for meta in model.fields().values():
            row = rows.pop(meta["zh"], None)
            rule = None if row is None else row.split("|")[3]
            if rule is None:
                wrong.append(f"{model.sheet_name()}.{meta['zh']}: no row")
            elif meta["key"] != ("**键**" in rule):
                wrong.append(f"{model.sheet_name()}.{meta['zh']}: key")
            elif not meta["key"] and ("必填" in rule.split("；")[0]) != meta["required"]:
                wrong.append(f"{model.sheet_name()}.{meta['zh']}: required")
            elif not meta["required"] and not rule.strip().startswith("选填"):
                wrong.append(f"{model.sheet_name()}.{meta['zh']}: optional")
        wrong += [f"{model.sheet_name()}.{extra}: not in the schema" for extra in rows if extra != "列"]
    assert wrong == []


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


def test_campaigns_md_documents_every_measure_with_its_parameters_and_an_example():
    """docs/campaigns.md §三 has a section per kind of the registry, naming each parameter and
    showing a target of that kind."""
    text = (ROOT / "docs" / "campaigns.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"\n### \d+\. `(\w+)`(.*?)(?=\n### |\n## )", text, re.S))
    assert set(sections) == set(MEASURES)
    for kind, cls in MEASURES.items():
        missing = [p for p in cls.PARAMS if f"`{p}`" not in sections[kind]]
        assert not missing, f"docs/campaigns.md, {kind}: parameters not described: {missing}"
        assert f"measure: {kind}" in sections[kind], f"docs/campaigns.md, {kind}: no example target"
