"""严打, the sampling by 检验项目类别, the 星级评比 per unit and the 示范企业 list in a stage summary (the plan's §三(二)2–3,
§三(三)5 and §五(四): 阶段性总结 with its 典型做法 and 问题不足).

`gather` asks the core (dashboard.figures.strikes, .breakdowns, .star_ratings) through the summary's
viewer; build_summary keeps the result on StageSummary.extra["strike"]. The briefing's sentences
(`work_items` in 工作开展情况, `problem_items` in 存在的问题) and its 附表 (`appendix_tables`) are written from it
alone; the workbook's sheets are dashboard.exports.xlsx's. Nothing here changes an existing figure
or sentence: every part is new content, shown only when there is something to say.
"""
from __future__ import annotations

import math

from sqlalchemy.engine import Engine

from ..campaign import CampaignConf, PhaseConf
from ..figures.breakdowns import pass_rate_by, sampling_rows
from ..figures.strikes import panel, serious_samples, serious_summary
from ..figures.selection import Selection
from ..figures.star_ratings import star_table
from ..labels import percent_text


def is_award_phase(conf: CampaignConf, kind: str, phase: PhaseConf | None) -> bool:
    """A summary of the campaign's last phase (the plan's 整改提升阶段: 星级评比和授牌表彰)."""
    return kind == "phase" and phase is not None and phase.seq == max(p.seq for p in conf.phases)


def gather(engine: Engine, sel: Selection, *, kind: str, phase: PhaseConf | None) -> dict:
    """enforcement (the 严打 panel of the window), serious (the serious 不合格 batches from the campaign
    start to as_of with their cases), hazards (counted batches and 不合格 per 检验项目类别 in the
    window), rule (the campaign's StrikeConf: what is serious, the days a case may take), stars (星级
    of as_of's year per unit and the 示范企业: every stage summary shows them, docs/indicators.md) and
    award (whether this is the last phase's summary, whose 工作开展情况 speaks of 授牌表彰)."""
    return {"enforcement": panel(engine, sel), "serious": serious_samples(engine, sel), "rule": sel.conf.strike,
            "hazards": pass_rate_by(sampling_rows(engine, sel), "hazard_class"),
            "stars": star_table(engine, sel, year=sel.as_of.year),
            "award": is_award_phase(sel.conf, kind, phase)}


def wan(amount: float | None) -> str:
    """元 → 万元 with two decimals (a table cell); empty when there is no finite amount."""
    return f"{amount / 10000:.2f}" if amount is not None and math.isfinite(amount) else ""


def _names(rows: list[dict], n: int = 5) -> str:
    return "、".join(r["name"] for r in rows[:n]) + ("等" if len(rows) > n else "")


# ------------------------------------------------------------------ the briefing's sentences
def work_items(s, scope: str) -> list[tuple[str, str]]:
    """(lead, text) items of 工作开展情况: 严打 by 违法类型 and source, the 检验项目类别 breakdown, and in
    the last phase the 星级评比 and its award list."""
    part = s.extra.get("strike")
    if not part:
        return []
    out = []
    p, serious = part["enforcement"], part["serious"]
    total, n = p["total"], p["total"]["count_cases"]
    counts = serious_summary(serious)
    texts = []
    if n:
        types = "、".join(f"{t['violation_type']}{t['count_cases']}件" for t in p["by_type"])
        text = (f"{s.window.label}立案的{n}件违法案件中，{types}；移送公安机关{total['count_transferred']}件"
                f"（{total['transferred_text']}）")
        if total["count_linked"]:  # units that do not yet fill in 来源编号 get no sentence about it
            text += (f"；来源编号可追溯到监督抽检、问题整改或监督检查记录的{total['count_linked']}件"
                     f"（{total['linked_text']}）")
        texts.append(text)
    if counts["count_serious"]:
        texts.append(f"行动以来抽检发现{part['rule'].label}等严重不合格{counts['count_serious']}批次，"
                     f"已立案查处{counts['count_with_case']}批次（{counts['with_case_text']}）")
    if texts:
        out.append(("严打违法违规。", "；".join(texts) + "。"))
    tested = [h for h in part["hazards"] if h["count_samples"]]
    if tested:
        listing = "；".join(f"{h['hazard_class']}{h['count_samples']}批次、不合格{h['count_failed']}批次"
                           f"（合格率{h['pass_text']}）" for h in tested)
        idle = [h["hazard_class"] for h in part["hazards"] if not h["count_samples"]]
        out.append(("按检验项目类别分析。", f"监督抽检（不含风险监测，一个批次检验多类项目时在每一类中各计一次）"
                    f"按检验项目类别统计：{listing}" + (f"；{'、'.join(idle)}本期未检验" if idle else "") + "。"))
    st = part.get("stars")  # the sentence belongs to the last phase (星级评比和授牌表彰); the table is in every 附表
    if st and part.get("award") and st["by_unit"][0]["count_total"]:
        own, year = st["by_unit"][0], st["year"]
        models = st["models"]
        text = (f"{year}年度{scope}参评企业{own['count_total']}家，评为三星级{own['count_star3']}家、"
                f"二星级{own['count_star2']}家、一星级{own['count_star1']}家，未评上{own['count_unrated']}家；")
        text += (f"{year - 1}、{year}年度连续评为三星级的示范企业{len(models)}家（{_names(models)}），"
                 "按实施方案表彰并授牌（名单见附表）。" if models else
                 f"尚无{year - 1}、{year}年度连续评为三星级的示范企业。")
        out.append(("开展星级评比和授牌表彰。", text))
    return out


