"""Admins' overrides of the working calendar reach every deadline."""

from __future__ import annotations

from datetime import date, datetime

from nuanqi.calendars.models import CalendarDay, ConfirmedYear, WorkSchedule
from nuanqi.calendars.services import current_calendar, unconfirmed_year_warnings
from nuanqi.worktime import TZ


def test_a_typhoon_closure_is_not_a_workday_and_pushes_deadlines(db):
    start = datetime(2023, 7, 27, 9, 0, tzinfo=TZ)  # Thursday
    before = current_calendar(force=True).add_working_days(start, 1)
    assert before == datetime(2023, 7, 28, 17, 0, tzinfo=TZ)
    CalendarDay.objects.create(date=date(2023, 7, 28), workday=False, name="台风“杜苏芮”停工")
    cal = current_calendar(force=True)
    assert cal.day_info(date(2023, 7, 28)).name == "台风“杜苏芮”停工"
    assert cal.add_working_days(start, 1) == datetime(2023, 7, 31, 17, 0, tzinfo=TZ)


def test_next_years_make_up_workday_and_confirmation_clear_the_warning(db):
    CalendarDay.objects.create(date=date(2027, 2, 7), workday=True, name="春节调休上班")  # a Sunday
    cal = current_calendar(force=True)
    assert cal.is_workday(date(2027, 2, 7))
    assert unconfirmed_year_warnings(date(2026, 11, 25)) == [2027]
    ConfirmedYear.objects.create(year=2027, note="国办发明电〔2026〕X号")
    current_calendar(force=True)
    assert unconfirmed_year_warnings(date(2026, 11, 25)) == []


def test_a_summer_schedule_changes_the_afternoon_session(db):
    WorkSchedule.objects.create(
        name="夏令作息", sessions="08:30-12:00, 14:30-17:30", season_from="07-01", season_to="09-30"
    )
    cal = current_calendar(force=True)
    assert cal.add_working_hours(datetime(2023, 7, 3, 11, 30, tzinfo=TZ), 1) == datetime(
        2023, 7, 3, 15, 0, tzinfo=TZ
    )
    assert cal.add_working_hours(datetime(2023, 3, 1, 11, 30, tzinfo=TZ), 1) == datetime(
        2023, 3, 1, 14, 30, tzinfo=TZ
    )


def test_the_admin_pages_for_overrides_open_for_an_admin(world):
    client = world.client(world.admin)
    for path in (
        "/admin/calendars/calendarday/",
        "/admin/calendars/calendarday/add/",
        "/admin/calendars/workschedule/",
    ):
        assert client.get(path).status_code == 200
    r = client.post(
        "/admin/calendars/calendarday/add/",
        {"date": "2023-09-01", "workday": "", "name": "台风停工", "note": ""},
    )
    assert r.status_code == 302
    assert not current_calendar().is_workday(date(2023, 9, 1))
