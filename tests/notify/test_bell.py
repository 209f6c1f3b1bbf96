"""In-app notifications: the bell's unread count, the inbox, marking read, preferences and the API."""

from __future__ import annotations

from nuanqi.notify.models import ChannelConfig, ChannelKind, Preference
from tests.cases.helpers import act, file_case


def _dispatched(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    return case


def test_the_bell_shows_the_unread_count_and_the_inbox_lists_them(world):
    case = _dispatched(world)
    client = world.client(world.handler)
    page = client.get("/").content.decode()
    assert 'id="bell-count" aria-hidden="true">1<' in page
    assert 'aria-label="通知，1 条未读"' in page  # the count is part of the bell's name, not only drawn
    inbox = client.get("/notifications/").content.decode()
    assert case.number in inbox and "派单" in inbox
    client.post("/notifications/read/")
    after = client.get("/").content.decode()
    assert 'id="bell-count"' not in after and 'aria-label="通知"' in after


def test_a_person_sees_only_his_own_notifications(world):
    case = _dispatched(world)
    assert case.number not in world.client(world.handler2).get("/notifications/").content.decode()
    assert world.client(world.outsider).get("/notifications/").status_code == 200
    assert world.client(world.outsider).get("/api/v1/notifications").json()["items"] == []


def test_marking_read_needs_a_post(world):
    _dispatched(world)
    assert world.client(world.handler).get("/notifications/read/").status_code == 405


def test_preferences_switch_on_a_configured_channel_only(world):
    ChannelConfig.objects.create(kind=ChannelKind.DINGTALK, url="http://127.0.0.1:9/robot")
    client = world.client(world.handler)
    page = client.get("/notifications/settings/").content.decode()
    assert "钉钉机器人" in page and "企业微信机器人" in page
    client.post("/notifications/settings/", {"on_dingtalk": "1", "addr_dingtalk": "13800000009"})
    pref = Preference.objects.get(user=world.handler, channel=ChannelKind.DINGTALK)
    assert pref.enabled and pref.address == "13800000009"
    client.post("/notifications/settings/", {})
    pref.refresh_from_db()
    assert not pref.enabled


def test_the_api_lists_and_marks_notifications(world):
    case = _dispatched(world)
    client = world.client(world.handler)
    data = client.get("/api/v1/notifications").json()
    assert data["unread"] == 1 and data["items"][0]["case_number"] == case.number
    after = client.post("/api/v1/notifications/read", {"ids": None}, content_type="application/json").json()
    assert after["unread"] == 0
    assert client.get("/api/v1/notifications", {"unread_only": "true"}).json()["items"] == []
