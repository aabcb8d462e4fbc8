"""A campaign file's org tree and phases checked before anything is written.

Within the file: unit names are unique like unit codes; the phases lie within the campaign, in
order, without overlapping (a gap between two phases is allowed: a plan may pause between stages).

Against the database: the org tree is the bureau's, shared by every campaign (docs/campaigns.md).
A second campaign may use the units of another when code, name and parent agree, and add units of
its own; a file that gives another campaign's unit another name or parent, or an existing unit's
name to another code, is refused (exit 2 on the command line) and nothing is written.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from dashboard.__main__ import main
from dashboard.campaign import CampaignError, current_phase, load_campaign
from dashboard.db import get_engine

from tests.databases import PG_URL, drop_pg_database, new_database, prepared_engine

CAMPAIGN = """\
code: bb-2024
name: 测试县熟食品安全攻坚行动
start_date: 2024-01-01
end_date: 2024-06-30
org_units:
  code: QX
  name: 测试县市场监督管理局
  children:
    - code: QX1
      name: 北区市场监管所
      children:
        - {code: QX11, name: 北一监管站}
    - {code: QX2, name: 南区市场监管所}
phases:
  - name: 排查阶段
    start_date: 2024-01-01
    end_date: 2024-03-31
  - name: 攻坚阶段
    start_date: 2024-04-01
    end_date: 2024-06-30
targets:
  - {code: pass, name: 熟食抽检合格率, measure: pass_rate, record: 监督抽检, threshold: 0.95}
