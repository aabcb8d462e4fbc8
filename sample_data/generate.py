"""示例县：东台市 12 个分局 × 2023年3—11月的肉制品提升行动月报工作簿（共 108 个）。

The sample county: one monthly workbook per sub-bureau and month, written the way county clerks
write them (title row, 填报单位 row, text dates, √/×, 合计 rows, unit-suffixed headers…) but always
valid per docs/data-contract.md. Deterministic: everything comes from random.Random(seed)
in a fixed order, and nothing depends on today's date.

    python sample_data/generate.py [--out DIR] [--scale N] [--seed S]

`generate(out_dir, scale=N)` multiplies the enterprises (and so the records) of every unit by N;
the planted stories (a failed batch, an expired certificate…) are planted N times.
See sample_data/README.md for what is in the county.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from dashboard.campaign import load_campaign  # noqa: E402
from dashboard.credit import ALPHABET, make_credit_code  # noqa: E402
from dashboard.importer.schemas import SHEET_BY_NAME  # noqa: E402
from dashboard.workbook import SheetData, write_workbook  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "workbooks"
MONTHS = tuple(f"2023-{m:02d}" for m in range(3, 12))
CAMPAIGN_END = date(2023, 11, 30)
CATEGORIES = ("酱卤肉制品", "熏烧烤肉制品", "肉灌制品", "腌腊肉制品", "发酵肉制品", "预制调理肉制品")
CATEGORY_WEIGHTS = (30, 15, 18, 20, 3, 14)
FOODS = {
    "酱卤肉制品": ("酱牛肉", "卤猪蹄", "盐水鸭", "酱鸭", "卤猪头肉", "五香牛肉", "卤鸡爪"),
    "熏烧烤肉制品": ("烤鸭", "叉烧肉", "烤乳猪", "熏鸡", "烧鹅"),
    "肉灌制品": ("火腿肠", "香肠", "红肠", "蒜味肠"),
    "腌腊肉制品": ("咸肉", "腊肠", "风鹅", "板鸭", "酱肉"),
    "发酵肉制品": ("发酵香肠", "萨拉米"),
    "预制调理肉制品": ("调理牛排", "狮子头", "调理肉串", "蟹粉肉圆", "小酥肉"),
}
LABS = ("东台市检验检测中心", "盐城市产品质量监督检验所", "江苏省食品药品监督检验研究院",
        "谱尼测试集团江苏有限公司", "江苏国测检测技术有限公司")
TASKS = (("县抽", 50), ("市抽", 24), ("省抽", 16), ("国抽", 5), ("风险监测", 5))
SAMPLE_PREFIX = {"国抽": "GC23320000", "省抽": "DBJ23320000", "市抽": "SBJ23320900",
                 "县抽": "XBJ23320981", "风险监测": "FXJC23320981"}
PROBLEMS = ("原料冷库温度记录不全", "生产车间防蝇防虫设施破损", "进货查验记录不完整",
            "食品添加剂使用台账未及时登记", "从业人员健康证明过期", "出厂检验记录缺失",
            "产品标签标识不规范", "虫害控制记录缺失", "清洗消毒记录不全", "生熟加工区域未有效分隔",
            "成品留样记录不完整", "更衣室洗手消毒设施损坏", "腌制间地面积水", "冷藏车辆温控记录缺失")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟陆汪范金石夏顾毛邵钱严戴孔汤缪仲"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春梅海燕文斌新宇俊峰鹏辉林琳凤云雪晓东亮浩宏健波颖婷晨阳荣庆祥坤"
TRADE = "海鸿富康金裕华永隆顺瑞德恒新嘉旺万益天福聚味润盛祥和泰源丰达兴安乐美佳宏运昌鑫"
ROADS = {"": ("海陵路", "望海路", "范公路", "新东路", "东进路", "北海路", "红兰路", "鼓楼路"),
         "开发区": ("金海路", "鸿达路", "纬一路", "经五路", "华夏路", "振东路")}
VILLAGES = ("新街", "双楼", "东灶", "北港", "红星", "永丰", "联合", "五一", "曙光", "富民")
SHEET_TITLES = {"企业名录": "肉制品生产企业名录", "企业自查": "肉制品生产企业食品安全自查情况表",
                "主体责任": "肉制品生产企业“三类人、三件事、三本账”落实情况表",
                "管理体系": "规上肉制品生产企业质量管理体系建立情况表", "供应商评价": "原料供应商检查评价情况表",
                "食安员抽考": "食品安全管理人员监督抽查考核情况表", "监督检查": "肉制品生产企业监督检查情况表",
                "问题整改": "肉制品生产企业问题隐患整改台账", "监督抽检": "肉制品生产企业监督抽检情况表",
                "包保督导": "“两个责任”包保督导情况表", "星级评比": "肉制品生产企业星级评比情况表",
                "违法案件": "肉制品违法案件查办情况表", "检查清单": "食品小作坊规范提升检查清单",
                "风险排查": "肉制品生产企业第三方风险排查情况表", "工作任务": "肉制品质量安全提升行动工作任务推进表"}
HEADER_SUFFIX = {"罚没金额": "（元）", "成绩": "（分）", "考核得分": "（分）", "评价供应商数": "（家）",
                 "不合格供应商数": "（家）", "自查项目数": "（项）"}
OMITTABLE = {"count_items", "lab_name", "credit_grade", "address", "inspectors", "source_no",
             "production_batch", "is_passed"}
KEPT = {("违法案件", "source_no")}  # a case's 来源编号 is written even by clerks who drop optional columns
# How a unit names itself in the 填报单位 row (the 工作任务 sheet needs it: its rows belong to the unit);
# two units write their full name, the importer reads the unit from its ending.
UNIT_LABELS = {"DT02": "东台市市场监督管理局开发区分局", "DT07": "东台市市场监督管理局溱东分局"}


@dataclass(frozen=True)
class Profile:
    """How a sub-bureau looks: its size, its clerk's habits and the story it tells."""
    size: int
    town: str  # 镇 (empty for 城区; 开发区 for the development zone)
    dates: str  # excel | iso | slash | cn | compact
    yesno: str = "是否"  # 是否 or √×
    traits: tuple[str, ...] = ()
    style: tuple[str, ...] = ()  # 标题 合计 序号 月份后缀 单位后缀 全角 省略可选列


