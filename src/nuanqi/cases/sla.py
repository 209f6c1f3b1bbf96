"""Deadlines of cases, all computed by `nuanqi.worktime` on the calendar in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.worktime import WorkCalendar

from .models import CLOSED_STATUSES, ClockMode, CountFrom, Nature, SlaPolicy, SlaState, Status

# One working day is the yellow-card margin (MISSION §2); the default sessions hold 6.5 hours.
WORKDAY_HOURS = 6.5

# Defaults from 舟山12345 when no policy row matches: 咨询 3, 求助/一般 5, 投诉/复杂 7 working days.
_DEFAULT_DAYS = {Nature.CONSULT: 3, Nature.COMPLAINT: 7, Nature.REPORT: 7}


@dataclass(frozen=True)
class Limits:
    sign_hours: float
    contact_hours: float
    resolve_days: int
    resolve_hours: int | None
    count_from: str
    clock: str


def limits_for(kind: str, nature: str, priority: int) -> Limits:
    """The most specific policy. A priority match outranks a nature match: a P1 (重要且紧急) limit must
    apply whatever the nature, while a nature row still beats the all-wildcard default."""
    best: SlaPolicy | None = None
    best_score = -1
    for p in SlaPolicy.objects.filter(kind=kind):
        if p.nature and p.nature != nature:
            continue
        if p.priority and p.priority != priority:
            continue
        score = (1 if p.nature else 0) + (2 if p.priority else 0)
        if score > best_score:
            best, best_score = p, score
    if best is None:
        return Limits(2.0, 4.0, _DEFAULT_DAYS.get(nature, 5), None, CountFrom.NEXT_DAY, ClockMode.WORKING)  # type: ignore[call-overload]
    return Limits(
        float(best.sign_hours),
        float(best.contact_hours),
        best.resolve_days,
        best.resolve_hours,
        best.count_from,
        best.clock,
    )


def resolve_deadline(start: datetime, limits: Limits, days: int | None = None) -> datetime:
    cal = current_calendar()
    if limits.clock == ClockMode.CALENDAR:
        hours = (
            limits.resolve_hours
            if days is None and limits.resolve_hours
            else (days or limits.resolve_days) * 24
        )
        return timezone.localtime(start + timedelta(hours=hours))
    n = days if days is not None else limits.resolve_days
    if limits.count_from == CountFrom.RECEIPT:
        # Counting from the day of receipt: the receipt day is the first day if it is a workday.
        return cal.add_working_days(start - timedelta(days=1), n)
    return cal.add_working_days(start, n)


def hours_deadline(start: datetime, hours: float, limits: Limits) -> datetime:
    if limits.clock == ClockMode.CALENDAR:
        return timezone.localtime(start + timedelta(hours=hours))
    return current_calendar().add_working_hours(start, hours)


def _day_hours(cal: WorkCalendar, when: datetime) -> float:
    sessions = cal.sessions_on(timezone.localtime(when).date())
    seconds = sum((e.hour * 3600 + e.minute * 60) - (s.hour * 3600 + s.minute * 60) for s, e in sessions)
    return seconds / 3600 if seconds else WORKDAY_HOURS


def warn_at(due: datetime | None) -> datetime | None:
    """The yellow card starts one working day (the due day's own working hours) before the deadline."""
    if due is None:
        return None
    cal = current_calendar()
    return cal.sub_working_hours(due, _day_hours(cal, due))


def extend(due: datetime, days: int) -> datetime:
    """A due date pushed back by `days` working days (an approved 延期)."""
    return current_calendar().add_working_days(due, days)


def sla_state(
    status: str, resolve_due: datetime | None, warn: datetime | None, now: datetime | None = None
) -> str:
    """Red when overdue, yellow from one working day before the deadline, else normal."""
    if status in CLOSED_STATUSES or status == Status.ON_HOLD or resolve_due is None:
        return SlaState.NONE
    now = now or timezone.now()
    if now > resolve_due:
        return SlaState.RED
    if warn is not None and now >= warn:
        return SlaState.YELLOW
    return SlaState.NONE
