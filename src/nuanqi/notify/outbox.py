"""The outbox: fan-out of timeline events into deliveries, and the worker's claim → send → settle loop.

- Fan-out runs in the transaction that writes the event (a post_save hook), so a case change and its
  notifications commit or roll back together. The unique (event, recipient, channel) makes it idempotent.
- In-app notifications need no sending: they are written as delivered.
- A worker claims due rows with a lease — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
  workers take disjoint rows without waiting; a compare-and-swap UPDATE on other databases. It sends
  outside any transaction and settles the row only if its claim token still holds.
- A worker that dies after claiming loses nothing: the lease runs out and the row is claimed again.
- Failures back off exponentially; after MAX_ATTEMPTS the row is a dead letter, listed for admins.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from nuanqi.cases.models import Case, Event

from .channels import SENDERS, Message, SendError
from .models import OPTIONAL_CHANNELS, ChannelConfig, ChannelKind, Delivery, DeliveryStatus, Preference
from .recipients import recipients

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(seconds=60)


def lease() -> timedelta:
    """How long a claim holds before another worker may take the row (a setting; default one minute)."""
    return timedelta(seconds=float(getattr(settings, "NUANQI_NOTIFY_LEASE_SECONDS", LEASE.total_seconds())))


def backoff_base() -> float:
    return float(getattr(settings, "NUANQI_NOTIFY_BACKOFF_SECONDS", 30))


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s, … capped at one hour (the base is a setting)."""
    return timedelta(seconds=min(3600.0, backoff_base() * 2 ** max(0, attempts - 1)))


# ---------------------------------------------------------------- fan-out


def _label(event: Event, case: Case) -> str:
    from nuanqi.cases import kinds
    from nuanqi.cases.sla import CARD_LABELS as LABELS
    from nuanqi.cases.workflow import table_for

    if kinds.is_sealed(case.kind):
        return "有待办事项"
    if event.action in LABELS:
        return LABELS[event.action]
    if event.action == "create":
        return "新登记"
    if event.action.startswith("task_"):
        return {"task_add": "新协办任务", "task_return": "协办退回"}.get(event.action, "协办更新")
    t = table_for(case.kind).get(event.action) if case.kind in {k.code for k in kinds.all_kinds()} else None
    return str(t.label) if t else event.action


def fan_out(event: Event, case: Case | None = None) -> int:
    """Write the deliveries of one event. Returns how many rows it wrote."""
    from nuanqi.cases import kinds

    case = case or event.case
    people = recipients(event, case)
    if not people:
        return 0
    label = _label(event, case)
    title = f"{case.number} {label}"
    body = case.title if not event.reason else f"{case.title}（{event.reason}）"
    if kinds.is_sealed(case.kind):
        # A sealed kind's notice says only that something is waiting: no title, no reason, no values.
        title, body = f"{case.number} {label}", "请登录系统查看"
    prefs: dict[int, list[Preference]] = {}
    external = {c for c in OPTIONAL_CHANNELS if c != ChannelKind.EMAIL}
    configured = set(
        ChannelConfig.objects.filter(kind__in=external, enabled=True).values_list("kind", flat=True)
    )
    for p in Preference.objects.filter(user__in=people, enabled=True):
        prefs.setdefault(p.user_id, []).append(p)
    now = timezone.now()
    rows = []
    for person in people:
        rows.append(
            Delivery(
                event=event,
                recipient=person,
                channel=ChannelKind.IN_APP,
                status=DeliveryStatus.SENT,
                case_number=case.number,
                title=title,
                body=body,
                sent_at=now,
                created_at=now,
            )
        )
        for p in prefs.get(person.pk, []):
            if p.channel in external and p.channel not in configured:
                continue
            address = p.address or (person.email if p.channel == ChannelKind.EMAIL else person.phone)
            rows.append(
                Delivery(
                    event=event,
                    recipient=person,
                    channel=p.channel,
                    address=address,
                    case_number=case.number,
                    title=title,
                    body=body,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def on_event_saved(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        fan_out(instance)


# ---------------------------------------------------------------- claim, send, settle


def _due(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.CLAIMED, lease_until__lt=now
    )


def claim(batch: int = 50, *, now: datetime | None = None) -> tuple[str, list[Delivery]]:
    """Claim up to `batch` due deliveries for this worker. Returns (claim token, rows)."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    fields = {
        "status": DeliveryStatus.CLAIMED,
        "claim_token": token,
        "lease_until": now + lease(),
        "attempts": F("attempts") + 1,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(_due(now))
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:batch]
            )
            Delivery.objects.filter(pk__in=ids).update(**fields)
    else:
        ids = []
        seen = (
            Delivery.objects.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status", "claim_token")[:batch]
        )
        for pk, status, old_token in list(seen):
            # Compare-and-swap: the row is ours only if nobody changed it since we looked.
            if (
                Delivery.objects.filter(pk=pk, status=status, claim_token=old_token)
                .filter(_due(now))
                .update(**fields)
            ):
                ids.append(pk)
    rows = list(Delivery.objects.filter(pk__in=ids, claim_token=token).order_by("pk"))
    return token, rows


def send(delivery: Delivery) -> None:
    sender = SENDERS.get(delivery.channel)  # type: ignore[call-overload]
    if sender is None:
        raise SendError(f"未知渠道 {delivery.channel}")
    sender(
        Message(
            title=delivery.title,
            body=delivery.body,
            address=delivery.address,
            case_number=delivery.case_number,
            event_id=delivery.event_id,
            delivery_id=delivery.pk,
        )
    )


def settle(delivery: Delivery, token: str, error: str | None, *, now: datetime | None = None) -> bool:
    """Record the outcome if our claim still holds. Returns False when the claim was lost."""
    now = now or timezone.now()
    mine = Delivery.objects.filter(pk=delivery.pk, claim_token=token, status=DeliveryStatus.CLAIMED)
    if error is None:
        return bool(mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error=""))
    if delivery.attempts >= MAX_ATTEMPTS:
        return bool(mine.update(status=DeliveryStatus.DEAD, lease_until=None, last_error=error[:2000]))
    return bool(
        mine.update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now + backoff(delivery.attempts),
            lease_until=None,
            last_error=error[:2000],
        )
    )


@dataclass
class PassResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_pass(batch: int = 50, *, now: datetime | None = None) -> PassResult:
    """Claim and send one batch."""
    token, rows = claim(batch, now=now)
    result = PassResult()
    for d in rows:
        try:
            send(d)
        except SendError as exc:
            settle(d, token, str(exc), now=now)
            if d.attempts >= MAX_ATTEMPTS:
                result.dead += 1
            else:
                result.failed += 1
            result.errors.append(f"{d.case_number} → {d.recipient_id} [{d.channel}]: {exc}")
            log.warning("notification %s failed (attempt %s): %s", d.pk, d.attempts, exc)
        else:
            settle(d, token, None, now=now)
            result.sent += 1
    return result


def deliver_all(*, now: datetime | None = None, batch: int = 50, max_batches: int = 100) -> PassResult:
    """Passes until nothing due is left (or `max_batches`)."""
    total = PassResult()
    for _ in range(max_batches):
        r = deliver_pass(batch, now=now)
        total.sent += r.sent
        total.failed += r.failed
        total.dead += r.dead
        total.errors += r.errors
        if r.sent + r.failed + r.dead < batch:
            break
    return total


def retry_dead(delivery_ids: list[int]) -> int:
    """An admin sends dead letters again: they start over with a fresh count of attempts."""
    return Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claim_token=""
    )
