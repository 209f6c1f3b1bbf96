"""Chinese government working calendar and deadline arithmetic (pure Python, no Django).

Published holidays and 调休 come from the `chinese_calendar` package; a `WorkCalendar` adds local
closures, extra workdays, seasonal schedules and admin-confirmed years on top.
"""

from __future__ import annotations

from ._published import HOLIDAY_NAMES_ZH, PUBLISHED_YEARS
from .default import (
    add_working_days,
    add_working_hours,
    day_info,
    default_calendar,
    is_workday,
    set_default_calendar,
    sub_working_hours,
    working_time_between,
)
from .schedule import DEFAULT_SESSIONS, Schedule
from .workcalendar import TZ, DayInfo, WorkCalendar

__all__ = [
    "DEFAULT_SESSIONS",
    "HOLIDAY_NAMES_ZH",
    "PUBLISHED_YEARS",
    "TZ",
    "DayInfo",
    "Schedule",
    "WorkCalendar",
    "add_working_days",
    "add_working_hours",
    "day_info",
    "default_calendar",
    "is_workday",
    "set_default_calendar",
    "sub_working_hours",
    "working_time_between",
]