PROFILES = {
    "DT01": Profile(27, "", "excel", traits=("renewal",), style=("标题", "合计")),
    "DT02": Profile(26, "开发区", "excel", traits=("large", "cert_expires", "monitoring_fail"),
                    style=("标题", "月份后缀")),
    "DT03": Profile(20, "安丰镇", "cn", traits=("no_trace",), style=("标题", "合计", "单位后缀")),
    "DT04": Profile(16, "富安镇", "slash", traits=("stops",), style=("标题", "月份后缀", "全角")),
    "DT05": Profile(12, "时堰镇", "iso", traits=("deregistered", "idle"), style=("标题", "合计")),
    "DT06": Profile(12, "梁垛镇", "excel", "√×", traits=("overdue",), style=("标题", "单位后缀")),
    "DT07": Profile(11, "溱东镇", "cn", traits=("self_lag",), style=("标题", "月份后缀")),
    "DT08": Profile(10, "五烈镇", "compact", style=("标题", "合计", "全角")),
    "DT09": Profile(10, "南沈灶镇", "slash", traits=("three_lag", "idle"), style=("标题", "省略可选列")),
    "DT10": Profile(10, "唐洋镇", "excel", traits=("supplier_lag",), style=("月份后缀", "单位后缀")),
    "DT11": Profile(13, "三仓镇", "iso", "√×", traits=("exam_lag", "idle"), style=("标题", "省略可选列", "合计")),
    "DT12": Profile(12, "头灶镇", "cn", traits=("no_phase1_sampling", "visit_lag"), style=("标题", "月份后缀")),
}

# Failed batches: unit, month, food, category, hazard classes, 不合格项目, task, case (type, fine, police).
FAILURES = (
    ("DT03", "2023-06", "酱牛肉", "酱卤肉制品", "兽药残留、食品添加剂", "氯霉素║0.52μg/kg║不得检出", "县抽",
     ("生产经营兽药残留超标的肉制品（氯霉素）", None, True)),
    # 罂粟壳 in a braised product, and no case by the campaign's end (the meeting view's exception)
    ("DT03", "2023-09", "卤猪蹄", "酱卤肉制品", "非食用物质", "罂粟碱║检出║不得检出；吗啡║检出║不得检出", "市抽", None),
    ("DT08", "2023-05", "火腿肠", "肉灌制品", "食品添加剂、致病性微生物",
     "亚硝酸盐(以亚硝酸钠计)║56mg/kg║≤30mg/kg；山梨酸及其钾盐(以山梨酸计)║0.11g/kg║≤0.075g/kg", "县抽",
     ("超范围超限量使用食品添加剂", 52000, False)),
    ("DT08", "2023-07", "卤猪头肉", "酱卤肉制品", "致病性微生物", "菌落总数║2.3×10⁵CFU/g║n=5,c=2,m=10⁴,M=10⁵CFU/g",
     "省抽", None),
    ("DT01", "2023-07", "调理牛排", "预制调理肉制品", "致病性微生物", "单核细胞增生李斯特氏菌║检出║0/25g", "市抽",
     ("生产不符合食品安全标准的食品", 8000, False)),
    ("DT05", "2023-08", "腊肠", "腌腊肉制品", "食品添加剂", "苯甲酸及其钠盐(以苯甲酸计)║0.086g/kg║不得使用", "县抽",
     ("超范围超限量使用食品添加剂", 15000, False)),
    ("DT06", "2023-06", "烤鸭", "熏烧烤肉制品", "致病性微生物", "大肠菌群║1.8×10³CFU/g║n=5,c=2,m=10,M=10³CFU/g",
     "县抽", None),
    ("DT09", "2023-08", "咸肉", "腌腊肉制品", "其他", "过氧化值(以脂肪计)║0.82g/100g║≤0.5g/100g", "市抽", None),
    ("DT11", "2023-05", "叉烧肉", "熏烧烤肉制品", "食品添加剂", "胭脂红║0.021g/kg║不得使用", "县抽",
     ("超范围超限量使用食品添加剂", 20000, False)),
    ("DT04", "2023-10", "红肠", "肉灌制品", "动物源性成分", "鸭源性成分║检出║不得检出（标签标示为纯猪肉）", "省抽", None),
    ("DT02", "2023-06", "小酥肉", "预制调理肉制品", "致病性微生物", "沙门氏菌║检出║0/25g", "风险监测", None),
)
LATE_UPLOADS = {("DT05", "2023-04"), ("DT05", "2023-06"), ("DT05", "2023-07"), ("DT05", "2023-09"),
                ("DT09", "2023-08"), ("DT11", "2023-05")}


# ------------------------------------------------------------------ the county model
@dataclass
class Ent:
    """An enterprise of the sample county."""
    code: str
    name: str
    unit: str
    small: bool  # 小作坊: no SC licence
    license_no: str | None
    is_large: bool
    risk: str
    credit_grade: str | None
    categories: list[str]
    cadre: str
    cadre_level: str
    address: str
    status: str = "在产"  # status in March
    stop_month: str | None = None  # registry update to 停产 in this month
    people: list[tuple[str, str]] = field(default_factory=list)  # (姓名, 岗位)

    def active(self, month: str) -> bool:
        """In production during `month`."""
        return self.status == "在产" and (self.stop_month is None or month < self.stop_month)


@dataclass
class Problem:
    """A problem on the rectification ledger."""
    no: str
    ent: Ent
    source: str
    source_no: str | None
    description: str
    found: date
    deadline: date
    closed: date | None


@dataclass
class County:
    """Every record, by (month, unit code) and sheet name, plus the problem ledger."""
    rng: random.Random
    scale: int
    units: list[tuple[str, str]]
    ents: dict[str, list[Ent]] = field(default_factory=dict)
    book: dict[tuple[str, str], dict[str, list[dict]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    # The campaign's work beyond the nine targets (风险排查, 工作任务, 2022 star ratings) draws from
    # its own generator, so the rows every other step draws stay exactly as they were.
    work: random.Random = field(default_factory=lambda: random.Random("2023-work"))

    def add(self, month: str, unit: str, sheet: str, row: dict) -> None:
        self.book.setdefault((month, unit), {}).setdefault(sheet, []).append(row)

    def next(self, counter: str) -> int:
        self.seq[counter] = self.seq.get(counter, 0) + 1
        return self.seq[counter]

    def active(self, unit: str, month: str) -> list[Ent]:
        return [e for e in self.ents[unit] if e.active(month)]


def month_days(month: str) -> tuple[date, date]:
    """First and last day of 'YYYY-MM'."""
    y, m = int(month[:4]), int(month[5:])
    first = date(y, m, 1)
    return first, (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1))


def day_in(rng: random.Random, month: str, lo: int = 1, hi: int = 31) -> date:
    first, last = month_days(month)
    return first.replace(day=rng.randint(lo, min(hi, last.day)))


def month_of(d: date) -> str:
    return f"{d.year}-{d.month:02d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def upload_time(month: str, unit: str) -> datetime:
    """When a unit's monthly workbook was filled in and uploaded: the 2nd–4th of the following
    month during office hours, or the 8th–12th for a late one (LATE_UPLOADS)."""
    rng = random.Random(f"upload-{month}-{unit}")
    _, last = month_days(month)
    lo, hi = (8, 12) if (unit, month) in LATE_UPLOADS else (2, 4)
    day = last + timedelta(days=rng.randint(lo, hi))
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))


