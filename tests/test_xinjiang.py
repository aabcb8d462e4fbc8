"""The Xinjiang campaign for real: `python -m dashboard --campaign xinjiang-2026 demo` builds the
sample region (region → prefectures → counties) through the importer, beside the sample county in
the same database, and `targets --by-unit --json` gives a figure for every target at every level of
the tree; 哈密's “三个时段” checklist counts all fourteen items."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard import campaign as campaign_module
from dashboard.__main__ import main
from dashboard.access import system_viewer
from dashboard.campaign import CAMPAIGNS_DIR, load_campaign
from dashboard.db import get_engine
from dashboard.exports import build_summary
from dashboard.exports.narrative import briefing, plain_text
from dashboard.figures.measures import measures

from tests.pages_support import PROJECT_DIR, sign_in

CONF = load_campaign("xinjiang-2026")
PREFECTURES = ("XJ01", "XJ02", "XJ03", "XJ04")
COUNTIES = ("XJ0101", "XJ0102", "XJ0201", "XJ0202", "XJ0301", "XJ0401")
# the two counts whose goal the seed gives for one prefecture only (elsewhere 0: 无数据)
LOCAL_GOALS = {"pledge_units": {"XJ", "XJ04", "XJ0401"}, "workshop_pilots": {"XJ", "XJ03", "XJ0301"}}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('xj') / 'both.sqlite'}"
    assert main(["--db", url, "demo"]) == 0                                   # the sample county first
    assert main(["--db", url, "--campaign", "xinjiang-2026", "demo"]) == 0    # then the region beside it
    yield url
    get_engine(url).dispose()


def _targets(url, capsys, unit):
    capsys.readouterr()
    assert main(["--db", url, "--campaign", "xinjiang-2026", "targets", "--by-unit", "--unit", unit,
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow  # builds the sample region through the importer
def test_every_target_has_a_figure_at_every_level(region, capsys):
    figures = {}
    for unit in ("XJ", *PREFECTURES):
        for f in _targets(region, capsys, unit):
            figures[(f["unit"], f["target"])] = (f["numerator"], f["denominator"])
    codes = [t.code for t in CONF.targets]
    assert len(codes) == 12
    assert set(figures) == {(u, c) for u in ("XJ", *PREFECTURES, *COUNTIES) for c in codes}
    for (unit, code), (n, d) in figures.items():
        if code in LOCAL_GOALS and unit not in LOCAL_GOALS[code]:
            assert (n, d) == (0, 0), (unit, code)
        else:
            assert d > 0 and 0 <= n, (unit, code)
    assert figures[("XJ", "pledge_units")][1] == 58 and figures[("XJ03", "workshop_pilots")][1] == 10


@pytest.mark.slow  # builds the sample region through the importer
def test_a_county_is_the_sum_of_nothing_but_itself(region, capsys):
    # a prefecture's figure is the sum of its counties' numerators and denominators
    by = {(f["unit"], f["target"]): (f["numerator"], f["denominator"]) for f in _targets(region, capsys, "XJ01")}
    for code in ("slaughter_inspected", "additive_pass", "workshop_periods", "complaint_fast"):
        assert by[("XJ01", code)] == tuple(map(sum, zip(by[("XJ0101", code)], by[("XJ0102", code)])))


@pytest.mark.slow  # builds the sample region through the importer
def test_hami_checklist_counts_all_fourteen_items(region, capsys):
    periods = next(m for m in measures(CONF) if m.code == "workshop_periods")
    assert len(periods.p["items"]) == 14 and "十四项" in periods.definition
    engine = get_engine(region)
    with engine.connect() as conn:  # the oracle: straight from the rows, latest day per workshop
        rows = conn.execute(text(
            "select c.credit_code, c.check_date, c.item, c.is_done from checklist_item c "
            "join enterprise e on e.credit_code = c.credit_code join org_unit u on u.unit_id = e.unit_id "
            "where c.checklist = '三个时段' and u.code = 'XJ0301' and e.status = '在产'")).all()
        workshops = conn.execute(text(
            "select count(*) from enterprise e join org_unit u on u.unit_id = e.unit_id "
            "where u.code = 'XJ0301' and e.subject_type = '小作坊' and e.status = '在产'")).scalar()
    latest = {}
    for code, day, item, done in rows:
        latest.setdefault(code, {}).setdefault(str(day), {})[item] = bool(done)
    full = sum(1 for days in latest.values()
               if (last := days[max(days)]) and len(last) == 14 and all(last.values()))
    by = {(f["unit"], f["target"]): (f["numerator"], f["denominator"]) for f in _targets(region, capsys, "XJ03")}
    assert by[("XJ0301", "workshop_periods")] == (full, workshops) and workshops == 12
    assert 0 < full < workshops  # some workshop misses an item on its latest day


@pytest.mark.slow  # builds the sample region through the importer
def test_the_county_is_untouched_and_the_briefing_speaks_for_the_region(region, capsys):
    capsys.readouterr()
    assert main(["--db", region, "targets", "--json"]) == 0  # the default campaign, same database
    county = {f["target"]: (f["numerator"], f["denominator"]) for f in json.loads(capsys.readouterr().out)}
    assert len(county) == 13 and county["self_inspection"][1] > 150
    engine = get_engine(region)
    s = build_summary(engine, CONF, system_viewer(engine, "XJ"), phase=2, as_of=date(2026, 8, 31),
                      completeness=False)
    text_ = plain_text(briefing(s))
    assert "各地州完成情况" in text_ and "从4个地州看" in text_ and "全区" in text_
    assert "肉制品" not in text_ and "分局" not in text_ and "全市" not in text_


# ------------------------------------------------------------------ the campaign switch (AppTest)
SECOND = """\
code: dongtai-2024
name: 东台市食品小作坊规范提升行动
start_date: 2023-03-01
end_date: 2023-11-30
org_units:
  code: DT
  name: 东台市市场监督管理局
  short_name: 市局
  children:
    - {code: DT01, name: 城区分局}
    - {code: DT02, name: 开发区分局}
