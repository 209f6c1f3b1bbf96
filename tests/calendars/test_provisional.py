"""A year the State Council has not published: the statutory holidays and 补假 by law, provisional until the
notice is entered; entering it replaces the guess and moves the deadlines already computed on it."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from nuanqi.calendars.models import CalendarDay
from nuanqi.calendars.services import current_calendar, enter_notice
from nuanqi.cases.models import Case, Event
from nuanqi.cases.recalendar import ACTION
from nuanqi.cases.timeline import verify
from nuanqi.cli import main
from nuanqi.worktime import TZ, WorkCalendar
from tests.cases.helpers import file_case

# 《全国年节及纪念日放假办法》 (2024): 元旦 1.1; 春节 除夕–初三; 清明; 劳动节 5.1–5.2; 端午; 中秋;
# 国庆 10.1–10.3; a holiday on a Saturday or Sunday is given on the following workday (补假).
# Lunar and solar-term dates from the almanac: 春节 2027-02-06, 2028-01-26, 2029-02-13, 2030-02-03;
# 清明 4/5, 4/4, 4/4, 4/5; 端午 6/9, 5/28, 6/16, 6/5; 中秋 9/15, 10/3, 9/22, 9/12.
LAW = {
    2027: "01-01 02-05 02-06 02-07 02-08 02-09* 02-10* 04-05 05-01 05-02 05-03* 05-04* 06-09 09-15 "
    "10-01 10-02 10-03 10-04* 10-05*",
    2028: "01-01 01-03* 01-25 01-26 01-27 01-28 04-04 05-01 05-02 05-28 05-29* 10-01 10-02 10-03 10-04*",
    2029: "01-01 02-12 02-13 02-14 02-15 04-04 05-01 05-02 06-16 06-18* 09-22 09-24* 10-01 10-02 10-03",
    2030: "01-01 02-02 02-03 02-04 02-05 02-06* 02-07* 04-05 05-01 05-02 06-05 09-12 10-01 10-02 10-03",
}


def _law(year: int) -> dict[date, bool]:
    """{date: is a 补假} of the year's statutory days off."""
    return {date.fromisoformat(f"{year}-{d.rstrip('*')}"): d.endswith("*") for d in LAW[year].split()}


@pytest.mark.parametrize("year", sorted(LAW))
def test_the_calendar_holds_every_statutory_holiday_and_make_up_day_off_of_the_year(year):
    cal = WorkCalendar()
    days_off = _law(year)
    for d, make_up in days_off.items():
        info = cal.day_info(d)
        assert not info.workday and not info.confirmed, d
        assert info.name and info.name.endswith("补假") == make_up, (d, info.name)
    # And no other weekday is off: without the notice there are no 调休 swaps to guess.
    d = date(year, 1, 1)
    while d.year == year:
        if d.weekday() < 5 and d not in days_off:
            assert cal.is_workday(d), d
        d += timedelta(days=1)


def test_nuanqi_calendar_day_says_not_a_workday_for_each_holiday_and_make_up_day(db, capsys):
    for year in sorted(LAW):
        for d in _law(year):
            main(["calendar", "day", d.isoformat()])
            captured = capsys.readouterr()
            out = json.loads(captured.out)
            assert out["workday"] is False, d
            assert out["provisional"] is True
            assert "尚未发布" in out["warning"] and "补假" in captured.err


def test_entering_the_notice_replaces_the_guess_and_moves_deadlines_with_a_timeline_event(world):
    start = datetime(2026, 12, 21, 10, 0, tzinfo=TZ)  # a deadline computed before the notice, into 2027
    guess = current_calendar(force=True)
    case = file_case(world.company, world.huakang)
    old_due = guess.add_working_days(start, 60)
    old_sign = guess.add_working_hours(start, 2)
    Case.objects.filter(pk=case.pk).update(resolve_due=old_due, sign_due=old_sign)
    events_before = Event.objects.filter(case=case).count()
    # A notice unlike the guess: 春节 2/5–2/12 off (two more weekdays), Sunday 2/14 worked instead.
    days_off = {date(2027, 2, 5) + timedelta(days=i): "春节" for i in range(8)} | {date(2027, 1, 1): "元旦"}
    moved = enter_notice(
        2027, days_off=days_off, workdays={date(2027, 2, 14): "春节调休上班"}, note="国办发明电"
    )
    assert moved == 1
    new = current_calendar()
    assert new.is_year_confirmed(2027)
    assert not new.is_workday(date(2027, 2, 11)) and new.is_workday(date(2027, 2, 14))
    # The guess is gone: what the notice did not list (劳动节's 补假 here) is a plain weekday again.
    assert new.is_workday(date(2027, 5, 3))
    case.refresh_from_db()
    assert case.resolve_due == new.add_working_days(start, 60)
    assert case.resolve_due > old_due
    assert case.sign_due == old_sign  # in 2026: unchanged
    event = Event.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.action == ACTION
    assert Event.objects.filter(case=case).count() == events_before + 1
    assert "2027 年节假日安排已录入" in event.reason
    assert not list(verify())
    # Entering it again changes nothing more.
    assert enter_notice(2027, days_off=days_off, workdays={date(2027, 2, 14): "春节调休上班"}) == 0


def test_the_notice_command_enters_days_and_confirms_the_year(db, capsys):
    main(
        [
            "calendar",
            "notice",
            "2028",
            "--off",
            "2028-01-24:春节",
            "--work",
            "2028-01-29",
            "--note",
            "测试通知",
        ]
    )
    assert "已录入 2028 年节假日安排" in capsys.readouterr().out
    assert CalendarDay.objects.get(date=date(2028, 1, 29)).name == "调休上班"
    cal = current_calendar(force=True)
    assert cal.is_year_confirmed(2028) and not cal.is_workday(date(2028, 1, 24))
