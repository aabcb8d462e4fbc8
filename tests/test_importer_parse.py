"""Cell parsing per column kind: every spelling the contract allows, and the Chinese refusals."""
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.credit import make_credit_code
from dashboard.importer import parse
from dashboard.importer.raw import normalise_header
from dashboard.importer.read import sheet_model_by_name
from dashboard.importer.schemas import SHEET_BY_NAME

TODAY = date(2023, 6, 30)
SAMPLING = SHEET_BY_NAME["监督抽检"].fields()


def one(meta, value, today=TODAY):
    values, errors = parse.parse_column([value], meta, [5], today)
    return values[0], [message for _, message, _ in errors]


@pytest.mark.parametrize("value", [date(2023, 5, 8), datetime(2023, 5, 8, 10, 30), "2023-05-08",
                                   "2023/5/8", "2023年5月8日", "20230508", "2023.5.8", 45054, 45054.0,
                                   "购进日期：2023/5/8", " 2023-05-08 ", "２０２３－０５－０８", 20230508])
def test_date_spellings(value):
    assert one(SAMPLING["sampling_date"], value) == (date(2023, 5, 8), [])


@pytest.mark.parametrize("value,message", [
    ("2023-02-30", "日期不存在：2023年2月30日"),
    ("五月八日", "日期格式无法识别，应为 2023-05-08、2023/5/8、2023年5月8日 或 20230508"),
    ("2023-07-01", "日期 2023-07-01 晚于上报日期，不能填写将来的日期"),
    (datetime(1899, 12, 31), "日期 1899-12-31 早于 1950 年，不是有效的记录日期（多为把 0 或空白单元格设成了日期格式）"),
    ("1949-12-31", "日期 1949-12-31 早于 1950 年，不是有效的记录日期（多为把 0 或空白单元格设成了日期格式）"),
])
def test_date_errors(value, message):
    assert one(SAMPLING["sampling_date"], value) == (None, [message])


def test_the_earliest_date_and_month():
    assert one(SAMPLING["sampling_date"], "1950-01-01") == (date(1950, 1, 1), [])
    month = SHEET_BY_NAME["主体责任"].fields()["month_date"]
    assert one(month, "1900年1月") == (None, ["日期 1900-01-01 早于 1950 年，不是有效的记录日期（多为把 0 或空白单元格设成了日期格式）"])


def test_deadline_may_be_future():
    deadline = SHEET_BY_NAME["问题整改"].fields()["deadline_date"]
    assert one(deadline, "2030-01-01") == (date(2030, 1, 1), [])


@pytest.mark.parametrize("value,expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("yes", True), ("√", True), ("×", False),
    (1, True), (0, False), ("1", True), ("0", False), (True, True), (False, False), ("TRUE", True),
    ("有", True), ("无", False), (" 是 ", True), ("", None), (None, None)])
def test_yes_no_spellings(value, expected):
    meta = SHEET_BY_NAME["企业自查"].fields()["is_report_submitted"]
    assert one(meta, value) == (expected, [])


def test_yes_no_error():
    meta = SHEET_BY_NAME["企业自查"].fields()["is_report_submitted"]
    assert one(meta, "也许") == (None, ["应填写“是”或“否”（也可填 Y/N、√/×、1/0）"])
    assert one(meta, 2) == (None, ["应填写“是”或“否”"])


@pytest.mark.parametrize("value", ["2023-05", "2023年5月", "2023/5", "2023.05", "202305",
                                   date(2023, 5, 17), "2023-05-17", "2023年5月份"])
def test_month_spellings(value):
    meta = SHEET_BY_NAME["主体责任"].fields()["month_date"]
    assert one(meta, value) == (date(2023, 5, 1), [])


def test_int_and_number():
    count = SHEET_BY_NAME["企业自查"].fields()["count_problems"]
    assert one(count, 3.0) == (3, [])
    assert one(count, "12") == (12, [])
    assert one(count, "-1") == (-1, [])  # negatives are the schema's ge=0 check
    assert one(count, 2.5) == (None, ["应填写整数"])
    assert one(count, 2147483647) == (2147483647, [])
    assert one(count, -2147483648) == (-2147483648, [])  # negatives are the schema's ge=0 check
    too_big = "数值超出范围：应在 -2147483648 到 2147483647 之间"  # what the database's integer holds
    assert one(count, "3000000000") == (None, [too_big])
    assert one(count, 1e20) == (None, [too_big])
    assert one(count, -2147483649) == (None, [too_big])
    assert one(count, "三个") == (None, ["应填写数字"])
    assert one(count, "") == (None, [])  # blank is NULL, never 0
    fine = SHEET_BY_NAME["违法案件"].fields()["fine_amount"]
    assert one(fine, "1,500.5") == (1500.5, [])
    assert one(fine, "/") == (None, [])


