"""A queryset compiled once and run with other values gives what the queryset itself gives, and refuses a
queryset whose text would depend on the values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db.models import QuerySet

from nuanqi.accounts.models import Unit, User
from nuanqi.lib.compiled import CompiledQuery

pytestmark = pytest.mark.django_db


def _people(ids: list[int], joined: datetime) -> QuerySet[Any]:
    qs = User.objects.filter(pk__in=ids, date_joined__lt=joined)
    return qs.order_by("pk").values_list("pk", "date_joined")


def test_a_compiled_query_answers_what_its_queryset_answers_for_other_values() -> None:
    unit = Unit.objects.create(name="区住建局")
    people = [User.objects.create(username=f"p{i}", unit=unit) for i in range(4)]
    a = {"ids": [-(2**40), -(2**40) - 1], "joined": datetime(1901, 1, 1, tzinfo=UTC)}
    b = {"ids": [-(2**41), -(2**41) - 1], "joined": datetime(1901, 1, 2, tzinfo=UTC)}
    compiled = CompiledQuery(_people, a, b)
    later = datetime(2999, 1, 1, tzinfo=UTC)
    for ids, joined in [([people[0].pk, people[2].pk], later), ([people[3].pk, people[3].pk], later)]:
        got = [tuple(r) for r in compiled.rows(ids=ids, joined=joined)]
        assert got == list(_people(ids, joined))  # datetimes converted as the ORM converts them
        assert got and isinstance(got[0][1], datetime)
    assert compiled.rows(ids=[people[0].pk, people[1].pk], joined=datetime(1950, 1, 1, tzinfo=UTC)) == []


def test_a_query_whose_text_depends_on_its_values_is_refused() -> None:
    def sliced(n: int) -> QuerySet[Any]:
        return User.objects.order_by("pk").values_list("pk")[:n]  # a LIMIT is text, not a parameter

    with pytest.raises(RuntimeError):
        CompiledQuery(sliced, {"n": 3}, {"n": 4})

    def ignores(name: str) -> QuerySet[Any]:
        return User.objects.filter(username="x").values_list("pk")

    with pytest.raises(RuntimeError):
        CompiledQuery(ignores, {"name": "marker-a"}, {"name": "marker-b"})
