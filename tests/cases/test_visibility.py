"""Visibility is part of the product: every persona sees exactly its own cases, through pages and API."""

from __future__ import annotations

import pytest

from nuanqi.cases import services
from nuanqi.cases.visibility import my_worklist, visible_cases

from .helpers import act, file_case


@pytest.fixture
def huakang_case(world):
    case = file_case(world.commissioner, world.huakang, title="开具合规证明（15家单位）")
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    return case


def test_a_commissioner_sees_his_own_companys_cases(world, huakang_case):
    assert list(visible_cases(world.commissioner)) == [huakang_case]


def test_it_returns_404_to_other_commissioners_on_the_page(world, huakang_case):
    response = world.client(world.commissioner2).get(f"/cases/{huakang_case.number}/")
    assert response.status_code == 404


def test_it_returns_404_to_other_commissioners_through_the_api(world, huakang_case):
    client = world.client(world.commissioner2)
    assert client.get(f"/api/v1/cases/{huakang_case.number}").status_code == 404
    r = client.post(
        f"/api/v1/cases/{huakang_case.number}/actions",
        {"action": "remind", "version": 3},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert client.get("/api/v1/cases").json()["items"] == []


def test_another_commissioners_action_post_on_the_page_is_404_and_changes_nothing(world, huakang_case):
    r = world.client(world.commissioner2).post(
        f"/cases/{huakang_case.number}/act/", {"action": "remind", "version": 3}
    )
    assert r.status_code == 404
    huakang_case.refresh_from_db()
    assert huakang_case.remind_count == 0


@pytest.mark.parametrize("persona", ["outsider", "handler2", "commissioner2"])
def test_unrelated_people_get_404_on_the_case_and_its_company(world, huakang_case, persona):
    client = world.client(getattr(world, persona))
    assert client.get(f"/cases/{huakang_case.number}/").status_code == 404
    assert client.get(f"/api/v1/cases/{huakang_case.number}").status_code == 404
    assert client.get(f"/companies/{world.huakang.pk}/").status_code == 404
    assert client.get(f"/api/v1/companies/{world.huakang.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["admin", "dispatcher", "leader", "commissioner", "handler", "company"])
def test_related_people_can_open_the_case(world, huakang_case, persona):
    client = world.client(getattr(world, persona))
    assert client.get(f"/cases/{huakang_case.number}/").status_code == 200
    assert client.get(f"/api/v1/cases/{huakang_case.number}").status_code == 200


def test_a_co_handling_unit_sees_the_case_once_it_has_a_task(world, huakang_case):
    assert not visible_cases(world.handler2).exists()
    services.add_task(huakang_case, actor=world.dispatcher, unit=world.jingxin.pk)
    assert list(visible_cases(world.handler2)) == [huakang_case]
    assert list(my_worklist(world.handler2)) == [huakang_case]


def test_a_handed_over_company_moves_to_the_new_commissioners_list(world, huakang_case):
    from datetime import date

    from nuanqi.enterprise.services import assign

    assign(world.commissioner2.commissioner, world.huakang, on=date(2023, 6, 1), actor=world.admin)
    assert not my_worklist(world.commissioner).exists()
    assert list(my_worklist(world.commissioner2)) == [huakang_case]
    # He filed it himself, so he can still read it; he no longer sees the company's other cases.
    other = file_case(world.dispatcher, world.huakang, title="新的诉求")
    assert other not in visible_cases(world.commissioner)
    assert other in visible_cases(world.commissioner2)
    assert world.huakang.assignments.count() == 2


def test_anonymous_visitors_are_sent_to_login_and_the_api_answers_401(world, huakang_case):
    from django.test import Client

    c = Client()
    assert c.get("/").status_code == 302
    r = c.get("/api/v1/cases")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
