"""The sheets of the data contract (docs/data-contract.md) as pandera schema classes.

These classes are the single description of a monthly workbook: the importer matches headers and
validates rows with them, the templates and the sample county are written from them. Each field
carries, in its metadata, the Chinese header (`zh`), how the raw cell is parsed (`kind`), whether
it is part of the natural key, and the other spellings seen in real workbooks (`aliases`).

Cells are parsed into typed values first (dates, yes/no, numbers: `dashboard.importer.parse`);
the schema then checks ranges, vocabularies and cross-column rules over the typed frame.
"""
from __future__ import annotations

import functools
from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ..labels import HAZARD_CLASSES
from ..subjects import subjects

CREDIT_ALIASES = ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "统一社会信用代码/注册号",
                  "credit_code", "unified_social_credit_code", "USCC")


# Money a clerk may write in 元 or 万元 (the header's bracket says which): the factor to 元. A bracket
# ending in 元 that is not listed here (千元, 美元) is refused rather than guessed.
UNIT_SCALES = {"元": 1, "万元": 10_000}
# The largest fine a case can carry (一百亿元): beyond it a value is a typing error, and a float
# that big would sum to infinity in a report.
MAX_FINE_YUAN = 10_000_000_000


def col(zh: str, kind: str = "text", *, required: bool = True, key: bool = False,
        aliases: tuple[str, ...] = (), values: tuple[str, ...] | None = None,
        value_aliases: dict[str, str] | None = None, future_ok: bool = False, reference: bool = False,
        unit: str | None = None, canon: str | None = None, **checks) -> pa.Field:
    """A contract column. `kind`: text, credit_code, date, month, int, number, yesno, enum,
    enum_multi. `future_ok`: a date that may lie after the upload (deadlines, expiry); every other
    date is a past event, a report cannot hold one in the future. `reference`: shown beside another
    column to check it, never stored (the enterprise name beside a record's credit code). `unit`: the
    unit a number is stored in (a key of UNIT_SCALES); a header naming another known unit in its
    bracket (`罚没金额（万元）`) has its values converted, an unknown one is an error. `canon`: how a
    text that identifies a record is spelled once stored (dashboard.importer.parse.key_text): `code`
    for a number (编号, every blank dropped), `name` (a key's default) for a name or title."""
    if canon is None and key and kind == "text":
        canon = "name"
    meta = {"canon": canon, "unit": unit, "zh": zh, "kind": kind, "required": required or key, "key": key,
            "aliases": tuple(aliases), "values": tuple(values or ()),
            "value_aliases": dict(value_aliases or {}), "future_ok": future_ok, "reference": reference}
    if values and kind != "enum_multi":  # a joined multi-value cell is checked item by item when parsed
        checks["isin"] = list(values)
    return pa.Field(nullable=not (required or key), metadata=meta, **checks)


class SheetModel(pa.DataFrameModel):
    """Base: `Config.sheet` is the sheet's Chinese name, `Config.table` the database table."""

    class Config:
        strict = False
        coerce = False

    @classmethod
    def sheet_name(cls) -> str:
        return cls.Config.metadata["sheet"]

    @classmethod
    def table(cls) -> str:
        return cls.Config.metadata["table"]

    @classmethod
    def fields(cls) -> dict[str, dict]:
        """field name -> column metadata, in contract order."""
        return {name: dict(meta) for name, meta in _field_metadata(cls).items()}

    @classmethod
    def key_fields(cls) -> list[str]:
        return [f for f, m in _field_metadata(cls).items() if m["key"]]

    @classmethod
    def owned_by_unit(cls) -> bool:
        """Whether the rows belong to the uploading org unit (工作任务), not to an enterprise:
        their table has a `unit_id` instead of a `credit_code`, set by the importer."""
        return cls.Config.metadata.get("owner") == "unit"

    @classmethod
    def record_key(cls) -> list[str]:
        """The natural key of the sheet's table: the key columns, after `unit_id` for a sheet
        whose rows belong to a unit (a 任务编号 is unique within its unit only)."""
        return (["unit_id"] if cls.owned_by_unit() else []) + cls.key_fields()


