"""Every page through Streamlit's AppTest on the sample county (SQLite): the figures shown equal the
target engine's, the unit filter narrows them, 无数据 shows where a denominator is 0, no raw
column key is ever shown, and no page file sits where legacy routing would pick it up."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import text as sql
from streamlit.testing.v1 import AppTest

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign, phase_window
from dashboard.db import get_engine
from dashboard.figures.gaps import missing_enterprises
from dashboard.figures.grading import grade_matrix, matrix_table
from dashboard.figures.selection import select
from dashboard.figures.targets import compute_targets, overdue_problems
from dashboard.labels import short_of
from dashboard.periods import Window, month_window
from dashboard.ui import widgets

from tests.pages_support import PROJECT_DIR, sign_in

CONF = load_campaign()
AS_OF = date(2023, 11, 30)
CARD = re.compile(r'<div class="t">(.*?)</div><div class="v">(.*?)<span class="nd">（(.*?)）</span>')


def engine_figures(url, unit=None, window=None, as_of=AS_OF, by_unit=False):
    eng = get_engine(url)
    window = window or Window(CONF.start_date, CONF.end_date, "")
    return compute_targets(eng, CONF, system_viewer(eng), unit=unit, window=window,
                           as_of=min(as_of, window.end_date), by_unit=by_unit)


# The overview's expanders build their tables only while open (widgets.lazy_expander); the tests
# read those tables, so they open them as a click does.
OVERVIEW_EXPANDERS = ("ovw_open_exceptions", "ovw_open_matrix", "ovw_open_grades")


def open_page(page: str | None = None, *, expanded: bool = True, **params) -> AppTest:
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120))
    for key in OVERVIEW_EXPANDERS if expanded else ():
        at.session_state[key] = True
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> list[tuple[str, str, str]]:
    """(name, percent, n/d) of every figure card on the page, in order."""
    out = []
    for m in at.markdown:
        if "fig-card" in m.value:
            out += [(unescape(n), v, nd) for n, v, nd in CARD.findall(m.value)]
    return out


def expected_cards(figs) -> list[tuple[str, str, str]]:
    return [(f.name, f.percent_text, f.nd_text) for f in figs]


def all_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(str(c.value) for c in at.caption)


def matrix(at: AppTest, rows: str = "单位"):
    """The first unit × target (unit × phase, month × unit) matrix on the page."""
    return next(d.value for d in at.dataframe if d.value.index.name == rows)


def assert_chinese_headers(at: AppTest) -> None:
    for df in at.dataframe:
        frame = df.value
        for col in [*frame.columns, frame.index.name]:
            if col is None:
                continue
            assert not re.fullmatch(r"[A-Za-z_]+", str(col)), f"raw column key shown: {col}"


# ------------------------------------------------------------------ routing
def test_no_pages_folder_beside_the_entry_script():
    """A folder named pages/ beside app.py switches Streamlit 1.67 into its legacy routing on a
    fresh server (a page URL could run a page file directly, skipping the login gate): the pages
    live in app_pages/, and no pages/ folder may come back."""
    assert not (PROJECT_DIR / "pages").exists()
    assert (PROJECT_DIR / "app_pages" / "overview.py").exists()


# ------------------------------------------------------------------ 领导小组总览
def test_overview_cards_and_matrix_equal_the_engine(sample_county_env):
    at = open_page()
    figs = engine_figures(sample_county_env, by_unit=True)
    county = [f for f in figs if f.unit_code == "DT"]
    assert cards(at)[:13] == expected_cards(county)
    table = matrix(at)
    for f in figs:
        if f.unit_code != "DT":
            assert table.loc[f.unit_name, f.name].startswith(f"{f.percent_text}（{f.nd_text}）")
    eng = get_engine(sample_county_env)
    overdue = overdue_problems(eng, select(eng, CONF, system_viewer(eng), as_of=AS_OF))
    assert f'<div class="n">{len(overdue)}<span' in all_text(at)
    assert_chinese_headers(at)



def test_overview_shows_the_grade_matrices_of_the_figures_layer(sample_county_env):
    """风险分级监管: the unit × 风险等级 and × 信用等级 tables are dashboard.figures.grading's, the
    required numbers from the campaign file's graded target (hand counts: test_campaign_file.py)."""
    at = open_page()
    eng = get_engine(sample_county_env)
    shown = [d.value for d in at.dataframe if "A级" in d.value.columns]
    assert len(shown) == 2
    for frame, axis in zip(shown, ("风险等级", "信用等级")):
        rows = matrix_table(grade_matrix(eng, select(eng, CONF, system_viewer(eng), as_of=AS_OF,
                                                     window=Window(CONF.start_date, CONF.end_date, "")), grade=axis))
        assert list(frame.columns) == ["所属单位", "A级", "B级", "C级", "D级", "未定级", "合计"]
        assert frame.values.tolist() == [[r["unit_name"], r["grade_a"], r["grade_b"], r["grade_c"], r["grade_d"],
                                          r["grade_none"], r["grade_total"]] for r in rows]
    assert shown[0].iloc[0, 6].startswith("174家｜检查 ")  # every active enterprise has a 风险等级

