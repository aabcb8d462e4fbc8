"""The target engine against the tiny county built by hand (tests/tiny_county.py), every n and d
worked out by hand."""
from __future__ import annotations

import json

import pytest

from dashboard.__main__ import main
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.figures.selection import select
from dashboard.figures.targets import (TargetFigure, compute_targets, format_table, is_met,
                               overdue_problems)
from dashboard.periods import Window

from tiny_county import CONF, D, E4, TARGETS, WINDOWS

# (numerator, denominator) per unit, in the campaign's target order. Active enterprises:
# DT01 E1 E2 (2) · DT02 E4 E5 (2) · DT03 E6 (1) · county 5; active 规上: E1 | E4 E5 | none → 3.
EXPECTED = {
    "phase2": {  # 2023-05-01..08-31, as_of 08-31
        #        self   333    qms    suppl  examcov expass  rect   sampling    visits
        "DT":   [(3, 5), (2, 5), (2, 3), (3, 5), (3, 5), (2, 5), (2, 5), (197, 199), (3, 5)],
        "DT01": [(2, 2), (1, 2), (1, 1), (2, 2), (2, 2), (2, 4), (2, 4), (98, 99), (2, 2)],
        "DT02": [(1, 2), (0, 2), (1, 2), (0, 2), (0, 2), (0, 0), (0, 0), (99, 100), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 1), (0, 0), (0, 1)],
        # self: E1 06-10, E2 08-20, E4 07-20 in window; E5 09-10 after; E6 none; E3 停产.
        # 333: latest month in 05..08 — E1 07 all 是; E2 08 has 否 (its all-是 06 is not latest);
        #      E4 06 has 否; E5 rows 04 and 09 are outside; E6 07 all 是.
        # qms: E1 HACCP valid until 08-31 = as_of (counted) + traceability; E4 ISO + trace est.
        #      07-01; E5 HACCP without traceability. DT03 has no 规上 → 0/0.
        # supplier: E1 04-10 (from campaign start, not the window start), E2 07-20, E6 06-01;
        #      E4's 02-20 is before the campaign and 09-15 after as_of.
        # exam coverage: E1, E2, E6 (07-01); E4's 09-05 after as_of.
        # exam pass (people, any status): 张三 failed then passed ✓, 李四 ✓, 王五 passed then
        #      failed 08-10 ✗, 赵六 (E3 停产) ✗ → DT01 2/4; 孙八 ✗ → DT03 0/1; 钱七 not yet.
        # rectification (监督检查, found 03-01..08-31): P01 ✓, P02 closed 09-10 after as_of ✗,
        #      P03 ✗, P04 (E3 停产) ✓ → DT01 2/4; P08 ✗ → DT03 0/1; P06 found before start.
        # sampling: DT01 E1 20+20+10, E2 19+20, E3 9+1 不合格 = 98/99 (风险监测 不合格 excluded);
        #      DT02 E4 30+30, E5 39+1 不合格 = 99/100; county 197/199.
        # visits: E1 03-20, E2 08-31 (= as_of), E4 06-30; E5 12-05 later; E3 停产.
    },
    "june": {  # 2023-06-01..06-30, as_of 06-30
        "DT":   [(1, 5), (1, 5), (1, 3), (2, 5), (2, 5), (3, 4), (2, 3), (39, 41), (2, 5)],
        "DT01": [(1, 2), (1, 2), (1, 1), (1, 2), (2, 2), (3, 4), (2, 3), (39, 40), (1, 2)],
        "DT02": [(0, 2), (0, 2), (0, 2), (0, 2), (0, 2), (0, 0), (0, 0), (0, 1), (1, 2)],
        "DT03": [(0, 1), (0, 1), (0, 0), (1, 1), (0, 1), (0, 0), (0, 0), (0, 0), (0, 1)],
        # self: only E1 06-10. 333: E2 06 all 是 ✓; E1 has no June row; E4 06 has 否.
        # qms: E1 ✓; E4 traceability established 07-01 > as_of ✗; E5 ✗.
        # supplier: E1 04-10, E6 06-01. exam coverage: E1 05-10, E2 06-20.
        # exam pass: 张三 latest 06-15 ✓, 李四 ✓, 王五 latest 06-20 ✓, 赵六 ✗ → 3/4.
        # rectification: found ≤ 06-30: P01 ✓, P02 open ✗, P04 closed 06-18 ✓ → 2/3.
        # sampling: DT01 E1 20 (06-12) + E2 19 (06-20) + E3 1 不合格 (06-05) = 39/40;
        #      DT02 E5 1 不合格 (06-15) = 0/1 (a figure of 0, not "no data").
        # visits: E1 03-20, E4 06-30 (= as_of).
    },
    "campaign": {  # 2023-03-01..11-30, as_of 11-30
        "DT":   [(4, 5), (3, 5), (0, 3), (4, 5), (4, 5), (3, 6), (4, 6), (198, 200), (3, 5)],
        "DT01": [(2, 2), (1, 2), (0, 1), (2, 2), (2, 2), (2, 4), (3, 4), (99, 100), (2, 2)],
        "DT02": [(2, 2), (1, 2), (0, 2), (1, 2), (1, 2), (1, 1), (1, 1), (99, 100), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 1), (0, 0), (0, 1)],
        # self: E1, E2, E4, E5 (09-10). 333: E1 07 ✓, E2 08 ✗, E4 06 ✗, E5 09 ✓, E6 07 ✓.
        # qms: E1 HACCP expired 08-31 < 11-30; E4 traceability expired 10-31; E5 none → 0/3.
        # supplier: E1, E2, E4 (09-15), E6. exam coverage: E1, E2, E4 (09-05), E6.
        # exam pass: 张三 ✓ 李四 ✓ 王五 ✗ 赵六 ✗ | 钱七 ✓ | 孙八 ✗ → 3/6.
        # rectification: P01 ✓ P02 ✓ (09-10) P03 ✗ P04 ✓ | P07 ✓ | P08 ✗ → 4/6.
        # sampling: DT01 phase-2 99 + E2 09-05 合格 = 99/100; DT02 99/100; county 198/200.
        # visits: E1, E2, E4 (E5's 12-05 is after the campaign).
    },
    "clipped": {  # 深入推进阶段 asked with as_of 2023-07-15: window 05-01..07-15
        "DT":   [(1, 5), (3, 5), (2, 3), (2, 5), (3, 5), (3, 5), (2, 4), (128, 130), (2, 5)],
        "DT01": [(1, 2), (2, 2), (1, 1), (1, 2), (2, 2), (3, 4), (2, 4), (68, 69), (1, 2)],
        "DT02": [(0, 2), (0, 2), (1, 2), (0, 2), (0, 2), (0, 0), (0, 0), (60, 61), (1, 2)],
        "DT03": [(0, 1), (1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (0, 0), (0, 0), (0, 1)],
        # self: E1 06-10 only (E2 08-20, E4 07-20 are after as_of).
        # 333: months 05..07 — E1 07 ✓; E2 latest is now 06 (all 是) ✓; E4 ✗; E6 07 ✓.
        # qms on 07-15: E1 ✓, E4 (trace est. 07-01) ✓, E5 ✗.
        # supplier: E1 04-10, E6 06-01 (E2's 07-20 is after as_of).
        # exam coverage: E1, E2 (06-20), E6 (07-01). exam pass: 张三 ✓ 李四 ✓ 王五 latest is
        #      06-20 ✓ (08-10 after as_of) 赵六 ✗ → 3/4; 孙八 ✗ → 0/1.
        # rectification: P01 ✓ P02 ✗ P03 ✗ (found 07-01) P04 ✓ → 2/4; P08 found 08-20 later.
        # sampling: DT01 E1 20+20 + E2 19 + E3 9+1 = 68/69; DT02 E4 30+30 + E5 1 = 60/61.
        # visits: E1, E4.
    },
}


