"""The demo's commissioner in real Chromium: 我的清单, the certificate case at 6/15, one action."""

from __future__ import annotations

import re

import pytest

from nuanqi.cases.models import Case
from nuanqi.demo.seed_data import CERTIFICATE_TITLE
from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_commissioner_opens_his_list_and_the_certificate_case_and_completes_a_task(
    live_server, browser, shots
):
    demo_world()
    certificate = Case.objects.get(title=CERTIFICATE_TITLE)
    assert certificate.tasks.count() == 15

    page = browser.new_page(viewport={"width": 412, "height": 915}, device_scale_factor=1, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "commissioner")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "我的清单"
    assert page.locator("li.row").count() >= 3
    assert page.locator(".card-red, .card-yellow").count() >= 1
    page.screenshot(path=str(shots / "my_list.png"), full_page=True)

    page.click(f"a[href='/cases/{certificate.number}/']")
    page.wait_for_url(re.compile(rf".*/cases/{certificate.number}/$"))
    assert page.locator("#tasks .progress-text").inner_text() == "6/15"
    page.screenshot(path=str(shots / "certificate_case.png"), full_page=True)

    pending = page.locator("li.task.ts-pending, li.task.ts-signed").first
    pending.locator("input[name=note]").fill("已到窗口取得证明")
    pending.locator("button[value=done]").click()
    page.wait_for_load_state()
    assert page.locator("#tasks .progress-text").inner_text() == "7/15"
    assert "协办任务已更新" in page.locator(".msg").inner_text()
    page.screenshot(path=str(shots / "certificate_case_after.png"), full_page=True)
    certificate.refresh_from_db()
    assert certificate.tasks.filter(status="done").count() == 7
    assert certificate.events.order_by("-seq").first().action == "task_done"
    page.close()
