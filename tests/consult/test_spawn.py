"""派生: a consultation item becomes an enterprise request or a project issue through the engine's spawn form
(the kinds are data on the consult kind), linked `spawned_from` the item and shown on both cases."""

from __future__ import annotations

from datetime import date

import pytest

from nuanqi.cases.access import resolve_subject
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import CaseLink, LinkType
from nuanqi.cases.services import NewCase
from nuanqi.cases.spawn import spawn_case, spawnable_kinds
from nuanqi.consult.services import raise_item
from nuanqi.projects.models import Project, ProjectKind


@pytest.fixture
def item(world, consult):
    return raise_item(
        consult.session,
        title="滨海绿道沿线缺少健身设施",
        description="建议在滨海公园增设健身路径。",
        raised_by=consult.member,
        lead_unit=world.zhujian,
        actor=consult.staff,
    )


@pytest.fixture
def project(world):
    return Project.objects.create(
        name="海滨公园体育设施改造", kind=ProjectKind.LIVELIHOOD, owner_unit=world.zhujian,
        start=date(2023, 4, 1), planned_end=date(2023, 10, 1),
    )  # fmt: skip


def test_the_office_is_offered_the_kinds_the_consult_kind_lists_and_others_none(world, consult, item):
    assert [k.code for k in spawnable_kinds(world.dispatcher, item)] == ["request", "project"]
    assert spawnable_kinds(world.handler, item) == []
    assert spawnable_kinds(world.company, item) == []


def test_an_item_spawns_a_project_issue_linked_both_ways(world, consult, item, project):
    subject = resolve_subject("project", world.dispatcher, project.pk)
    case = spawn_case(
        item,
        NewCase(
            kind="project",
            title="增设健身路径",
            description="来自协商。",
            subject=subject,
            nature="suggestion",
            channel="department",
            lead_unit=world.zhujian.pk,
        ),
        actor=world.dispatcher,
    )
    assert case.kind == "project" and case.subject_id == project.pk
    link = CaseLink.objects.get(from_case=case, to_case=item)
    assert link.type == LinkType.SPAWNED_FROM
    assert item.events.filter(action="linked_from", changes__number=case.number).exists()
    assert case.events.filter(action="link", changes__number=item.number).exists()


def test_a_kind_not_listed_or_a_person_without_the_right_is_refused(world, consult, item):
    with pytest.raises(Invalid):
        spawn_case(item, NewCase(kind="consult", title="x"), actor=world.dispatcher)
    with pytest.raises(Forbidden):
        spawn_case(item, NewCase(kind="request", title="x"), actor=world.handler)


def test_the_spawn_page_files_an_enterprise_request_and_both_pages_show_the_link(world, consult, item):
    client = world.client(world.dispatcher)
    page = client.get(f"/cases/{item.number}/")
    assert f"/cases/{item.number}/spawn/?kind=request".encode() in page.content
    form = client.get(f"/cases/{item.number}/spawn/?kind=request")
    assert form.status_code == 200 and "滨海绿道沿线缺少健身设施" in form.content.decode()
    bad = client.post(f"/cases/{item.number}/spawn/", {"kind": "request", "title": "", "nature": "help",
                                                       "channel": "department"})  # fmt: skip
    assert bad.status_code == 400
    r = client.post(
        f"/cases/{item.number}/spawn/",
        {"kind": "request", "subject": world.huakang.pk, "title": "企业周边健身设施", "description": "",
         "nature": "suggestion", "channel": "department", "lead_unit": ""},
    )  # fmt: skip
    assert r.status_code == 302
    spawned = CaseLink.objects.get(to_case=item, type=LinkType.SPAWNED_FROM).from_case
    assert spawned.kind == "request" and spawned.subject_id == world.huakang.pk
    assert item.number in client.get(f"/cases/{spawned.number}/").content.decode()
    assert spawned.number in client.get(f"/cases/{item.number}/").content.decode()
    # The unit handler answering the item is offered no spawn form.
    assert world.client(world.handler).get(f"/cases/{item.number}/spawn/").status_code == 404


def test_the_api_spawns_and_documents_the_operation(world, consult, item, project):
    from nuanqi.accounts.models import ApiToken

    token = ApiToken.issue(world.dispatcher, "t")[1]
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = world.client(world.dispatcher)
    r = client.post(
        f"/api/v1/cases/{item.number}/spawn",
        {"kind": "project", "subject": str(project.pk), "title": "增设健身路径"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert {"type": "spawned_from", "direction": "out", "number": item.number}.items() <= body["links"][
        0
    ].items()
    r = client.post(
        f"/api/v1/cases/{item.number}/spawn", {"kind": "project", "title": "x" * 201},
        content_type="application/json", **h,
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "too_long"
    outsider = ApiToken.issue(world.outsider, "t")[1]
    r = client.post(
        f"/api/v1/cases/{item.number}/spawn", {"kind": "project", "title": "x"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {outsider}",
    )  # fmt: skip
    assert r.status_code == 404
