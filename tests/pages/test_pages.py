"""Server-rendered pages: 我的清单 ordering and marks, case detail actions, forms that refuse bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nuanqi.cases import services
from nuanqi.cases.models import Case

from ..cases.helpers import act, file_case
from ..conftest import PASSWORD


def test_the_login_page_logs_a_person_in_and_lands_on_my_list(world, client):
    r = client.get("/login/")
    assert r.status_code == 200 and "登录" in r.content.decode()
    r = client.post("/login/", {"username": "commissioner", "password": PASSWORD}, follow=True)
    assert "我的清单" in r.content.decode()
    r = client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_told_in_chinese(world, client):
    r = client.post("/login/", {"username": "commissioner", "password": "x"})
    assert "用户名或密码错误" in r.content.decode()


def test_my_list_orders_overdue_first_then_priority_then_nearest_deadline(world):
    now = timezone.now()
    p4_late = file_case(world.commissioner, world.huakang, title="P4超期")
    p1 = file_case(world.commissioner, world.huakang, title="P1", importance="major", urgency="urgent")
    p2_soon = file_case(world.commissioner, world.huakang, title="P2近", importance="major")
    p2_far = file_case(world.commissioner, world.huakang, title="P2远", importance="major")
    Case.objects.filter(pk=p4_late.pk).update(
        resolve_due=now - timedelta(days=1), warn_at=now - timedelta(days=2)
    )
    Case.objects.filter(pk=p2_soon.pk).update(
        resolve_due=now + timedelta(hours=3), warn_at=now - timedelta(hours=1)
    )
    Case.objects.filter(pk=p2_far.pk).update(
        resolve_due=now + timedelta(days=20), warn_at=now + timedelta(days=19)
    )
    Case.objects.filter(pk=p1.pk).update(
        resolve_due=now + timedelta(days=30), warn_at=now + timedelta(days=29)
    )
    html = world.client(world.commissioner).get("/").content.decode()
    order = [html.index(t) for t in ("P4超期", ">P1<", "P2近", "P2远")]
    assert order == sorted(order)
    assert "红牌" in html and "黄牌" in html
    assert "红牌 1 项、黄牌 1 项" in html


def test_my_list_stays_within_its_query_budget(world, django_assert_max_num_queries):
    client = world.client(world.commissioner)
    for i in range(3):
        file_case(world.commissioner, world.huakang, title=f"事项{i}")
    client.get("/")
    with django_assert_max_num_queries(12) as small:
        client.get("/")
    for i in range(20):
        c = file_case(world.commissioner, world.huakang, title=f"更多{i}")
        services.add_task(c, actor=world.dispatcher, unit=world.jingxin.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/")


def test_the_case_page_shows_progress_and_only_the_actions_this_user_may_take(world):
    case = file_case(world.commissioner, world.huakang, title="开具合规证明")
    act(case, "accept", world.dispatcher)
    tasks = [
        services.add_task(case, actor=world.dispatcher, unit=u)
        for u in (world.zhujian.pk, world.jingxin.pk, world.outside.pk)
    ]
    services.task_action(case, tasks[0].pk, "done", actor=world.commissioner)
    html = world.client(world.commissioner).get(f"/cases/{case.number}/").content.decode()
    assert "1/3" in html and "区外" in html
    assert "派单" not in html.split('id="actions"')[1] if 'id="actions"' in html else True
    office = world.client(world.dispatcher).get(f"/cases/{case.number}/").content.decode()
    assert "派单" in office and "不予受理" in office
    assert "受理" in office and "时间线" in office


def test_posting_an_action_from_the_page_moves_the_case(world):
    case = file_case(world.commissioner, world.huakang)
    client = world.client(world.dispatcher)
    r = client.post(f"/cases/{case.number}/act/", {"action": "accept", "version": 1}, follow=True)
    assert "已受理" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "accepted"
    r = client.post(f"/cases/{case.number}/act/", {"action": "accept", "version": 1}, follow=True)
    assert "已被他人更新" in r.content.decode()


def test_the_page_refuses_get_on_an_action_url(world):
    case = file_case(world.commissioner, world.huakang)
    assert world.client(world.dispatcher).get(f"/cases/{case.number}/act/").status_code == 405


def test_the_new_case_form_files_a_case_and_refuses_a_missing_title(world):
    client = world.client(world.commissioner)
    assert client.get("/cases/new/").status_code == 200
    r = client.post(
        "/cases/new/",
        {
            "company": world.huakang.pk,
            "title": "",
            "nature": "help",
            "channel": "volunteered",
            "importance": "major",
            "urgency": "normal",
        },
    )
    assert r.status_code == 200 and Case.objects.count() == 0
    r = client.post(
        "/cases/new/",
        {
            "company": world.huakang.pk,
            "title": "申请施工许可",
            "category": world.certificate.pk,
            "nature": "help",
            "channel": "volunteered",
            "importance": "major",
            "urgency": "normal",
        },
    )
    assert r.status_code == 302
    assert Case.objects.get().title == "申请施工许可"


def test_the_company_page_groups_its_list_by_category(world):
    file_case(world.commissioner, world.huakang, title="开具合规证明", category=world.certificate.pk)
    html = world.client(world.commissioner).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "政府审批" in html and "开具合规证明" in html and "专员丙" in html


def test_the_work_log_page_records_an_entry(world):
    client = world.client(world.commissioner)
    r = client.post(
        "/worklog/",
        {
            "date": timezone.localdate().isoformat(),
            "time": "09:30",
            "unit": world.zhujian.pk,
            "note": "跑合规证明",
        },
        follow=True,
    )
    assert "已记入工作笔记" in r.content.decode() and "跑合规证明" in r.content.decode()
    r = client.post("/worklog/", {"date": "2099-01-01", "note": "未来"})
    assert "将来" in r.content.decode()


@pytest.mark.parametrize("lang,word", [("en", "My list"), ("zh-hans", "我的清单")])
def test_the_interface_speaks_chinese_first_and_english_on_request(world, lang, word):
    client = world.client(world.commissioner)
    client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    assert word in client.get("/").content.decode()


def test_admins_are_warned_when_next_years_calendar_is_not_published(world, settings):
    from unittest import mock

    with mock.patch(
        "nuanqi.calendars.services.timezone.localdate", return_value=timezone.datetime(2026, 11, 25).date()
    ):
        html = world.client(world.admin).get("/").content.decode()
    assert "2027 年的节假日与调休安排尚未发布" in html


def test_an_english_browser_still_gets_chinese_until_the_person_chooses(world):
    client = world.client(world.commissioner)
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "我的清单" in html and 'lang="zh-hans"' in html
