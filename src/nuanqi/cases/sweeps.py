"""SLA sweeps run by the worker: yellow card, red card, automatic 催办 and escalation to 督办.

The sweep finds candidates with one indexed query per kind, then raises each card through
`services.sla_sweep_event`, which locks the case row, re-checks the condition under the lock and appends the
timeline event — so two workers sweeping at once raise every card exactly once, and the event reaches people
through the outbox like any other.

Each card fires once per deadline: the case remembers the deadline it was raised for (`sla_due_seen`); an
approved extension or a 重办 moves `resolve_due` and re-arms the cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from nuanqi.calendars.services import current_calendar

from .models import OPEN_STATUSES, Case

YELLOW = "sla_yellow"
RED = "sla_red"
REMIND = "sla_remind"
ESCALATE = "sla_escalate"
KINDS = (YELLOW, RED, REMIND, ESCALATE)

LABELS = {YELLOW: "黄牌预警", RED: "红牌超期", REMIND: "自动催办", ESCALATE: "升级督办"}


def remind_every_days() -> int:
    """Working days between two automatic 催办 of an overdue case."""
    return int(getattr(settings, "NUANQI_REMIND_EVERY_DAYS", 1))


def escalate_after_days() -> int:
    """Working days a case may stay overdue before it is escalated to the office as 督办."""
    return int(getattr(settings, "NUANQI_ESCALATE_AFTER_DAYS", 2))


def _rearmed(stamp: str) -> Q:
    """Not yet raised for the current deadline."""
    return (
        Q(**{f"{stamp}__isnull": True})
        | Q(sla_due_seen__isnull=True)
        | Q(sla_due_seen__lt=F("resolve_due"))
        | Q(sla_due_seen__gt=F("resolve_due"))
    )


def candidates(kind: str, now: datetime) -> QuerySet[Case]:
    """Cases that may need the card `kind` now (a necessary condition, checked in SQL; `wanted` decides)."""
    base = Case.objects.filter(status__in=OPEN_STATUSES, resolve_due__isnull=False)
    if kind == YELLOW:
        return base.filter(_rearmed("yellow_sent_at"), warn_at__lte=now, resolve_due__gte=now)
    if kind == RED:
        return base.filter(_rearmed("red_sent_at"), resolve_due__lt=now)
    if kind == REMIND:
        # N working days are at least N calendar days, so this bound never drops a case that is due.
        gap = timedelta(days=remind_every_days())
        return base.filter(resolve_due__lt=now - gap).filter(
            Q(sla_reminded_at__isnull=True) | Q(sla_reminded_at__lt=now - gap)
        )
    if kind == ESCALATE:
        gap = timedelta(days=escalate_after_days())
        return base.filter(_rearmed("escalated_at"), resolve_due__lt=now - gap)
    raise ValueError(kind)


def wanted(case: Case, kind: str, now: datetime) -> bool:
    """Whether the card `kind` is due for this (locked, fresh) case now."""
    if case.status not in OPEN_STATUSES or case.resolve_due is None:
        return False
    seen = case.sla_due_seen == case.resolve_due
    cal = current_calendar()
    if kind == YELLOW:
        return (
            case.warn_at is not None
            and case.warn_at <= now <= case.resolve_due
            and not (seen and case.yellow_sent_at)
        )
    if kind == RED:
        return now > case.resolve_due and not (seen and case.red_sent_at)
    if kind == REMIND:
        if now <= cal.add_working_days(case.resolve_due, remind_every_days()):
            return False
        last = case.sla_reminded_at
        return last is None or now > cal.add_working_days(last, remind_every_days())
    if kind == ESCALATE:
        return now > cal.add_working_days(case.resolve_due, escalate_after_days()) and not (
            seen and case.escalated_at
        )
    return False


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def sweep(now: datetime | None = None, *, batch: int = 500) -> SweepResult:
    """One pass over every kind of card. Safe to run in several workers at once."""
    from . import services

    now = now or timezone.now()
    result = SweepResult()
    # Red before yellow: a case that went overdue while no worker ran gets the red card, not a late yellow.
    for kind in (RED, ESCALATE, REMIND, YELLOW):
        ids = list(candidates(kind, now).order_by("resolve_due", "pk").values_list("pk", flat=True)[:batch])
        for pk in ids:
            if services.sla_sweep_event(pk, kind, now=now) is not None:
                result.raised[kind] += 1
    return result
