"""No dead ends: every persona of the demo's world crawls the pages it reaches by links (breadth-first, at
most three URLs a URL pattern) through the test client, and every followed link answers a page — never a
4xx or a 5xx. A template that renders a link its viewer cannot follow fails here, naming the page it is on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

from nuanqi.accounts.models import User
from tests.crawl import crawl_as
from tests.demo_snapshot import demo_world

pytestmark = pytest.mark.django_db

# Every kind of login the demo has: the office, a leader, commissioners, unit handlers (one of them outside
# the district), company contacts, a point leader, a street handler, an inspection group's leader and the
# consultations' staff; None crawls the public pages without a session.
PERSONAS = [
    None,
    "admin",
    "leader",
    "dispatcher",
    "commissioner",
    "commissioner2",
    "handler",
    "handler_zrzy",
    "company",
    "company2",
    "pointleader",
    "consult",
    "xc_leader",
]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        demo_world()
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("username", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_every_link_a_persona_is_shown_leads_to_a_page(username: str | None):
    client = Client()
    if username is not None:
        user = User.objects.filter(username=username).first()
        assert user is not None, f"the demo has no login {username}"
        client.force_login(user)
    opened, failures = crawl_as(client, "/" if username else "/tips/notice/", limit=200)
    assert len(opened) >= (10 if username else 2), opened
    assert not failures, f"{username or 'anonymous'} followed links that fail:\n" + "\n".join(failures)
