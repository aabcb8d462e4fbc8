"""One record spelled two ways is one record: the texts that identify a record (姓名, 包保干部, 抽样单编号,
问题编号 …) are stored in one spelling (dashboard.importer.parse.key_text), and migration 0017
respells what an earlier importer stored, with the keys a rollback finds the records by."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select

import dashboard.db
from builders import EXAM_HEADERS, PROBLEM_HEADERS, code, registry, sampling, sampling_row, sheet, xlsx
from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.figures.targets import compute_targets
from dashboard.importer import import_workbook, parse, rollback_batch
from dashboard.models import BatchChange, BatchInsert, OfficerExam, Problem, Sampling
from dashboard.periods import Window

CONF = load_campaign()
WINDOW = Window(date(2023, 3, 1), date(2023, 11, 30), "行动期")


def test_key_text_spellings():
    name = [parse.key_text(t, "name") for t in ("李 四", "李\u3000四", "李  四", "John  Smith", "阿不都 · 热合曼")]
    assert name == ["李四", "李四", "李四", "John Smith", "阿不都·热合曼"]
    code_ = [parse.key_text(t, "code") for t in ("ＤＣ２０２３\u3000００１", "DC 2023 001", "DC2023001")]
    assert code_ == ["DC2023001"] * 3


def imported(engine, *sheets) -> int:
    result = import_workbook(engine, xlsx(*sheets), viewer=system_viewer(engine), uploader="t")
    assert result.status == "imported", result.errors
    return result.batch_id


def exams(*rows) -> object:
    return sheet("食安员抽考", EXAM_HEADERS, [[code(1), name, "食品安全员", day, score, passed]
                                            for name, day, score, passed in rows])


def exam_figure(engine):
    figures = compute_targets(engine, CONF, system_viewer(engine), window=WINDOW, as_of=date(2023, 11, 30))
    f = next(f for f in figures if f.target == "officer_exam_pass")
    return f.numerator, f.denominator


def test_one_person_spelled_with_a_blank_is_one_examined_person(empty_engine):
    imported(empty_engine, registry(1), exams(("李 四", date(2023, 4, 10), 50, "否")))
    assert exam_figure(empty_engine) == (0, 1)
    imported(empty_engine, exams(("李四", date(2023, 6, 10), 90, "是")))
    assert exam_figure(empty_engine) == (1, 1)  # before: 1 of 2 (李 四 failed, 李四 passed)
    # the April row re-reported in yet another spelling replaces the stored one, no third row
    result = import_workbook(empty_engine, xlsx(exams(("李\u3000四", date(2023, 4, 10), 55, "否"))),
                             viewer=system_viewer(empty_engine), uploader="t")
    assert (result.status, result.rows) == ("imported", {"食安员抽考": 1}), result.errors
    with empty_engine.connect() as conn:
        stored = conn.execute(select(OfficerExam.person_name, OfficerExam.exam_date, OfficerExam.score)
                              .order_by(OfficerExam.exam_date)).all()
    assert [tuple(r) for r in stored] == [("李四", date(2023, 4, 10), 55), ("李四", date(2023, 6, 10), 90)]


def test_a_batch_re_reported_with_a_full_width_number_is_replaced_and_rolls_back(empty_engine):
    imported(empty_engine, registry(1), sampling([sampling_row("DC2023001", 1)]))
    b = imported(empty_engine, sampling([sampling_row("ＤＣ２０２３　００１", 1, 检验结论="不合格", 不合格项目="菌落总数",
                                                                         核查处置状态="处置中")]))
    with empty_engine.connect() as conn:
        assert conn.execute(select(Sampling.sample_no, Sampling.verdict)).all() == [("DC2023001", "不合格")]
    rollback_batch(empty_engine, b, system_viewer(empty_engine))
    with empty_engine.connect() as conn:
        assert conn.execute(select(Sampling.sample_no, Sampling.verdict)).all() == [("DC2023001", "合格")]


def problems(*rows) -> object:
    return sheet("问题整改", PROBLEM_HEADERS, [[no, code(1), "监督检查", source, "标签不规范", date(2023, 5, 9),
                                               date(2023, 6, 9), None, "未整改"] for no, source in rows])


def migrations() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dashboard.db.__file__).parent / "migrations"))
    return cfg


def migrate(engine, cfg: Config, step, revision: str) -> None:
    """alembic's `step` (command.upgrade or downgrade) to `revision`, in one transaction."""
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        step(cfg, revision)


