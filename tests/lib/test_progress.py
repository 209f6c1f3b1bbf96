"""序时进度 against a hand computation on the 2023 calendar (劳动节: 4-29 to 5-3 off, 4-23 and 5-6 worked)."""

from __future__ import annotations

from datetime import date

import pytest

from nuanqi.lib.milestones import days_ahead, is_late
from nuanqi.lib.progress import (
    DONE,
    GREEN,
    PAUSED,
    RED,
    YELLOW,
    Period,
    Thresholds,
    add_months,
    progress,
    roll_up,
    working_days,
)
from nuanqi.worktime.default import is_workday

START, END = date(2023, 4, 24), date(2023, 5, 12)


def test_the_working_days_of_a_plan_skip_the_labour_day_holiday_and_count_its_makeup_saturday():
    # 4-24..4-28 (5) + 5-4, 5-5 (2) + Saturday 5-6, a 调休 workday (1) + 5-8..5-12 (5) = 13.
    assert working_days(START, END, is_workday) == 13


def test_a_project_behind_its_plan_in_working_days_is_yellow_where_calendar_days_would_say_red():
    p = progress(start=START, planned_end=END, reported=45, today=date(2023, 5, 8), is_workday=is_workday)
    # Elapsed: 4-24..4-28 (5) + 5-4, 5-5, 5-6 (3) + 5-8 (1) = 9 of 13 → 69.2 %; gap 69.2 − 45 = 24.2 → yellow.
    # (Calendar days would be 15 of 19 = 78.9 %, a gap of 33.9: red.)
    assert (p.elapsed_days, p.total_days, p.planned, p.gap, p.light) == (9, 13, 69.2, 24.2, YELLOW)
    # 45 % of 13 days needs ⌈5.85⌉ = 6 working days: 9 − 6 = 3 behind.
    assert p.slip_days == 3


def test_a_stoppage_stops_the_clock_for_its_working_days():
    stop = Period(date(2023, 5, 4), date(2023, 5, 5))  # 停工 Thursday and Friday after the holiday
    p = progress(
        start=START,
        planned_end=END,
        reported=45,
        today=date(2023, 5, 8),
        is_workday=is_workday,
        pauses=[stop],
    )
    # 9 − 2 stopped days = 7 of 13 → 53.8 %; gap 8.8 → green; slip 7 − 6 = 1.
    assert (p.elapsed_days, p.planned, p.gap, p.light, p.slip_days) == (7, 53.8, 8.8, GREEN, 1)
    during = progress(
        start=START,
        planned_end=END,
        reported=45,
        today=date(2023, 5, 5),
        is_workday=is_workday,
        pauses=[Period(date(2023, 5, 4))],
    )
    assert during.light == PAUSED


@pytest.mark.parametrize(("reported", "light"), [(59.3, GREEN), (59.2, YELLOW), (39.2, YELLOW), (39.1, RED)])
def test_the_thresholds_are_ten_and_thirty_points_both_yellow(reported, light):
    # planned 69.2: gap 9.9 is green, 10.0 yellow, 30.0 yellow, 30.1 red.
    p = progress(
        start=START, planned_end=END, reported=reported, today=date(2023, 5, 8), is_workday=is_workday
    )
    assert p.light == light


def test_the_thresholds_are_configurable():
    strict = Thresholds(yellow=5, red=20)
    p = progress(
        start=START,
        planned_end=END,
        reported=45,
        today=date(2023, 5, 8),
        is_workday=is_workday,
        thresholds=strict,
    )
    assert p.light == RED


def test_a_project_not_started_three_months_after_its_planned_start_is_red_whatever_the_gap():
    long_plan = {"start": date(2023, 2, 6), "planned_end": date(2024, 12, 31), "reported": None}
    before = progress(**long_plan, today=date(2023, 5, 5), is_workday=is_workday)
    after = progress(**long_plan, today=date(2023, 5, 6), is_workday=is_workday)
    assert before.light == YELLOW and before.gap < 30
    assert after.light == RED and after.gap < 30


def test_done_and_not_yet_started_projects():
    assert (
        progress(start=START, planned_end=END, reported=100, today=END, is_workday=is_workday).light == DONE
    )
    early = progress(
        start=START, planned_end=END, reported=None, today=date(2023, 4, 1), is_workday=is_workday
    )
    assert (early.planned, early.light, early.slip_days) == (0.0, GREEN, 0)


def test_months_are_added_to_the_last_day_of_short_months():
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2023, 2, 6), 3) == date(2023, 5, 6)


def test_a_roll_up_is_the_weighted_mean_of_the_children():
    # By investment: (40×3000 + 80×1000) / 4000 = 50; by count: (40 + 80) / 2 = 60.
    assert roll_up([(40, 3000), (80, 1000)]) == 50.0
    assert roll_up([(40, 1), (80, 1)]) == 60.0
    assert roll_up([(40, 0), (80, 0)]) == 60.0
    assert roll_up([]) == 0.0


def test_milestones_say_how_many_days_ahead_or_late():
    today = date(2023, 6, 1)
    assert days_ahead(date(2023, 6, 1), date(2023, 5, 25), today) == 7
    assert days_ahead(date(2023, 5, 20), None, today) == -12 and is_late(date(2023, 5, 20), None, today)
    assert days_ahead(date(2023, 7, 1), None, today) is None and not is_late(date(2023, 7, 1), None, today)
