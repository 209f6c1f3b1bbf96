"""A real `nuanqi worker` process killed while a notification is in flight: after a restart the message
arrives, once. The worker runs as a separate process on the test database, as in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus, Preference
from tests.cases.helpers import act, file_case

pytestmark = pytest.mark.django_db(transaction=True)


def _env(tmp_path: Path) -> dict[str, str]:
    """The environment of a worker process that uses this test's database."""
    env = {
        **os.environ,
        "NUANQI_NOTIFY_LEASE_SECONDS": "2",
        "NUANQI_NOTIFY_COMBINE_SECONDS": "0",
        "NUANQI_HOME": str(tmp_path),
    }
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["NUANQI_DATABASE_URL"] = (
            f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env.pop("NUANQI_DATABASE_URL", None)
        (tmp_path / "nuanqi.sqlite3").symlink_to(Path(db["NAME"]).resolve())
    return env


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nuanqi.cli", "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_restart_delivers_once(world, endpoint, tmp_path):
    endpoint.hang_first = True
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=endpoint.url)
    Preference.objects.create(user=world.handler, channel=ChannelKind.WECOM, address="13800000001")
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    delivery = Delivery.objects.get(channel=ChannelKind.WECOM)
    env = _env(tmp_path)

    first = _worker(env, "--interval", "0.2")
    try:
        assert endpoint.arrived.wait(60), "the worker never tried to send"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    endpoint.release.set()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CLAIMED and delivery.sent_at is None  # claimed, never settled

    time.sleep(2.5)  # the dead worker's lease runs out
    second = _worker(env, "--once")
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(endpoint.received) == 1  # acknowledged once: the unanswered first try did not count
    assert endpoint.received[0]["json"]["text"]["mentioned_mobile_list"] == ["13800000001"]
    third = _worker(env, "--once")
    third.communicate(timeout=120)
    assert len(endpoint.requests) == 2  # nothing is sent a third time
