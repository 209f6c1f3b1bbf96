"""Filing a district's historical cases (台账 rows already validated by the module that reads them).

The writer of imported cases, beside `services.create_case`: one transaction for the whole batch, numbers
allocated in one block per prefix and year under the counter's row lock, and one `imported` event per case —
hash-chained like any other, carrying every field `nuanqi audit verify` reconciles with the row (status,
title, result, lead unit) and what else the ledger said (satisfaction, co-handling units, the dates, the
original number), so the record of what was imported is the timeline itself. Deadlines are computed by
`worktime` as if the case had been filed on its date. Cases are marked `imported=True`: KPI pages decide
whether they count (docs/kpis.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from . import kinds, search, sla, timeline
from .access import SubjectRef
from .models import Case, Category, Event, NumberCounter, Task, TaskStatus, priority_of

if TYPE_CHECKING:
    from nuanqi.accounts.models import Unit, User

# What the engine allocates (QY2023-000123): an original number of that form would collide with the
# gap-free sequence the audit checks, so such a number is recorded in the event and a new one allocated.
ENGINE_NUMBER = re.compile(r"^[A-Z]{1,4}\d{4}-\d{6}$")
NUMBER_MAX = 20


@dataclass
class HistoricalCase:
    received_at: datetime
    title: str
    status: str  # a status code of the kind
    kind: str = "request"
    description: str = ""
    category: Category | None = None
    nature: str = "help"
    channel: str = "company_request"
    importance: str = "minor"
    urgency: str = "normal"
    subject: SubjectRef | None = None
    lead_unit: Unit | None = None
    cohandling: list[Unit] = field(default_factory=list)
    resolved_at: datetime | None = None
    result: str = ""
    satisfaction: str = ""
    original_number: str = ""
    generated: bool = False


def usable_number(number: str) -> bool:
    """An original number the import may keep (when it is also unique): short enough, and not of the
    engine's own form."""
    return bool(number) and len(number) <= NUMBER_MAX and not ENGINE_NUMBER.match(number)


def _allocate(prefix: str, year: int, n: int) -> list[str]:
    """n consecutive numbers of one prefix and year, under the counter's row lock (keyed like next_number)."""
    NumberCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = NumberCounter.objects.select_for_update().get(prefix=prefix, year=year)
    first = counter.value + 1
    counter.value += n
    counter.mac = timeline.keyed("counter", prefix, year, counter.value)
    counter.save(update_fields=["value", "mac"])
    return [f"{prefix}{year}-{v:06d}" for v in range(first, first + n)]


