"""Several workers at once: on PostgreSQL they claim with SKIP LOCKED, elsewhere by compare-and-swap; either
way no delivery is ever sent twice and none is left behind."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from nuanqi.cases.models import Event
from nuanqi.notify import outbox
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus
from tests.cases.helpers import file_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_workers_never_send_the_same_delivery_twice(world, endpoint):
    ChannelConfig.objects.create(kind=ChannelKind.SMS, url=endpoint.url)
    for i in range(30):
        file_case(world.commissioner, world.huakang, title=f"并发投递 {i}")
    people = [world.handler, world.handler2, world.leader, world.admin]
    Delivery.objects.bulk_create(
        Delivery(
            event=e,
            recipient=p,
            channel=ChannelKind.SMS,
            address="13800000001",
            case_number=e.case.number,
            title=e.case.title,
        )
        for e in Event.objects.select_related("case")
        for p in people
    )
    total = Delivery.objects.filter(channel=ChannelKind.SMS).count()
    assert total == 120
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while outbox.deliver_pass(batch=7).sent:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    # Every row ends sent, and the endpoint was called exactly once per row: a double send would show as
    # more successful calls than rows.
    assert len(endpoint.requests) == len(endpoint.received) == total
    ids = Counter(
        (d.event_id, d.recipient_id)
        for d in Delivery.objects.filter(channel=ChannelKind.SMS, status=DeliveryStatus.SENT)
    )
    assert sum(ids.values()) == total and max(ids.values()) == 1
