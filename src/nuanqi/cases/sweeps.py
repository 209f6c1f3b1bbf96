"""SLA sweeps run by the worker: yellow card, red card, automatic 催办 and escalation to 督办 on the resolve
deadline, and the yellow and red cards of each kind's named clocks.

The sweep finds candidates with one indexed query per card, then raises each card through
`cards.sla_sweep_event` / `cards.clock_sweep_event`, which lock the case row, re-check the
condition under the lock (`sla.card_wanted`, `sla.clock_card_wanted`) and append the timeline event — so
two workers sweeping at once raise every card exactly once, and the event reaches people through the
outbox like any other.

Each resolve-deadline card fires once per deadline: the case remembers the deadline it was raised for
(`sla_due_seen`); an approved extension or a 重办 moves `resolve_due` and re-arms the cards. Open cases
are those whose status is in the `open` phase of their kind (`cases.kinds`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from . import cards, kinds
from .models import Case, CaseClock
from .sla import (
    CARD_LABELS,
    CARDS,
    CLOCK_CARDS,
    CLOCK_RED,
    CLOCK_YELLOW,
    ESCALATE,
    RED,
    REMIND,
    YELLOW,
    escalate_after_days,
    remind_every_days,
)

__all__ = ["CARD_LABELS", "candidates", "clock_candidates", "sweep"]


def _rearmed(stamp: str) -> Q:
    """Not yet raised for the current deadline."""
    return (
        Q(**{f"{stamp}__isnull": True})
        | Q(sla_due_seen__isnull=True)
        | Q(sla_due_seen__lt=F("resolve_due"))
        | Q(sla_due_seen__gt=F("resolve_due"))
    )


def candidates(card: str, now: datetime) -> QuerySet[Case]:
    """Cases that may need the card now (a necessary condition, checked in SQL; `sla.card_wanted` decides)."""
    base = Case.objects.filter(status__in=kinds.statuses(kinds.OPEN), resolve_due__isnull=False)
    if card == YELLOW:
        return base.filter(_rearmed("yellow_sent_at"), warn_at__lte=now, resolve_due__gte=now)
    if card == RED:
        return base.filter(_rearmed("red_sent_at"), resolve_due__lt=now)
    if card == REMIND:
        # N working days are at least N calendar days, so this bound never drops a case that is due.
        gap = timedelta(days=remind_every_days())
        return base.filter(resolve_due__lt=now - gap).filter(
            Q(sla_reminded_at__isnull=True) | Q(sla_reminded_at__lt=now - gap)
        )
    if card == ESCALATE:
        gap = timedelta(days=escalate_after_days())
        return base.filter(_rearmed("escalated_at"), resolve_due__lt=now - gap)
    raise ValueError(card)


def clock_candidates(card: str, now: datetime) -> QuerySet[CaseClock]:
    """Running named clocks that may need the card now (served by the partial indexes on running clocks)."""
    running = CaseClock.objects.filter(stopped_at__isnull=True)
    if card == CLOCK_YELLOW:
        return running.filter(warn_at__lte=now, due_at__gte=now, yellow_sent_at__isnull=True)
    if card == CLOCK_RED:
        return running.filter(due_at__lt=now, red_sent_at__isnull=True)
    raise ValueError(card)


# Sweeps the modules add (e.g. a ledger's reminders): name → function(now, batch) → how many it raised. Each
# must be safe to run in several workers at once, like the cards above.
_MODULE_SWEEPS: dict[str, Callable[[datetime, int], int]] = {}


def register_sweep(name: str, run: Callable[[datetime, int], int]) -> None:
    _MODULE_SWEEPS[name] = run


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*CARDS, *CLOCK_CARDS), 0))

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def sweep(now: datetime | None = None, *, batch: int = 500) -> SweepResult:
    """One pass over every kind of card. Safe to run in several workers at once."""
    now = now or timezone.now()
    result = SweepResult()
    # Red before yellow: a case that went overdue while no worker ran gets the red card, not a late yellow.
    for card in (RED, ESCALATE, REMIND, YELLOW):
        ids = list(candidates(card, now).order_by("resolve_due", "pk").values_list("pk", flat=True)[:batch])
        for pk in ids:
            if cards.sla_sweep_event(pk, card, now=now) is not None:
                result.raised[card] += 1
    for card in (CLOCK_RED, CLOCK_YELLOW):
        clock_ids = list(
            clock_candidates(card, now).order_by("due_at", "pk").values_list("pk", flat=True)[:batch]
        )
        for pk in clock_ids:
            if cards.clock_sweep_event(pk, card, now=now) is not None:
                result.raised[card] += 1
    for name, run in _MODULE_SWEEPS.items():
        result.raised[name] = run(now, batch)
    return result
