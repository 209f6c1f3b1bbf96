"""The office edits projects, programme nodes, milestones, plans and programmes outside /admin/ and the
import: pages and API through `projects.editing`, every change an audit row; unit handlers and outsiders
may not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from nuanqi.accounts.models import ApiToken
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.projects.editing import delete_milestone, replan, save_milestone, save_programme, save_project
from nuanqi.projects.models import Milestone, Programme, Project, ProjectChange, ProjectKind


def test_a_new_project_freezes_its_first_baseline_and_is_audited(world, works):
    p = save_project(
        None, actor=world.dispatcher, name="干览镇文化礼堂", kind=ProjectKind.LIVELIHOOD,
        owner_unit=world.zhujian, start=date(2024, 3, 1), planned_end=date(2024, 9, 30),
    )  # fmt: skip
    assert [b.note for b in p.baselines.all()] == ["初始计划"]
    change = ProjectChange.objects.get(project=p)
    assert change.action == "create" and change.actor == world.dispatcher
    assert change.changes["name"] == [None, "干览镇文化礼堂"] or change.changes["name"][1] == "干览镇文化礼堂"


def test_an_edit_records_each_field_from_old_to_new_and_dates_with_a_baseline_need_a_replan(world, works):
    save_project(works.bridge, actor=world.admin, theme="通畅白泉", investment_planned=Decimal("700"))
    change = ProjectChange.objects.filter(project=works.bridge).latest("id")
    assert change.action == "edit" and change.changes["theme"] == ["", "通畅白泉"]
    assert change.changes["investment_planned"] == ["680.00", "700"]
    from nuanqi.projects.services import freeze_baseline

    freeze_baseline(works.bridge, approved_on=date(2023, 1, 20))
    with pytest.raises(Invalid) as exc:
        save_project(works.bridge, actor=world.admin, planned_end=date(2023, 10, 20))
    assert exc.value.code == "use_replan"
    replan(
        works.bridge, planned_end=date(2023, 10, 20), approved_on=date(2023, 6, 1), note="汛期顺延",
        actor=world.admin,
    )  # fmt: skip
    assert [b.planned_end for b in works.bridge.baselines.all()] == [date(2023, 9, 28), date(2023, 10, 20)]
    last = ProjectChange.objects.filter(project=works.bridge).latest("id")
    assert last.action == "replan" and last.changes["planned_end"] == ["2023-09-28", "2023-10-20"]


def test_a_node_must_hang_in_its_own_programme_and_not_below_itself(world, works):
    other = Programme.objects.create(name="另一项目群")
    with pytest.raises(Invalid) as exc:
        save_project(works.nanfeng, actor=world.admin, programme=other)
    assert exc.value.code == "invalid_parent"
    site = save_project(
        None, actor=world.admin, name="马岙博物馆", kind=ProjectKind.SITE, owner_unit=world.zhujian,
        programme=works.programme, parent=works.section,
    )  # fmt: skip
    with pytest.raises(Invalid):
        save_project(works.section, actor=world.admin, parent=site)
    with pytest.raises(Invalid):
        save_project(works.bridge, actor=world.admin, start=date(2023, 9, 1), planned_end=date(2023, 8, 1))


def test_milestones_are_added_changed_and_removed_with_audit_rows(world, works):
    m = save_milestone(
        works.bridge, None, actor=world.dispatcher, name="主体完工", planned_on=date(2023, 8, 1)
    )
    save_milestone(works.bridge, m, actor=world.dispatcher, name="主体完工", actual_on=date(2023, 8, 5))
    delete_milestone(works.bridge, m, actor=world.dispatcher)
    assert not Milestone.objects.filter(pk=m.pk).exists()
    actions = list(
        ProjectChange.objects.filter(project=works.bridge).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["milestone_add", "milestone_edit", "milestone_delete"]


def test_unit_handlers_leaders_and_outsiders_may_not_edit(world, works):
    for person in (world.handler, world.leader, world.company, world.outsider):
        with pytest.raises(Forbidden):
            save_project(works.bridge, actor=person, theme="x")
        with pytest.raises(Forbidden):
            save_programme(works.programme, actor=person, name="x")


def test_the_pages_create_edit_replan_and_show_the_audit_trail(world, works):
    client = world.client(world.dispatcher)
    r = client.post(
        "/projects/new/",
        {"name": "东海百里文廊岑港段", "kind": "section", "programme": works.programme.pk,
         "owner_unit": world.jingxin.pk, "investment_planned": "0", "sort": "3", "theme": "岑港古渡"},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    section = Project.objects.get(name="东海百里文廊岑港段")
    assert section.programme == works.programme and section.theme == "岑港古渡"
    page = client.get(f"/programmes/{works.programme.pk}/").content.decode()
    assert "东海百里文廊岑港段" in page and "编辑记录" in page and "类型：项目群分段" in page
    r = client.post(
        f"/projects/{works.bridge.pk}/edit/",
        {"name": works.bridge.name, "kind": "livelihood", "owner_unit": world.zhujian.pk,
         "investment_planned": "1e20", "sort": "0", "start": "2023-02-06", "planned_end": "2023-09-28"},
    )  # fmt: skip
    assert r.status_code == 400 and "计划投资" in r.content.decode()
    r = client.post(
        f"/projects/{works.bridge.pk}/milestones/",
        {"new-name": "桩基完成", "new-planned_on": "2023-05-15", "new-sort": "1"},
    )
    assert r.status_code == 302 and works.bridge.milestones.get().name == "桩基完成"
    r = client.post(
        f"/projects/{works.bridge.pk}/replan/",
        {"start": "2023-02-06", "planned_end": "2023-10-20", "approved_on": "2023-06-01", "note": "汛期顺延"},
    )
    assert r.status_code == 302
    detail = client.get(f"/projects/{works.bridge.pk}/").content.decode()
    assert "汛期顺延" in detail and "调整计划" in detail and "新增节点" in detail
    # The audit trail in words: labels of the right model, a choice's label, old → new on an edit.
    section = detail[detail.index('id="changes"') :]
    assert "节点：桩基完成" in section and "调整说明：汛期顺延" in section, section
    assert "计划完工：2023-09-28 → 2023-10-20" in detail
    r = client.post("/programmes/new/", {"name": "海岛公园", "weighting": "count"})
    assert (
        r.status_code == 302
        and Programme.objects.get(name="海岛公园").changes.get().action == "programme_create"
    )
    # The owner unit's handler reports progress but edits nothing.
    handler = world.client(world.handler)
    assert handler.get(f"/projects/{works.bridge.pk}/edit/").status_code == 404
    assert "编辑项目" not in handler.get(f"/projects/{works.bridge.pk}/").content.decode()


def test_the_api_edits_with_the_same_writers(world, works):
    token = ApiToken.issue(world.dispatcher, "t")[1]
    client = world.client(world.dispatcher)
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    r = client.post(
        "/api/v1/projects",
        {
            "name": "盐仓段",
            "kind": "section",
            "programme": works.programme.pk,
            "owner_unit": world.jingxin.pk,
        },
        **h,
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = client.patch(f"/api/v1/projects/{pid}", {"theme": "盐仓新韵"}, **h)
    assert r.status_code == 200 and r.json()["theme"] == "盐仓新韵"
    r = client.patch(f"/api/v1/projects/{pid}", {"investment_planned": 1e20}, **h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_number"
    r = client.post(
        f"/api/v1/projects/{works.bridge.pk}/milestones", {"name": "通车", "planned_on": "2023-09-28"}, **h
    )
    assert r.status_code == 201 and r.json()["milestones"][0]["name"] == "通车"
    mid = works.bridge.milestones.get().pk
    r = client.put(
        f"/api/v1/projects/{works.bridge.pk}/milestones/{mid}",
        {"name": "通车", "planned_on": "2023-09-28", "actual_on": "2023-09-26"}, **h,
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["milestones"][0]["days_ahead"] == 2
    r = client.post(
        f"/api/v1/projects/{works.bridge.pk}/replan",
        {"planned_end": "2023-10-20", "approved_on": "2023-06-01", "note": "汛期顺延"}, **h,
    )  # fmt: skip
    assert r.status_code == 201 and r.json()["planned_end"] == "2023-10-20"
    r = client.delete(f"/api/v1/projects/{works.bridge.pk}/milestones/{mid}", **h)
    assert r.status_code == 204
    r = client.post("/api/v1/programmes", {"name": "海岛公园", "weighting": "count"}, **h)
    assert r.status_code == 201
    r = client.patch(f"/api/v1/programmes/{r.json()['id']}", {"description": "全域公园城市"}, **h)
    assert r.status_code == 200 and r.json()["description"] == "全域公园城市"
    assert ProjectChange.objects.filter(actor=world.dispatcher).count() == 8
    # The owner's handler sees the project but may not edit it; an outsider does not see it.
    handler = ApiToken.issue(world.handler, "t")[1]
    r = client.patch(
        f"/api/v1/projects/{works.bridge.pk}", {"theme": "x"},
        HTTP_AUTHORIZATION=f"Bearer {handler}", content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 403
    outsider = ApiToken.issue(world.handler2, "t")[1]
    r = client.patch(
        f"/api/v1/projects/{works.bridge.pk}", {"theme": "x"},
        HTTP_AUTHORIZATION=f"Bearer {outsider}", content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 404
