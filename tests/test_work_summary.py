"""工作开展情况 of the briefing: counted from the records (queries/work_record_counts.sql), written
in the register of a bureau's summary, with 典型做法 and 工作中的不足 drawn from the same counts.

Hand counts of the sample county, 深入推进阶段 (2023-05-01 … 2023-08-31), from the record tables:
inspections 日常 79, 双随机 28, 专项 76, 飞行 11, 交叉 9 (203, 179 problems found); sampling 国抽 39,
省抽 146, 市抽 230, 县抽 443, 风险监测 40 (898), 435 of them testing 兽药残留; 347 exams of 172
enterprises, 332 passed; 5 cases, 110,000 元, 1 transferred to the police.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign, phase_window
from dashboard.db import get_engine
from dashboard.exports import build_summary, pdf
from dashboard.exports.blocks import Heading, Table, cn
from dashboard.exports.narrative import briefing, plain_text
from dashboard.exports.work_summary import gather
from dashboard.figures.selection import select
from dashboard.models import Inspection, Problem, Sampling
from builders import code
from strike_county import build

CONF = load_campaign()
AS_OF = date(2023, 8, 31)


@pytest.fixture(scope="module")
def engine(sample_county_url):  # noqa: F811
    return get_engine(sample_county_url)


def test_counts_equal_the_records(engine):
    counts = gather(engine, select(engine, CONF, system_viewer(engine), window=phase_window(CONF, 2),
                                   as_of=AS_OF))
    w = counts[""]
    assert dict(w.inspections) == {"日常检查": 79, "双随机检查": 28, "专项检查": 76, "飞行检查": 11, "交叉检查": 9}
    assert (w.inspection_total, w.problems_found) == (203, 179)
    assert dict(w.samples) == {"国抽": 39, "省抽": 146, "市抽": 230, "县抽": 443, "风险监测": 40}
    assert w.hazard_classes["兽药残留"] == 435
    assert (w.exams, w.exams_passed, w.exam_enterprises) == (347, 332, 172)
    assert (w.cases, w.cases_transferred, w.fines) == (5, 1, 110000.0)
    assert w.enterprises == 174  # the active enterprises, the figures' denominator
    # the units below add up to the county
    below = [c for k, c in counts.items() if k]
    assert len(below) == 12 and sum(c.inspection_total for c in below) == 203
    assert sum(sum(c.samples.values()) for c in below) == 898


def test_the_briefing_opens_with_the_work_done(engine):
    s = build_summary(engine, CONF, system_viewer(engine), phase=2, as_of=AS_OF)
    blocks = briefing(s)
    headings = [b.text for b in blocks if isinstance(b, Heading) and b.level == 1]
    assert headings[:2] == ["一、工作开展情况", "二、总体进展"]
    text = plain_text(blocks)
    assert ("（一）强化监督检查。深入推进阶段，全市共开展监督检查203次（日常检查79次、双随机检查28次、"
            "专项检查76次、飞行检查11次、交叉检查9次），平均每家在产企业1.1次，发现问题179个") in text
    assert "完成肉制品监督抽检和风险监测898批次（国抽39批次、省抽146批次、市抽230批次、县抽443批次、风险监测40批次）" in text
    assert "对172家企业的食品安全管理人员开展监督抽考347人次，合格332人次、不合格15人次" in text
    assert "立案查处违法案件5件，罚没11.00万元，移送公安1件" in text
    assert "总结推广典型做法。" in text and "工作中的不足。" in text
    # one kind of quotation marks in the briefing: the Chinese ones
    assert '"' not in text


def test_pdf_conversion_maps_the_official_fonts_to_fandol(tmp_path, monkeypatch):
    fonts = tmp_path / "fandol"
    fonts.mkdir()
    (fonts / "FandolFang-Regular.otf").write_bytes(b"")
    monkeypatch.setenv("DASHBOARD_FONT_DIR", str(fonts))
    env = pdf._fontconfig_env(tmp_path)
    conf = Path(env["FONTCONFIG_FILE"]).read_text(encoding="utf-8")
    assert f"<dir>{fonts}</dir>" in conf
    assert "<family>仿宋_GB2312</family><prefer><family>FandolFang</family>" in conf
    monkeypatch.setenv("DASHBOARD_FONT_DIR", str(tmp_path / "none"))
    monkeypatch.setattr(pdf, "FONT_DIRS", ())
    assert "FONTCONFIG_FILE" not in pdf._fontconfig_env(tmp_path) or \
        pdf._fontconfig_env(tmp_path)["FONTCONFIG_FILE"] == __import__("os").environ.get("FONTCONFIG_FILE")


def test_the_briefing_carries_the_work_ledger(engine):
    """As of 2023-08-31 the phases begun are 1 and 2: 10 of the 14 work items (sample_data/generate.py,
    OFFICE_STATUSES): done 8 (p1_plan, p1_meeting, p1_risk_screening — 06-28, after its 04-30
    deadline —, p2_inspection, p2_cadres, p2_sampling, p2_training, p2_standards), 进行中 2
    (p1_unit_measures, 123 days past 04-30; p2_rectification, due that day, not yet overdue). The
    units' 99 tasks, 4 overdue, one each at 富安, 梁垛, 溱东, 三仓; 三仓 (its June list uploaded 07-02) and 头灶
    (never) had no 细化措施 by 04-30."""
    blocks = briefing(build_summary(engine, CONF, system_viewer(engine), phase=2, as_of=AS_OF))
    text = plain_text(blocks)
    assert ("推进工作任务落实。实施方案部署的10项工作任务（截至8月31日已开始的阶段）中，已完成8项（其中超期完成1项）、"
            "进行中2项，逾期未完成1项；各分局（所）细化工作措施99条，明确责任人和完成时限，已完成71条、逾期未完成4条"
            "（台账见附表）。") in text
    assert ("工作任务推进不够到位。1项工作任务逾期未完成（各分局（所）进一步细化工作措施，明确责任人、责任时限，"
            "责任科室：办公室，逾期123天）；三仓分局、头灶分局在4月30日第一阶段结束时尚未报送细化工作措施；"
            "细化措施逾期未完成的有富安分局（1条）、梁垛分局（1条）、溱东分局（1条）、三仓分局（1条）。") in text
    tables = {b.caption: b for b in blocks if isinstance(b, Table)}
    # after the 附表 of 严打, 检验项目类别 and the 星级评比 every summary carries
    items = next(t for caption, t in tables.items() if caption.endswith("　行动工作任务台账（逾期的在前）"))
    assert len(items.rows) == 10 and items.rows[0][2:] == [
        "各分局（所）进一步细化工作措施，明确责任人、责任时限", "办公室", "2023-04-30", "进行中，逾期123天"]
    by_text = {r[2]: r[5] for r in items.rows}
    assert by_text["组织第三方机构开展风险排查，形成“一户一档”风险隐患清单和“一企一策”提升方案，建立动态管理台账"] == \
        "超期完成（6月28日）"
    assert by_text["督促辖区内肉制品生产企业落实主体责任，完成问题整改闭环和软、硬件改造提升"] == "进行中"
    units = {r[0]: r for r in next(t for caption, t in tables.items() if caption.endswith("　各分局（所）细化工作措施")).rows}
    assert units["头灶分局"][1:] == ["0", "0", "0", "0", "0", "未报送"]
    assert units["三仓分局"][-1] == "2023-07-02"
    assert sum(int(r[1]) for r in units.values()) == 99 and sum(int(r[5]) for r in units.values()) == 4


def test_chinese_numbers_pass_ten():
    """A briefing's 工作开展情况 can hold more than ten items: （十一）, not （11）."""
    assert [cn(n) for n in (1, 9, 10, 11, 19, 20, 21, 99)] == ["一", "九", "十", "十一", "十九", "二十", "二十一", "九十九"]


