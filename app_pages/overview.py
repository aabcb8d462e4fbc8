"""领导小组总览: one screen for the leadership meeting — exceptions first, the nine figures, the
matrix of the units directly below × targets, the phase timeline, pace and forecast, and the change
since the last meeting. Every figure comes from the target engine (through dashboard.ui.data).
At province scale an exception list runs to tens of thousands: the page lists the most urgent
SHORT with the true total, the count under each unit below and a link to the page listing all.
Printed, the page is one A4 landscape sheet for the meeting (dashboard.ui.meeting_sheet, built last).
The timeline and the two heatmaps are HTML (dashboard.ui.html_charts), not Vega: the first page
after sign-in is drawn without Vega's scripts (issue #16 goal 1b)."""
import streamlit as st

from dashboard.campaign import phase_label

from dashboard.figures.measures import LEVEL, cn_number, measures
from dashboard.figures.exceptions import behind_units, compare, comparison_rows
from dashboard.figures.work_ledger import behind_by_owner
from dashboard.periods import Window, month_of
from dashboard.ui import controls, data, html_charts, meeting_sheet, widgets

SHORT = 20  # rows of each exception list shown here (the most urgent); the full lists are on their pages

choice, sel, ver, conf = controls.current(), controls.selection(), data.version(), data.campaign()
title = "领导小组总览" if choice.unit_code == conf.root.code else f"{choice.unit_name}总览"
widgets.page_setup(title, choice)

figs = data.figures(ver, sel, True)
own = [f for f in figs if f["unit_code"] == choice.unit_code]
below = [f for f in figs if f["unit_code"] != choice.unit_code]
paces = data.paces(ver, sel)
overdue = data.short_list("overdue", ver, sel, SHORT)
undisposed = data.short_list("undisposed", ver, sel, SHORT)
unfiled = data.short_list("unfiled", ver, sel, SHORT)  # 严打: no case 30 days on
behind = behind_units(paces)
# a unit without units below it (a chief's own): its own targets behind pace, never "下级单位"
lagging = [{"target_name": p.name, "current_text": p.percent_text, "expected_text": p.expected_text}
           for p in paces if p.unit_code == choice.unit_code and p.is_behind] if not below else []
silent = [r for r in data.report_status(ver, sel) if not r["reported"]]
# 工作任务台账: the campaign's own items are the county's (shown on the campaign root's view), the
# units' tasks and the §四(一) measures each unit's
ledger = data.ledger(ver, sel)
late_work = ([{**r, "kind": "行动工作任务"} for r in ledger.overdue_items] if choice.unit_code == conf.root.code else []) \
    + [{**r, "kind": f"{r['unit_name']}工作任务", "text": r["content"],
        "owner": f"{r['unit_name']}，责任人{r['owner_name']}"}
       for r in ledger.overdue_tasks]
late_work.sort(key=lambda r: -r["days_overdue"])
no_measures = ledger.missing_measures
owners = {t.code: t.owner for t in conf.targets}

# ---------------------------------------------------------------- exceptions first
month = month_of(choice.as_of).label
behind_card = ("进度落后的下级单位", len(behind), "个") if below else ("进度落后的指标", len(lagging), "项")
strip = [("逾期未整改问题", overdue["total"], "件"), ("不合格样品未处置完毕", undisposed["total"], "批"),
         behind_card, (f"{month}尚未上报的单位", len(silent), "个"),
         (f"严重不合格满{conf.strike.case_due_days}日未立案", unfiled["total"], "批"),
         ("逾期的工作任务", len(late_work), "项"), ("未报细化措施的单位", len(no_measures), "个")]
# Each heading travels in the element it heads (here and below): every element of the page is sent
# and drawn again on every rerun of every session, ten of them at once after an upload (issue #16).
st.markdown("#### 需要关注\n\n" + widgets.exception_strip(strip), unsafe_allow_html=True)
OVERDUE_COLUMNS = ["unit_name", "enterprise_name", "cadre_name", "problem_no", "source", "description",
                   "deadline_date", "days_overdue", "problem_status"]
