"""Sampling results as the county actually receives them, turned into 监督抽检 rows of the contract.

Two published layouts are accepted besides the contract's own 监督抽检 sheet:

* **公示表** — the published 食品安全监督抽检 result tables (usually two sheets, 合格产品信息 and
  不合格产品信息): title rows above the header, one row per sample, a combined column
  `不合格项目║检验结果║标准值` (also `‖ ∥ | ∣ /`, and Shandong's four parts `项目||结果||单位||标准值`),
  and continuation rows (blank 序号, merged cells) for the further failed items of the same sample.
* **抽检系统导出** — the long export of the sampling system: one row per 检验项目 (item, result,
  unit, standard, 单项判定), grouped by 抽样编号 (or 报告编号).

How the contract's fields are filled when the published table lacks them (decided here, once):

| contract field | filled from |
|---|---|
| 抽样单编号 | 抽样编号 / 抽样单编号 / 报告编号; else `公告号-合格|不合格-序号`; else `GS-` + the first 12 hex digits of the SHA-1 of the row's identifying fields (producer, food, batch, sampled unit, spec, dates, verdict) — stable across re-uploads of the same table |
| 统一社会信用代码 | the table's credit-code column; else the 标称生产企业名称 matched to the registry after normalising (NFKC, blanks removed, brackets folded to half width, case folded; `委托方：…；受托方：…` → the 受托方 part, the actual producer). Exactly one registered enterprise must match; anything else is an error naming the value (nothing is guessed) |
| 抽样日期 | 抽样日期 / 采样日期 / 抽检日期; else 公告日期 / 公布日期 / 公示日期 |
| 任务来源 | the 任务来源/项目名称 text (国家/总局/国抽 → 国抽, 省 → 省抽, 市 → 市抽, the county or a sub-bureau or 县/区 → 县抽, 监测 → 风险监测); without such a column, the title rows above the header; else an error |
| 检验结论 | the sheet's name (合格产品信息 / 不合格产品信息); else a verdict column; else 不合格 when the failed-items cell is filled; in a long export 不合格 when any item's 判定 is 不合格 |
| 检验项目类别 | derived from the failed items' names with HAZARD_KEYWORDS (e.g. 氯霉素 → 兽药残留, 沙门氏菌 → 致病性微生物, 亚硝酸盐 → 食品添加剂, 苏丹红 → 非食用物质, 鸭源性成分 → 动物源性成分, else 其他); a 合格 sample's from the items it was tested for when the table lists them (its 检验项目/检测项目 column, the long export's item rows), else 其他; a class the table states wins |
| 不合格项目 | every failed item as `项目║检验结果║标准值` joined by `；` (a unit column or Shandong's unit part is appended to the result, and to a numeric standard) |
| 食品类别 | 分类 / 食品类别 / 食品细类 …; `未分类` when the table has no such column |
| 核查处置状态 | a 核查处置 column if present; else the status already stored for that sample (a re-upload never resets a disposal), else 未处置 for a 不合格 sample |

The header aliases were reviewed against header spellings seen in published sampling tables of
about 30 provinces (REJECTED_ALIASES lists the spellings deliberately not used, with the reason) and
against literal provincial header rows; both are kept in tests/data/ (provenance in its README).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..models import Enterprise, OrgUnit, Sampling
from .raw import HEADER_SEARCH_ROWS, RawSheet, RawWorkbook, fold, header_forms, is_blank, is_total_row
from .schemas import CREDIT_ALIASES, HAZARD_CLASSES, EnterpriseSheet, SamplingSheet

LAYOUT_CONTRACT = "填报模板"
LAYOUT_NOTICE = "公示表"
LAYOUT_LONG = "抽检系统导出"
NO_CATEGORY = "未分类"

# ------------------------------------------------------------------ header aliases
# Published field -> spellings. Reviewed from tests/data/published_header_spellings.json (categories noted).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "序", "编号序号"),
    "sample_no": ("抽样编号", "抽样单编号", "抽样单号", "样品编号", "抽检编号", "报告编号", "报告书号编号",
                  "抽样/报告编号", "抽查编号", "检验报告编号"),
    "credit_code": CREDIT_ALIASES + ("标称生产企业统一社会信用代码", "生产企业统一社会信用代码"),
    # manufacturer_name
    "producer": (
        "标称生产企业名称", "标称生产（养殖）企业名称", "标称生产(养殖)企业名称", "标识生产企业名称",
        "标示生产单位（供货商）", "标称生产单位或供货单位名称", "标称生产企业或供货商", "标识企业名称",
        "标称生产者名称或生产地址", "标识生产企业", "标注生产企业", "企业名称", "标称生产者", "标识产企业名称",
        "标称生产", "检品生产单位", "标识生产者", "标称生产企业(供应商)名称", "生产经营企业", "标示生产者名称",
        "（标称）生产企业名称", "标称生产企业或农民专业合作社", "生产企业名称(标称)", "小作坊名称",
        "标称生产企业/供货商", "标称生产经营主体", "标示企业名称", "标称生产单位/供应商", "产品标识生产者",
        "生产经营单位名称及所在地", "生产单位及地区", "标示生产者", "标称生产单位名称", "标称生产单位或供货商名称",
        "标称生产企业或声称供货商", "标示生产（经营）单位", "标称生产经营企业名称", "标称生产者企业名称",
        "标称生产单位或代理商", "标称生产单位", "标示生产单位", "生产者", "标称生成企业名称", "标称生产企业",
        "标示生产企业", "标称生企业名称", "标称生产企业(供货商)名称", "生产企业名称", "生产单位", "标称生产者或产地",
        "生产厂家或供货商", "生产经营单位", "生产企业", "标识生产者名称",
        "标示生产者名称或生产地址", "生产单位（样品来源）", "标示生产者名称或地址", "生产厂家", "生产单位名称",
        "标识种植企业名称", "生产经营单位名称", "标称生产企业或供货单位名称", "标称生产加工企业", "标称生产者名称",
        "标称生产厂家", "生产企业（产地）", "生产厂商", "标示生产企业名称", "生产者名称", "标识生产/经营企业名称",
        "标示生产企业名称", "生产商"),
    # food_name
    "food_name": ("食品名称", "产品名称", "样品名称及规格", "标称食品名称", "样品名称", "受检商品名称", "商品名称",
                  "保健食品名称", "产品明细", "标示产品名称", "标称样品名称", "样品", "标称产品名称",
                  "样品名称（种类/品种）", "样品总称", "产品", "品名", "检品名称", "物料名称"),
    # product_classification
    "food_category": (
        "食品类别", "分类", "样品类别", "食品种类", "分类(食品", "产品种类", "食品大类（四级）", "类别名称",
        "分类(食品一类)", "食品分类", "小类名称", "食品大类（一级）", "类别", "品种", "食品分类（按照细则对应分类）",
        "细类", "所属食品大类", "抽样品种及类别", "产品大类", "食品大类(三级)", "产品分类", "样品大类",
        "分类(食品一", "食品类别（二类）", "样品类型", "食品品种分类", "样品主类", "食品细类(四级)", "食品大类（二级）",
        "食品次亚类", "所属食品类别", "样品品种", "产品类型", "食品亚类", "食品分类大类", "大类", "样品分类",
        "食品类别（大类）", "食品品种明细", "分类（大类）", "食品分类类", "食品大类", "商品分类", "第一大类",
        "产品类别", "食品细类", "品种类别", "食品品种", "样品具体类别", "分类（细类）", "抽检品种"),
    # failing_results (the combined column is also recognised by its shape, see _combined_header)
    "failed_items": (
        "不合格项目║检验结果║标准值", "不合格项目:检验结果(标准值)", "不合格项目‖检验结果‖", "不合格原因",
        "不合格项目∣检验结果∣标准值", "不合格项目∥检验结果∥标准值", "不合格项目|检验结果|标准值",
        "不合格项目标准值及检出值", "不合格项目/检验结果/标准值", "不合格项目‖不合格值‖标准值",
        "不合格项目‖检验结果‖标准值", "不合格项目/标准值/检验结果", "抽检项目/数据",
        "不合格项目||检验结果||单位||标准值",
        # adulterant: columns naming only the failed items
        "不合格项目", "不合格检测项", "不符合项目", "不合格指标", "不合格项", "不合格项/问题项", "不合格情况",
        "不符合标准规定项目", "主要不合格项目", "问题项目", "不符合规定项", "不合格项及数据",
        "主要不合格项目或主要问题", "不符合项目或问题项", "不合格项目及结果单位"),
    # inspection_results
    "verdict": ("检验结论", "最终结论", "结果判定", "结论", "报告结论", "判定", "合格或不合格", "总体判定",
                "判定结论", "抽查结果", "合格情况", "检验检测结论", "实物质量判定", "是否合格", "综合判定",
                "检验结论（合格/不合格）", "总判定", "抽检结果", "单项判定", "检测结论", "单项评价",
                "实物质量是否合格", "判定结果"),
    # sampled_date
    "sampling_date": ("抽样日期", "购样日期", "采样日期", "抽检日期", "采样日期（YYYY-MM-DD）", "抽检时间",
                      "抽样时间", "采样时间"),
    # announcement_date
    "notice_date": ("公告日期", "公告日期（隐藏栏）", "公示日期", "公示时间", "公告时间", "公布日期", "发布日期"),
    # notice_number
    "notice_no": ("公告号", "公告期号", "省局网站公告号"),
    # task_source_or_project_name
    "task_source": ("任务来源", "任务来源/项目名称", "抽检类别", "监督抽检/风险监测", "任务来源-项目名称",
                    "任务来源项目名称", "任务性质", "任务来源/项目名称（隐藏栏）", "任务来源.项目名称",
                    "任务来源项目/名称", "任务源", "任务名称/项目名称", "任务来源（国抽本级、国抽转移地方、省抽、外省通报我省监督抽检）",
                    "抽样类别", "监督性质", "任务来源—项目名称", "任务来源/项目名", "类型（填监督抽检或风险监测）",
                    "任务来源／项目名称", "任务来源（项目名称）"),
    # testing_agency
    "lab_name": ("检验机构", "抽样机构名称和检验机构名称", "检验机构全称", "检测部门", "检验检测机构", "检验机构名称",
                 "抽样单位和检验单位名称", "检测机构", "抽样机构和检验机构名称", "检测单位", "承检机构名称",
                 "抽样单位和检验单位", "抽检公司", "承检机构", "检测机构名称", "检验单位", "承检单位"),
    # production_date
    "production_batch": (
        "生产日期/批号", "生产(购进或检疫）日期/批号", "生产日期(年/月/日)", "生产批号/日期", "生产日期（YYYY-MM-DD）",
        "生产日期/样品批号", "生产日期（批号）样品批号", "抽样、生产日期/批号", "生产（加工）日期/批号",
        "标称生产日期/批号", "生产(加工/购进)", "批号或生产日期", "生产（加工/购进）日期/批号",
        "生产/加工/购进日期/食品批号", "购进日期/生产日期", "产品批号(生产日期)", "生产（购进）日期/批号",
        "生产/购进日期/批号", "批号/生产日期/失效日期", "生产日期及批号", "制作日期/批号", "生产日期批号购进日期",
        "生产日期（批号）", "产品批号/生产日期", "批次号或生产日期", "生产日期批号", "标示生产日期/样品批号",
        "生产（加工/购进）日期", "生产日期及批号、购进日期", "标示生产日期/生产批号", "购进/生产日期",
        "产品批次(生产日期)", "生产/期/批号", "生产/购进日期/样品批号", "加工、生产日期/批号", "生产日期/购进日期",
        "生产批次", "生产期或批号", "生产日期-批号", "生产日", "生产日期或批号", "采样、生产日期/批号",
        "生产/购进日期", "生产批号（生产日期）", "制作日期/生产批号", "批号/生产日期", "生产日期",
        "生产（购入）日期/批号", "生产日期（购进日期）", "生产/购进/加工日期", "生产期日-批号", "生产/购买日期",
        "购进、生产日期/批号", "购进日期/批次", "生产日期/制作日期/批号", "批号"),
    # sampled_location_name (only identifies a sample when there is no 抽样编号)
    "sampled_unit": (
        "被抽样单位名称", "被抽样单位名称（个人）", "被抽样信息", "抽样企业名称", "供样单位", "被抽样检验经营者",
        "被抽样检验单位名称", "被抽检", "商场超市名称", "被抽检单位", "标称购入单位名称", "被抽样单位（人）",
        "被检农贸市场及摊位号", "被抽样单名称", "经营者", "被抽样单位名单", "采样地", "受检单位及地区",
        "被抽检企业", "采样单位名称", "被抽样单位名称（经营者姓名）", "被抽检单位及地区", "被采样单位名称",
        "被检测单位", "被抽检方", "被抽检单位(人)", "被抽检者", "受检单位", "被抽样企业名称", "被抽样单位(受检企业)",
        "受检企业", "被采样单位", "被抽样单位企业名称", "采样场所名称", "被抽检人(单位)", "抽样地", "受抽单位",
        "被抽企业名称", "经销单位", "被抽样经营者名称", "被抽检单位（人）名称", "采样区域（企业/市场/餐饮）",
        "小作坊（被抽样单位）名称", "被抽样单位", "被抽查单位", "被抽样", "受检企业名称", "检品供样单位",
        "经销商名称（被抽样单位名称）", "被抽检人", "被抽检单位名称", "被抽样单位名称单位名称", "取样地点",
        "单位名称", "抽样点名称", "被抽样单位名称（或责任人）", "被检农贸市场及摊位", "被抽", "被抽样单位/个人",
        "采样场所/地址", "标称被抽样单位名称", "经销单位名称", "受检单位名称", "被抽检人（食品经营者）", "采样地点",
        "被抽单位/个人", "被抽样单位名称(自然人)", "集体用餐配送单位", "被抽样单位（人）名称", "被抽检单位/人",
        "抽样地点", "采样场所", "供应商"),
    # specifications_model (identifies a sample when there is no 抽样编号)
    "spec": ("规格型号", "型号规格等级", "包装/散装", "规格等级", "标称规格型号", "样品规格型号", "包装状态",
             "规格或包装规格", "包装分类", "规格(包装规格)", "检品规格", "定型包装/散装", "样品规格", "样品形态及包装",
             "規格", "产品规格", "包装/散装/现场制作", "规格或包装", "型号规格", "规格（包装规格）", "包装规格",
             "样品包装", "包装类别", "规格", "定型包装/散装/现场制作（保健食品填写批准文号）",
             "包装采购/散装采购/现场制作", "定型包装散装现场制作"),
    # the long export: one row per inspected item
    "item": ("检验项目", "检测项目", "项目名称", "所检项目", "检验检测项目", "测试项目", "检品项目", "抽检项目",
             "监测项目", "已检项目", "检测项名称", "检验项目明细"),
    "result": ("检验结果", "检测结果", "实测值", "检测值", "检出值", "检验值", "结果", "检验结果值", "测定值"),
    "unit": ("计量单位", "单位", "结果单位"),
    "standard": ("标准值", "标准限量", "限量值", "技术指标", "标准指标", "限值", "国家标准", "标准值(标注单位)",
                 "基准值", "最大允许限", "限量", "标准规定值（产品明示值）", "国标限量", "标准要求", "标准规定",
                 "食品安全国家标准要求", "最大残留限量", "技术要求"),
    "hazard_classes": ("检验项目类别", "检验项目分类", "项目类别", "风险类别"),
    "disposal_status": ("核查处置状态", "核查处置情况", "处置状态", "核查处置"),
}

# Spellings of tests/data/published_header_spellings.json deliberately not used, and why.
REJECTED_ALIASES: dict[str, str] = {
    **dict.fromkeys(("品牌", "品牌品名"), "a brand is not the producer"),
    **dict.fromkeys(("生产环节", "餐饮环节", "抽样环节（食用农产品/餐饮）", "检验目的大类", "检品检验类型",
                     "申证单元+单元补充内容", "样品属性"), "a sampling stage or purpose, not the field"),
    **dict.fromkeys(("产地及来源", "进货来源（农产品项）", "购进单位（由被抽样单位提供）", "经营企业名称",
                     "供样单位（受检单位）", "供样单位（受检单位)"), "the seller or supplier, not the producer"),
    **dict.fromkeys(("违法企业名称或违法自然人姓名",), "an enforcement notice, not a sampling table"),
    **dict.fromkeys(("被抽检单位（生产企业）",), "folds to 被抽检单位, the sampled unit's header"),
    **dict.fromkeys(("受检单位.1", "被抽检单位.1", "产品名称.1", "产品名称.2", "检验结果.1", "生产.1", "公告日期.1",
                     "技术要求.1", "不合格指标.1", "不合格指标.2", "检验项目.1"),
                    "a pandas de-duplication artefact, not a header"),
    **dict.fromkeys(("被抽目样单)位名称", "51组，", "生产(加工\r/购进)日\r期/批号", "('序号','被抽检人')", "项",
                     "承捡单位", "怀化市食品药品监督管理局一季度农产品抽检公示", "目"),
                    "garbled or a title, not a header"),
    **dict.fromkeys(("(公/母)蟹", "淀粉及淀粉制品", "粮食加工品", "山东/省抽"), "a value, not a header"),
    **dict.fromkeys(("明细类别", "名称"), "too vague to name the food"),
    **dict.fromkeys(("不合格产品信息",), "a sheet name (its verdict is used), not a column"),
    **dict.fromkeys(("不合格类别", "不合格指数", "检测值/标准值"), "does not name the failed items"),
    **dict.fromkeys(("内在质量", "合格率", "质量等级", "标签判定", "状态", "确认情况", "问题检出情况", "结果说明",
                     "评价", "合格", "检验", "检查结果", "复检情况", "复检结果"), "not the sample's verdict"),
    **dict.fromkeys(("实测值", "检测结果", "结果"), "a measured value (the long export's result), not a verdict"),
    **dict.fromkeys(("到样日期", "送样日期", "样品日期", "抽样日期/季度"), "not the sampling date"),
    **dict.fromkeys(("创建时间", "报告日期", "报告书日期", "检验报告日期", "检测报告完成时间", "报告签发时间"),
                    "a report date, not the notice date"),
    **dict.fromkeys(("样品批号", "生产批号", "种植环节序号", "出口食品序号", "检验报号编告", "公众号", "粮食序号",
                     "购进日期/批号", "养殖环节序号", "样品小类别"), "not a notice number"),
    **dict.fromkeys(("抽检单位", "抽送样单位", "区局", "抽样单位名称*", "监检单位名称", "被监测人", "委托单位",
                     "负责核查单位", "任务来源\u3000", "机构", "出厂检验方式", "备份位置", "任务名称", "抽样单位名称",
                     "实施主体", "组织机构", "分中心名称", "抽样部门", "机构名称", "组织抽检部门", "组织实施的区局",
                     "组织抽检单位", "抽样单位", "负责处置单位"), "the sampling or organising body, not the lab"),
    **dict.fromkeys(("单位地址", "标称企业名称", "供货商名称", "样品来源", "被抽检单位或商标"),
                    "not the sampled unit's name"),
    **dict.fromkeys(("抽样基数(kg)", "抽样数量(★必填)", "抽样数（kg）", "受检批数量", "抽样量"),
                    "a quantity, not the specification"),
}
# The JSON's categories and the published field each feeds (spellings moved to another field are in
# FIELD_ALIASES under that field; the test of the aliases checks every spelling lands somewhere).
CATEGORY_FIELDS = {
    "manufacturer_name": "producer", "food_name": "food_name", "product_classification": "food_category",
    "failing_results": "failed_items", "inspection_results": "verdict", "sampled_date": "sampling_date",
    "announcement_date": "notice_date", "notice_number": "notice_no",
    "task_source_or_project_name": "task_source", "testing_agency": "lab_name",
    "production_date": "production_batch", "sampled_location_name": "sampled_unit",
    "specifications_model": "spec",
}

# The clerk-facing name of a published field in messages.
FIELD_LABELS = {
    "producer": "标称生产企业名称", "sampling_date": "抽样日期", "notice_date": "公告日期",
    "task_source": "任务来源/项目名称", "verdict": "检验结论", "food_name": "食品名称", "item": "检验项目",
}


def _lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for fld, spellings in FIELD_ALIASES.items():
        for spelling in spellings:
            for form in header_forms(spelling):
                out.setdefault(form, fld)
    return out


LOOKUP = _lookup()

# ------------------------------------------------------------------ hazard classes
# (class, keywords): an item's class is the first whose keyword occurs in its name.
HAZARD_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("动物源性成分", ("源性成分", "动物源性", "物种鉴定")),
    ("致病性微生物", ("沙门氏菌", "李斯特", "金黄色葡萄球菌", "致泻大肠埃希氏菌", "O157", "副溶血性弧菌",
                    "志贺氏菌", "蜡样芽胞杆菌", "蜡样芽孢杆菌", "肉毒", "耶尔森", "弯曲菌", "克罗诺杆菌")),
    ("非食用物质", ("苏丹红", "罂粟", "吗啡", "可待因", "那可丁", "蒂巴因", "硼砂", "硼酸", "硼", "酸性橙",
                  "碱性橙", "碱性嫩黄", "王金黄", "块黄", "罗丹明", "玫瑰红B", "甲醛", "吊白块", "次硫酸氢钠",
                  "三聚氰胺", "溴酸钾", "荧光增白", "工业用", "非食用", "非法添加")),
    ("兽药残留", ("氯霉素", "甲砜霉素", "氟苯尼考", "恩诺沙星", "环丙沙星", "沙拉沙星", "氧氟沙星", "诺氟沙星",
                "培氟沙星", "洛美沙星", "达氟沙星", "沙星", "克伦特罗", "莱克多巴胺", "沙丁胺醇", "特布他林",
                "西马特罗", "磺胺", "呋喃唑酮", "呋喃它酮", "呋喃西林", "呋喃妥因", "硝基呋喃", "孔雀石绿",
                "地西泮", "甲硝唑", "地美硝唑", "金刚烷胺", "金刚乙胺", "土霉素", "四环素", "金霉素", "多西环素",
                "强力霉素", "氯丙嗪", "喹乙醇", "尼卡巴嗪", "林可霉素", "替米考星", "泰乐菌素", "地塞米松",
                "倍他米松", "甲氧苄啶", "氟虫腈", "兽药")),
    ("食品添加剂", ("亚硝酸", "硝酸盐", "苯甲酸", "山梨酸", "脱氢乙酸", "丙酸", "纳他霉素", "乳酸链球菌素",
                  "胭脂红", "诱惑红", "日落黄", "柠檬黄", "苋菜红", "亮蓝", "赤藓红", "新红", "酸性红", "糖精",
                  "甜蜜素", "环己基氨基磺酸", "安赛蜜", "阿斯巴甜", "三氯蔗糖", "磷酸盐", "二氧化硫", "亚硫酸",
                  "铝的残留量", "硫酸铝", "过氧化苯甲酰", "防腐剂", "着色剂", "甜味剂", "红曲红", "焦糖色",
                  "二氧化钛", "食品添加剂", "比例之和")),
)


def hazard_class(item: str) -> str:
    """The 检验项目类别 of one failed item's name (其他 when no keyword fits)."""
    name = fold(item)
    for cls, words in HAZARD_KEYWORDS:
        if any(w in name for w in words):
            return cls
    return "其他"


