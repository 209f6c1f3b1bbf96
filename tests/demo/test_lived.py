"""The demo's generated history: months of requests moved through the services at working times on workdays,
marked generated, with KPIs that vary by unit and notices read up to a sensible point."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test import override_settings
from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.cases import kpis
from nuanqi.cases.models import Case, Event
from nuanqi.cases.timeline import verify
from nuanqi.demo.lived import travel
from nuanqi.notify.models import ChannelKind, Delivery
from tests.demo_snapshot import demo_world


@pytest.fixture(scope="module", autouse=True)
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int | str]]:
    """The world is built once for this module, inside a transaction that is rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield demo_world()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_months_of_generated_cases_spread_over_the_months(summary) -> None:
    generated = Case.objects.filter(generated=True)
    assert generated.count() == summary["其中演示生成的历史事项"] >= 100
    months = dict(
        generated.annotate(m=TruncMonth("received_at"))
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    assert len(months) >= 8 and max(months.values()) < 3 * min(months.values()) + 10
    # The newspaper's stories are not generated.
    assert Case.objects.filter(generated=False).exists()


def test_every_generated_event_happened_in_working_hours_on_a_workday() -> None:
    cal = current_calendar()
    events = Event.objects.filter(case__generated=True).exclude(action__startswith="sla_")
    assert events.count() > 500
    for e in events:
        local = timezone.localtime(e.at)
        sessions = cal.sessions_on(local.date())
        assert sessions, f"{e.case_id} {e.action} on a day off: {local}"
        assert any(s <= local.time() <= t for s, t in sessions), f"{e.action} outside working hours: {local}"
    # The steps are spread over time, not stamped at the minute the demo was built.
    days = {timezone.localtime(at).date() for at in events.values_list("at", flat=True)}
    assert len(days) > 60
    assert not list(verify())


def test_the_units_perform_differently_so_the_ranking_has_a_top_and_a_bottom() -> None:
    today = timezone.localdate()
    rank = kpis.ranking(Case.objects.all(), today - timedelta(days=270), today, now=timezone.now())
    scores = [k.score for k in rank.all if k.score is not None]
    assert len(scores) >= 5 and max(scores) - min(scores) >= 10


def test_notices_are_read_up_to_two_working_days_ago() -> None:
    unread = Delivery.objects.filter(channel=ChannelKind.IN_APP, read_at__isnull=True)
    per_person = unread.values("recipient").annotate(n=Count("id"))
    assert per_person and max(p["n"] for p in per_person) <= 5
    assert Delivery.objects.filter(channel=ChannelKind.IN_APP, read_at__isnull=False).exists()


def test_travel_turns_the_clock_back_only_inside_it() -> None:
    then = timezone.now() - timedelta(days=100)
    with travel(then):
        assert timezone.now() == then
    assert timezone.now() - then > timedelta(days=99)
