"""The admins' channel view: per channel delivered, waiting, paused (until when, why) and dead over the last
day, the last error, and re-queueing a channel's dead notices once the cause is fixed."""

from __future__ import annotations

from nuanqi.notify import outbox, pacing
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus
from tests.notify.helpers import queue


def test_the_admin_sees_each_channel_and_re_queues_its_dead_notices(world, fake, settings):
    settings.NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS = 1
    gateway = fake("sms", redirect_to="http://127.0.0.1:9/moved")
    robot = fake("wecom")
    ChannelConfig.objects.create(kind=ChannelKind.SMS, url=gateway.url)
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=robot.url)
    queue(world, ChannelKind.SMS, 2)
    queue(world, ChannelKind.WECOM, 3)
    outbox.deliver_all()
    pacing.pause(ChannelKind.DINGTALK, "机器人限流（errcode 410100：send too fast）")
    admin = world.client(world.admin)
    page = admin.get("/notifications/dead/").content.decode()
    assert (
        '<tr data-channel="sms"><td><a href="?channel=sms">短信/HTTP 接口</a></td><td>0</td><td>0</td>'
        in page
    )
    assert (
        '<tr data-channel="wecom"><td><a href="?channel=wecom">企业微信机器人</a></td><td>3</td><td>0</td>'
        in page
    )
    assert "暂停至" in page and "410100" in page
    assert "http://127.0.0.1:9/moved" in page  # the redirect's target, for the admin to fix the URL
    # The URL fixed, the channel's dead notices go out again.
    gateway.redirect_to = ""
    admin.post("/notifications/dead/", {"channel": "sms"})
    assert outbox.deliver_all().sent == 2
    assert Delivery.objects.filter(channel=ChannelKind.SMS, status=DeliveryStatus.SENT).count() == 2


def test_only_an_admin_sees_the_channels(world):
    assert world.client(world.handler).get("/notifications/dead/").status_code == 404
    assert world.client(world.outsider).post("/notifications/dead/", {"channel": "sms"}).status_code == 404
