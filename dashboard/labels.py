"""Chinese labels and display rules shared by the pages and the exports (no Streamlit here).

Every column a reader sees gets a Chinese header from COLUMN_LABELS; figures are shown as
"98.9%（97/98）"; statuses and their colours are the same everywhere.
"""
from __future__ import annotations

import math
from datetime import date, datetime
from fractions import Fraction

# The data contract's 检验项目类别 (a sampling batch may name several, joined by 、): the importer's
# dropdown and the campaign file's strike.hazard_classes both read this list.
HAZARD_CLASSES = ("兽药残留", "致病性微生物", "食品添加剂", "非食用物质", "动物源性成分", "其他")

# A figure resting on fewer than this many enterprises (records) is marked 样本较少.
SMALL_SAMPLE = 5

STATUS_MET, STATUS_UNMET, STATUS_NONE, STATUS_SMALL = "达标", "未达标", "无数据", "样本较少"
STATUS_BY_MET = {True: STATUS_MET, False: STATUS_UNMET, None: STATUS_NONE}  # TargetFigure.met → status
# A figure's status → its text colour, and → its cell fill (a month's report status has its own:
# dashboard.figures.reporting.REPORT_STATUS_COLOURS).
FIGURE_STATUS_COLOURS = {STATUS_MET: "#2e7d32", STATUS_UNMET: "#c62828", STATUS_NONE: "#9e9e9e",
                         STATUS_SMALL: "#ef8f00"}
STATUS_FILLS = {STATUS_MET: "#e3f1e4", STATUS_UNMET: "#fbe3e3", STATUS_NONE: "#eeeeee"}
# a campaign phase's state on the as-of date → its bar's colour (the phase timeline: Vega and HTML)
PHASE_STATE_COLOURS = {"已结束": "#90a4ae", "进行中": "#1565c0", "未开始": "#cfd8dc"}

