"""Citizens send questions before a session through the engine's public intake; each joins the next public
session at 已提出 with a receipt, and nothing is filed when no session is collecting questions."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from nuanqi.cases.models import Case
from nuanqi.consult.models import Session


def test_a_citizen_asks_before_the_session_and_the_staff_find_it_raised(world, consult):
    upcoming = Session.objects.create(
        topic="优化营商环境",
        held_on=timezone.localdate() + timedelta(days=7),
        organiser=consult.cppcc,
        public=True,
    )
    r = Client().post(
        "/public/consult-questions/", {"question": "小区周边缺少健身场地\n希望增设", "contact_name": "张"}
    )
    assert r.status_code == 200 and "回执码" in r.content.decode()
    case = Case.objects.get(kind="consult")
    assert case.subject_id == upcoming.pk and case.status == "consult_raised" and case.channel == "online"
    assert case.title == "小区周边缺少健身场地" and case.requester_name == "市民 张"
    body = world.client(consult.staff).get(f"/consult/sessions/{upcoming.pk}/").content.decode()
    assert "小区周边缺少健身场地" in body


def test_no_question_is_filed_when_no_session_is_collecting(world, consult):
    r = Client().post("/public/consult-questions/", {"question": "有问题"})
    assert r.status_code == 422 and "目前没有正在征集意见的协商活动" in r.content.decode()
    r = Client().post(
        "/api/v1/public/consult-questions", {"question": "有问题"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "no_open_session"
    assert not Case.objects.filter(kind="consult").exists()