# ------------------------------------------------------------------ enterprises
def make_code(county: County, company: bool) -> str:
    rng = county.rng
    while True:
        head = "91320981" + "".join(rng.choice(ALPHABET) for _ in range(9)) if company else \
            "92320981MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
        code = make_credit_code(head)
        if code not in county.used:
            county.used.add(code)
            return code


def make_name(county: County, prof: Profile, kind: str) -> str:
    rng, town = county.rng, prof.town if prof.town not in ("", "开发区") else ""
    for attempt in range(200):
        trade = "".join(rng.sample(TRADE, 2 if attempt < 100 else 3))
        if kind == "workshop":
            name = f"东台市{town or '东台镇'}{rng.choice(SURNAMES)}记{rng.choice(('卤菜加工小作坊', '熟食小作坊', '腊味小作坊'))}"
        elif kind == "individual":
            name = f"东台市{town or '东台镇'}{trade}肉制品加工厂"
        elif prof.town == "开发区":
            name = rng.choice((f"江苏{trade}食品科技有限公司", f"东台市{trade}食品有限公司"))
        elif town:
            name = rng.choice((f"东台市{town}{trade}肉制品厂", f"东台市{trade}食品有限公司"))
        else:
            name = rng.choice((f"东台市{trade}食品有限公司", f"东台市{trade}肉制品有限公司"))
        if name not in county.used:
            county.used.add(name)
            return name
    raise RuntimeError("ran out of enterprise names")


def make_address(rng: random.Random, prof: Profile) -> str:
    if prof.town == "":
        return f"东台市{rng.choice(ROADS[''])}{rng.randint(1, 399)}号"
    if prof.town == "开发区":
        return f"东台经济开发区{rng.choice(ROADS['开发区'])}{rng.randint(1, 199)}号"
    return f"东台市{prof.town}{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组"


def make_enterprise(county: County, code: str, prof: Profile, cadres: dict[str, list[str]]) -> Ent:
    rng = county.rng
    kind = rng.choices(("company", "individual", "workshop"), (75, 15, 10))[0]
    large_share = {"": 0.5, "开发区": 0.6}.get(prof.town, 0.25)
    is_large = kind == "company" and rng.random() < large_share
    risk = rng.choices("ABCD", (30, 45, 20, 5) if kind != "workshop" else (5, 40, 45, 10))[0]
    level = "A级" if risk in "CD" or is_large else rng.choice(("B级", "C级"))
    cats = sorted(set(rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=rng.choice((1, 1, 2)))), key=CATEGORIES.index)
    ent = Ent(make_code(county, kind == "company"), make_name(county, prof, kind), code, kind == "workshop",
              None if kind == "workshop" else f"SC104320981{rng.randint(0, 99999):05d}", is_large, risk,
              rng.choice(("A", "A", "B", "B", "B", "C", None)), cats, rng.choice(cadres[level]), level,
              make_address(rng, prof))
    posts = ["主要负责人", "食品安全员"] + (["食品安全总监"] if is_large or rng.random() < 0.3 else [])
    while len({n for n, _ in ent.people}) < len(posts):
        ent.people = [(person_name(rng), post) for post in posts]
    return ent


def make_enterprises(county: County) -> None:
    """~180 enterprises (× scale), unevenly spread; a few idle, one deregistered, one stopping."""
    rng = county.rng
    county_cadres = [person_name(rng) for _ in range(6)]
    for code, _ in county.units:
        prof = PROFILES[code]
        cadres = {"A级": county_cadres, "B级": [person_name(rng) for _ in range(3)],
                  "C级": [person_name(rng) for _ in range(4)]}
        ents = [make_enterprise(county, code, prof, cadres) for _ in range(prof.size * county.scale)]
        if not any(e.is_large for e in ents):  # every unit has at least one 规上 enterprise
            first = next(e for e in ents if e.code.startswith("91"))
            first.is_large, first.cadre_level, first.cadre = True, "A级", rng.choice(county_cadres)
            first.people = first.people[:2] + [(person_name(rng), "食品安全总监")]
        idle = ents[-county.scale:] if "idle" in prof.traits else []
        for e in idle:
            e.status = "停产"
        if "deregistered" in prof.traits:
            ents[-county.scale - 1].status = "注销"
        if "stops" in prof.traits:
            for e in ents[-county.scale:]:
                e.stop_month = "2023-07"
        county.ents[code] = ents


def registry_row(e: Ent, unit_name: str, status: str) -> dict:
    return {"credit_code": e.code, "name": e.name, "unit": unit_name, "license_no": e.license_no,
            "is_large": e.is_large, "risk_grade": e.risk, "credit_grade": e.credit_grade,
            "product_category": "、".join(e.categories), "cadre_name": e.cadre, "status": status,
            "address": e.address, "subject_type": "小作坊" if e.small else "生产企业"}


def sheet_registry(county: County) -> None:
    """企业名录 in every unit's March workbook; a status change re-listed in its month."""
    for code, name in county.units:
        for e in county.ents[code]:
            county.add(MONTHS[0], code, "企业名录", registry_row(e, name, e.status))
            if e.stop_month:
                county.add(e.stop_month, code, "企业名录", registry_row(e, name, "停产"))


def laggards(county: County, unit: str, on: bool, share: float) -> set[str]:
    """The enterprises of a lagging unit that never do a thing (about `share` of them)."""
    if not on:
        return set()
    pool = [e for e in county.ents[unit] if e.status == "在产" and not e.stop_month]
    return {e.code for e in county.rng.sample(pool, max(county.scale, round(share * len(pool))))}


def months_active(e: Ent, months=MONTHS) -> list[str]:
    return [m for m in months if e.active(m)]


# ------------------------------------------------------------------ monthly sheets
def sheet_self_inspection(county: County) -> None:
    """企业自查: most enterprises every month; 溱东分局 lags (a fifth never, the rest often skip)."""
    rng = county.rng
    for code, _ in county.units:
        lag = "self_lag" in PROFILES[code].traits
        never = laggards(county, code, lag, 0.2)
        for i, month in enumerate(MONTHS):
            chance = 0.85 if lag else (0.75 if i == 0 else 0.93)
            for e in county.active(code, month):
                if e.code in never or rng.random() > chance:
                    continue
                county.add(month, code, "企业自查", {
                    "credit_code": e.code, "inspection_date": day_in(rng, month, 3, 28),
                    "count_items": rng.choice((20, 25, 30, 36, 42)),
                    "count_problems": rng.choices(range(4), (60, 25, 10, 5))[0],
                    "is_report_submitted": rng.random() < 0.96})


LAPSE = (0.3, 0.2, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02)  # a 三件事/三本账 item missed, by month
RESPONSIBILITY_ITEMS = [f for f, m in SHEET_BY_NAME["主体责任"].fields().items() if m["kind"] == "yesno"]