"""
RULE = ("。各行动共用同一组织机构：同一单位须用同一代码、名称和上级，不同单位不能同名"
        "（如确需调整组织机构，须先与使用该单位的行动协调）")


def _write(tmp_path, text_: str, name: str = "bb.yaml") -> str:
    path = tmp_path / name
    path.write_text(text_, encoding="utf-8")
    return str(path)


def _refusal(tmp_path, text_: str) -> str:
    with pytest.raises(CampaignError) as e:
        load_campaign(_write(tmp_path, text_))
    return str(e.value)


# ------------------------------------------------------------------ within the file
def test_a_unit_name_given_twice_is_refused_like_a_code(tmp_path):
    assert _refusal(tmp_path, CAMPAIGN.replace("{code: QX2, name: 南区市场监管所}", "{code: QX2, name: 北区市场监管所}")) == (
        "bb.yaml 第13行，键“name”：单位名称“北区市场监管所”重复（单位“QX1”已用此名称）")


@pytest.mark.parametrize("old, new, message", [
    ("start_date: 2024-04-01", "start_date: 2024-03-01",
     "bb.yaml 第19行，键“start_date”：阶段“攻坚阶段”（2024-03-01 至 2024-06-30）与上一阶段“排查阶段”"
     "（2024-01-01 至 2024-03-31）重叠：各阶段须按时间先后排列、互不重叠，本阶段须在 2024-03-31 之后开始"),
    ("start_date: 2024-04-01\n    end_date: 2024-06-30", "start_date: 2024-01-01\n    end_date: 2024-01-31",
     "bb.yaml 第19行，键“start_date”：阶段“攻坚阶段”（2024-01-01 至 2024-01-31）与上一阶段“排查阶段”"
     "（2024-01-01 至 2024-03-31）重叠：各阶段须按时间先后排列、互不重叠，本阶段须在 2024-03-31 之后开始"),
    ("    start_date: 2024-01-01\n    end_date: 2024-03-31", "    start_date: 2024-04-01\n    end_date: 2024-06-30",
     "bb.yaml 第19行，键“start_date”：阶段“攻坚阶段”（2024-04-01 至 2024-06-30）与上一阶段“排查阶段”"
     "（2024-04-01 至 2024-06-30）重叠：各阶段须按时间先后排列、互不重叠，本阶段须在 2024-06-30 之后开始"),
    ("    start_date: 2024-01-01\n    end_date: 2024-03-31\n  - name: 攻坚阶段\n    start_date: 2024-04-01\n"
     "    end_date: 2024-06-30",
     "    start_date: 2024-04-01\n    end_date: 2024-06-30\n  - name: 攻坚阶段\n    start_date: 2024-01-01\n"
     "    end_date: 2024-03-31",
     "bb.yaml 第19行，键“start_date”：阶段“攻坚阶段”（2024-01-01 至 2024-03-31）早于上一阶段“排查阶段”"
     "（2024-04-01 至 2024-06-30）：各阶段须按时间先后排列、互不重叠，本阶段须在 2024-06-30 之后开始"),
    ("end_date: 2024-06-30\ntargets", "end_date: 2024-12-31\ntargets",
     "bb.yaml 第20行，键“end_date”：阶段“攻坚阶段”（2024-04-01 至 2024-12-31）晚于行动期间"
     "（2024-01-01 至 2024-06-30）结束：各阶段须在行动期间之内"),
    ("    start_date: 2024-01-01\n", "    start_date: 2023-12-01\n",
     "bb.yaml 第16行，键“start_date”：阶段“排查阶段”（2023-12-01 至 2024-03-31）早于行动期间"
     "（2024-01-01 至 2024-06-30）开始：各阶段须在行动期间之内"),
])
def test_phases_overlapping_out_of_order_or_outside_the_campaign_are_refused(tmp_path, old, new, message):
    assert old in CAMPAIGN
    assert _refusal(tmp_path, CAMPAIGN.replace(old, new, 1)) == message


def test_a_gap_between_phases_is_allowed(tmp_path):
    """A plan may pause between two stages (a mid-term review, a holiday): no phase runs then, the
    campaign does."""
    conf = load_campaign(_write(tmp_path, CAMPAIGN.replace("start_date: 2024-04-01", "start_date: 2024-05-01")))
    assert [(p.start_date, p.end_date) for p in conf.phases] == [
        (date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 5, 1), date(2024, 6, 30))]
    assert current_phase(conf, date(2024, 4, 15)) is None and current_phase(conf, date(2024, 5, 1)).seq == 2


# ------------------------------------------------------------------ against the database
@pytest.fixture
def dongtai_url(backend, tmp_path_factory):
    """A new database of the backend holding the default campaign (dongtai-2023, DT → DT01..DT12)."""
    url = new_database(backend, tmp_path_factory)
    engine = prepared_engine(url)
    yield url
    if backend == "postgresql":
        drop_pg_database(PG_URL, url)
    else:
        engine.dispose()


def _state(url: str) -> dict:
    with get_engine(url).connect() as conn:
        return {
            "units": conn.execute(text(
                "select u.code, u.name, u.short_name, p.code, u.depth, u.sort_order from org_unit u "
                "left join org_unit p on p.unit_id = u.parent_id order by u.sort_order, u.code")).all(),
            "closure": conn.execute(text("select count(*) from org_unit_closure")).scalar(),
            "campaigns": conn.execute(text("select code from campaign order by code")).scalars().all()}


def _init_db(url: str, path: str, capsys) -> tuple[int, str]:
    code = main(["--db", url, "--campaign", path, "init-db"])
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("old, new, message", [
    # another code under a name the database has (bb2_sharedname.yaml)
    ("{code: QX2, name: 南区市场监管所}", "{code: QX2, name: 城区分局}",
     "行动配置有误：bb.yaml 第13行，键“name”：单位名称“城区分局”在数据库中是单位“DT01”（上级：DT 东台市市场监督管理局，"
     "行动 dongtai-2023 使用），文件中却是单位“QX2”的名称" + RULE),
    # another name and parent under a code of another campaign (bb3_sharedcode.yaml)
    ("{code: QX2, name: 南区市场监管所}", "{code: DT01, name: 南区市场监管所}",
     "行动配置有误：bb.yaml 第13行，键“code”：单位代码“DT01”已是行动 dongtai-2023 的单位，数据库中为“城区分局”，"
     "上级为 DT 东台市市场监督管理局；文件中为“南区市场监管所”，上级为 QX 测试县市场监督管理局" + RULE),
    # the same name, another parent
    ("{code: QX2, name: 南区市场监管所}", "{code: DT01, name: 城区分局}",
     "行动配置有误：bb.yaml 第13行，键“code”：单位代码“DT01”已是行动 dongtai-2023 的单位，数据库中为“城区分局”，"
     "上级为 DT 东台市市场监督管理局；文件中为“城区分局”，上级为 QX 测试县市场监督管理局" + RULE),
    # the same root code, another name
    ("  code: QX\n", "  code: DT\n",
     "行动配置有误：bb.yaml 第6行，键“code”：单位代码“DT”已是行动 dongtai-2023 的单位，数据库中为“东台市市场监督管理局”，"
     "上级为 无（最上级）；文件中为“测试县市场监督管理局”，上级为 无（最上级）" + RULE),
    # the same root, another short name
    ("  name: 测试县市场监督管理局\n", "  name: 东台市市场监督管理局\n  short_name: 东台局\n",
     None),
])
def test_a_file_contradicting_another_campaign_s_units_is_refused_and_nothing_written(
        dongtai_url, tmp_path, capsys, old, new, message):
    text_ = CAMPAIGN.replace(old, new, 1)
    if message is None:  # the root DT with its name but another short name (the database: 市局)
        text_ = text_.replace("  code: QX\n", "  code: DT\n", 1)
        message = ("行动配置有误：bb.yaml 第6行，键“code”：单位代码“DT”已是行动 dongtai-2023 的单位，数据库中为"
                   "“东台市市场监督管理局”（简称“市局”），上级为 无（最上级）；文件中为“东台市市场监督管理局”（简称“东台局”），"
                   "上级为 无（最上级）" + RULE)
    before = _state(dongtai_url)
    assert _init_db(dongtai_url, _write(tmp_path, text_), capsys) == (2, message)
    assert _state(dongtai_url) == before


def test_the_testers_files_are_refused(dongtai_url, tmp_path, capsys):
    """A unit name twice, overlapping phases, a phase after the campaign's end: exit 2, no traceback."""
    twice = CAMPAIGN.replace("{code: QX2, name: 南区市场监管所}", "{code: QX2, name: 北区市场监管所}")
    overlap = CAMPAIGN.replace("start_date: 2024-04-01", "start_date: 2024-03-01")
    before = _state(dongtai_url)
    assert _init_db(dongtai_url, _write(tmp_path, twice), capsys) == (
        2, "行动配置有误：bb.yaml 第13行，键“name”：单位名称“北区市场监管所”重复（单位“QX1”已用此名称）")
    code, err = _init_db(dongtai_url, _write(tmp_path, overlap), capsys)
    assert code == 2 and err.startswith("行动配置有误：bb.yaml 第19行，键“start_date”：阶段“攻坚阶段”（2024-03-01 至 2024-06-30）")
    assert _state(dongtai_url) == before