@functools.cache
def _field_metadata(model: type[SheetModel]) -> dict[str, dict]:
    """The fields' metadata, collected once per class: pandera collects a model's fields (type
    hints and all) anew on every call, 2 ms each, and an import asks dozens of times."""
    return {name: dict(fld.metadata or {}) for name, (_, fld) in model._collect_fields().items()}


YES_NO = "yesno"
NAME_ALIASES = ("企业名称（参考）", "企业名称(参考)")


def enterprise_name_col() -> pa.Field:
    """The 企业名称 beside every record sheet's 统一社会信用代码: looked up (read-only) in the
    templates; the importer compares it with the registry and warns when they disagree."""
    return col("企业名称", required=False, reference=True, aliases=NAME_ALIASES)


# ------------------------------------------------------------------ 企业名录
class EnterpriseSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    name: Series[str] = col("企业名称", aliases=("生产企业名称", "单位名称", "企业名称（全称）", "name"))
    unit: Series[str] = col("所属分局", aliases=("所属分局（所）", "所属分局/所", "监管分局", "属地分局",
                                                "辖区分局", "所属单位", "unit"))
    # required and checked by the subject type's licence (config/subjects.yaml; validate.licence_errors)
    license_no: Series[str] = col("食品生产许可证编号", required=False,
                                  aliases=("生产许可证编号", "许可证编号", "SC证号", "食品生产许可证号"))
    is_large: Series[pd.BooleanDtype] = col("是否规上企业", YES_NO, aliases=("规上企业", "是否规模以上企业"))
    risk_grade: Series[str] = col("风险等级", "enum", values=("A", "B", "C", "D"),
                                  aliases=("风险分级", "风险等级（A/B/C/D）"))
    credit_grade: Series[str] = col("信用等级", "enum", required=False, values=("A", "B", "C", "D"),
                                    aliases=("信用分级",))
    product_category: Series[str] = col("产品类别", required=False, aliases=("产品类型", "产品种类", "主要产品"))
    cadre_name: Series[str] = col("包保干部", required=False, aliases=("包保责任人", "包保领导"))
    status: Series[str] = col("企业状态", "enum", values=("在产", "停产", "注销"),
                              aliases=("生产状态", "经营状态"))
    address: Series[str] = col("地址", required=False, aliases=("生产地址", "企业地址", "住所"))
    subject_type: Series[str] = col("主体类型", "enum", required=False, values=tuple(subjects().types),
                                    aliases=("主体业态", "业态", "单位类型"))

    class Config:
        metadata = {"sheet": "企业名录", "table": "enterprise"}



# ------------------------------------------------------------------ 企业自查
class SelfInspectionSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    inspection_date: Series[pa.DateTime] = col("自查日期", "date", key=True, aliases=("自查时间",))
    count_items: Series[pd.Int64Dtype] = col("自查项目数", "int", required=False, ge=0,
                                             aliases=("自查项目", "检查项目数"))
    count_problems: Series[pd.Int64Dtype] = col("发现问题数", "int", ge=0, aliases=("问题数", "发现问题"))
    is_report_submitted: Series[pd.BooleanDtype] = col("是否提交自查报告", YES_NO,
                                                       aliases=("提交自查报告", "自查报告"))

    class Config:
        metadata = {"sheet": "企业自查", "table": "self_inspection"}


# ------------------------------------------------------------------ 主体责任
class ResponsibilitySheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    month_date: Series[pa.DateTime] = col("月份", "month", key=True, aliases=("月度", "填报月份", "所属月份"))
    has_principal: Series[pd.BooleanDtype] = col("主要负责人", YES_NO)
    has_safety_director: Series[pd.BooleanDtype] = col("食品安全总监", YES_NO, aliases=("食安总监",))
    has_safety_officer: Series[pd.BooleanDtype] = col("食品安全员", YES_NO, aliases=("食安员",))
    is_daily_control_done: Series[pd.BooleanDtype] = col("日管控", YES_NO)
    is_weekly_check_done: Series[pd.BooleanDtype] = col("周排查", YES_NO)
    is_monthly_review_done: Series[pd.BooleanDtype] = col("月调度", YES_NO)
    has_daily_list: Series[pd.BooleanDtype] = col("日管控清单", YES_NO, aliases=("每日食品安全检查记录",))
    has_weekly_report: Series[pd.BooleanDtype] = col("周排查报告", YES_NO, aliases=("每周食品安全排查治理报告",))
    has_monthly_record: Series[pd.BooleanDtype] = col("月调度记录", YES_NO, aliases=("每月食品安全调度会议纪要",))

    class Config:
        metadata = {"sheet": "主体责任", "table": "responsibility"}


