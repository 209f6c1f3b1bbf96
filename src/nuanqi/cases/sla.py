"""Deadlines of cases, all computed by `nuanqi.worktime` on the calendar in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.worktime import WorkCalendar

from . import kinds
from .models import Case, CaseClock, ClockMode, CountFrom, SlaPolicy, SlaState

# One working day is the yellow-card margin (MISSION §2); the default sessions hold 6.5 hours.
WORKDAY_HOURS = 6.5

# The cards the worker's sweeps raise (timeline actions), on the resolve deadline and on named clocks.
YELLOW = "sla_yellow"
RED = "sla_red"
REMIND = "sla_remind"
ESCALATE = "sla_escalate"
CARDS = (YELLOW, RED, REMIND, ESCALATE)
CLOCK_YELLOW = "clock_yellow"
CLOCK_RED = "clock_red"
CLOCK_CARDS = (CLOCK_YELLOW, CLOCK_RED)
CARD_LABELS = {
    YELLOW: "黄牌预警",
    RED: "红牌超期",
    REMIND: "自动催办",
    ESCALATE: "升级督办",
    CLOCK_YELLOW: "黄牌预警",
    CLOCK_RED: "红牌超期",
}


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
    best: tuple[Any, ...] | None = None
    best_score = -1
    # The policies of the kind as plain rows, from text built once (every intake asks): (nature,
    # priority, sign_hours, contact_hours, resolve_days, resolve_hours, count_from, clock).
    with connection.cursor() as cur:
        cur.execute(_policies_sql(), [kind])
        rows = cur.fetchall()
    for p in rows:
        if p[0] and p[0] != nature:
            continue
        if p[1] and p[1] != priority:
            continue
        score = (1 if p[0] else 0) + (2 if p[1] else 0)
        if score > best_score:
            best, best_score = p, score
    if best is None:
        spec = kinds.get_kind(kind)
        days = spec.sla_days.get(nature, spec.sla_default_days)
        return Limits(2.0, 4.0, days, None, CountFrom.NEXT_DAY, ClockMode.WORKING)
    return Limits(
        float(best[2]),
        float(best[3]),
        int(best[4]),
        int(best[5]) if best[5] is not None else None,
        best[6],
        best[7],
    )


@cache
def _policies_sql() -> str:
    cols = "nature, priority, sign_hours, contact_hours, resolve_days, resolve_hours, count_from, clock"
    return f"SELECT {cols} FROM {SlaPolicy._meta.db_table} WHERE kind = %s"


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
    """Red when overdue, yellow from one working day before the deadline, else normal (only open cases)."""
    if status not in kinds.statuses(kinds.OPEN) or resolve_due is None:
        return SlaState.NONE
    now = now or timezone.now()
    if now > resolve_due:
        return SlaState.RED
    if warn is not None and now >= warn:
        return SlaState.YELLOW
    return SlaState.NONE


def clock_deadline(start: datetime, clock: kinds.Clock) -> tuple[datetime, datetime]:
    """(deadline, yellow-card time) of a named clock started at `start`, in the clock's unit."""
    cal = current_calendar()
    if clock.unit == kinds.WORKING_DAYS:
        due = cal.add_working_days(start, int(clock.duration))
        if clock.warn_before is None:
            return due, warn_at(due) or due
        return due, cal.sub_working_hours(due, clock.warn_before * _day_hours(cal, due))
    margin = clock.warn_before if clock.warn_before is not None else clock.duration / 5
    if clock.unit == kinds.WORKING_HOURS:
        due = cal.add_working_hours(start, clock.duration)
        return due, cal.sub_working_hours(due, margin)
    due = timezone.localtime(start + timedelta(hours=clock.duration))
    return due, due - timedelta(hours=margin)


def remind_every_days() -> int:
    """Working days between two automatic 催办 of an overdue case."""
    return int(getattr(settings, "NUANQI_REMIND_EVERY_DAYS", 1))


def escalate_after_days() -> int:
    """Working days a case may stay overdue before it is escalated to the office as 督办."""
    return int(getattr(settings, "NUANQI_ESCALATE_AFTER_DAYS", 2))


def card_wanted(case: Case, card: str, now: datetime) -> bool:
    """Whether the card is due for this (locked, fresh) case now: the sweeps' candidates are re-checked with
    this under the row lock, so two workers raise each card once."""
    if case.status not in kinds.statuses(kinds.OPEN) or case.resolve_due is None:
        return False
    seen = case.sla_due_seen == case.resolve_due
    cal = current_calendar()
    if card == YELLOW:
        return (
            case.warn_at is not None
            and case.warn_at <= now <= case.resolve_due
            and not (seen and case.yellow_sent_at)
        )
    if card == RED:
        return now > case.resolve_due and not (seen and case.red_sent_at)
    if card == REMIND:
        if now <= cal.add_working_days(case.resolve_due, remind_every_days()):
            return False
        last = case.sla_reminded_at
        return last is None or now > cal.add_working_days(last, remind_every_days())
    if card == ESCALATE:
        return now > cal.add_working_days(case.resolve_due, escalate_after_days()) and not (
            seen and case.escalated_at
        )
    return False


def clock_card_wanted(case: Case, clock: CaseClock, card: str, now: datetime) -> bool:
    """Whether a named clock's card is due now (the case open — or the clock one that runs after closing —,
    the clock running, the card not yet raised)."""
    if clock.stopped_at is not None:
        return False
    if case.status not in kinds.statuses(kinds.OPEN):
        spec = kinds.get_kind(case.kind)
        if not any(c.name == clock.name and c.runs_closed for c in spec.clocks):
            return False
    if card == CLOCK_YELLOW:
        return clock.yellow_sent_at is None and clock.warn_at <= now <= clock.due_at
    if card == CLOCK_RED:
        return clock.red_sent_at is None and now > clock.due_at
    return False