def test_campaigns_share_units_whose_code_name_and_parent_agree(dongtai_url, tmp_path, capsys):
    """A 分局's own campaign rooted at DT01 (the file says nothing above it: DT01 stays under DT)
    with a 所 of its own, and a county campaign over DT and two of its 分局 (one new): both load,
    Dongtai's units keep their parent, depth and order, the new units nest where they belong."""
    district = """\
code: dt01-2024
name: 城区分局熟食品专项行动
start_date: 2024-01-01
end_date: 2024-06-30
org_units:
  code: DT01
  name: 城区分局
  children:
    - {code: DT0101, name: 城东市场监管所}
phases:
  - {name: 专项阶段, start_date: 2024-01-01, end_date: 2024-06-30}
targets:
  - {code: pass, name: 熟食抽检合格率, measure: pass_rate, record: 监督抽检, threshold: 0.95}
"""
    county = district.replace("code: dt01-2024", "code: dt-2024").replace(
        "  code: DT01\n  name: 城区分局\n  children:\n    - {code: DT0101, name: 城东市场监管所}",
        "  code: DT\n  name: 东台市市场监督管理局\n  children:\n    - {code: DT02, name: 开发区分局}\n"
        "    - {code: DT13, name: 新区分局}")
    before = _state(dongtai_url)["units"]
    assert _init_db(dongtai_url, _write(tmp_path, district, "dt01.yaml"), capsys) == (0, "")
    assert _init_db(dongtai_url, _write(tmp_path, county, "dt.yaml"), capsys) == (0, "")
    state = _state(dongtai_url)
    units = {u[0]: u[1:] for u in state["units"]}
    assert [u[0] for u in state["units"]] == ["DT", "DT01", "DT0101", *(f"DT{i:02d}" for i in range(2, 14))]
    assert units["DT01"][2:4] == ("DT", 1) and units["DT0101"][2:4] == ("DT01", 2)
    assert units["DT13"][:4] == ("新区分局", None, "DT", 1)
    assert {code: u[:4] for code, u in units.items() if code not in ("DT0101", "DT13")} == {
        u[0]: u[1:5] for u in before}  # name, short name, parent, depth of every Dongtai unit
    assert state["closure"] == 15 + 14 + 1  # every unit itself, 14 below DT, DT0101 below DT01
    assert state["campaigns"] == ["dongtai-2023", "dt-2024", "dt01-2024"]
    assert main(["--db", dongtai_url, "init-db"]) == 0  # Dongtai's own file again: nothing contradicts
    assert _state(dongtai_url) == state