def sheet_responsibility(county: County) -> None:
    """主体责任: one row per active enterprise per month; lapses fade; 南沈灶分局's weak workshops
    have no 食品安全总监 and no 周排查报告 all year."""
    rng = county.rng
    for code, _ in county.units:
        weak = laggards(county, code, "three_lag" in PROFILES[code].traits, 0.3)
        for i, month in enumerate(MONTHS):
            for e in county.active(code, month):
                row = {"credit_code": e.code, "month_date": month_days(month)[0],
                       **{f: True for f in RESPONSIBILITY_ITEMS}}
                if e.code in weak:
                    row["has_safety_director"] = row["has_weekly_report"] = False
                if rng.random() < LAPSE[i]:
                    row[rng.choice(RESPONSIBILITY_ITEMS[3:])] = False
                county.add(month, code, "主体责任", row)


def cert_no(rng: random.Random, kind: str, est: date) -> str | None:
    if kind == "智能化追溯体系":
        return None
    letter = {"HACCP": "H", "ISO22000": "F"}.get(kind, "Q")
    return f"{rng.choice(('CQM', 'CQC', 'ZGC', 'HMC'))}{est.year % 100}{letter}{rng.randint(1, 99999):05d}R0S"


def add_system(county: County, e: Ent, kind: str, est: date, valid: date | None = None, month: str | None = None):
    """A 管理体系 row: in March when it existed before the campaign, else in its month."""
    if kind in ("HACCP", "ISO22000", "其他") and valid is None:
        valid = est.replace(year=est.year + 3) - timedelta(days=1)
    month = month or max(MONTHS[0], month_of(est))
    county.add(month, e.unit, "管理体系", {"credit_code": e.code, "system_type": kind,
                                        "certificate_no": cert_no(county.rng, kind, est),
                                        "established_date": est, "valid_until_date": valid})


def old_date(rng: random.Random) -> date:
    return date(rng.choice((2021, 2022)), rng.randint(1, 12), rng.randint(1, 28))


def plan_systems(county: County, e: Ent) -> None:
    """A 规上 enterprise's systems: most in place before the campaign, the rest built Jun–Oct."""
    rng = county.rng
    has_haccp, has_iso = rng.random() < 0.75, rng.random() < 0.35
    if has_haccp:
        add_system(county, e, "HACCP", old_date(rng))
    if has_iso:
        add_system(county, e, "ISO22000", old_date(rng))
    if not (has_haccp or has_iso):
        add_system(county, e, "HACCP", day_in(rng, rng.choice(MONTHS[3:7]), 1, 28))
    trace = old_date(rng) if rng.random() < 0.8 else day_in(rng, rng.choice(MONTHS[3:8]), 1, 28)
    add_system(county, e, "智能化追溯体系", trace)


def plant_system_story(county: County, e: Ent, traits: tuple[str, ...]) -> None:
    """开发区: a HACCP certificate expires on 2023-08-31 and is not renewed; 城区: one expires on
    2023-06-30 and is renewed in July (a re-upload of the same key); 安丰: no traceability system."""
    rng = county.rng
    if "cert_expires" in traits:
        add_system(county, e, "HACCP", date(2020, 9, 1), date(2023, 8, 31))
    elif "renewal" in traits:
        add_system(county, e, "HACCP", date(2020, 7, 1), date(2023, 6, 30))
        add_system(county, e, "HACCP", date(2023, 7, 5), date(2026, 7, 4))
    else:
        add_system(county, e, "HACCP", old_date(rng))
        return
    add_system(county, e, "智能化追溯体系", old_date(rng))


def sheet_systems(county: County) -> None:
    """管理体系 of the 规上 enterprises, plus a few smaller ones with HACCP or 其他."""
    rng = county.rng
    for code, _ in county.units:
        traits = PROFILES[code].traits
        large = [e for e in county.ents[code] if e.is_large and e.status == "在产" and not e.stop_month]
        story = large[:county.scale] if {"cert_expires", "renewal", "no_trace"} & set(traits) else []
        for e in large:
            if e in story:
                plant_system_story(county, e, traits)
            else:
                plan_systems(county, e)
        for e in county.ents[code]:
            if not e.is_large and not e.small and e.status == "在产" and rng.random() < 0.1:
                add_system(county, e, rng.choice(("HACCP", "其他")), old_date(rng))


def sheet_suppliers(county: County) -> None:
    """供应商评价: a first evaluation Mar–Jun, often a second Aug–Oct; 唐洋分局 lags."""
    rng = county.rng
    for code, _ in county.units:
        never = laggards(county, code, "supplier_lag" in PROFILES[code].traits, 0.3)
        for e in county.ents[code]:
            if e.code in never or e.status != "在产":
                continue
            months = [rng.choice(MONTHS[0:4])] + ([rng.choice(MONTHS[5:8])] if rng.random() < 0.7 else [])
            for month in (m for m in months if e.active(m)):
                n = rng.randint(2, 6) if e.small else rng.randint(4, 18)
                county.add(month, code, "供应商评价", {
                    "credit_code": e.code, "evaluation_date": day_in(rng, month, 1, 28), "count_suppliers": n,
                    "count_unqualified": rng.choices((0, 1, 2), (85, 12, 3))[0] if n > 2 else 0})


def exam_row(rng: random.Random, e: Ent, person: tuple[str, str], day: date, passed: bool) -> dict:
    score = rng.randint(62, 99) + rng.choice((0, 0, 0.5)) if passed else rng.randint(38, 59)
    return {"credit_code": e.code, "person_name": person[0], "post": person[1], "exam_date": day,
            "score": score, "is_passed": None if rng.random() < 0.2 else score >= 60}


def sheet_exams(county: County) -> None:
    """食安员抽考 May–Aug; a few fail and pass a re-exam weeks later; 三仓分局 lags (a quarter of
    its enterprises never examined, failures mostly not re-examined)."""
    rng = county.rng
    for code, _ in county.units:
        lag = "exam_lag" in PROFILES[code].traits
        never = laggards(county, code, lag, 0.25)
        for e in county.ents[code]:
            months = months_active(e, MONTHS[2:6])
            if e.code in never or not months:
                continue
            for person in e.people:
                if person[1] != "食品安全员" and rng.random() < 0.3:
                    continue
                day = day_in(rng, rng.choice(months), 3, 28)
                stuck = lag and county.next("stuck" + code) <= county.scale  # fails, never re-examined
                passed = not stuck and rng.random() > (0.15 if lag else 0.06)
                county.add(month_of(day), code, "食安员抽考", exam_row(rng, e, person, day, passed))
                again = day + timedelta(days=rng.randint(14, 35))
                if not passed and not stuck and rng.random() < (0.3 if lag else 0.9) and e.active(month_of(again)):
                    county.add(month_of(again), code, "食安员抽考", exam_row(rng, e, person, again, True))


# ------------------------------------------------------------------ inspections and problems
INSPECTIONS = {"A": (1, 2), "B": (2, 3), "C": (3, 4), "D": (4, 5)}


