"""The outbox: every event becomes deliveries in the same transaction, in-app at once, external channels
through the worker — retried with backoff, never twice, nothing lost when a worker dies mid-way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from nuanqi.cases.errors import NotAllowedNow
from nuanqi.cases.models import Event
from nuanqi.notify import outbox
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus, Preference
from tests.cases.helpers import act, file_case


def _robot(kind: str, endpoint, secret: str = "") -> None:
    ChannelConfig.objects.create(kind=kind, url=endpoint.url, secret=secret)


def _wants(user, channel: str, address: str = "") -> None:
    Preference.objects.create(user=user, channel=channel, address=address)


def test_dispatching_a_case_notifies_the_unit_in_app_at_once(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    event = case.events.get(action="dispatch")
    got = Delivery.objects.get(event_id=event.pk, recipient=world.handler, channel=ChannelKind.IN_APP)
    assert got.status == DeliveryStatus.SENT and "派单" in got.title and case.number in got.title
    # Nobody outside the audience hears of it, and never the actor himself.
    assert not Delivery.objects.filter(
        event_id=event.pk, recipient__in=[world.handler2, world.dispatcher]
    ).exists()


def test_a_new_case_reaches_the_dispatchers_and_a_resolved_one_the_commissioner_and_company(world):
    case = file_case(world.company, world.huakang)
    assert Delivery.objects.filter(recipient=world.dispatcher, case_number=case.number).count() == 1
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    act(case, "sign", world.handler)
    act(case, "resolve", world.handler, result="已出具证明")
    resolved = case.events.get(action="resolve")
    told = set(Delivery.objects.filter(event_id=resolved.pk).values_list("recipient__username", flat=True))
    assert told == {"company", "commissioner"}  # the filer (the contact) and the company's commissioner


def test_fan_out_is_idempotent(world):
    case = file_case(world.commissioner, world.huakang)
    event = case.events.get()
    before = Delivery.objects.count()
    outbox.fan_out(event)
    outbox.fan_out(event)
    assert Delivery.objects.count() == before


def test_a_rolled_back_action_leaves_no_notification(world):
    case = file_case(world.commissioner, world.huakang)
    before = Delivery.objects.count()
    with pytest.raises(NotAllowedNow):  # not accepted yet → refused
        act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    assert Delivery.objects.count() == before


def _dispatch_with(world, channel: str, address: str = ""):
    _wants(world.handler, channel, address)
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    return Delivery.objects.get(recipient=world.handler, channel=channel)


def test_a_webhook_that_fails_twice_then_succeeds_gets_the_message_once(world, endpoint, settings):
    settings.NUANQI_NOTIFY_BACKOFF_SECONDS = 30
    endpoint.fail_first = 2
    _robot(ChannelKind.DINGTALK, endpoint, secret="SEC-test")
    d = _dispatch_with(world, ChannelKind.DINGTALK, "13800000001")
    now = timezone.now()
    assert outbox.deliver_pass(now=now).failed == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 1 and "503" in d.last_error
    assert outbox.deliver_pass(now=now).sent == 0  # backing off: not due yet
    now += timedelta(seconds=37)  # 30 s, and up to a fifth more of jitter
    assert outbox.deliver_pass(now=now).failed == 1
    d.refresh_from_db()
    assert timedelta(seconds=60) <= d.next_attempt_at - now <= timedelta(seconds=72)  # the delay doubles
    now += timedelta(seconds=73)
    assert outbox.deliver_pass(now=now).sent == 1
    now += timedelta(hours=2)
    assert outbox.deliver_pass(now=now).sent == 0
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENT and d.attempts == 3
    assert len(endpoint.requests) == 3 and len(endpoint.received) == 1
    got = endpoint.received[0]
    assert got["json"]["at"]["atMobiles"] == ["13800000001"] and "派单" in got["json"]["text"]["content"]
    # DingTalk's 加签: sign = base64(HMAC-SHA256(secret, "timestamp\nsecret")).
    q = urllib.parse.parse_qs(urllib.parse.urlparse(got["path"]).query)
    ts = q["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC-test", f"{ts}\nSEC-test".encode(), hashlib.sha256).digest())
    assert q["sign"][0] == expected.decode()


def test_a_worker_killed_between_claim_and_send_loses_nothing(world, endpoint):
    _robot(ChannelKind.WECOM, endpoint)
    d = _dispatch_with(world, ChannelKind.WECOM, "13800000001")
    now = timezone.now()
    # The first worker claims the row and dies before sending: its claim is committed, nothing was sent.
    _token, rows = outbox.claim(now=now)
    assert [r.pk for r in rows] == [d.pk]
    assert endpoint.requests == []
    # A restarted worker does not touch the row while the lease holds …
    assert outbox.deliver_pass(now=now + timedelta(seconds=30)).sent == 0
    # … and sends it once the lease has run out; later passes send nothing more.
    assert outbox.deliver_pass(now=now + outbox.LEASE + timedelta(seconds=1)).sent == 1
    assert outbox.deliver_pass(now=now + timedelta(hours=1)).sent == 0
    assert len(endpoint.received) == 1
    assert endpoint.received[0]["json"]["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_a_late_worker_whose_lease_was_taken_over_cannot_settle_the_row(world, endpoint):
    _robot(ChannelKind.WECOM, endpoint)
    d = _dispatch_with(world, ChannelKind.WECOM)
    now = timezone.now()
    old_token, _rows = outbox.claim(now=now)
    new_token, rows = outbox.claim(now=now + outbox.LEASE + timedelta(seconds=1))
    assert [r.pk for r in rows] == [d.pk]
    assert not outbox.settle(rows[0], old_token, None)
    assert outbox.settle(rows[0], new_token, None)


def test_after_five_failures_the_delivery_is_a_dead_letter_an_admin_can_retry(world, endpoint, settings):
    settings.NUANQI_NOTIFY_BACKOFF_SECONDS = 0
    endpoint.fail_first = 99
    _robot(ChannelKind.DINGTALK, endpoint)
    d = _dispatch_with(world, ChannelKind.DINGTALK)
    for i in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_pass(now=timezone.now() + timedelta(seconds=i + 1))
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DEAD and d.attempts == outbox.MAX_ATTEMPTS
    page = world.client(world.admin).get("/notifications/dead/")
    assert page.status_code == 200 and d.title in page.content.decode()
    assert world.client(world.handler).get("/notifications/dead/").status_code == 404
    endpoint.fail_first = 0
    world.client(world.admin).post("/notifications/dead/", {"id": [d.pk]})
    assert outbox.deliver_pass(now=timezone.now() + timedelta(seconds=1)).sent == 1


def test_email_goes_through_django_mail(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.handler.email = "handler@zhujian.example"
    world.handler.save()
    _dispatch_with(world, ChannelKind.EMAIL)
    assert outbox.deliver_all().sent == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["handler@zhujian.example"]
    assert "派单" in mail.outbox[0].subject


def test_the_sms_hook_is_signed(world, endpoint):
    _robot(ChannelKind.SMS, endpoint, secret="hook-secret")
    world.handler.phone = "13900000002"
    world.handler.save()
    d = _dispatch_with(world, ChannelKind.SMS)
    assert outbox.deliver_all().sent == 1
    got = endpoint.received[0]
    assert got["json"]["phone"] == "13900000002" and got["json"]["delivery"] == d.pk
    ts = got["headers"]["X-Nuanqi-Timestamp"]
    import json as _json

    body = _json.dumps(got["json"], ensure_ascii=False).encode()
    sig = hmac.new(b"hook-secret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert got["headers"]["X-Nuanqi-Signature"] == sig


def test_a_channel_the_admin_has_not_configured_is_not_queued(world):
    _wants(world.handler, ChannelKind.DINGTALK)
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    assert not Delivery.objects.filter(channel=ChannelKind.DINGTALK).exists()


def test_worker_events_are_notified_too(world):
    from nuanqi.cases import sweeps

    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    case.refresh_from_db()
    sweeps.sweep(case.resolve_due + timedelta(minutes=1))
    red = Event.objects.get(case=case, action="sla_red")
    assert Delivery.objects.filter(event_id=red.pk, recipient=world.handler).exists()


def test_robot_notices_wait_a_few_seconds_to_share_a_post_and_other_channels_do_not(
    world, endpoint, settings
):
    settings.NUANQI_NOTIFY_COMBINE_SECONDS = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _robot(ChannelKind.WECOM, endpoint)
    _wants(world.handler, ChannelKind.EMAIL, "handler@zhujian.example")
    robot = _dispatch_with(world, ChannelKind.WECOM, "13800000001")
    now = timezone.now()
    assert outbox.deliver_all(now=now).sent == 1  # the e-mail at once
    assert endpoint.requests == []
    assert outbox.deliver_all(now=now + timedelta(seconds=6)).sent == 1
    robot.refresh_from_db()
    assert robot.status == DeliveryStatus.SENT and len(endpoint.received) == 1
