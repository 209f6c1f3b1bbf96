"""Research visits (调研): each suggestion becomes a `project` case about the project, assigned to its owner
and followed to an answer; the owner sees and answers it, other units and outsiders get 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.cases import kinds
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import CaseClock
from nuanqi.projects.models import ResearchVisit
from nuanqi.projects.visits import add_suggestion

from ..api.test_api import api_for
from ..cases.helpers import act


@pytest.fixture
def visit(world, works):
    npc = Unit.objects.create(name="定海区人大常委会", short_name="区人大常委会", kind=UnitKind.OTHER)
    return ResearchVisit.objects.create(
        programme=works.programme, title="东海百里文廊实地调研", visited_on=date(2023, 3, 29), organiser=npc
    )


def test_the_kind_is_registered_by_the_projects_module():
    spec = kinds.get_kind("project")
    assert spec.prefix == "XM" and spec.subject_required == "project"


def test_a_suggestion_is_assigned_to_the_projects_owner_and_answered_on_its_clock(world, works, visit):
    case = add_suggestion(visit, project=works.nanfeng, text="注重保护当地自然生态", actor=world.dispatcher)
    assert case.number.startswith("XM") and case.status == "project_assigned"
    assert case.lead_unit == world.zhujian and case.subject_label == "南风知否"
    assert CaseClock.objects.get(case=case, name="answer").stopped_at is None
    case = act(case, "answer", world.handler, reason="已纳入施工方案")
    assert case.status == "project_answered" and CaseClock.objects.get(case=case, name="answer").stopped_at
    body = (
        world.client(world.handler).get(reverse("project_detail", args=[works.nanfeng.pk])).content.decode()
    )
    assert case.number in body and "已答复" in body


def test_bad_suggestions_are_refused(world, works, visit):
    with pytest.raises(Invalid):
        add_suggestion(visit, project=works.nanfeng, text=" ", actor=world.dispatcher)
    with pytest.raises(Invalid):
        add_suggestion(visit, project=works.bridge, text="不属于本项目群", actor=world.dispatcher)
    with pytest.raises(Forbidden):
        add_suggestion(visit, project=works.nanfeng, text="建议", actor=world.handler)


def test_the_visit_page_and_api_follow_the_suggestions(world, works, visit):
    url = reverse("visit_detail", args=[works.programme.pk, visit.pk])
    r = world.client(world.dispatcher).post(url, {"project": works.xiaosha.pk, "text": "产业融合"})
    assert r.status_code == 302
    assert "东海百里文廊小沙段：产业融合" in world.client(world.dispatcher).get(url).content.decode()
    api = api_for(world.dispatcher)
    r = api.post(
        f"/programmes/{works.programme.pk}/visits/{visit.pk}/suggestions",
        {"project": works.nanfeng.pk, "text": "保护生态"},
    )
    assert r.status_code == 201 and r.json()["lead_unit"] == "区住建局"
    [listed] = api.get(f"/programmes/{works.programme.pk}/visits").json()
    assert len(listed["suggestions"]) == 2
    # The owner of 南风知否 sees his suggestion, not 小沙段's.
    [mine] = api_for(world.handler).get(f"/programmes/{works.programme.pk}/visits").json()
    assert [s["title"] for s in mine["suggestions"]] == ["南风知否：保护生态"]


@pytest.mark.parametrize("who", ["outsider", "company", "commissioner"])
def test_outsiders_get_404_for_a_visit(world, works, visit, who):
    user = getattr(world, who)
    assert (
        world.client(user).get(reverse("visit_detail", args=[works.programme.pk, visit.pk])).status_code
        == 404
    )
    assert api_for(user).get(f"/programmes/{works.programme.pk}/visits").status_code == 404
