"""The overview's charts as HTML (dashboard.ui.html_charts), from hand-made figures, paces and
phases: every cell says what its Vega version said (value, n/d, status, 样本较少; verdict and
forecast), each cell's tooltip carries the details, bars and the as-of line sit where their dates
fall, and a unit's name (a campaign file's text) is only ever text. The page in Chromium:
tests/test_browser_pages.py, tests/test_browser_phone.py, tests/test_browser_markup.py."""
from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from dashboard.campaign import load_campaign
from dashboard.figures.pace import pace_of
from dashboard.figures.targets import TargetFigure
from dashboard.labels import PHASE_STATE_COLOURS, STATUS_FILLS, figure_dict
from dashboard.ui import html_charts

EVIL_UNIT = '<img src=x onerror="top.__pwned=1">分局'
DAY = date(2023, 8, 31)


def fig(unit: str, target: str, n: int, d: int, threshold: float = 1.0) -> dict:
    return figure_dict(TargetFigure(unit, unit, date(2023, 5, 1), DAY, DAY, target, f"{target}率", n, d, threshold))


def cells(table: str) -> list[str]:
    return re.findall(r"<td[^>]*>.*?</td>", table)


def test_status_heatmap_a_row_per_unit_a_cell_per_target_coloured_by_status():
    figs = [fig("DT01", "自查", 27, 27), fig("DT01", "飞检", 0, 1), fig(EVIL_UNIT, "自查", 9, 11),
            fig(EVIL_UNIT, "飞检", 0, 0)]
    table = html_charts.status_heatmap(figs)
    assert [re.sub(r"<[^>]+>", " ", c).split() for c in cells(table)] == [
        ["100.0%", "27/27"], ["0.0%", "0/1", "样本较少"], ["81.8%", "9/11"], ["无数据", "0/0"]]
    fills = [re.search(r"background:([^;]+);", c).group(1) for c in cells(table)]
    assert fills == [STATUS_FILLS["达标"], STATUS_FILLS["未达标"], STATUS_FILLS["未达标"], STATUS_FILLS["无数据"]]
    assert cells(table)[1].startswith('<td class="small"')  # d < 5: the amber frame
    assert 'title="DT01｜飞检率｜完成率 0.0%（0/1）｜未达标｜样本较少"' in table
    # columns: the short name (here the full name) with the full name as its title; rows: the unit
    assert table.count('<th scope="col"') == 2 and '<th scope="col" title="自查率">自查率</th>' in table
    assert '<th scope="row" class="u">&lt;img src=x onerror=&quot;top.__pwned=1&quot;&gt;分局</th>' in table
    assert "<img" not in table


def test_forecast_heatmap_the_verdict_and_the_projection_with_the_pace_in_the_tooltip():
    conf = load_campaign()
    target = conf.targets[0]
    paces = [pace_of(conf, figure_dict(TargetFigure(u, u, conf.start_date, DAY, DAY, target.code, target.name,
                                                    n, d, target.threshold)))
             for u, n, d in (("DT01", 10, 10), (EVIL_UNIT, 1, 10), ("DT02", 0, 0))]
    table = html_charts.forecast_heatmap(paces)
    texts = [re.sub(r"<[^>]+>", " ", c).split() for c in cells(table)]
    assert [p.verdict for p in paces] == ["可达标", "难达标", "无数据"]
    # the verdict, the projection and the figure it comes from, n of how many
    assert texts == [["可达标", paces[0].projected_text, "10/10"], ["难达标", paces[1].projected_text, "1/10"],
                     ["无数据", "0/0"]]
    assert [re.search(r"background:([^;]+);", c).group(1) for c in cells(table)] == [
        STATUS_FILLS["达标"], STATUS_FILLS["未达标"], STATUS_FILLS["无数据"]]
    p = paces[1]
    assert (f'title="{html_charts.html_text(EVIL_UNIT)}｜{target.name}｜当前 {p.percent_text}（1/10）｜按进度应达 '
            f'{p.expected_text}｜进度 {p.pace_text}｜预测 {p.projected_text}｜难达标"') in table
    assert "<img" not in table


def test_phase_timeline_bars_and_the_as_of_line_where_their_dates_fall():
    phases = [SimpleNamespace(seq=1, name="部署", start_date=date(2023, 3, 1), end_date=date(2023, 3, 31)),
              SimpleNamespace(seq=2, name="推进<b>", start_date=date(2023, 4, 1), end_date=date(2023, 6, 29))]
    html = html_charts.phase_timeline(phases, date(2023, 4, 15))  # 121 days, 3-01 .. 6-29
    bars = re.findall(r'class="pt-bar" title="([^"]+)" style="left:([\d.]+)%;width:([\d.]+)%;background:([^"]+)"', html)
    assert bars == [("1. 部署｜2023-03-01 至 2023-03-31｜已结束", "0.0", str(round(100 * 31 / 121, 3)),
                     PHASE_STATE_COLOURS["已结束"]),
                    ("2. 推进&lt;b&gt;｜2023-04-01 至 2023-06-29｜进行中", f"{round(100 * 31 / 121, 3)}",
                     str(round(100 - round(100 * 31 / 121, 3), 3)), PHASE_STATE_COLOURS["进行中"])]
    # the as-of line at mid-day of 04-15 (day 45 from 03-01) on each row; month labels under the bars
    assert html.count(f'<div class="pt-now" style="left:{round(100 * 45.5 / 121, 3)}%" title="数据截至 2023-04-15">') == 2
    assert re.findall(r"<span[^>]*>(\d{4}-\d\d)</span>", html) == ["2023-03", "2023-04", "2023-05", "2023-06"]
    assert "<b>" not in html
    # outside the campaign: no line; a long campaign: at most MAX_TICKS month labels
    assert "pt-now" not in html_charts.phase_timeline(phases, date(2023, 7, 1)).split("</style>")[1]
    long = [SimpleNamespace(seq=1, name="全程", start_date=date(2023, 1, 1), end_date=date(2024, 12, 31))]
    assert len(re.findall(r"<span[^>]*>\d{4}-\d\d</span>", html_charts.phase_timeline(long, DAY))) <= html_charts.MAX_TICKS
