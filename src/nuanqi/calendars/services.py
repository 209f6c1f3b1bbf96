"""Build the working calendar from the published data plus the admins' override tables."""

from __future__ import annotations

import threading
import time as _time
from datetime import date

from django.db.models import Count, Max
from django.utils import timezone

from nuanqi.worktime import Schedule, WorkCalendar, set_default_calendar

from .models import CalendarDay, ConfirmedYear, WorkSchedule, parse_sessions

# Each process keeps the calendar it built and re-checks the override tables at most this often, so an
# admin's typhoon closure reaches every server process within a few seconds without a query per deadline.
_RECHECK_SECONDS = 5.0
_lock = threading.Lock()
_state: dict[str, object] = {"stamp": None, "calendar": None, "checked": 0.0}


def _stamp() -> tuple[object, ...]:
    days = CalendarDay.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    scheds = WorkSchedule.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    years = ConfirmedYear.objects.aggregate(n=Count("id"), m=Max("confirmed_at"))
    return (days["n"], days["m"], scheds["n"], scheds["m"], years["n"], years["m"])


def build_calendar(*, guess_year: int | None = None) -> WorkCalendar:
    """The calendar from the override tables; with `guess_year`, as it was before that year's notice was
    entered (the year provisional, none of its own overrides)."""
    days = CalendarDay.objects.all()
    if guess_year is not None:
        days = days.exclude(date__year=guess_year)
    closures = {d.date: d.name for d in days if not d.workday}
    extra = {d.date: d.name for d in days if d.workday}
    schedules = [
        Schedule(
            sessions=parse_sessions(s.sessions),
            valid_from=s.valid_from,
            valid_to=s.valid_to,
            months=s.season(),
            name=s.name,
        )
        for s in WorkSchedule.objects.order_by("priority", "id")
    ]
    years = [y for y in ConfirmedYear.objects.values_list("year", flat=True) if y != guess_year]
    return WorkCalendar(closures=closures, extra_workdays=extra, schedules=schedules, confirmed_years=years)


def current_calendar(*, force: bool = False) -> WorkCalendar:
    """The calendar in force, rebuilt when an admin changed an override; also installed as the default."""
    now = _time.monotonic()
    with _lock:
        cal = _state["calendar"]
        if not force and cal is not None and now - float(_state["checked"]) < _RECHECK_SECONDS:  # type: ignore[arg-type]
            return cal  # type: ignore[return-value]
        stamp = _stamp()
        if force or cal is None or stamp != _state["stamp"]:
            cal = build_calendar()
            set_default_calendar(cal)
            _state["calendar"] = cal
            _state["stamp"] = stamp
        _state["checked"] = now
        return cal  # type: ignore[return-value]


def hold_calendar() -> WorkCalendar:
    """The calendar this process holds (built first if none), kept from now on without re-checking the
    override tables: for forked bulk generators (`demo.scale`), whose processes must not query the database
    they inherited a connection to."""
    cal = _state["calendar"]
    if cal is None:
        cal = current_calendar(force=True)
    with _lock:
        _state["checked"] = float("inf")
    return cal  # type: ignore[return-value]


def enter_notice(
    year: int,
    *,
    days_off: dict[date, str] | None = None,
    workdays: dict[date, str] | None = None,
    note: str = "",
) -> int:
    """Enter the State Council's notice for `year`: its days off and 调休 workdays (as they differ from
    plain weekdays and weekends), then confirm the year, which replaces the statutory guess; the open cases'
    deadlines already computed on the guess are recomputed (each with a timeline event). Returns the number
    of cases whose deadlines moved. Also what saving a confirmed year in the admin does."""
    from django.db import transaction

    for d in (*(days_off or {}), *(workdays or {})):
        if d.year != year:
            raise ValueError(f"{d.isoformat()} 不在 {year} 年内")
    from nuanqi.cases.recalendar import recompute_year

    # The calendar the deadlines were computed on: the pure guess while the year was provisional (even if
    # some of its days were entered before), else the entered days in force now (an amended notice).
    confirmed = ConfirmedYear.objects.filter(year=year).exists()
    old = current_calendar(force=True) if confirmed else build_calendar(guess_year=year)
    with transaction.atomic():
        for d, name in (days_off or {}).items():
            CalendarDay.objects.update_or_create(date=d, defaults={"workday": False, "name": name or "放假"})
        for d, name in (workdays or {}).items():
            CalendarDay.objects.update_or_create(
                date=d, defaults={"workday": True, "name": name or "调休上班"}
            )
        ConfirmedYear.objects.update_or_create(year=year, defaults={"note": note})
    new = current_calendar(force=True)
    if old.is_year_confirmed(year) and confirmed is False:  # published data: there was no guess
        return 0
    return recompute_year(old, new, year, note=note)


def recompute_after_notice(year: int, note: str = "") -> int:
    """Recompute deadlines computed on the year's statutory guess now that its notice is entered."""
    from nuanqi.cases.recalendar import recompute_year

    old = build_calendar(guess_year=year)
    new = current_calendar(force=True)
    if old.is_year_confirmed(year):  # published data: there was no guess
        return 0
    return recompute_year(old, new, year, note=note)


def invalidate() -> None:
    with _lock:
        _state["calendar"] = None


def unconfirmed_year_warnings(today: date | None = None) -> list[int]:
    """Years an admin should fill in: this year if unpublished, and next year from November on."""
    today = today or timezone.localdate()
    cal = current_calendar()
    last = today.year + 1 if today.month >= 11 else today.year
    return cal.unconfirmed_years(today.year, last)
