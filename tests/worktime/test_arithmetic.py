"""Deadline arithmetic: working hours forwards and backwards, working days, working time between."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from nuanqi.worktime import (
    TZ,
    Schedule,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    sub_working_hours,
    working_time_between,
)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def test_one_working_day_from_friday_2023_01_20_is_saturday_2023_01_28_at_17_00() -> None:
    assert add_working_days(sh(2023, 1, 20, 10, 0), 1) == sh(2023, 1, 28, 17, 0)


def test_two_working_days_from_friday_2023_01_20_is_sunday_2023_01_29() -> None:
    assert add_working_days(sh(2023, 1, 20, 10, 0), 2) == sh(2023, 1, 29, 17, 0)
    assert add_working_days(sh(2023, 1, 20, 10, 0), 3) == sh(2023, 1, 30, 17, 0)


def test_working_days_count_from_the_next_day_even_when_received_before_work() -> None:
    assert add_working_days(sh(2023, 3, 6, 7, 0), 1) == sh(2023, 3, 7, 17, 0)


def test_working_days_accept_a_plain_date() -> None:
    assert add_working_days(date(2023, 1, 20), 1) == sh(2023, 1, 28, 17, 0)


def test_working_days_received_on_a_holiday_start_after_it() -> None:
    # Received on National Day 2023-10-02; 10-07 (Saturday) is a make-up workday.
    assert add_working_days(sh(2023, 10, 2, 9, 0), 1) == sh(2023, 10, 7, 17, 0)


def test_working_days_must_be_at_least_one() -> None:
    with pytest.raises(ValueError):
        add_working_days(sh(2023, 3, 6, 9, 0), 0)
    with pytest.raises(ValueError):
        add_working_days(sh(2023, 3, 6, 9, 0), -3)


def test_working_days_cross_a_year_boundary() -> None:
    # 2023-12-29 Friday; 2023-12-30..2024-01-01 New Year holiday.
    assert add_working_days(sh(2023, 12, 29, 16, 0), 1) == sh(2024, 1, 2, 17, 0)


def test_a_result_on_a_session_end_stays_at_12_00() -> None:
    assert add_working_hours(sh(2023, 3, 6, 8, 30), 3.5) == sh(2023, 3, 6, 12, 0)
    assert add_working_hours(sh(2023, 3, 6, 10, 0), 2) == sh(2023, 3, 6, 12, 0)


def test_a_full_day_of_hours_ends_at_17_00_not_next_morning() -> None:
    # The default sessions 08:30-12:00 and 14:00-17:00 hold 6.5 working hours.
    assert add_working_hours(sh(2023, 3, 6, 8, 30), 6.5) == sh(2023, 3, 6, 17, 0)


def test_a_start_at_12_30_begins_counting_at_14_00() -> None:
    assert add_working_hours(sh(2023, 3, 6, 12, 30), 1) == sh(2023, 3, 6, 15, 0)


def test_a_start_after_work_begins_counting_next_workday_morning() -> None:
    assert add_working_hours(sh(2023, 3, 6, 18, 0), 1) == sh(2023, 3, 7, 9, 30)


def test_a_start_on_a_holiday_begins_counting_on_the_next_workday() -> None:
    # National Day 2023-10-01..06; 10-07 Saturday is a make-up workday.
    assert add_working_hours(sh(2023, 10, 3, 10, 0), 4) == sh(2023, 10, 7, 14, 30)


def test_zero_hours_returns_the_start_unmoved_in_shanghai_time() -> None:
    start = datetime(2023, 3, 5, 3, 17, 5, tzinfo=UTC)  # a Sunday, not working time
    result = add_working_hours(start, 0)
    assert result == start
    assert result.tzinfo is TZ
    assert sub_working_hours(start, 0) == start


def test_negative_hours_raise_value_error() -> None:
    with pytest.raises(ValueError):
        add_working_hours(sh(2023, 3, 6, 9, 0), -1)
    with pytest.raises(ValueError):
        sub_working_hours(sh(2023, 3, 6, 9, 0), -0.5)
    with pytest.raises(ValueError):
        add_working_hours(sh(2023, 3, 6, 9, 0), float("nan"))


def test_sub_working_hours_landing_on_a_session_start_stays_at_14_00() -> None:
    assert sub_working_hours(sh(2023, 3, 6, 16, 0), 2) == sh(2023, 3, 6, 14, 0)


def test_sub_working_hours_for_a_yellow_card_one_working_day_before_due() -> None:
    # Due Monday 2023-03-13 17:00; one working day (6.5 h) before is the start of that Monday.
    assert sub_working_hours(sh(2023, 3, 13, 17, 0), 6.5) == sh(2023, 3, 13, 8, 30)
    # Due Tuesday 10:00 → Monday 10:00; due Monday 09:00 → the Friday before, 09:00.
    assert sub_working_hours(sh(2023, 3, 14, 10, 0), 6.5) == sh(2023, 3, 13, 10, 0)
    assert sub_working_hours(sh(2023, 3, 13, 9, 0), 6.5) == sh(2023, 3, 10, 9, 0)


def test_sub_working_hours_skips_back_over_a_holiday() -> None:
    # 2023-10-07 make-up Saturday 09:30 minus 2 h → 2023-09-28 16:00 (09-29..10-06 off).
    assert sub_working_hours(sh(2023, 10, 7, 9, 30), 2) == sh(2023, 9, 28, 16, 0)


def test_a_closure_typhoon_day_is_skipped() -> None:
    cal = WorkCalendar(closures={date(2023, 9, 1): "台风停工"})
    start = sh(2023, 8, 31, 16, 0)  # Thursday
    assert cal.add_working_hours(start, 2) == sh(2023, 9, 4, 9, 30)
    assert cal.add_working_days(start, 1) == sh(2023, 9, 4, 17, 0)
    assert WorkCalendar().add_working_days(start, 1) == sh(2023, 9, 1, 17, 0)


def test_an_extra_workday_counts() -> None:
    cal = WorkCalendar(extra_workdays={date(2024, 6, 8): "补班"})
    start = sh(2024, 6, 7, 16, 0)  # Friday
    assert cal.add_working_days(start, 1) == sh(2024, 6, 8, 17, 0)
    assert cal.add_working_hours(start, 2) == sh(2024, 6, 8, 9, 30)
    assert WorkCalendar().add_working_hours(start, 2) == sh(2024, 6, 11, 9, 30)  # 06-10 Dragon Boat


def test_a_seasonal_summer_schedule_changes_results() -> None:
    summer = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))
    cal = WorkCalendar(schedules=[Schedule(sessions=summer, months=(7, 1, 9, 30), name="夏令作息")])
    start = sh(2023, 7, 3, 11, 0)
    assert cal.add_working_hours(start, 2) == sh(2023, 7, 3, 15, 30)
    assert WorkCalendar().add_working_hours(start, 2) == sh(2023, 7, 3, 15, 0)
    assert cal.add_working_days(start, 1) == sh(2023, 7, 4, 17, 30)
    assert cal.sub_working_hours(sh(2023, 7, 3, 15, 0), 0.5) == sh(2023, 7, 3, 14, 30)
    # Outside the season the default sessions apply again.
    assert cal.add_working_days(sh(2023, 10, 9, 9, 0), 1) == sh(2023, 10, 10, 17, 0)


def test_2027_arithmetic_works_on_the_statutory_guess() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(sh(2027, 1, 1, 9, 0), 1) == sh(2027, 1, 4, 17, 0)  # 元旦 (Fri) → Mon
    # 2027-01-01 is 元旦 by law: the hour left on 31 December continues on Monday 4 January.
    assert cal.add_working_hours(sh(2026, 12, 31, 16, 0), 2) == sh(2027, 1, 4, 9, 30)
    # Across 劳动节 and its 补假 (1–2 May on a weekend, given on 3–4 May).
    assert cal.add_working_days(sh(2027, 4, 30, 9, 0), 1) == sh(2027, 5, 5, 17, 0)


def test_a_naive_datetime_is_taken_as_shanghai_time() -> None:
    result = add_working_hours(datetime(2023, 3, 6, 10, 0), 1)
    assert result == sh(2023, 3, 6, 11, 0)
    assert result.tzinfo is TZ
    assert add_working_days(datetime(2023, 1, 20, 10, 0), 1) == sh(2023, 1, 28, 17, 0)


def test_an_aware_utc_datetime_is_converted_to_shanghai() -> None:
    # 02:00 UTC = 10:00 Shanghai.
    result = add_working_hours(datetime(2023, 3, 6, 2, 0, tzinfo=UTC), 1)
    assert result == sh(2023, 3, 6, 11, 0)
    assert result.tzinfo is TZ
    # 2023-01-19 18:00 UTC is already Friday 01-20 02:00 in Shanghai.
    assert add_working_days(datetime(2023, 1, 19, 18, 0, tzinfo=UTC), 1) == sh(2023, 1, 28, 17, 0)


def test_results_are_aware_shanghai_datetimes() -> None:
    for result in (
        add_working_hours(sh(2023, 3, 6, 9, 0), 5),
        sub_working_hours(sh(2023, 3, 6, 16, 0), 5),
        add_working_days(sh(2023, 3, 6, 9, 0), 5),
    ):
        assert result.tzinfo is TZ


def test_working_time_between_counts_only_sessions() -> None:
    a, b = sh(2023, 1, 20, 10, 0), sh(2023, 1, 28, 10, 0)
    assert working_time_between(a, b) == timedelta(hours=6, minutes=30)
    assert working_time_between(b, a) == -timedelta(hours=6, minutes=30)
    assert working_time_between(a, a) == timedelta(0)


def test_working_time_between_crosses_years() -> None:
    a, b = sh(2023, 12, 29, 16, 0), sh(2024, 1, 2, 9, 30)
    assert working_time_between(a, b) == timedelta(hours=2)


def test_hours_ending_on_the_last_working_instant_of_a_year_stay_in_that_year() -> None:
    # 2023-12-29 (Friday) is the last workday of 2023.
    assert add_working_hours(sh(2023, 12, 29, 16, 0), 1) == sh(2023, 12, 29, 17, 0)
    assert add_working_hours(sh(2023, 12, 29, 16, 0), 1.5) == sh(2024, 1, 2, 9, 0)


def test_hours_back_to_the_first_working_instant_of_a_year_stay_in_that_year() -> None:
    # 2024-01-02 is the first workday of 2024.
    assert sub_working_hours(sh(2024, 1, 2, 9, 30), 1) == sh(2024, 1, 2, 8, 30)
    assert sub_working_hours(sh(2024, 1, 2, 9, 30), 1.5) == sh(2023, 12, 29, 16, 30)


def test_two_thousand_hours_span_more_than_a_year_and_round_trip() -> None:
    start = sh(2023, 1, 1, 0, 0)
    end = add_working_hours(start, 2000)
    assert end.year == 2024
    assert working_time_between(start, end) == timedelta(hours=2000)
    assert sub_working_hours(end, 2000) == sh(2023, 1, 3, 8, 30)  # first working instant of 2023


def test_fractional_hours_are_exact_to_the_second() -> None:
    assert add_working_hours(sh(2023, 3, 6, 11, 59, 30), 1 / 60) == sh(2023, 3, 6, 14, 0, 30)


def test_years_1990_and_2100_support_arithmetic() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(sh(1990, 1, 5, 9, 0), 1) == sh(1990, 1, 8, 17, 0)
    assert cal.add_working_hours(sh(2100, 12, 31, 16, 0), 0.5) == sh(2100, 12, 31, 16, 30)
