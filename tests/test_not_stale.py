"""Nothing is stale (#16): the page caches are keyed by the data version, and a unit without units
below it reads its figures from its parent's cached result (dashboard.ui.data). After an upload,
and again after its rollback, every page that shows target figures — the overview of the county and
of a sub-bureau, the sub-bureau page, the phases, 监督抽检 and 问题整改, and the county overview's
heatmap of every unit below it × every target — read through AppTest in the session opened before
the upload, equals compute_targets on the raw records, never the figures cached before; on SQLite
and on PostgreSQL. So do 监督抽检's matrix by month (each month's pass rate) and the pace and
forecast (dashboard.figures.pace) in the county overview's forecast heatmap and on both overviews'
cards: pace_of of compute_targets' campaign-to-date figures on the raw records. The pages count
through the stored figures (dashboard.figures.stored), which outlive the page caches: a page run
with the caches dropped (a new server process) reads them, and equals the records too; the
reference never reads them."""
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
from dashboard.figures.pace import pace_of
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook, rollback_batch
from dashboard.models import StoredFigure, StoredFigureUnit
from dashboard.periods import Window, month_keys, month_window
from tests.builders import PROBLEM_HEADERS, code, sampling, sampling_row, sheet, xlsx
from tests.pages_support import PROJECT_DIR, switch_to
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


# a cell of 监督抽检's matrix by month: "80.0%（4/5）", " ⚠样本较少" after it when d < 5
MONTH_CELL = re.compile(r"(.*)（(.*)）")


def months(at: AppTest) -> list[tuple[str, str, str, str]]:
    """(month, unit, percent, n/d) of every cell of the page's matrix by month (the table whose
    rows are 月份), in the page's order."""
    tables = [d.value for d in at.dataframe if d.value.index.name == "月份"]
    assert len(tables) == 1, tables
    return [(month, unit, *MONTH_CELL.match(text).groups()) for month, row in tables[0].iterrows()
            for unit, text in row.items()]


def computed_months(engine, unit: str) -> list[tuple[str, str, str, str]]:
    """What the matrix by month must show for `unit`: the sampling pass rate of each campaign month
    up to AS_OF (the month cut to the campaign-to-date window), from the raw records."""
    window = campaign_window(CONF)
    end = min(window.end_date, AS_OF)
    code = first_measure(CONF, "pass_rate", record="监督抽检").code
    rows = []
    for key in month_keys(window.start_date, end):
        month = month_window(key)
        part = Window(max(month.start_date, window.start_date), min(month.end_date, end), month.label)
        figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, window=part,
                               as_of=min(month.end_date, AS_OF), from_store=False)
        rows += [(month.label, f.unit_name, f.percent_text, f.nd_text) for f in figs if f.target == code]
    return rows


def computed_paces(engine, unit: str) -> list:
    """Each campaign-to-date figure at AS_OF of `unit` and of each unit below it against its
    trajectory (dashboard.figures.pace.Pace), from the raw records."""
    figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, as_of=AS_OF, by_unit=True,
                           window=Window(CONF.start_date, AS_OF, "行动以来"), from_store=False)
    return [pace_of(CONF, f) for f in figs]


# a cell of the forecast heatmap: "unit｜target｜当前 x（n/d）｜按进度应达 y｜进度 z｜预测 p｜verdict"
FORECAST = re.compile(r'title="([^"｜]*)｜([^"｜]*)｜当前 ([^"｜]*)｜按进度应达 ([^"｜]*)｜进度 ([^"｜]*)'
                      r'｜预测 ([^"｜]*)｜([^"｜]*)"')


def forecasts(at: AppTest) -> list[tuple[str, ...]]:
    """(unit, target, current, expected, pace, projected, verdict) of every cell of the page's
    forecast heatmap of the units below, sorted."""
    blocks = [h.value for h in getattr(at, "html", [])] + [m.value for m in at.markdown]
    return sorted(tuple(unescape(v) for v in m) for b in blocks for m in FORECAST.findall(b))


def computed_forecasts(engine, unit: str) -> list[tuple[str, ...]]:
    """What the forecast heatmap must show for the units directly below `unit`."""
    return sorted((p.unit_name, p.name, f"{p.percent_text}（{p.numerator}/{p.denominator}）", p.expected_text,
                   p.pace_text, p.projected_text, p.verdict) for p in computed_paces(engine, unit) if p.unit_code != unit)


# the overview card's pace line: "应达 y｜按当前进度难以达标"
CARD_NAME = re.compile(r'<div class="t">(.*?)</div>')
CARD_PACE = re.compile(r'<div class="s">应达 ([^<｜]*)｜([^<｜]*)</div>')


def card_paces(at: AppTest) -> list[tuple[str, str, str]]:
    """(name, expected, forecast) of every figure card with a pace line, in order."""
    blocks = [m.value for m in at.markdown] + [h.value for h in getattr(at, "html", [])]
    pieces = [p for b in blocks if "fig-card" in b for p in b.split('class="fig-card"')[1:]]
    return [(unescape(CARD_NAME.search(p)[1]), *map(unescape, m.groups()))
            for p in pieces if (m := CARD_PACE.search(p))]


def computed_card_paces(engine, unit: str) -> list[tuple[str, str, str]]:
    """What the pace lines of `unit`'s own cards must say."""
    return [(p.name, p.expected_text, p.forecast_text) for p in computed_paces(engine, unit) if p.unit_code == unit]


def read(sessions: dict) -> dict:
    """The matrix by month, the forecast heatmap and the cards' pace lines, as the sessions' last
    runs showed them."""
    return {"按月份": months(sessions["监督抽检"]), "预测": forecasts(sessions["总览（县）"]),
            "进度（县）": card_paces(sessions["总览（县）"]), "进度（分局）": card_paces(sessions["总览（分局）"])}


def reference(engine) -> dict:
    """What `read` must give, from the raw records."""
    return {"按月份": computed_months(engine, ROOT), "预测": computed_forecasts(engine, ROOT),
            "进度（县）": computed_card_paces(engine, ROOT), "进度（分局）": computed_card_paces(engine, "DT01")}


def opened(engine, label: str) -> AppTest:
    page, query_unit, _, _ = PAGES[label]
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), engine)
    at.query_params["as_of"] = AS_OF.isoformat()
    if query_unit:
        at.query_params["unit"] = query_unit
    at.run()
    assert not at.exception, at.exception
    return switch_to(at, page)


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
    paced_before = read(sessions)  # and the matrix by month, the forecasts and the pace lines
    assert paced_before == reference(engine) and all(paced_before.values()), paced_before

    # five May batches of 城区分局's enterprise 1, one of them 不合格: the sampling figures move (and
    # with them 2023年5月's cell of the matrix by month, and 城区分局's forecasts and both overviews'
    # pace lines of 抽检合格率 and 抽检企业覆盖率); and two problems found in May, one put right: the
    # rectification figure moves
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
    paced_after = read(sessions)
    assert paced_after == reference(engine)
    for part in paced_after:
        assert paced_after[part] != paced_before[part], part  # the upload moved it
    assert shown_by_a_new_process(sessions, engine) == after and read(sessions) == paced_after

    rollback_batch(engine, result.batch_id, system_viewer(engine))
    again = {label: shown(at, label) for label, at in sessions.items()}
    assert again == before == {label: expected(engine, label) for label in PAGES}
    assert cells(county) == heat_before == computed_below(engine, ROOT)
    assert read(sessions) == paced_before == reference(engine)
    assert shown_by_a_new_process(sessions, engine) == before and read(sessions) == paced_before
