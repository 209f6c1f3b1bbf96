"""The company's work list (5 大类 → 小项, two channels, 按主次缓急), the company's own request, the
commissioner's 跑腿 view planned into a work-log day, and handover."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from nuanqi.cases.errors import Forbidden
from nuanqi.cases.models import Case, Category, Kind
from nuanqi.cases.services import add_task, task_action
from nuanqi.cases.visibility import my_worklist
from nuanqi.enterprise.models import Commissioner, WorkLogEntry
from nuanqi.enterprise.services import assign
from nuanqi.enterprise.worklist import company_worklist, errands, plan_errands
from tests.cases.helpers import act, dispatched_to, file_case

pytestmark = pytest.mark.django_db


def test_the_list_groups_by_category_counts_channels_and_orders_by_priority_then_deadline(world):
    land = Category.objects.create(
        kind=Kind.REQUEST, name="用地", parent=Category.objects.get(name="要素保障")
    )
    minor = file_case(
        world.commissioner, world.huakang, "一般事项", category=world.certificate, channel="主动请缨"
    )
    # The company files; the office triages (分级定级) her requests.
    urgent = act(
        file_case(world.company, world.huakang, "重要紧急", category=world.certificate),
        "triage",
        world.dispatcher,
        importance="major",
        urgency="urgent",
    )
    major = act(
        file_case(world.company, world.huakang, "重要", category=world.certificate),
        "triage",
        world.dispatcher,
        importance="major",
        urgency="normal",
    )
    file_case(world.commissioner, world.huakang, "用地指标", category=land, channel="主动请缨")
    closed = act(
        file_case(world.company, world.huakang, "已退", category=world.certificate),
        "triage",
        world.dispatcher,
        importance="major",
        urgency="urgent",
    )
    act(closed, "reject", world.dispatcher, reason="不属于受理范围")
    wl = company_worklist(world.commissioner, world.huakang)
    assert [g.name for g in wl.groups] == ["要素保障", "政府审批"]
    approval = wl.groups[1]
    assert [leaf.name for leaf in approval.leaves] == ["合规证明"]
    assert [r["case"].title for r in approval.leaves[0].rows] == ["重要紧急", "重要", "一般事项", "已退"]
    assert dict(wl.channels) == {"企业求助": 3, "主动请缨": 2}
    assert approval.channels == {"企业求助": 3, "主动请缨": 1}
    assert (wl.total, wl.open) == (5, 4)
    assert {urgent.priority, major.priority, minor.priority} == {1, 2, 4}
    body = world.client(world.commissioner).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "企业求助 <strong>3</strong>" in body and "主动请缨 <strong>2</strong>" in body
    r = world.client(world.commissioner).get(f"/api/v1/companies/{world.huakang.pk}/worklist")
    assert r.json()["channels"] == {"企业求助": 3, "主动请缨": 2}
    assert [i["title"] for i in r.json()["groups"][1]["items"]][:2] == ["重要紧急", "重要"]


def test_the_company_files_a_request_through_its_own_login_and_follows_it(world):
    client = world.client(world.company)
    page = client.get("/cases/new/")
    assert page.status_code == 200
    r = client.post(
        "/cases/new/",
        {
            "company": str(world.huakang.pk),
            "title": "申请研发费用补助",
            "description": "2022年度研发投入增长",
            "category": str(world.certificate.pk),
            "nature": "help",
            "channel": "company_request",
            "importance": "minor",
            "urgency": "normal",
            "lead_unit": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get(title="申请研发费用补助")
    assert case.channel == "company_request" and case.subject_id == world.huakang.pk
    assert client.get(f"/cases/{case.number}/").status_code == 200
    assert "申请研发费用补助" in client.get(f"/companies/{world.huakang.pk}/").content.decode()
    # The commissioner sees it on his list; the other company's contact and commissioner do not.
    assert my_worklist(world.commissioner).filter(pk=case.pk).exists()
    assert world.client(world.commissioner2).get(f"/cases/{case.number}/").status_code == 404


def certificate_case(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang, "开具合规证明"), world)
    done = add_task(case, actor=world.handler, unit=world.jingxin, note="经信证明")
    task_action(case, done.pk, "sign", actor=world.commissioner)
    task_action(case, done.pk, "done", actor=world.commissioner, note="已开具")
    add_task(case, actor=world.handler, unit=world.town, note="镇街证明")
    add_task(case, actor=world.handler, unit=world.outside, note="市级证明")
    return Case.objects.get(pk=case.pk)


def test_the_errand_view_lists_units_still_to_visit_inside_and_outside_the_district(world):
    case = certificate_case(world)
    e = errands(world.commissioner, case)
    assert (e.done, e.total) == (1, 3)
    assert [t.unit.name for t in e.inside] == ["白泉镇"]
    assert [t.unit.name for t in e.outside] == ["舟山市市场监督管理局"]
    body = world.client(world.commissioner).get(f"/errands/{case.number}/").content.decode()
    assert "区外" in body and "舟山市市场监督管理局" in body


def test_the_commissioner_plans_the_errands_into_a_work_log_day(world):
    case = certificate_case(world)
    e = errands(world.commissioner, case)
    day = timezone.localdate() + timedelta(days=2)
    rows = plan_errands(world.commissioner, case, [e.outside[0].pk, e.inside[0].pk], day)
    assert [r.unit.name for r in rows] == ["白泉镇", "舟山市市场监督管理局"]  # district first
    assert all(r.planned and r.date == day and r.case == case for r in rows)
    assert rows[1].time > rows[0].time
    r = world.client(world.commissioner).get("/worklog/")
    assert "计划" in r.content.decode()
    with pytest.raises(Forbidden):
        plan_errands(world.commissioner2, case, [e.inside[0].pk], day)
    r = world.client(world.commissioner).post(
        f"/api/v1/errands/{case.number}/plan",
        {"date": day.isoformat(), "tasks": [e.inside[0].pk]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["planned"] == 1
    assert world.client(world.outsider).get(f"/api/v1/errands/{case.number}").status_code == 404
    assert WorkLogEntry.objects.filter(planned=True).count() == 3


def test_handover_passes_open_items_to_the_successor_and_keeps_history(world):
    case = file_case(world.company, world.huakang, "施工许可")
    c2 = Commissioner.objects.get(user=world.commissioner2)
    assign(c2, world.huakang, on=date(2023, 3, 1), actor=world.admin, note="交接")
    assert my_worklist(world.commissioner2).filter(pk=case.pk).exists()
    assert not my_worklist(world.commissioner).filter(pk=case.pk).exists()
    history = world.huakang.assignments.order_by("started_on")
    assert [(a.commissioner.user.username, a.ended_on) for a in history] == [
        ("commissioner", date(2023, 3, 1)),
        ("commissioner2", None),
    ]
    body = world.client(world.admin).get("/programme/").content.decode()
    assert "第三批" in body and world.huakang.name in body


def test_planning_an_errand_already_in_the_work_log_is_warned_of(world):
    case = certificate_case(world)
    e = errands(world.commissioner, case)
    day = timezone.localdate() + timedelta(days=2)
    client = world.client(world.commissioner)
    first = client.post(
        f"/errands/{case.number}/", {"day": day.isoformat(), "task": [e.inside[0].pk]}, follow=True
    )
    assert "此前已排入工作笔记" not in first.content.decode()
    page = client.get(f"/errands/{case.number}/").content.decode()
    assert f"已排入工作笔记：{day:%m-%d}" in page
    again = client.post(
        f"/errands/{case.number}/", {"day": day.isoformat(), "task": [e.inside[0].pk]}, follow=True
    )
    assert f"此前已排入工作笔记，请勿重复跑腿：白泉镇（已排 {day:%m-%d}）" in again.content.decode()
    assert WorkLogEntry.objects.filter(planned=True, task=e.inside[0]).count() == 2