def closure(rng: random.Random, found: date, deadline: date, overdue_unit: bool) -> date | None:
    """When a problem is rectified: mostly on time, some late; in 梁垛分局 some never."""
    r = rng.random()
    if overdue_unit and r < 0.25:
        return None
    if r < (0.45 if overdue_unit else 0.08):
        closed = deadline + timedelta(days=rng.randint(3, 30))
    else:
        room = (min(deadline, CAMPAIGN_END) - found).days
        closed = found + timedelta(days=rng.randint(2, max(2, room)))
    return closed if closed <= CAMPAIGN_END else None


def add_problem(county: County, e: Ent, source: str, source_no: str | None, text: str, found: date,
                days: int) -> None:
    overdue_unit = source == "监督检查" and "overdue" in PROFILES[e.unit].traits
    deadline = found + timedelta(days=days)
    no = f"ZG{e.unit}-2023-{county.next('problem' + e.unit):04d}"
    county.problems.append(Problem(no, e, source, source_no, text, found, deadline,
                                   closure(county.rng, found, deadline, overdue_unit)))


def inspection_type(rng: random.Random, e: Ent, month: str) -> str:
    if e.risk == "D" and rng.random() < 0.5:
        return "飞行检查"
    if "2023-05" <= month <= "2023-08" and rng.random() < 0.4:
        return "专项检查"
    return rng.choices(("日常检查", "双随机检查", "交叉检查"), (75, 18, 7))[0]


def inspect(county: County, e: Ent, month: str, staff: list[str]) -> None:
    rng = county.rng
    day = day_in(rng, month, 2, 20 if month == MONTHS[-1] else 28)
    no = f"JC{e.unit}{month.replace('-', '')}{county.next('jc' + e.unit + month):03d}"
    k = rng.choices(range(4), (45, 30, 15, 10))[0]
    result = "符合" if k == 0 else ("不符合" if k == 3 and rng.random() < 0.5 else "基本符合")
    county.add(month, e.unit, "监督检查", {
        "inspection_no": no, "credit_code": e.code, "inspection_date": day,
        "inspection_type": inspection_type(rng, e, month), "inspectors": "、".join(rng.sample(staff, 2)),
        "count_problems": k, "result": result})
    for text in rng.sample(PROBLEMS, k):
        add_problem(county, e, "监督检查", no, text, day, rng.choice((15, 30)))


def sheet_inspections(county: County) -> None:
    """监督检查 by risk grade (D: 4–5 a year, A: 1–2), each problem onto the 问题整改 ledger."""
    rng = county.rng
    for code, _ in county.units:
        staff = [person_name(rng) for _ in range(5)]
        for e in county.ents[code]:
            months = months_active(e)
            for month in sorted(rng.sample(months, min(len(months), rng.randint(*INSPECTIONS[e.risk])))):
                inspect(county, e, month, staff)


def sheet_risk_screening(county: County) -> None:
    """部署推动阶段: third-party 风险排查 of every enterprise; half get 1–2 problems (30 days)."""
    rng = county.rng
    for code, _ in county.units:
        for e in county.active(code, MONTHS[0]):
            if rng.random() < 0.5:
                day = day_in(rng, rng.choice(MONTHS[:2]), 5, 28)
                for text in rng.sample(PROBLEMS, rng.randint(1, 2)):
                    add_problem(county, e, "风险排查", None, text, day, 30)


def sheet_visits(county: County) -> None:
    """包保督导: every enterprise 1–3 visits by its cadre; 头灶分局 lags (a fifth never visited)."""
    rng = county.rng
    for code, _ in county.units:
        never = laggards(county, code, "visit_lag" in PROFILES[code].traits, 0.2)
        for e in county.ents[code]:
            months = months_active(e)
            if e.code in never or not months:
                continue
            for month in sorted(rng.sample(months, min(len(months), rng.choice((1, 2, 2, 3))))):
                day, k = day_in(rng, month, 1, 28), rng.choices(range(3), (65, 25, 10))[0]
                county.add(month, code, "包保督导", {"credit_code": e.code, "visit_date": day, "cadre_name": e.cadre,
                                                 "cadre_level": e.cadre_level, "count_problems": k})
                if k and rng.random() < 0.6:
                    add_problem(county, e, "包保督导", None, rng.choice(PROBLEMS), day, 30)


def sheet_complaints(county: County) -> None:
    """A few 投诉举报 problems across the county."""
    rng = county.rng
    for code, _ in rng.sample(county.units, 3):
        for e in rng.sample(county.active(code, "2023-07"), county.scale):
            add_problem(county, e, "投诉举报", None, "消费者投诉产品异味，经核查冷链贮存温度超标",
                        day_in(rng, rng.choice(MONTHS[3:8]), 1, 28), 15)


def ledger_row(p: Problem, month: str) -> dict:
    """A problem as the month's ledger shows it at the month's end."""
    last = month_days(month)[1]
    done = p.closed is not None and p.closed <= last
    status = "已整改" if done else ("未整改" if last > p.deadline else "整改中")
    return {"problem_no": p.no, "credit_code": p.ent.code, "source": p.source, "source_no": p.source_no,
            "description": p.description, "found_date": p.found, "deadline_date": p.deadline,
            "closed_date": p.closed if done else None, "review_result": status}


def sheet_problems(county: County) -> None:
    """问题整改 ledger: each month re-lists every problem open during it (the newer upload of the
    same 问题编号 replaces the older record), so closures arrive with later months."""
    for p in sorted(county.problems, key=lambda p: (p.found, p.no)):
        for month in MONTHS:
            first, last = month_days(month)
            if p.found <= last and (p.closed is None or p.closed >= first):
                county.add(month, p.ent.unit, "问题整改", ledger_row(p, month))


# ------------------------------------------------------------------ sampling
BATCHES = (0.3, 0.4, 1.5, 1.5, 1.2, 1.0, 0.6, 0.5, 0.4)  # batches per enterprise per month
HAZARDS = ("兽药残留", "致病性微生物", "食品添加剂", "非食用物质", "动物源性成分")


def sample_row(county: County, e: Ent, month: str) -> dict:
    rng = county.rng
    cat = rng.choice(e.categories)
    day = day_in(rng, month, 2, 28)
    made = day - timedelta(days=rng.randint(1, 20))
    hazards = sorted(rng.sample(HAZARDS[:4], rng.randint(1, 3)) + (["动物源性成分"] if rng.random() < 0.1 else []),
                     key=HAZARDS.index)
    return {"sample_no": None, "credit_code": e.code, "food_name": rng.choice(FOODS[cat]), "food_category": cat,
            "production_batch": rng.choice((f"{made:%Y-%m-%d}", f"{made:%Y%m%d}", f"批号：{made:%y%m%d}")),
            "sampling_date": day, "task_source": rng.choices(*zip(*TASKS))[0], "hazard_classes": "、".join(hazards),
            "verdict": "合格", "failed_items": None, "lab_name": rng.choice(LABS), "disposal_status": None}