# The nine targets of the plan's 工作目标 counted by hand here; the campaign's work targets after
# them (风险排查, 抽检覆盖, 分级检查, 飞行/交叉检查) are counted by hand in test_campaign_file.py.
NINE = TARGETS[:9]


def expected_figures(key: str, unit: str) -> list[tuple]:
    return EXPECTED[key][unit] if unit in EXPECTED[key] else [(0, 0)] * len(NINE)


def _nd(figures, unit_code) -> list[tuple]:
    return [(f.numerator, f.denominator) for f in figures if f.unit_code == unit_code and f.target in NINE]


# ------------------------------------------------------------------ the figures
@pytest.mark.parametrize("key", list(WINDOWS))
def test_figures_by_unit(tiny_county, key):
    window, as_of = WINDOWS[key]
    figures = compute_targets(tiny_county, CONF, system_viewer(tiny_county), unit=resolve_unit(tiny_county, "DT"),
                              window=window, as_of=as_of, by_unit=True)
    units = ["DT"] + [f"DT{i:02d}" for i in range(1, 13)]
    assert [f.unit_code for f in figures] == [u for u in units for _ in TARGETS]
    assert [f.target for f in figures] == TARGETS * len(units)
    for unit in units:
        assert _nd(figures, unit) == expected_figures(key, unit), unit
    assert {f.as_of for f in figures} == {as_of or window.end_date}


