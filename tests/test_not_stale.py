"""Nothing is stale (#16): the page caches are keyed by the data version, and a unit without units
below it reads its figures from its parent's cached result (dashboard.ui.data). After an upload,
and again after its rollback, every page that shows target figures — the overview of the county and
of a sub-bureau, the sub-bureau page, the phases, 监督抽检 and 问题整改, and the county overview's
heatmap of every unit below it × every target — read through AppTest in the session opened before
the upload, equals compute_targets on the raw records, never the figures cached before; on SQLite
and on PostgreSQL. The pages count through the stored figures
(dashboard.figures.stored), which outlive the page caches: a page run with the caches dropped (a
new server process) reads them, and equals the records too; the reference never reads them."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.access import system_viewer
from dashboard.campaign import campaign_window, load_campaign
from dashboard.figures.measures import first_measure
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook, rollback_batch
from dashboard.models import StoredFigure, StoredFigureUnit
from dashboard.periods import Window
from tests.builders import PROBLEM_HEADERS, code, sampling, sampling_row, sheet, xlsx
from tests.pages_support import PROJECT_DIR
from tests.upload_support import signed

pytestmark = pytest.mark.slow

CARD = re.compile(r'<div class="t">(.*?)</div><div class="v">(.*?)<span class="nd">（(.*?)）</span>')
AS_OF = date(2023, 5, 31)
CONF = load_campaign()
ROOT = CONF.root.code
# (page file, ?unit=, ctl_unit to pick, which figures the page's cards show)
PAGES = {
    "总览（县）": ("overview", None, ROOT, "all"),
    "总览（分局）": ("overview", None, "DT01", "all"),
    "分局看板": ("sub_bureau", "DT01", None, "all"),
    "阶段进展": ("phases", None, ROOT, "phases"),
    "监督抽检": ("sampling", None, ROOT, ("pass_rate", {"record": "监督抽检"})),
    "问题整改": ("rectification", None, ROOT, ("closure", {})),
}


def cards(at: AppTest) -> list[tuple[str, str, str]]:
    """(name, percent, n/d) of every figure card on the page, in order (Markdown or st.html)."""
    blocks = [m.value for m in at.markdown] + [h.value for h in getattr(at, "html", [])]
    return [(unescape(n), v, nd) for b in blocks if "fig-card" in b for n, v, nd in CARD.findall(b)]


# a cell of the units-below × targets heatmap: its tooltip "unit｜target｜完成率 x（n/d）｜status"
CELL = re.compile(r'title="([^"｜]*)｜([^"｜]*)｜完成率 ([^"（]*)（([^"）]*)）')


def cells(at: AppTest) -> list[tuple[str, str, str, str]]:
    """(unit, target, percent, n/d) of every cell of the page's heatmap of the units below, sorted."""
    blocks = [h.value for h in getattr(at, "html", [])] + [m.value for m in at.markdown]
    return sorted(tuple(unescape(v) for v in m) for b in blocks for m in CELL.findall(b))


def computed_below(engine, unit: str) -> list[tuple[str, str, str, str]]:
    """What the heatmap must show for the units directly below `unit`, from the raw records."""
    window = campaign_window(CONF)
    figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, window=window,
                           as_of=min(AS_OF, window.end_date), by_unit=True, from_store=False)
    return sorted((f.unit_name, f.name, f.percent_text, f.nd_text) for f in figs if f.unit_code != unit)


def computed(engine, unit: str, window: Window) -> list[tuple[str, str, str]]:
    figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, window=window,
                           as_of=min(AS_OF, window.end_date), from_store=False)
    return [(f.name, f.percent_text, f.nd_text) for f in figs]


def expected(engine, label: str) -> list[tuple[str, str, str]]:
    """What the page must show, from the raw records."""
    _, query_unit, pick, shows = PAGES[label]
    unit = query_unit or pick
    if shows == "phases":
        return [row for ph in CONF.phases if ph.start_date <= AS_OF
                for row in computed(engine, unit, Window(ph.start_date, ph.end_date, ph.name))]
    rows = computed(engine, unit, campaign_window(CONF))
    if shows == "all":
        return rows
    kind, params = shows
    name = first_measure(CONF, kind, **params).name
    return [r for r in rows if r[0] == name]


