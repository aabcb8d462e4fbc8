"""The printed meeting sheet's parts (dashboard.ui.meeting_sheet), built from hand-made figures and
lists: what each part says, the caps that keep the sheet on one page, and every value from a
workbook escaped. The printed page itself is tests/test_browser_print.py."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from dashboard.figures.targets import TargetFigure
from dashboard.labels import figure_dict
from dashboard.ui import meeting_sheet as ms
from tests.hostile import PAYLOADS

EVIL_UNIT = '<img src=x onerror="top.__pwned=1">分局'
DAY = date(2023, 8, 31)


def fig(unit: str, target: str, n: int, d: int, threshold: float = 1.0) -> dict:
    return figure_dict(TargetFigure(unit, unit, date(2023, 5, 1), DAY, DAY, target, f"{target}率", n, d, threshold))


def test_a_row_per_target_with_the_own_figure_and_a_column_per_unit_below():
    own = [fig("DT", "自查", 172, 174), fig("DT", "抽检合格", 850, 858, 0.99), fig("DT", "飞检", 0, 0)]
    below = [fig("DT01", "自查", 27, 27), fig(EVIL_UNIT, "自查", 9, 11), fig("DT01", "抽检合格", 127, 128, 0.99)]
    table = ms.figure_table(own, below, "全市", {}, {}, {"自查": "食品安全监管科"})
    assert table.count("<tr>") == 1 + 3  # the header and a row per target
    # 172/174 = 98.85…% shown rounded down; 100% of 174 needs 2 more; 850/858 = 99.06…% ≥ 99%: met
    assert "<b>98.8%</b> 未达标<br>172/174，还差 2" in table
    assert "<b>99.0%</b> 达标<br>850/858</td>" in table
    assert "<b>无数据</b> 无数据<br>0/0</td>" in table
    assert "自查率<br><small>目标 100%｜食品安全监管科</small>" in table
    assert "抽检合格率<br><small>目标 ≥99%</small>" in table
    # units in their order, a unit without the figure an empty cell; the hostile name only as text
    assert "<th>DT01</th><th>&lt;img src=x onerror=&quot;top.__pwned=1&quot;&gt;分局</th>" in table
    assert "<img" not in table and "<b>81.8%</b><br>9/11" in table
    assert table.endswith("<td></td></tr></tbody></table>")  # 飞检: neither unit has it


def test_pace_and_change_since_the_last_meeting():
    late = SimpleNamespace(is_behind=True, expected_text="66.9%", verdict="难达标")
    cell = ms.pace_cell(late, {"change_text": "+4.0 个百分点"})
    assert cell == '<td class="pace"><span class="late">应达 66.9%</span><br>难达标｜+4.0</td>'
    on_time = SimpleNamespace(is_behind=False, expected_text="100.0%", verdict="可达标")
    assert ms.pace_cell(on_time, None) == '<td class="pace"><span>应达 100.0%</span><br>可达标</td>'
    assert ms.pace_cell(None, None) == "<td></td>"


def test_a_short_list_shows_its_true_total_and_its_first_rows_one_line_each():
    rows = [{"unit_name": EVIL_UNIT, "name": PAYLOADS[i % len(PAYLOADS)] + "肉制品加工厂", "food_name": "卤猪蹄",
             "days_open": 70 - i} for i in range(4)]
    part = ms.short_section("严重不合格满30日未立案", {"total": 9, "rows": rows}, "批", "抽样最早",
                            ["unit_name", "name", "food_name", "days_open"], "均已立案。", numeric=("days_open",),
                            rows=3)
    assert "<h5>严重不合格满30日未立案（共 9 批，列出抽样最早的 3 批）</h5>" in part
    assert part.count("<tr>") == 1 + 3 and '<td class="num">70</td>' in part and "<td>67" not in part
    assert "<img" not in part and "<script" not in part and "<a " not in part
    assert "<td>&lt;img src=x…</td>" in part  # an enterprise name cut to 11 characters
    one = ms.short_section("逾期未整改问题", {"total": 1, "rows": rows[:1]}, "件", "逾期最久", ["unit_name"], "无。")
    assert "<h5>逾期未整改问题（共 1 件，逾期最久的在前）</h5>" in one
    none = ms.short_section("不合格样品未处置完毕", {"total": 0, "rows": []}, "批", "抽样最早", ["unit_name"], "均已处置。")
    assert none == "<section><h5>不合格样品未处置完毕（共 0 批）</h5><p>均已处置。</p></section>"


def test_names_run_on_after_their_title_and_stop_at_eight():
    units = [f"{n}分局" for n in "城区 开发区 安丰 富安 时堰 梁垛 溱东 五烈 南沈灶".split()]
    line = ms.names("2023年10月尚未上报的单位（9 个）", units, "各单位均已上报。")
    assert line == ('<p class="names"><b>2023年10月尚未上报的单位（9 个）：</b>'
                    "城区分局、开发区分局、安丰分局、富安分局、时堰分局、梁垛分局、溱东分局、五烈分局 等 9 个</p>")
    assert ms.names("未上报（0 个）", [], "各单位均已上报。") == '<p class="names"><b>未上报（0 个）：</b>各单位均已上报。</p>'
    assert "&lt;img" in ms.names("未上报", [EVIL_UNIT], "") and "<img" not in ms.names("未上报", [EVIL_UNIT], "")


def test_units_behind_pace_are_counted_most_first():
    paces = [SimpleNamespace(unit_code=c, unit_name=n, is_behind=b) for c, n, b in [
        ("DT", "市局", True), ("DT01", "城区分局", True), ("DT02", "开发区分局", True), ("DT02", "开发区分局", True),
        ("DT02", "开发区分局", None), ("DT03", "安丰分局", False)]]
    assert ms.behind_counts(paces, "DT") == ["开发区分局 2 项", "城区分局 1 项"]


def test_the_comparison_lists_the_worst_falls():
    rows = [{"unit_name": "时堰分局", "short_name": "检查问题整改率", "current_text": "80.0%（4/5）",
             "change_points": -20.0, "is_flat": False},
            {"unit_name": "城区分局", "short_name": "企业自查率", "current_text": "100.0%（27/27）",
             "change_points": 3.7, "is_flat": False},
            {"unit_name": "安丰分局", "short_name": "企业自查率", "current_text": "100.0%（20/20）",
             "change_points": 0.0, "is_flat": True}]
    part = ms.comparison(date(2023, 7, 31), rows)
    assert "与上次会议（2023-07-31）相比：下降 1 项，上升 1 项，持平 1 项" in part
    assert part.count("<tr>") == 1 + 1 and '<td class="num">-20.0</td>' in part


def test_overdue_work_lists_three_and_the_units_without_measures():
    late = [{"text": "市局及时召开会议研究，结合实际情况，制定实施方案，明确具体的工作措施", "owner": "办公室",
             "days_overdue": 150 - i} for i in range(4)]
    part = ms.work(late, [{"unit_name": "三仓分局"}, {"unit_name": "头灶分局"}], date(2023, 4, 30))
    assert "逾期的工作任务（4 项）" in part and part.count("（办公室，逾期") == 3 and "等 4 项" in part
    assert "市局及时召开会议研究，结合实际情况，制…（办公室，逾期 150 天）" in part  # cut to 20 characters
    assert "<b>2023-04-30前未报细化措施的单位（2 个）：</b>三仓分局、头灶分局" in part
