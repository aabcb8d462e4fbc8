"""Nothing is stale (#16): the page caches are keyed by the data version, and a unit without units
below it reads its figures from its parent's cached result (dashboard.ui.data). After an upload,
and again after its rollback, the overview of the county and of a sub-bureau, read through AppTest
in the same session, equal compute_targets on the raw records — never the figures cached before."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

from streamlit.testing.v1 import AppTest

from dashboard.access import system_viewer
from dashboard.campaign import campaign_window, load_campaign
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook, rollback_batch
from tests.builders import sampling, sampling_row, xlsx
from tests.pages_support import PROJECT_DIR
from tests.upload_support import signed

CARD = re.compile(r'<div class="t">(.*?)</div><div class="v">(.*?)<span class="nd">（(.*?)）</span>')
AS_OF = date(2023, 5, 31)


def cards(at: AppTest) -> list[tuple[str, str, str]]:
    """(name, percent, n/d) of every figure card on the page, in order."""
    return [(unescape(n), v, nd) for m in at.markdown if "fig-card" in m.value for n, v, nd in CARD.findall(m.value)]


def expected(engine, unit: str) -> list[tuple[str, str, str]]:
    conf = load_campaign()
    figs = compute_targets(engine, conf, system_viewer(engine), unit=unit, window=campaign_window(conf), as_of=AS_OF)
    return [(f.name, f.percent_text, f.nd_text) for f in figs]


def shown(at: AppTest, unit: str) -> list[tuple[str, str, str]]:
    at.selectbox(key="ctl_unit").set_value(unit)
    at.run()
    assert not at.exception, at.exception
    return cards(at)


def test_an_upload_and_its_rollback_show_at_once_on_county_and_sub_bureau(small_county_env):
    engine = small_county_env
    at = signed(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), engine)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    assert not at.exception, at.exception
    root = load_campaign().root.code
    before = {u: shown(at, u) for u in (root, "DT01")}  # the county first: DT01 is read from its result
    assert before == {u: expected(engine, u) for u in (root, "DT01")}

    # five May batches of 城区分局's enterprise 1, one of them 不合格: the sampling figures move
    rows = [sampling_row(f"NS-2023-05-{i:03d}", 1, 抽样日期=date(2023, 5, 10 + i)) for i in range(4)]
    rows.append(sampling_row("NS-2023-05-009", 2, 抽样日期=date(2023, 5, 20), 检验结论="不合格",
                             不合格项目="亚硝酸盐║35mg/kg║≤30mg/kg", 核查处置状态="处置中"))
    result = import_workbook(engine, xlsx(sampling(rows)), viewer=system_viewer(engine), uploader="clerk",
                             file_name="五月抽检.xlsx")
    assert result.status == "imported", result.to_text()
    after = {u: shown(at, u) for u in ("DT01", root)}  # the sub-bureau first this time
    assert after == {u: expected(engine, u) for u in (root, "DT01")}
    assert after["DT01"] != before["DT01"] and after[root] != before[root]

    rollback_batch(engine, result.batch_id, system_viewer(engine))
    again = {u: shown(at, u) for u in (root, "DT01")}
    assert again == before == {u: expected(engine, u) for u in (root, "DT01")}