# ------------------------------------------------------------------ 管理体系
class ManagementSystemSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    system_type: Series[str] = col(
        "体系类型", "enum", key=True, values=("HACCP", "ISO22000", "智能化追溯体系", "其他"),
        aliases=("体系名称", "认证类型", "体系"),
        value_aliases={"ISO 22000": "ISO22000", "ISO-22000": "ISO22000", "ISO22000:2018": "ISO22000",
                       "HACCP体系": "HACCP", "危害分析与关键控制点": "HACCP", "追溯体系": "智能化追溯体系",
                       "智能追溯体系": "智能化追溯体系", "智能化过程追溯体系": "智能化追溯体系"})
    certificate_no: Series[str] = col("证书编号", required=False, aliases=("证书号", "认证证书编号"))
    established_date: Series[pa.DateTime] = col("建立日期", "date", aliases=("发证日期", "认证日期", "建立时间"))
    valid_until_date: Series[pa.DateTime] = col("有效期至", "date", required=False, future_ok=True,
                                                aliases=("有效期", "证书有效期至", "有效截止日期"))

    class Config:
        metadata = {"sheet": "管理体系", "table": "management_system"}

    @pa.dataframe_check(error="有效期至早于建立日期")
    def valid_after_established(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["valid_until_date"].isna() | df["established_date"].isna()
                | (df["valid_until_date"] >= df["established_date"]))

    @pa.dataframe_check(error="证书编号必填（智能化追溯体系除外）")
    def certificate_unless_traceability(cls, df: pd.DataFrame) -> Series[bool]:
        return df["certificate_no"].notna() | (df["system_type"] == "智能化追溯体系").fillna(False)


# ------------------------------------------------------------------ 供应商评价
class SupplierEvaluationSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    evaluation_date: Series[pa.DateTime] = col("评价日期", "date", key=True, aliases=("检查评价日期", "评价时间"))
    count_suppliers: Series[pd.Int64Dtype] = col("评价供应商数", "int", ge=0,
                                                 aliases=("供应商数", "评价供应商数量"))
    count_unqualified: Series[pd.Int64Dtype] = col("不合格供应商数", "int", required=False, ge=0,
                                                   aliases=("不合格供应商数量",))

    class Config:
        metadata = {"sheet": "供应商评价", "table": "supplier_evaluation"}

    @pa.dataframe_check(error="不合格供应商数大于评价供应商数")
    def unqualified_within_evaluated(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["count_unqualified"].isna() | df["count_suppliers"].isna()
                | (df["count_unqualified"] <= df["count_suppliers"])).astype(bool)


# ------------------------------------------------------------------ 食安员抽考
PASS_SCORE = 60  # 是否合格 left blank is derived as 成绩 ≥ 60

class OfficerExamSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    person_name: Series[str] = col("姓名", key=True, aliases=("考试人员", "抽考人员", "人员姓名"))
    post: Series[str] = col("岗位", "enum", values=("主要负责人", "食品安全总监", "食品安全员"),
                            aliases=("职务", "人员类别"),
                            value_aliases={"食安总监": "食品安全总监", "食安员": "食品安全员",
                                           "负责人": "主要负责人", "法定代表人": "主要负责人"})
    exam_date: Series[pa.DateTime] = col("考试日期", "date", key=True, aliases=("抽考日期", "考核日期"))
    score: Series[float] = col("成绩", "number", in_range={"min_value": 0, "max_value": 100},
                               aliases=("考试成绩", "得分", "分数"))
    is_passed: Series[pd.BooleanDtype] = col("是否合格", YES_NO, required=False, aliases=("考试结果",),
                                                  value_aliases={"合格": "是", "不合格": "否", "通过": "是", "不通过": "否"})

    class Config:
        metadata = {"sheet": "食安员抽考", "table": "officer_exam"}

    @pa.dataframe_check(error="是否合格与成绩不符（成绩≥60为合格）")
    def passed_matches_score(cls, df: pd.DataFrame) -> Series[bool]:
        derived = df["score"] >= PASS_SCORE
        return (df["is_passed"].isna() | df["score"].isna() | (df["is_passed"] == derived)).astype(bool)