def test_a_campaign_may_pass_a_name_between_its_own_units(dongtai_url, tmp_path, capsys):
    """A revision of dongtai-2023 alone in the database: DT01 renamed 城东分局 and DT02 given the
    name 城区分局 that the same file frees; both load."""
    revised = (Path(__file__).resolve().parents[1] / "campaigns" / "dongtai-2023.yaml").read_text(encoding="utf-8")
    revised = revised.replace("{code: DT01, name: 城区分局}", "{code: DT01, name: 城东分局}").replace(
        "{code: DT02, name: 开发区分局}", "{code: DT02, name: 城区分局}")
    assert _init_db(dongtai_url, _write(tmp_path, revised, "dongtai-2023.yaml"), capsys) == (0, "")
    with get_engine(dongtai_url).connect() as conn:
        assert conn.execute(text("select code, name from org_unit where code in ('DT01', 'DT02') order by code")).all() \
            == [("DT01", "城东分局"), ("DT02", "城区分局")]


def test_another_campaign_s_top_unit_cannot_be_put_under_a_new_one(dongtai_url, tmp_path, capsys):
    """A file rooted at a new unit YC with DT (dongtai-2023's top, no parent) below it: refused,
    DT stays at the top."""
    above = CAMPAIGN.replace("  code: QX\n  name: 测试县市场监督管理局\n", "  code: YC\n  name: 盐城市市场监督管理局\n", 1) \
        .replace("    - code: QX1\n      name: 北区市场监管所\n      children:\n        - {code: QX11, name: 北一监管站}\n",
                 "    - {code: DT, name: 东台市市场监督管理局}\n", 1)
    before = _state(dongtai_url)
    code, err = _init_db(dongtai_url, _write(tmp_path, above), capsys)
    assert code == 2 and err.startswith("行动配置有误：bb.yaml 第9行，键“code”：单位代码“DT”已是行动 dongtai-2023 的单位") \
        and "上级为 无（最上级）；文件中为“东台市市场监督管理局”，上级为 YC 盐城市市场监督管理局" in err, err
    assert _state(dongtai_url) == before
