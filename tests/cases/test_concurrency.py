"""Two clients racing on one case: one wins, the other gets 409, nothing half-written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from nuanqi.cases import services
from nuanqi.cases.errors import Conflict
from nuanqi.cases.models import Case, Event

from .helpers import file_case


@pytest.mark.django_db(transaction=True)
def test_two_threads_acting_on_the_same_version_one_wins_the_other_gets_409(world):
    case = file_case(world.commissioner, world.huakang)
    services.perform(case, "accept", actor=world.dispatcher, version=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(action: str, data: dict[str, object]) -> None:
        try:
            barrier.wait(timeout=10)
            services.perform(Case.objects.get(pk=case.pk), action, actor=world.dispatcher, version=2, **data)
            result = "ok"
        except Conflict:
            result = "conflict"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=client, args=("dispatch", {"lead_unit": world.zhujian.pk})),
        threading.Thread(target=client, args=("reject", {"reason": "不属于受理范围"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    case.refresh_from_db()
    assert case.version == 3
    assert case.event_count == 3
    assert Event.objects.filter(case=case).count() == 3
    assert case.status in ("dispatched", "rejected")


@pytest.mark.django_db(transaction=True)
def test_two_api_clients_racing_get_one_200_and_one_409(world, live_server):
    import json
    import urllib.error
    import urllib.request

    from nuanqi.accounts.models import ApiToken

    case = file_case(world.commissioner, world.huakang)
    tokens = [ApiToken.issue(world.dispatcher)[1], ApiToken.issue(world.admin)[1]]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def post(token: str, body: dict[str, object]) -> None:
        req = urllib.request.Request(
            f"{live_server.url}/api/v1/cases/{case.number}/actions",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait(timeout=10)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                codes.append(r.status)
        except urllib.error.HTTPError as e:
            codes.append(e.code)

    threads = [
        threading.Thread(target=post, args=(tokens[0], {"action": "accept", "version": 1})),
        threading.Thread(target=post, args=(tokens[1], {"action": "reject", "version": 1, "reason": "重复"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(codes) == [200, 409]
    case.refresh_from_db()
    assert case.version == 2 and Event.objects.filter(case=case).count() == 2
