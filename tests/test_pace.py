"""The expected trajectory and the end-of-campaign forecast (dashboard.figures.pace)."""
from datetime import date
from fractions import Fraction

from dashboard.campaign import load_campaign
from dashboard.figures.pace import (CUMULATIVE, LEVEL, PACE_KIND, elapsed_fraction, end_date, expected,
                            month_ends, pace_of)

CONF = load_campaign()


def fig(target, n, d, as_of, threshold=1.0):
    return {"unit_code": "DT01", "unit_name": "城区分局", "target": target, "name": target,
            "numerator": n, "denominator": d, "threshold": threshold, "as_of": as_of}


def test_trajectory_is_a_straight_line_from_start_to_the_end_of_the_last_phase():
    assert end_date(CONF) == date(2023, 11, 30)
    total = (date(2023, 11, 30) - date(2023, 3, 1)).days + 1
    assert elapsed_fraction(CONF, date(2023, 2, 1)) == 0
    assert elapsed_fraction(CONF, date(2023, 11, 30)) == 1
    assert elapsed_fraction(CONF, date(2023, 12, 31)) == 1
    mid = date(2023, 7, 15)
    assert expected(CONF, "self_inspection", 1.0, mid) == Fraction((mid - date(2023, 3, 1)).days + 1, total)
    # equal steps: the line is straight
    a, b, c = (expected(CONF, "supervision_coverage", 1.0, date(2023, 5, d)) for d in (1, 11, 21))
    assert b - a == c - b > 0
    # a level target holds its threshold all along
    assert expected(CONF, "sampling_pass", 0.99, date(2023, 3, 1)) == Fraction(99, 100)
    assert expected(CONF, "sampling_pass", 0.99, date(2023, 11, 30)) == Fraction(99, 100)


def test_every_configured_target_has_a_pace_kind():
    assert {t.code for t in CONF.targets} <= set(PACE_KIND)
    assert set(PACE_KIND.values()) == {CUMULATIVE, LEVEL}


def test_cumulative_forecast_extrapolates_the_average_rate():
    on = date(2023, 7, 15)
    gone = elapsed_fraction(CONF, on)
    # exactly on the line: forecast reaches 100 %
    d = 1000
    n = int(gone * d) + 1
    p = pace_of(CONF, fig("self_inspection", n, d, on))
    assert p.is_behind is False and p.will_meet is True and p.projected == 1.0
    # half the line's value: behind, and the forecast is half of 100 %
    n = int(gone * d / 2)
    p = pace_of(CONF, fig("self_inspection", n, d, on))
    assert p.is_behind is True and p.will_meet is False
    assert abs(p.projected - n / d / float(gone)) < 1e-9
    assert p.pace_text == "落后于进度" and p.forecast_text == "按当前进度难以达标"


def test_level_forecast_keeps_the_current_value_and_zero_denominator_has_none():
    on = date(2023, 6, 30)
    p = pace_of(CONF, fig("sampling_pass", 98, 100, on, 0.99))
    assert p.projected == 0.98 and p.will_meet is False and p.is_behind is True
    p = pace_of(CONF, fig("sampling_pass", 99, 100, on, 0.99))
    assert p.will_meet is True and p.is_behind is False
    p = pace_of(CONF, fig("officer_exam_pass", 0, 0, on))
    assert p.projected is None and p.will_meet is None and p.is_behind is None
    assert p.forecast_text == "无数据" and p.percent_text == "无数据"


def test_month_ends_up_to_as_of():
    assert month_ends(CONF, date(2023, 5, 10)) == [date(2023, 3, 31), date(2023, 4, 30), date(2023, 5, 10)]
    assert len(month_ends(CONF, date(2024, 1, 1))) == 9


def test_at_the_campaigns_end_the_cards_say_what_was_reached():
    end = date(2023, 11, 30)
    before = pace_of(CONF, fig("self_inspection", 170, 174, date(2023, 11, 29)))
    assert not before.is_final and before.forecast_text == "按当前进度难以达标" and before.verdict == "难达标"
    unmet = pace_of(CONF, fig("self_inspection", 170, 174, end))
    assert unmet.is_final and unmet.forecast_text == "期末未达标" and unmet.verdict == "未达标"
    met = pace_of(CONF, fig("sampling_pass", 99, 100, date(2023, 12, 15), 0.99))
    assert met.forecast_text == "期末已达标" and met.verdict == "已达标"