COLUMN_LABELS = {
    # org and enterprise
    "unit_code": "单位代码", "unit_name": "所属单位", "credit_code": "统一社会信用代码",
    "name": "企业名称", "enterprise_name": "企业名称", "cadre_name": "包保干部",
    "license_no": "食品生产许可证编号", "is_large": "是否规上企业", "risk_grade": "风险等级",
    "credit_grade": "信用等级", "product_category": "产品类别", "status": "企业状态",
    "address": "地址", "reason": "原因",
    # figures
    "target": "指标代码", "target_name": "指标", "value_text": "完成率", "nd_text": "完成/总数",
    "threshold_text": "目标", "status_text": "结果", "small_sample": "样本较少",
    "expected_text": "按进度应达", "pace_text": "进度", "forecast_text": "期末预测",
    "forecast_status": "预测结论", "previous_text": "上次", "change_text": "变化",
    "current_text": "本次", "month": "月份", "change_points": "变化（百分点）",
    # work ledger (dashboard.figures.work_ledger; the page renames status and deadline to these keys)
    "owner": "责任科室", "head": "科室负责人", "item_code": "任务代码", "phase_name": "阶段", "item_text": "工作任务",
    "work_status": "完成情况", "due_date": "完成期限", "done_date": "完成日期", "note": "备注",
    "updated_by": "标记人", "task_no": "任务编号", "content": "细化措施", "owner_name": "责任人",
    "evidence": "佐证材料", "done_text": "已完成/任务数", "count_in_progress": "进行中",
    "count_not_started": "未开始", "count_late": "逾期", "measures_text": "细化措施上报",
    "target_names": "负责的指标", "unmet_targets": "未达标指标", "late_items": "逾期的工作任务",
    "kind": "类别", "unmet_text": "未达标/指标数", "late_text": "逾期/工作任务数",
    # records
    "inspection_date": "检查/自查日期", "count_items": "自查项目数", "count_problems": "发现问题数",
    "is_report_submitted": "是否提交自查报告", "month_date": "月份",
    "has_principal": "主要负责人", "has_safety_director": "食品安全总监", "has_safety_officer": "食品安全员",
    "is_daily_control_done": "日管控", "is_weekly_check_done": "周排查", "is_monthly_review_done": "月调度",
    "has_daily_list": "日管控清单", "has_weekly_report": "周排查报告", "has_monthly_record": "月调度记录",
    "system_type": "体系类型", "certificate_no": "证书编号", "established_date": "建立日期",
    "valid_until_date": "有效期至", "evaluation_date": "评价日期", "count_suppliers": "评价供应商数",
    "count_unqualified": "不合格供应商数", "person_name": "姓名", "post": "岗位", "exam_date": "考试日期",
    "score": "成绩", "is_passed": "是否合格", "inspection_no": "检查编号", "inspection_type": "检查类型",
    "inspectors": "检查人员", "result": "检查结果", "problem_no": "问题编号", "source": "问题来源",
    "source_no": "来源编号", "description": "问题描述", "found_date": "发现日期", "deadline_date": "整改期限",
    "closed_date": "整改完成日期", "review_result": "复查结论", "days_overdue": "超期天数",
    "days_open": "已挂账天数", "state": "整改状态",
    "problem_status": "整改情况", "closed_later_date": "统计日后整改完成日期", "days_late": "超期完成天数", "ageing": "账龄",
    "sample_no": "抽样单编号", "food_name": "食品名称", "food_category": "食品类别",
    "production_batch": "生产日期/批号", "sampling_date": "抽样日期", "task_source": "任务来源",
    "hazard_classes": "检验项目类别", "hazard_class": "检验项目类别", "verdict": "检验结论",
    "failed_items": "不合格项目", "lab_name": "检验机构", "disposal_status": "核查处置状态",
    "visit_date": "督导日期", "cadre_level": "干部层级", "year": "年度", "star": "星级",
    "case_no": "案件编号", "filed_date": "立案日期", "violation_type": "违法类型",
    "fine_amount": "罚没金额（元）", "is_transferred_police": "是否移送公安",
    # provenance
    "member_label": "对象", "is_numerator": "计入分子", "evidence_label": "依据",
    "evidence_date": "依据日期", "batch_id": "上报批次号", "file_name": "上报文件",
    "uploader": "上报人", "uploaded_at": "上报时间", "member_file_name": "名录/记录来源文件",
    "member_uploader": "名录/记录上报人", "member_uploaded_at": "名录/记录上报时间",
    "evidence_file_name": "依据来源文件", "evidence_uploader": "依据上报人",
    "evidence_uploaded_at": "依据上报时间",
    # counts
    "count_open": "未整改", "count_closed": "已整改", "count_overdue": "逾期未整改",
    "count_closed_late": "超期完成", "count_total": "合计", "count_samples": "抽检批次",
    "count_passed": "合格批次", "count_failed": "不合格批次", "pass_text": "合格率",
    "record_count": "记录数", "reported": "本月是否上报", "last_record_date": "最近记录日期",
    "last_upload": "最近上报时间", "behind_targets": "落后于进度的指标",
    # 严打, 星级评比, 风险排查 and the grade history
    "count_cases": "案件数", "amount_fines": "罚没金额（元）", "count_transferred": "移送公安",
    "count_linked": "可追溯来源", "count_no_fine": "未填罚没金额", "transferred_text": "移送公安/案件数",
    "linked_text": "可追溯来源/案件数", "source_kind": "来源记录", "source_date": "来源日期",
    "source_label": "来源内容", "case_due_date": "应立案期限", "case_filed_date": "立案日期",
    "count_star1": "一星级", "count_star2": "二星级", "count_star3": "三星级", "count_unrated": "未评上",
    "count_rated": "参评企业", "count_model": "示范企业", "previous_score": "上年度考核得分",
    "screening_date": "排查日期", "agency": "排查机构", "count_hazards": "风险隐患数",
    "has_plan": "是否制定一企一策方案", "is_changed": "等级有变化", "is_unfiled": "满期未立案",
    # the grade matrix (dashboard.figures.grading): enterprises｜inspections done/required｜meeting it
    "grade_a": "A级", "grade_b": "B级", "grade_c": "C级", "grade_d": "D级", "grade_none": "未定级",
    "grade_total": "合计",
}

BOOLEAN_COLUMNS = {"is_large", "is_report_submitted", "has_principal", "has_safety_director",
                   "has_safety_officer", "is_daily_control_done", "is_weekly_check_done",
                   "is_monthly_review_done", "has_daily_list", "has_weekly_report",
                   "has_monthly_record", "is_passed", "is_transferred_police", "is_numerator",
                   "has_plan", "is_changed", "is_unfiled"}


def label(column: str) -> str:
    """The Chinese header of a column (unknown columns are a bug: they fall back to the key)."""
    return COLUMN_LABELS.get(column, column)


def fmt_date(value) -> str:
    """2023-05-08; '' for nothing. SQLite hands raw-SQL dates back as ISO text."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def fmt_datetime(value) -> str:
    """2023-05-08 09:30 for an upload time."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16].replace("T", " ")