UNDISPOSED_COLUMNS = ["unit_name", "name", "sample_no", "food_name", "sampling_date", "failed_items",
                      "disposal_status", "days_open"]
UNFILED_COLUMNS = ["unit_name", "name", "sample_no", "food_name", "sampling_date", "reason", "case_due_date", "days_open"]
# The expanders' tables are built only while open (widgets.lazy_expander): a unit switch renders
# every element of the page again, and these tables were most of the overview's.
OPEN_KEYS = ("ovw_open_exceptions", "ovw_open_matrix", "ovw_open_grades")


def exception_tabs() -> None:
    """The exception lists in full (the short lists), one tab each."""
    tabs = st.tabs([f"逾期未整改问题（{overdue['total']}）", f"不合格样品未处置（{undisposed['total']}）",
                    f"{behind_card[0]}（{behind_card[1]}）", f"{month}未上报（{len(silent)}）",
                    f"满{conf.strike.case_due_days}日未立案（{unfiled['total']}）",
                    f"工作任务（逾期 {len(late_work)}，未报细化措施 {len(no_measures)}）"])
    with tabs[0]:
        widgets.short_list_note(overdue, "件", "逾期天数最多", "app_pages/rectification.py",
                                f"全部 {overdue['total']} 件见“问题整改”页的问题清单（逾期在前）")
        widgets.table(overdue["rows"], OVERDUE_COLUMNS, empty="没有逾期未整改的问题", paper=False)
    with tabs[1]:
        widgets.short_list_note(undisposed, "批", "抽样最早", "app_pages/sampling.py",
                                "全部不合格批次及其核查处置状态见“监督抽检”页")
        widgets.table(undisposed["rows"], UNDISPOSED_COLUMNS, empty="不合格样品均已处置", paper=False)
    with tabs[2]:  # a list that wraps: a unit can be behind on every target
        if below and behind:
            st.markdown(widgets.html_table(behind, ["unit_name", "behind_targets"]), unsafe_allow_html=True)
        elif lagging:
            st.markdown(widgets.html_table(lagging, ["target_name", "current_text", "expected_text"]),
                        unsafe_allow_html=True)
        else:
            st.info("各下级单位均符合进度" if below else "各项指标均符合进度")
    with tabs[3]:
        widgets.table(silent, ["unit_name", "last_record_date", "last_upload"], empty="各单位本月均已上报", paper=False)
    with tabs[4]:
        widgets.short_list_note(unfiled, "批", "抽样最早", "app_pages/enforcement.py",
                                "全部案件及严重不合格批次的立案情况见“严打（违法案件）”页")
        widgets.table(unfiled["rows"], UNFILED_COLUMNS, empty=f"{conf.strike.label}不合格批次均已立案（或未满{conf.strike.case_due_days}日）", paper=False)
    with tabs[5]:
        st.page_link("app_pages/tasks.py", label="工作任务台账（全部工作任务、按责任科室和单位统计、标记完成情况）",
                     icon=":material/checklist:")
        widgets.table([{**r, "item_text": r["text"], "due_date": r["deadline_date"], "work_status": r["status"]}
                       for r in late_work], ["kind", "item_text", "owner", "due_date", "work_status", "days_overdue"],
                      empty="没有逾期的工作任务", paper=False)
        st.caption(f"第一阶段结束（{ledger.measures_due_date}）前未上报细化措施（工作任务）的单位："
                   + ("、".join(widgets.md(u["unit_name"]) for u in no_measures) or "无"))


details = widgets.lazy_expander("异常明细（逾期问题、未处置样品、进度落后、未上报、未立案、工作任务）", OPEN_KEYS[0])
if details is not None:
    with details:
        exception_tabs()