def test_migration_0017_respells_stored_records_and_their_rollback_keys(empty_engine, monkeypatch):
    cfg = migrations()
    migrate(empty_engine, cfg, command.downgrade, "0016")
    with monkeypatch.context() as m:  # the importer before 0017: keys stored as written
        m.setattr(parse, "key_text", lambda text, canon: text)
        a = imported(empty_engine, registry(1),
                     exams(("李 四", date(2023, 4, 10), 50, "否"), ("王五", date(2023, 4, 10), 90, "是")),
                     problems(("WT 01", "JC 7")))
        b = imported(empty_engine, exams(("李四", date(2023, 6, 10), 90, "是"), ("王五", date(2023, 4, 10), 95, "是"),
                                         ("李 四", date(2023, 4, 10), 55, "否")))
        assert exam_figure(empty_engine) == (2, 3)  # 李 四 (failed), 李四 (passed), 王五 (passed)
    migrate(empty_engine, cfg, command.upgrade, "0017")
    with empty_engine.connect() as conn:
        stored = conn.execute(select(OfficerExam.person_name, OfficerExam.exam_date, OfficerExam.score)).all()
        assert sorted(map(tuple, stored)) == [("李四", date(2023, 4, 10), 55), ("李四", date(2023, 6, 10), 90),
                                              ("王五", date(2023, 4, 10), 95)]
        assert conn.execute(select(Problem.problem_no, Problem.source_no)).all() == [("WT01", "JC7")]
        inserted = dict(conn.execute(select(BatchInsert.table_name, BatchInsert.record_keys)
                                     .where(BatchInsert.batch_id == a)).all())
        replaced = conn.execute(select(BatchChange.record_key, BatchChange.old_row_json)
                                .where(BatchChange.batch_id == b)).all()
    assert inserted["problem"] == '[["WT01"]]'
    assert f'["{code(1)}", "李四", "2023-04-10"]' in inserted["officer_exam"]
    assert {r.record_key for r in replaced} == {f'["{code(1)}", "李四", "2023-04-10"]',
                                                f'["{code(1)}", "王五", "2023-04-10"]'}
    assert all('"李 四"' not in r.old_row_json for r in replaced)
    assert exam_figure(empty_engine) == (2, 2)  # 李四 one person now, passed in June
    rollback_batch(empty_engine, b, system_viewer(empty_engine))  # finds its records under the new spelling
    with empty_engine.connect() as conn:
        stored = conn.execute(select(OfficerExam.person_name, OfficerExam.exam_date, OfficerExam.score)).all()
    assert sorted(map(tuple, stored)) == [("李四", date(2023, 4, 10), 50), ("王五", date(2023, 4, 10), 90)]
    assert exam_figure(empty_engine) == (1, 2)
    dashboard.db.upgrade(empty_engine)  # at the head already: nothing more happens


def test_migration_0017_leaves_a_record_whose_new_spelling_is_taken(empty_engine, monkeypatch):
    cfg = migrations()
    migrate(empty_engine, cfg, command.downgrade, "0016")
    with monkeypatch.context() as m:
        m.setattr(parse, "key_text", lambda text, canon: text)
        failed = sampling_row("A1", 1, 检验结论="不合格", 不合格项目="菌落总数", 核查处置状态="处置中")
        imported(empty_engine, registry(1), sampling([sampling_row("A 1", 1), failed]))
    migrate(empty_engine, cfg, command.upgrade, "0017")
    with empty_engine.connect() as conn:
        assert sorted(conn.execute(select(Sampling.sample_no, Sampling.verdict)).all()) == \
            [("A 1", "合格"), ("A1", "不合格")]


@pytest.mark.parametrize("canon", ["name", "code"])
def test_key_text_is_idempotent(canon):
    for text in ("李 四", "Ａ Ｂ　Ｃ", " x  y ", "阿不都 · 热合曼", "DC2023001"):
        once = parse.key_text(text.strip(), canon)
        assert parse.key_text(once, canon) == once
