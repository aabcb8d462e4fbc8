"""The sample region of campaigns/xinjiang-2026.yaml: monthly workbooks of its six counties
(2026-03 … 2026-10), written from the contract's sheet schemas, for
`python -m dashboard --campaign xinjiang-2026 demo`.

Every county has 屠宰企业, 肉制品生产企业, 副产品清洗加工点, 食品小作坊 and 涉旅餐饮 (景区餐饮, 星级酒店,
农家乐; 巴州 also 网红餐厅 and 团餐), so that every target of the campaign has members at every
level of the tree; 哈密 (伊州区) has the 12 小作坊 of its “三个时段” case and 巴州 (库尔勒市) the
涉旅餐饮 of its 放心消费承诺 case. Names and numbers are invented; credit codes are valid.

    python sample_data/generate_xinjiang.py [--out DIR] [--seed N]
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.campaign import load_campaign  # noqa: E402
from dashboard.credit import make_credit_code  # noqa: E402
from dashboard.importer.schemas import SHEET_BY_NAME  # noqa: E402
from dashboard.workbook import SheetData, write_workbook  # noqa: E402

OUT_DIR = ROOT / "sample_data" / "xinjiang"
CAMPAIGN = "xinjiang-2026"
MONTHS = [f"2026-{m:02d}" for m in range(3, 11)]
# county → subjects of each type
MIX = {
    "XJ0101": {"屠宰企业": 1, "生产企业": 3, "副产品加工点": 2, "小作坊": 3, "景区餐饮": 2, "星级酒店": 3, "农家乐": 1},
    "XJ0102": {"屠宰企业": 1, "生产企业": 2, "副产品加工点": 3, "小作坊": 2, "景区餐饮": 1, "星级酒店": 2, "农家乐": 2},
    "XJ0201": {"屠宰企业": 1, "生产企业": 1, "副产品加工点": 4, "小作坊": 2, "景区餐饮": 2, "星级酒店": 1, "农家乐": 3},
    "XJ0202": {"屠宰企业": 1, "生产企业": 1, "副产品加工点": 2, "小作坊": 2, "景区餐饮": 2, "星级酒店": 1, "农家乐": 2},
    "XJ0301": {"屠宰企业": 1, "生产企业": 2, "副产品加工点": 1, "小作坊": 12, "景区餐饮": 1, "星级酒店": 1, "农家乐": 2},
    "XJ0401": {"屠宰企业": 1, "生产企业": 2, "副产品加工点": 1, "小作坊": 2, "景区餐饮": 18, "星级酒店": 12,
               "农家乐": 22, "网红餐厅": 6, "团餐": 4},
}
NAME_STEMS = {"屠宰企业": "牛羊定点屠宰有限公司", "生产企业": "清真肉制品有限公司", "副产品加工点": "牛羊杂清洗加工点",
              "小作坊": "食品加工小作坊", "景区餐饮": "景区餐厅", "星级酒店": "大酒店", "农家乐": "农家乐",
              "网红餐厅": "特色烤肉店", "团餐": "团餐配送中心"}
TOURISM = ("景区餐饮", "星级酒店", "农家乐", "网红餐厅", "团餐")
HAZARDS = ("食品添加剂", "兽药残留", "致病性微生物")


def _targets() -> dict:
    """The checklists' items, read from the campaign file (one place)."""
    conf = load_campaign(CAMPAIGN)
    return {t.code: t.params for t in conf.targets}


