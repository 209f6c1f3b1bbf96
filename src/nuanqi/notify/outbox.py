"""The outbox: fan-out of timeline events into deliveries, and the worker's claim → send → settle loop.

- Fan-out runs in the transaction that writes the event (a post_save hook), so a case change and its
  notifications commit or roll back together. The unique (event, recipient, channel) makes it idempotent.
- In-app notifications need no sending: they are written as delivered.
- A worker claims due rows with a lease — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
  workers take disjoint rows without waiting; a compare-and-swap UPDATE on other databases. The claim token
  is a fencing token: before each post the worker renews the lease of its batch and takes the post's rows
  with a conditional UPDATE on its token (`begin`), so a worker that lost its claim neither sends nor
  counts; it settles a row only if the token still holds. Sends happen outside any transaction.
- The unit of sending is a post (`posts.py`): one notice, or several for one group robot. The post's rows
  are begun, sent and settled together.
- Endpoints are paced (`pacing.py`): a post with no slot, or for a paused endpoint, goes back to waiting
  without spending an attempt.
- A worker that dies after claiming loses nothing: the lease runs out and the row is claimed again.
- Answers are told apart: passing failures back off exponentially with jitter, and after MAX_ATTEMPTS the
  row is a dead letter; a permanent failure is dead at once, with its reason, listed for admins.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from nuanqi.cases.models import Case, Event
from nuanqi.lib import fastinsert

from . import pacing, posts
from .channels import SENDERS, Notice, Post, SendError, send_timeout
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


def backoff(attempts: int, *, jitter: bool = False) -> timedelta:
    """30 s, 60 s, 120 s, … capped at one hour (the base is a setting); with jitter up to a fifth more, so
    the notices that failed together do not all come back in the same second."""
    seconds = min(3600.0, backoff_base() * 2 ** max(0, attempts - 1))
    if jitter:
        seconds *= 1 + random.random() / 5
    return timedelta(seconds=seconds)


def combine_delay() -> timedelta:
    """Robot notices wait this long after the event, so that those close together share one post."""
    return timedelta(seconds=float(getattr(settings, "NUANQI_NOTIFY_COMBINE_SECONDS", 5)))


# ---------------------------------------------------------------- fan-out


def _label(event: Event, case: Case) -> str:
    from nuanqi.cases import kinds
    from nuanqi.cases.sla import CARD_LABELS as LABELS
    from nuanqi.cases.workflow import table_for

    if kinds.is_sealed(case.kind):
        spec = kinds.get_kind(case.kind)
        return str(spec.sealed_label or "有待办事项") if event.action == "create" else "有待办事项"
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
    for p in Preference.objects.filter(user__in=people, enabled=True):
        prefs.setdefault(p.user_id, []).append(p)
    # Which external channels are switched on matters only to someone who chose one (most people did not).
    wanted = {p.channel for ps in prefs.values() for p in ps} & external
    configured = (
        set(ChannelConfig.objects.filter(kind__in=wanted, enabled=True).values_list("kind", flat=True))
        if wanted
        else set()
    )
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
            due = now + combine_delay() if p.channel in posts.ROBOTS else now
            rows.append(
                Delivery(
                    event=event,
                    recipient=person,
                    channel=p.channel,
                    address=address,
                    case_number=case.number,
                    title=title,
                    body=body,
                    next_attempt_at=due,
                    created_at=now,
                )
            )
    fastinsert.insert_many(rows, ignore_conflicts=True)
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
    """Claim up to `batch` due deliveries for this worker. Returns (claim token, rows).

    A claim spends no attempt: an attempt is counted when a post is begun, so notices that wait for their
    endpoint keep their retries."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    fields = {"status": DeliveryStatus.CLAIMED, "claim_token": token, "lease_until": now + lease()}
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


def _mine(ids: list[int], token: str) -> Any:
    return Delivery.objects.filter(pk__in=ids, claim_token=token, status=DeliveryStatus.CLAIMED)


def renew(token: str, *, now: datetime | None = None) -> int:
    """Extend the lease of every row this claim still holds (before each post of a long batch)."""
    now = now or timezone.now()
    return Delivery.objects.filter(claim_token=token, status=DeliveryStatus.CLAIMED).update(
        lease_until=now + lease()
    )


def begin(ids: list[int], token: str, *, now: datetime | None = None) -> list[int]:
    """Take the rows of a post for sending: those still held by `token` get an attempt and a fresh lease.
    Returns their ids; a row another worker took over is not sent by us."""
    now = now or timezone.now()
    held = list(_mine(ids, token).values_list("pk", flat=True))
    if held:
        _mine(held, token).update(attempts=F("attempts") + 1, lease_until=now + lease())
    return list(_mine(held, token).values_list("pk", flat=True))


def release(ids: list[int], token: str, when: datetime, *, refund: bool = False) -> int:
    """Give rows back to the queue unsent, due at `when` (a paused endpoint, a worker stopping). `refund`
    returns the attempt a begun post had spent."""
    fields: dict[str, Any] = {
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": when,
        "lease_until": None,
        "claim_token": "",
    }
    if refund:
        fields["attempts"] = F("attempts") - 1
    return _mine(ids, token).update(**fields)


def settle(
    delivery: Delivery,
    token: str,
    error: str | None,
    *,
    now: datetime | None = None,
    permanent: bool = False,
) -> bool:
    """Record the outcome of one row if our claim still holds. Returns False when the claim was lost."""
    return settle_post([delivery.pk], token, error, now=now, permanent=permanent) > 0