def hazard_classes(items: list[str]) -> str:
    """The classes of several items, each once, in the contract's order, joined by 、."""
    found = {hazard_class(_item_name(i)) for i in items} or {"其他"}
    return "、".join(c for c in HAZARD_CLASSES if c in found)


# ------------------------------------------------------------------ names
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "〈": "(", "〉": ")", "《": "(", "》": ")"})
_ENTRUSTED = re.compile(r"受托(?:方|生产企业|生产商|生产者|单位|企业)?(?:名称)?\s*[:：]\s*([^;；,，\n]+)")
_ENTRUSTED_AFTER = re.compile(r"([^;；,，\n:：)]+)\((?:受托方|受托生产企业|受托)\)")
_LABEL_PREFIX = re.compile(r"^(?:标称)?(?:生产(?:商|者|企业|单位)|制造商|厂家)(?:名称)?\s*[:：]\s*")


def normalise_name(text: Any) -> str:
    """An enterprise name as compared: NFKC (full-width brackets → half-width), every blank removed,
    〔〕【】[] folded to (), trailing punctuation dropped, case folded."""
    t = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    t = re.sub(r"\s+", "", t).strip("。.,，;；:：")
    return t.casefold()


def producer_part(text: str) -> str:
    """The producer named by a cell: the 受托方 of `委托方：…；受托方：…` (the one who made it),
    else the cell without a `生产商：` label."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    m = _ENTRUSTED.search(t) or _ENTRUSTED_AFTER.search(t)
    if m:
        return m.group(1).strip()
    return _LABEL_PREFIX.sub("", t).strip()


# ------------------------------------------------------------------ recognising a sheet
_SEPARATORS = ("║", "‖", "∥", "||", "∣", "|")
_COMBINED = re.compile(r"^不合格(?:项目|项)")
_ITEM_SPLIT = re.compile(r"[；;\n\r]+")
_PLACEHOLDERS = {"/", "／", "－", "—", "——", "-", "--", "无", "暂无", "不详", "\\", "、", "－－", "/ "}


@dataclass
class Sample:
    """One sample of a published sheet: its first Excel row, its cells, its item lines."""
    row: int
    cells: dict[str, Any]
    items: list[str] = field(default_factory=list)  # failed-item texts (公示表)
    lines: list[dict] = field(default_factory=list)  # item rows (long export)


@dataclass
class PublishedSheet:
    """What recognise() found; resolve() turns it into contract rows."""
    layout: str
    columns: dict[str, int]
    headers: dict[str, str]
    roles: list[str]  # the combined column's parts, e.g. ["item", "result", "standard"]
    separator: str | None
    sheet_verdict: str | None
    title_text: str
    samples: list[Sample]


def _text(value: Any) -> str | None:
    """A cell as stripped text; None when blank or a placeholder."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text or fold(text) in _PLACEHOLDERS:
        return None
    return text


