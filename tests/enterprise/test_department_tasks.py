"""部门任务: a department posts a task to a company, the commissioner relays it, the company carries it
out and the department confirms — the kind's own workflow table, enforced by the engine."""

from __future__ import annotations

import pytest

from nuanqi.cases.access import resolve_subject
from nuanqi.cases.errors import Forbidden
from nuanqi.cases.models import Case, Status
from nuanqi.cases.permissions import allowed_actions
from nuanqi.cases.services import NewCase, create_case
from nuanqi.enterprise.workflow import TASK
from tests.cases.helpers import act

pytestmark = pytest.mark.django_db


def post_task(world):
    return create_case(
        NewCase(
            kind=TASK,
            title="填报规上工业统计月报",
            channel="部门交办",
            lead_unit=world.zhujian.pk,
            subject=resolve_subject("company", world.handler, world.huakang.name),
        ),
        actor=world.handler,
    )


def test_a_task_goes_from_the_department_through_the_commissioner_to_the_company_and_back(world):
    case = post_task(world)
    assert case.number.startswith("RW") and case.status == Status.NEW
    assert [t.action for t in allowed_actions(world.commissioner, case)] == ["relay", "note", "remind"]
    case = act(case, "relay", world.commissioner)
    assert case.status == Status.IN_PROGRESS
    case = act(case, "resolve", world.company, result="已按时报送")
    assert case.status == Status.RESOLVED
    with pytest.raises(Forbidden):
        act(case, "archive", world.handler2)
    case = act(case, "archive", world.handler)
    assert case.status == Status.ARCHIVED
    assert [e.action for e in case.events.order_by("seq")] == ["create", "relay", "resolve", "archive"]


def test_a_department_addresses_any_company_by_name_but_cannot_list_them(world):
    assert resolve_subject("company", world.handler, world.changhong.uscc).id == world.changhong.pk
    assert world.client(world.handler).get(f"/companies/{world.changhong.pk}/").status_code == 404


def test_the_task_page_posts_and_outsiders_do_not_see_it(world):
    r = world.client(world.handler).post(
        "/tasks/new/", {"company": world.huakang.name, "title": "报送安全生产自查表", "description": ""}
    )
    assert r.status_code == 302
    case = Case.objects.get(kind=TASK)
    assert case.lead_unit == world.zhujian and case.channel == "department"
    assert world.client(world.commissioner).get(f"/cases/{case.number}/").status_code == 200
    assert world.client(world.company).get(f"/cases/{case.number}/").status_code == 200
    assert world.client(world.commissioner2).get(f"/cases/{case.number}/").status_code == 404
    assert world.client(world.outsider).get("/tasks/new/").status_code == 404
    body = world.client(world.commissioner).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "部门任务" in body and "报送安全生产自查表" in body
