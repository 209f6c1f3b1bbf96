"""A project owner posts a progress report with a photo on a phone (390×844) in real Chromium, and the
programme page, yellow before, turns green: the roll-up follows the report."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from nuanqi.projects.models import Programme, Project, ProjectKind, ProjectStatus

from ..conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_reports_progress_with_a_photo_and_the_programme_turns_green(
    world, live_server, browser, shots, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    programme = Programme.objects.create(name="东海百里文廊")
    section = Project.objects.create(
        name="东海百里文廊马岙段", kind=ProjectKind.SECTION, programme=programme, theme="千年马岙",
        owner_unit=world.town, town=world.town,
    )  # fmt: skip
    # Half of the plan's working days are behind it (a year's plan, six months in); nothing much reported.
    site = Project.objects.create(
        name="南风知否", kind=ProjectKind.SITE, programme=programme, parent=section, owner_unit=world.zhujian,
        town=world.town, investment_planned=Decimal(1800), start=today - timedelta(days=182),
        planned_end=today + timedelta(days=182), status=ProjectStatus.ACTIVE, percent=Decimal(10),
    )  # fmt: skip
    picture = tmp_path / "南风知否.jpg"
    Image.new("RGB", (800, 600), "#3a7d44").save(picture, "JPEG")

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "handler")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/programmes/{programme.pk}/")
    before = page.locator("#programme-light")
    assert before.inner_text() == "红灯"
    red = before.evaluate("e => getComputedStyle(e).backgroundColor")
    page.screenshot(path=str(shots / "programme-before-390.png"), full_page=True)

    page.get_by_role("link", name="南风知否").click()
    page.wait_for_url(re.compile(rf".*/projects/{site.pk}/$"))
    page.get_by_label("形象进度（%）").fill("48")
    page.get_by_label("进展情况").fill("景观步道铺装完成，观景平台主体完工")
    page.get_by_label("现场照片").set_input_files(str(picture))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "project-report-390.png"), full_page=True)
    page.get_by_role("button", name="提交进度").click()
    page.wait_for_url(re.compile(rf".*/projects/{site.pk}/$"))
    assert page.locator("img[alt^='现场照片']").count() == 1
    assert "48.0%" in page.locator(".rows").inner_text()

    page.get_by_role("link", name="东海百里文廊").first.click()
    page.wait_for_url(re.compile(rf".*/programmes/{programme.pk}/$"))
    after = page.locator("#programme-light")
    assert after.inner_text() == "正常"
    assert after.evaluate("e => getComputedStyle(e).backgroundColor") != red
    page.screenshot(path=str(shots / "programme-after-390.png"), full_page=True)
    context.close()