# ---------------------------------------------------------------- the nine figures, timeline
since = None
left, right = st.columns([3, 2])
with right.container(key="noprint_phase"):
    phase = phase_label(conf, choice.as_of)
    widgets.html_block(widgets.heading_html(f"行动阶段　<small>当前：{widgets.html_text(phase)}</small>")
                       + html_charts.phase_timeline(conf.phases, choice.as_of))
    controls.seed("ovw_since", "since", st.query_params.get("since", ""))
    typed = st.text_input("与上次会议对比：上次会议的数据截至日期", key="ovw_since",
                          placeholder="例如 2023-07-31，输入后按回车").strip()
    since = controls.parse_date(typed, None) if typed else None
    if typed and (since is None or not conf.start_date <= since <= choice.as_of):
        st.warning(f"“{widgets.md(typed)}”不是 {conf.start_date} 至 {choice.as_of} 之间的日期（格式：2023-07-31）。")
        since = None
    controls.publish("since", since.isoformat() if since else None)
previous = data.figures(ver, sel.at(Window(choice.start, min(choice.end, since), ""), as_of=since), True) \
    if since and since >= choice.start else []
changes = {c["target"]: c for c in compare(own, previous)} if previous else {}
pace_by = {p.target: p for p in paces if p.unit_code == choice.unit_code}


def cards() -> str:
    """The unit's own figures, each with its pace and forecast and the change since the last meeting."""
    extra = {t: f"应达 {p.expected_text}｜{p.forecast_text}" for t, p in pace_by.items()}
    for t, c in changes.items():
        extra[t] = extra.get(t, "") + f"｜较上次 {c['change_text']}"
    return widgets.figure_cards_html(own, extra=extra, owners=owners)


# The page's larger markup is made from this run's cached results alone: built once per data
# version, selection (and meeting date) for every session, not on each session's every run
# (data.shared; ten sessions rerunning after an upload built it ten times).
with left:
    st.markdown(f"#### {cn_number(len(own))}项工作目标（{widgets.md(choice.unit_name)}）\n\n"
                + data.shared("figure_cards", ver, sel, since, build=cards), unsafe_allow_html=True)

# ---------------------------------------------------------------- matrix, pace, comparison
if below:
    with st.container(key="noprint_matrix"):  # the printed meeting sheet (below) carries it as its table
        widgets.html_block(widgets.heading_html("各下级单位完成情况")
                           + data.shared("status_heatmap", ver, sel, build=lambda: html_charts.status_heatmap(below))
                           + widgets.legend_html())
        table_view = widgets.lazy_expander("表格视图（各下级单位 × 指标）", OPEN_KEYS[1])
        if table_view is not None:
            with table_view:
                widgets.status_matrix(below)
comparison = comparison_rows(figs, previous) if previous else []
rest = st.container(key="noprint_rest")  # the printed meeting sheet (below) carries what is read in the meeting


def owners_table() -> tuple[int, str | None]:
    """How many departments are behind and their table's markup (None without any): made only from
    this key's cached results, so built once for every session (data.shared)."""
    by_owner = behind_by_owner(conf, own, ledger.items if choice.unit_code == conf.root.code else [])
    return len(by_owner), widgets.html_table(
        [{**r, "unmet_text": f"{r['count_unmet']}/{r['count_targets']}", "late_text": f"{r['count_late']}/{r['count_items']}"}
         for r in by_owner], ["owner", "unmet_text", "unmet_targets", "late_text", "late_items"]) if by_owner else None


owners_count, owners_html = data.shared("owners_table", ver, sel, build=owners_table)
owners_heading = f"#### 按责任科室：未达标指标与逾期工作任务（{owners_count} 个科室）"
with rest:
    if owners_html is not None:
        st.markdown(f"{owners_heading}\n\n{owners_html}", unsafe_allow_html=True)
    else:
        st.markdown(owners_heading)
        st.info("各责任科室的指标均已达标（或无数据），没有逾期的工作任务。")
