"""SLA cards raised by the worker's sweeps (`cases.sweeps`): yellow, red, 催办 and 督办 on the resolve
deadline, yellow and red on each named clock. Each locks the case row, re-checks under the lock and
appends the event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import kinds, sla, timeline
from .models import Case, CaseClock


def sla_sweep_event(case_id: int, kind: str, *, now: datetime | None = None) -> Case | None:
    """Raise one SLA card (`sla.YELLOW`, `RED`, `REMIND`, `ESCALATE`) on a case: lock the row, re-check
    under the lock that the card is still due (another worker may have raised it), append the event.
    Returns the case, or None when nothing was due. The system is the actor.

    Cards are notices, not changes of the case: only escalation (which sets 督办) bumps the version, so a
    person's open form does not turn stale because a reminder went out."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        if locked is None or not sla.card_wanted(locked, kind, now):
            return None
        if locked.sla_due_seen != locked.resolve_due:
            # A new deadline (extension, 重办): the cards of the old one no longer count.
            locked.yellow_sent_at = locked.red_sent_at = locked.escalated_at = None
            locked.sla_due_seen = locked.resolve_due
        changes: dict[str, Any] = {"resolve_due": locked.resolve_due, "card": sla.CARD_LABELS[kind]}
        if kind == sla.YELLOW:
            locked.yellow_sent_at = now
        elif kind == sla.RED:
            locked.red_sent_at = now
        elif kind == sla.REMIND:
            locked.sla_reminded_at = now
            locked.remind_count += 1
            changes["count"] = locked.remind_count
        elif kind == sla.ESCALATE:
            locked.escalated_at = now
            changes["supervised"] = [locked.supervised, True]
            locked.supervised = True
            locked.version += 1
        locked.updated_at = now
        timeline.append(locked, actor=None, action=kind, changes=changes, at=now)
        locked.save()
    return locked


def clock_sweep_event(clock_id: int, card: str, *, now: datetime | None = None) -> Case | None:
    """Raise a named clock's card (`sla.CLOCK_YELLOW`, `CLOCK_RED`): lock the case row, re-check under the
    lock, stamp the clock and append the event (no version bump: a notice, not a change). None when nothing
    was due."""
    now = now or timezone.now()
    with transaction.atomic():
        case_id = CaseClock.objects.filter(pk=clock_id).values_list("case_id", flat=True).first()
        if case_id is None:
            return None
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        clock = CaseClock.objects.filter(pk=clock_id).first()
        if locked is None or clock is None or not sla.clock_card_wanted(locked, clock, card, now):
            return None
        if card == sla.CLOCK_YELLOW:
            clock.yellow_sent_at = now
        else:
            clock.red_sent_at = now
        clock.save(update_fields=["yellow_sent_at", "red_sent_at"])
        spec = kinds.get_kind(locked.kind)
        label = next((str(c.label) for c in spec.clocks if c.name == clock.name), clock.name)
        timeline.notice(
            locked,
            actor=None,
            action=card,
            changes={"clock": clock.name, "label": label, "due": clock.due_at, "card": sla.CARD_LABELS[card]},
            at=now,
        )
    return locked
