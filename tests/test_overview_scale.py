"""The overview at scale: its exception lists show the most urgent rows only, with the true total
("共 M 件", equal to the engine's list) and the count under each unit below. On a copy of the sample county with extra
overdue problems (more than the overview lists)."""
from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.figures.exceptions import count_by_child
from dashboard.figures.selection import select
from dashboard.figures.targets import overdue_problems
from dashboard.ui import widgets

from tests.databases import pair_enterprises
from tests.pages_support import PROJECT_DIR, sign_in

CONF = load_campaign()
AS_OF = date(2023, 11, 30)
SHORT = 20  # app_pages/overview.py
EXTRA = 35


@pytest.fixture(scope="module")
def crowded_url(sample_county_url, tmp_path_factory):
    """The sample county plus EXTRA overdue problems (distinct deadlines, spread over the units)."""
    path = tmp_path_factory.mktemp("crowded") / "county.sqlite"
    src, dst = sqlite3.connect(sample_county_url.removeprefix("sqlite:///")), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{path}"
    eng = get_engine(url)
    with eng.begin() as conn:
        codes = [r[0] for r in conn.execute(text("select credit_code from enterprise order by credit_code"))]
        batch = conn.execute(text("select min(batch_id) from upload_batch")).scalar()
        pair_enterprises(conn, batch)
        for i in range(EXTRA):
            conn.execute(text(
                "insert into problem (problem_no, credit_code, source, description, found_date, deadline_date,"
                " closed_date, review_result, batch_id) values (:no, :code, '监督检查', '冷库温度记录缺失',"
                " :found, :deadline, null, '整改中', :batch)"),
                {"no": f"WT-TEST-{i:03d}", "code": codes[(i * 7) % len(codes)], "found": date(2023, 5, 1),
                 "deadline": date(2023, 5, 10) + timedelta(days=3 * i), "batch": batch})
    return url


@pytest.fixture
def crowded_env(crowded_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB_URL", crowded_url)
    st.cache_data.clear()
    yield crowded_url
    st.cache_data.clear()


def test_count_by_child_counts_under_each_unit_below():
    units = [{"code": "R", "name": "省", "parent_code": None},
             {"code": "A", "name": "甲市", "parent_code": "R"}, {"code": "B", "name": "乙市", "parent_code": "R"},
             {"code": "C", "name": "丙市", "parent_code": "R"},
             {"code": "A1", "name": "甲市一县", "parent_code": "A"}, {"code": "B1", "name": "乙市一县", "parent_code": "B"}]
    rows = [{"unit_code": c} for c in ("A1", "A1", "B1", "A", "B1", "B1", "B1", "X")]
    assert count_by_child(rows, units, "R") == [  # most first; 丙市 (none) and the unknown X left out
        {"unit_code": "B", "unit_name": "乙市", "count": 4}, {"unit_code": "A", "unit_name": "甲市", "count": 3}]
    assert count_by_child(rows, units, "A") == [{"unit_code": "A1", "unit_name": "甲市一县", "count": 2}]
    assert count_by_child(rows, units, "A1") == []


def test_overview_lists_the_most_overdue_and_the_true_total(crowded_env):
    eng = get_engine(crowded_env)
    overdue = overdue_problems(eng, select(eng, CONF, system_viewer(eng), as_of=AS_OF))
    assert len(overdue) > SHORT

    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120))
    at.query_params["as_of"] = AS_OF.isoformat()
    at.session_state["ovw_open_exceptions"] = True  # the expander opened: its lists are built only then
    at.run()
    assert not at.exception, at.exception

    text_ = "\n".join(m.value for m in at.markdown)
    assert f'<div class="n">{len(overdue)}<span' in text_  # the card: every overdue problem
    listing = next(d.value for d in at.dataframe if "问题编号" in d.value.columns)
    assert list(listing["问题编号"]) == [p["problem_no"] for p in overdue[:SHORT]]  # the most overdue
    assert list(listing["超期天数"]) == [p["days_overdue"] for p in overdue[:SHORT]]
    captions = [c.value for c in at.caption]
    assert f"共 {len(overdue)} 件，下表为逾期天数最多的 {SHORT} 件。" in captions
    tab = next(t.label for t in at.tabs if t.label.startswith("逾期未整改问题"))
    assert tab == f"逾期未整改问题（{len(overdue)}）"

    # 按下级单位: the count under each sub-bureau, summing to the total
    by_unit = next(c for c in captions if c.startswith("按下级单位："))
    shown = {name: int(n) for name, n in re.findall(r"([^｜：]+?) (\d+) 件", by_unit)}
    expected: dict[str, int] = {}
    for p in overdue:
        expected[p["unit_name"]] = expected.get(p["unit_name"], 0) + 1
    assert shown == expected and sum(shown.values()) == len(overdue)

    links = at.get("page_link")
    assert any("问题整改" in link.proto.label and str(len(overdue)) in link.proto.label for link in links)


def test_provenance_lists_the_first_rows_with_the_true_count(sample_county_env, monkeypatch):
    """A denominator longer than a provenance table shows: the tab carries the figure's d, the table
    the first PROVENANCE_ROWS records, and the whole list is offered for download."""
    monkeypatch.setattr(widgets, "PROVENANCE_ROWS", 50)
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120))
    at.query_params["as_of"] = AS_OF.isoformat()
    at.session_state[widgets.PROVENANCE_OPEN + "overview"] = True  # the expander opened
    at.run()
    assert not at.exception, at.exception
    pick = at.selectbox(key="prov_overview")
    fig = pick.value
    n, d = map(int, re.search(r"（(\d+)/(\d+)）$", pick.format_func(fig)).groups())
    assert d > 50
    tabs = [t.label for t in at.tabs]
    assert f"分子：{n} 条" in tabs and f"分母：{d} 条" in tabs
    den = next(df.value for df in at.dataframe if "计入分子" in df.value.columns)
    assert len(den) == 50
    assert f"共 {d} 条，表中列出前 50 条；全部记录可下载。" in [c.value for c in at.caption]
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"下载全部 {d} 条（CSV）" in labels