def _combined_header(cell: str) -> tuple[str | None, list[str]] | None:
    """(separator, roles) when a header is the combined 不合格项目…检验结果…标准值 column."""
    text = fold(cell)
    if not _COMBINED.match(text):
        return None
    for sep in _SEPARATORS + ("/",):
        if sep in text:
            parts = [p for p in text.split(sep) if p]
            if len(parts) >= 2:
                return sep, [_role(p) for p in parts]
    if ":" in text and "(" in text:  # 不合格项目:检验结果(标准值)
        return ":", ["item", "result", "standard"]
    return None, ["item"]


def _role(part: str) -> str:
    if "标准" in part or "限" in part:
        return "standard"
    if "单位" in part:
        return "unit"
    if "项目" in part or part.startswith("不合格项"):
        return "item"
    return "result"


def match_columns(cells: list[Any]) -> tuple[dict[str, int], dict[str, str], tuple]:
    """field -> column of one candidate header row, the header texts, and the combined column's
    (separator, roles) if any. The first column naming a field wins."""
    columns, headers, combined = {}, {}, (None, ["item"])
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        shape = _combined_header(cell)
        fld = None
        if shape is not None and shape[0] is not None:
            fld, combined = "failed_items", shape
        else:
            fld = next((LOOKUP[f] for f in header_forms(cell) if f in LOOKUP), None)
        if fld and fld not in columns:
            columns[fld] = i
            headers[fld] = re.sub(r"\s+", "", cell.strip())
    return columns, headers, combined


