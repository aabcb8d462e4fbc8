"""House rules of queries/*.sql, and that every query of the target engine runs on both backends."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from dashboard.access import resolve_unit
from dashboard.campaign import load_campaign
from dashboard.db import FRAGMENTS_DIR, QUERIES_DIR, execute, load_query
from dashboard.figures.measures import measures
from dashboard.figures.targets import TARGET_QUERIES

SQL_FILES = sorted(QUERIES_DIR.glob("*.sql"))
ENGINE_QUERIES = sorted({q for q in TARGET_QUERIES.values() if q} | {  # "": counted from members
    "scope_units", "enterprise_target_flags", "officer_exams_latest",
    "problems_listed", "sampling_batches", "overdue_problems", "subject_records", "enterprise_grades",
    "sampling_cases"})


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_house_rules(path):
    text = path.read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    # a single-row query may say "-- one row: …"
    assert lines[0].startswith(("-- one row per", "-- one row:")), "first line: the grain"
    assert lines[-1].strip() == "select * from final"
    assert "{" not in text and "}" not in text and "%s" not in text and "%(" not in text


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_no_bind_parameter_in_comments(path):
    # text() turns ":name" inside a comment into a bind too; SQLite then counts one parameter
    # fewer than it is given and refuses the statement ("Incorrect number of bindings").
    comments = [ln for ln in load_query(path.stem).splitlines()  # with its fragments
                if ln.lstrip().startswith("--")]
    assert not [ln for ln in comments if re.search(r"(?<![:\w]):\w", ln)]


# The only queries that need not bind :scope_unit_id, and why. Every other query returns what a
# viewer may or may not see, and keeps to the viewer's subtree in SQL.
UNSCOPED = {
    "batch_changes": "one batch's replaced keys, for a batch_id taken from the viewer's scoped upload history",
    "batch_file": "one batch's original file, likewise",
    "batch_inserts": "one batch's inserted keys, likewise",
    "data_version": "batch counts and the newest batch id: a cache key, no record",
    "stored_figures": "stored count rows found by a hash that includes the viewer's scope unit, for "
                      "report units already checked against that scope",
    "stored_figure_position": "the newest change number of the stored figures: no record",
    "stored_figure_subtrees": "the org units below report units already checked against the viewer's scope, "
                              "with their parents: no record",
    "upload_batches": "batch times by id, looked up for records that were already scoped",
}


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_every_query_is_scoped_to_the_viewer_unless_allowed(path):
    code = "\n".join(ln for ln in load_query(path.stem).splitlines() if not ln.lstrip().startswith("--"))
    assert (":scope_unit_id" in code) != (path.stem in UNSCOPED)


def test_the_unscoped_allow_list_names_existing_queries():
    assert sorted(UNSCOPED) == sorted(p.stem for p in SQL_FILES if p.stem in UNSCOPED)


def test_engine_queries_exist():
    missing = [q for q in ENGINE_QUERIES if not (QUERIES_DIR / f"{q}.sql").exists()]
    assert not missing


@pytest.mark.parametrize("name", ENGINE_QUERIES)
def test_engine_query_runs_on_an_empty_database(empty_engine, name):
    root = resolve_unit(empty_engine, None).unit_id
    params = dict(scope_unit_id=root, own_only=0, unit_id=root, report_unit_ids=[root], as_of=date(2023, 8, 31),
                  from_date=date(2023, 5, 1), to_date=date(2023, 8, 31),
                  from_month_date=date(2023, 5, 1), campaign_start_date=date(2023, 3, 1),
                  whole_from_date=date(2023, 5, 1), whole_to_date=date(2023, 8, 31))
    if name == "subject_records":
        params |= dict(record_kind="风险排查", record_name="", record_from_date=date(2023, 3, 1),
                       record_to_date=date(2023, 8, 31))
    counting = next((m for m in measures(load_campaign()) if (m.count_key or ("",))[0] == name), None)
    if counting is not None:  # a count query binding its measure's own parameters
        params |= counting.count_params(params)
    if ":report_unit_ids" not in load_query(name):
        del params["report_unit_ids"]  # an expanding list must be used by the statement
    rows = execute(empty_engine, name, **params)
    assert len(rows) == (13 if name == "scope_units" else 0)


def test_no_page_calls_execute_itself():
    """Pages call the core; SQL runs only through dashboard's functions (which scope it)."""
    pages = sorted((Path(__file__).resolve().parent.parent / "app_pages").glob("*.py"))
    assert pages and [p.name for p in pages if "execute(" in p.read_text(encoding="utf-8")] == []


# ------------------------------------------------------------------ shared CTE bodies
def test_an_include_line_becomes_its_fragment_at_the_same_indent():
    query = load_query("problems_listed")
    fragment = (FRAGMENTS_DIR / "scope_covered_units.sql").read_text(encoding="utf-8").splitlines()
    assert "-- include:" not in query and "-- include: scope_covered_units" in (
        QUERIES_DIR / "problems_listed.sql").read_text(encoding="utf-8")
    assert "covered_units as (\n" + "\n".join("    " + line for line in fragment) + "\n),\n" in query


def test_every_fragment_is_included_and_every_include_names_one():
    included = {m for p in SQL_FILES for m in re.findall(r"^ *-- include: (\w+) *$", p.read_text(encoding="utf-8"), re.M)}
    assert included == {p.stem for p in FRAGMENTS_DIR.glob("*.sql")} == {
        "scope_covered_units", "scope_covered_units_by_report_unit", "population_subjects"}
