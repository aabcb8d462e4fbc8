"""严打 panel and exception, 星级评比 and 示范企业, the 一户一档 grade history and 风险排查: hand counts on
the county of tests/strike_county.py, on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from dashboard.__main__ import main
from dashboard.access import system_viewer, viewer_for_username  # noqa: F401
from dashboard.auth import create_account, ensure_demo_accounts
from dashboard.campaign import CampaignError, load_campaign, phase_window
from dashboard.exports import build_summary
from dashboard.exports.narrative import Table, briefing, plain_text
from dashboard.exports.xlsx import build_xlsx
from dashboard.figures import records, star_ratings, strikes
from dashboard.figures.selection import select
from dashboard.models import EnforcementCase
from dashboard.ui.widgets import md

from strike_county import E, HOSTILE_NAME, HOSTILE_TYPE, build
from tests.pages_support import displayed
from tests.test_pages import open_page

CONF = load_campaign()
D = date.fromisoformat
PHASE2 = phase_window(CONF, 2)


@pytest.fixture
def county(small_county):
    build(small_county)
    return small_county


def _sel(engine, viewer=None, **kw):
    return select(engine, CONF, viewer or system_viewer(engine), **kw)


def _panel(engine, unit=None, window=None, as_of=None):
    return strikes.panel(engine, _sel(engine, unit=unit, window=window, as_of=as_of))


# ------------------------------------------------------------------ 严打 panel
def test_panel_counts_phase_two_by_hand(county):
    p = _panel(county, window=PHASE2)
    assert [c["case_no"] for c in p["cases"]] == ["K1", "K2", "K3", "K4"]
    assert p["total"] == {"count_cases": 4, "amount_fines": 73000.5, "count_transferred": 2, "count_linked": 3,
                          "count_no_fine": 1, "transferred_text": "2/4", "linked_text": "3/4"}
    assert [(t["violation_type"], t["count_cases"], t["amount_fines"], t["count_transferred"]) for t in p["by_type"]] == [
        ("使用非食用物质", 2, 50000.0, 2), ("无检疫合格证明", 1, 20000.0, 0), ("超范围超限量使用食品添加剂", 1, 3000.5, 0)]
    by_unit = {r["unit_code"]: (r["count_cases"], r["amount_fines"], r["count_transferred"]) for r in p["by_unit"]}
    assert by_unit["DT"] == (4, 73000.5, 2)
    assert by_unit["DT01"] == (3, 53000.5, 2) and by_unit["DT02"] == (1, 20000.0, 0)
    assert all(by_unit[f"DT{i:02d}"] == (0, 0.0, 0) for i in range(3, 13))
    assert [(r["unit_code"], r["violation_type"], r["count_cases"]) for r in p["by_unit_type"]] == [
        ("DT", "使用非食用物质", 2), ("DT", "无检疫合格证明", 1), ("DT", "超范围超限量使用食品添加剂", 1),
        ("DT01", "使用非食用物质", 2), ("DT01", "超范围超限量使用食品添加剂", 1), ("DT02", "无检疫合格证明", 1)]


def test_each_case_links_to_the_record_its_source_no_names(county):
    cases = {c["case_no"]: c for c in _panel(county)["cases"]}
    assert len(cases) == 7
    assert (cases["K1"]["source_kind"], cases["K1"]["source_date"], cases["K1"]["source_label"]) == (
        "监督抽检", D("2023-05-01"), "酱肉S1（不合格）")
    assert (cases["K2"]["source_kind"], cases["K2"]["source_label"]) == ("问题整改", "原料索证不全")
    assert (cases["K4"]["source_kind"], cases["K4"]["source_date"]) == ("监督检查", D("2023-08-20"))
    assert cases["K7"]["source_kind"] == "问题整改"
    # K5 names S9, a batch of another enterprise; K3 and K6 name nothing
    assert [cases[k]["source_kind"] for k in ("K3", "K5", "K6")] == [None, None, None]
    assert cases["K5"]["violation_type"] == HOSTILE_TYPE and cases["K5"]["name"] == HOSTILE_NAME


def test_panel_campaign_to_date_and_a_unit_below(county):
    p = _panel(county)
    assert (p["total"]["count_cases"], p["total"]["amount_fines"], p["total"]["count_transferred"],
            p["total"]["count_linked"]) == (7, 82100.5, 3, 4)
    dt02 = _panel(county, unit="DT02")
    assert [c["case_no"] for c in dt02["cases"]] == ["K4", "K7", "K5"]
    assert [r["unit_code"] for r in dt02["by_unit"]] == ["DT02"]  # no units below: itself
    assert dt02["total"]["amount_fines"] == 28100.0
    clipped = _panel(county, window=PHASE2, as_of=D("2023-06-30"))  # nothing filed after as_of
    assert [c["case_no"] for c in clipped["cases"]] == ["K1", "K2"]


def test_a_chief_sees_only_their_subtree(county):
    create_account(county, "dt02_chief", "pw-123456789-long", "chief", "DT02", by="test")
    chief = viewer_for_username(county, "dt02_chief")
    p = strikes.panel(county, _sel(county, chief))
    assert {c["case_no"] for c in p["cases"]} == {"K4", "K5", "K7"}
    with pytest.raises(PermissionError):
        strikes.panel(county, _sel(county, chief, unit="DT01"))
    assert [r["sample_no"] for r in strikes.unfiled_samples(county, _sel(county, chief, as_of=D("2023-08-31")))] == [
        "S3", "S7"]


# ------------------------------------------------------------------ the exception at 30 days
@pytest.mark.parametrize("as_of, unfiled", [
    ("2023-05-31", []),                    # S8 sampled 05-02: day 29
    ("2023-06-01", ["S8"]),                # day 30: due
    ("2023-07-09", ["S8"]),                # S3 sampled 06-10: day 29
    ("2023-07-10", ["S8", "S3"]),          # day 30
    ("2023-08-18", ["S8", "S3"]),          # S7 sampled 07-20: day 29
    ("2023-08-19", ["S8", "S3", "S7"]),    # day 30
    ("2023-08-31", ["S8", "S3", "S7"]),
    ("2023-09-01", ["S8", "S3"]),          # K7 filed: S7 linked through P6
])
def test_unfiled_serious_batches_at_the_thirty_day_boundary(county, as_of, unfiled):
    rows = strikes.unfiled_samples(county, _sel(county, as_of=D(as_of)))
    assert [r["sample_no"] for r in rows] == unfiled


def test_serious_batches_are_the_same_when_too_many_to_name(county, monkeypatch):
    """serious_samples finds the serious batches first and names them to the linking query; with
    more than SAMPLE_NOS_AT_MOST it links every failed batch instead: the same rows, links and order."""
    for as_of in ("2023-06-30", "2023-09-30"):
        sel = _sel(county, as_of=D(as_of))
        named = strikes.serious_samples(county, sel)
        monkeypatch.setattr(strikes, "SAMPLE_NOS_AT_MOST", 1)
        assert len(named) > 1 and strikes.serious_samples(county, sel) == named
        monkeypatch.undo()


def test_serious_batches_and_their_links(county):
    rows = {r["sample_no"]: r for r in strikes.serious_samples(county, _sel(county, as_of=D("2023-09-30")))}
    assert sorted(rows) == ["S1", "S2", "S3", "S7", "S8"]  # S4 风险监测, S5 not serious, S6/S9 合格
    assert (rows["S1"]["case_no"], rows["S2"]["case_no"], rows["S7"]["case_no"]) == ("K1", "K3", "K7")
    assert rows["S3"]["case_no"] is None and rows["S8"]["case_no"] is None
    assert (rows["S3"]["reason"], rows["S2"]["reason"]) == ("病死畜禽", "非食用物质")
    assert rows["S3"]["case_due_date"] == D("2023-07-10") and rows["S3"]["days_open"] == 112
    # S2 at 06-30: no case yet (K3 is filed 07-01) but not due either
    s2 = {r["sample_no"]: r for r in strikes.serious_samples(county, _sel(county, as_of=D("2023-06-30")))}["S2"]
    assert (s2["case_no"], s2["is_unfiled"]) == (None, False)
    summary = strikes.serious_summary(list(rows.values()))
    assert summary == {"count_serious": 5, "count_with_case": 3, "count_unfiled": 2, "count_pending": 0,
                       "with_case_text": "3/5", "with_case_percent": "60.0%"}
    dt01 = strikes.unfiled_samples(county, _sel(county, unit="DT01", as_of=D("2023-07-10")))
    assert [r["sample_no"] for r in dt01] == ["S8"]


# ------------------------------------------------------------------ 星级评比
def test_star_distribution_and_models_by_hand(county):
    t = star_ratings.star_table(county, _sel(county), year=2023)
    rows = {r["unit_code"]: r for r in t["by_unit"]}
    keys = ("count_star1", "count_star2", "count_star3", "count_unrated", "count_total", "count_model")
    assert tuple(rows["DT"][k] for k in keys) == (1, 0, 3, 1, 5, 2)
    assert tuple(rows["DT01"][k] for k in keys) == (1, 0, 2, 0, 3, 1)
    assert tuple(rows["DT02"][k] for k in keys) == (0, 0, 1, 1, 2, 1)
    assert tuple(rows["DT03"][k] for k in keys) == (0, 0, 0, 0, 0, 0)
    assert [(m["credit_code"], m["previous_score"], m["score"]) for m in t["models"]] == [
        (E[1], 95.0, 92.0), (E[6], 91.0, 90.0)]
    assert [(r["year"], r["count_star2"], r["count_star3"], r["count_total"], r["count_model"]) for r in t["by_year"]] == [
        (2021, 0, 1, 1, 0), (2022, 1, 3, 4, 1), (2023, 0, 3, 5, 2)]
    y22 = star_ratings.star_table(county, _sel(county, unit="DT02"), year=2022)
    assert [m["credit_code"] for m in y22["models"]] == [E[5]]
    assert [(r["unit_code"], r["count_star3"], r["count_model"]) for r in y22["by_unit"]] == [("DT02", 2, 1)]


# ------------------------------------------------------------------ 一户一档
def test_enterprise_file_grade_history_screenings_and_stars(county):
    f = records.enterprise_file(county, system_viewer(county), E[1])
    history = [(h["batch_id"], h["risk_grade"], h["credit_grade"], h["is_changed"], h["file_name"])
               for h in f["grade_history"]]
    assert history == [(1, "B", "A", False, "名录.xlsx"), (3, "C", "A", True, "名录3.xlsx"),
                       (4, "C", "B", True, "名录4.xlsx")]  # batch 5 (D/B) was rolled back
    assert f["enterprise"]["risk_grade"] == "C"
    screenings = f["sections"]["risk_screening"]
    assert [(r["screening_date"], r["count_hazards"], r["has_plan"]) for r in screenings] == [
        (D("2023-04-10"), 2, 0), (D("2023-03-20"), 5, 1)]
    assert [r["year"] for r in f["sections"]["star_rating"]] == [2023, 2022]
    assert f["model_years"] == [2023]
    assert records.enterprise_file(county, system_viewer(county), E[2])["model_years"] == []
    e5 = records.enterprise_file(county, system_viewer(county), E[5])
    assert e5["model_years"] == [2022]
    assert [(h["batch_id"], h["risk_grade"]) for h in e5["grade_history"]] == [(1, "B")]


# ------------------------------------------------------------------ command line
def _cli(capsys, engine, *argv):
    code = main(["--db", engine.url.render_as_string(hide_password=False), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cases_command_json_exactly(county, capsys):
    code, out, _ = _cli(capsys, county, "cases", "--unit", "DT02", "--phase", "2", "--json")
    assert code == 0
    assert json.loads(out) == {
        "unit": "DT02", "unit_name": "开发区分局", "from": "2023-05-01", "to": "2023-08-31", "as_of": "2023-08-31",
        "count_cases": 1, "amount_fines": 20000.0, "count_transferred": 0, "count_linked": 1,
        "by_type": [{"violation_type": "无检疫合格证明", "count_cases": 1, "amount_fines": 20000.0,
                     "count_transferred": 0}],
        "by_unit": [{"unit": "DT02", "unit_name": "开发区分局", "count_cases": 1, "amount_fines": 20000.0,
                     "count_transferred": 0, "count_linked": 1}],
        "cases": [{"case_no": "K4", "credit_code": E[5], "name": "东台市第5肉制品有限公司", "unit": "DT02",
                   "filed_date": "2023-08-31", "violation_type": "无检疫合格证明", "fine_amount": 20000.0,
                   "is_transferred_police": False, "source_no": "I1", "source_kind": "监督检查"}],
        "unfiled": [{"sample_no": "S3", "credit_code": E[5], "name": "东台市第5肉制品有限公司", "unit": "DT02",
                     "sampling_date": "2023-06-10", "case_due_date": "2023-07-10", "reason": "病死畜禽"},
                    {"sample_no": "S7", "credit_code": E[6], "name": HOSTILE_NAME, "unit": "DT02",
                     "sampling_date": "2023-07-20", "case_due_date": "2023-08-19", "reason": "非食用物质"}]}
    code, out, _ = _cli(capsys, county, "cases", "--month", "2023-07", "--json")
    assert code == 0 and [c["case_no"] for c in json.loads(out)["cases"]] == ["K3"]
    code, out, _ = _cli(capsys, county, "cases", "--from", "2023-05-01", "--to", "2023-06-30")
    assert code == 0 and re.search(r"^城区分局 +2 +53000\.50 +1 +2$", out, re.M)
    assert "使用非食用物质" in out and "S8" in out


def test_stars_command_json_exactly(county, capsys):
    code, out, _ = _cli(capsys, county, "stars", "--year", "2023", "--json")
    assert code == 0
    got = json.loads(out)
    assert (got["unit"], got["year"], len(got["by_unit"])) == ("DT", 2023, 13)
    assert got["by_unit"][:3] == [
        {"unit": "DT", "unit_name": "东台市市场监督管理局", "count_star1": 1, "count_star2": 0, "count_star3": 3,
         "count_unrated": 1, "count_total": 5, "count_model": 2},
        {"unit": "DT01", "unit_name": "城区分局", "count_star1": 1, "count_star2": 0, "count_star3": 2,
         "count_unrated": 0, "count_total": 3, "count_model": 1},
        {"unit": "DT02", "unit_name": "开发区分局", "count_star1": 0, "count_star2": 0, "count_star3": 1,
         "count_unrated": 1, "count_total": 2, "count_model": 1}]
    assert got["models"] == [{"credit_code": E[1], "name": "东台市第1肉制品有限公司", "unit": "DT01",
                              "unit_name": "城区分局", "previous_score": 95.0, "score": 92.0},
                             {"credit_code": E[6], "name": HOSTILE_NAME, "unit": "DT02",
                              "unit_name": "开发区分局", "previous_score": 91.0, "score": 90.0}]
    # the year defaults to the as-of date's
    code, out, _ = _cli(capsys, county, "stars", "--unit", "DT02", "--as-of", "2023-06-30", "--json")
    assert json.loads(out)["year"] == 2023 and [m["credit_code"] for m in json.loads(out)["models"]] == [E[6]]
    code, out, _ = _cli(capsys, county, "stars", "--unit", "开发区分局", "--year", "2022")
    assert code == 0 and "示范企业（2021、2022年度连续三星级）：1 家" in out and E[5] in out


def test_listing_commands_refuse_bad_usage(county, capsys):
    assert _cli(capsys, county, "cases", "--unit", "不存在分局")[0] == 2
    assert _cli(capsys, county, "stars", "--phase", "9")[0] == 2


# ------------------------------------------------------------------ pages (AppTest, SQLite)
@pytest.fixture
def county_env(small_county_env):
    build(small_county_env)
    ensure_demo_accounts(small_county_env)  # open_page signs the leader in
    return small_county_env


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.slow  # a Streamlit AppTest page run
def test_enforcement_page_counts_and_escapes(county_env):
    at = open_page("enforcement", window="2023-09")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"立案案件": "2 件", "罚没金额": "8100元", "移送公安": "1/2 件", "来源可追溯": "1/2 件"}
    text = _markdown(at)
    assert HOSTILE_TYPE not in text and f"案件最多的违法类型：{md(HOSTILE_TYPE)}（1/2 件）" in text
    assert f"案件最多的违法类型：{HOSTILE_TYPE}（1/2 件）" in displayed(text)
    cases = next(d.value for d in at.dataframe if "案件编号" in d.value.columns)
    assert list(cases["案件编号"]) == ["K7", "K5"] and list(cases["来源记录"]) == ["问题整改", ""]
    assert HOSTILE_TYPE in set(cases["违法类型"]) and HOSTILE_NAME in set(cases["企业名称"])
    serious = next(d.value for d in at.dataframe if "抽样单编号" in d.value.columns)
    assert list(serious["抽样单编号"]) == ["S8", "S3", "S1", "S2", "S7"]  # unfiled first, then with a case
    assert "共 5 批，已立案 3/5 批，满30日未立案 2 批" in text


@pytest.mark.slow  # a Streamlit AppTest page run
def test_stars_page_award_list_escapes_names(county_env):
    at = open_page("stars", year="2023")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["三星级"] == "3/5 家" and metrics["示范企业"] == "2 家"
    text = _markdown(at)
    assert HOSTILE_NAME not in text and md(HOSTILE_NAME) in text
    assert f"获授牌企业：东台市第1肉制品有限公司、{HOSTILE_NAME}。" in displayed(text)
    models = next(d.value for d in at.dataframe if "上年度考核得分" in d.value.columns)
    assert list(models["统一社会信用代码"]) == [E[1], E[6]]


@pytest.mark.slow  # a Streamlit AppTest page run
def test_overview_shows_the_unfiled_exception(county_env):
    at = open_page(None, as_of="2023-08-31")
    labels = [t.label for t in at.tabs]
    assert "满30日未立案（3）" in labels
    table = next(d.value for d in at.dataframe if "应立案期限" in d.value.columns)
    assert list(table["抽样单编号"]) == ["S8", "S3", "S7"]


@pytest.mark.slow  # a Streamlit AppTest page run
def test_enterprise_page_grade_history_and_model(county_env):
    at = open_page("enterprise", q=E[1][:12], ent=E[1])
    assert any("示范企业：2023年度" in s.value for s in at.success)
    history = next(d.value for d in at.dataframe if "等级有变化" in d.value.columns)
    assert list(history["风险等级"]) == ["B", "C", "C"] and list(history["信用等级"]) == ["A", "A", "B"]
    assert list(history["等级有变化"]) == ["否", "是", "是"]
    assert "风险排查（一企一策）（2）" in [t.label for t in at.tabs]
    screening = next(d.value for d in at.dataframe if "是否制定一企一策方案" in d.value.columns)
    assert list(screening["是否制定一企一策方案"]) == ["否", "是"]
    at = open_page("enterprise", q=E[6][:12], ent=E[6])
    assert f"#### {md(HOSTILE_NAME)}" in _markdown(at) and HOSTILE_NAME not in _markdown(at)


# ------------------------------------------------------------------ the stage summary
def _summary(engine, phase):
    return build_summary(engine, CONF, system_viewer(engine), phase=phase, completeness=False)


def test_phase_two_briefing_speaks_of_strikes_and_hazard_classes(county):
    s = _summary(county, 2)
    text = plain_text(briefing(s))
    assert ("严打违法违规。深入推进阶段立案的4件违法案件中，使用非食用物质2件、无检疫合格证明1件、"
            "超范围超限量使用食品添加剂1件；移送公安机关2件（2/4）；来源编号可追溯到监督抽检、问题整改或监督检查记录的3件（3/4）；"
            "行动以来抽检发现非食用物质、病死畜禽等严重不合格5批次，已立案查处2批次（2/5）。") in text
    assert ("按检验项目类别分析。监督抽检（不含风险监测，一个批次检验多类项目时在每一类中各计一次）按检验项目类别统计："
            "兽药残留3批次、不合格2批次（合格率33.3%）；食品添加剂1批次、不合格1批次（合格率0.0%）；"
            "非食用物质5批次、不合格4批次（合格率20.0%）；动物源性成分1批次、不合格1批次（合格率0.0%）；"
            "致病性微生物本期未检验。") in text
    assert ("严打衔接不够紧密。抽检发现的5批次非食用物质、病死畜禽等严重不合格中，3批次抽样已满30日仍未立案查处"
            f"（东台市第3肉制品有限公司（酱肉S8，非食用物质）、东台市第5肉制品有限公司（酱肉S3，病死畜禽）、"
            f"{HOSTILE_NAME}（酱肉S7，非食用物质）），占60.0%。") in text
    assert "附表1　严打情况（按单位）" in text and "附表3　监督抽检（按检验项目类别）" in text
    assert "开展星级评比和授牌表彰" not in text  # the sentence on 授牌表彰 belongs to the last phase …
    blocks = briefing(s)  # … but every stage summary shows the 星级评比 per unit and the 示范企业 (indicators.md)
    stars = next(b for b in blocks if isinstance(b, Table) and "星级评比" in b.caption)
    assert stars.caption == "附表4　2023年度星级评比（按单位）"
    assert stars.header == ["单位", "一星级", "二星级", "三星级", "未评上", "参评企业", "示范企业"]
    assert stars.rows[:4] == [["东台市市场监督管理局", "1", "0", "3", "1", "5", "2"],
                              ["城区分局", "1", "0", "2", "0", "3", "1"], ["开发区分局", "0", "0", "1", "1", "2", "1"],
                              ["安丰分局", "—", "—", "—", "—", "尚无评比", "—"]]
    assert len(stars.rows) == 13 and stars.note == ""  # the list of 示范企业 follows
    award = next(b for b in blocks if isinstance(b, Table) and "示范企业名单" in b.caption)
    assert award.caption == "附表5　2023年度示范企业名单（2022、2023年度连续三星级）"
    assert [r[2] for r in award.rows] == ["东台市第1肉制品有限公司", HOSTILE_NAME]
    wb = load_workbook(io.BytesIO(build_xlsx(s)))
    rows = [[c for c in r if c is not None] for r in wb["星级评比与示范企业"].iter_rows(values_only=True)]
    assert ["东台市市场监督管理局", 1, 0, 3, 1, 5, 2] in rows and ["安丰分局", 0, 0, 0, 0, 0, 0, "尚无评比"] in rows


def test_last_phase_summary_carries_the_award_list(county):
    s = _summary(county, 3)
    blocks = briefing(s)
    text = plain_text(blocks)
    assert ("开展星级评比和授牌表彰。2023年度全市参评企业5家，评为三星级3家、二星级0家、一星级1家，未评上1家；"
            f"2022、2023年度连续评为三星级的示范企业2家（东台市第1肉制品有限公司、{HOSTILE_NAME}），"
            "按实施方案表彰并授牌（名单见附表）。") in text
    award = next(b for b in blocks if isinstance(b, Table) and "示范企业名单" in b.caption)
    assert award.caption == "附表4　2023年度示范企业名单（2022、2023年度连续三星级）"
    assert award.rows == [["1", "城区分局", "东台市第1肉制品有限公司", "95", "92"],
                          ["2", "开发区分局", HOSTILE_NAME, "91", "90"]]
    cases = next(b for b in blocks if isinstance(b, Table) and "违法类型" in b.caption)
    assert cases.rows == [[HOSTILE_TYPE, "1", "0.01", "0"], ["使用非食用物质", "1", "0.80", "1"]]  # ties by name
    wb = load_workbook(io.BytesIO(build_xlsx(s)))
    assert {"严打情况", "违法案件清单", "严重不合格批次立案情况", "检验项目类别", "星级评比与示范企业"} <= set(wb.sheetnames)
    rows = [[c for c in r if c is not None] for r in wb["星级评比与示范企业"].iter_rows(values_only=True)]
    assert ["东台市市场监督管理局", 1, 0, 3, 1, 5, 2] in rows
    assert ["开发区分局", HOSTILE_NAME, E[6], 91, 90] in rows
    listed = [r for r in wb["违法案件清单"].iter_rows(min_row=3, values_only=True)]
    assert [(r[3], r[5], r[7], r[9]) for r in listed] == [("K7", "使用非食用物质", "是", "问题整改"),
                                                          ("K5", HOSTILE_TYPE, "否", None)]


# ------------------------------------------------------------------ the campaign file's strike: settings
DONGTAI_STRIKE = "strike:\n  case_due_days: 30\n  hazard_classes: [非食用物质]\n  failed_item_words: {病死: 病死畜禽}\n"


def _with_strike(tmp_path, block: str):
    """The Dongtai file with its strike: block replaced (the same campaign code: the county's database
    holds it), and the path written."""
    text = (Path(__file__).resolve().parent.parent / "campaigns" / "dongtai-2023.yaml").read_text(encoding="utf-8")
    assert DONGTAI_STRIKE in text
    path = tmp_path / "strike.yaml"
    path.write_text(text.replace(DONGTAI_STRIKE, block), encoding="utf-8")
    return path, text.replace(DONGTAI_STRIKE, block).splitlines().index("strike:") + 1


def test_the_dongtai_file_carries_the_plans_strike_settings():
    assert (CONF.strike.case_due_days, CONF.strike.hazard_classes, CONF.strike.failed_item_words) == (
        30, ("非食用物质",), (("病死", "病死畜禽"),))
    assert CONF.strike.label == "非食用物质、病死畜禽"


@pytest.mark.parametrize(("as_of", "unfiled"), [
    ("2023-06-24", []),                    # S3 sampled 06-10: day 14
    ("2023-06-25", ["S3"]),                # day 15
    ("2023-07-15", ["S3"]),                # S5 sampled 07-01: day 14
    ("2023-07-16", ["S3", "S5"]),          # day 15
])
def test_a_campaign_with_other_strike_settings_is_read(county, tmp_path, as_of, unfiled):
    """15 days; serious = 食品添加剂 tested, or 检出 in the failed items. On the strike county: S3
    (兽药残留, items “病死畜禽肉检出…”) by its word, S5 (食品添加剂) by its class; S1, S2, S7, S8
    (非食用物质, items 亚硝酸盐…) are no longer serious. Neither S3 nor S5 has a linked case."""
    path, _ = _with_strike(tmp_path, "strike:\n  case_due_days: 15\n  hazard_classes: [食品添加剂]\n"
                                     "  failed_item_words: {检出: 检出禁用物质}\n")
    conf = load_campaign(str(path))
    assert conf.strike.label == "食品添加剂、检出禁用物质"
    sel = select(county, conf, system_viewer(county), as_of=D(as_of))
    rows = {r["sample_no"]: r for r in strikes.serious_samples(county, sel)}
    assert sorted(rows) == ["S3"] + (["S5"] if as_of >= "2023-07-01" else [])  # S5 is sampled 07-01
    assert (rows["S3"]["reason"], rows["S3"]["case_due_date"]) == ("检出禁用物质", D("2023-06-25"))
    if "S5" in rows:
        assert (rows["S5"]["reason"], rows["S5"]["case_due_date"]) == ("食品添加剂", D("2023-07-16"))
    assert [r["sample_no"] for r in strikes.unfiled_samples(county, sel)] == unfiled


@pytest.mark.parametrize(("block", "key_line", "message"), [
    ("strike:\n  case_due_days: 一个月\n", 1,
     "键“case_due_days”：须是 1 到 365 之间的整数（抽样后的天数），而不是“一个月”"),
    ("strike:\n  case_due_days: 0\n", 1, "键“case_due_days”：须是 1 到 365 之间的整数（抽样后的天数），而不是“0”"),
    ("strike:\n  hazard_classes: [非食用物质, 农药残留]\n", 1,
     "键“hazard_classes”：没有这个检验项目类别“农药残留”（可用：兽药残留、致病性微生物、食品添加剂、非食用物质、动物源性成分、其他）"),
    ("strike:\n  failed_item_words: [病死]\n", 1,
     "键“failed_item_words”：须是“不合格项目中的词: 原因说法”的映射，如 {病死: 病死畜禽}"),
    ("strike:\n  hazard_classes: []\n  failed_item_words: {}\n", 0,
     "键“strike”：严打设置的 hazard_classes 与 failed_item_words 不能都为空（否则没有批次算作严重）"),
    ("strike:\n  days: 30\n", 1, "键“days”：严打设置不认识这个键（可用：case_due_days、hazard_classes、failed_item_words）"),
])
def test_a_bad_strike_setting_is_refused_with_its_line_and_key(tmp_path, block, key_line, message):
    path, line = _with_strike(tmp_path, block)
    with pytest.raises(CampaignError) as err:
        load_campaign(str(path))
    assert str(err.value) == f"strike.yaml 第{line + key_line}行，{message}"


# ------------------------------------------------------------------ fines that are not finite
def test_fines_past_the_float_range_come_out_empty_not_as_infinity(county, capsys, tmp_path):
    """Stored before the importer capped 罚没金额: K1 1e308 and K2 1.7e308 (城区分局; their sum
    overflows to inf), K4 inf (开发区分局). JSON has no Infinity: such a value is null, a table cell
    and a workbook cell are empty, the briefing leaves out the 罚没 clause; nothing raises."""
    with county.begin() as conn:
        for no, fine in (("K1", 1e308), ("K2", 1.7e308), ("K4", float("inf"))):
            conn.execute(update(EnforcementCase).where(EnforcementCase.case_no == no).values(fine_amount=fine))
    code, out, err = _cli(capsys, county, "cases", "--phase", "2", "--json")
    assert (code, err) == (0, "") and "Infinity" not in out and "NaN" not in out
    got = json.loads(out)
    assert (got["count_cases"], got["amount_fines"]) == (4, None)
    assert {r["unit"]: r["amount_fines"] for r in got["by_unit"][:3]} == {"DT": None, "DT01": None, "DT02": None}
    assert {r["violation_type"]: r["amount_fines"] for r in got["by_type"]} == {
        "使用非食用物质": 1e308, "超范围超限量使用食品添加剂": 1.7e308, "无检疫合格证明": None}
    assert [(c["case_no"], c["fine_amount"]) for c in got["cases"]] == [
        ("K1", 1e308), ("K2", 1.7e308), ("K3", None), ("K4", None)]
    code, out, err = _cli(capsys, county, "cases", "--phase", "2")
    assert (code, err) == (0, "") and "inf" not in out.lower()
    assert "立案 4 件，罚没 — 元，" in out and re.search(r"^城区分局 +3 +2 +2$", out, re.M)

    target = tmp_path / "out.xlsx"
    code, out, err = _cli(capsys, county, "export", "--phase", "2", "--format", "xlsx", "--out", str(target))
    assert code == 0 and "Traceback" not in err and err == ""
    ws = load_workbook(target)["严打情况"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["东台市市场监督管理局"][:3] == (4, None, 2) and rows["城区分局"][:3] == (3, None, 2)
    assert rows["开发区分局"][:3] == (1, None, 0) and rows["使用非食用物质"][:3] == (2, 1e308, 2)
    s = build_summary(county, CONF, system_viewer(county), phase=2, as_of=date(2023, 8, 31))
    text = plain_text(briefing(s))
    assert "立案查处违法案件4件，移送公安2件。" in text and "inf" not in text.lower()