def test_the_overviews_closed_expanders_build_no_tables(sample_county_env):
    """Closed (as a page opens), the overview's three expanders send the browser no table and the
    grade matrices are not read; opening one builds its tables."""
    at = open_page(expanded=False)
    assert not at.dataframe and not at.tabs
    assert [e.label for e in at.expander][:3] == [
        "异常明细（逾期问题、未处置样品、进度落后、未上报、未立案、工作任务）", "表格视图（各下级单位 × 指标）",
        "风险分级监管：各单位按风险等级、信用等级的企业数与监督检查（已做/应做）"]
    at.session_state["ovw_open_grades"] = True  # what a click on the expander does
    at.run()
    assert [list(d.value.columns)[:2] for d in at.dataframe] == [["所属单位", "A级"]] * 2
    assert not at.tabs


def test_overview_unit_filter_narrows(sample_county_env):
    at = open_page(unit="DT03", window="phase2")
    figs = engine_figures(sample_county_env, unit="DT03", window=phase_window(CONF, 2))
    assert cards(at)[:13] == expected_cards(figs)
    assert "安丰分局" in all_text(at)
    county = engine_figures(sample_county_env, window=phase_window(CONF, 2))
    assert cards(at)[:13] != expected_cards(county)


def test_overview_since_last_meeting(sample_county_env):
    at = open_page(since="2023-08-31")
    text = all_text(at)
    assert "与上次会议（数据截至 2023-08-31）相比" in text
    before = engine_figures(sample_county_env, window=Window(CONF.start_date, date(2023, 8, 31), ""),
                            as_of=date(2023, 8, 31), by_unit=True)
    table = next(d.value for d in at.dataframe if "上次" in d.value.columns)
    # 持平 hidden by default; 变化 a number (sorts −3.8 before −0.5), falls first
    change = table["变化（百分点）"]
    assert str(change.dtype) == "Float64" and list(change.dropna()) == sorted(change.dropna())
    assert 0 not in list(change.dropna()) and len(table) < len(before)
    at.toggle(key="ovw_show_flat").set_value(True).run()
    table = next(d.value for d in at.dataframe if "上次" in d.value.columns)
    assert len(table) == len(before)
    assert {f"{f.percent_text}（{f.nd_text}）" for f in before} <= set(table["上次"])
    # the date is typed (applies on Enter) with a Chinese placeholder; a wrong one is said in Chinese
    box = at.text_input(key="ovw_since")
    assert box.placeholder == "例如 2023-07-31，输入后按回车"
    box.set_value("2023-13-01").run()
    assert any("不是 2023-03-01 至" in w.value for w in at.warning)
    assert not [d for d in at.dataframe if "上次" in d.value.columns]


def zero_denominator_case(url):
    """A (unit, window key, window, figure) whose denominator is 0 in the sample county."""
    for key, window in [("phase1", phase_window(CONF, 1)), *[(m, month_window(m)) for m in
                                                             ("2023-03", "2023-04", "2023-05")]]:
        for f in engine_figures(url, window=window, by_unit=True):
            if f.denominator == 0:
                return f.unit_code, key, window, f
    pytest.fail("the sample county has no zero denominator in the early windows")


def test_no_data_shown_where_denominator_is_zero(sample_county_env):
    unit, key, window, fig = zero_denominator_case(sample_county_env)
    at = open_page(unit=unit, window=key)
    shown = {name: (v, nd) for name, v, nd in cards(at)}
    assert shown[fig.name] == ("无数据", "0/0")
    assert "分母为 0，无数据" in all_text(at)