phases:
  - {name: 全年, start_date: 2023-03-01, end_date: 2023-11-30}
populations:
  - {code: workshops, name: 在产小作坊, label: 小作坊, subject_types: [小作坊]}
targets:
  - {code: workshop_checks, name: 小作坊规范提升检查落实率, measure: checklist, record: 小作坊规范提升,
     items: [原辅料进货查验, 生产场所清洁, 成品存放规范], threshold: 1.0}
"""


def test_the_campaign_switch_is_kept_in_the_url(sample_county_env, tmp_path, monkeypatch):
    """Two campaigns over the sample county's units: ?campaign= opens the second one, its figures
    are its own (the county's 小作坊 checklists), and the switch writes the campaign back to the URL."""
    shutil.copy(CAMPAIGNS_DIR / "dongtai-2023.yaml", tmp_path / "dongtai-2023.yaml")
    (tmp_path / "dongtai-2024.yaml").write_text(SECOND, encoding="utf-8")
    monkeypatch.setattr(campaign_module, "CAMPAIGNS_DIR", tmp_path)
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120))
    at.query_params["campaign"] = "dongtai-2024"
    at.run()
    assert not at.exception, at.exception
    switch = at.sidebar.selectbox(key="ctl_campaign")
    assert switch.value == "dongtai-2024" and switch.options == ["东台市肉制品质量安全提升行动", "东台市食品小作坊规范提升行动"]
    shown = "\n".join(m.value for m in at.markdown)
    assert "小作坊规范提升检查落实率" in shown and "企业食品安全自查率" not in shown
    switch.set_value("dongtai-2023").run()
    assert not at.exception, at.exception
    assert at.query_params["campaign"] == "dongtai-2023"
    assert "企业食品安全自查率" in "\n".join(m.value for m in at.markdown)
