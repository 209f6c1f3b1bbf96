"""Filing a case: its gap-free number and `create_case`, the one way a case comes into being (services
gathers it with the other writers; callers use `services.create_case`).

A filing validates the kind, who may file it and the fields a filer may set, computes the SLA deadlines on the
working calendar, and in one transaction takes the year's next number under a row lock, computes the
timeline chain's head and the KPI roll-up's contribution, INSERTs the case once, indexes it for search,
starts the clocks that run from filing and writes its first event (whose `post_save` fans out the
notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from nuanqi.accounts.models import Role
from nuanqi.lib import fastinsert

from . import coerce, kinds, rollup, search, sla, timeline
from .access import SubjectRef
from .errors import Forbidden, Invalid
from .lifecycle import run_clocks
from .models import (
    Case,
    Channel,
    Importance,
    Kind,
    Nature,
    NumberCounter,
    Urgency,
    priority_of,
)

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


CREATOR_ROLES = {Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.COMMISSIONER, Role.ENTERPRISE, Role.HANDLER}


# ---------------------------------------------------------------- numbers


_COUNTER_SQL = (
    "SELECT id, value FROM cases_numbercounter WHERE prefix = %s AND year = %s",
    "UPDATE cases_numbercounter SET value = %s, mac = %s WHERE id = %s",
)


def _locked_counter(prefix: str, year: int) -> tuple[int, int] | None:
    """(id, value) of the year's counter under its row lock (PostgreSQL `FOR UPDATE`; SQLite's write
    transaction holds the database), or None before the year's first number."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(_COUNTER_SQL[0] + lock, [prefix, year])
        row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def next_number(kind: str, year: int) -> str:
    """QY2023-000123: a gap-free sequence per prefix and year, incremented under a row lock."""
    prefix = kinds.get_kind(kind).prefix
    found = _locked_counter(prefix, year)
    if found is not None:  # every filing but the year's first: one locked read, one UPDATE, no ORM compile
        pk, value = found
        value += 1
        with connection.cursor() as cur:
            cur.execute(_COUNTER_SQL[1], [value, timeline.keyed("counter", prefix, year, value), pk])
        return f"{prefix}{year}-{value:06d}"
    for _attempt in range(3):
        try:
            with transaction.atomic():
                NumberCounter.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:  # another writer created the row first
            continue
        break
    counter = NumberCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.value += 1
    counter.mac = timeline.keyed("counter", prefix, year, counter.value)
    counter.save(update_fields=["value", "mac"])
    return f"{prefix}{year}-{counter.value:06d}"


# ---------------------------------------------------------------- create


@dataclass
class NewCase:
    kind: str = Kind.REQUEST
    title: str = ""
    description: str = ""
    category: Any = None
    nature: Any = Nature.HELP
    channel: Any = Channel.COMPANY_REQUEST
    importance: Any = Importance.MINOR
    urgency: Any = Urgency.NORMAL
    lead_unit: Any = None
    subject: SubjectRef | None = None
    requester: SubjectRef | None = None
    requester_name: str = ""
    requester_phone: str = ""
    confidential: bool = False
    received_at: datetime | None = None
    # A sealed kind's title and content, as the module's ciphertext (title and description stay empty).
    sealed: bytes | None = None


