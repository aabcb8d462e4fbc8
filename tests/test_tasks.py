"""工作任务台账 (dashboard.figures.work_ledger), the office's status action, the `tasks` command and the
campaign file's leadership group, on SQLite and PostgreSQL. Every count below is counted by hand
from the rows written here (until the 工作任务 sheet's importer lands, rows go in directly):

    upload batches   DT01 2023-04-30 23:00 (the last day of phase 1: in time)
                     DT02 2023-05-01 08:00 (a day late)
                     DT03 2023-04-10, rolled back (its change log still names work_task: never counts)
    work_task        DT01 T1 due 06-30 已完成 on 06-20
                     DT01 T2 due 06-30 进行中
                     DT01 T3 due 05-31 已完成 on 07-15 (so 进行中 on 06-30, 30 days overdue)
                     DT02 T1 due 07-31 未开始
    work_item_status p1_plan 已完成 on 2023-04-03, p1_meeting 进行中

The Dongtai file's 14 work items: phase 1 (p1_plan due 04-03, three more due 04-30), phase 2 (six
due 08-31), phase 3 (four due 11-30); their 责任科室 as in campaigns/dongtai-2023.yaml.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select as sql_select

from dashboard import actions, audit_trail
from dashboard.__main__ import main
from dashboard.access import MARK_WORK_ITEMS, Viewer, resolve_unit, system_viewer
from dashboard.auth import create_account
from dashboard.campaign import CampaignError, load_campaign, phase_window
from dashboard.db import get_engine
from dashboard.figures.selection import select
from dashboard.figures.work_ledger import format_ledger, is_overdue, status_on, work_ledger
from dashboard.models import BatchInsert, UploadBatch, WorkItemStatus, WorkTask

CONF = load_campaign()
D = date.fromisoformat


def _batch(conn, unit: str, at: datetime, status: str = "committed") -> int:
    return conn.execute(insert(UploadBatch).returning(UploadBatch.batch_id), {
        "file_name": f"{unit}.xlsx", "sha256": f"{unit}{at:%m%d}".ljust(64, "0"), "uploader": "t",
        "uploaded_at": at, "status": status, "rows_json": "{}", "unit_id": resolve_unit(conn.engine, unit).unit_id,
    }).scalar_one()


@pytest.fixture
def ledger_county(empty_engine):
    eng = empty_engine
    unit = {code: resolve_unit(eng, code).unit_id for code in ("DT01", "DT02", "DT03")}
    with eng.begin() as conn:
        b1 = _batch(conn, "DT01", datetime(2023, 4, 30, 23, 0))
        b2 = _batch(conn, "DT02", datetime(2023, 5, 1, 8, 0))
        b3 = _batch(conn, "DT03", datetime(2023, 4, 10, 9, 0), status="rolled_back")
        conn.execute(insert(BatchInsert), [{"batch_id": b3, "table_name": "work_task",
                                            "count_records": 1, "record_keys": '[["T1"]]'}])
        rows = [("DT01", "T1", D("2023-06-30"), "已完成", D("2023-06-20"), b1),
                ("DT01", "T2", D("2023-06-30"), "进行中", None, b1),
                ("DT01", "T3", D("2023-05-31"), "已完成", D("2023-07-15"), b1),
                ("DT02", "T1", D("2023-07-31"), "未开始", None, b2)]
        conn.execute(insert(WorkTask), [
            {"unit_id": unit[u], "task_no": no, "content": f"{u}细化措施{no}", "owner_name": "李明",
             "due_date": due, "status": st, "done_date": done, "evidence": None, "batch_id": b}
            for u, no, due, st, done, b in rows])
        conn.execute(insert(WorkItemStatus), [
            {"campaign_code": CONF.code, "item_code": "p1_plan", "status": "已完成", "done_date": D("2023-04-03"),
             "note": None, "updated_at": datetime(2023, 4, 3, 17), "updated_by": "leader"},
            {"campaign_code": CONF.code, "item_code": "p1_meeting", "status": "进行中", "done_date": None,
             "note": None, "updated_at": datetime(2023, 4, 20, 17), "updated_by": "leader"}])
    return eng


def ledger(eng, as_of, viewer=None, **kw):
    return work_ledger(eng, select(eng, CONF, viewer or system_viewer(eng), as_of=D(as_of), **kw))


# ------------------------------------------------------------------ status and overdue
def test_status_on_as_of_and_the_deadline_boundary():
    assert status_on("已完成", D("2023-07-15"), D("2023-06-30")) == "进行中"
    assert status_on("已完成", D("2023-06-30"), D("2023-06-30")) == "已完成"
    assert status_on(None, None, D("2023-06-30")) == "未开始"
    assert not is_overdue("进行中", D("2023-06-30"), D("2023-06-30"))  # on the deadline day: not yet
    assert is_overdue("进行中", D("2023-06-30"), D("2023-07-01"))
    assert not is_overdue("已完成", D("2023-06-30"), D("2023-07-01"))


def test_campaign_items_by_department_on_june_30(ledger_county):
    lg = ledger(ledger_county, "2023-06-30")
    assert len(lg.items) == 14
    # overdue first: p1_plan is done; the other three of phase 1 are 61 days past 04-30
    assert [(r["item_code"], r["status"], r["days_overdue"]) for r in lg.overdue_items] == [
        ("p1_unit_measures", "未开始", 61), ("p1_meeting", "进行中", 61), ("p1_risk_screening", "未开始", 61)]
    assert [r["item_code"] for r in lg.items[:3]] == ["p1_unit_measures", "p1_meeting", "p1_risk_screening"]
    assert {r["item_code"]: r["status"] for r in lg.items}["p1_plan"] == "已完成"
    counts = {d["owner"]: (d["count_items"], d["count_done"], d["count_in_progress"], d["count_not_started"],
                           d["count_overdue"]) for d in lg.departments}
    assert counts == {"办公室": (4, 1, 0, 3, 1), "综合行政执法大队": (1, 0, 0, 1, 0), "质量安全监管科": (2, 0, 0, 2, 1),
                      "法规科": (1, 0, 0, 1, 0), "信用监管科": (1, 0, 0, 1, 0), "标准计量科": (2, 0, 0, 2, 0),
                      "食品安全监管科": (3, 0, 1, 2, 1)}
    office = next(d for d in lg.departments if d["owner"] == "办公室")
    assert office["head"] == "钱伟（办公室主任）" and office["targets"] == ["supervision_coverage"]


def test_phase_one_items_at_their_deadline_and_the_day_after(ledger_county):
    assert ledger(ledger_county, "2023-04-30").overdue_items == []  # p1_plan was done on 04-03
    assert [(r["item_code"], r["days_overdue"]) for r in ledger(ledger_county, "2023-05-01").overdue_items] == [
        ("p1_unit_measures", 1), ("p1_meeting", 1), ("p1_risk_screening", 1)]
    # before the office marked p1_plan done (04-03) it was overdue from 04-04
    assert [r["item_code"] for r in ledger(ledger_county, "2023-04-03").overdue_items] == []


def test_unit_tasks_per_sub_bureau(ledger_county):
    lg = ledger(ledger_county, "2023-06-30")
    assert [(r["unit_code"], r["task_no"], r["status"], r["days_overdue"]) for r in lg.tasks] == [
        ("DT01", "T3", "进行中", 30), ("DT01", "T1", "已完成", 0), ("DT01", "T2", "进行中", 0),
        ("DT02", "T1", "未开始", 0)]
    units = {u["unit_code"]: u for u in lg.units}
    assert len(units) == 12
    assert [(units[c]["count_tasks"], units[c]["count_done"], units[c]["count_in_progress"],
             units[c]["count_not_started"], units[c]["count_overdue"]) for c in ("DT01", "DT02", "DT03")] == [
        (3, 1, 2, 0, 1), (1, 0, 0, 1, 0), (0, 0, 0, 0, 0)]
    later = ledger(ledger_county, "2023-07-01")  # T2 now a day late; T3 still not done
    assert [(r["task_no"], r["days_overdue"]) for r in later.overdue_tasks] == [("T3", 31), ("T2", 1)]
    done = ledger(ledger_county, "2023-07-15")  # T3 done that day
    assert [(r["task_no"], r["days_overdue"]) for r in done.overdue_tasks] == [("T2", 15)]


def test_a_sub_bureau_without_measures_by_the_end_of_phase_one_is_an_exception(ledger_county):
    # 04-30: phase 1 has not ended yet, nobody is late
    assert ledger(ledger_county, "2023-04-30").missing_measures == []
    may = ledger(ledger_county, "2023-05-01")
    missing = [u["unit_code"] for u in may.missing_measures]
    # DT01 uploaded at 23:00 on 04-30; DT02 on 05-01 (late); DT03's upload was rolled back
    assert missing == [f"DT{i:02d}" for i in range(2, 13)]
    dt02 = next(u for u in may.units if u["unit_code"] == "DT02")
    assert (dt02["has_measures"], dt02["first_uploaded_at"]) == (False, datetime(2023, 5, 1, 8, 0))
    # a phase window takes its as_of from the window
    assert work_ledger(ledger_county, select(ledger_county, CONF, system_viewer(ledger_county),
                                             window=phase_window(CONF, 1))).missing_measures == []


def test_a_chief_sees_their_own_unit_and_the_campaign_items(ledger_county):
    chief = Viewer("dt01_chief", "chief", resolve_unit(ledger_county, "DT01").unit_id)
    lg = ledger(ledger_county, "2023-06-30", chief)
    assert (lg.unit_code, [u["unit_code"] for u in lg.units], len(lg.tasks), len(lg.items)) == (
        "DT01", ["DT01"], 3, 14)
    assert [u["is_missing_measures"] for u in lg.units] == [False]
    with pytest.raises(PermissionError):
        ledger(ledger_county, "2023-06-30", chief, unit="DT02")


# ------------------------------------------------------------------ the office marks a work item
def test_marking_a_work_item_needs_the_permission_and_is_audited(ledger_county):
    eng = ledger_county
    root = resolve_unit(eng, None).unit_id
    for who in (Viewer("admin", "admin", root), Viewer("dt01_chief", "chief", resolve_unit(eng, "DT01").unit_id)):
        assert not who.can(MARK_WORK_ITEMS)
        with pytest.raises(PermissionError, match="标记行动工作任务完成情况"):
            actions.mark_work_item(eng, who, CONF, "p1_meeting", "已完成", done_date=D("2023-05-20"))
    assert [e["detail"]["action"] for e in audit_trail.events(eng, action="access_denied")] == ["work_item_mark"] * 2
    assert ledger(eng, "2023-06-30").departments[-1]["count_overdue"] == 1  # unchanged

    leader = Viewer("leader", "leader", root)
    row = actions.mark_work_item(eng, leader, CONF, "p1_meeting", "已完成", done_date=D("2023-05-20"),
                                 note="4月26日召开推进会", now=datetime(2023, 6, 1, 9))
    assert (row["status"], row["done_date"], row["updated_by"]) == ("已完成", D("2023-05-20"), "leader")
    with eng.connect() as conn:
        assert conn.execute(sql_select(WorkItemStatus.status, WorkItemStatus.done_date)
                            .where(WorkItemStatus.item_code == "p1_meeting")).all() == [("已完成", D("2023-05-20"))]
    food = next(d for d in ledger(eng, "2023-06-30").departments if d["owner"] == "食品安全监管科")
    assert (food["count_done"], food["count_overdue"]) == (1, 0)
    # done on 05-20: on 05-10 it was still 进行中 and 10 days overdue
    early = {r["item_code"]: r for r in ledger(eng, "2023-05-10").items}["p1_meeting"]
    assert (early["status"], early["days_overdue"]) == ("进行中", 10)
    [event] = audit_trail.events(eng, action="work_item_mark")
    assert (event["username"], event["detail"]["item"], event["detail"]["status"], event["detail"]["done_date"]) == (
        "leader", "p1_meeting", "已完成", "2023-05-20")

    # back to 进行中: the 完成日期 goes with it; a wrong code or status changes nothing
    actions.mark_work_item(eng, leader, CONF, "p1_meeting", "进行中", now=datetime(2023, 6, 2, 9))
    assert {r["item_code"]: r for r in ledger(eng, "2023-06-30").items}["p1_meeting"]["done_date"] is None
    for code, status in (("p9_none", "已完成"), ("p1_meeting", "完成")):
        with pytest.raises(actions.WorkItemError):
            actions.mark_work_item(eng, leader, CONF, code, status)
    assert len(audit_trail.events(eng, action="work_item_mark")) == 2


# ------------------------------------------------------------------ the command line
def test_the_tasks_command_prints_the_ledger(ledger_county, capsys):
    url = ledger_county.url.render_as_string(hide_password=False)
    assert main(["--db", url, "tasks", "--unit", "DT02", "--as-of", "2023-06-30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "unit": "DT02", "unit_name": "开发区分局", "as_of": "2023-06-30", "measures_due": "2023-04-30",
        "items": out["items"], "departments": out["departments"],
        "tasks": [{"unit_code": "DT02", "report_unit_code": "DT02", "task_no": "T1", "content": "DT02细化措施T1",
                   "owner_name": "李明", "deadline_date": "2023-07-31", "status": "未开始", "done_date": None,
                   "is_overdue": False, "days_overdue": 0}],
        "units": [{"unit_code": "DT02", "unit_name": "开发区分局", "count_tasks": 1, "count_done": 0,
                   "count_in_progress": 0, "count_not_started": 1, "count_overdue": 0,
                   "first_uploaded_at": "2023-05-01T08:00:00", "has_measures": False, "is_missing_measures": True}]}
    assert out["items"][0] == {"item_code": "p1_unit_measures", "phase_seq": 1,
                               "text": "各分局（所）进一步细化工作措施，明确责任人、责任时限", "owner": "办公室",
                               "deadline_date": "2023-04-30", "status": "未开始", "done_date": None,
                               "is_overdue": True, "days_overdue": 61}
    assert [d["owner"] for d in out["departments"]] == list(CONF.departments)
    assert out["departments"][0] == {"owner": "办公室", "count_items": 4, "count_done": 1, "count_in_progress": 0,
                                     "count_not_started": 3, "count_overdue": 1, "targets": ["supervision_coverage"]}

    assert main(["--db", url, "tasks", "--phase", "1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("工作任务台账：东台市市场监督管理局（截至 2023-04-30）\n行动工作任务：14 项，已完成 1 项，逾期 0 项")
    assert "城区分局    3/3" not in text and "已上报（2023-04-30）" in text
    assert main(["--db", url, "tasks", "--unit", "不存在分局"]) == 2


def test_format_ledger_lists_overdue_first(ledger_county):
    text = format_ledger(ledger(ledger_county, "2023-06-30"))
    lines = text.splitlines()
    assert lines[1] == "行动工作任务：14 项，已完成 1 项，逾期 3 项"
    assert lines[5].startswith("p1_unit_measures") and "逾期61天" in lines[5]
    assert "各单位上报的工作任务：4 项，逾期 1 项" in text


# ------------------------------------------------------------------ the campaign file
GROUP = """\
code: q-2025
name: 青溪县行动
start_date: 2025-01-01
end_date: 2025-06-30
org_units: {code: QX, name: 青溪县局, children: [{code: QX1, name: 东区所}]}
leadership:
  - {role: 组长, name: 王一, post: 局长}
  - {role: 成员, name: 李二, post: 食品科科长, department: 食品科}
