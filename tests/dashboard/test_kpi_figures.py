"""The office's KPIs come from the daily roll-up: current at once, and a handful of queries whatever the
number of cases; other people's figures are counted over what they may see."""

from __future__ import annotations

from django.utils import timezone

from nuanqi.cases import kpis
from nuanqi.cases.models import Case
from nuanqi.dashboard import kpicache

from ..cases.helpers import act, file_case


def test_the_leaders_figures_take_the_same_queries_for_one_case_or_many(world, django_assert_max_num_queries):
    file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    # Whether every case is rolled up; the counters' sums with the open cases due before today; the cases
    # due today (超期, docs/kpis.md); the units' names.
    with django_assert_max_num_queries(4):
        one = kpicache.compute(world.leader, today, today, "unit")
    for _ in range(5):
        file_case(world.commissioner, world.huakang)
    with django_assert_max_num_queries(4):
        six = kpicache.compute(world.leader, today, today, "unit")
    assert sum(k.received for k in one) == 1
    assert sum(k.received for k in six) == 6
    # ... and they are the per-case definition's figures.
    assert [k.as_dict() for k in six] == [
        k.as_dict() for k in kpis.compute(Case.objects.all(), today, today, "unit")
    ]


def test_a_case_action_is_reflected_at_once(world):
    case = file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    before = kpicache.compute(world.leader, today, today)[0]
    act(case, "reject", world.dispatcher, reason="不属于受理范围")
    after = kpicache.compute(world.leader, today, today)[0]
    assert before.as_dict() != after.as_dict()


def test_people_who_see_different_cases_see_different_figures(world):
    file_case(world.commissioner, world.huakang)
    today = timezone.localdate()
    assert kpicache.compute(world.leader, today, today)[0].received == 1
    assert kpicache.compute(world.commissioner2, today, today)[0].received == 0
