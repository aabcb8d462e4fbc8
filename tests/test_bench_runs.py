"""The benchmark's own arithmetic, on made-up inputs with known answers: benchmarks/server_runs.py
turning the server's run lines into goals 3 and 4 (ratios, what it prints, rows not measured), the
goal lines of benchmarks/bench.py (达到 only when measured, within the limit and without a problem),
and goal 5's integrity check on both databases."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dashboard.access import system_viewer
from dashboard.importer import import_workbook
from tests.builders import registry, sampling, sampling_row, xlsx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench  # noqa: E402  (the benchmark is a script folder, not a package)
import server_runs  # noqa: E402


def runs(*pairs: tuple[float, float]) -> list[dict]:
    return [{"wall_s": w, "cpu_s": c} for w, c in pairs]


def test_goal_rows_take_medians_of_rounds_and_skip_a_round_with_missing_lines(capsys):
    ten_a = runs(*[(0.020, 0.008)] * 9, (0.150, 0.060))
    ten_b = runs(*[(0.020, 0.008)] * 9, (0.100, 0.050))
    out = {"uploads": [(runs((0.050, 0.045)), ten_a), (runs((0.070, 0.060)), ten_b),
                       (runs((0.010, 0.010)), ten_a[:5])],  # five lines of ten: not counted
           "random_one": runs((0.010, 0.008), (0.012, 0.009), (0.011, 0.010)),
           "random_ten": runs((0.012, 0.008), (0.030, 0.009), (0.014, 0.010))}
    (_, ratio3, limit3), (_, ratio4, limit4) = server_runs.goal_rows(out, 10, 1.0, 15)
    assert ratio3 == pytest.approx(0.125 / 0.060) and limit3 == 2.0  # median slowest ÷ median single
    assert ratio4 == pytest.approx(server_runs.percentile([0.012, 0.030, 0.014], 95)
                                   / server_runs.percentile([0.010, 0.012, 0.011], 95)) and limit4 == 3.0
    printed = capsys.readouterr().out
    assert "此轮不计" in printed
    # the ten runs' CPU over the single cold run's: (9 × 8 + 60) ÷ 45 and (9 × 8 + 50) ÷ 60
    assert "CPU 合计 132 ms，为单个会话冷重跑 CPU 的 2.9 倍" in printed
    assert "CPU 合计 122 ms，为单个会话冷重跑 CPU 的 2.0 倍" in printed
    # beyond the cold run the slowest spent 100 and 30 ms (median 65), the single session's warm
    # rerun p50 is 11 ms: 5.9 redraws; nine cold runs of the median 60 ms would be 540 ms
    assert "最慢比单个会话冷重跑多 65 ms（各轮中位数），约合 5.9 次单个会话热重跑（p50 11 ms）；只算一次时约为 9 次" \
        "热重跑，若每个会话各自重算该数据版本，约为 9 次冷重跑（540 ms）" in printed
    # printed after the random-moment line whose single-session runs it counts in
    assert printed.index("随机时刻重跑（") < printed.index("仅供参考：最慢比")


def test_each_round_says_how_far_apart_the_ten_runs_began(capsys):
    """A stampede is ten runs begun together: the server's lines give each run's start (its end
    less its wall time), printed so a round whose runs trickled in one by one shows as such."""
    ten = [{"wall_s": 0.020, "cpu_s": 0.005, "end_time": 100.020 + i * 0.004} for i in range(9)]
    ten.append({"wall_s": 0.090, "cpu_s": 0.030, "end_time": 100.095})  # began at 100.005
    out = {"uploads": [(runs((0.040, 0.035)), ten)], "random_one": [], "random_ten": []}
    (_, ratio3, _), _ = server_runs.goal_rows(out, 10, 1.0, 15)
    assert ratio3 == pytest.approx(0.090 / 0.040)
    assert "10 个会话同时，开始相差 32 ms 最快 20 ms、最慢 90 ms" in capsys.readouterr().out


def test_a_goal_without_enough_lines_is_a_row_not_measured_never_a_missing_row(capsys):
    out = {"uploads": [(runs((0.050, 0.045)), runs((0.020, 0.008)))],  # one line of ten
           "random_one": runs((0.010, 0.008)), "random_ten": runs((0.012, 0.008))}
    assert server_runs.goal_rows(out, 10, 1.0, 15) == [
        ("10 个会话上报后同时重跑，最慢 ÷ 单个会话冷重跑（示例县，服务器计时）", None, 2.0, "没有一轮的服务器计时行数齐全"),
        ("10 个会话随机时刻重跑，服务器每次运行 p95 ÷ 单个会话 p95", None, 3.0, "服务器计时行数不足")]
    assert "服务器计时行数不足（单个 1，10 个 1）" in capsys.readouterr().out


def test_a_cold_run_without_cpu_time_still_prints(capsys):
    out = {"uploads": [(runs((0.050, 0.0)), runs(*[(0.020, 0.008)] * 10))], "random_one": [], "random_ten": []}
    (_, ratio, _), _ = server_runs.goal_rows(out, 10, 1.0, 15)
    assert ratio == pytest.approx(0.020 / 0.050)
    assert "（CPU 合计 80 ms）" in capsys.readouterr().out


def test_goal_lines_say_met_only_when_measured_within_the_limit_and_without_a_problem():
    assert bench.goal_line("甲", 1.5, 2.0).startswith("  达到  甲")
    assert bench.goal_line("甲", 2.5, 2.0).startswith("  未达到  甲")
    assert bench.goal_line("甲", None, 2.0, "浏览器部分未能运行").startswith("  未达到  甲")
    assert "未测得" in bench.goal_line("甲", None, 2.0, "浏览器部分未能运行")
    wrong = bench.goal_line("甲", 0.2, 1.0, "结果与DuckDB不一致")
    assert wrong.startswith("  未达到  甲") and "0.20×" in wrong and wrong.endswith("结果与DuckDB不一致！")


def test_postgresql_asked_for_but_unmeasured_is_a_row_not_a_silence():
    sqlite_only = [("1 万行工作簿校验并入库 ÷ calamine 原始读取（SQLite）", 3.4, 5.0, "")]
    url = "postgresql+psycopg://x@127.0.0.1:1/y"
    assert bench.unmeasured_postgresql(sqlite_only, url, "导入") == [("导入（PostgreSQL）", None, 1.0, "PostgreSQL 不可用")]
    assert bench.unmeasured_postgresql(sqlite_only, None, "导入") == []  # --pg none: the operator's choice
    both = sqlite_only + [("1 万行工作簿校验并入库 ÷ calamine 原始读取（PostgreSQL）", 4.9, 5.0, "")]
    assert bench.unmeasured_postgresql(both, url, "导入") == []
    assert bench.goal_line("导入（PostgreSQL）", None, 1.0, "PostgreSQL 不可用").startswith("  未达到  导入（PostgreSQL）")


def test_integrity_counts_the_last_batch_and_sees_the_sampling_tables_keys(empty_engine, capsys):
    book = xlsx(registry(1, 2), sampling([sampling_row(f"IB-{i}", 1 + i % 2) for i in range(3)]))
    result = import_workbook(empty_engine, book, viewer=system_viewer(empty_engine), uploader="t", file_name="b.xlsx")
    assert result.status == "imported", result.to_text()
    assert bench.integrity(empty_engine, 3) == ""
    assert bench.integrity(empty_engine, 4) == "入库 3 行，应为 4 行"
    printed = capsys.readouterr().out
    assert "最后一次导入的批次存有 3 行监督抽检（工作簿 3 行）" in printed
    assert "sampling 表主键 sample_no，外键 1 个" in printed
