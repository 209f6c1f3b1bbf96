"""无事不扰: a department is warned when the company was inspected within the window, several units
planning within 14 days are proposed one joint visit (综合查一次), and counts per year are kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from nuanqi.cases.errors import Forbidden
from nuanqi.enterprise import inspections as insp
from nuanqi.enterprise.models import Inspection, InspectionStatus

pytestmark = pytest.mark.django_db

D = date(2023, 4, 1)


def test_a_department_is_warned_when_the_company_was_inspected_within_30_days(world):
    first = insp.plan_inspection(world.huakang, world.zhujian, D, "施工安全检查", actor=world.handler)
    assert first.warning == ""
    second = insp.plan_inspection(
        world.huakang, world.jingxin, D + timedelta(days=29), "技改核查", actor=world.handler2
    )
    assert "30 天内" in second.warning and "2023-04-01" in second.warning and "区住建局" in second.warning
    third = insp.plan_inspection(
        world.changhong, world.jingxin, D + timedelta(days=29), "技改核查", actor=world.handler2
    )
    assert third.warning == ""


def test_beyond_the_window_there_is_no_warning_and_the_window_is_configurable(world, settings):
    insp.plan_inspection(world.huakang, world.zhujian, D, "施工安全检查", actor=world.handler)
    later = insp.plan_inspection(
        world.huakang, world.jingxin, D + timedelta(days=31), "技改核查", actor=world.handler2
    )
    assert later.warning == ""
    settings.NUANQI_INSPECTION_WINDOW_DAYS = 60
    assert insp.warning_for(world.huakang, D + timedelta(days=45))


def test_a_cancelled_inspection_does_not_count(world):
    i = insp.plan_inspection(world.huakang, world.zhujian, D, "施工安全检查", actor=world.handler)
    Inspection.objects.filter(pk=i.pk).update(status=InspectionStatus.CANCELLED)
    assert insp.warning_for(world.huakang, D + timedelta(days=3)) == ""


def test_two_units_within_14_days_are_proposed_one_joint_visit_and_can_merge(world):
    a = insp.plan_inspection(world.huakang, world.zhujian, D, "施工安全检查", actor=world.handler)
    b = insp.plan_inspection(
        world.huakang, world.jingxin, D + timedelta(days=14), "技改核查", actor=world.handler2
    )
    insp.plan_inspection(world.huakang, world.jingxin, D + timedelta(days=40), "复查", actor=world.handler2)
    proposals = insp.joint_proposals()
    assert len(proposals) == 1
    assert {i.pk for i in proposals[0].inspections} == {a.pk, b.pk}
    assert proposals[0].units == ["区住建局", "区经信局"]
    label = insp.merge_joint_visit([a.pk, b.pk], D + timedelta(days=7), actor=world.commissioner)
    assert label == "综合查一次-2023-04-08"
    assert set(Inspection.objects.filter(joint_visit=label).values_list("planned_on", flat=True)) == {
        D + timedelta(days=7)
    }
    assert insp.joint_proposals() == []


def test_the_same_unit_twice_is_not_a_joint_visit(world):
    insp.plan_inspection(world.huakang, world.zhujian, D, "甲", actor=world.handler)
    insp.plan_inspection(world.huakang, world.zhujian, D + timedelta(days=3), "乙", actor=world.handler)
    assert insp.joint_proposals() == []


def test_a_handler_plans_only_for_his_own_unit(world):
    with pytest.raises(Forbidden):
        insp.plan_inspection(world.huakang, world.jingxin, D, "检查", actor=world.handler)
    with pytest.raises(Forbidden):
        insp.plan_inspection(world.huakang, world.zhujian, D, "检查", actor=world.commissioner)
    assert Inspection.objects.count() == 0


def test_counts_per_year(world):
    for d in (date(2022, 3, 1), date(2022, 9, 1), date(2023, 2, 1)):
        insp.plan_inspection(world.huakang, world.zhujian, d, "检查", actor=world.handler)
    assert insp.counts_by_year(world.huakang) == [(2022, 2), (2023, 1)]


def test_a_department_plans_through_the_page_and_sees_the_warning(world):
    client = world.client(world.handler)
    insp.plan_inspection(world.huakang, world.jingxin, D, "技改核查", actor=world.handler2)
    r = client.post(
        "/inspections/",
        {"company": world.huakang.name, "planned_on": "2023-04-10", "purpose": "施工安全检查"},
        follow=True,
    )
    assert r.status_code == 200
    assert "无事不扰提醒" in r.content.decode()
    assert Inspection.objects.filter(unit=world.zhujian).count() == 1


def test_the_api_plans_and_reports_the_warning(world):
    insp.plan_inspection(world.huakang, world.jingxin, D, "技改核查", actor=world.handler2)
    r = world.client(world.handler).post(
        "/api/v1/inspections",
        {"company": world.huakang.uscc, "planned_on": "2023-04-10", "purpose": "施工安全检查"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert "无事不扰提醒" in r.json()["warning"]
    r = world.client(world.commissioner).get(f"/api/v1/companies/{world.huakang.pk}/inspections")
    assert r.status_code == 200 and len(r.json()["joint_proposals"]) == 1
    assert (
        world.client(world.outsider).get(f"/api/v1/companies/{world.huakang.pk}/inspections").status_code
        == 404
    )
