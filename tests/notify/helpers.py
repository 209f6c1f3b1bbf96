"""Queues of notices for channel tests: many people told of one event, as a morning's sweep does."""

from __future__ import annotations

import time

from nuanqi.accounts.models import User
from nuanqi.notify import outbox
from nuanqi.notify.models import Delivery, DeliveryStatus
from tests.cases.helpers import file_case


def queue(world, channel: str, n: int, *, body: str = "开具合规证明", address: str = "") -> list[Delivery]:
    """`n` people, each with one notice of the same event on `channel`; returns the rows."""
    case = file_case(world.commissioner, world.huakang)
    event = case.events.get()
    tag = f"{channel}{Delivery.objects.count()}"
    people = User.objects.bulk_create(
        User(username=f"p{tag}-{i}", display_name=f"经办人{i}", phone=f"139{i:08d}") for i in range(n)
    )
    Delivery.objects.bulk_create(
        Delivery(
            event_id=event.pk,
            recipient=p,
            channel=channel,
            address=address or p.phone,
            case_number=case.number,
            title=f"{case.number} 自动催办",
            body=body,
        )
        for p in people
    )
    return list(Delivery.objects.filter(channel=channel, recipient__in=people).order_by("pk"))


def run_until_done(channel: str, seconds: float = 10.0) -> float:
    """Run delivery rounds, as a worker does, until no notice on `channel` waits; returns the time taken."""
    start = time.monotonic()
    waiting = Delivery.objects.filter(
        channel=channel, status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]
    )
    while waiting.exists() and time.monotonic() - start < seconds:
        outbox.deliver_all()
        time.sleep(0.02)
    return time.monotonic() - start
