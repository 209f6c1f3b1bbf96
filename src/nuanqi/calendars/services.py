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


def build_calendar() -> WorkCalendar:
    closures = {d.date: d.name for d in CalendarDay.objects.filter(workday=False)}
    extra = {d.date: d.name for d in CalendarDay.objects.filter(workday=True)}
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
    years = list(ConfirmedYear.objects.values_list("year", flat=True))
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


def invalidate() -> None:
    with _lock:
        _state["calendar"] = None


def unconfirmed_year_warnings(today: date | None = None) -> list[int]:
    """Years an admin should fill in: this year if unpublished, and next year from November on."""
    today = today or timezone.localdate()
    cal = current_calendar()
    last = today.year + 1 if today.month >= 11 else today.year
    return cal.unconfirmed_years(today.year, last)
