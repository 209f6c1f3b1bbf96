"""What reaching a status implies for every kind, whatever its table: the 办结 stamp the KPIs read, and the
kind's named clocks started, stopped or closed. Called by `services.perform` (and at filing) under the row
lock."""

from __future__ import annotations

from datetime import datetime

from nuanqi.calendars.services import current_calendar

from . import kinds, sla
from .models import Case, CaseClock


def stamp_phase(case: Case, spec: kinds.KindSpec, now: datetime) -> None:
    """What a status implies, for every kind: reaching a resolved status stamps 办结 (KPIs read
    `resolved_at`); going back to an open status clears it."""
    status = spec.status(case.status)
    if status is None:
        return
    if status.resolved and case.resolved_at is None:
        case.resolved_at = now
    elif status.phase == kinds.OPEN and case.resolved_at is not None:
        case.resolved_at = None


def run_clocks(case: Case, spec: kinds.KindSpec, action: str, now: datetime) -> None:
    """Start the kind's named clocks that `action` starts, stop those it stops; a closed case stops them all.
    The caller holds the case row lock."""
    if not spec.clocks:
        return
    closed = spec.status(case.status) is not None and case.phase == kinds.CLOSED
    running = (
        {c.name: c for c in CaseClock.objects.filter(case=case, stopped_at__isnull=True)} if case.pk else {}
    )
    for clock in spec.clocks:
        closing = closed and not clock.runs_closed
        if clock.name in running and (action in clock.stops_on or closing):
            CaseClock.objects.filter(pk=running[clock.name].pk).update(stopped_at=now)
        elif action in clock.starts_on and not closing:
            start = now if action != kinds.ON_CREATE else case.received_at
            if clock.unit != kinds.CLOCK_HOURS:
                # Working time starts counting at the next working instant: a tip filed at 20:00 is on the
                # clock from 08:30 the next workday, and the clock says so.
                start = current_calendar().next_working_instant(start)
            due, warn = sla.clock_deadline(start, clock)
            CaseClock.objects.update_or_create(
                case=case,
                name=clock.name,
                defaults={
                    "started_at": start,
                    "due_at": due,
                    "warn_at": warn,
                    "stopped_at": None,
                    "yellow_sent_at": None,
                    "red_sent_at": None,
                },
            )


def skip_clock(case: Case, name: str) -> None:
    """Stop at once a clock that filing started but that does not apply to this case (an anonymous tip
    has nobody to tell of its acceptance). The caller holds the row lock, inside the filing transaction."""
    CaseClock.objects.filter(case=case, name=name, stopped_at__isnull=True).update(stopped_at=case.created_at)
