"""The KPI cache never serves figures older than the newest change, and spares the aggregates otherwise."""

from __future__ import annotations

from django.utils import timezone

from nuanqi.dashboard import kpicache

from ..cases.helpers import act, file_case


def test_a_repeated_request_is_served_from_the_cache_with_one_query(world, django_assert_num_queries):
    file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    first = kpicache.compute(world.leader, today, today, "unit")
    with django_assert_num_queries(1):
        again = kpicache.compute(world.leader, today, today, "unit")
    assert [k.as_dict() for k in again] == [k.as_dict() for k in first]


def test_a_case_action_is_reflected_at_once(world):
    case = file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    before = kpicache.compute(world.leader, today, today)[0]
    act(case, "reject", world.dispatcher, reason="不属于受理范围")
    after = kpicache.compute(world.leader, today, today)[0]
    assert before.as_dict() != after.as_dict()


def test_people_who_see_different_cases_never_share_an_entry(world):
    file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    assert kpicache.compute(world.leader, today, today)[0].received == 1
    assert kpicache.compute(world.commissioner2, today, today)[0].received == 0