def test_a_sub_bureau_briefing_lists_its_own_measures(engine):
    """安丰分局's July summary (as of 07-31): none below it, so its own 9 细化措施 one by one, overdue
    first — 督促企业落实“三类人、三件事、三本账”, due 06-30, 进行中 31 days past it; no campaign work
    items (the office's, in the county's summary only)."""
    s = build_summary(engine, CONF, system_viewer(engine), month="2023-07", unit="DT03", as_of=date(2023, 7, 31))
    blocks = briefing(s)
    assert "推进工作任务落实。安丰分局细化工作措施9条，明确责任人和完成时限，已完成5条、逾期未完成1条（台账见附表）。" in \
        plain_text(blocks)
    [table] = [b for b in blocks if isinstance(b, Table) and "细化工作措施" in b.caption]
    assert table.caption == "附表5　安丰分局细化工作措施（逾期的在前）" and len(table.rows) == 9  # after 星级 (附表3–4)
    assert (table.rows[0][3], table.rows[0][4]) == ("2023-06-30", "进行中，逾期31天")
    assert not [b for b in blocks if isinstance(b, Table) and "行动工作任务" in b.caption]


# ------------------------------------------------------------------ claims of "均" only when true
def _work_text(engine) -> str:
    s = build_summary(engine, CONF, system_viewer(engine), phase=2, as_of=AS_OF)
    return plain_text(briefing(s))


