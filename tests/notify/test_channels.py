"""Each channel against a fake server that behaves as its documentation says: answers told apart
(delivered, passing, permanent), no redirect followed, a timeout on every send, sizes kept by shortening."""

from __future__ import annotations

import time

import pytest

from nuanqi.notify import outbox
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus
from tests.notify.helpers import queue


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS = 1
    settings.NUANQI_NOTIFY_BACKOFF_SECONDS = 0.1


def _configure(kind: str, fake, secret: str = "") -> None:
    ChannelConfig.objects.create(kind=kind, url=fake.url, secret=secret)


def _one(channel: str) -> Delivery:
    return Delivery.objects.get(channel=channel)


def test_a_dingtalk_security_check_failure_is_dead_at_once_with_its_reason(world, fake):
    robot = fake("dingtalk", secret="SEC-right")
    _configure(ChannelKind.DINGTALK, robot, secret="SEC-wrong")
    queue(world, ChannelKind.DINGTALK, 1)
    assert outbox.deliver_pass().dead == 1
    d = _one(ChannelKind.DINGTALK)
    assert d.status == DeliveryStatus.DEAD and d.attempts == 1 and "310000" in d.last_error
    assert robot.delivered == []


def test_a_wecom_robot_with_an_invalid_webhook_is_dead_at_once(world, fake):
    robot = fake("wecom")
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=robot.url.replace("good-key", "old-key"))
    queue(world, ChannelKind.WECOM, 1)
    assert outbox.deliver_pass().dead == 1
    d = _one(ChannelKind.WECOM)
    assert d.status == DeliveryStatus.DEAD and "93000" in d.last_error and "Webhook" in d.last_error


def test_a_redirect_is_a_failure_that_shows_where_it_pointed_and_is_never_followed(world, fake):
    gateway = fake("sms", redirect_to="http://127.0.0.1:9/login")
    _configure(ChannelKind.SMS, gateway)
    queue(world, ChannelKind.SMS, 1)
    assert outbox.deliver_pass().dead == 1
    d = _one(ChannelKind.SMS)
    assert d.status == DeliveryStatus.DEAD and d.sent_at is None
    assert "302" in d.last_error and "http://127.0.0.1:9/login" in d.last_error
    assert len(gateway.requests) == 1 and gateway.delivered == []  # one POST, no GET after it


def test_a_hook_that_refuses_the_request_is_dead_at_once_and_one_that_errs_is_retried(world, fake):
    gateway = fake("sms", status=400)
    _configure(ChannelKind.SMS, gateway)
    first, _second = queue(world, ChannelKind.SMS, 2)
    assert outbox.deliver_pass().dead == 2
    gateway.status = 503
    outbox.retry_dead([first.pk])
    assert outbox.deliver_pass().failed == 1
    first.refresh_from_db()
    assert first.status == DeliveryStatus.PENDING and "503" in first.last_error


def test_a_silent_server_costs_at_most_the_timeout_and_the_notice_is_retried(world, fake):
    robot = fake("wecom", silent=True)
    _configure(ChannelKind.WECOM, robot)
    queue(world, ChannelKind.WECOM, 1)
    start = time.monotonic()
    result = outbox.deliver_pass()
    assert time.monotonic() - start < 1.8  # the timeout is one second
    assert result.failed == 1
    d = _one(ChannelKind.WECOM)
    assert d.status == DeliveryStatus.PENDING and d.attempts == 1 and "timed out" in d.last_error


def test_an_oversize_wecom_notice_arrives_shortened_on_a_character_boundary_with_its_link(world, fake):
    robot = fake("wecom")
    _configure(ChannelKind.WECOM, robot)
    reason = "企业反映的情况与核实结果不一致需要重新核查" * 40  # 800 characters, 2,400 bytes
    queue(world, ChannelKind.WECOM, 1, body=reason)
    assert outbox.deliver_pass().sent == 1
    content = robot.delivered[0]["text"]["content"]
    assert len(content.encode()) <= 2048 and "…" in content
    number = _one(ChannelKind.WECOM).case_number
    assert content.endswith(f"/cases/{number}/")
    assert content.encode().decode() == content  # whole characters only


def test_an_oversize_dingtalk_notice_and_a_long_sms_arrive_shortened(world, fake, settings):
    settings.NUANQI_SMS_MAX_CHARS = 70
    robot, gateway = fake("dingtalk"), fake("sms")
    _configure(ChannelKind.DINGTALK, robot)
    _configure(ChannelKind.SMS, gateway)
    queue(world, ChannelKind.DINGTALK, 1, body="超" * 8000)  # 24,000 bytes
    queue(world, ChannelKind.SMS, 1, body="请尽快处理" * 40)
    assert outbox.deliver_all().sent == 2
    assert len(robot.delivered[0]["text"]["content"].encode()) <= 20_000
    assert len(gateway.delivered[0]["text"]) <= 70 and "…" in gateway.delivered[0]["text"]


def test_forty_five_notices_to_one_robot_all_arrive_combined_and_paced(world, fake, settings):
    settings.NUANQI_NOTIFY_RATE_WINDOW_SECONDS = 0.4
    settings.NUANQI_NOTIFY_COMBINE_MAX = 5
    robot = fake("wecom", limit=3, window=0.4, throttle=600)  # refuses the 4th post in a window
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=robot.url, rate_per_minute=3)
    rows = queue(world, ChannelKind.WECOM, 45)
    from tests.notify.helpers import run_until_done

    run_until_done(ChannelKind.WECOM)
    statuses = set(Delivery.objects.filter(channel=ChannelKind.WECOM).values_list("status", flat=True))
    assert statuses == {DeliveryStatus.SENT}
    assert robot.refusals(45009) == 0  # paced below the robot's limit: never refused
    assert len(robot.delivered) == 9  # five notices a post
    mentioned = [m for post in robot.delivered for m in post["text"]["mentioned_mobile_list"]]
    assert sorted(mentioned) == sorted(d.address for d in rows)
    assert robot.delivered[0]["text"]["content"].startswith("5 件事项需要处理：")
    assert Delivery.objects.filter(channel=ChannelKind.WECOM, attempts=1).count() == 45


def test_a_robot_that_says_too_fast_pauses_its_endpoint_and_the_notices_keep_their_retries(
    world, fake, settings
):
    from nuanqi.notify.models import EndpointState
    from tests.notify.helpers import run_until_done

    settings.NUANQI_NOTIFY_THROTTLE_SECONDS = 0.3
    settings.NUANQI_NOTIFY_COMBINE_MAX = 1
    # Another program shares the robot: it refuses our third post although we are inside our own budget.
    robot = fake("dingtalk", limit=2, window=0.2, throttle=0.3)
    _configure(ChannelKind.DINGTALK, robot)
    queue(world, ChannelKind.DINGTALK, 5)
    first = outbox.deliver_pass()
    assert first.sent == 2 and first.waiting == 3 and first.dead == 0
    state = EndpointState.objects.get(channel=ChannelKind.DINGTALK)
    assert state.paused_until is not None and "410100" in state.pause_reason
    assert outbox.deliver_pass().posts == 0  # paused: nothing is sent meanwhile
    run_until_done(ChannelKind.DINGTALK)
    rows = Delivery.objects.filter(channel=ChannelKind.DINGTALK)
    assert {d.status for d in rows} == {DeliveryStatus.SENT} and {d.attempts for d in rows} == {1}
    assert len(robot.delivered) == 5
