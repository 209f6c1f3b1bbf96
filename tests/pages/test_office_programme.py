"""The office keeps the programme's records on its own pages (no /admin/ needed): inspections, company
indicators, company projects and their milestones. Each change goes through the enterprise module's writer and
leaves a SettingChange row; bad input is refused at the edge with nothing written; anyone else gets 404."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from nuanqi.accounts.models import SettingChange
from nuanqi.enterprise import inspections as insp
from nuanqi.enterprise.models import Indicator, Inspection, InspectionStatus, Milestone, Project
from nuanqi.enterprise.records import create_project

pytestmark = pytest.mark.django_db

PAGES = ("/office/inspections/", "/office/indicators/", "/office/company-projects/")


def test_the_hub_links_the_programme_pages(world):
    page = world.client(world.dispatcher).get("/office/").content.decode()
    for path in PAGES:
        assert f'href="{path}"' in page, path


def test_the_office_plans_changes_and_cancels_an_inspection_with_audit_rows(world):
    client = world.client(world.dispatcher)
    soon = timezone.localdate() + timedelta(days=7)
    response = client.post(
        "/office/inspections/",
        {
            "company": world.huakang.pk,
            "unit": world.zhujian.pk,
            "planned_on": soon,
            "purpose": "施工安全检查",
        },
    )
    assert response.status_code == 302
    item = Inspection.objects.get(company=world.huakang, purpose="施工安全检查")
    created = SettingChange.objects.get(subject="inspection", object_id=item.pk, action="create")
    assert created.actor_id == world.dispatcher.pk and created.changes["unit"] == "区住建局"

    later = soon + timedelta(days=3)
    edit = f"/office/inspections/{item.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"unit": world.jingxin.pk, "planned_on": later, "purpose": "技改核查", "status": "planned"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.unit_id, item.planned_on, item.purpose) == (world.jingxin.pk, later, "技改核查")
    update = SettingChange.objects.get(subject="inspection", object_id=item.pk, action="update")
    assert update.changes["unit"] == ["区住建局", "区经信局"]
    assert update.changes["planned_on"] == [soon.isoformat(), later.isoformat()]

    assert client.post(edit, {"cancel": "1"}).status_code == 302
    item.refresh_from_db()
    assert item.status == InspectionStatus.CANCELLED
    last = SettingChange.objects.filter(subject="inspection", object_id=item.pk).first()
    assert last.changes["status"] == ["计划中", "已取消"]
    page = client.get(edit).content.decode()
    assert "已取消" in page and "技改核查" in page


def test_an_inspection_done_needs_its_day_and_nothing_is_written_otherwise(world):
    today = timezone.localdate()
    item = insp.plan_inspection(world.huakang, world.zhujian, today, "消防检查", actor=world.handler)
    client = world.client(world.dispatcher)
    edit = f"/office/inspections/{item.pk}/"
    before = SettingChange.objects.filter(subject="inspection").count()
    base = {"unit": world.zhujian.pk, "planned_on": today, "purpose": "消防检查"}
    no_day = client.post(edit, {**base, "status": "done"})
    assert no_day.status_code == 200
    body = no_day.content.decode()
    assert "已检查的须填写检查日期" in body and 'aria-invalid="true"' in body
    future = client.post(edit, {**base, "status": "done", "done_on": today + timedelta(days=1)})
    assert "检查日期不能晚于今天" in future.content.decode()
    blank = client.post("/office/inspections/", {"company": world.huakang.pk, "unit": world.zhujian.pk})
    assert blank.status_code == 200 and Inspection.objects.count() == 1
    item.refresh_from_db()
    assert item.status == InspectionStatus.PLANNED
    assert SettingChange.objects.filter(subject="inspection").count() == before
    done = client.post(edit, {**base, "status": "done", "done_on": today})
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.done_on) == (InspectionStatus.DONE, today)


def test_the_office_adds_and_corrects_a_figure_with_the_old_value_kept(world):
    client = world.client(world.dispatcher)
    figure = {
        "company": world.huakang.pk,
        "metric": "output",
        "period_kind": "year",
        "period_start": "2023-06-30",
        "value": "1200",
    }
    assert client.post("/office/indicators/", figure).status_code == 302
    row = Indicator.objects.get(company=world.huakang, metric="output")
    assert (row.period_start, row.period_end, row.value) == (date(2023, 1, 1), date(2023, 12, 31), 1200)
    assert SettingChange.objects.get(subject="indicator", action="create").changes == {"value": "1200 万元"}
    assert client.post("/office/indicators/", {**figure, "value": "1350.5"}).status_code == 302
    row.refresh_from_db()
    assert row.value == Decimal("1350.5") and Indicator.objects.count() == 1
    update = SettingChange.objects.get(subject="indicator", action="update")
    assert update.changes == {"value": ["1200 万元", "1350.50 万元"]} and update.object_id == row.pk
    assert "1350.50 万元" in client.get("/office/indicators/").content.decode()
    # The same figure again changes nothing and writes no audit row.
    client.post("/office/indicators/", {**figure, "value": "1350.50"})
    assert SettingChange.objects.filter(subject="indicator").count() == 2


def test_a_bad_figure_is_refused_on_the_form_and_nothing_is_written(world):
    client = world.client(world.dispatcher)
    base = {
        "company": world.huakang.pk,
        "metric": "output",
        "period_kind": "year",
        "period_start": "2023-01-01",
    }
    negative = client.post("/office/indicators/", {**base, "value": "-5"})
    assert negative.status_code == 200 and 'aria-invalid="true"' in negative.content.decode()
    wrong = client.post("/office/indicators/", {**base, "metric": "利润", "value": "5"})
    assert wrong.status_code == 200
    text = client.post("/office/indicators/", {**base, "value": "一千"})
    assert text.status_code == 200
    assert not Indicator.objects.exists() and not SettingChange.objects.filter(subject="indicator").exists()


def test_the_office_registers_a_project_and_records_its_milestones(world):
    client = world.client(world.dispatcher)
    response = client.post(
        "/office/company-projects/",
        {
            "company": world.huakang.pk,
            "name": "年产500吨原料药扩建",
            "investment": "8000",
            "capacity": "500吨/年",
            "planned_approval": "2023-03-01",
            "planned_start": "2023-06-01",
        },
    )
    project = Project.objects.get(name="年产500吨原料药扩建")
    assert response.status_code == 302 and response["Location"] == f"/office/company-projects/{project.pk}/"
    assert Milestone.objects.get(project=project, stage="start").planned_on == date(2023, 6, 1)
    created = SettingChange.objects.get(subject="company_project", action="create")
    assert created.changes["开工·计划"] == "2023-06-01" and created.changes["investment"] == "8000.00"

    edit = f"/office/company-projects/{project.pk}/"
    form = client.get(edit).content.decode()
    assert 'name="actual_start"' in form and "2023-06-01" in form
    response = client.post(
        edit,
        {
            "name": "年产500吨原料药扩建",
            "investment": "9000",
            "capacity": "500吨/年",
            "planned_approval": "2023-03-01",
            "actual_approval": "2023-03-05",
            "planned_start": "2023-07-01",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.investment == 9000
    approval = Milestone.objects.get(project=project, stage="approval")
    assert approval.actual_on == date(2023, 3, 5)
    update = SettingChange.objects.get(subject="company_project", action="update")
    assert update.changes["investment"] == ["8000.00", "9000.00"]
    assert update.changes["立项·实际"] == ["", "2023-03-05"]
    assert update.changes["开工·计划"] == ["2023-06-01", "2023-07-01"]
    assert "2023-03-05" in client.get(edit).content.decode()


def test_a_bad_project_is_refused_and_nothing_is_written(world):
    client = world.client(world.dispatcher)
    blank = client.post(
        "/office/company-projects/", {"company": world.huakang.pk, "name": "", "investment": "-1"}
    )
    assert blank.status_code == 200 and not Project.objects.exists()
    project = create_project(world.huakang, name="厂房", actor=world.admin)
    before = SettingChange.objects.filter(subject="company_project").count()
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = client.post(
        f"/office/company-projects/{project.pk}/",
        {"name": "厂房改名", "investment": "1", "actual_production": tomorrow},
    )
    assert future.status_code == 200
    assert "实际日期不能晚于今天" in future.content.decode()
    project.refresh_from_db()
    assert project.name == "厂房"
    assert not Milestone.objects.filter(project=project, actual_on__isnull=False).exists()
    assert SettingChange.objects.filter(subject="company_project").count() == before


@pytest.mark.parametrize("who", ["commissioner", "handler", "leader", "company", "outsider"])
def test_the_programme_pages_are_not_there_for_others(world, who):
    item = insp.plan_inspection(
        world.huakang, world.zhujian, date(2023, 5, 1), "消防检查", actor=world.handler
    )
    project = create_project(world.huakang, name="厂房", actor=world.admin)
    client = world.client(getattr(world, who))
    for path in (*PAGES, f"/office/inspections/{item.pk}/", f"/office/company-projects/{project.pk}/"):
        assert client.get(path).status_code == 404, path
    figure = {
        "company": world.huakang.pk,
        "metric": "tax",
        "period_kind": "year",
        "period_start": "2023-01-01",
    }
    assert client.post("/office/indicators/", {**figure, "value": "1"}).status_code == 404
    assert client.post(f"/office/inspections/{item.pk}/", {"cancel": "1"}).status_code == 404
    assert (
        client.post(f"/office/company-projects/{project.pk}/", {"name": "x", "investment": "1"}).status_code
        == 404
    )
    item.refresh_from_db()
    assert item.status == InspectionStatus.PLANNED and not Indicator.objects.exists()
    assert Project.objects.get(pk=project.pk).name == "厂房"


def test_the_writers_keep_the_rules_and_the_audit_row_for_every_caller(world):
    from nuanqi.cases.errors import Forbidden
    from nuanqi.enterprise.records import set_milestone

    item = insp.plan_inspection(
        world.huakang, world.zhujian, date(2023, 5, 1), "消防检查", actor=world.handler
    )
    assert SettingChange.objects.get(subject="inspection", object_id=item.pk).actor_id == world.handler.pk
    with pytest.raises(Forbidden):  # another unit's handler, or moving the plan to another unit
        insp.cancel_inspection(item, actor=world.handler2)
    with pytest.raises(Forbidden):
        insp.update_inspection(item, {"unit": world.jingxin}, actor=world.handler)
    item.refresh_from_db()
    assert item.status == InspectionStatus.PLANNED
    project = create_project(world.huakang, name="厂房", actor=world.commissioner)
    set_milestone(project, "立项", actor=world.commissioner, actual_on=date(2023, 4, 1))
    change = SettingChange.objects.get(subject="company_project", action="update")
    assert change.changes == {"立项·实际": ["", "2023-04-01"]} and change.actor_id == world.commissioner.pk
