"""Helpers of the reporting-workflow tests (upload, history, completeness, published layouts,
templates): the small county's registry (the `small_county` fixtures of tests/conftest.py build on
it) and workbooks written the way they arrive."""
from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook
from dashboard.periods import month_window
from dashboard.ui.session import VIEWER_KEY

from builders import ENTERPRISE_HEADERS, code, enterprise_row, sampling, sampling_row, sheet, xlsx  # noqa: F401

CONF = load_campaign()
PUBLISHED_HEADERS = ["序号", "标称生产企业名称", "标称生产企业地址", "被抽样单位名称", "被抽样单位地址", "食品名称",
                     "规格型号", "商标", "生产日期/批号", "不合格项目║检验结果║标准值", "分类", "公告号", "公告日期",
                     "任务来源/项目名称", "备注"]


def seed_county(engine) -> None:
    """城区分局: enterprises 1–4 (4 停产); 开发区分局: 5–6 — all registered on 2023-03-02."""
    data = xlsx(sheet("企业名录", ENTERPRISE_HEADERS,
                      [enterprise_row(1), enterprise_row(2), enterprise_row(3), enterprise_row(4, 企业状态="停产"),
                       enterprise_row(5, "开发区分局"), enterprise_row(6, "开发区分局")]))
    result = import_workbook(engine, data, viewer=system_viewer(engine), uploader="seed", file_name="名录.xlsx",
                             uploaded_at=datetime(2023, 3, 2, 9, 0))
    assert result.status == "imported", result.errors


def figures(engine, unit="DT01", month="2023-05") -> dict[str, tuple[int, int]]:
    """target code → (numerator, denominator) for a unit and month."""
    window = month_window(month)
    figs = compute_targets(engine, CONF, system_viewer(engine), unit=unit, window=window, as_of=window.end_date)
    return {f.target: (f.numerator, f.denominator) for f in figs}


def good_workbook(n_samples: int = 2) -> bytes:
    """A valid May report of 城区分局: samplings and self-inspections."""
    rows = [sampling_row(f"DT-2023-05-{i:03d}", 1 + i % 3) for i in range(n_samples)]
    rows[-1] = sampling_row(f"DT-2023-05-{n_samples - 1:03d}", 3, 检验结论="不合格", 不合格项目="亚硝酸盐║35mg/kg║≤30mg/kg",
                            核查处置状态="处置中", 检验项目类别="食品添加剂")
    return xlsx(sampling(rows, title="东台市肉制品生产企业监督抽检情况表（2023年5月）", unit_name="城区分局",
                         report_date=date(2023, 6, 2)),
                sheet("企业自查", ["统一社会信用代码", "自查日期", "自查项目数", "发现问题数", "是否提交自查报告"],
                      [[code(1), date(2023, 5, 3), 20, 0, "是"], [code(2), "2023/5/9", 18, 1, "√"]]),
                sheet("备注", ["说明"], [["本月无特殊情况"]]))


def bad_workbook() -> bytes:
    """A May report with four errors: a bad date, an unknown code, a wrong word, a missing item."""
    rows = [sampling_row("DT-2023-05-101", 1, 抽样日期="2023-13-08"),
            sampling_row("DT-2023-05-102", 9),
            sampling_row("DT-2023-05-103", 2, 任务来源="乡抽"),
            sampling_row("DT-2023-05-104", 3, 检验结论="不合格", 核查处置状态="未处置")]
    return xlsx(sampling(rows, title="东台市肉制品生产企业监督抽检情况表（2023年5月）", unit_name="城区分局"))


def notice_workbook(*, unmatched: bool = False) -> bytes:
    """A published 公示表 as it arrives: 不合格产品信息 and 合格产品信息, title rows above the header,
    a sample whose second failed item continues on a row with blank 序号 (merged cells), a
    委托方/受托方 producer cell, full-width brackets and blanks in a name."""
    wb = openpyxl.Workbook()
    bad = wb.active
    bad.title = "不合格产品信息"
    bad.append(["江苏省市场监督管理局关于2023年第12期食品安全监督抽检信息的通告"])
    bad.merge_cells("A1:O1")
    bad.append(["不合格产品信息"])
    bad.append(PUBLISHED_HEADERS)
    bad.append([1, "东台市第1肉制品有限公司", "东台市", "东台市某超市", "东台市", "酱牛肉", "500g/袋", "/", "2023-05-01",
                "氯霉素║0.52μg/kg║不得检出", "肉制品", "2023年第12期", datetime(2023, 5, 20), "江苏省市场监督管理局", ""])
    bad.append([None, None, None, None, None, None, None, None, None, "恩诺沙星║120μg/kg║≤100μg/kg"])
    for col in "ABCDEFGHIKLMN":
        bad.merge_cells(f"{col}4:{col}5")
    bad.append([2, "委托方：某某品牌管理有限公司；受托方：东台市第2肉制品有限公司", "", "", "", "火腿肠", "", "",
                "2023/4/2", "亚硝酸盐(以亚硝酸钠计)║35mg/kg║≤30mg/kg", "肉制品", "2023年第12期", "2023-05-20",
                "东台市市场监督管理局", ""])
    if unmatched:
        bad.append([3, "盐城市不知名食品厂", "", "", "", "腊肠", "", "", "", "苏丹红Ⅰ║12μg/kg║不得检出", "肉制品",
                    "2023年第12期", "2023-05-20", "盐城市市场监督管理局", ""])
    good = wb.create_sheet("合格产品信息")
    good.append(["合格产品信息"])
    good.append([h for h in PUBLISHED_HEADERS if not h.startswith("不合格")])
    good.append([1, "东台市第3肉制品有限公司", "", "", "", "酱鸭", "", "", "2023-05-02", "肉制品", "2023年第12期",
                 "2023-05-20", "国家市场监督管理总局", ""])
    good.append([2, " 东台市第１肉制品有限公司 ", "", "", "", "酱肘子", "", "", "2023-05-02", "肉制品", "2023年第12期",
                 "2023-05-20", "2023年风险监测", ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def signed(at, engine, viewer=None):
    """Put a viewer (default: the system viewer, full rights) into an AppTest's session before its
    first run, as the login page would."""
    at.session_state[VIEWER_KEY] = viewer or system_viewer(engine)
    return at