def as_date(value) -> date | None:
    """A date column's value as a date: SQLite hands dates of raw SQL back as ISO text,
    PostgreSQL as dates; None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def normalise_dates(row: dict) -> dict:
    """Every *_date column of a result row as a date, whatever the backend."""
    return {k: as_date(v) if k.endswith("_date") else v for k, v in row.items()}


def percent_text(numerator: int | Fraction | float | None, denominator: int = 1) -> str:
    """The one way a share is shown: one decimal, rounded down, so a figure short of 99 % never
    reads as 99.0 % (99.96 % → 99.9%); 无数据 for 0 of 0 or None (no figure, never 0 % or 100 %).
    n of d, or a share alone (a Fraction or float: a trajectory's value, a forecast)."""
    if numerator is None or not denominator:
        return STATUS_NONE
    t = tenths(numerator, denominator)
    return f"{t // 10}.{t % 10}%"


def tenths(numerator: int | Fraction | float, denominator: int = 1) -> int:
    """The figure as shown, in tenths of a per cent, rounded down (98.96 % → 989); a float is taken
    exactly as stored."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        return numerator * 1000 // denominator
    return math.floor(Fraction(numerator) * 1000 / Fraction(denominator))


def shown_change(current: dict, previous: dict | None) -> float | None:
    """The change between two figures (dicts with numerator and denominator) by the one rounding
    rule of the figures: the difference of the shown values (98.2 % after 0.0 % is +98.2 points),
    as a fraction like `value`; None when either has no figure."""
    if previous is None or not current["denominator"] or not previous["denominator"]:
        return None
    return (tenths(current["numerator"], current["denominator"])
            - tenths(previous["numerator"], previous["denominator"])) / 1000


def short_of(fig: dict) -> int:
    """How many more members the numerator needs to reach the threshold (0 when met): the one count
    behind 还差 N 个 on cards, tabs and in the briefing."""
    need = Fraction(fig["threshold"]).limit_denominator() * fig["denominator"]
    return max(math.ceil(need) - fig["numerator"], 0)


def short_points(fig: dict) -> float:
    """How far the shown figure is below the threshold, in points (100% − 98.9% = 1.1)."""
    return max(math.ceil(Fraction(fig["threshold"]).limit_denominator() * 1000)
               - tenths(fig["numerator"], fig["denominator"]), 0) / 10


def nd_text(numerator: int, denominator: int) -> str:
    """n of how many: 97/98."""
    return f"{numerator}/{denominator}"


def figure_text(fig: dict) -> str:
    """98.9%（97/98）, or 无数据（0/0）."""
    return f"{fig['percent_text']}（{fig['nd_text']}）"


def is_small(fig: dict) -> bool:
    """A figure resting on fewer than SMALL_SAMPLE members (but some) is marked 样本较少."""
    return 0 < fig["denominator"] < SMALL_SAMPLE


def status_of(fig: dict) -> str:
    """达标 / 未达标 / 无数据 of a figure dict."""
    return STATUS_BY_MET[fig["met"]]


def threshold_text(threshold: float) -> str:
    """The target as shown: 100% for a full target, ≥99% for a lower one."""
    pct = f"{threshold * 100:.1f}".rstrip("0").rstrip(".")
    return f"{pct}%" if threshold >= 1 else f"≥{pct}%"


def points_text(delta: float | None) -> str:
    """A change in percentage points: +3.2 个百分点."""
    if delta is None:
        return "—"
    pts = delta * 100
    return "持平" if abs(pts) < 0.05 else f"{pts:+.1f} 个百分点"


def figure_dict(fig) -> dict:
    """A TargetFigure as a plain dict with its display texts (what pages, caches and exports use)."""
    d = {k: getattr(fig, k) for k in ("unit_code", "unit_name", "from_date", "to_date", "as_of",
                                       "target", "name", "numerator", "denominator", "value",
                                       "threshold", "met", "short_name")}
    d["percent_text"] = fig.percent_text
    d["nd_text"] = fig.nd_text
    d["threshold_text"] = fig.threshold_text
    d["status_text"] = status_of(d)
    d["small_sample"] = is_small(d)
    d["figure_text"] = figure_text(d)
    return d


def short_name(fig) -> str:
    """The short name of a figure (dict or object) for matrix headers and chart axes: its measure's
    short name (campaign file), its full name otherwise."""
    get = fig.get if isinstance(fig, dict) else lambda k: getattr(fig, k, None)
    return get("short_name") or get("name")