def month_range(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def day_in(rng: random.Random, month: str, lo: int = 2, hi: int = 27) -> date:
    first, last = month_range(month)
    return first.replace(day=rng.randint(lo, min(hi, last.day)))


def upload_time(month: str, unit: str) -> datetime:
    """The 3rd–6th of the following month, office hours (the demo's upload times)."""
    rng = random.Random(f"xj-upload-{month}-{unit}")
    return datetime.combine(month_range(month)[1] + timedelta(days=rng.randint(3, 6)),
                            time(rng.randint(9, 17), rng.randint(0, 59)))


class Region:
    """Everything generated, by (month, county) → sheet → rows."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        conf = load_campaign(CAMPAIGN)
        self.counties = [(u.code, u.name) for u, _, depth in conf.root.walk() if depth == 2]
        self.book: dict[tuple[str, str], dict[str, list[dict]]] = {}
        self.subjects: dict[str, list[dict]] = {}
        self.serial = 0

    def add(self, month: str, county: str, sheet: str, row: dict) -> None:
        self.book.setdefault((month, county), {}).setdefault(sheet, []).append(row)

    def next(self) -> int:
        self.serial += 1
        return self.serial


def make_subjects(region: Region) -> None:
    for county, unit_name in region.counties:
        place = unit_name.replace("市场监督管理局", "")
        out = []
        for kind, n in MIX[county].items():
            for i in range(n):
                k = region.next()
                first17 = ("92" if kind == "小作坊" else "91") + f"650{county[2:]}MA{k:06d}"
                licence = {"生产企业": f"SC10465{k:09d}", "屠宰企业": f"（新）屠字第A{k:05d}号",
                           "副产品加工点": None, "小作坊": None}.get(kind, f"JY26501{k:09d}")
                out.append({"credit_code": make_credit_code(first17), "name": f"{place}{i + 1}号{NAME_STEMS[kind]}",
                            "unit": unit_name, "license_no": licence, "is_large": kind in ("屠宰企业", "星级酒店"),
                            "risk_grade": region.rng.choice("ABBC"), "status": "在产", "subject_type": kind,
                            "address": f"{place}{region.rng.randint(1, 300)}号"})
        region.subjects[county] = out
        for s in out:
            region.add(MONTHS[0], county, "企业名录", s)


def inspections(region: Region) -> None:
    """监督检查: most subjects once between March and September; a few never (the gaps)."""
    rng = region.rng
    for county, _ in region.counties:
        for s in region.subjects[county]:
            if rng.random() < 0.12:
                continue
            month = rng.choice(MONTHS[:7])
            no = f"JC{county}{region.next():05d}"
            region.add(month, county, "监督检查", {
                "inspection_no": no, "credit_code": s["credit_code"], "inspection_date": day_in(rng, month),
                "inspection_type": "专项检查", "inspectors": "检查组", "count_problems": 0, "result": "符合"})


def problems(region: Region) -> None:
    """风险排查 of 屠宰企业 and 副产品加工点 in 专项整治 (Mar–May); 投诉举报 of 涉旅餐饮 in the season
    (Jun–Sep), most closed within a few working days. Each listed once, in its closing month."""
    rng = region.rng
    for county, _ in region.counties:
        for s in region.subjects[county]:
            kind = s["subject_type"]
            if kind in ("屠宰企业", "副产品加工点"):
                source, found = "风险排查", day_in(rng, rng.choice(MONTHS[:3]))
                took = rng.choice((10, 15, 20, 40, None if rng.random() < 0.1 else 25))
            elif kind in TOURISM and rng.random() < 0.5:
                source, found = "投诉举报", day_in(rng, rng.choice(MONTHS[3:7]))
                took = rng.choice((1, 2, 3, 4, 6, 9))
            else:
                continue
            closed = found + timedelta(days=took) if took else None
            month = (closed or found).strftime("%Y-%m")
            if month > MONTHS[-1]:
                closed, month = None, found.strftime("%Y-%m")
            region.add(month, county, "问题整改", {
                "problem_no": f"ZG{county}-{region.next():05d}", "credit_code": s["credit_code"], "source": source,
                "description": "清洗消毒记录不全" if source == "风险排查" else "游客投诉菜品价格不明示",
                "found_date": found, "deadline_date": found + timedelta(days=30), "closed_date": closed,
                "review_result": "已整改" if closed else "整改中"})


def samplings(region: Region) -> None:
    """监督抽检 of meat products: two batches a month per producer, 屠宰企业 and 小作坊 in turn."""
    rng = region.rng
    for county, _ in region.counties:
        makers = [s for s in region.subjects[county] if s["subject_type"] in ("生产企业", "屠宰企业", "小作坊")]
        for month in MONTHS:
            for s in rng.sample(makers, min(len(makers), 3)):
                bad = rng.random() < 0.04
                picked = set(rng.sample(HAZARDS, rng.randint(1, 2))) | ({"食品添加剂"} if rng.random() < 0.6 else set())
                hazards = "、".join(h for h in HAZARDS if h in picked)
                region.add(month, county, "监督抽检", {
                    "sample_no": f"XJ{county}{region.next():06d}", "credit_code": s["credit_code"],
                    "food_name": rng.choice(("熏马肠", "风干牛肉", "卤羊蹄", "烤羊肉串")), "food_category": "肉制品",
                    "sampling_date": day_in(rng, month), "task_source": rng.choice(("省抽", "市抽", "县抽", "风险监测")),
                    "hazard_classes": hazards, "verdict": "不合格" if bad else "合格",
                    "failed_items": "亚硝酸盐║45mg/kg║≤30mg/kg" if bad else None,
                    "disposal_status": "处置中" if bad else None, "lab_name": "自治区食品检验研究院"})


def checklists(region: Region, targets: dict) -> None:
    """副产品清洗加工关键环节 and “三个时段” every month; 放心消费承诺 once, by most 涉旅餐饮 of 巴州."""
    rng = region.rng
    lists = {"副产品加工点": targets["byproduct_controls"], "小作坊": targets["workshop_periods"]}
    for county, _ in region.counties:
        for s in region.subjects[county]:
            spec = lists.get(s["subject_type"])
            for month in MONTHS if spec else ():
                day = day_in(rng, month)
                for item in spec["items"]:
                    region.add(month, county, "检查清单", {"credit_code": s["credit_code"], "checklist": spec["record"],
                                                        "check_date": day, "item": item,
                                                        "is_done": rng.random() < (0.97 if spec is lists["副产品加工点"] else 0.985)})
            if county == "XJ0401" and s["subject_type"] in TOURISM and rng.random() < 0.8:
                month = rng.choice(MONTHS[2:6])
                for item in ("签订承诺书", "公示承诺内容"):
                    region.add(month, county, "检查清单", {"credit_code": s["credit_code"], "checklist": "放心消费承诺",
                                                        "check_date": day_in(rng, month), "item": item, "is_done": True})


def visits(region: Region) -> None:
    """首席服务官 驻点帮扶 of 哈密's 小作坊 (8 of its 12 so far), one or two visits each."""
    rng = region.rng
    workshops = [s for s in region.subjects["XJ0301"] if s["subject_type"] == "小作坊"]
    for s in workshops[:8]:
        for month in sorted(rng.sample(MONTHS[3:], rng.randint(1, 2))):
            region.add(month, "XJ0301", "包保督导", {"credit_code": s["credit_code"], "visit_date": day_in(rng, month),
                                                  "cadre_name": "首席服务官", "cadre_level": "B级", "count_problems": 0})


def sheet_data(sheet: str, rows: list[dict]) -> SheetData:
    """One sheet, headers from the schema."""
    fields = SHEET_BY_NAME[sheet].fields()
    return SheetData(headers=[m["zh"] for m in fields.values()],
                     rows=[[_cell(r.get(f), m["kind"]) for f, m in fields.items()] for r in rows], name=sheet)


def _cell(value, kind: str):
    return ("是" if value else "否") if kind == "yesno" else value


def generate(out_dir: str | Path = OUT_DIR, seed: int = 2026) -> list[Path]:
    """Write one workbook per county and month; return their paths in month, then county order."""
    region = Region(seed)
    make_subjects(region)
    inspections(region)
    problems(region)
    samplings(region)
    checklists(region, _targets())
    visits(region)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("2026-??_XJ????_*.xlsx"):
        old.unlink()
    paths = []
    for month in MONTHS:
        for county, name in region.counties:
            sheets = region.book.get((month, county), {})
            path = out / f"{month}_{county}_{name}.xlsx"
            write_workbook(path, [sheet_data(n, sheets[n]) for n in SHEET_BY_NAME if sheets.get(n)])
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成新疆示例地区月报工作簿")
    parser.add_argument("--out", default=str(OUT_DIR), help="输出目录（默认 sample_data/xinjiang）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子")
    args = parser.parse_args(argv)
    paths = generate(args.out, seed=args.seed)
    print(f"已生成 {len(paths)} 个工作簿 → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