_EVIDENCE = ("failed_items", "verdict", "notice_no", "notice_date", "task_source", "sample_no", "item",
             "sampling_date")


def _looks_published(columns: dict[str, int], sheet_verdict: str | None) -> bool:
    has_who = "producer" in columns or "credit_code" in columns
    return has_who and "food_name" in columns and (
        sheet_verdict is not None or any(f in columns for f in _EVIDENCE))


def _sheet_verdict(name: str) -> str | None:
    text = fold(name)
    if "不合格" in text:
        return "不合格"
    if "合格" in text:
        return "合格"
    return None


def find_published_header(rows: list[list[Any]], sheet_verdict: str | None):
    """(first data row index, header row index, columns, headers, combined) or None: a single header
    row, or a header split over two rows (Ningxia: `序` over `号`)."""
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for i in range(limit):
        columns, headers, combined = match_columns(rows[i])
        if _looks_published(columns, sheet_verdict):
            return i + 1, i, columns, headers, combined
    for i in range(limit - 1):
        top, bottom = rows[i], rows[i + 1]
        width = max(len(top), len(bottom))
        joined = [("".join(str(c) for c in (top[j] if j < len(top) else None,
                                             bottom[j] if j < len(bottom) else None) if isinstance(c, str)))
                  for j in range(width)]
        columns, headers, combined = match_columns(joined)
        if _looks_published(columns, sheet_verdict):
            return i + 2, i, columns, headers, combined
    return None