departments: [办公室, 食品科]
phases:
  - name: 整治阶段
    start_date: 2025-01-01
    end_date: 2025-03-31
    work_items:
      - {code: a1, owner: 办公室, text: 制定方案, deadline: 2025-01-15}
      - 排查建档
  - {name: 巩固阶段, start_date: 2025-04-01, end_date: 2025-06-30,
     work_items: [{code: b1, owner: 食品科, text: 巩固提升}]}
targets:
  - {code: inspected, name: 检查覆盖率, measure: coverage, record: 监督检查, threshold: 1.0, owner: 食品科}
  - {code: inspected2, name: 检查覆盖率二, measure: coverage, record: 监督检查, threshold: 1.0}
"""


def _refusal(tmp_path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(str(path))
    return str(e.value)


def test_the_leadership_group_owners_and_work_items_are_read(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GROUP, encoding="utf-8")
    conf = load_campaign(str(path))
    assert [(p.role, p.name, p.department) for p in conf.leadership] == [("组长", "王一", None), ("成员", "李二", "食品科")]
    assert [(t.code, t.owner) for t in conf.targets] == [("inspected", "食品科"), ("inspected2", "未指定")]
    a1, plain, b1 = conf.work_items
    assert (a1.code, a1.owner, a1.deadline, b1.deadline) == ("a1", "办公室", D("2025-01-15"), D("2025-06-30"))
    # a plain string: a code from its phase and text (the same every time), no owner, the phase's end
    assert (plain.code, plain.owner, plain.deadline) == ("p1_" + __import__("hashlib").sha1(
        "排查建档".encode()).hexdigest()[:8], "未指定", D("2025-03-31"))
    assert load_campaign(str(path)).work_items[1].code == plain.code
    # the Dongtai file: the seed's group, every target and work item owned by one of its departments
    assert [(p.role, p.name) for p in CONF.leadership[:3]] == [("组长", "罗进东"), ("副组长", "郁日升"), ("副组长", "冯捷")]
    assert len(CONF.leadership) == 10 and len(CONF.departments) == 7
    assert all(t.owner in CONF.departments for t in CONF.targets)
    assert all(w.owner in CONF.departments for w in CONF.work_items) and len(CONF.work_items) == 14
    xj = load_campaign("xinjiang-2026")
    assert all(t.owner in xj.departments for t in xj.targets) and all(w.owner in xj.departments for w in xj.work_items)


@pytest.mark.parametrize("old, new, message", [
    ("threshold: 1.0, owner: 食品科}", "threshold: 1.0, owner: 食品股}",
     "bad.yaml 第20行，键“owner”：没有这个责任科室“食品股”（办公室、食品科）"),
    ("{code: b1, owner: 食品科", "{code: b1, owner: 信用科",
     "bad.yaml 第18行，键“owner”：没有这个责任科室“信用科”（办公室、食品科）"),
    ("{role: 成员, name: 李二", "{role: 顾问, name: 李二",
     "bad.yaml 第8行，键“role”：须是 组长、副组长、成员 之一，而不是“顾问”"),
    ("name: 李二, post: 食品科科长, department: 食品科}", "name: 李二, department: 食品科}",
     "bad.yaml 第8行：领导小组成员缺少必填键“post”"),
    ("department: 食品科}", "department: 稽查局}",
     "bad.yaml 第8行，键“department”：没有这个责任科室“稽查局”（办公室、食品科）"),
    ("  - {role: 组长, name: 王一, post: 局长}\n", "",
     "bad.yaml 第6行，键“leadership”：领导小组须有一名组长"),
    ("{code: b1,", "{code: a1,", "bad.yaml 第18行，键“code”：工作任务代码“a1”重复"),
    ("deadline: 2025-01-15}", "deadline: 一月中旬}",
     "bad.yaml 第15行，键“deadline”：须是日期（如 2023-04-30），而不是“一月中旬”"),
    ("departments: [办公室, 食品科]\n", "",
     "bad.yaml 第8行，键“department”：没有这个责任科室“食品科”（departments 尚未列出任何科室）"),
])
def test_a_bad_owner_or_leadership_entry_is_refused_with_its_line_and_key(tmp_path, old, new, message):
    assert old in GROUP
    assert _refusal(tmp_path, GROUP.replace(old, new, 1)) == message


def test_the_work_item_command_marks_as_the_account_may(ledger_county, capsys):
    url = ledger_county.url.render_as_string(hide_password=False)
    create_account(ledger_county, "leader", "correct horse 1", "leader", None, by="test")
    create_account(ledger_county, "admin", "correct horse 1", "admin", None, by="test")
    assert main(["--db", url, "--as", "admin", "work-item", "p1_meeting", "--status", "已完成"]) == 1
    assert "权限不足" in capsys.readouterr().err
    assert main(["--db", url, "--as", "leader", "work-item", "p1_meeting", "--status", "已完成",
                 "--done-date", "2023-04-26"]) == 0
    assert capsys.readouterr().out == "已标记工作任务 p1_meeting：已完成（完成日期 2023-04-26）\n"
    assert main(["--db", url, "work-item", "p1_nothing", "--status", "进行中"]) == 1
    assert "没有代码为“p1_nothing”的工作任务" in capsys.readouterr().err
    assert [(e["username"], e["detail"]["source"]) for e in audit_trail.events(ledger_county, action="work_item_mark")] == [
        ("leader", "cli")]


# ------------------------------------------------------------------ the page
def exception_cards(at) -> list[tuple[str, str]]:
    """(count, title) of every exception card on the page (widgets.exception_cards' HTML grid)."""
    grid = next(m.value for m in at.markdown if '<div class="exc-grid' in m.value)  # under its heading
    return re.findall(r'class="n">(\d+)<.*?class="t">([^<]*)<', grid)


def _page(engine, viewer: Viewer, **params):
    from streamlit.testing.v1 import AppTest  # only the page tests load Streamlit
    from dashboard.ui.session import VIEWER_KEY
    from tests.pages_support import PROJECT_DIR
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[VIEWER_KEY] = viewer
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/tasks.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow  # a Streamlit AppTest page run
def test_the_page_lists_overdue_first_and_the_office_marks_an_item(small_county_env):
    eng = small_county_env
    root = resolve_unit(eng, None).unit_id
    with eng.begin() as conn:
        b = _batch(conn, "DT01", datetime(2023, 4, 20, 9))
        conn.execute(insert(WorkTask), [{"unit_id": resolve_unit(eng, "DT01").unit_id, "task_no": "DT01-1",
                                         "content": "每周走访一家企业", "owner_name": "李明", "due_date": D("2023-05-31"),
                                         "status": "进行中", "done_date": None, "evidence": None, "batch_id": b}])
    leader = Viewer("leader", "leader", root)
    at = _page(eng, leader, as_of="2023-06-30")
    text = "\n".join(m.value for m in at.markdown)
    assert "行动工作任务（共 14 项，已完成 0 项，逾期 4 项）" in text
    assert "各单位工作任务（细化措施）" in text and "上报了细化措施的单位 1/12" in text
    assert [n for n, _ in exception_cards(at)] == ["4", "1", "11"]
    units = next(d.value for d in at.dataframe if "细化措施上报" in d.value.columns)
    assert list(units["所属单位"])[-1] == "城区分局" and list(units["细化措施上报"])[-1] == "已上报（2023-04-20）"
    tasks = next(d.value for d in at.dataframe if "细化措施" in d.value.columns)
    assert list(tasks["超期天数"]) == [30] and list(tasks["完成情况"]) == ["进行中"]

    at.selectbox(key="tasks_mark_item").set_value("p1_meeting")
    at.radio(key="tasks_mark_status").set_value("已完成")
    at.date_input(key="tasks_mark_date").set_value(D("2023-04-26"))
    at.button(key="tasks_mark_save").click()
    at.run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "行动工作任务（共 14 项，已完成 1 项，逾期 3 项）" in text
    [event] = audit_trail.events(eng, action="work_item_mark")
    assert (event["username"], event["detail"]["item"], event["detail"]["done_date"]) == (
        "leader", "p1_meeting", "2023-04-26")

    # a chief sees the ledger but no form
    chief = _page(eng, Viewer("dt01_chief", "chief", resolve_unit(eng, "DT01").unit_id), as_of="2023-06-30")
    assert not [w for w in chief.selectbox if w.key == "tasks_mark_item"]


@pytest.mark.slow  # a Streamlit AppTest page run
def test_the_meeting_view_shows_work_exceptions_and_groups_by_owner(small_county_env):
    from streamlit.testing.v1 import AppTest  # only the page tests load Streamlit
    from dashboard.ui.session import VIEWER_KEY
    from tests.pages_support import PROJECT_DIR
    eng = small_county_env
    with eng.begin() as conn:
        b = _batch(conn, "DT01", datetime(2023, 5, 3, 9))
        conn.execute(insert(WorkTask), [{"unit_id": resolve_unit(eng, "DT01").unit_id, "task_no": "DT01-1",
                                         "content": "每周走访一家企业", "owner_name": "李明", "due_date": D("2023-06-20"),
                                         "status": "未开始", "done_date": None, "evidence": None, "batch_id": b}])
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[VIEWER_KEY] = Viewer("leader", "leader", resolve_unit(eng, None).unit_id)
    at.query_params["as_of"] = "2023-06-30"
    at.run()
    assert not at.exception, at.exception
    cards = {t: n for n, t in exception_cards(at)}
    # 4 campaign items (phase 1 but none marked) + DT01's task 10 days late; DT01 uploaded on 05-03: late too
    assert cards["逾期的工作任务"] == "5" and cards["未报细化措施的单位"] == "12"
    text = "\n".join(m.value for m in at.markdown)
    assert '<div class="own">责任科室：食品安全监管科</div>' in text  # the cards name their owner
    assert "按责任科室：未达标指标与逾期工作任务" in text
    table = next(m.value for m in at.markdown if "<th>责任科室</th>" in m.value)
    # 办公室: p1_plan (due 04-03, 88 days) and p1_unit_measures (61 days) of its 4 items
    # and its one target (两个责任督导, nothing visited in the small county) is unmet
    assert "<tr><td>办公室</td><td>1/1</td><td>两个责任督导覆盖率 0.0%（0/" in table and "）</td><td>2/4</td>" in table
    assert "（逾期88天）" in table and "<td>综合行政执法大队</td>" not in table  # nothing behind: no row
    # the printed meeting sheet (dashboard/ui/meeting_sheet.py, through st.html): the 3 most overdue
    printed = next(h.value for h in at.html if "逾期的工作任务（5 项）" in h.value)
    assert "市局及时召开会议研究，结合实际情况，制…（办公室，逾期 88 天）" in printed
    assert "组织召开肉制品生产企业质量提升推进会（食品安全监管科，逾期 61 天）等 5 项" in printed
    assert "2023-04-30前未报细化措施的单位（12 个）：</b>城区分局、开发区分局、" in printed


# ------------------------------------------------------------------ the sample county's office
def test_the_sample_county_office_marked_its_work_items(sample_county_url):
    """The demo records the office's statuses of the 14 items (sample_data/generate.py,
    OFFICE_STATUSES). Counted by hand, as of the campaign's last day 2023-11-30: done on time 10
    (p1_plan 04-03 on its deadline 04-03, p1_meeting, p2_inspection 08-31 on its deadline, p2_cadres,
    p2_sampling, p2_training, p2_standards, p3_stars, p3_brands, p3_mechanism); done late 1
    (p1_risk_screening 06-28, due 04-30); open and overdue 2 (p1_unit_measures 214 days past 04-30,
    p2_rectification 91 days past 08-31); open, not overdue 1 (p3_targets, due that very day)."""
    eng = get_engine(sample_county_url)
    items = {r["item_code"]: r for r in ledger(eng, "2023-11-30").items}
    done = {c for c, r in items.items() if r["status"] == "已完成"}
    late = {c for c in done if items[c]["done_date"] > items[c]["deadline_date"]}
    overdue = {c: r["days_overdue"] for c, r in items.items() if r["is_overdue"]}
    still_open = {c for c, r in items.items() if r["status"] != "已完成"}
    assert (len(items), len(done) - len(late), len(late), len(overdue), len(still_open - set(overdue))) == (
        14, 10, 1, 2, 1)
    assert late == {"p1_risk_screening"} and still_open - set(overdue) == {"p3_targets"}
    assert overdue == {"p1_unit_measures": 214, "p2_rectification": 91}
    assert {r["updated_by"] for r in items.values()} == {"admin"}  # the sample's administrator, an account a reader can find
    # at the end of 深入推进阶段 (08-31): p1_risk_screening is done (late) and phase 2's items are not
    # yet overdue on their deadline day; p2_inspection was done that day
    mid = ledger(eng, "2023-08-31").items
    assert {r["item_code"] for r in mid if r["is_overdue"]} == {"p1_unit_measures"}
    assert sum(r["status"] == "已完成" for r in mid) == 8
    office = next(d for d in ledger(eng, "2023-11-30").departments if d["owner"] == "办公室")
    assert (office["count_items"], office["count_done"], office["count_in_progress"], office["count_overdue"]) == (
        4, 2, 2, 1)
