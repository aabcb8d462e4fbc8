"""The sample county generator: deterministic, 108 contract-valid workbooks, ~180 enterprises."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from dashboard.credit import credit_code_problem
from dashboard.demo import sample_generator
from dashboard.importer.schemas import SHEET_BY_NAME

pytestmark = pytest.mark.slow  # generates the sample county's workbooks

SUFFIX = re.compile(r"[(（][^()（）]*[)）]$")


def canonical(text) -> str:
    """A header or sheet name as the contract matches it: blanks trimmed, full-width folded,
    a bracketed unit or month suffix removed."""
    return SUFFIX.sub("", unicodedata.normalize("NFKC", str(text)).strip()).strip()


def read_sheets(path: Path) -> dict[str, list[dict]]:
    """Contract sheet name → rows as {field: cell value}, read back with python-calamine."""
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in book.sheet_names:
        model = SHEET_BY_NAME[canonical(name)]
        fields = {m["zh"]: f for f, m in model.fields().items()}
        required = {m["zh"] for m in model.fields().values() if m["required"]}
        rows = book.get_sheet_by_name(name).to_python()
        at = next(i for i, r in enumerate(rows[:10]) if required <= {canonical(c) for c in r})
        heads = [fields.get(canonical(c)) for c in rows[at]]
        assert None not in heads, (path.name, name, rows[at])
        body = [r for r in rows[at + 1:] if any(c != "" for c in r) and r[0] not in ("合计", "小计")]
        out[model.sheet_name()] = [dict(zip(heads, r)) for r in body]
    return out


def read_all(folder: Path) -> dict[str, dict[str, list[dict]]]:
    return {p.name: read_sheets(p) for p in sorted(folder.glob("*.xlsx"))}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, dict[str, list[dict]]]:
    folder = tmp_path_factory.mktemp("sample")
    sample_generator().generate(folder)
    return read_all(folder)


def test_generator_is_deterministic(sample, tmp_path):
    sample_generator().generate(tmp_path)
    assert read_all(tmp_path) == sample


def test_committed_workbooks_are_the_generator_output(sample):
    assert read_all(sample_generator().OUT_DIR) == sample  # regenerate: python sample_data/generate.py


def test_108_workbooks_of_contract_sheets(sample):
    gen = sample_generator()
    assert len(sample) == 108
    assert sorted(sample) == sorted(f"{m}_{c}_{n}.xlsx" for m in gen.MONTHS
                                    for c, n in gen.build_county().units)
    seen = {sheet for sheets in sample.values() for sheet in sheets}
    assert seen == set(SHEET_BY_NAME)  # every sheet of the contract appears somewhere
    assert all(rows for sheets in sample.values() for rows in sheets.values())


def test_about_180_enterprises_with_valid_codes(sample):
    registry = [r for sheets in sample.values() for r in sheets.get("企业名录", [])]
    codes = {r["credit_code"] for r in registry}
    assert 170 <= len(codes) <= 190
    assert all(credit_code_problem(c) is None for c in codes)
    assert all(re.fullmatch(r"SC104320981\d{5}", r["license_no"]) or "小作坊" in r["name"] for r in registry)
    large = {r["credit_code"] for r in registry if r["is_large"] in ("是", "√")}
    assert 0.2 <= len(large) / len(codes) <= 0.35
    assert {r["status"] for r in registry} == {"在产", "停产", "注销"}
    used = {r["credit_code"] for sheets in sample.values() for rows in sheets.values() for r in rows
            if r.get("credit_code")}
    assert used <= codes  # every record names a registered enterprise


def test_dt12_samples_nothing_in_phase_one(sample):
    for name, sheets in sample.items():
        if "DT12" in name and name[:7] in ("2023-03", "2023-04"):
            assert "监督抽检" not in sheets
    assert any("监督抽检" in sheets for name, sheets in sample.items() if name.startswith("2023-05_DT12"))


def test_sampling_pass_rate_is_plausible(sample):
    batches = {r["sample_no"]: r for sheets in sample.values() for r in sheets.get("监督抽检", [])}
    counted = [r for r in batches.values() if r["task_source"] != "风险监测"]
    rate = sum(r["verdict"] == "合格" for r in counted) / len(counted)
    assert 0.985 <= rate <= 0.995
    assert 0.03 <= 1 - len(counted) / len(batches) <= 0.07
    assert all(r["failed_items"] and r["disposal_status"] for r in batches.values() if r["verdict"] == "不合格")


def test_upload_times_are_fixed_and_mostly_on_time():
    gen = sample_generator()
    units = [c for c, _ in gen.build_county().units]
    times = {(m, u): gen.upload_time(m, u) for m in gen.MONTHS for u in units}
    assert times == {(m, u): gen.upload_time(m, u) for m in gen.MONTHS for u in units}
    late = [k for k, t in times.items() if t.day > 5]
    assert 3 <= len(late) <= 10 and all(t.date() > date(2023, 4, 1) for t in times.values())


def test_scale_multiplies_enterprises():
    gen = sample_generator()
    one, three = gen.build_county(1), gen.build_county(3)
    for code, _ in one.units:
        assert len(three.ents[code]) == 3 * len(one.ents[code])


def test_the_campaigns_work_beyond_the_nine_targets(sample):
    """风险排查 in phase 1 for most firms, 工作任务 for ten sub-bureaus (三仓 from June, 头灶 never),
    示范企业 (三星级 in 2022 and 2023), cases naming the failed batch they follow, and a 非食用物质
    failure left without a case."""
    def rows(sheet):
        return [(name, r) for name, sheets in sorted(sample.items()) for r in sheets.get(sheet, [])]
    screened = {r["credit_code"]: name[:7] for name, r in rows("风险排查")}
    assert len(screened) == 172 and sum(m > "2023-04" for m in screened.values()) == 4
    assert sum(r["has_plan"] in ("否", "×") for _, r in rows("风险排查")) == 4
    units = {name[8:12] for name, _ in rows("工作任务")}
    assert units == {f"DT{n:02d}" for n in range(1, 12)}
    assert {name[8:12] for name, _ in rows("工作任务") if name[:7] <= "2023-04"} == units - {"DT11"}
    stars = {(r["credit_code"], int(r["year"])): r["star"] for _, r in rows("星级评比")}
    model = {c for (c, y), s in stars.items() if y == 2023 and s == "三星级" and stars.get((c, 2022)) == "三星级"}
    assert len(model) == 6
    batches = {r["sample_no"]: r for _, r in rows("监督抽检")}
    cases = [r for _, r in rows("违法案件")]
    sourced = [r for r in cases if r.get("source_no")]
    assert len(cases) == 7 and len(sourced) == 5
    assert all(batches[r["source_no"]]["verdict"] == "不合格" and batches[r["source_no"]]["credit_code"] == r["credit_code"]
               for r in sourced)
    caseless = [r for r in batches.values() if r["verdict"] == "不合格" and "非食用物质" in r["hazard_classes"]
                and r["sample_no"] not in {c["source_no"] for c in sourced}]
    assert [(r["sample_no"], r["food_name"]) for r in caseless] == [("SBJ23320900000121", "卤猪蹄")]
