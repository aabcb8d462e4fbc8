"""The overview's short exception lists counted and ranked in the database
(queries/overdue_problems_first.sql, queries/undisposed_samplings_first.sql) against the whole lists
(dashboard.figures.targets.overdue_problems, dashboard.figures.exceptions.undisposed_samples) on random
records, on both databases: each unit's total, each unit's first rows and the first rows of all
are the whole list's, in its order. Dates are drawn from a few days (ties on the date, broken by the
record's number) and numbers from letters of both cases, digits and punctuation (an ordering by a
database's collation instead of Python's would show)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from dashboard.access import Viewer, system_viewer
from dashboard.campaign import load_campaign
from dashboard.figures import selection
from dashboard.figures.exceptions import count_by_child, count_by_child_of, undisposed_first, undisposed_samples
from dashboard.figures.targets import overdue_first, overdue_problems
from tests.databases import pair_enterprises
from dashboard.models import Enterprise, OrgUnit, OrgUnitClosure, Problem, Sampling, UploadBatch
from tests.builders import code

AS_OF = date(2023, 6, 15)
ENTERPRISES = 8
numbers = st.text(alphabet="aA bB-_.0919z中", min_size=1, max_size=6)
days = st.integers(0, 5).map(lambda n: AS_OF - timedelta(days=n * 20))  # a few days: ties
problems = st.lists(st.tuples(numbers, st.integers(0, ENTERPRISES - 1), days, days,
                              st.sampled_from([None, "已整改", "未整改", "整改中"]), st.none() | days),
                    max_size=40, unique_by=lambda p: p[0])
samplings = st.lists(st.tuples(numbers, st.integers(0, ENTERPRISES - 1), days, st.sampled_from(["合格", "不合格"]),
                               st.sampled_from([None, "", "未处置", "处置中", "已完成"])),
                     max_size=40, unique_by=lambda s: s[0])


def _seed(conn, problem_rows, sampling_rows) -> dict[int, set]:
    """The drawn records over enterprises on the tree's leaves; returns each unit's subtree."""
    subtrees = defaultdict(set)
    for a, d in conn.execute(select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id)):
        subtrees[a].add(d)
    leaves = sorted(u for u, below in subtrees.items() if below == {u})
    conn.execute(insert(UploadBatch), [{"batch_id": 1, "file_name": "t.xlsx", "sha256": "0" * 64, "uploader": "t",
                                        "uploaded_at": datetime(2023, 1, 1), "status": "committed", "rows_json": "{}"}])
    # two enterprises share a leaf: a unit's rows come from more than one enterprise
    conn.execute(insert(Enterprise), [{"credit_code": code(n), "name": f"企业{n}", "unit_id": leaves[n // 2],
                                       "is_large": True, "risk_grade": "B", "status": "在产", "batch_id": 1}
                                      for n in range(ENTERPRISES)])
    pair_enterprises(conn, 1)
    if problem_rows:
        conn.execute(insert(Problem), [{"problem_no": no, "credit_code": code(n), "source": "日常检查", "description": "d",
                                        "found_date": min(found, deadline), "deadline_date": deadline,
                                        "review_result": review, "closed_date": closed, "batch_id": 1}
                                       for no, n, found, deadline, review, closed in problem_rows])
    if sampling_rows:
        conn.execute(insert(Sampling), [{"sample_no": no, "credit_code": code(n), "food_name": "f", "food_category": "c",
                                         "sampling_date": day, "task_source": "县抽", "hazard_classes": "",
                                         "verdict": verdict, "disposal_status": status, "batch_id": 1}
                                        for no, n, day, verdict, status in sampling_rows])
    return subtrees


def _units(conn) -> list[dict]:
    """The tree's units as dashboard.ui.data.units gives them (code, name, parent_code), in configuration order."""
    rows = conn.execute(select(OrgUnit.unit_id, OrgUnit.code, OrgUnit.name, OrgUnit.parent_id)
                        .order_by(OrgUnit.sort_order)).all()
    code_of = {u: c for u, c, _, _ in rows}
    return [{"code": c, "name": n, "parent_code": code_of.get(p)} for _, c, n, p in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem_rows=problems, sampling_rows=samplings, limit=st.integers(1, 4))
@example(problem_rows=[(no, n % 2, AS_OF - timedelta(days=30), AS_OF - timedelta(days=30), None, None)
                       for n, no in enumerate(["b", "A", "a", "B", "-", "_", "a1", "A-1"])],
         sampling_rows=[(no, n % 2, AS_OF - timedelta(days=30), "不合格", None)
                        for n, no in enumerate(["b", "A", "a", "B", "-", "_", "a1", "A-1"])], limit=2)
def test_first_rows_and_totals_equal_the_whole_lists(empty_engine, problem_rows, sampling_rows, limit):
    conf = load_campaign()
    with empty_engine.connect() as conn, conn.begin() as trans:
        subtrees = _seed(conn, problem_rows, sampling_rows)
        units = _units(conn)
        leaves = sorted(u for u, below in subtrees.items() if below == {u})
        # the whole county and each sub-bureau; and a chief's view of their own (scope_unit_id bound)
        for viewer in (system_viewer(empty_engine), Viewer("v", "leader", leaves[1])):
            for unit in sorted(subtrees[viewer.scope_unit_id]):
                sel = selection.select(conn, conf, viewer, unit=unit, as_of=AS_OF)
                for whole_of, first_of in ((overdue_problems, overdue_first), (undisposed_samples, undisposed_first)):
                    whole = whole_of(conn, sel)
                    first, totals = first_of(conn, sel, limit)
                    name = whole_of.__name__
                    assert totals == dict(Counter(r["unit_code"] for r in whole)), name
                    assert first[:limit] == whole[:limit], name
                    for c in totals:
                        assert [r for r in first if r["unit_code"] == c][:limit] == \
                            [r for r in whole if r["unit_code"] == c][:limit], (name, c)
                    assert count_by_child_of(totals, units, sel.unit["code"]) == \
                        count_by_child(whole, units, sel.unit["code"])
        trans.rollback()


def test_the_first_rows_keep_every_tie_on_the_last_date_and_no_more(empty_engine):
    """Each unit's rows are its first `limit` by date with every row tied on the last date, not
    the whole list: the province's 30,000 batches are not read for a top 20."""
    day = AS_OF - timedelta(days=40)
    rows = [(f"S{k}", 0, day - timedelta(days=k % 3), "不合格", None) for k in range(9)]  # 3 on each of three days
    with empty_engine.connect() as conn, conn.begin() as trans:
        subtrees = _seed(conn, [], rows)
        root = min(subtrees, key=lambda u: -len(subtrees[u]))
        sel = selection.select(conn, load_campaign(), system_viewer(empty_engine), unit=root, as_of=AS_OF)
        first, totals = undisposed_first(conn, sel, 4)
        trans.rollback()
    assert list(totals.values()) == [9]
    # the oldest day's three and the next day's three (the fourth is tied with two more), not the newest three
    assert [r["sample_no"] for r in first] == ["S2", "S5", "S8", "S1", "S4", "S7"]