_PUBLISHED_ONLY = ("producer", "notice_no", "notice_date", "item")


def recognise(name: str, rows: list[list[Any]], *, contract_named: bool = False) -> RawSheet | None:
    """A published 公示表 or long export as a 监督抽检 RawSheet still to be resolved, else None.
    `contract_named`: the sheet is named 监督抽检 but lacks contract columns; it is taken as published
    only when it shows a published layout's own column (producer name, notice, item, combined column),
    otherwise the missing contract columns are what the clerk must hear about."""
    verdict = _sheet_verdict(name)
    found = find_published_header(rows, verdict)
    if found is None:
        return None
    start, header, columns, headers, (separator, roles) = found
    if contract_named and not (separator or any(f in columns for f in _PUBLISHED_ONLY)):
        return None
    long = "item" in columns and ("result" in columns or "verdict" in columns) and "failed_items" not in columns
    title = " ".join(str(c) for r in rows[:header] for c in r if isinstance(c, str) and c.strip())
    pub = PublishedSheet(LAYOUT_LONG if long else LAYOUT_NOTICE, columns, headers, roles, separator,
                         verdict, title, [])
    data = [(i + 1, r) for i, r in enumerate(rows) if i >= start
            and not all(is_blank(c) for c in r) and not is_total_row(r)]
    pub.samples = _long_samples(pub, data) if long else _notice_samples(pub, data)
    raw = RawSheet(name, SamplingSheet, header + 1)
    raw.layout, raw.pending = pub.layout, pub
    raw.source_columns, raw.headers = _source_columns(pub)
    return raw


def _cell(cells: list[Any], columns: dict[str, int], fld: str) -> Any:
    i = columns.get(fld)
    return cells[i] if i is not None and i < len(cells) else None


