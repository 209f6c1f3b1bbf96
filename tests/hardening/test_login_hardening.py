"""Guessing passwords gets a person or an address locked out for a while; API tokens expire unused and can be
revoked from the command line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from nuanqi.accounts.models import ApiToken
from nuanqi.cli import main
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _low_limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = 3


def _token(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    body = json.dumps({"username": username, "password": password})
    return client.post("/api/v1/auth/token", body, "application/json", REMOTE_ADDR=ip)


def test_wrong_passwords_for_the_token_endpoint_end_in_429_with_retry_after(world) -> None:
    client = Client()
    for _ in range(2):
        r = _token(client, "commissioner", "wrong")
        assert (r.status_code, r.json()["code"]) == (401, "bad_credentials")
    r = _token(client, "commissioner", "wrong")
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts" and "分钟后再试" in r.json()["error"]
    assert 0 < int(r["Retry-After"]) <= 15 * 60
    # Locked out: the right password does not work from anywhere until the cool-off has passed.
    assert _token(client, "commissioner", PASSWORD, ip="10.9.9.9").status_code == 429
    assert _token(client, "handler", PASSWORD, ip="10.9.9.9").status_code == 200


def test_one_address_guessing_many_accounts_is_locked_out(world) -> None:
    client = Client()
    for name in ("dispatcher", "handler", "leader"):
        _token(client, name, "wrong", ip="10.0.0.7")
    r = _token(client, "commissioner2", PASSWORD, ip="10.0.0.7")
    assert r.status_code == 429
    assert _token(client, "commissioner2", PASSWORD, ip="10.0.0.8").status_code == 200


def test_the_web_login_locks_out_with_a_message_and_a_right_password_resets_the_count(world) -> None:
    client = Client()
    for _ in range(2):
        r = client.post("/login/", {"username": "handler", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
        assert r.status_code == 200
    ok = client.post("/login/", {"username": "handler", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert ok.status_code == 302
    client.logout()
    for _ in range(3):
        r = client.post("/login/", {"username": "handler", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    assert r.status_code == 429 and "Retry-After" in r
    assert "登录失败次数过多" in r.content.decode()


def test_the_lockout_ends_after_the_cool_off(world, settings) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)
    client = Client()
    for _ in range(3):
        _token(client, "commissioner", "wrong")
    assert _token(client, "commissioner", PASSWORD).status_code == 200


def test_a_trusted_proxy_forwards_the_client_address_and_nobody_else_can(world, settings) -> None:
    from django.test import RequestFactory

    from nuanqi.accounts.security import client_ip

    settings.NUANQI_TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    rf = RequestFactory()
    via_proxy = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.2.3.4")
    assert client_ip(via_proxy) == "10.2.3.4"
    direct = rf.get("/", REMOTE_ADDR="10.5.5.5", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_ip(direct) == "10.5.5.5"


def test_a_token_unused_for_90_days_stops_working(world) -> None:
    token, raw = ApiToken.issue(world.commissioner, name="sync")
    auth = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/v1/me", headers=auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(days=91))
    r = Client().get("/api/v1/me", headers=auth)
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    fresh, raw2 = ApiToken.issue(world.commissioner)
    ApiToken.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(days=89))
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw2}"}).status_code == 200


def test_token_revoke_on_the_command_line(world, capsys) -> None:
    token, raw = ApiToken.issue(world.commissioner, name="sync")
    ApiToken.issue(world.commissioner, name="phone")
    main(["token", "list", "commissioner"])
    listed = capsys.readouterr().out
    assert token.prefix in listed and "有效" in listed
    main(["token", "revoke", "commissioner", "--prefix", token.prefix])
    assert "已吊销 1 个令牌" in capsys.readouterr().out
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    main(["token", "revoke", "commissioner", "--all"])
    assert "已吊销 1 个令牌" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["token", "revoke", "commissioner", "--all"])
    assert not ApiToken.objects.filter(user=world.commissioner, revoked=False).exists()