def plant_failure(county: County, rows: list[dict], spec: tuple) -> None:
    """Turn one batch of the month into the planted failure; its problem and case follow."""
    rng, (_, month, food, cat, hazards, items, task, case) = county.rng, spec
    pool = [r for r in rows if r["verdict"] == "合格"]
    row = rng.choice([r for r in pool if r["food_category"] == cat] or pool)
    row.update(food_name=food, food_category=cat, hazard_classes=hazards, verdict="不合格", failed_items=items,
               task_source=task, disposal_status="未处置" if row["sampling_date"].day > 20 else "处置中")
    e = next(x for x in county.ents[spec[0]] if x.code == row["credit_code"])
    found = row["sampling_date"] + timedelta(days=12)
    add_problem(county, e, "监督抽检", row["sample_no"], f"{food}监督抽检不合格：{items.split('║')[0]}", found, 15)
    next_month = month_of(month_days(month)[1] + timedelta(days=1))
    if next_month in MONTHS:  # disposal completed: the next month's workbook re-lists the batch
        county.add(next_month, spec[0], "监督抽检", {**row, "disposal_status": "已完成"})
    if case:
        add_case(county, e, found + timedelta(days=rng.randint(5, 20)), *case, source_no=row["sample_no"])


def sheet_sampling(county: County) -> None:
    """监督抽检: ~1 batch per enterprise per month in 深入推进阶段, fewer before and after;
    头灶分局 samples nothing in 部署推动阶段; FAILURES are planted (× scale)."""
    rng = county.rng
    for code, _ in county.units:
        for i, month in enumerate(MONTHS):
            if "no_phase1_sampling" in PROFILES[code].traits and month < "2023-05":
                continue
            rows = [sample_row(county, e, month) for e in county.active(code, month)
                    for _ in range(int(BATCHES[i]) + (rng.random() < BATCHES[i] % 1))]
            rows.sort(key=lambda r: r["sampling_date"])
            for r in rows:
                r["sample_no"] = f"{SAMPLE_PREFIX[r['task_source']]}{county.next(r['task_source']):06d}"
            for spec in (s for s in FAILURES if s[:2] == (code, month)):
                for _ in range(county.scale):
                    plant_failure(county, rows, spec)
            for r in rows:
                county.add(month, code, "监督抽检", r)


# ------------------------------------------------------------------ ratings and cases
def star(score: float) -> str:
    return "三星级" if score >= 90 else "二星级" if score >= 80 else "一星级" if score >= 70 else "未评上"


def sheet_stars(county: County) -> None:
    """星级评比 (整改提升阶段): most 规上 enterprises and a few others apply; results Oct/Nov."""
    rng = county.rng
    for code, _ in county.units:
        for e in county.active(code, "2023-10"):
            if rng.random() < (0.7 if e.is_large else 0.2):
                score = round(min(98.0, max(55.0, rng.gauss(82, 7))), 1)
                county.add(rng.choice(("2023-10", "2023-10", "2023-11")), code, "星级评比",
                           {"credit_code": e.code, "year": 2023, "score": score, "star": star(score)})


def add_case(county: County, e: Ent, filed: date, kind: str, fine: int | None, police: bool,
             source_no: str | None = None) -> None:
    """A 违法案件; `source_no` (来源编号) is the 抽样单编号 of the failed batch that led to it."""
    filed = min(filed, CAMPAIGN_END)
    county.add(month_of(filed), e.unit, "违法案件", {
        "case_no": f"东市监案〔2023〕{100 + county.next('case')}号", "credit_code": e.code, "filed_date": filed,
        "violation_type": kind, "fine_amount": fine, "is_transferred_police": police, "source_no": source_no})


EXTRA_CASES = (("DT06", "2023-08", "采购使用无检疫合格证明的肉类加工食品", 30000, False),
               ("DT12", "2023-09", "生产标签不符合规定的肉制品", 3000, False))


def sheet_cases(county: County) -> None:
    """违法案件 beyond those that follow failed batches."""
    rng = county.rng
    for code, month, kind, fine, police in EXTRA_CASES:
        for e in rng.sample(county.active(code, month), county.scale):
            add_case(county, e, day_in(rng, month, 1, 28), kind, fine, police)


# ------------------------------------------------------------------ writing, clerk style
FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def fmt_date(d: date, style: str) -> date | str:
    if style == "excel":
        return d
    return {"iso": f"{d:%Y-%m-%d}", "slash": f"{d.year}/{d.month}/{d.day}",
            "cn": f"{d.year}年{d.month}月{d.day}日", "compact": f"{d:%Y%m%d}"}[style]


def fmt(value, kind: str, prof: Profile):
    """A typed value as this unit's clerk writes it."""
    if value is None:
        return None
    if kind == "date":
        return fmt_date(value, prof.dates)
    if kind == "month":  # 'YYYY-MM', or a date in the month
        return fmt_date(value, prof.dates) if prof.dates in ("excel", "cn") else f"{value:%Y-%m}"
    if kind == "yesno":
        return ("√" if value else "×") if prof.yesno == "√×" else ("是" if value else "否")
    return value


def header(zh: str, prof: Profile, first: bool) -> str:
    """The contract header with this clerk's habits: unit suffix, full-width characters, a stray blank."""
    if "单位后缀" in prof.style and zh in HEADER_SUFFIX:
        zh += HEADER_SUFFIX[zh]
    if "全角" in prof.style:
        zh = zh.translate(FULLWIDTH) + (" " if first else "")
    return zh


def sheet_data(sheet: str, rows: list[dict], unit: tuple[str, str], month: str) -> SheetData:
    """One sheet: headers from the schema (never a second copy of the column list)."""
    prof, mon = PROFILES[unit[0]], int(month[5:])
    fields = [(f, m) for f, m in SHEET_BY_NAME[sheet].fields().items()
              if not ("省略可选列" in prof.style and f in OMITTABLE and (sheet, f) not in KEPT)
              and not m["reference"]]
    dated = [f for f, m in fields if m["kind"] in ("date", "month")][:1]
    rows = sorted(rows, key=lambda r: r[dated[0]]) if dated else rows
    titled = "标题" in prof.style
    return SheetData(
        headers=[header(m["zh"], prof, i == 0) for i, (_, m) in enumerate(fields)],
        rows=[[fmt(r.get(f), m["kind"], prof) for f, m in fields] for r in rows],
        name=f"{sheet}({mon}月)" if "月份后缀" in prof.style else sheet,
        title=f"东台市{SHEET_TITLES[sheet]}（2023年{mon}月）" if titled else None,
        unit_name=UNIT_LABELS.get(unit[0], unit[1]) if sheet == "工作任务" else unit[1] if titled else None,
        report_date=upload_time(month, unit[0]).date() if titled else None,
        total_row="合计" in prof.style and sheet != "企业名录")


def write_unit_month(out_dir: Path, county: County, unit: tuple[str, str], month: str) -> Path:
    sheets = county.book.get((month, unit[0]), {})
    path = out_dir / f"{month}_{unit[0]}_{unit[1]}.xlsx"
    write_workbook(path, [sheet_data(name, sheets[name], unit, month)
                          for name in SHEET_BY_NAME if sheets.get(name)])
    return path