@pytest.mark.parametrize("key", list(WINDOWS))
def test_unit_alone_matches_by_unit(tiny_county, key):
    window, as_of = WINDOWS[key]
    for unit in ("DT", "DT02"):
        figures = compute_targets(tiny_county, CONF, system_viewer(tiny_county),
                                  unit=resolve_unit(tiny_county, unit), window=window, as_of=as_of)
        assert _nd(figures, unit) == expected_figures(key, unit)
        assert len(figures) == len(TARGETS)


def _figure(tiny_county, unit, target, key="phase2"):
    window, as_of = WINDOWS[key]
    figures = compute_targets(tiny_county, CONF, system_viewer(tiny_county), unit=resolve_unit(tiny_county, unit),
                              window=window, as_of=as_of)
    return next(f for f in figures if f.target == target)


def test_sampling_pass_boundaries(tiny_county):
    exactly = _figure(tiny_county, "DT02", "sampling_pass")  # 99/100 against ≥ 99 %
    assert (exactly.value, exactly.met, exactly.threshold) == (0.99, True, 0.99)
    below = _figure(tiny_county, "DT01", "sampling_pass")  # 98/99
    assert (below.value, below.met, below.percent_text) == (0.9899, False, "98.9%")
    county_fig = _figure(tiny_county, "DT", "sampling_pass")  # 197/199: summed, not averaged
    assert (county_fig.value, county_fig.met) == (0.9899, False)
    assert _figure(tiny_county, "DT", "sampling_pass", "campaign").met is True  # 198/200
    zero = _figure(tiny_county, "DT02", "sampling_pass", "june")  # 0/1 is a figure
    assert (zero.value, zero.met, zero.percent_text) == (0.0, False, "0.0%")


def test_zero_denominator_gives_no_figure(tiny_county):
    for unit, target in [("DT03", "sampling_pass"), ("DT03", "qms_traceability"),
                         ("DT02", "officer_exam_pass"), ("DT05", "self_inspection")]:
        f = _figure(tiny_county, unit, target)
        assert (f.numerator, f.denominator, f.value, f.met) == (0, 0, None, None)
        assert f.percent_text == "无数据" and f.to_json()["value"] is None
        assert f.to_json()["met"] is None


def test_month_inside_window_counts_when_any_day_is(tiny_county):
    # 06-15..07-10: June and July are both inside. E1 07 ✓, E2 06 ✓, E4 06 ✗, E5 ✗, E6 07 ✓.
    window = Window(D("2023-06-15"), D("2023-07-10"), "自定义")
    figures = compute_targets(tiny_county, CONF, system_viewer(tiny_county), window=window)
    by_target = {f.target: f for f in figures}
    assert (by_target["three_three_three"].numerator,
            by_target["three_three_three"].denominator) == (3, 5)
    # self-inspection uses whole days: E1's 06-10 falls before 06-15.
    assert by_target["self_inspection"].numerator == 0


def test_defaults_campaign_to_date_and_viewer_scope(tiny_county):
    viewer = Viewer("cq", "chief", resolve_unit(tiny_county, "DT01").unit_id)
    figures = compute_targets(tiny_county, CONF, viewer)  # no unit, no window
    assert _nd(figures, "DT01") == EXPECTED["campaign"]["DT01"]
    assert {f.unit_code for f in figures} == {"DT01"}
    by_unit = compute_targets(tiny_county, CONF, viewer, by_unit=True)
    assert {f.unit_code for f in by_unit} == {"DT01"}  # nothing below a sub-bureau


def test_scope_is_enforced(tiny_county):
    viewer = Viewer("cq", "chief", resolve_unit(tiny_county, "DT01").unit_id)
    for other in ("DT02", "DT"):
        with pytest.raises(PermissionError, match="无权查看"):
            compute_targets(tiny_county, CONF, viewer, unit=resolve_unit(tiny_county, other))
        with pytest.raises(PermissionError):
            overdue_problems(tiny_county, select(tiny_county, CONF, viewer, unit=resolve_unit(tiny_county, other),
                                                as_of=D("2023-08-31")))