# ------------------------------------------------------------------ 分局看板
def test_sub_bureau_page_equals_engine_and_lists_the_missing(sample_county_env):
    at = open_page("sub_bureau", unit="DT03")
    figs = engine_figures(sample_county_env, unit="DT03")
    assert cards(at)[:13] == expected_cards(figs)
    short = [f for f in figs if f.value is not None and f.value < 1]
    tab_labels = [t.label for t in at.tabs]
    eng = get_engine(sample_county_env)
    card_text = all_text(at)
    for f in short:
        need = short_of({"threshold": f.threshold, "numerator": f.numerator, "denominator": f.denominator})
        # the tab and the card say the same: 还差 N to the target (or 已达标)
        assert f"{f.name}（{'已达标' if f.met else f'还差 {need}'}）" in tab_labels
        assert f.met or f"还差 {need} 个" in card_text
        rows = missing_enterprises(eng, select(eng, CONF, system_viewer(eng), unit="DT03",
                                               window=Window(CONF.start_date, CONF.end_date, ""), as_of=AS_OF),
                                   target=f.target)
        assert len(rows) == f.denominator - f.numerator
    tables = [d.value for d in at.dataframe if "包保干部" in getattr(d.value, "columns", [])]
    assert tables and all("原因" in t.columns or "问题编号" in t.columns for t in tables)
    assert_chinese_headers(at)
    # 安丰分局's two 不合格 batches (2023-06-26, 2023-09-21) are both 已完成: not to be followed up
    sampling = next(f for f in short if f.target == "sampling_pass")
    assert f"{sampling.name}（还差 1）" in tab_labels
    captions = [c.value for c in at.caption]
    # 133/135 = 98.5% shown; ⌈0.99 × 135⌉ = 134 needed, so 还差 1; 99.0 − 98.5 = 0.5 points
    assert f"{sampling.name}：98.5%（133/135），目标 ≥99%，还差 1 个（0.5 个百分点）。" \
        "以下 0 个尚未计入分子。" in captions
    assert "另有 2 批不合格产品已完成核查处置（不计入合格批次，无需再跟进）：" in captions


def test_a_chiefs_home_is_their_own_units_overview(sample_county_env):
    at = sign_in(AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120), "dt03_chief")
    for key in OVERVIEW_EXPANDERS:
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert "### 安丰分局总览" in text and "领导小组总览" not in text
    assert "下级单位" not in text + "".join(t.label for t in at.tabs)
    assert "进度落后的指标" in text


def test_sub_bureau_unit_filter_and_root_picker(sample_county_env):
    at = open_page("sub_bureau", unit="DT05")
    assert cards(at)[:13] == expected_cards(engine_figures(sample_county_env, unit="DT05"))
    assert "分局看板 · 时堰分局" in all_text(at)
    root = open_page("sub_bureau")
    assert "请选择一个分局" in "\n".join(i.value for i in root.info)
    assert not cards(root)


# ------------------------------------------------------------------ 阶段进展
def test_phases_page_equals_engine(sample_county_env):
    at = open_page("phases", unit="DT02")
    shown = cards(at)
    expected = []
    for p in CONF.phases:
        expected += expected_cards(engine_figures(sample_county_env, unit="DT02", window=phase_window(CONF, p.seq),
                                                  as_of=p.end_date))
    assert shown == expected
    table = matrix(at)
    first = engine_figures(sample_county_env, unit="DT02", window=phase_window(CONF, 1), as_of=date(2023, 4, 30))[0]
    assert table.loc["开发区分局", "第1阶段"].startswith(f"{first.percent_text}（{first.nd_text}）")
    text = all_text(at)
    for p in CONF.phases:
        assert p.name in text and all(item.text in text for item in p.work_items)


# ------------------------------------------------------------------ 企业档案
def test_enterprise_file_shows_every_record_with_its_upload(sample_county_env):
    eng = get_engine(sample_county_env)
    with eng.connect() as conn:
        code, name = conn.execute(sql(
            "select e.credit_code, e.name from enterprise e join problem p on p.credit_code = e.credit_code "
            "join sampling s on s.credit_code = e.credit_code order by e.credit_code limit 1")).one()
        counts = {t: conn.execute(sql(f"select count(*) from {t} where credit_code = :c"), {"c": code}).scalar()
                  for t in ("self_inspection", "problem", "sampling", "cadre_visit")}  # fixed table names
    at = open_page("enterprise", q=code[:10], ent=code)
    assert f"#### {name}" in all_text(at)
    labels = [t.label for t in at.tabs]
    for title, table in (("企业自查", "self_inspection"), ("问题整改", "problem"), ("监督抽检", "sampling"),
                         ("包保督导", "cadre_visit")):
        assert f"{title}（{counts[table]}）" in labels
    with_batches = [d.value for d in at.dataframe if "上报文件" in d.value.columns]
    assert with_batches and all(d["上报文件"].str.endswith(".xlsx").all() for d in with_batches)
    assert_chinese_headers(at)


def test_enterprise_search_narrowed_by_unit(sample_county_env):
    county = open_page("enterprise", q="食品")
    unit = open_page("enterprise", q="食品", unit="DT03")
    n_county = int(re.search(r"找到 (\d+) 家", county.selectbox(key="ent_pick").label)[1])
    pick = unit.selectbox(key="ent_pick")
    n_unit = int(re.search(r"找到 (\d+) 家", pick.label)[1])
    assert 0 < n_unit < n_county
    assert all("安丰分局" in o for o in pick.options)