def settle_post(
    ids: list[int], token: str, error: str | None, *, now: datetime | None = None, permanent: bool = False
) -> int:
    """Record the outcome of a post's rows still held by `token`. Returns how many were settled."""
    now = now or timezone.now()
    mine = _mine(ids, token)
    if error is None:
        return mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="")
    settled = 0
    for d in mine.only("pk", "attempts"):
        one = _mine([d.pk], token)
        if permanent or d.attempts >= MAX_ATTEMPTS:
            settled += one.update(status=DeliveryStatus.DEAD, lease_until=None, last_error=error[:2000])
        else:
            settled += one.update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=now + backoff(d.attempts, jitter=True),
                lease_until=None,
                last_error=error[:2000],
            )
    return settled


def _notice(d: Delivery) -> Notice:
    return Notice(
        title=d.title,
        body=d.body,
        address=d.address,
        case_number=d.case_number,
        event_id=d.event_id,
        delivery_id=d.pk,
    )


def send(post: Post) -> str:
    sender = SENDERS.get(post.channel)  # type: ignore[call-overload]
    if sender is None:
        raise SendError(f"未知渠道 {post.channel}", permanent=True)
    try:
        return str(sender(post))
    except SendError:
        raise
    except Exception as exc:  # an unforeseen fault is a failed attempt, never a dead worker
        log.exception("sending on %s failed unexpectedly", post.channel)
        raise SendError(f"发送出错：{exc!r}") from None


@dataclass
class PassResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0
    posts: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: PassResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead
        self.waiting += other.waiting
        self.posts += other.posts
        self.errors += other.errors


def _posts(rows: list[Delivery]) -> list[tuple[Post, list[Delivery]]]:
    by_channel: dict[str, list[Delivery]] = {}
    for d in rows:
        by_channel.setdefault(d.channel, []).append(d)
    out = []
    for channel, items in by_channel.items():
        by_id = {d.pk: d for d in items}
        for post in posts.build(channel, [_notice(d) for d in items]):
            out.append((post, [by_id[n.delivery_id] for n in post.notices]))
    return out


def _send_post(
    post: Post, rows: list[Delivery], token: str, now: datetime | None, result: PassResult
) -> None:
    at = now or timezone.now()
    ids = [d.pk for d in rows]
    wait_until = pacing.take_slot(post.channel, at)
    if wait_until is not None:
        result.waiting += release(ids, token, wait_until)
        return
    held = begin(ids, token, now=at)
    if not held:
        return  # the claim was lost: another worker has these rows
    if len(held) < len(ids):
        keep = set(held)
        rows = [d for d in rows if d.pk in keep]
        post = posts.build(post.channel, [_notice(d) for d in rows])[0]
    ids = [d.pk for d in rows]
    result.posts += 1
    try:
        try:
            send(post)
        finally:
            pacing.finished(post.channel, at, now)
    except SendError as exc:
        label = f"{post.first.case_number} [{post.channel}]"
        if exc.throttled:
            until = pacing.pause(post.channel, str(exc), exc.pause_seconds, now=at)
            result.waiting += release(ids, token, until, refund=True)
            result.errors.append(f"{label}: {exc}（暂停至 {timezone.localtime(until):%H:%M:%S}）")
            log.warning("endpoint %s paused until %s: %s", post.channel, until, exc)
            return
        settle_post(ids, token, str(exc), now=now, permanent=exc.permanent)
        for d in Delivery.objects.filter(pk__in=ids).only("status"):
            if d.status == DeliveryStatus.DEAD:
                result.dead += 1
            else:
                result.failed += 1
        result.errors.append(f"{label}: {exc}")
        log.warning("notification post %s failed: %s", ids, exc)
    else:
        # Counted only if the claim still held: a worker that lost it counts nothing.
        result.sent += settle_post(ids, token, None, now=now)


def deliver_pass(
    batch: int = 50, *, now: datetime | None = None, should_stop: Callable[[], bool] | None = None
) -> PassResult:
    """Claim one batch and send it post by post, renewing the claim before each post. When `should_stop`
    turns true the rows not yet sent go straight back to the queue."""
    token, rows = claim(batch, now=now)
    result = PassResult()
    work = _posts(rows)
    for i, (post, post_rows) in enumerate(work):
        if should_stop is not None and should_stop():
            rest = [d.pk for _, later in work[i:] for d in later]
            release(rest, token, now or timezone.now())
            break
        renew(token, now=now)
        _send_post(post, post_rows, token, now, result)
    return result


def round_seconds() -> float:
    """How long one delivery round may run before the worker turns to its sweeps again."""
    return max(5.0, 3 * send_timeout())


def deliver_all(
    *,
    now: datetime | None = None,
    batch: int = 50,
    max_batches: int = 100,
    should_stop: Callable[[], bool] | None = None,
) -> PassResult:
    """Passes until nothing due is left (or `max_batches`, or the round's time is up)."""
    total = PassResult()
    deadline = time.monotonic() + round_seconds()
    for _ in range(max_batches):
        r = deliver_pass(batch, now=now, should_stop=should_stop)
        total.add(r)
        if r.sent + r.failed + r.dead + r.waiting == 0 or (should_stop is not None and should_stop()):
            break
        if time.monotonic() > deadline:
            break
    return total


def retry_dead(delivery_ids: list[int]) -> int:
    """An admin sends dead letters again: they start over with a fresh count of attempts."""
    return Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claim_token=""
    )