def problem_items(s) -> list[tuple[str, str]]:
    """(lead, text) of 存在的问题: serious 不合格 batches with no case strike.case_due_days days after
    sampling."""
    part = s.extra.get("strike")
    if not part:
        return []
    unfiled = [r for r in part["serious"] if r["is_unfiled"]]
    if not unfiled:
        return []
    counts = serious_summary(part["serious"])
    where = "、".join(f"{r['name']}（{r['food_name']}，{r['reason']}）" for r in unfiled[:3]) + \
        ("等" if len(unfiled) > 3 else "")
    rule = part["rule"]
    return [("严打衔接不够紧密。", f"抽检发现的{counts['count_serious']}批次{rule.label}等严重不合格中，"
             f"{len(unfiled)}批次抽样已满{rule.case_due_days}日仍未立案查处（{where}），"
             f"占{percent_text(len(unfiled), counts['count_serious'])}。")]


def appendix_tables(s) -> list[tuple]:
    """(caption, header, rows, widths, left columns) of the 附表 after the briefing's signature: 严打
    by unit (with units below) and by 违法类型, the 检验项目类别 breakdown (each only when it has rows), the
    星级评比 per unit (always, with its note when the year has no ratings or no 示范企业) and the 示范企业
    list (when there are any)."""
    part = s.extra.get("strike")
    if not part:
        return []
    tables = []
    p = part["enforcement"]
    if p["total"]["count_cases"] and len(p["by_unit"]) > 1:
        rows = [[r["unit_name"] if i else s.unit_name, str(r["count_cases"]), wan(r["amount_fines"]),
                 str(r["count_transferred"]), r["linked_text"]] for i, r in enumerate(p["by_unit"])]
        tables.append(("严打情况（按单位）", ["单位", "案件数", "罚没金额（万元）", "移送公安", "来源可追溯"], rows,
                       [2.4, 1.2, 1.8, 1.2, 1.6], (0,)))
    if p["by_type"]:
        rows = [[t["violation_type"], str(t["count_cases"]), wan(t["amount_fines"]), str(t["count_transferred"])]
                for t in p["by_type"]]
        tables.append(("违法案件（按违法类型）", ["违法类型", "案件数", "罚没金额（万元）", "移送公安"], rows,
                       [4.0, 1.2, 1.8, 1.2], (0,)))
    if any(h["count_samples"] for h in part["hazards"]):
        rows = [[h["hazard_class"], str(h["count_samples"]), str(h["count_failed"]), h["pass_text"]]
                for h in part["hazards"]]
        tables.append(("监督抽检（按检验项目类别）", ["检验项目类别", "检验批次", "不合格批次", "合格率"], rows,
                       [3.0, 1.5, 1.5, 1.5], (0,)))
    st = part.get("stars")
    if st:
        tables.append(star_appendix(s, st))
    if st and st["models"]:
        y = st["year"]
        rows = [[str(i), m["unit_name"], m["name"], f"{m['previous_score']:g}", f"{m['score']:g}"]
                for i, m in enumerate(st["models"], 1)]
        tables.append((f"{y}年度示范企业名单（{y - 1}、{y}年度连续三星级）",
                       ["序号", "单位", "企业名称", f"{y - 1}年度得分", f"{y}年度得分"], rows,
                       [1.0, 2.2, 5.0, 1.6, 1.6], (2,)))
    return tables


STAR_HEADER = ["单位", "一星级", "二星级", "三星级", "未评上", "参评企业", "示范企业"]
NOT_RATED = "尚无评比"


def star_note(st: dict, unit_name: str) -> str:
    """The line under the 星级评比 table: none rated in the year (无数据), or no 示范企业 yet; empty
    when the list of 示范企业 follows."""
    y = st["year"]
    if not st["by_unit"][0]["count_total"]:
        return f"{unit_name}{y}年度尚无星级评比记录（无数据），无法评定示范企业。"
    if not st["models"]:
        return f"尚无{y - 1}、{y}年度连续评为三星级的示范企业。"
    return ""


def star_appendix(s, st: dict) -> tuple:
    """(caption, header, rows, widths, left columns, note) of the 星级评比 per unit in the year of
    as_of (the unit, then each unit below it; a unit with no rating in the year reads 尚无评比; when
    the unit itself has none, its row alone)."""
    y = st["year"]
    rows = []
    for i, r in enumerate(st["by_unit"]):
        name = r["unit_name"] if i else s.unit_name
        if r["count_total"]:
            rows.append([name, *[str(r[k]) for k in ("count_star1", "count_star2", "count_star3", "count_unrated",
                                                     "count_total", "count_model")]])
        else:
            rows.append([name, "—", "—", "—", "—", NOT_RATED, "—"])
        if not st["by_unit"][0]["count_total"]:
            break
    return (f"{y}年度星级评比（按单位）", STAR_HEADER, rows,
            [2.4, 1.1, 1.1, 1.1, 1.1, 1.4, 1.2], (0,), star_note(st, s.unit_name))
