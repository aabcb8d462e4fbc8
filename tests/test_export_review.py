"""The stage summary after the black-box review (docs/indicators.md: "Every figure carries its numerator
and denominator"; 星级评比 and 工作任务台账 are tables every stage summary shows per unit), on the sample
county: 表2 and the sentences of 三、 carry n of d, 图1 labels its bars, every summary has the 星级评比
and 示范企业, the workbook has a 工作任务台账 sheet, 0 of 0 months read 无数据, the 星级 sheet's title spans
its table, and --phase is trimmed like --unit and --month.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from dashboard.__main__ import main as cli_main
from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.exports import build_summary, chart_images, render
from dashboard.exports.blocks import Table
from dashboard.exports.narrative import briefing, plain_text
from dashboard.exports.xlsx import COMPLETENESS_SHEET, LEDGER_SHEET, STARS_SHEET

from tests.regen_golden import FROZEN_AT

CONF = load_campaign()


@pytest.fixture(scope="module")
def summaries(sample_county):
    engine = sample_county.engine
    viewer = system_viewer(engine)

    def make(**kw):
        return build_summary(engine, CONF, viewer, generated_at=FROZEN_AT, **kw)

    return {"phase1": make(phase=1), "phase2": make(phase=2), "phase3": make(phase=3),
            "anfeng_07": make(month="2023-07", unit="DT03", as_of=date(2023, 7, 31)),
            "tangyang_07": make(month="2023-07", unit="DT10", as_of=date(2023, 7, 31))}


def _tables(blocks, prefix: str) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table) and b.caption.startswith(prefix)]


def _section(text: str, head: str, next_head: str) -> str:
    return text[text.index(head):text.index(next_head)]


# ------------------------------------------------------------------ 1. 表2 and the sentences of 三、
def test_units_table_cells_carry_n_of_d_and_zero_denominators_read_no_data(summaries):
    blocks = briefing(summaries["phase2"])
    first, more = _tables(blocks, "表2")
    assert first.caption == "表2　各分局（所）目标完成率" and more.caption == "表2（续）　各分局（所）目标完成率"
    assert first.header[:3] == ["单位", "企业自查率", "三类人三件事三本账"] and len(first.header) == 8
    assert more.header[-2:] == ["飞行交叉检查率", "达标项数"] and len(more.header) == 8  # 13 targets: 7 + 6
    rows = {r[0]: r for r in first.rows}
    assert rows["全市"][1:3] == ["98.8%（172/174）", "93.6%（163/174）"]
    assert rows["南沈灶分局"][2] == "66.6%（6/9）"  # rounded down: 6/9 = 66.67 %
    rows = {r[0]: r for r in more.rows}
    assert rows["全市"][-2:] == ["0.0%（0/8）", "2/13"]
    assert rows["开发区分局"][-2:] == ["无数据（0/0）", "7/13"]  # labels.figure_text, as everywhere
    assert [r[0] for r in more.rows] == [r[0] for r in first.rows]
    for table in (first, more):  # every rate cell: a percentage (or 无数据) with its n of d
        for row in table.rows:
            for cell in row[1:1 + 7]:
                if "%" in cell or "无数据" in cell:
                    assert re.fullmatch(r"(\d{1,3}\.\d%|无数据)（\d+/\d+）", cell), cell


def test_units_table_prints_the_figure_over_its_n_of_d_in_word(summaries):
    doc = Document(io.BytesIO(render(summaries["phase2"], "docx")))
    table = next(t for t in doc.tables if t.rows[0].cells[1].text == "企业自查率")
    cells = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    assert cells["南沈灶分局"][2] == "66.6%\n（6/9）"  # a line break of its own, not where the column ends
    assert cells["全市"][1] == "98.8%\n（172/174）"


def test_sentences_of_the_units_section_carry_n_of_d(summaries):
    text = plain_text(briefing(summaries["phase2"]))
    units = _section(text, "三、各分局（所）完成情况", "表2　")
    assert "“三类人、三件事、三本账”管理率未达标的有南沈灶分局（66.6%，6/9）、唐洋分局（80.0%，8/10）" in units
    assert "企业食品安全自查率未达标的有溱东分局（81.8%，9/11）。" in units
    assert "相对滞后的是梁垛分局（达标6项，风险隐患企业飞行/交叉检查率仅0.0%，0/1）" in units
    bare = re.findall(r"\d+\.\d%(?!，\d+/\d+)", units)
    assert bare == []  # no rate of a unit without its n of d
    steps = text[text.index("五、下一步工作"):]
    assert "企业食品安全自查率（目前98.8%，172/174，目标100%" in steps


# ------------------------------------------------------------------ 2. 图1's labels
def test_phase_chart_labels_every_bar_and_no_data(summaries):
    s = summaries["phase3"]
    spec = chart_images.chart_for(s, "phases").to_dict()
    data = next(iter(spec["datasets"].values()))
    by = {(r["指标"], r["阶段"]): (r["完成率"], r["完成/总数"]) for r in data}
    assert by[("食安员抽考合格率", "第1阶段")] == ("无数据", "0/0")  # no bar, but a label
    assert by[("飞行交叉检查率", "第2阶段")] == ("0.0%", "0/8")
    assert by[("企业自查率", "第3阶段")] == ("98.8%", "172/174")
    if not chart_images.available():
        pytest.skip("vl-convert-python is not installed")
    svg = chart_images._converter().vegalite_to_svg(spec)  # the drawn image holds the labels
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in ("无数据", "0/0", "0.0%", "0/8", "98.8%", "172/174", "50.0%", "1/2"):
        assert label in texts, label
    assert chart_images.chart_png(s, "phases").startswith(b"\x89PNG")


# ------------------------------------------------------------------ 3. 星级评比 in every summary
def test_every_stage_summary_shows_the_star_ratings_per_unit(summaries):
    for name in ("phase1", "phase2", "anfeng_07"):
        blocks = briefing(summaries[name])
        stars = next(b for b in blocks if isinstance(b, Table) and "年度星级评比（按单位）" in b.caption)
        assert stars.header == ["单位", "一星级", "二星级", "三星级", "未评上", "参评企业", "示范企业"]
        models = [b for b in blocks if isinstance(b, Table) and "示范企业名单" in b.caption]
        assert models and models[0].caption.endswith("2023年度示范企业名单（2022、2023年度连续三星级）")
    county = next(b for b in briefing(summaries["phase1"]) if isinstance(b, Table) and "星级评比" in b.caption)
    assert county.caption == "附表2　2023年度星级评比（按单位）"  # after the 检验项目类别 (no case yet)
    assert county.rows[0] == ["东台市市场监督管理局", "21", "32", "7", "1", "61", "6"]
    assert county.rows[10] == ["唐洋分局", "—", "—", "—", "—", "尚无评比", "—"]
    anfeng = next(b for b in briefing(summaries["anfeng_07"]) if isinstance(b, Table) and "星级评比" in b.caption)
    assert anfeng.rows == [["安丰分局", "1", "6", "1", "0", "8", "1"]]


def test_a_year_without_ratings_says_so(summaries):
    s = summaries["tangyang_07"]
    blocks = briefing(s)
    stars = next(b for b in blocks if isinstance(b, Table) and "星级评比" in b.caption)
    assert stars.rows == [["唐洋分局", "—", "—", "—", "—", "尚无评比", "—"]]
    assert stars.note == "唐洋分局2023年度尚无星级评比记录（无数据），无法评定示范企业。"
    assert not [b for b in blocks if isinstance(b, Table) and "示范企业名单" in b.caption]
    doc = Document(io.BytesIO(render(s, "docx")))
    assert stars.note in [p.text for p in doc.paragraphs]  # the line under the table in Word
    ws = load_workbook(io.BytesIO(render(s, "xlsx")))[STARS_SHEET]
    rows = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    assert rows[1] == [stars.note]
    assert ["唐洋分局", 0, 0, 0, 0, 0, 0, "尚无评比"] in rows


def test_the_award_sentence_stays_in_the_last_phase(summaries):
    assert "开展星级评比和授牌表彰" not in plain_text(briefing(summaries["phase2"]))
    assert ("开展星级评比和授牌表彰。2023年度全市参评企业61家，评为三星级7家、二星级32家、一星级21家，未评上1家；"
            in plain_text(briefing(summaries["phase3"])))


@pytest.mark.parametrize("name", ["phase1", "phase2", "phase3", "anfeng_07"])
def test_star_sheet_in_every_workbook_and_its_title_spans_the_table(summaries, name):
    ws = load_workbook(io.BytesIO(render(summaries[name], "xlsx")))[STARS_SHEET]
    header = [c.value for c in ws[2] if c.value is not None]
    assert header == ["单位", "一星级", "二星级", "三星级", "未评上", "参评企业", "示范企业", "备注"]
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}  # the title spans all 8 columns
    if name == "phase2":
        assert [c.value for c in ws[3]][:7] == ["东台市市场监督管理局", 21, 32, 7, 1, 61, 6]
        assert [c.value for c in ws[13]] == ["唐洋分局", 0, 0, 0, 0, 0, 0, "尚无评比"]


# ------------------------------------------------------------------ 4. 工作任务台账 in the workbook
def test_workbook_has_the_work_ledger_with_typed_cells(summaries):
    s = summaries["phase2"]
    ws = load_workbook(io.BytesIO(render(s, "xlsx")))[LEDGER_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1][0] == "行动工作任务台账（逾期的在前）"
    assert rows[2] == ["序号", "阶段", "工作任务", "责任科室", "完成期限", "状态", "完成日期", "逾期天数", "完成情况"]
    assert rows[3] == [1, "第1阶段", "各分局（所）进一步细化工作措施，明确责任人、责任时限", "办公室",
                       datetime(2023, 4, 30), "进行中", None, 123, "进行中，逾期123天"]
    assert rows[6][4:] == [datetime(2023, 4, 30), "已完成", datetime(2023, 6, 28), 0, "超期完成（6月28日）"]
    assert ws.cell(4, 5).is_date and ws.cell(4, 8).data_type == "n" and ws.cell(4, 1).data_type == "n"
    # the same rows as the briefing's 附表 (行动工作任务台账, then the units' counts)
    items, units = _tables(briefing(s), "附表6")[0], _tables(briefing(s), "附表7")[0]
    assert [r[2] for r in rows[3:3 + len(items.rows)]] == [r[2] for r in items.rows]
    assert [r[-1] for r in rows[3:3 + len(items.rows)]] == [r[-1] for r in items.rows]
    start = next(i for i, r in enumerate(rows) if r[0] == "各分局（所）细化工作措施") + 2
    by_unit = {r[0]: r[:7] for r in rows[start:start + len(units.rows)]}
    assert list(by_unit) == [r[0] for r in units.rows]
    assert by_unit["富安分局"] == ["富安分局", 10, 7, 3, 0, 1, datetime(2023, 4, 2)]
    assert by_unit["头灶分局"] == ["头灶分局", 0, 0, 0, 0, 0, "未报送"]
    listed = rows[start + len(units.rows) + 3:]
    assert listed[0][:2] == [1, "富安分局"] and listed[0][6:] == [None, 31, "进行中，逾期31天"]
    assert sum(1 for r in listed if isinstance(r[0], int)) == 99  # every 细化措施 of the units


def test_a_units_ledger_sheet_lists_its_own_measures_and_no_later_done_day(summaries):
    ws = load_workbook(io.BytesIO(render(summaries["anfeng_07"], "xlsx")))[LEDGER_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1][0] == "安丰分局细化工作措施（逾期的在前）"
    # done on 8月9日, after the summary's 7月31日: 进行中 on as_of, and no done day shown
    assert rows[3] == [1, "督促企业落实“三类人、三件事、三本账”，每月核查一次", "仲伟梅", datetime(2023, 6, 30), "进行中",
                       None, 31, "进行中，逾期31天"]


# ------------------------------------------------------------------ 5. 0 of 0 months
def test_completeness_of_no_month_due_reads_no_data(summaries):
    ws = load_workbook(io.BytesIO(render(summaries["anfeng_07"], "xlsx")))[COMPLETENESS_SHEET]
    assert [c.value for c in ws[3]] == ["安丰分局", "待报", 0, 0, 0, 0, 0, "无数据", "无数据"]
    ws = load_workbook(io.BytesIO(render(summaries["phase2"], "xlsx")))[COMPLETENESS_SHEET]
    shiyan = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "时堰分局")
    assert [c.value for c in shiyan[-2:]] == [1, 0.333] and shiyan[-1].number_format == "0.0%"


# ------------------------------------------------------------------ 7. --phase trimmed
def test_cli_trims_the_phase_like_unit_and_month(sample_county_url, tmp_path, capsys):
    out = tmp_path / "p2.xlsx"
    assert cli_main(["--db", sample_county_url, "export", "--phase", " 2 ", "--unit", " 安丰分局 ",
                     "--format", "xlsx", "--out", str(out)]) == 0
    assert "（安丰分局，深入推进阶段，xlsx" in capsys.readouterr().out
    assert cli_main(["--db", sample_county_url, "targets", "--phase", " 深入推进阶段 ", "--json"]) == 0
    assert '"2023-05-01"' in capsys.readouterr().out