_SAMPLE_FIELDS = ("seq", "sample_no", "credit_code", "producer", "food_name", "food_category", "production_batch",
                  "sampling_date", "notice_date", "notice_no", "task_source", "verdict", "lab_name",
                  "sampled_unit", "spec", "hazard_classes", "disposal_status", "item")


def _notice_samples(pub: PublishedSheet, data) -> list[Sample]:
    """One sample per row; a row with blank 序号 (or blank producer and food) continues the one above."""
    out: list[Sample] = []
    cols = pub.columns
    for row, cells in data:
        values = {f: _cell(cells, cols, f) for f in _SAMPLE_FIELDS}
        failed = _text(_cell(cells, cols, "failed_items"))
        who = _text(values["producer"]) or _text(values["credit_code"])
        food = _text(values["food_name"])
        prev = out[-1].cells if out else {}
        same = who == (_text(prev.get("producer")) or _text(prev.get("credit_code"))) \
            and food in (None, _text(prev.get("food_name")))
        numbered = "seq" in cols and (_text(values["seq"]) is not None or _text(values["sample_no"]) is not None)
        continues = bool(out) and ((who is None and food is None)
                                   or ("seq" in cols and not numbered and (who is None or same)))
        if continues:
            sample = out[-1]
            for f, v in values.items():  # cells merged down give nothing; a filled one fills a gap
                if _text(sample.cells.get(f)) is None and _text(v) is not None:
                    sample.cells[f] = v
            if failed:
                sample.items.append(failed)
            continue
        out.append(Sample(row, values, [failed] if failed else []))
    return out


def _long_samples(pub: PublishedSheet, data) -> list[Sample]:
    """Item rows grouped by 抽样编号 (else by consecutive rows naming the same producer, food, batch)."""
    out: list[Sample] = []
    by_key: dict[str, Sample] = {}
    cols = pub.columns
    for row, cells in data:
        values = {f: _cell(cells, cols, f) for f in _SAMPLE_FIELDS}
        line = {f: _text(_cell(cells, cols, f)) for f in ("item", "result", "unit", "standard", "verdict")}
        key = _text(values["sample_no"])
        ident = tuple(_text(values[f]) for f in ("producer", "credit_code", "food_name", "production_batch"))
        if key is None and out and (not any(ident) or ident == out[-1].cells.get("_ident")):
            sample = out[-1]
        elif key is not None and key in by_key:
            sample = by_key[key]
        else:
            sample = Sample(row, {**values, "_ident": ident})
            out.append(sample)
            if key is not None:
                by_key[key] = sample
        for f, v in values.items():
            if _text(sample.cells.get(f)) is None and _text(v) is not None:
                sample.cells[f] = v
        if line["item"]:
            sample.lines.append(line)
    return out


def _source_columns(pub: PublishedSheet) -> tuple[dict[str, int], dict[str, str]]:
    """Contract field -> the clerk's column (and its header) that feeds it, for messages and the
    annotated copy."""
    feeds = {
        "sample_no": ("sample_no", "notice_no", "seq"), "credit_code": ("credit_code", "producer"),
        "food_name": ("food_name",), "food_category": ("food_category",),
        "production_batch": ("production_batch",), "sampling_date": ("sampling_date", "notice_date"),
        "task_source": ("task_source",), "hazard_classes": ("hazard_classes", "failed_items", "item"),
        "verdict": ("verdict", "failed_items"), "failed_items": ("failed_items", "item"),
        "lab_name": ("lab_name",), "disposal_status": ("disposal_status",),
    }
    columns, headers = {}, {}
    for contract, sources in feeds.items():
        src = next((s for s in sources if s in pub.columns), None)
        if src is not None:
            columns[contract] = pub.columns[src]
            headers[contract] = pub.headers[src]
    return columns, headers


# ------------------------------------------------------------------ resolving against the database
@dataclass
class Registry:
    """What the database (and the workbook's own 企业名录) says about producers and the county."""
    by_name: dict[str, set[str]]  # normalised name -> credit codes
    county_words: tuple[str, ...]  # names meaning 县抽 (the root unit, its sub-bureaus)
    disposal: dict[str, str]  # sample_no -> stored 核查处置状态


def load_registry(conn: Connection, book: RawWorkbook, sample_nos: set[str]) -> Registry:
    """Every enterprise name (database and this workbook's 企业名录), the county's unit names and
    the stored disposal status of the samples named."""
    by_name: dict[str, set[str]] = {}
    for code, name in conn.execute(select(Enterprise.credit_code, Enterprise.name)):
        by_name.setdefault(normalise_name(name), set()).add(code)
    for raw in book.sheets:
        if raw.model is EnterpriseSheet and not raw.missing:
            ci, ni = raw.columns.get("credit_code"), raw.columns.get("name")
            for _, cells in raw.rows:
                code = _text(cells[ci]) if ci is not None and ci < len(cells) else None
                name = _text(cells[ni]) if ni is not None and ni < len(cells) else None
                if code and name:
                    by_name.setdefault(normalise_name(name), set()).add(fold(code).upper())
    words = []
    for unit_name, short, parent in conn.execute(select(OrgUnit.name, OrgUnit.short_name, OrgUnit.parent_id)):
        if parent is None:
            stem = re.sub(r"(市场监督管理局|市场监管局|市场监督管理分局)$", "", unit_name)
            words += [unit_name, stem, re.sub(r"[市县区]$", "", stem)]
        else:
            words.append(unit_name)
    disposal = {}
    ordered = sorted(sample_nos)
    for i in range(0, len(ordered), 1000):
        stmt = select(Sampling.sample_no, Sampling.disposal_status).where(Sampling.sample_no.in_(ordered[i:i + 1000]))
        disposal.update({r.sample_no: r.disposal_status for r in conn.execute(stmt) if r.disposal_status})
    return Registry(by_name, tuple(w for w in dict.fromkeys(words) if len(w) >= 2), disposal)


def task_source(text: str | None, county_words: tuple[str, ...]) -> str | None:
    """国抽/省抽/市抽/县抽/风险监测 from a 任务来源/项目名称 text, None when it says none of them."""
    if not text:
        return None
    t = fold(text)
    for value in ("国抽", "省抽", "市抽", "县抽", "风险监测"):
        if value in t:
            return value
    if "监测" in t and "监督" not in t:
        return "风险监测"
    if "国家" in t or "总局" in t:
        return "国抽"
    if any(w in t for w in county_words):
        return "县抽"
    if "省" in t:
        return "省抽"
    bare = t.replace("市场", "")
    if "市" in bare:
        return "市抽"
    if "县" in bare or "区" in bare:
        return "县抽"
    return None