WORKSHOP_ITEMS = ("原辅料进货查验", "生产场所清洁", "成品存放规范")


def sheet_checklists(county: County) -> None:
    """检查清单: the 小作坊 of the county, checked Sep–Nov on three items (no Dongtai target reads
    it). Last of the steps, so the records drawn before it stay as they were."""
    rng = county.rng
    for code, _ in county.units:
        for e in (e for e in county.ents[code] if e.small):
            for month in months_active(e, MONTHS[6:]):
                day = day_in(rng, month, 5, 25)
                for item in WORKSHOP_ITEMS:
                    county.add(month, code, "检查清单", {"credit_code": e.code, "checklist": "小作坊规范提升",
                                                       "check_date": day, "item": item,
                                                       "is_done": rng.random() < 0.85})


# ------------------------------------------------------------------ the campaign's work (own generator)
AGENCIES = ("江苏安信食品安全技术服务有限公司", "盐城市食品安全技术服务中心", "南京中认华安风险管理咨询有限公司")
# 风险排查: who is screened late (May–June) or never, and whose screening left no 一企一策 plan.
SCREENING_LATE = {"DT12": 3, "DT05": 1}
SCREENING_NEVER = {"DT10": 2, "DT11": 1}
SCREENING_NO_PLAN = {"DT06": 2, "DT09": 1, "DT03": 1}


def sheet_screenings(county: County) -> None:
    """风险排查 (部署推动阶段): every enterprise in production in March screened by a third party in
    March–April, on the day its 风险排查 problems were found (their count is its 发现隐患数), else on
    a day of its own with none found; a few screened late or never, a few left without a 一企一策
    plan (the 风险排查 target's missing firms)."""
    rng = county.work
    found: dict[str, list[date]] = {}
    for p in county.problems:
        if p.source == "风险排查":
            found.setdefault(p.ent.code, []).append(p.found)
    for code, _ in county.units:
        ents = county.active(code, MONTHS[0])
        quiet = [e for e in ents if e.code not in found and not e.stop_month]
        picked = rng.sample(quiet, min(len(quiet), (SCREENING_LATE.get(code, 0) + SCREENING_NEVER.get(code, 0))
                                       * county.scale))
        late = {e.code for e in picked[:SCREENING_LATE.get(code, 0) * county.scale]}
        never = {e.code for e in picked[len(late):]}
        screened = [e for e in ents if e.code not in never]
        no_plan = {e.code for e in rng.sample(screened, SCREENING_NO_PLAN.get(code, 0) * county.scale)}
        agency = rng.choice(AGENCIES)
        for e in screened:
            days = found.get(e.code)
            if days:
                day, hazards = min(days), len(days)
            else:
                day = day_in(rng, rng.choice(MONTHS[2:4] if e.code in late else MONTHS[:2]), 5, 28)
                hazards = 0
            county.add(month_of(day), code, "风险排查", {
                "credit_code": e.code, "screening_date": day, "agency": agency, "count_hazards": hazards,
                "has_plan": e.code not in no_plan})


WORK_ITEMS = (  # (细化措施, 完成期限) — the plan's §四 asks each 分局 to refine its measures
    ("制定本单位肉制品质量安全提升行动细化方案，明确责任人和时间节点", date(2023, 3, 20)),
    ("召开辖区肉制品生产企业动员部署会，签订质量安全承诺书", date(2023, 3, 31)),
    ("配合第三方机构完成辖区企业风险排查，建立“一户一档”隐患清单", date(2023, 4, 30)),
    ("督促存在隐患的企业制定“一企一策”整改方案", date(2023, 4, 30)),
    ("督促企业落实“三类人、三件事、三本账”，每月核查一次", date(2023, 6, 30)),
    ("按风险等级完成辖区企业监督检查，C、D级企业开展飞行检查", date(2023, 8, 31)),
    ("督促规上企业建立HACCP或ISO22000体系及智能化追溯体系", date(2023, 8, 31)),
    ("组织辖区企业食品安全管理人员监督抽考", date(2023, 7, 31)),
    ("组织辖区企业参加星级评比，推荐示范企业", date(2023, 10, 31)),
    ("开展问题隐患整改“回头看”，逾期问题逐一销号", date(2023, 11, 20)),
)
EVIDENCE = ("细化方案文件", "会议纪要及签到表", "隐患清单及整改方案", "检查记录汇总表", "工作台账", "情况报告")
# 工作任务: 三仓分局 uploads its list only in June (none by the end of 部署推动阶段); 头灶分局 never does.
TASKS_FROM = {"DT11": "2023-06"}
TASKS_NEVER = {"DT12"}


@dataclass
class Task:
    """A unit's work item: when it starts and when (if ever) it is done."""
    no: str
    content: str
    owner: str
    due: date
    start: date
    done: date | None


def unit_tasks(rng: random.Random, unit: str) -> list[Task]:
    """8–10 of the work items, each started before its deadline; most done on time, some late
    (overdue for a while), a few never (overdue at the campaign's end); 梁垛分局 lags."""
    items = sorted(rng.sample(WORK_ITEMS, rng.randint(8, 10)), key=lambda i: i[1])
    owners = [person_name(rng) for _ in range(3)]
    never_share, late_share = (0.25, 0.35) if unit == "DT06" else (0.08, 0.15)
    out = []
    for i, (content, due) in enumerate(items, 1):
        start = max(date(2023, 3, 6), due - timedelta(days=rng.randint(20, 60)))
        r = rng.random()
        if r < never_share and due > date(2023, 4, 30):
            done = None
        elif r < never_share + late_share:
            done = due + timedelta(days=rng.randint(5, 40))
        else:
            done = due - timedelta(days=rng.randint(0, max(0, (due - start).days - 1)))
        out.append(Task(f"RW{i:02d}", content, rng.choice(owners), due, start,
                        done if done is None or done <= CAMPAIGN_END else None))
    return out


def sheet_work_tasks(county: County) -> None:
    """工作任务: each 分局's list of refined measures, re-listed every month from its first upload
    with the status at the month's end (the newer row of the same 任务编号 replaces the older), a
    task leaving the list the month after it is done."""
    rng = county.work
    for code, _ in county.units:
        if code in TASKS_NEVER:
            continue
        tasks = unit_tasks(rng, code)
        for month in MONTHS:
            if month < TASKS_FROM.get(code, MONTHS[0]):
                continue
            first, last = month_days(month)
            for t in tasks:
                if t.done is not None and t.done < first and month != TASKS_FROM.get(code, MONTHS[0]):
                    continue
                done = t.done is not None and t.done <= last
                status = "已完成" if done else "进行中" if t.start <= last else "未开始"
                county.add(month, code, "工作任务", {
                    "task_no": t.no, "content": t.content, "owner_name": t.owner, "due_date": t.due,
                    "status": status, "done_date": t.done if done else None,
                    "evidence": rng.choice(EVIDENCE) if done else None})