# ------------------------------------------------------------------ overdue problems
def test_overdue_problems(tiny_county):
    rows = overdue_problems(tiny_county, select(tiny_county, CONF, system_viewer(tiny_county),
                                                as_of=D("2023-08-31")))
    # P06 deadline 03-15 (found before the campaign; any source, any date counts): 169 days;
    # P05 监督抽检 06-25: 67; P02 06-30, closed 09-10 after as_of: 62; P03 07-31: 31.
    # Not overdue: P01/P04 closed in time, P08 deadline 09-30, P09 deadline 08-31 = as_of,
    # P07 found after as_of.
    assert [(r["problem_no"], r["days_overdue"]) for r in rows] == [
        ("P06", 169), ("P05", 67), ("P02", 62), ("P03", 31)]
    p05 = rows[1]
    assert (p05["credit_code"], p05["enterprise_name"], p05["unit_code"], p05["unit_name"],
            p05["source"], p05["found_date"], p05["deadline_date"]) == (
        E4, "开发区甲食品公司", "DT02", "开发区分局", "监督抽检", D("2023-06-10"), D("2023-06-25"))
    assert p05["description"] == "问题P05"


def test_overdue_problems_later_and_scoped(tiny_county):
    rows = overdue_problems(tiny_county, select(tiny_county, CONF, system_viewer(tiny_county),
                                                as_of=D("2023-11-30")))
    # P02 closed 09-10 and P07 closed 09-18 drop out; P09 (no 复查结论) and P08 become overdue.
    assert [(r["problem_no"], r["days_overdue"]) for r in rows] == [
        ("P06", 260), ("P05", 158), ("P03", 122), ("P09", 91), ("P08", 61)]
    viewer = Viewer("cq", "chief", resolve_unit(tiny_county, "DT01").unit_id)
    mine = overdue_problems(tiny_county, select(tiny_county, CONF, viewer, as_of=D("2023-08-31")))
    assert [r["problem_no"] for r in mine] == ["P02", "P03"]
    dt03 = overdue_problems(tiny_county, select(tiny_county, CONF, system_viewer(tiny_county),
                                                unit=resolve_unit(tiny_county, "DT03"), as_of=D("2023-11-30")))
    assert [r["problem_no"] for r in dt03] == ["P08"]


# ------------------------------------------------------------------ the figure object
def _fig(n, d, threshold=1.0):
    return TargetFigure("DT01", "城区分局", D("2023-05-01"), D("2023-08-31"), D("2023-08-31"),
                        "sampling_pass", "产品抽检合格率", n, d, threshold)


def test_met_uses_the_exact_fraction():
    assert is_met(99, 100, 0.99) and not is_met(98, 99, 0.99)
    assert is_met(990, 1000, 0.99) and not is_met(9899, 10000, 0.99)
    assert is_met(5, 5, 1.0) and not is_met(4, 5, 1.0) and is_met(0, 0, 1.0) is None


def test_figure_texts_and_json():
    f = _fig(97, 98, 0.99)
    assert (f.value, f.met, f.percent_text, f.nd_text) == (0.9898, False, "98.9%", "97/98")
    assert f.to_json() == {"unit": "DT01", "unit_name": "城区分局", "from": "2023-05-01",
                           "to": "2023-08-31", "target": "sampling_pass", "name": "产品抽检合格率",
                           "numerator": 97, "denominator": 98, "value": 0.9898,
                           "threshold": 0.99, "met": False}
    assert _fig(1, 3).percent_text == "33.3%" and _fig(2, 3).percent_text == "66.6%"
    assert _fig(5, 5).percent_text == "100.0%" and _fig(0, 0).nd_text == "0/0"


def test_format_table(tiny_county):
    window, _ = WINDOWS["phase2"]
    text = format_table(compute_targets(tiny_county, CONF, system_viewer(tiny_county), window=window,
                                        by_unit=True))
    assert "产品抽检合格率" in text and "98/99" in text and "99/100" in text
    assert "达标" in text and "未达标" in text and "无数据" in text and "≥99%" in text
    assert "2023-05-01 至 2023-08-31" in text


def test_cli_targets_json(tiny_county, capsys):
    url = tiny_county.url.render_as_string(hide_password=False)
    assert main(["--db", url, "targets", "--by-unit", "--phase", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 13 * len(TARGETS)
    dt02 = next(o for o in out if o["unit"] == "DT02" and o["target"] == "sampling_pass")
    assert dt02 == {"unit": "DT02", "unit_name": "开发区分局", "from": "2023-05-01",
                    "to": "2023-08-31", "target": "sampling_pass", "name": "产品抽检合格率",
                    "numerator": 99, "denominator": 100, "value": 0.99, "threshold": 0.99,
                    "met": True}
    assert main(["--db", url, "targets", "--unit", "安丰分局", "--as-of", "2023-07-15",
                 "--phase", "2"]) == 0
    assert "无数据" in capsys.readouterr().out
