"""The measure registry (dashboard.figures.measures): a target is data. No Python module names a
target code of any campaign file; every Dongtai target resolves to the measure that computes it."""
from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

from dashboard.access import system_viewer
from dashboard.campaign import CAMPAIGNS_DIR, campaign_window, load_campaign, phase_window
from dashboard.db import PROJECT_DIR, get_engine
from dashboard.figures import measures as registry
from dashboard.figures.measures import MEASURES, measures
from dashboard.figures.targets import compute_targets
from dashboard.models import Base
from dashboard.periods import month_window

TABLES = set(Base.metadata.tables)


def _codes() -> set[str]:
    return {t["code"] for p in CAMPAIGNS_DIR.glob("*.yaml")
            for t in yaml.safe_load(p.read_text(encoding="utf-8"))["targets"]}


def _sources() -> list[Path]:
    """Every module but the migrations: frozen history of the schema, they speak of tables."""
    return sorted(p for p in [*(PROJECT_DIR / "dashboard").rglob("*.py"), *(PROJECT_DIR / "app_pages").rglob("*.py")]
                  if "migrations" not in p.parts)


def test_no_python_module_names_a_target_code():
    """Every string literal (docstrings included) of dashboard/ and app_pages/ is searched for each
    target code of campaigns/*.yaml as a whole word. Two codes are also record tables
    (self_inspection, supplier_evaluation): a literal that is exactly a table name means the table,
    and a literal that is a path of a repository file (app_pages/rectification.py) means the file."""
    codes = _codes()
    assert {"self_inspection", "sampling_pass"} <= codes  # the search searches for something
    word = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(codes)) + r")(?![A-Za-z0-9_])")
    found = []
    for path in _sources():
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type != tokenize.STRING or not word.search(tok.string):
                continue
            value = re.sub(r"^[rRbBfFuU]+", "", tok.string).strip("\"'")  # the prefix, not a leading r of the text
            if value in TABLES or ("\n" not in value and len(value) < 200 and (PROJECT_DIR / value).is_file()):
                continue
            found.append(f"{path.relative_to(PROJECT_DIR)}:{tok.start[0]} {word.findall(tok.string)}")
    assert not found, "目标代码写进了 Python：\n" + "\n".join(found)


def test_the_search_finds_a_code_in_a_string(tmp_path):
    # the same tokenizer pass over a module that does name one
    text = 'FIGS = {"sampling_pass": 1}\n"""the rectification rate"""\n'
    strings = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
               if t.type == tokenize.STRING]
    word = re.compile(r"(?<![A-Za-z0-9_])(sampling_pass|rectification)(?![A-Za-z0-9_])")
    assert [word.findall(s) for s in strings] == [["sampling_pass"], ["rectification"]]


def test_every_dongtai_target_is_a_measure_of_the_registry():
    conf = load_campaign()
    got = [(m.code, m.kind, m.pace) for m in measures(conf)]
    assert got == [("self_inspection", "coverage", "cumulative"), ("three_three_three", "checklist", "level"),
                   ("qms_traceability", "valid_certificate", "cumulative"),
                   ("supplier_evaluation", "coverage", "cumulative"),
                   ("officer_exam_coverage", "coverage", "cumulative"),
                   ("officer_exam_pass", "pass_rate", "level"), ("rectification", "closure", "level"),
                   ("sampling_pass", "pass_rate", "level"), ("supervision_coverage", "coverage", "cumulative"),
                   # the campaign's work beyond the nine (实施方案 三、五)
                   ("risk_screening", "coverage", "cumulative"), ("sampling_coverage", "coverage", "cumulative"),
                   ("graded_inspection", "graded_minimum", "level"), ("risk_followup", "followup", "level")]
    # every Dongtai target is counted by a count query (the nine by the rollup-backed ones, with fixed
    # parameters; the four others by queries binding the measure's own parameters); none counts members
    assert [m.count_key[0] for m in measures(conf)][9:] == [
        "record_coverage_counts_by_unit", "record_coverage_counts_by_unit", "graded_minimum_counts_by_unit",
        "followup_counts_by_unit"]
    assert [bool(m.count_params({"as_of": conf.end_date, **dict.fromkeys(
        ("from_date", "to_date", "campaign_start_date"), conf.start_date)})) for m in measures(conf)] == \
        [False] * 9 + [True] * 4
    assert measures(conf)[9].pace_end() == conf.phases[0].end_date  # 风险排查 is phase 1's work
    assert set(MEASURES) == {"coverage", "checklist", "valid_certificate", "pass_rate", "closure", "count",
                             "within_days", "graded_minimum", "followup"}


# ------------------------------------------------------------------ both ways of counting agree
@pytest.mark.parametrize("window", ["campaign", "phase2", "2023-07"])
def test_member_counts_equal_the_count_queries_on_the_sample_county(sample_county_url, window):
    """With no count query, every measure counts its members in Python and coverage reads the raw
    records (subject_records.sql), as a target whose parameters the count queries do not answer
    would: the nine Dongtai figures of every unit are the same."""
    engine = get_engine(sample_county_url)
    conf = load_campaign()
    w = {"campaign": campaign_window(conf), "phase2": phase_window(conf, 2),
         "2023-07": month_window("2023-07")}[window]

    def figures():
        return [(f.unit_code, f.target, f.numerator, f.denominator) for f in compute_targets(
            engine, load_campaign(), system_viewer(engine), window=w, as_of=w.end_date, by_unit=True)]

    fast = figures()
    with pytest.MonkeyPatch.context() as mp:
        for cls in registry.MEASURES.values():
            mp.setattr(cls, "count_key", property(lambda self: None))
        mp.setattr(registry.Coverage, "FLAGS", {})
        slow = figures()
    assert slow == fast
    assert len(fast) == 13 * 13 and sum(f[3] for f in fast) > 100  # there is something to compare
