"""The forms fitted to the person and the step, in real Chromium at phone (390 px) and desktop (1366 px)
size, with screenshots: the company contact's new request, the dispatch step with co-handling units, and a
case after 重办 with its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nuanqi.cases.models import Task
from tests.cases.helpers import act, dispatched_to, file_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def _page(browser: Any, live_server: Any, username: str, size: str) -> Any:
    page = browser.new_page(viewport=SIZES[size], device_scale_factor=1, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


@pytest.mark.parametrize("size", SIZES)
def test_the_company_contacts_new_request_form(browser, live_server, world, shots: Path, size: str):
    page = _page(browser, live_server, "company", size)
    page.goto(f"{live_server.url}/cases/new/")
    assert world.huakang.name in page.locator(".fixed-field").inner_text()
    for name in ("company", "channel", "lead_unit", "importance", "urgency"):
        assert page.locator(f"select[name={name}]").count() == 0
    _fits(page)
    page.screenshot(path=str(shots / f"fitted_1_company_new_request_{size}.png"), full_page=True)
    page.fill("input[name=title]", "申请人才公寓10套")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/cases/QY*/")
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_dispatch_step_with_co_handling_units(browser, live_server, world, shots: Path, size: str):
    case = act(file_case(world.company, world.huakang), "accept", world.dispatcher)
    page = _page(browser, live_server, "dispatcher", size)
    page.goto(f"{live_server.url}/cases/{case.number}/#actions")
    page.locator("details.action summary", has_text="派单").click()
    form = page.locator("details.action[open] form")
    assert form.locator("select[name=lead_unit] option:checked").inner_text().startswith("——请选择")
    form.locator("select[name=lead_unit]").select_option(str(world.zhujian.pk))
    form.locator("select[name=owner]").select_option(str(world.handler.pk))
    form.locator("select[name=cohandlers]").select_option([str(world.jingxin.pk), str(world.outside.pk)])
    _fits(page)
    page.locator("details.action[open]").screenshot(path=str(shots / f"fitted_2_dispatch_step_{size}.png"))
    form.locator("button").last.click()
    page.wait_for_url(f"{live_server.url}/cases/{case.number}/")
    assert set(Task.objects.filter(case=case).values_list("unit_id", flat=True)) == {
        world.jingxin.pk,
        world.outside.pk,
    }
    assert "2 家单位中已完成 0 家" in page.locator("#tasks").inner_text()
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_redone_case_page(browser, live_server, world, shots: Path, size: str):
    case = dispatched_to(file_case(world.company, world.huakang, "开具合规证明"), world)
    act(case, "resolve", world.handler, result="已协调出具合规证明")
    act(case, "rate", world.company, satisfaction="unsatisfied", comment="证明抬头有误，需重开")
    page = _page(browser, live_server, "dispatcher", size)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    assert "重办 1 次" in page.locator(".badges").inner_text()
    assert "已协调出具合规证明" not in page.locator("dl.facts").inner_text()
    page.locator("#history summary").click()
    assert "证明抬头有误" in page.locator("#history").inner_text()
    _fits(page)
    page.screenshot(path=str(shots / f"fitted_3_redone_case_{size}.png"), full_page=True)
    page.close()