def resolve(conn: Connection, book: RawWorkbook) -> None:
    """Turn every published sheet of the workbook into contract rows (raw.rows / raw.columns), with
    the errors only the registry can tell (unmatched producers) in raw.pre_errors."""
    pending = [raw for raw in book.sheets if getattr(raw, "pending", None) is not None]
    if not pending:
        return
    names = set()
    drafts = {}
    for raw in pending:
        drafts[raw.name] = [(s, _sample_no(raw.pending, s)) for s in raw.pending.samples]
        names.update(no for _, no in drafts[raw.name] if no)
    registry = load_registry(conn, book, names)
    fields = list(SamplingSheet.fields())
    for raw in pending:
        pub: PublishedSheet = raw.pending
        raw.columns = {f: i for i, f in enumerate(fields)}
        raw.rows = []
        _sheet_errors(raw, pub, registry)
        for sample, sample_no in drafts[raw.name]:
            values = _contract_values(raw, pub, sample, sample_no, registry)
            raw.rows.append((sample.row, [values.get(f) for f in fields]))
        raw.pending = None


def _error(raw: RawSheet, row: int | None, fld: str | None, message: str, value: Any = None,
           column: str | None = None) -> None:
    col = column or (raw.headers.get(fld) if fld else None)
    if col is None and fld:
        col = SamplingSheet.fields()[fld]["zh"]
    shown = None if value is None else str(value)
    raw.pre_errors.append({"sheet": raw.name, "row": row, "column": col, "message": message,
                           "value": shown if shown is None or len(shown) <= 100 else shown[:100] + "…"})
    if fld and row is not None:
        raw.pre_bad.add((row, fld))


def _sheet_errors(raw: RawSheet, pub: PublishedSheet, registry: Registry) -> None:
    """Whole-sheet problems, reported on the header row."""
    cols = pub.columns
    if "sampling_date" not in cols and "notice_date" not in cols:
        _error(raw, raw.header_row, None, "缺少“抽样日期”列（也可用“公告日期”）：无法确定抽样日期，请补充该列",
               column="抽样日期")
        for s in pub.samples:
            raw.pre_bad.add((s.row, "sampling_date"))
    if "task_source" not in cols and task_source(pub.title_text, registry.county_words) is None:
        _error(raw, raw.header_row, None,
               "缺少“任务来源/项目名称”列，标题中也看不出任务来源：请加一列“任务来源”（国抽/省抽/市抽/县抽/风险监测）",
               column="任务来源")
        for s in pub.samples:
            raw.pre_bad.add((s.row, "task_source"))
    if pub.layout == LAYOUT_LONG and "verdict" not in cols:
        _error(raw, raw.header_row, None,
               "抽检系统导出表缺少判定列（单项判定/结果判定/检验结论）：无法判断每个样品是否合格，请补充该列",
               column="检验结论")
        for s in pub.samples:
            raw.pre_bad.add((s.row, "verdict"))


def _sample_no(pub: PublishedSheet, s: Sample) -> str | None:
    """The sample's key: its 抽样编号, else 公告号-合格|不合格-序号, else a hash of what identifies it."""
    own = _text(s.cells.get("sample_no"))
    if own:
        return fold(own)
    verdict = _verdict_of(pub, s)[0]
    notice, seq = _text(s.cells.get("notice_no")), _text(s.cells.get("seq"))
    if notice and seq:
        return f"{fold(notice)}-{verdict or '样品'}-{fold(seq)}"
    parts = [_text(s.cells.get(f)) or "" for f in ("credit_code", "producer", "food_name", "production_batch",
                                                 "sampled_unit", "spec", "sampling_date", "notice_date")]
    parts.append(verdict or "")
    digest = hashlib.sha1("\x1f".join(fold(str(p)) for p in parts).encode("utf-8")).hexdigest()
    return f"GS-{digest[:12].upper()}"


_PASS_WORDS = {"合格", "符合", "合格品", "符合要求", "符合规定", "未检出", "阴性"}
_FAIL_WORDS = {"不合格", "不符合", "不合格品", "不符合要求", "不符合规定", "问题样品", "超标", "检出"}