def import_cases(items: list[HistoricalCase], *, actor: User | None, batch_size: int = 2000) -> list[Case]:
    """File every historical case in one transaction (the caller validated them). Returns the cases."""
    now = timezone.now()
    limits_cache: dict[tuple[str, str, int], sla.Limits] = {}
    with transaction.atomic():
        originals = [i.original_number for i in items if i.original_number]
        taken: set[str] = set()
        for start in range(0, len(originals), 5000):
            chunk = originals[start : start + 5000]
            taken.update(Case.objects.filter(number__in=chunk).values_list("number", flat=True))
        wanted: dict[tuple[str, int], int] = defaultdict(int)
        keep: list[bool] = []
        for item in items:
            ok = usable_number(item.original_number) and item.original_number not in taken
            if ok:
                taken.add(item.original_number)
            else:
                spec = kinds.get_kind(item.kind)
                wanted[(spec.prefix, timezone.localtime(item.received_at).year)] += 1
            keep.append(ok)
        pools = {key: iter(_allocate(key[0], key[1], n)) for key, n in sorted(wanted.items())}
        cases: list[Case] = []
        for item, kept in zip(items, keep, strict=True):
            spec = kinds.get_kind(item.kind)
            received = timezone.localtime(item.received_at)
            number = item.original_number if kept else next(pools[(spec.prefix, received.year)])
            priority = priority_of(item.importance, item.urgency)
            key = (item.kind, item.nature, priority)
            if key not in limits_cache:
                limits_cache[key] = sla.limits_for(*key)
            limits = limits_cache[key]
            resolve_due = sla.resolve_deadline(received, limits)
            status = spec.status(item.status)
            closed = status is not None and status.phase == kinds.CLOSED
            resolved = status is not None and status.resolved
            subject = item.subject
            cases.append(
                Case(
                    number=number,
                    kind=item.kind,
                    status=item.status,
                    title=item.title,
                    description=item.description,
                    category=item.category,
                    nature=item.nature,
                    channel=item.channel,
                    importance=item.importance,
                    urgency=item.urgency,
                    priority=priority,
                    lead_unit=item.lead_unit,
                    created_by=actor,
                    subject_type=subject.type if subject else "",
                    subject_id=subject.id if subject else None,
                    subject_label=subject.label if subject else "",
                    requester_type=subject.type if subject else "",
                    requester_id=subject.id if subject else None,
                    requester_name=subject.label if subject else "",
                    received_at=received,
                    dispatched_at=received if item.lead_unit else None,
                    resolved_at=item.resolved_at if resolved else None,
                    closed_at=(item.resolved_at or received) if closed else None,
                    rated_at=item.resolved_at if item.satisfaction else None,
                    satisfaction=item.satisfaction,
                    result=item.result,
                    contact_due=sla.hours_deadline(received, limits.contact_hours, limits),
                    resolve_due=resolve_due,
                    warn_at=sla.warn_at(resolve_due),
                    imported=True,
                    generated=item.generated,
                    created_at=now,
                    updated_at=now,
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch_size)
        if len(cases) and cases[0].pk is None:  # a database that does not return keys from bulk inserts
            by_number = dict(Case.objects.filter(imported=True).values_list("number", "pk"))
            for c in cases:
                c.pk = by_number[c.number]
        tasks: list[Task] = []
        events: list[Event] = []
        index: list[tuple[int, str]] = []
        actor_name = str(actor) if actor else "系统"
        for item, case in zip(items, cases, strict=True):
            closed = case.closed_at is not None
            for seq, unit in enumerate(item.cohandling, start=1):
                tasks.append(
                    Task(
                        case=case,
                        unit=unit,
                        status=TaskStatus.DONE if closed else TaskStatus.PENDING,
                        due_at=case.resolve_due,
                        seq=seq,
                        created_at=case.received_at,
                        done_at=item.resolved_at if closed else None,
                    )
                )
            changes = timeline.json_safe(
                {
                    "title": item.title,
                    "category": str(item.category) if item.category else "",
                    "nature": item.nature,
                    "channel": item.channel,
                    "priority": case.priority,
                    "subject": case.subject_label,
                    "lead_unit": item.lead_unit.name if item.lead_unit else "",
                    "lead_unit_id": item.lead_unit.pk if item.lead_unit else None,
                    "cohandling": [u.name for u in item.cohandling],
                    "cohandling_ids": [u.pk for u in item.cohandling],
                    "result": item.result,
                    "satisfaction": item.satisfaction,
                    "received_at": case.received_at,
                    "resolved_at": item.resolved_at,
                    "resolve_due": case.resolve_due,
                    "original_number": item.original_number,
                }
            )
            digest = timeline.event_hash(
                "",
                case.number,
                1,
                now,
                actor.pk if actor else None,
                "imported",
                "",
                case.status,
                changes,
                "",
                actor_name,
            )
            events.append(
                Event(
                    case=case,
                    seq=1,
                    at=now,
                    actor=actor,
                    actor_name=actor_name,
                    action="imported",
                    to_status=case.status,
                    changes=changes,
                    prev_hash="",
                    hash=digest,
                )
            )
            case.event_count = 1
            case.event_head = digest
            case.event_mac = timeline.head_mac(case.number, 1, digest)
            if not kinds.is_sealed(case.kind):
                index.append(search.index_row(case.pk, case.title, case.description, case.subject_label))
        Task.objects.bulk_create(tasks, batch_size=batch_size)
        Event.objects.bulk_create(events, batch_size=batch_size)
        Case.objects.bulk_update(cases, list(timeline.HEAD_FIELDS), batch_size=batch_size)
        search.write_index_rows(index)
    return cases


def describe(items: list[HistoricalCase]) -> dict[str, Any]:
    """Counts by status, for the import's summary."""
    out: dict[str, int] = defaultdict(int)
    for i in items:
        out[i.status] += 1
    return dict(out)
