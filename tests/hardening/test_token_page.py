"""A page listing one's own API tokens, where one revokes them; nobody sees or revokes another's."""

from __future__ import annotations

import pytest
from django.test import Client

from nuanqi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _bearer(raw: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_commissioner_sees_her_tokens_but_never_the_tokens_themselves(world):
    token, raw = ApiToken.issue(world.commissioner, "手机应用")
    ApiToken.issue(world.handler, "别人的")
    page = world.client(world.commissioner).get("/account/tokens/").content.decode()
    assert token.prefix in page and "手机应用" in page and "有效" in page
    assert raw not in page and "别人的" not in page


def test_revoking_a_token_on_the_page_stops_it_at_once(world):
    token, raw = ApiToken.issue(world.commissioner, "手机应用")
    assert _bearer(raw) == 200
    client = world.client(world.commissioner)
    response = client.post("/account/tokens/", {"token": token.pk}, follow=True)
    assert "已吊销令牌" in response.content.decode() and "已吊销" in response.content.decode()
    assert _bearer(raw) == 401


def test_another_persons_token_is_not_there(world):
    token, raw = ApiToken.issue(world.handler)
    for value in (token.pk, "abc", "99999999999999999999999"):
        assert world.client(world.commissioner).post("/account/tokens/", {"token": value}).status_code == 404
    assert _bearer(raw) == 200
