"""Our own error pages, in the house style and the user's language; no 500 where a page is simply not there;
the navigation reaches the pages a role may use."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from nuanqi import errorpages
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.services import NewCase, create_case

pytestmark = pytest.mark.django_db


def test_an_unknown_page_answers_our_404_in_chinese(world):
    response = world.client(world.handler).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "回到我的清单" in body
    assert "Not Found" not in body


def test_the_404_follows_the_language_of_the_session(world):
    client = world.client(world.handler)
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert 'lang="en"' in response.content.decode()


def test_a_logged_out_visitor_gets_the_404_with_a_way_to_log_in():
    response = Client().get("/tips/notice/999999/")
    assert response.status_code == 404
    assert "/login/" in response.content.decode()


def test_the_400_403_and_500_pages_are_ours():
    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "请求有误" in errorpages.bad_request(request, Exception()).content.decode()
    assert "无法完成该操作" in errorpages.permission_denied(request, Exception()).content.decode()
    page = errorpages.server_error(request)
    assert page.status_code == 500 and "服务器内部错误" in page.content.decode()


def test_an_errand_page_of_an_unknown_case_is_404_not_500(world):
    assert world.client(world.commissioner).get("/errands/QY2099-999999/").status_code == 404


def test_an_errand_page_of_a_case_the_commissioner_may_not_see_is_404(world):
    case = create_case(
        NewCase(title="长宏用电", subject=resolve_subject("company", world.admin, world.changhong.pk)),
        actor=world.admin,
    )
    assert world.client(world.commissioner).get(f"/errands/{case.number}/").status_code == 404
    assert world.client(world.commissioner2).get(f"/errands/{case.number}/").status_code == 200


def test_the_admin_is_branded_and_linked_for_admins_only(world):
    admin = world.client(world.admin)
    assert "暖企管理后台" in admin.get("/admin/").content.decode()
    assert 'href="/admin/"' in admin.get("/").content.decode()
    assert 'href="/admin/"' not in world.client(world.dispatcher).get("/").content.decode()


def test_the_navigation_reaches_the_week_the_task_form_and_the_api_docs(world):
    commissioner = world.client(world.commissioner).get("/").content.decode()
    assert 'href="/dashboard/week/"' in commissioner and 'href="/api/v1/docs"' in commissioner
    handler = world.client(world.handler).get("/").content.decode()
    assert 'href="/tasks/new/"' in handler and 'href="/dashboard/week/"' not in handler
    company = world.client(world.company).get("/").content.decode()
    assert 'href="/api/v1/docs"' not in company and 'href="/tasks/new/"' not in company
    assert 'href="/cases/new/"' in company