def test_failed_batches_are_said_disposed_of_only_when_none_is_open(small_county):
    """The strike county (tests/strike_county.py) in 深入推进阶段: 9 batches, 7 不合格 (S1 S2 S3 S4 S5
    S7 S8, S4 风险监测), each 处置中; the sentence follows their 核查处置状态."""
    build(small_county)
    w = gather(small_county, select(small_county, CONF, system_viewer(small_county), window=phase_window(CONF, 2),
                                    as_of=AS_OF))[""]
    assert (sum(w.samples.values()), w.samples_failed, w.samples_disposed) == (9, 7, 0)
    assert "；检出不合格7批次，核查处置均尚未完成。" in _work_text(small_county)

    def dispose(*nos):
        with small_county.begin() as conn:
            conn.execute(update(Sampling).where(Sampling.sample_no.in_(nos)).values(disposal_status="已完成"))
    dispose("S1", "S4")
    text = _work_text(small_county)
    assert "；检出不合格7批次，已完成核查处置2批次（2/7），尚有5批次核查处置未完成。" in text
    assert "均依法开展核查处置" not in text and "均已依法完成核查处置" not in text
    dispose("S2", "S3", "S5", "S7", "S8")
    assert "；检出不合格7批次，均已依法完成核查处置。" in _work_text(small_county)


def test_found_problems_are_said_listed_only_when_the_list_holds_them(small_county):
    """I1 (e5's inspection, 2023-08-20) found 1 problem; P1 (监督检查, found 2023-06-01) is on the
    问题整改 list but is e1's, so it does not stand for e5's problem. Once e5's problem is listed
    the list holds it; with I1 finding 3 it holds 1 of them."""
    build(small_county)
    text = _work_text(small_county)
    assert "发现问题1个，均尚未列入问题整改清单。" in text and "均建立问题清单" not in text
    with small_county.begin() as conn:
        conn.execute(update(Problem).where(Problem.problem_no == "P1").values(credit_code=code(5)))
    assert "发现问题1个，均建立问题清单，明确整改期限，实行闭环管理。" in _work_text(small_county)
    with small_county.begin() as conn:
        conn.execute(update(Inspection).where(Inspection.inspection_no == "I1").values(count_problems=3))
    text = _work_text(small_county)
    assert ("平均每家在产企业0.2次，发现问题3个，其中1个已列入问题整改清单并明确整改期限（1/3），"
            "2个尚未列入问题整改清单。") in text
    assert "均建立问题清单" not in text
    with small_county.begin() as conn:
        conn.execute(update(Inspection).where(Inspection.inspection_no == "I1").values(count_problems=0))
    text = _work_text(small_county)
    assert "平均每家在产企业0.2次，未发现问题。" in text and "均建立问题清单" not in text
