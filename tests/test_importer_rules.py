"""Every rule of the data contract, and a workbook with many errors reported all at once."""
from datetime import date

from sqlalchemy import select, text

from dashboard.access import system_viewer
from dashboard.db import table_snapshot
from dashboard.importer import import_workbook
from dashboard.models import Enterprise

from builders import ENTERPRISE_HEADERS, EXAM_HEADERS as EXAMS, PROBLEM_HEADERS as PROBLEMS, code, enterprise_row, registry, sampling, sampling_row, sheet, xlsx

SUPPLIER = ["统一社会信用代码", "评价日期", "评价供应商数", "不合格供应商数"]
SYSTEMS = ["统一社会信用代码", "体系类型", "证书编号", "建立日期", "有效期至"]


def seed(engine, *ns, unit="城区分局"):
    assert import_workbook(engine, xlsx(registry(*ns, unit=unit)),
                           viewer=system_viewer(engine), uploader="seed").status == "imported"


def errors_of(engine, *sheets):
    before = table_snapshot(engine)
    result = import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="t")
    if result.status == "rejected":
        assert table_snapshot(engine) == before
    return [(e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors]


def test_unqualified_suppliers_within_evaluated(empty_engine):
    seed(empty_engine, 1)
    rows = [[code(1), date(2023, 5, 1), 10, 3], [code(1), date(2023, 5, 2), 2, 3], [code(1), date(2023, 5, 3), 2, None]]
    assert errors_of(empty_engine, sheet("供应商评价", SUPPLIER, rows)) == [
        ("供应商评价", 3, "不合格供应商数", "不合格供应商数大于评价供应商数")]


def test_management_system_rules(empty_engine):
    seed(empty_engine, 1)
    rows = [[code(1), "HACCP", "001", date(2022, 1, 1), date(2021, 1, 1)],
            [code(1), "ISO 22000", None, date(2022, 1, 1), date(2025, 1, 1)],
            [code(1), "智能追溯体系", None, date(2022, 1, 1), None]]
    assert errors_of(empty_engine, sheet("管理体系", SYSTEMS, rows)) == [
        ("管理体系", 2, "有效期至", "有效期至早于建立日期"),
        ("管理体系", 3, "证书编号", "证书编号必填（智能化追溯体系除外）")]
    rows[0][4], rows[1][2] = date(2026, 1, 1), "ISO-1"
    assert errors_of(empty_engine, sheet("管理体系", SYSTEMS, rows)) == []
    with empty_engine.connect() as conn:
        types = conn.execute(text("select system_type, valid_until_date from management_system order by system_type")).all()
    assert [t[0] for t in types] == ["HACCP", "ISO22000", "智能化追溯体系"]


def test_exam_passed_derived_and_contradiction(empty_engine):
    seed(empty_engine, 1)
    rows = [[code(1), "李四", "食品安全员", date(2023, 5, 8), 59.5, None],
            [code(1), "王五", "食安总监", date(2023, 5, 8), 60, None],
            [code(1), "赵六", "主要负责人", date(2023, 5, 8), 40, "是"],
            [code(1), "钱七", "主要负责人", date(2023, 5, 8), 130, "是"]]
    assert errors_of(empty_engine, sheet("食安员抽考", EXAMS, rows)) == [
        ("食安员抽考", 4, "是否合格", "是否合格与成绩不符（成绩≥60为合格）"),
        ("食安员抽考", 5, "成绩", "应在 0 到 100 之间")]
    assert errors_of(empty_engine, sheet("食安员抽考", EXAMS, rows[:2])) == []
    with empty_engine.connect() as conn:
        stored = conn.execute(text("select person_name, post, score, is_passed from officer_exam order by score")).all()
    assert [(r[0], r[1], r[2], bool(r[3])) for r in stored] == [("李四", "食品安全员", 59.5, False),
                                                                 ("王五", "食品安全总监", 60.0, True)]


def test_problem_rules(empty_engine):
    seed(empty_engine, 1)
    base = [code(1), "监督检查", "JC-1", "未按规定记录", date(2023, 5, 10)]
    rows = [["P1", *base, date(2023, 5, 9), None, None],
            ["P2", *base, date(2023, 6, 10), date(2023, 5, 1), "已整改"],
            ["P3", *base, date(2023, 6, 10), None, "已整改"],
            ["P4", *base, date(2099, 1, 1), date(2023, 5, 20), "已完成"]]
    assert errors_of(empty_engine, sheet("问题整改", PROBLEMS, rows)) == [
        ("问题整改", 2, "整改期限", "整改期限早于发现日期"),
        ("问题整改", 3, "整改完成日期", "整改完成日期早于发现日期"),
        ("问题整改", 4, "整改完成日期", "复查结论为“已整改”时必须填写整改完成日期")]


def test_failed_sample_needs_items_and_disposal(empty_engine):
    seed(empty_engine, 1)
    rows = [sampling_row("S1", 1, 检验结论="不合格"),
            sampling_row("S2", 1, 检验结论="不合格", 不合格项目="菌落总数║10^6║10^5", 核查处置状态="已完成")]
    assert errors_of(empty_engine, sampling(rows)) == [
        ("监督抽检", 2, "不合格项目", "检验结论为“不合格”时必须填写不合格项目"),
        ("监督抽检", 2, "核查处置状态", "检验结论为“不合格”时必须填写核查处置状态")]


def test_license_format_and_workshops(empty_engine):
    """The licence a row needs comes from its 主体类型 (config/subjects.yaml; 生产企业 when the column
    is left empty), never from its name: a 小作坊 holds no SC licence, a “小作坊” name alone
    changes nothing, a 餐饮服务 needs a JY number."""
    rows = [enterprise_row(1, 食品生产许可证编号="SC1043") + [None],
            enterprise_row(2, 食品生产许可证编号=None) + [""],
            enterprise_row(3, 食品生产许可证编号=None, 企业名称="安丰镇老王肉制品小作坊") + ["小作坊"],
            enterprise_row(4, 食品生产许可证编号=None, 企业名称="安丰镇老李肉制品小作坊") + [None],
            enterprise_row(5, 食品生产许可证编号="SC10432098100005") + ["餐饮服务"]]
    assert errors_of(empty_engine, sheet("企业名录", [*ENTERPRISE_HEADERS, "主体类型"], rows)) == [
        ("企业名录", 2, "食品生产许可证编号", "格式不正确，应为“SC”加14位数字（如 SC10432098100123）"),
        ("企业名录", 3, "食品生产许可证编号", "许可证编号必填（生产企业须持食品生产许可证）"),
        ("企业名录", 5, "食品生产许可证编号", "许可证编号必填（生产企业须持食品生产许可证）"),
        ("企业名录", 6, "食品生产许可证编号", "格式不正确，应为“JY”加14位数字（如 JY16532010000123）")]


def test_subject_type_is_stored_with_the_configured_default(empty_engine):
    rows = [enterprise_row(1) + [None], enterprise_row(2, 食品生产许可证编号=None) + ["小作坊"]]
    assert errors_of(empty_engine, sheet("企业名录", [*ENTERPRISE_HEADERS, "主体类型"], rows)) == []
    with empty_engine.connect() as conn:
        got = dict(conn.execute(select(Enterprise.credit_code, Enterprise.subject_type)).all())
    assert got == {code(1): "生产企业", code(2): "小作坊"}


def test_unit_by_name_code_or_short_name(empty_engine):
    rows = [enterprise_row(1, "城区分局"), enterprise_row(2, "DT02"), enterprise_row(3, "市局"),
            enterprise_row(4, "城东分局")]
    assert errors_of(empty_engine, sheet("企业名录", ENTERPRISE_HEADERS, rows)) == [
        ("企业名录", 5, "所属分局", "“城东分局”不是已有的分局名称或代码")]
    assert errors_of(empty_engine, sheet("企业名录", ENTERPRISE_HEADERS, rows[:3])) == []
    with empty_engine.connect() as conn:
        units = conn.execute(text("select e.credit_code, u.code from enterprise e join org_unit u "
                                  "on u.unit_id = e.unit_id order by e.credit_code")).all()
    assert [u[1] for u in units] == ["DT01", "DT02", "DT"]


def test_duplicate_key_names_the_other_row(empty_engine):
    seed(empty_engine, 1)
    assert errors_of(empty_engine, sampling([sampling_row("D1", 1), sampling_row("D2", 1)], name="监督抽检5月"),
                     sampling([sampling_row("D3", 1), sampling_row("D1", 1), sampling_row("D3", 1)],
                              name="监督抽检6月")) == [
        ("监督抽检6月", 3, "抽样单编号", "与工作表“监督抽检5月”第2行重复：同一抽样单编号只能填一行"),
        ("监督抽检6月", 4, "抽样单编号", "与第2行重复：同一抽样单编号只能填一行")]


def test_many_errors_reported_at_once(empty_engine):
    seed(empty_engine, 1)
    bad_code = code(5)[:-1] + ("0" if code(5)[-1] != "0" else "1")
    rows = [sampling_row("X1", 1),                                   # row 4: fine
            sampling_row("X2", 1, 抽样日期="2023-02-30"),              # row 5: impossible date
            sampling_row("X3", 1, 任务来源="乡抽", 检验结论="合规"),      # row 6: two vocabulary errors
            sampling_row("X4", 1, 统一社会信用代码=bad_code),                           # row 7: checksum
            sampling_row(None, 1, 食品名称=None),                      # row 8: two required cells
            sampling_row("X1", 1),                                    # row 9: duplicate of row 4
            sampling_row("X6", 7),                                    # row 10: unknown enterprise
            sampling_row("X7", 1, 检验结论="不合格", 不合格项目="苯甲酸║1║0")]  # row 11: no disposal status
    self_rows = [[code(1), "2023-05-08", 5, -1, "也许"]]               # row 2: negative count, bad yes/no
    data_sheets = [sampling(rows, title="东台市监督抽检情况表", unit_name="城区分局", total_row=True),
                   sheet("企业自查", ["统一社会信用代码", "自查日期", "自查项目数", "发现问题数", "是否提交自查报告"],
                         self_rows)]
    errors = errors_of(empty_engine, *data_sheets)
    assert [e[:3] for e in errors] == [
        ("监督抽检", 5, "抽样日期"),
        ("监督抽检", 6, "任务来源"),
        ("监督抽检", 6, "检验结论"),
        ("监督抽检", 7, "统一社会信用代码"),
        ("监督抽检", 8, "抽样单编号"),
        ("监督抽检", 8, "食品名称"),
        ("监督抽检", 9, "抽样单编号"),
        ("监督抽检", 10, "统一社会信用代码"),
        ("监督抽检", 11, "核查处置状态"),
        ("企业自查", 2, "发现问题数"),
        ("企业自查", 2, "是否提交自查报告")]
    messages = [e[3] for e in errors]
    assert messages[1] == "“乡抽”不是允许的取值，应为：国抽、省抽、市抽、县抽、风险监测"
    assert messages[3] == "统一社会信用代码校验位错误"
    assert messages[4] == messages[5] == "必填项，不能为空"
    assert messages[6] == "与第4行重复：同一抽样单编号只能填一行"
    assert messages[9] == "不能小于 0"