# 飞行检查 / 交叉检查 after a failed batch (the risk_followup target): the failures of August and
# later get one within weeks, except 安丰分局's 罂粟壳 batch of September (no follow-up, no case); the
# earlier ones get none. Only failures from August on, so no record of 深入推进阶段 (to 08-31) moves.
FOLLOW_UPS = {("DT05", "2023-08"): ("飞行检查", 31), ("DT09", "2023-08"): ("交叉检查", 24),
              ("DT04", "2023-10"): ("飞行检查", 13)}


def sheet_follow_ups(county: County) -> None:
    """监督检查 rows following failed batches (FOLLOW_UPS), no problems found."""
    rng = county.work
    for (unit, month), (kind, after) in FOLLOW_UPS.items():
        failed = [r for r in county.book.get((month, unit), {}).get("监督抽检", []) if r["verdict"] == "不合格"]
        for r in failed:
            day = min(r["sampling_date"] + timedelta(days=after), CAMPAIGN_END)
            at = month_of(day)
            county.add(at, unit, "监督检查", {
                "inspection_no": f"JC{unit}{at.replace('-', '')}{county.next('jc' + unit + at):03d}",
                "credit_code": r["credit_code"], "inspection_date": day, "inspection_type": kind,
                "inspectors": "、".join(person_name(rng) for _ in range(2)), "count_problems": 0, "result": "符合"})


def sheet_stars_2022(county: County) -> None:
    """星级评比 of 2022, listed in March: most enterprises rated 三星级 in 2023 were already
    三星级 in 2022 (示范企业: two years running), others applied in 2022 with other results."""
    rng = county.work
    rated_2023 = {r["credit_code"]: r["star"] for rows in county.book.values() for r in rows.get("星级评比", [])}
    for code, _ in county.units:
        for e in county.active(code, MONTHS[0]):
            star_2023 = rated_2023.get(e.code)
            if star_2023 == "三星级" and rng.random() < 0.7:
                score = round(rng.uniform(90, 97), 1)
            elif rng.random() < (0.5 if e.is_large else 0.12):
                score = round(min(89.5, max(55.0, rng.gauss(80, 7))), 1)
            else:
                continue
            county.add(MONTHS[0], code, "星级评比", {"credit_code": e.code, "year": 2022, "score": score,
                                                   "star": star(score)})


# The office's (办公室) status of the campaign file's own work items, as it would mark them on the
# 工作任务台账 page: fixed data (no draw from either Random, so no workbook row moves), recorded by
# the demo builder through dashboard.work_status. Most were done on time; 风险排查 finished late (4
# firms were screened only in May–June); two stay open past their deadline, matching the records
# (头灶分局 never sent its 细化措施; 梁垛分局's overdue problems are still open); 全面完成目标任务 is
# still 进行中 on the campaign's last day, its deadline (not yet overdue then).
# (item code, status, 完成日期, 备注, the day the office marked it)
OFFICE_STATUSES = (
    ("p1_plan", "已完成", date(2023, 4, 3), "东市监〔2023〕21号印发", date(2023, 4, 3)),
    ("p1_unit_measures", "进行中", None, "一个分局6月才上报细化措施，另一个分局仍未上报", date(2023, 6, 12)),
    ("p1_meeting", "已完成", date(2023, 4, 18), "召开肉制品生产企业质量提升推进会", date(2023, 4, 18)),
    ("p1_risk_screening", "已完成", date(2023, 6, 28), "4家企业迟至5—6月完成第三方排查", date(2023, 6, 28)),
    ("p2_inspection", "已完成", date(2023, 8, 31), None, date(2023, 8, 31)),
    ("p2_rectification", "进行中", None, "个别分局仍有逾期未整改问题", date(2023, 9, 4)),
    ("p2_cadres", "已完成", date(2023, 8, 25), None, date(2023, 8, 25)),
    ("p2_sampling", "已完成", date(2023, 8, 30), "全覆盖监督抽检计划已完成", date(2023, 8, 30)),
    ("p2_training", "已完成", date(2023, 8, 18), "培训考核已完成，不合格人员补考", date(2023, 8, 18)),
    ("p2_standards", "已完成", date(2023, 8, 29), None, date(2023, 8, 29)),
    ("p3_targets", "进行中", None, None, date(2023, 11, 20)),
    ("p3_stars", "已完成", date(2023, 11, 17), "星级评比结果已公布，示范企业授牌", date(2023, 11, 17)),
    ("p3_brands", "已完成", date(2023, 11, 24), None, date(2023, 11, 24)),
    ("p3_mechanism", "已完成", date(2023, 11, 28), "形成长效监管机制文件", date(2023, 11, 28)),
)


def office_statuses() -> list[dict]:
    """OFFICE_STATUSES as keyword arguments of dashboard.work_status.record_status (the day marked
    at 17:00 as its `now`)."""
    return [{"item_code": code, "status": status, "done_date": done, "note": note,
             "now": datetime.combine(marked, time(17, 0))}
            for code, status, done, note, marked in OFFICE_STATUSES]


STEPS = (make_enterprises, sheet_registry, sheet_self_inspection, sheet_responsibility, sheet_systems,
         sheet_suppliers, sheet_exams, sheet_risk_screening, sheet_inspections, sheet_visits,
         sheet_complaints, sheet_sampling, sheet_stars, sheet_cases, sheet_problems, sheet_checklists,
         sheet_screenings, sheet_work_tasks, sheet_follow_ups, sheet_stars_2022)


def build_county(scale: int = 1, seed: int = 2023) -> County:
    """The whole county in memory: every step draws from one Random(seed), in a fixed order; the
    campaign's work beyond the nine targets from a second one (County.work), so adding it changed
    no row of the other sheets."""
    conf = load_campaign("dongtai-2023")
    county = County(random.Random(seed), scale, [(u.code, u.name) for u in conf.root.children],
                    work=random.Random(f"{seed}-work"))
    for step in STEPS:
        step(county)
    return county


def generate(out_dir: str | Path = OUT_DIR, scale: int = 1, seed: int = 2023) -> list[Path]:
    """Write the 108 workbooks into out_dir (old sample workbooks there are replaced); return
    their paths in month order, then unit order."""
    county = build_county(scale, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("2023-??_DT??_*.xlsx"):
        old.unlink()
    return [write_unit_month(out_dir, county, unit, month) for month in MONTHS for unit in county.units]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例县月报工作簿 / write the sample county workbooks")
    parser.add_argument("--out", default=str(OUT_DIR), help="输出目录（默认 sample_data/workbooks）")
    parser.add_argument("--scale", type=int, default=1, help="企业数与记录数放大倍数（基准测试用 20）")
    parser.add_argument("--seed", type=int, default=2023, help="随机种子")
    args = parser.parse_args(argv)
    paths = generate(args.out, scale=args.scale, seed=args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"已生成 {len(paths)} 个工作簿，共 {size / 1024:.0f} KB → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