def opened(engine, label: str) -> AppTest:
    page, query_unit, _, _ = PAGES[label]
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), engine)
    at.query_params["as_of"] = AS_OF.isoformat()
    if query_unit:
        at.query_params["unit"] = query_unit
    at.run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


def shown(at: AppTest, label: str) -> list[tuple[str, str, str]]:
    pick = PAGES[label][2]
    if pick:
        at.selectbox(key="ctl_unit").set_value(pick)
    at.run()
    assert not at.exception, at.exception
    return cards(at)


@pytest.fixture
def county_env(small_county, monkeypatch):
    """The small county (each backend) named by DASHBOARD_DB_URL, with no cached result of another test."""
    import streamlit as st  # only the page fixtures need Streamlit loaded

    monkeypatch.setenv("DASHBOARD_DB_URL", small_county.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    yield small_county
    st.cache_data.clear()


def stored_valid_now(engine) -> int:
    """How many stored rows hold now: counted no earlier than the newest change of their unit's
    subtree and of every unit (dashboard.figures.stored)."""
    f, u = StoredFigure.__table__.c, StoredFigureUnit.__table__.c
    with engine.connect() as conn:
        newest = dict(conn.execute(select(u.unit_id, u.change_no)).all())
        rows = conn.execute(select(f.unit_id, f.change_no)).all()
    return sum(no >= max(newest.get(unit, 0), newest.get(0, 0)) for unit, no in rows)


def shown_by_a_new_process(sessions: dict, engine) -> dict:
    """Every page again with the page caches dropped: the figures come from the store."""
    import streamlit as st  # only the page fixtures need Streamlit loaded

    assert stored_valid_now(engine) > 0  # filled by the runs before, since the last write
    st.cache_data.clear()
    return {label: shown(at, label) for label, at in sessions.items()}


def test_an_upload_and_its_rollback_show_at_once_on_every_figure_page(county_env):
    engine = county_env
    sessions = {label: opened(engine, label) for label in PAGES}
    before = {label: shown(at, label) for label, at in sessions.items()}
    assert before == {label: expected(engine, label) for label in PAGES}
    assert all(before.values()), before  # every page shows cards: an empty page would prove nothing
    county = sessions["总览（县）"]  # and its heatmap, each unit below it × each target
    heat_before = cells(county)
    assert heat_before == computed_below(engine, ROOT) and len(heat_before) >= 2 * len(CONF.targets)

    # five May batches of 城区分局's enterprise 1, one of them 不合格: the sampling figures move; and
    # two problems found in May, one put right: the rectification figure moves
    rows = [sampling_row(f"NS-2023-05-{i:03d}", 1, 抽样日期=date(2023, 5, 10 + i)) for i in range(4)]
    rows.append(sampling_row("NS-2023-05-009", 2, 抽样日期=date(2023, 5, 20), 检验结论="不合格",
                             不合格项目="亚硝酸盐║35mg/kg║≤30mg/kg", 核查处置状态="处置中"))
    problems = [["NS-P-1", code(1), "监督检查", "NS-JC-1", "进货查验记录不全", date(2023, 5, 12), date(2023, 5, 26),
                 date(2023, 5, 20), "已整改"],
                ["NS-P-2", code(2), "监督检查", "NS-JC-2", "从业人员健康证过期", date(2023, 5, 15), date(2023, 5, 25),
                 None, None]]
    result = import_workbook(engine, xlsx(sampling(rows), sheet("问题整改", PROBLEM_HEADERS, problems)),
                             viewer=system_viewer(engine), uploader="clerk", file_name="五月抽检.xlsx")
    assert result.status == "imported", result.to_text()
    order = list(reversed(PAGES))  # the sub-bureau pages before the county this time
    after = {label: shown(sessions[label], label) for label in order}
    assert after == {label: expected(engine, label) for label in PAGES}
    for label in PAGES:
        assert after[label] != before[label], label  # the upload moved what this page shows
    assert cells(county) == computed_below(engine, ROOT) != heat_before
    assert shown_by_a_new_process(sessions, engine) == after

    rollback_batch(engine, result.batch_id, system_viewer(engine))
    again = {label: shown(at, label) for label, at in sessions.items()}
    assert again == before == {label: expected(engine, label) for label in PAGES}
    assert cells(county) == heat_before == computed_below(engine, ROOT)
    assert shown_by_a_new_process(sessions, engine) == before