if below:
    level = "、".join(m.short_name for m in measures(conf) if m.pace == LEVEL)
    campaign_end = widgets.html_text(max(p.end_date for p in conf.phases))
    with rest:
        widgets.html_block(
            widgets.heading_html(f"进度与期末预测（行动以来，按当前进度推算至 {campaign_end}）")
            + data.shared("forecast_heatmap", ver, sel, build=lambda: html_charts.forecast_heatmap(
                [p for p in paces if p.unit_code != choice.unit_code]))
            + widgets.note_html("每格：结论（可达标/难达标，行动结束后为已达标/未达标）、按当前进度推算的期末值、当前完成数/总数。"
                                "覆盖类指标按从行动开始到最后阶段结束的直线进度衡量，并按行动以来的平均进度外推"
                                + (f"；比率类指标（{level}）应始终保持在目标值。" if level else "。")))
if previous:
    rest.markdown(f"#### 与上次会议（数据截至 {since}）相比　<small>下降的在前</small>", unsafe_allow_html=True)
    with rest:
        flat = sum(r["is_flat"] for r in comparison)
        show_flat = st.toggle(f"显示持平的指标（{flat} 项）", value=False, key="ovw_show_flat")
        widgets.comparison_table([r for r in comparison if show_flat or not r["is_flat"]], key="ovw_compare")
with rest:
    grades = widgets.lazy_expander("风险分级监管：各单位按风险等级、信用等级的企业数与监督检查（已做/应做）", OPEN_KEYS[2])
if grades is not None:
    with grades:
        st.caption("每格：在产企业数｜行动以来监督检查次数 已做/截至统计日应做｜达到频次要求的企业数。"
                   "应做次数按行动配置中按风险等级的最少次数折算至统计日。")
        for axis in ("风险等级", "信用等级"):
            st.markdown(f"**按{axis}**")
            widgets.table(data.grade_matrix(ver, sel, axis),
                          ["unit_name", "grade_a", "grade_b", "grade_c", "grade_d", "grade_none", "grade_total"],
                          key=f"ovw_grades_{axis}", paper=False)
with rest:
    widgets.provenance(figs, sel, key="overview")

# ---------------------------------------------------------------- the printed meeting sheet (one A4 page)
caption = f"{choice.caption} ｜ 当前阶段：{phase}"


def sheet() -> str:
    """The meeting sheet's markup."""
    scope = conf.word("scope") if choice.unit_code == conf.root.code else choice.unit_name
    behind_section = meeting_sheet.names(
        f"{behind_card[0]}（{behind_card[1]} {behind_card[2]}）",
        meeting_sheet.behind_counts(paces, choice.unit_code) if below else
        [f"{r['target_name']} {r['current_text']}（应达 {r['expected_text']}）" for r in lagging], "均符合进度。")
    return meeting_sheet.sheet(
        title, caption, strip,
        [[meeting_sheet.short_section("逾期未整改问题", overdue, "件", "逾期最久",
                                      ["unit_name", "enterprise_name", "description", "days_overdue"],
                                      "没有逾期未整改的问题。", numeric=("days_overdue",)),
          meeting_sheet.short_section("不合格样品未处置完毕", undisposed, "批", "抽样最早",
                                      ["unit_name", "name", "food_name", "days_open"], "不合格样品均已处置。",
                                      numeric=("days_open",), rows=3)],
         [behind_section] + ([meeting_sheet.comparison(since, comparison)] if previous else []),
         [meeting_sheet.names(f"{month}尚未上报的单位（{len(silent)} 个）", [r["unit_name"] for r in silent],
                              "各单位均已上报。"),
          meeting_sheet.short_section(f"严重不合格满{conf.strike.case_due_days}日未立案", unfiled, "批", "抽样最早",
                                      ["unit_name", "name", "food_name", "days_open"], "均已立案（或未满期限）。",
                                      numeric=("days_open",), rows=3),
          meeting_sheet.work(late_work, no_measures, ledger.measures_due_date)]],
        meeting_sheet.figure_table(own, below, scope, pace_by, changes, owners))


meeting_sheet.render(data.shared("meeting_sheet", ver, sel, since, title, caption, build=sheet))