# ------------------------------------------------------------------ 监督抽检
def test_sampling_page_equals_engine(sample_county_env):
    at = open_page("sampling", window="phase2")
    fig = next(f for f in engine_figures(sample_county_env, window=phase_window(CONF, 2)) if f.target == "sampling_pass")
    assert cards(at)[0] == (fig.name, fig.percent_text, fig.nd_text)
    failed = next(d.value for d in at.dataframe if "不合格项目" in d.value.columns)
    assert len(failed) == fig.denominator - fig.numerator + _risk_failures(sample_county_env, None, phase_window(CONF, 2))
    monthly = matrix(at, "月份")
    for m in ("2023-05", "2023-06", "2023-07", "2023-08"):
        f = next(f for f in engine_figures(sample_county_env, window=month_window(m)) if f.target == "sampling_pass")
        assert monthly.loc[month_window(m).label, "东台市市场监督管理局"].startswith(f"{f.percent_text}（{f.nd_text}）")
    narrowed = open_page("sampling", window="phase2", unit="DT07")
    fig7 = next(f for f in engine_figures(sample_county_env, unit="DT07", window=phase_window(CONF, 2))
                if f.target == "sampling_pass")
    assert cards(narrowed)[0] == (fig7.name, fig7.percent_text, fig7.nd_text)
    assert fig7.denominator < fig.denominator
    assert_chinese_headers(at)


def _risk_failures(url, unit, window) -> int:
    """不合格 风险监测 batches: listed on the page, not counted in the pass rate."""
    with get_engine(url).connect() as conn:
        return conn.execute(sql("select count(*) from sampling where task_source = '风险监测' and verdict <> '合格' "
                                "and sampling_date >= :a and sampling_date <= :b"),
                            {"a": window.start_date, "b": window.end_date}).scalar()


# ------------------------------------------------------------------ 问题整改
def test_rectification_page_equals_engine(sample_county_env):
    at = open_page("rectification")
    fig = next(f for f in engine_figures(sample_county_env) if f.target == "rectification")
    assert cards(at)[0] == (fig.name, fig.percent_text, fig.nd_text)
    eng = get_engine(sample_county_env)
    overdue = overdue_problems(eng, select(eng, CONF, system_viewer(eng), as_of=AS_OF))
    assert f'<div class="n">{len(overdue)}<span' in all_text(at)
    listing = next(d.value for d in at.dataframe if "超期天数" in d.value.columns and "整改状态" in d.value.columns)
    assert (listing["整改状态"] == "逾期未整改").sum() == len(overdue)
    assert set(listing.loc[listing["整改状态"] == "逾期未整改", "问题编号"]) == {p["problem_no"] for p in overdue}
    narrowed = open_page("rectification", unit="DT09")
    fig9 = next(f for f in engine_figures(sample_county_env, unit="DT09") if f.target == "rectification")
    assert cards(narrowed)[0] == (fig9.name, fig9.percent_text, fig9.nd_text)
    assert fig9.denominator < fig.denominator
    assert_chinese_headers(at)


# ------------------------------------------------------------------ provenance
@pytest.mark.parametrize("page", [None, "sub_bureau", "phases", "sampling", "rectification"])
def test_provenance_counts_equal_the_figure(sample_county_env, page):
    at = open_page(page, unit="DT04")
    assert not any(s.key and s.key.startswith("prov_") for s in at.selectbox)  # read only when opened
    key = {None: "overview", "rectification": "problems"}.get(page, page)
    at.session_state[widgets.PROVENANCE_OPEN + key] = True  # what a click on the expander does
    at.run()
    pick = next(s for s in at.selectbox if s.key and s.key.startswith("prov_"))
    label = pick.format_func(pick.value)
    n, d = re.search(r"（(\d+)/(\d+)）$", label).groups()
    tabs = [t.label for t in at.tabs]
    assert f"分子：{n} 条" in tabs and f"分母：{d} 条" in tabs
    prov = [df.value for df in at.dataframe if "上报文件" in " ".join(df.value.columns) or
            "依据来源文件" in df.value.columns]
    assert prov, "provenance tables show the upload of each record"


LINK = "[请重新登录](https://evil.example/login)"


def test_reflected_campaign_and_since_are_plain_text(sample_county_env):
    """?campaign= and ?since= come back in warnings: as literal text, never a Markdown link."""
    at = open_page(campaign=LINK, since=LINK)
    warnings = [w.value for w in at.warning]
    assert not at.exception, at.exception
    assert any("没有可查看的行动" in w for w in warnings) and any("不是" in w for w in warnings)
    echoed = [w for w in warnings if "请重新登录" in w]
    assert len(echoed) == 2
    assert all("\\[请重新登录\\]" in w and "](" not in w for w in echoed)  # escaped: no link syntax left
