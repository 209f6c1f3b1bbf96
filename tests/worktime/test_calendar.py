"""Which dates are workdays, their names, sessions, schedules and year confirmation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from nuanqi.worktime import (
    HOLIDAY_NAMES_ZH,
    TZ,
    DayInfo,
    Schedule,
    WorkCalendar,
    day_info,
    default_calendar,
    is_workday,
    set_default_calendar,
)

DEFAULT = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 0)))
SUMMER = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))


def test_2023_01_29_sunday_is_a_make_up_workday() -> None:
    assert date(2023, 1, 29).weekday() == 6
    assert is_workday(date(2023, 1, 29))
    assert day_info(date(2023, 1, 29)) == DayInfo(date(2023, 1, 29), True, "调休上班", True)


def test_2023_05_06_saturday_is_a_make_up_workday() -> None:
    assert date(2023, 5, 6).weekday() == 5
    assert is_workday(date(2023, 5, 6))


def test_2023_10_02_is_national_day_in_chinese() -> None:
    info = day_info(date(2023, 10, 2))
    assert not info.workday
    assert info.name == "国庆节"
    assert info.confirmed


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2023, 1, 1), "元旦"),
        (date(2023, 1, 23), "春节"),
        (date(2023, 4, 5), "清明节"),
        (date(2023, 5, 1), "劳动节"),
        (date(2023, 6, 22), "端午节"),
        (date(2023, 9, 29), "中秋节"),
        (date(2023, 10, 1), "国庆节"),
    ],
)
def test_published_holidays_carry_their_full_chinese_names(d: date, name: str) -> None:
    info = day_info(d)
    assert not info.workday
    assert info.name == name


def test_holiday_names_map_english_to_chinese() -> None:
    assert HOLIDAY_NAMES_ZH["Spring Festival"] == "春节"
    assert HOLIDAY_NAMES_ZH["Tomb-sweeping Day"] == "清明节"


def test_a_plain_weekend_is_named_zhoumo_and_a_plain_weekday_has_no_name() -> None:
    assert day_info(date(2023, 3, 4)) == DayInfo(date(2023, 3, 4), False, "周末", True)
    assert day_info(date(2023, 3, 6)) == DayInfo(date(2023, 3, 6), True, None, True)


def test_sessions_on_a_workday_are_the_defaults_and_empty_on_a_holiday() -> None:
    cal = WorkCalendar()
    assert cal.sessions_on(date(2023, 3, 6)) == DEFAULT
    assert cal.sessions_on(date(2023, 10, 2)) == ()


def test_a_closure_makes_a_workday_a_named_non_workday() -> None:
    cal = WorkCalendar(closures={date(2023, 9, 1): "台风停工"})
    assert cal.day_info(date(2023, 9, 1)) == DayInfo(date(2023, 9, 1), False, "台风停工", True)
    assert cal.sessions_on(date(2023, 9, 1)) == ()


def test_a_closure_given_as_a_bare_date_gets_a_default_name() -> None:
    cal = WorkCalendar(closures=[date(2023, 9, 1)])
    info = cal.day_info(date(2023, 9, 1))
    assert not info.workday
    assert info.name


def test_an_extra_workday_on_a_saturday_is_a_named_workday() -> None:
    cal = WorkCalendar(extra_workdays={date(2024, 6, 8): "补班"})
    assert cal.day_info(date(2024, 6, 8)) == DayInfo(date(2024, 6, 8), True, "补班", True)
    assert cal.sessions_on(date(2024, 6, 8)) == DEFAULT


def test_a_closure_wins_over_an_extra_workday_on_the_same_date() -> None:
    d = date(2024, 6, 8)
    cal = WorkCalendar(closures={d: "停电"}, extra_workdays={d: "补班"})
    assert not cal.is_workday(d)


def test_a_closure_overrides_a_published_make_up_workday() -> None:
    cal = WorkCalendar(closures={date(2023, 1, 29): "寒潮停工"})
    assert not cal.is_workday(date(2023, 1, 29))


def test_2027_without_published_data_holds_the_statutory_guess_and_is_unconfirmed() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(date(2027, 2, 8))  # 初三, a Monday: 春节 by law
    assert cal.day_info(date(2027, 2, 8)).name == "春节"
    assert not cal.is_workday(date(2027, 2, 13))  # a Saturday
    assert cal.is_workday(date(2027, 2, 11))  # a Thursday after the 补假
    assert cal.day_info(date(2027, 2, 8)).confirmed is False
    assert cal.is_year_confirmed(2026)
    assert not cal.is_year_confirmed(2027)
    assert cal.unconfirmed_years(2026, 2027) == [2027]


def test_confirmed_years_make_2027_confirmed_and_drop_the_guess() -> None:
    cal = WorkCalendar(confirmed_years=[2027], closures={date(2027, 2, 8): "春节"})
    assert cal.is_year_confirmed(2027)
    assert cal.unconfirmed_years(2026, 2027) == []
    assert cal.day_info(date(2027, 2, 8)) == DayInfo(date(2027, 2, 8), False, "春节", True)
    # What the notice did not list is a plain weekday again: the guess is replaced, not merged.
    assert cal.day_info(date(2027, 2, 9)) == DayInfo(date(2027, 2, 9), True, None, True)


@pytest.mark.parametrize("year", [1990, 2003, 2100])
def test_years_outside_the_published_data_work_without_error(year: int) -> None:
    cal = WorkCalendar()
    assert not cal.is_year_confirmed(year)
    first_monday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 0)
    assert cal.is_workday(first_monday)


def test_a_seasonal_summer_schedule_applies_only_inside_its_months() -> None:
    cal = WorkCalendar(schedules=[Schedule(sessions=SUMMER, months=(7, 1, 9, 30), name="夏令")])
    assert cal.sessions_on(date(2023, 6, 30)) == DEFAULT
    assert cal.sessions_on(date(2023, 7, 3)) == SUMMER
    assert cal.sessions_on(date(2025, 9, 30)) == SUMMER
    assert cal.sessions_on(date(2023, 10, 9)) == DEFAULT


def test_a_seasonal_schedule_respects_its_valid_from_and_valid_to() -> None:
    summer = Schedule(
        sessions=SUMMER, months=(7, 1, 9, 30), valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31)
    )
    cal = WorkCalendar(schedules=[summer])
    assert cal.sessions_on(date(2023, 7, 3)) == DEFAULT
    assert cal.sessions_on(date(2024, 7, 3)) == SUMMER
    assert cal.sessions_on(date(2025, 7, 3)) == DEFAULT


def test_a_season_may_wrap_over_the_new_year() -> None:
    winter_sessions = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 0)))
    cal = WorkCalendar(schedules=[Schedule(sessions=winter_sessions, months=(11, 1, 2, 28))])
    assert cal.sessions_on(date(2023, 11, 1)) == winter_sessions
    assert cal.sessions_on(date(2024, 1, 2)) == winter_sessions
    assert cal.sessions_on(date(2024, 2, 29)) == DEFAULT
    assert cal.sessions_on(date(2024, 3, 4)) == DEFAULT


def test_when_several_schedules_match_the_last_one_wins() -> None:
    special = ((time(9, 0), time(12, 0)),)
    cal = WorkCalendar(
        schedules=[
            Schedule(sessions=SUMMER, months=(7, 1, 9, 30)),
            Schedule(sessions=special, valid_from=date(2023, 8, 1), valid_to=date(2023, 8, 4)),
        ]
    )
    assert cal.sessions_on(date(2023, 8, 1)) == special
    assert cal.sessions_on(date(2023, 8, 7)) == SUMMER


@pytest.mark.parametrize(
    "sessions",
    [
        (),
        ((time(12, 0), time(8, 30)),),
        ((time(9, 0), time(9, 0)),),
        ((time(14, 0), time(17, 0)), (time(8, 30), time(12, 0))),
        ((time(8, 30), time(12, 0)), (time(11, 0), time(17, 0))),
    ],
)
def test_an_invalid_schedule_raises_value_error(sessions: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        Schedule(sessions=sessions)


def test_an_invalid_schedule_message_is_chinese() -> None:
    with pytest.raises(ValueError, match="开始时间必须早于结束时间"):
        Schedule(sessions=((time(12, 0), time(8, 30)),))


def test_a_schedule_with_valid_to_before_valid_from_or_a_bad_month_raises() -> None:
    with pytest.raises(ValueError):
        Schedule(sessions=DEFAULT, valid_from=date(2024, 2, 1), valid_to=date(2024, 1, 1))
    with pytest.raises(ValueError):
        Schedule(sessions=DEFAULT, months=(13, 1, 9, 30))


def test_invalid_default_sessions_raise_value_error() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(default_sessions=((time(17, 0), time(8, 0)),))


def test_a_datetime_is_classified_by_its_shanghai_date() -> None:
    # Thursday 2023-09-28 18:00 UTC is already 09-29 02:00 in Shanghai, the Mid-autumn Festival.
    cal = WorkCalendar()
    late_utc = datetime(2023, 9, 28, 18, 0, tzinfo=UTC)
    assert cal.is_workday(datetime(2023, 9, 28, 18, 0))
    assert not cal.is_workday(late_utc)
    assert cal.day_info(late_utc).date == date(2023, 9, 29)


def test_set_default_calendar_replaces_what_module_functions_use() -> None:
    original = default_calendar()
    closed = WorkCalendar(closures={date(2023, 3, 6): "台风停工"})
    try:
        set_default_calendar(closed)
        assert default_calendar() is closed
        assert not is_workday(date(2023, 3, 6))
    finally:
        set_default_calendar(original)
    assert is_workday(date(2023, 3, 6))


def test_tz_is_asia_shanghai() -> None:
    assert str(TZ) == "Asia/Shanghai"
