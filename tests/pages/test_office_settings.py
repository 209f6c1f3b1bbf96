"""The office maintains categories and time limits on its own pages (no /admin/ needed): each change goes
through the writer (cases.catalogue) and leaves a SettingChange row; anyone else gets 404."""

from __future__ import annotations

import pytest

from nuanqi.accounts.models import SettingChange
from nuanqi.cases.models import Category, SlaPolicy

pytestmark = pytest.mark.django_db


def test_the_office_adds_a_category_and_the_change_is_recorded(world):
    client = world.client(world.dispatcher)
    assert "基础数据" in client.get("/").content.decode()
    assert client.get("/office/").status_code == 200
    response = client.post(
        "/office/categories/",
        {
            "kind": "request",
            "name": "用地",
            "parent": Category.objects.get(name="要素保障").pk,
            "sort": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    land = Category.objects.get(name="用地")
    change = SettingChange.objects.get(subject="category", object_id=land.pk)
    assert (change.action, change.actor_id, change.changes["name"]) == ("create", world.dispatcher.pk, "用地")
    assert "用地" in client.get("/office/categories/").content.decode()


def test_a_renamed_category_records_old_and_new_and_an_unchanged_save_records_nothing(world):
    client = world.client(world.admin)
    data = {"kind": "request", "name": "合规证明开具", "parent": world.approval.pk, "sort": 0, "active": "on"}
    client.post(f"/office/categories/{world.certificate.pk}/", data)
    client.post(f"/office/categories/{world.certificate.pk}/", data)
    changes = list(SettingChange.objects.filter(subject="category", object_id=world.certificate.pk))
    assert len(changes) == 1 and changes[0].changes["name"] == ["合规证明", "合规证明开具"]
    page = client.get(f"/office/categories/{world.certificate.pk}/").content.decode()
    assert "合规证明 → 合规证明开具" in page


def test_a_third_level_and_a_duplicate_are_refused_on_the_form(world):
    from nuanqi.cases.catalogue import save_category
    from nuanqi.cases.errors import Invalid

    with pytest.raises(Invalid):
        save_category(world.admin, {"kind": "request", "name": "证明乙", "parent": world.certificate})
    client = world.client(world.admin)
    third = client.post(
        "/office/categories/",
        {"kind": "request", "name": "证明甲", "parent": world.certificate.pk, "sort": 0},
    )
    # A 小项 is not offered as a parent: the form refuses it before the writer runs.
    assert third.status_code == 200 and not Category.objects.filter(name="证明甲").exists()
    twice = client.post("/office/categories/", {"kind": "request", "name": "政府审批", "sort": 0})
    assert twice.status_code == 200 and not SettingChange.objects.filter(subject="category").exists()


def test_the_office_sets_a_time_limit_that_new_cases_follow(world):
    client = world.client(world.dispatcher)
    response = client.post(
        "/office/sla/",
        {
            "kind": "request",
            "nature": "consult",
            "sign_hours": "1.5",
            "contact_hours": "3",
            "resolve_days": 2,
            "count_from": "next_day",
            "clock": "working",
            "note": "本区规定：咨询类 2 个工作日",
        },
    )
    assert response.status_code == 302
    rule = SlaPolicy.objects.get(nature="consult")
    assert rule.resolve_days == 2
    client.post(
        f"/office/sla/{rule.pk}/",
        {
            "kind": "request",
            "nature": "consult",
            "sign_hours": "1.5",
            "contact_hours": "3",
            "resolve_days": 3,
            "count_from": "next_day",
            "clock": "working",
            "note": "本区规定：咨询类 3 个工作日",
        },
    )
    history = list(SettingChange.objects.filter(subject="sla_policy", object_id=rule.pk).order_by("at", "id"))
    assert [c.action for c in history] == ["create", "update"]
    assert history[1].changes["resolve_days"] == [2, 3]


def test_a_calendar_clock_needs_its_hours(world):
    response = world.client(world.admin).post(
        "/office/sla/",
        {
            "kind": "request",
            "priority": 1,
            "sign_hours": "1",
            "contact_hours": "1",
            "resolve_days": 1,
            "count_from": "receipt",
            "clock": "calendar",
        },
    )
    assert response.status_code == 200 and "自然小时" in response.content.decode()
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize("who", ["commissioner", "handler", "leader", "company", "outsider"])
def test_the_settings_pages_are_not_there_for_others(world, who):
    client = world.client(getattr(world, who))
    for path in (
        "/office/",
        "/office/categories/",
        f"/office/categories/{world.approval.pk}/",
        "/office/sla/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/office/categories/", {"kind": "request", "name": "x", "sort": 0}).status_code == 404
    assert not Category.objects.filter(name="x").exists()


def test_the_office_hands_a_company_over_to_another_commissioner_with_an_audit_row(world):
    from nuanqi.enterprise.models import Assignment, Commissioner

    client = world.client(world.dispatcher)
    successor = Commissioner.objects.get(user=world.commissioner2)
    response = client.post(
        "/office/assignments/",
        {"company": world.huakang.pk, "commissioner": successor.pk, "on": "2023-06-01", "note": "交接"},
    )
    assert response.status_code == 302
    current = Assignment.objects.get(company=world.huakang, ended_on__isnull=True)
    assert current.commissioner_id == successor.pk
    change = SettingChange.objects.get(subject="assignment", object_id=current.pk)
    assert change.changes["predecessor"] == str(world.commissioner) and change.actor_id == world.dispatcher.pk
    page = client.get("/office/assignments/").content.decode()
    assert "交接" in page and world.huakang.name in page
    assert world.client(world.commissioner).get("/office/assignments/").status_code == 404


def test_the_office_registers_a_policy_on_its_page_with_an_audit_row(world):
    from nuanqi.enterprise.models import Policy

    client = world.client(world.dispatcher)
    response = client.post(
        "/policies/new/",
        {
            "title": "定海区技改补助办法",
            "level": "district",
            "doc_number": "定政发〔2023〕5号",
            "max_amount": "50",
            "scales": ["small", "medium"],
            "towns": "白泉镇",
            "tags": "",
        },
    )
    policy = Policy.objects.get(title="定海区技改补助办法")
    assert response.status_code == 302 and response["Location"] == f"/policies/{policy.pk}/"
    assert (policy.scales, policy.towns) == (["small", "medium"], ["白泉镇"])
    change = SettingChange.objects.get(subject="policy", object_id=policy.pk)
    assert change.changes["doc_number"] == "定政发〔2023〕5号"
    wrong = client.post("/policies/new/", {"title": "外区政策", "level": "district", "towns": "不存在镇"})
    assert wrong.status_code == 200 and "不是本区的镇" in wrong.content.decode()
    assert world.client(world.commissioner).get("/policies/new/").status_code == 404
