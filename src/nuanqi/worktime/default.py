"""The process-wide default calendar and module-level shortcuts that delegate to it."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from .workcalendar import DayInfo, WorkCalendar

_lock = threading.Lock()
_default: WorkCalendar | None = None


def default_calendar() -> WorkCalendar:
    """The calendar the module-level functions use; built lazily with no overrides."""
    global _default
    cal = _default
    if cal is None:
        with _lock:
            if _default is None:
                _default = WorkCalendar()
            cal = _default
    return cal


def set_default_calendar(cal: WorkCalendar | None) -> None:
    """Install `cal` as the default calendar (None goes back to the lazily built plain one)."""
    global _default
    if cal is not None and not isinstance(cal, WorkCalendar):
        raise TypeError(f"需要 WorkCalendar，收到 {type(cal).__name__}")
    with _lock:
        _default = cal


def is_workday(d: date) -> bool:
    """`WorkCalendar.is_workday` on the default calendar."""
    return default_calendar().is_workday(d)


def day_info(d: date) -> DayInfo:
    """`WorkCalendar.day_info` on the default calendar."""
    return default_calendar().day_info(d)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """`WorkCalendar.add_working_hours` on the default calendar."""
    return default_calendar().add_working_hours(start, hours)


def sub_working_hours(end: datetime, hours: float) -> datetime:
    """`WorkCalendar.sub_working_hours` on the default calendar."""
    return default_calendar().sub_working_hours(end, hours)


def add_working_days(start: date, days: int) -> datetime:
    """`WorkCalendar.add_working_days` on the default calendar."""
    return default_calendar().add_working_days(start, days)


def working_time_between(a: datetime, b: datetime) -> timedelta:
    """`WorkCalendar.working_time_between` on the default calendar."""
    return default_calendar().working_time_between(a, b)