# ------------------------------------------------------------------ 监督检查
class InspectionSheet(SheetModel):
    inspection_no: Series[str] = col("检查编号", key=True, canon="code", aliases=("检查记录编号", "检查单编号"))
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    inspection_date: Series[pa.DateTime] = col("检查日期", "date", aliases=("检查时间",))
    inspection_type: Series[str] = col(
        "检查类型", "enum", values=("日常检查", "飞行检查", "交叉检查", "双随机检查", "专项检查"),
        aliases=("检查方式", "检查形式"),
        value_aliases={"日常监督检查": "日常检查", "双随机": "双随机检查", "双随机一公开": "双随机检查",
                       "专项": "专项检查", "飞行": "飞行检查", "交叉": "交叉检查"})
    inspectors: Series[str] = col("检查人员", required=False, aliases=("检查人",))
    count_problems: Series[pd.Int64Dtype] = col("发现问题数", "int", ge=0, aliases=("问题数", "发现问题"))
    result: Series[str] = col("检查结果", "enum", values=("符合", "基本符合", "不符合"),
                              aliases=("检查结论", "结果判定"))

    class Config:
        metadata = {"sheet": "监督检查", "table": "inspection"}


# ------------------------------------------------------------------ 问题整改
class ProblemSheet(SheetModel):
    problem_no: Series[str] = col("问题编号", key=True, canon="code", aliases=("问题序号", "隐患编号"))
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    source: Series[str] = col("问题来源", "enum",
                              values=("监督检查", "监督抽检", "风险排查", "包保督导", "投诉举报", "企业自查"),
                              aliases=("来源",))
    source_no: Series[str] = col("来源编号", required=False, canon="code", aliases=("检查编号/抽样单编号", "关联编号"))
    description: Series[str] = col("问题描述", aliases=("问题内容", "存在问题", "问题"))
    found_date: Series[pa.DateTime] = col("发现日期", "date", aliases=("发现时间",))
    deadline_date: Series[pa.DateTime] = col("整改期限", "date", future_ok=True,
                                             aliases=("整改时限", "限期整改日期"))
    closed_date: Series[pa.DateTime] = col("整改完成日期", "date", required=False,
                                           aliases=("完成整改日期", "整改完成时间"))
    review_result: Series[str] = col("复查结论", "enum", required=False, values=("已整改", "未整改", "整改中"),
                                     aliases=("整改情况", "复查结果", "整改状态"),
                                     value_aliases={"已完成": "已整改", "完成": "已整改", "正在整改": "整改中"})

    class Config:
        metadata = {"sheet": "问题整改", "table": "problem"}

    @pa.dataframe_check(error="整改期限早于发现日期")
    def deadline_after_found(cls, df: pd.DataFrame) -> Series[bool]:
        return df["deadline_date"].isna() | df["found_date"].isna() | (df["deadline_date"] >= df["found_date"])

    @pa.dataframe_check(error="整改完成日期早于发现日期")
    def closed_after_found(cls, df: pd.DataFrame) -> Series[bool]:
        return df["closed_date"].isna() | df["found_date"].isna() | (df["closed_date"] >= df["found_date"])

    @pa.dataframe_check(error="复查结论为“已整改”时必须填写整改完成日期")
    def closed_needs_date(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["review_result"] != "已整改").fillna(True) | df["closed_date"].notna()


# ------------------------------------------------------------------ 监督抽检