def create_case(data: NewCase, *, actor: User | None, public: bool = False, system: bool = False) -> Case:
    """Validate and file a new case; it starts in its kind's initial status with its SLA deadlines
    computed and the clocks that start on filing running. `public=True` (with no actor) is the public intake
    path of `cases.public`, open only to kinds that have a `PublicIntake`; `system=True` (with no actor) is
    a worker's sweep filing a warning (the timeline names the system as its author)."""
    spec = kinds.parse_kind(data.kind)
    kind = spec.code
    if system:
        if actor is not None or public:
            raise ValueError("a system filing has no actor and is not public")
    elif public:
        if spec.public is None:
            raise Forbidden(f"“{spec.label}”不接受公众提交")
    else:
        filers = spec.filers or CREATOR_ROLES
        if actor is None or not actor.has_role(*filers):
            raise Forbidden(f"您没有登记“{spec.label}”的权限")
    title = (data.title or "").strip()
    description = (data.description or "").strip()
    if spec.sealed:
        if title or description:
            raise Invalid("密封类事项的标题和内容须加密后提交", "sealed_plaintext", field="title")
        if not data.sealed:
            raise Invalid("缺少密封内容", "missing_field", field="sealed")
    else:
        if not title:
            raise Invalid("请填写标题", "missing_field", field="title")
        if len(title) > 200:
            raise Invalid("标题不能超过 200 字", "too_long", field="title")
    nature = coerce.choice(Nature, data.nature, "性质", "nature")
    channel = coerce.choice(Channel, data.channel, "渠道", "channel")
    importance = coerce.choice(Importance, data.importance, "重要性", "importance")
    urgency = coerce.choice(Urgency, data.urgency, "紧急性", "urgency")
    category = coerce.category(kind, data.category)
    lead_unit = coerce.unit(data.lead_unit) if data.lead_unit not in (None, "") else None
    if (
        actor is not None
        and actor.is_external
        and (
            channel != Channel.COMPANY_REQUEST
            or lead_unit
            or importance != Importance.MINOR
            or urgency != Urgency.NORMAL
        )
    ):
        # Channel, lead unit and priority are the office's triage (the `triage` action), not the filer's
        # choice: a lead unit chosen here would see the request before the office did, and a P1 of the
        # filer's choosing would jump the queue.
        raise Forbidden("渠道、牵头单位和主次缓急由营商办受理时确定，请不要填写", "triage_not_allowed")
    if spec.subject_required and (data.subject is None or data.subject.type != spec.subject_required):
        raise Invalid(
            "请选择企业" if spec.subject_required == "company" else "请选择对象",
            "missing_field",
            field=spec.subject_required,
        )
    priority = priority_of(importance, urgency)
    now = timezone.now()
    received = data.received_at or now
    limits = sla.limits_for(kind, nature, priority)
    resolve_due = sla.resolve_deadline(received, limits)
    requester = data.requester or data.subject
    with transaction.atomic():
        case = Case(
            number=next_number(kind, timezone.localtime(received).year),
            kind=kind,
            status=spec.initial,
            title=title,
            description=description,
            sealed=data.sealed if spec.sealed else None,
            category=category,
            nature=nature,
            channel=channel,
            importance=importance,
            urgency=urgency,
            priority=priority,
            lead_unit=lead_unit,
            created_by=actor,
            subject_type=data.subject.type if data.subject else "",
            subject_id=data.subject.id if data.subject else None,
            subject_label=data.subject.label if data.subject else "",
            requester_type=requester.type if requester else "",
            requester_id=requester.id if requester else None,
            requester_name=data.requester_name or (requester.label if requester else ""),
            requester_phone=data.requester_phone,
            confidential=data.confidential,
            received_at=received,
            contact_due=sla.hours_deadline(received, limits.contact_hours, limits),
            resolve_due=resolve_due,
            warn_at=sla.warn_at(resolve_due),
            created_at=now,
            updated_at=now,
        )
        # The chain's head and the roll-up's contribution are known before the row exists (the event's
        # hash covers the case's number, not its id; the delta rows do not name the case): the case is
        # written once, by one INSERT from text built once per process.
        event = timeline.chain(
            case,
            actor=actor,
            actor_name="公众" if public else ("系统" if system else None),
            action="create",
            to_status=case.status,
            changes={
                "title": title,
                "category": str(category) if category else "",
                "nature": nature,
                "channel": channel,
                "priority": priority,
                "subject": case.subject_label,
                "lead_unit": lead_unit.name if lead_unit else "",
                "lead_unit_id": lead_unit.pk if lead_unit else None,
                "resolve_due": resolve_due,
            },
            at=now,
        )
        rollup.record(case)
        fastinsert.insert(case)
        if not spec.sealed:
            search.index_case(case)
        run_clocks(case, spec, kinds.ON_CREATE, now)
        timeline.write(event, case)
    # The filing's timeline as written, so the API's 201 body needs no re-read of what this call just wrote.
    case._filed_events = [event]  # type: ignore[attr-defined]
    return case