def test_enum_and_multi():
    assert one(SAMPLING["task_source"], "国家监督抽检") == ("国抽", [])
    assert one(SAMPLING["task_source"], " 县抽 ") == ("县抽", [])
    assert one(SAMPLING["verdict"], "不 合 格") == ("不合格", [])
    assert one(SAMPLING["hazard_classes"], "兽药残留，食品添加剂;其他") == ("兽药残留、食品添加剂、其他", [])
    value, errors = one(SAMPLING["hazard_classes"], "兽药残留、农药残留")
    assert value is None and errors[0].startswith("“农药残留”不是允许的取值")


def test_credit_code():
    meta = SAMPLING["credit_code"]
    good = make_credit_code("91320981MA1X2Y3K4")
    assert one(meta, " " + good.lower() + " ") == (good, [])
    assert one(meta, "９１" + good[2:]) == (good, [])  # full-width digits folded
    assert one(meta, good[:-1] + ("0" if good[-1] != "0" else "1")) == (None, ["统一社会信用代码校验位错误"])
    assert one(meta, 913209810000000000) == (None, ["统一社会信用代码被存成了数字，请把单元格设为文本格式后重新填写"])


def test_text_rules():
    meta = SAMPLING["food_name"]
    assert one(meta, "=HYPERLINK(\"http://x\")") == ("=HYPERLINK(\"http://x\")", [])
    assert one(meta, "暂无") == (None, [])
    assert one(meta, "x" * 1001) == (None, ["内容超过 1000 个字符（1001 个）"])
    assert one(meta, "x" * 1000) == ("x" * 1000, [])
    stored = parse.fields_of(SHEET_BY_NAME["监督抽检"])  # as parse_sheet reads them: the column's length
    assert (stored["food_name"]["max_length"], stored["sample_no"]["max_length"]) == (1000, 64)
    assert stored["failed_items"]["max_length"] == 1000  # a TEXT column: the importer's own bound
    assert one(stored["food_name"], "肉" * 1001) == (None, ["内容超过 1000 个字符（1001 个）"])
    assert one(stored["sample_no"], "x" * 65) == (None, ["内容超过 64 个字符（65 个）"])
    assert one(SAMPLING["sample_no"], 123456.0) == ("123456", [])


@pytest.mark.parametrize("header,expected", [
    ("罚没金额（元）", "罚没金额"), ("抽检日期(YYYY-MM-DD)", "抽检日期"), ("抽样单编号*", "抽样单编号"),
    ("统一社会\n信用代码", "统一社会信用代码"), ("食品\u3000名称", "食品名称"), ("\xa0企业名称 ", "企业名称"),
    ("ＵＳＣＣ", "uscc")])
def test_header_normalisation(header, expected):
    assert normalise_header(header) == expected


@pytest.mark.parametrize("name", ["监督抽检", " 监督抽检 ", "监督抽检(5月)", "监督抽检（5月）", "监督抽检5月",
                                  "监督抽检-2023年5月", "监督抽检（2023.05）", "2023年5月监督抽检"])
def test_sheet_names_with_month(name):
    assert sheet_model_by_name(name) is SHEET_BY_NAME["监督抽检"]


def test_other_names_not_recognised():
    assert sheet_model_by_name("填表说明") is None
    assert sheet_model_by_name("监督抽检汇总") is None


text_cell = st.none() | st.text(max_size=12) | st.sampled_from(
    sorted(parse.PLACEHOLDERS) + [" / ", "／", "－", "  ", "", " a ", "酱卤肉", "ＡＢ", "x" * 1001, " " + "y" * 1000 + " "])
text_cells = st.lists(text_cell, min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(values=text_cells | st.lists(text_cell | st.integers() | st.floats(allow_nan=False) | st.booleans(), min_size=1))
def test_text_column_parses_each_cell_as_parse_text(values):
    """parse_column's one-loop path for a column of texts (_plain_texts) gives each cell exactly
    what parse_text gives it on its own: the value, None, or the same error."""
    meta = {"kind": "text", "zh": "备注"}
    rows = list(range(3, 3 + len(values)))
    expected, errors = [], []
    for row, value in zip(rows, values):
        try:
            expected.append(parse.parse_text(value, meta))
        except parse.CellError as exc:
            expected.append(None)
            errors.append((row, str(exc), value))
    assert parse.parse_column(values, meta, rows, date(2023, 9, 3)) == (expected, errors)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.none() | st.text(max_size=8), max_size=30))
def test_text_series_is_pandas_str_series(values):
    """text_series builds the same "str" Series as pandas does from the list."""
    index = pd.Index(range(len(values)), dtype="int64")
    pd.testing.assert_series_equal(parse.text_series(values, index), pd.Series(values, index=index, dtype="str"))