class SamplingSheet(SheetModel):
    sample_no: Series[str] = col("抽样单编号", key=True, canon="code",
                                 aliases=("抽样编号", "抽样单号", "样品编号", "抽检编号", "抽样单编号*",
                                          "sample_no", "sampling_no"))
    credit_code: Series[str] = col("统一社会信用代码", "credit_code",
                                   aliases=CREDIT_ALIASES + ("标称生产企业统一社会信用代码",
                                                             "生产企业统一社会信用代码"))
    enterprise_name: Series[str] = enterprise_name_col()
    food_name: Series[str] = col("食品名称", aliases=(
        "产品名称", "样品名称", "标称食品名称", "标示产品名称", "标称样品名称", "标称产品名称", "商品名称",
        "受检商品名称", "检品名称", "品名", "样品名称及规格", "food_name"))
    food_category: Series[str] = col("食品类别", aliases=(
        "分类", "食品分类", "食品大类", "食品种类", "样品类别", "产品类别", "产品分类", "产品种类",
        "食品细类", "食品亚类", "食品品种", "所属食品类别", "类别", "分类（食品一类）", "食品大类（一级）",
        "食品类别（大类）", "food_category"))
    production_batch: Series[str] = col("生产日期/批号", required=False, aliases=(
        "生产日期批号", "生产日期或批号", "生产日期（批号）", "生产日期及批号", "批号/生产日期",
        "生产批号/日期", "生产（加工）日期/批号", "生产（购进）日期/批号", "生产（加工/购进）日期/批号",
        "生产(购进或检疫）日期/批号", "标称生产日期/批号", "生产日期", "批号", "生产批号"))
    sampling_date: Series[pa.DateTime] = col("抽样日期", "date", aliases=(
        "采样日期", "抽检日期", "抽样时间", "抽检时间", "采样时间", "购样日期", "sampling_date"))
    task_source: Series[str] = col(
        "任务来源", "enum", values=("国抽", "省抽", "市抽", "县抽", "风险监测"),
        aliases=("任务来源/项目名称", "任务来源-项目名称", "任务来源—项目名称", "任务来源项目名称",
                 "任务来源（项目名称）", "抽检类别", "任务性质", "监督抽检/风险监测", "task_source"),
        value_aliases={"国家抽检": "国抽", "国家监督抽检": "国抽", "国抽本级": "国抽",
                       "国抽转移地方": "国抽", "总局抽检": "国抽", "国家市场监督管理总局": "国抽",
                       "省级抽检": "省抽", "省级监督抽检": "省抽", "省局抽检": "省抽",
                       "市级抽检": "市抽", "市级监督抽检": "市抽", "市局抽检": "市抽",
                       "县级抽检": "县抽", "县级监督抽检": "县抽", "县局抽检": "县抽", "区县抽检": "县抽",
                       "县区抽检": "县抽", "风险监测抽检": "风险监测", "监测": "风险监测"})
    hazard_classes: Series[str] = col("检验项目类别", "enum_multi", values=HAZARD_CLASSES,
                                      aliases=("检验项目分类", "项目类别", "检测项目类别", "风险类别"))
    verdict: Series[str] = col("检验结论", "enum", values=("合格", "不合格"), aliases=(
        "检验结果", "检测结论", "结论", "判定", "结果判定", "判定结论", "抽检结果", "抽查结果", "检验检测结论",
        "检验结论（合格/不合格）", "是否合格", "verdict"),
        value_aliases={"符合": "合格", "不符合": "不合格", "合 格": "合格", "不 合 格": "不合格"})
    failed_items: Series[str] = col("不合格项目", required=False, aliases=(
        "不合格项目║检验结果║标准值", "不合格项目‖检验结果‖标准值", "不合格项目∥检验结果∥标准值",
        "不合格项目|检验结果|标准值", "不合格项目∣检验结果∣标准值", "不合格项目||检验结果||单位||标准值",
        "不合格项目/检验结果/标准值", "不合格项目‖不合格值‖标准值", "不合格项目:检验结果(标准值)",
        "不合格项", "不合格指标", "不合格原因", "不合格项目及结果单位"))
    lab_name: Series[str] = col("检验机构", required=False, aliases=(
        "检验机构名称", "检测机构", "检验单位", "检测单位", "承检机构", "承检单位", "检验检测机构",
        "检测机构名称", "承检机构名称"))
    disposal_status: Series[str] = col("核查处置状态", "enum", required=False,
                                       values=("未处置", "处置中", "已完成"),
                                       aliases=("核查处置情况", "处置状态", "核查处置"),
                                       value_aliases={"已处置": "已完成", "处置完成": "已完成",
                                                      "正在处置": "处置中", "核查处置中": "处置中"})

    class Config:
        metadata = {"sheet": "监督抽检", "table": "sampling"}

    @pa.dataframe_check(error="检验结论为“不合格”时必须填写不合格项目")
    def failed_needs_items(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["verdict"] != "不合格").fillna(True) | df["failed_items"].notna()

    @pa.dataframe_check(error="检验结论为“不合格”时必须填写核查处置状态")
    def failed_needs_disposal(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["verdict"] != "不合格").fillna(True) | df["disposal_status"].notna()


