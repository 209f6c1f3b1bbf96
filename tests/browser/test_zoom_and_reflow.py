"""The pages people read most, on a phone (390 px), at 200 % zoom (a 1280 px window zoomed: 640 CSS px at
twice the pixels) and at 320 px (WCAG 1.4.10 reflow): nothing needs sideways scrolling. Screenshots for a
person to look at go to the screenshots folder."""

from __future__ import annotations

import pytest

from nuanqi.cases.models import Case
from nuanqi.demo.seed_data import CERTIFICATE_TITLE
from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.single_database, pytest.mark.django_db(transaction=True)]

SIZES = {
    "390": ({"width": 390, "height": 844}, 1),
    "zoom200": ({"width": 640, "height": 450}, 2),
    "320": ({"width": 320, "height": 640}, 1),
}


@pytest.fixture
def demo(db):
    demo_world()


def test_the_case_list_a_case_the_dashboard_and_the_briefing_reflow_on_a_phone_and_at_200_percent(
    demo, live_server, browser, shots
):
    certificate = Case.objects.get(title=CERTIFICATE_TITLE)
    pages = {
        "case_list": "/cases/",
        "case": f"/cases/{certificate.number}/",
        "dashboard": "/dashboard/",
        "briefing": "/briefing/",
    }
    wide: list[str] = []
    for size, (viewport, scale) in SIZES.items():
        context = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{live_server.url}/")
        for name, path in pages.items():
            page.goto(live_server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                wide.append(f"{path} at {size}: {width} px wide in a {viewport['width']} px window")
            if size != "320":  # the first screen, as read, and the whole page
                page.screenshot(path=str(shots / f"{name}_{size}.png"))
                page.screenshot(path=str(shots / f"{name}_{size}_full.png"), full_page=True)
        if size == "390":  # the co-handling units' note box and its label, and the action forms
            page.goto(f"{live_server.url}/cases/{certificate.number}/#tasks")
            page.screenshot(path=str(shots / "case_tasks_390.png"))
        context.close()
    assert not wide, "\n".join(wide)
