"""Deadlines recomputed when a year's holidays change from the statutory guess to the entered notice.

A deadline is an amount of working time after its start. Before 1 January of the changed year both
calendars agree, so for a deadline in that year the working time from 1 January to the deadline on the
old calendar is laid out again from 1 January on the new one: the same working days (or hours) after the
same start, now counted around the published holidays and 调休. A notice entered once the year has begun
keeps the working time still left: from now on, the old calendar's remainder is laid out on the new one.
A named clock keeps its start and is computed again. Natural-time (calendar clock) deadlines do not
depend on holidays and stay. Each case moved gets one timeline event saying so (the system is the actor).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nuanqi.worktime import TZ, WorkCalendar

from . import kinds, rollup, sla, timeline
from .models import Case, CaseClock, ClockMode

ACTION = "calendar_recompute"
LABEL = "节假日安排更新，期限重算"


def _mover(
    old: WorkCalendar, new: WorkCalendar, year: int, now: datetime
) -> Callable[[datetime | None], datetime | None]:
    start = max(datetime(year, 1, 1, tzinfo=TZ), now)

    def move(due: datetime | None) -> datetime | None:
        if due is None or due < start:
            return due
        # A deadline in a later year spans the whole changed year, so it moves too.
        hours = old.working_time_between(start, due).total_seconds() / 3600
        return new.add_working_hours(start, hours)

    return move


def recompute_year(old: WorkCalendar, new: WorkCalendar, year: int, *, note: str = "") -> int:
    """Recompute the open cases' deadlines (签收, 联系, 办结, yellow card) and running clocks that fall on or
    after 1 January of `year`; `new` must be the calendar now in force. Returns the number of cases moved."""
    start = datetime(year, 1, 1, tzinfo=TZ)
    move = _mover(old, new, year, timezone.now())
    open_statuses = set(kinds.statuses(kinds.OPEN))
    due_q = Q(sign_due__gte=start) | Q(contact_due__gte=start) | Q(resolve_due__gte=start)
    clock_cases = CaseClock.objects.filter(stopped_at__isnull=True, due_at__gte=start).values("case_id")
    ids = list(
        Case.objects.filter((Q(status__in=open_statuses) & due_q) | Q(pk__in=clock_cases)).values_list(
            "pk", flat=True
        )
    )
    moved = 0
    limits_cache: dict[tuple[str, str, int], str] = {}
    basis = f"（{note}）" if note else ""
    reason = f"{year} 年节假日安排已录入{basis}，期限按新的工作日历重算"
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            key = (case.kind, case.nature, case.priority)
            if key not in limits_cache:
                limits_cache[key] = sla.limits_for(*key).clock
            changes: dict[str, Any] = {}
            if limits_cache[key] != ClockMode.CALENDAR and case.status in open_statuses:
                for field in ("sign_due", "contact_due", "resolve_due"):
                    before = getattr(case, field)
                    after = move(before)
                    if after != before:
                        setattr(case, field, after)
                        changes[field] = [before, after]
                if "resolve_due" in changes:
                    case.warn_at = sla.warn_at(case.resolve_due)
            spec = kinds.get_kind(case.kind)
            named = {c.name: c for c in spec.clocks}
            for clock in case.clocks.filter(stopped_at__isnull=True, due_at__gte=start):
                definition = named.get(clock.name)
                if definition is None:
                    continue
                due, warn = sla.clock_deadline(clock.started_at, definition)
                if due != clock.due_at:
                    changes[f"clock:{clock.name}"] = [clock.due_at, due]
                    clock.due_at, clock.warn_at = due, warn
                    clock.save(update_fields=["due_at", "warn_at"])
            if not changes:
                continue
            now = timezone.now()
            case.version += 1
            case.updated_at = now
            timeline.append(
                case,
                actor=None,
                action=ACTION,
                changes={"year": year, **changes},
                reason="" if kinds.is_sealed(case.kind) else reason,
                at=now,
            )
            # A moved deadline moves the case among the open cases by due day (超期, docs/kpis.md).
            rollup.record(case)
            case.save()
            moved += 1
    return moved