# ------------------------------------------------------------------ 包保督导
class CadreVisitSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    visit_date: Series[pa.DateTime] = col("督导日期", "date", key=True, aliases=("督导时间", "包保督导日期"))
    cadre_name: Series[str] = col("包保干部", key=True, aliases=("包保干部姓名", "督导人员", "包保责任人"))
    cadre_level: Series[str] = col("干部层级", "enum", values=("A级", "B级", "C级"),
                                   aliases=("包保层级", "干部级别"),
                                   value_aliases={"A": "A级", "B": "B级", "C": "C级"})
    count_problems: Series[pd.Int64Dtype] = col("发现问题数", "int", ge=0, aliases=("问题数", "发现问题"))

    class Config:
        metadata = {"sheet": "包保督导", "table": "cadre_visit"}


# ------------------------------------------------------------------ 星级评比
class StarRatingSheet(SheetModel):
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    year: Series[pd.Int64Dtype] = col("年度", "int", key=True, in_range={"min_value": 2000, "max_value": 2100},
                                      aliases=("评比年度", "年份"))
    score: Series[float] = col("考核得分", "number", in_range={"min_value": 0, "max_value": 100},
                               aliases=("得分", "考核分数"))
    star: Series[str] = col("星级", "enum", values=("一星级", "二星级", "三星级", "未评上"),
                            aliases=("评定星级", "星级评定"),
                            value_aliases={"一星": "一星级", "二星": "二星级", "三星": "三星级",
                                           "1星": "一星级", "2星": "二星级", "3星": "三星级", "未评定": "未评上"})

    class Config:
        metadata = {"sheet": "星级评比", "table": "star_rating"}


# ------------------------------------------------------------------ 违法案件
class EnforcementCaseSheet(SheetModel):
    case_no: Series[str] = col("案件编号", key=True, canon="code", aliases=("立案编号", "案号"))
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    filed_date: Series[pa.DateTime] = col("立案日期", "date", aliases=("立案时间",))
    violation_type: Series[str] = col("违法类型", aliases=("违法行为类型", "案由", "违法行为"))
    fine_amount: Series[float] = col("罚没金额", "number", required=False, unit="元",
                                     in_range={"min_value": 0, "max_value": MAX_FINE_YUAN},
                                     aliases=("罚没款", "罚款金额", "罚没款金额"))
    is_transferred_police: Series[pd.BooleanDtype] = col("是否移送公安", YES_NO,
                                                         aliases=("移送公安", "是否移送公安机关"))
    # 来源编号 (beyond the contract): the 抽样单编号 or 检查编号 that led to the case
    source_no: Series[str] = col("来源编号", required=False, canon="code",
                                 aliases=("案件来源编号", "抽样单编号/检查编号", "检查编号/抽样单编号"))

    class Config:
        metadata = {"sheet": "违法案件", "table": "enforcement_case"}


# ------------------------------------------------------------------ 检查清单
class ChecklistSheet(SheetModel):
    """One row per item of a checklist filled in for a subject on a day (是否落实 是/否)."""
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    checklist: Series[str] = col("清单名称", key=True, aliases=("检查清单", "清单"))
    check_date: Series[pa.DateTime] = col("检查日期", "date", key=True, aliases=("检查时间", "填报日期"))
    item: Series[str] = col("检查项目", key=True, aliases=("项目", "检查内容", "管控项目"))
    is_done: Series[pd.BooleanDtype] = col("是否落实", YES_NO, aliases=("落实情况", "是否符合", "结果"))

    class Config:
        metadata = {"sheet": "检查清单", "table": "checklist_item"}


