"""Black-box checks of the target figures against indicators.md: tiny hand-written workbooks (the
contract's headers, written with openpyxl), imported through the importer, every n and d worked out
by hand from the spec's text. The edge cases the spec fixes: whole-day window boundaries, the
graded plan's ceil(m × d / D) with inclusive days, the risk follow-up's flagging dates, the exact
fraction against a threshold, and a unit's own enterprises in its roll-up."""
from __future__ import annotations

import io
import json
from datetime import date

import openpyxl

from dashboard.__main__ import main
from dashboard.access import system_viewer
from dashboard.campaign import campaign_window, load_campaign, phase_window
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook
from dashboard.periods import Window, month_window

from builders import ENTERPRISE_HEADERS, code, enterprise_row

CONF = load_campaign()

HEADERS = {
    "企业名录": ENTERPRISE_HEADERS,
    "企业自查": ["统一社会信用代码", "自查日期", "自查项目数", "发现问题数", "是否提交自查报告"],
    "主体责任": ["统一社会信用代码", "月份", "主要负责人", "食品安全总监", "食品安全员", "日管控", "周排查", "月调度",
                 "日管控清单", "周排查报告", "月调度记录"],
    "食安员抽考": ["统一社会信用代码", "姓名", "岗位", "考试日期", "成绩", "是否合格"],
    "监督检查": ["检查编号", "统一社会信用代码", "检查日期", "检查类型", "检查人员", "发现问题数", "检查结果"],
    "问题整改": ["问题编号", "统一社会信用代码", "问题来源", "来源编号", "问题描述", "发现日期", "整改期限",
                 "整改完成日期", "复查结论"],
    "监督抽检": ["抽样单编号", "统一社会信用代码", "食品名称", "食品类别", "生产日期/批号", "抽样日期", "任务来源",
                 "检验项目类别", "检验结论", "不合格项目", "检验机构", "核查处置状态"],
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def ent(n: int, unit: str = "城区分局", **over) -> list:
    return enterprise_row(n, unit, **over)


def batch(no: str, n: int, day: str, result: str = "合格", source: str = "县抽") -> list:
    failed = result == "不合格"
    return [no, code(n), "酱牛肉", "肉制品", None, d(day), source, "食品添加剂", result,
            "亚硝酸盐║50mg/kg║≤30mg/kg" if failed else None, None, "处置中" if failed else None]


def inspection(no: str, n: int, day: str, kind: str = "日常检查") -> list:
    return [no, code(n), d(day), kind, None, 0, "符合"]


def complaint(no: str, n: int, day: str) -> list:
    return [no, code(n), "投诉举报", None, "群众投诉", d(day), d("2023-12-31"), None, None]


def load(engine, sheets: dict[str, list[list]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(HEADERS[name])
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_workbook(engine, buf.getvalue(), viewer=system_viewer(engine), uploader="blackbox",
                             file_name="blackbox.xlsx")
    assert result.status == "imported", result.errors


def nd(engine, window: Window, target: str, *, unit: str = "DT", as_of: date | None = None,
       by_unit: bool = False) -> dict[str, tuple]:
    figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, window=window, as_of=as_of,
                           by_unit=by_unit)
    return {f.unit_code: (f.numerator, f.denominator, f.met) for f in figs if f.target == target}


def upto(day: str) -> Window:
    """From the campaign start to `day` (as_of = day)."""
    return Window(CONF.start_date, d(day), f"至{day}")


def test_graded_inspection_ceil_of_inclusive_days(empty_engine):
    """D = 2023-03-01..11-30 = 275 days. C (m 2): ceil(2 × 137 / 275) = 1 on 07-15 (d 137),
    ceil(2 × 138 / 275) = 2 on 07-16. D (m 3): ceil(3 × 183 / 275) = 2 on 08-30, 3 on 08-31."""
    load(empty_engine, {
        "企业名录": [ent(21, 风险等级="C"), ent(22, 风险等级="D"), ent(23, 风险等级="A"), ent(24, 风险等级="A"),
                   ent(25, 风险等级="B"), ent(26, 风险等级="D", 企业状态="停产"), ent(27, 风险等级="C")],
        "监督检查": [inspection("J01", 21, "2023-03-05"), inspection("J02", 22, "2023-03-10"),
                   inspection("J03", 22, "2023-04-10", "飞行检查"), inspection("J04", 24, "2023-02-28"),
                   inspection("J05", 25, "2023-07-16"), inspection("J06", 26, "2023-03-02"),
                   inspection("J07", 26, "2023-03-03"), inspection("J08", 26, "2023-03-04"),
                   inspection("J09", 27, "2023-03-01"), inspection("J10", 27, "2023-11-30")]})
    # 6 active (26 停产); 24's inspection is before the campaign, 23 has none
    expected = {"2023-03-01": 1,   # d 1: everyone needs 1; only 27 (03-01) has one by then
                "2023-07-15": 3,   # 21 (C needs 1), 22 (D needs 2), 27 (C needs 1)
                "2023-07-16": 2,   # C now needs 2: 21 and 27 drop; 25's visit of that very day counts
                "2023-08-30": 2,   # 22 (D needs 2), 25
                "2023-08-31": 1,   # D needs 3: 22 drops
                "2023-11-30": 2}   # 25, 27 (C needs 2, has 2)
    for day, n in expected.items():
        assert nd(empty_engine, upto(day), "graded_inspection")["DT"][:2] == (n, 6), day
    # a month's window still counts the inspections from the campaign start
    assert nd(empty_engine, month_window("2023-07"), "graded_inspection",
              as_of=d("2023-07-15"))["DT"][:2] == (3, 6)


def test_risk_followup_flagging_dates(empty_engine):
    """Flagging date: the earliest 不合格 (not 风险监测) batch in the window, or the third 投诉举报
    problem found in the window, whichever comes first; the 飞行/交叉检查 on or after it, ≤ as_of."""
    load(empty_engine, {
        "企业名录": [ent(n) for n in range(31, 39)] + [ent(39, 企业状态="停产")],
        "监督抽检": [batch("A1", 31, "2023-05-10", "不合格"), batch("A2", 32, "2023-05-10", "不合格"),
                   batch("A6", 36, "2023-06-01", "不合格", "风险监测"), batch("A7", 37, "2023-04-20", "不合格"),
                   batch("A7b", 37, "2023-05-15", "不合格"), batch("A8", 38, "2023-08-01", "不合格"),
                   batch("A9", 39, "2023-05-10", "不合格"), batch("A3", 33, "2023-05-10", "不合格")],
        "问题整改": [complaint("C1", 33, "2023-05-01"), complaint("C2", 33, "2023-05-02"),
                   complaint("C3", 33, "2023-05-03"),
                   complaint("C4", 34, "2023-04-30"), complaint("C5", 34, "2023-05-01"),
                   complaint("C6", 34, "2023-05-02"), complaint("C7", 34, "2023-05-03"),
                   complaint("C8", 35, "2023-05-01"), complaint("C9", 35, "2023-05-08"),
                   complaint("C10", 35, "2023-05-08")],
        "监督检查": [inspection("F1", 31, "2023-05-10", "飞行检查"),      # same day as the 不合格 batch ✓
                   inspection("F2", 32, "2023-05-09", "交叉检查"),      # the day before ✗
                   inspection("F2b", 32, "2023-05-20"),                # 日常检查 does not count ✗
                   inspection("F3", 33, "2023-05-05", "交叉检查"),      # third complaint 05-03 < 不合格 05-10 ✓
                   inspection("F4", 34, "2023-05-02", "飞行检查"),      # third in-window complaint is 05-03 ✗
                   inspection("F5", 35, "2023-05-08", "飞行检查"),      # third complaint 05-08 (two that day) ✓
                   inspection("F6", 36, "2023-06-02", "飞行检查"),      # 风险监测 does not flag
                   inspection("F7", 37, "2023-05-01", "飞行检查"),      # in-window 不合格 is 05-15 ✗
                   inspection("F8", 38, "2023-09-05", "飞行检查"),      # after as_of 08-31 ✗
                   inspection("F9", 39, "2023-05-11", "飞行检查")]})    # 停产
    # phase 2: flagged 31 32 33 34 35 37 38 (36 not flagged, 39 停产) → 31 33 35 ✓
    assert nd(empty_engine, phase_window(CONF, 2), "risk_followup")["DT"] == (3, 7, False)
    # campaign to date: 34's third complaint is 05-02 (F4 ✓), 37's first 不合格 04-20 (F7 ✓), 38 F8 ✓
    assert nd(empty_engine, campaign_window(CONF), "risk_followup")["DT"] == (6, 7, False)


def test_threshold_compares_the_exact_fraction(empty_engine):
    """99/100 meets ≥ 99 %; 197/199 (98.99 %) does not; the county 296/299 = 0.98997… does not,
    though its value rounds to 0.99 — and it is the sum of the units' counts, not their mean."""
    rows = [batch(f"A{i:03d}", 1, "2023-06-01", "合格" if i < 99 else "不合格") for i in range(100)]
    rows += [batch(f"B{i:03d}", 2, "2023-06-30", "合格" if i < 197 else "不合格") for i in range(199)]
    rows += [batch("C001", 2, "2023-07-01", "不合格"), batch("C002", 2, "2023-06-15", "不合格", "风险监测")]
    load(empty_engine, {"企业名录": [ent(1), ent(2, "开发区分局")], "监督抽检": rows})
    got = nd(empty_engine, month_window("2023-06"), "sampling_pass", by_unit=True)
    assert got["DT01"] == (99, 100, True)
    assert got["DT02"] == (197, 199, False)
    assert got["DT"] == (296, 299, False)
    assert got["DT03"] == (0, 0, None)
    figs = compute_targets(empty_engine, CONF, system_viewer(empty_engine), window=month_window("2023-06"))
    dt = next(f for f in figs if f.target == "sampling_pass")
    assert dt.to_json()["value"] == 0.99 and dt.to_json()["met"] is False


def test_whole_days_and_latest_month_row(empty_engine, tmp_path, capsys):
    """Window boundaries are whole days (a row on the first or last day counts, the day before or
    after does not); 三三三 takes the latest 主体责任 row whose month has a day in the window; a
    unit's own enterprises count in its figure besides those of the units below it."""
    yes, no = ["是"] * 9, ["是"] * 8 + ["否"]
    load(empty_engine, {
        "企业名录": [ent(1), ent(2), ent(3, 企业状态="停产"), ent(4, "开发区分局"), ent(5, "东台市市场监督管理局")],
        "企业自查": [[code(1), d("2023-05-01"), 10, 0, "是"], [code(2), d("2023-04-30"), 10, 0, "是"],
                  [code(3), d("2023-05-10"), 10, 0, "是"], [code(4), d("2023-08-31"), 10, 1, "否"],
                  [code(5), d("2023-09-01"), 10, 0, "是"]],
        "主体责任": [[code(1), "2023-04", *yes], [code(1), "2023-05", *no], [code(2), "2023-05", *no],
                  [code(2), "2023-06", *yes], [code(4), "2023-08", *yes], [code(5), "2023-09", *yes],
                  [code(5), "2023-08", *no]]})
    # active: 1 2 (DT01), 4 (DT02), 5 (DT itself) → county 4
    got = nd(empty_engine, phase_window(CONF, 2), "self_inspection", by_unit=True)
    assert (got["DT"], got["DT01"], got["DT02"], got["DT03"]) == ((2, 4, False), (1, 2, False), (1, 1, True), (0, 0, None))
    assert nd(empty_engine, Window(d("2023-05-02"), d("2023-08-30"), "w"), "self_inspection")["DT"][:2] == (0, 4)
    assert nd(empty_engine, Window(d("2023-04-30"), d("2023-04-30"), "w"), "self_inspection")["DT"][:2] == (1, 4)
    # 三三三: phase 2 → 1's latest 05 has 否, 2's latest 06 all 是, 4's 08 all 是, 5's 08 has 否
    assert nd(empty_engine, phase_window(CONF, 2), "three_three_three")["DT"][:2] == (2, 4)
    # 04-15..05-10 holds days of April and May: the May rows are the latest → none
    assert nd(empty_engine, Window(d("2023-04-15"), d("2023-05-10"), "w"), "three_three_three")["DT"][:2] == (0, 4)
    # 08-31..09-01: 4's 08 ✓, 5's latest is 09 ✓
    assert nd(empty_engine, Window(d("2023-08-31"), d("2023-09-01"), "w"), "three_three_three")["DT"][:2] == (2, 4)
    # the same through the command line, by the phase's name
    url = empty_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "targets", "--phase", "深入推进阶段", "--unit", "城区分局", "--json"]) == 0
    out = {o["target"]: (o["numerator"], o["denominator"], o["value"], o["met"])
           for o in json.loads(capsys.readouterr().out)}
    assert out["self_inspection"] == (1, 2, 0.5, False)
    assert out["three_three_three"] == (1, 2, 0.5, False)