def _verdict_word(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    t = re.sub(r"\s+", "", fold(text))
    if t in _FAIL_WORDS or t.startswith("不合格") or t.startswith("不符合"):
        return "不合格"
    if t in _PASS_WORDS:
        return "合格"
    return text


def _verdict_of(pub: PublishedSheet, s: Sample) -> tuple[str | None, list[str]]:
    """(检验结论 or the raw word to be reported, the failed items as written)."""
    if pub.layout == LAYOUT_LONG:
        words = [_verdict_word(line["verdict"]) for line in s.lines]
        failed = [_long_item(line) for line, w in zip(s.lines, words) if w == "不合格"]
        if failed or "不合格" in words:
            return "不合格", failed
        odd = next((w for w in words if w not in (None, "合格")), None)
        if odd:
            return odd, []
        return ("合格" if "合格" in words else _verdict_word(s.cells.get("verdict"))), []
    items = [i for text in s.items for i in _split_items(text)]
    if pub.sheet_verdict:
        return pub.sheet_verdict, items if pub.sheet_verdict == "不合格" else []
    stated = _verdict_word(s.cells.get("verdict"))
    if stated is not None:
        return stated, items if stated == "不合格" else []
    return ("不合格" if items else "合格"), items


def _tested(pub: PublishedSheet, s: Sample) -> list[str]:
    """The items a sample was tested for, as its table names them (a 合格 sample's 检验项目 column,
    the long export's item rows): its classes, not 其他, feed the pass rate by hazard class."""
    if pub.layout == LAYOUT_LONG:
        return [line["item"] for line in s.lines if line.get("item")]
    texts = [*s.items, *([str(s.cells["item"])] if _text(s.cells.get("item")) is not None else [])]
    return [i for text in texts for part in _TESTED_SPLIT.split(text) for i in _split_items(part)]


_TESTED_SPLIT = re.compile(r"[、，,；;\n]")  # a list of tested items: 氯霉素、沙门氏菌


def _split_items(text: str) -> list[str]:
    return [t.strip() for t in _ITEM_SPLIT.split(str(text)) if t.strip() and fold(t.strip()) not in _PLACEHOLDERS]


def _has_unit(text: str) -> bool:
    return bool(re.search(r"[A-Za-zμµ%‰个/]", text))


def _with_unit(value: str, unit: str | None) -> str:
    if unit and value and re.search(r"\d", value) and not _has_unit(value):
        return value + unit
    return value


def _item_name(item: str) -> str:
    return re.split(r"║", item, maxsplit=1)[0]


def _long_item(line: dict) -> str:
    unit = line.get("unit")
    return "║".join([line["item"] or "", _with_unit(line.get("result") or "", unit),
                     _with_unit(line.get("standard") or "", unit)])


def normalise_item(text: str, separator: str | None, roles: list[str]) -> str:
    """One failed item in the contract's `项目║检验结果║标准值` form."""
    t = unicodedata.normalize("NFKC", text).strip() if separator is None else text.strip()
    sep = separator if separator and separator != ":" and separator in text else None
    if sep is None:
        sep = next((s for s in ("║", "‖", "∥", "||", "∣", "|") if s in text), None)
        if sep is not None and separator is None:
            roles = ["item", "result", "unit", "standard"] if len(text.split(sep)) == 4 else ["item", "result", "standard"]
    if separator == ":" and sep is None:  # 不合格项目:检验结果(标准值)
        m = re.match(r"^(.+?)[:：](.+?)(?:[(（](.+)[)）])?$", t)
        if m:
            return "║".join([m.group(1).strip(), m.group(2).strip(), (m.group(3) or "").strip()])
        return t
    if sep is None:
        return t
    if sep == "/":
        name, _, rest = t.partition("/")
        return "║".join([name.strip(), rest.strip(), ""])
    parts = [p.strip() for p in text.split(sep)]
    if len(roles) < len(parts):
        roles = roles + ["result"] * (len(parts) - len(roles))
    got = {"item": "", "result": "", "unit": "", "standard": ""}
    for role, part in zip(roles, parts):
        got[role] = (got[role] + part) if role == "result" and got[role] else (got[role] or part)
    unit = got["unit"] or None
    return "║".join([got["item"], _with_unit(got["result"], unit), _with_unit(got["standard"], unit)])


def _contract_values(raw: RawSheet, pub: PublishedSheet, s: Sample, sample_no: str | None,
                     registry: Registry) -> dict[str, Any]:
    """The contract's 监督抽检 cells of one sample (raw values the parsers then type and check)."""
    cells = s.cells
    out: dict[str, Any] = {"sample_no": sample_no}
    if sample_no and len(sample_no) > 64:
        _error(raw, s.row, "sample_no", "抽样单编号超过 64 个字符", sample_no)
    out["credit_code"] = _producer_code(raw, s, registry)
    out["food_name"] = cells.get("food_name")
    out["food_category"] = cells.get("food_category") if "food_category" in pub.columns else NO_CATEGORY
    out["production_batch"] = cells.get("production_batch")
    out["sampling_date"] = cells.get("sampling_date") if _text(cells.get("sampling_date")) is not None \
        or isinstance(cells.get("sampling_date"), (date, datetime)) else cells.get("notice_date")
    text = _text(cells.get("task_source")) if "task_source" in pub.columns else pub.title_text
    out["task_source"] = task_source(text, registry.county_words) or text
    verdict, items = _verdict_of(pub, s)
    out["verdict"] = verdict
    failed = [normalise_item(i, pub.separator, pub.roles) for i in items] if pub.layout == LAYOUT_NOTICE else items
    out["failed_items"] = "；".join(failed) if verdict == "不合格" and failed else None
    stated = _text(cells.get("hazard_classes"))
    out["hazard_classes"] = stated or hazard_classes(failed if verdict == "不合格" and failed else _tested(pub, s))
    out["lab_name"] = cells.get("lab_name")
    disposal = _text(cells.get("disposal_status"))
    if disposal is None and verdict == "不合格":
        disposal = registry.disposal.get(sample_no or "", "未处置")
    out["disposal_status"] = disposal
    for fld, limit in (("food_name", 200), ("food_category", 100), ("production_batch", 100), ("lab_name", 200)):
        value = _text(out[fld])
        if value is not None and len(value) > limit:
            _error(raw, s.row, fld, f"内容超过 {limit} 个字符（{len(value)} 个）", value)
    return out


def _producer_code(raw: RawSheet, s: Sample, registry: Registry) -> Any:
    """The sample's credit code: stated, or its producer's name matched to exactly one enterprise."""
    stated = s.cells.get("credit_code")
    if _text(stated) is not None:
        return stated
    if "producer" not in raw.pending.columns:
        return None
    written = _text(s.cells.get("producer"))
    if written is None:
        _error(raw, s.row, "credit_code", "标称生产企业名称为空：无法确定是哪家企业的样品")
        return None
    name = producer_part(written)
    codes = registry.by_name.get(normalise_name(name), set())
    if len(codes) == 1:
        return next(iter(codes))
    if codes:
        _error(raw, s.row, "credit_code",
               f"企业名录中有 {len(codes)} 家企业名为“{name}”（{'、'.join(sorted(codes))}）："
               "请在表中加一列“统一社会信用代码”注明是哪一家", written)
    else:
        part = f"（按受托方“{name}”比对）" if name != written.strip() else ""
        _error(raw, s.row, "credit_code",
               f"标称生产企业“{name}”不在企业名录中{part}：请核对企业名称（已忽略空格和全/半角括号），"
               "或先在“企业名录”中登记该企业；不属于本辖区的样品请从表中删去", written)
    return None


def clerk_columns(raw: RawSheet, errors: list[dict]) -> None:
    """Errors about a published sheet name the clerk's own column (公告日期, 标称生产企业名称 …),
    not the contract field it fed."""
    if getattr(raw, "layout", LAYOUT_CONTRACT) in (LAYOUT_CONTRACT, None):
        return
    by_zh = {meta["zh"]: raw.headers.get(f, f"{meta['zh']}（表中无此列）")
             for f, meta in SamplingSheet.fields().items()}
    for e in errors:
        if e.get("sheet") == raw.name and e.get("column") in by_zh:
            e["column"] = by_zh[e["column"]]