# ------------------------------------------------------------------ 风险排查
class RiskScreeningSheet(SheetModel):
    """Third-party risk screening: the 一户一档 hazard list and whether a 一企一策 plan was made."""
    credit_code: Series[str] = col("统一社会信用代码", "credit_code", key=True, aliases=CREDIT_ALIASES)
    enterprise_name: Series[str] = enterprise_name_col()
    screening_date: Series[pa.DateTime] = col("排查日期", "date", key=True, aliases=("排查时间", "风险排查日期"))
    agency: Series[str] = col("排查机构", required=False,
                              aliases=("第三方机构", "第三方排查机构", "排查单位", "技术服务机构"))
    count_hazards: Series[pd.Int64Dtype] = col("发现隐患数", "int", ge=0,
                                               aliases=("隐患数", "发现隐患", "发现风险隐患数", "隐患数量"))
    has_plan: Series[pd.BooleanDtype] = col("是否制定一企一策方案", YES_NO,
                                            aliases=("一企一策", "一企一策方案", "是否制定一企一策",
                                                     "是否制定“一企一策”方案"))

    class Config:
        metadata = {"sheet": "风险排查", "table": "risk_screening"}


# ------------------------------------------------------------------ 工作任务
WORK_STATUSES = ("未开始", "进行中", "已完成")


class WorkTaskSheet(SheetModel):
    """A unit's own work items (细化措施, 责任人, 责任时限). The rows belong to the uploading unit,
    not to an enterprise (`owner`): the importer sets `unit_id` (load.py, validate.work_task_units)."""
    task_no: Series[str] = col("任务编号", key=True, canon="code", aliases=("任务序号", "措施编号", "编号"))
    content: Series[str] = col("任务内容", aliases=("细化措施", "工作措施", "工作任务", "任务名称", "措施内容"))
    owner_name: Series[str] = col("责任人", aliases=("责任人员", "负责人", "责任领导"))
    due_date: Series[pa.DateTime] = col("完成期限", "date", future_ok=True,
                                        aliases=("责任时限", "完成时限", "截止日期", "完成时间节点"))
    status: Series[str] = col("完成情况", "enum", values=WORK_STATUSES,
                              aliases=("进展情况", "完成状态", "推进情况"),
                              value_aliases={"未启动": "未开始", "尚未开始": "未开始", "推进中": "进行中",
                                             "正在推进": "进行中", "正在进行": "进行中", "完成": "已完成",
                                             "已办结": "已完成", "办结": "已完成"})
    done_date: Series[pa.DateTime] = col("完成日期", "date", required=False, aliases=("实际完成日期", "办结日期"))
    evidence: Series[str] = col("佐证材料", required=False, aliases=("佐证资料", "完成佐证"))

    class Config:
        metadata = {"sheet": "工作任务", "table": "work_task", "owner": "unit"}

    @pa.dataframe_check(error="完成情况为“已完成”时必须填写完成日期")
    def done_needs_date(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] != "已完成").fillna(True) | df["done_date"].notna()


# 企业名录 first: a workbook's registry rows are loaded before the records that refer to them.
SHEETS: tuple[type[SheetModel], ...] = (
    EnterpriseSheet, SelfInspectionSheet, ResponsibilitySheet, ManagementSystemSheet,
    SupplierEvaluationSheet, OfficerExamSheet, InspectionSheet, ProblemSheet, SamplingSheet,
    CadreVisitSheet, StarRatingSheet, EnforcementCaseSheet, ChecklistSheet, RiskScreeningSheet,
    WorkTaskSheet)

SHEET_BY_NAME = {s.sheet_name(): s for s in SHEETS}

# The column a dataframe-level check is about (by its error text): its failures are reported
# against that one cell, not against every column of the row.
CHECK_COLUMNS = {
    "有效期至早于建立日期": "valid_until_date",
    "证书编号必填（智能化追溯体系除外）": "certificate_no",
    "不合格供应商数大于评价供应商数": "count_unqualified",
    "是否合格与成绩不符（成绩≥60为合格）": "is_passed",
    "整改期限早于发现日期": "deadline_date",
    "整改完成日期早于发现日期": "closed_date",
    "复查结论为“已整改”时必须填写整改完成日期": "closed_date",
    "检验结论为“不合格”时必须填写不合格项目": "failed_items",
    "检验结论为“不合格”时必须填写核查处置状态": "disposal_status",
    "完成情况为“已完成”时必须填写完成日期": "done_date",
}
