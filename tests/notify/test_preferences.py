"""A channel is switched on only with an address that can work, on the page and in the API; a refusal is
in Chinese and changes nothing."""

from __future__ import annotations

import pytest

from nuanqi.notify.models import ChannelConfig, ChannelKind, Preference
from nuanqi.notify.prefs import mainland_mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("19912345678", "19912345678"),
        ("张三办公室", None),
        ("0580-2281234", None),  # a landline cannot take an SMS
        ("1380013800", None),
        ("+1 650 253 0000", None),
    ],
)
def test_only_a_mainland_mobile_number_is_a_mobile_number(text, expected):
    assert mainland_mobile(text) == expected


def test_the_page_refuses_e_mail_without_any_address_and_saves_nothing(world):
    world.handler.email = ""
    world.handler.save()
    page = world.client(world.handler).post("/notifications/settings/", {"on_email": "1", "addr_email": ""})
    assert page.status_code == 400 and "未填写邮箱，账号也没有邮箱" in page.content.decode()
    assert not Preference.objects.filter(user=world.handler).exists()


def test_the_page_refuses_an_sms_number_that_is_not_a_mobile_number(world):
    ChannelConfig.objects.create(kind=ChannelKind.SMS, url="http://127.0.0.1:9/sms")
    client = world.client(world.handler)
    page = client.post(
        "/notifications/settings/",
        {"on_sms": "1", "addr_sms": "张三办公室", "on_email": "1", "addr_email": "handler@zhujian.example"},
    )
    text = page.content.decode()
    assert page.status_code == 400 and "“张三办公室”不是有效的大陆手机号" in text
    assert 'value="张三办公室"' in text  # what was typed comes back to be corrected
    assert not Preference.objects.filter(user=world.handler).exists()  # not even the valid e-mail
    client.post("/notifications/settings/", {"on_sms": "1", "addr_sms": "+86 139 0000 0002"})
    assert Preference.objects.get(user=world.handler, channel=ChannelKind.SMS).address == "13900000002"


def test_the_api_refuses_an_invalid_address_with_a_stable_code_and_changes_nothing(world):
    client = world.client(world.handler)
    url = "/api/v1/notifications/preferences"
    bad = client.put(
        url,
        [{"channel": "email", "enabled": True, "address": "handler at zhujian"}],
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_preference" and "不是有效的邮箱地址" in bad.json()["error"]
    assert not Preference.objects.filter(user=world.handler).exists()
    good = client.put(
        url,
        [{"channel": "email", "enabled": True, "address": "handler@zhujian.example"}],
        content_type="application/json",
    )
    assert good.status_code == 200
    email = next(p for p in good.json() if p["channel"] == "email")
    assert email["enabled"] and email["address"] == "handler@zhujian.example"


def test_the_api_refuses_a_channel_the_admin_has_not_configured(world):
    answer = world.client(world.handler).put(
        "/api/v1/notifications/preferences",
        [{"channel": "wecom", "enabled": True, "address": "13800000001"}],
        content_type="application/json",
    )
    assert answer.status_code == 422 and "管理员尚未配置该渠道" in answer.json()["error"]


def test_an_outsider_sees_only_his_own_preferences(world):
    Preference.objects.create(
        user=world.handler, channel=ChannelKind.EMAIL, address="handler@zhujian.example"
    )
    mine = world.client(world.outsider).get("/api/v1/notifications/preferences").json()
    assert all(not p["enabled"] and p["address"] == "" for p in mine)
