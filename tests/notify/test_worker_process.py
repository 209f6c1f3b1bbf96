"""Workers as they run in production: separate processes (or threads) on the test database, a slow or silent
gateway, SIGTERM and SIGKILL. Every notice is sent once and counted once."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest
from django.db import connection

from nuanqi.notify import outbox
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus
from tests.notify.helpers import queue
from tests.notify.test_worker_crash import _env, _worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_sigterm_stops_a_worker_waiting_on_a_silent_server_within_the_send_timeout(world, fake, tmp_path):
    robot = fake("wecom", silent=True)
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=robot.url)
    queue(world, ChannelKind.WECOM, 1)
    env = {**_env(tmp_path), "NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS": "1"}
    worker = _worker(env, "--interval", "0.2")
    try:
        assert robot.arrived.wait(60), "the worker never tried to send"
        start = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=10)
        stopped_after = time.monotonic() - start
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0
    # The worker stopped within the one-second send timeout of the signal (its own measure) …
    took = float(re.search(r"已停止（收到停止信号后 ([0-9.]+) 秒）", out).group(1))
    assert took <= 1.3
    # … and the process was gone soon after (a worker without a timeout would wait on the server for 30 s).
    assert stopped_after < 5
    d = Delivery.objects.get(channel=ChannelKind.WECOM)
    assert d.status == DeliveryStatus.PENDING and "timed out" in d.last_error  # kept for a retry


def test_two_workers_and_a_slow_gateway_send_each_notice_once_and_count_it_once(world, fake, settings):
    # The batch (40 × 0.05 s) outlasts the one-second lease; a second worker comes after the lease ran out.
    settings.NUANQI_NOTIFY_LEASE_SECONDS = 1
    gateway = fake("sms", delay=0.05)
    ChannelConfig.objects.create(kind=ChannelKind.SMS, url=gateway.url)
    queue(world, ChannelKind.SMS, 40)
    counted: list[int] = []
    errors: list[BaseException] = []

    def worker(wait: float) -> None:
        try:
            time.sleep(wait)
            counted.append(outbox.deliver_all(batch=40).sent)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in (0, 1.2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
    assert len(keys) == 40 and len(set(keys)) == 40  # 40 of 40, none sent twice
    assert sum(counted) == 40  # and counted once
    assert Delivery.objects.filter(channel=ChannelKind.SMS, status=DeliveryStatus.SENT).count() == 40


def test_a_worker_killed_mid_delivery_repeats_nothing_on_a_channel_that_takes_a_key(world, fake, tmp_path):
    # The gateway takes the message, then the worker dies before it hears the answer.
    gateway = fake("sms", hang_after_processing=True)
    ChannelConfig.objects.create(kind=ChannelKind.SMS, url=gateway.url)
    (d,) = queue(world, ChannelKind.SMS, 1)
    env = {**_env(tmp_path), "NUANQI_NOTIFY_LEASE_SECONDS": "1"}
    first = _worker(env, "--interval", "0.2")
    try:
        assert gateway.arrived.wait(60), "the worker never tried to send"
        time.sleep(0.1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    gateway.release.set()
    time.sleep(1.2)  # the dead worker's lease runs out
    second = _worker(env, "--once")
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0, out
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENT
    assert len(gateway.requests) == 2  # sent again, with the same key …
    assert (
        gateway.requests[0]["headers"]["Idempotency-Key"] == gateway.requests[1]["headers"]["Idempotency-Key"]
    )
    assert (
        len(gateway.delivered) == 1 and gateway.requests[1]["answer"]["duplicate"]
    )  # … so it reached the phone once
