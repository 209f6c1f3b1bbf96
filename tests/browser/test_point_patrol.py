"""A point leader patrols 卫海社区 on a phone (390×844) in real Chromium: two failures with photos become two
problems; after the unit's rectification one passes 复查 and the other goes back to 整改中."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from nuanqi.cases import services
from nuanqi.cases.models import Case

from ..cases.helpers import act
from ..conftest import PASSWORD
from ..patrol.conftest import Patrols, make_patrols, photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def patrols(world) -> Patrols:
    return make_patrols(world)


def test_a_point_leader_patrols_on_a_phone_and_rechecks_the_rectified_problems(
    world, patrols, live_server, browser, shots, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    pictures = []
    for name, colour in (("箱门.jpg", "#666"), ("绿化带.jpg", "#8a6d3b")):
        Image.new("RGB", (640, 480), colour).save(tmp_path / name, "JPEG")
        pictures.append(str(tmp_path / name))

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "pointleader")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.goto(f"{live_server.url}/patrol/")
    page.get_by_role("link", name=re.compile("卫海社区")).click()
    page.wait_for_url(re.compile(r".*/patrol/points/\d+/$"))

    for item, note, picture in (
        (patrols.door, "3 号楼网络通信箱箱门缺失", pictures[0]),
        (patrols.verge, "东侧绿化带裸露约 20 平方米", pictures[1]),
    ):
        card = page.locator(f"#item-{item.pk}")
        card.get_by_label("不合格", exact=True).check()
        card.get_by_label("问题说明（不合格时必填）").fill(note)
        card.get_by_label("现场照片（不合格时必传）").set_input_files(picture)
    page.locator(f"#item-{patrols.litter.pk}").get_by_label("合格", exact=True).check()
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "patrol-point-390.png"), full_page=True)
    page.get_by_role("button", name="提交巡查").click()
    page.wait_for_url(re.compile(r".*/patrol/patrols/\d+/$"))
    page.screenshot(path=str(shots / "patrol-done-390.png"), full_page=True)

    door, verge = Case.objects.filter(kind="patrol").order_by("id")
    assert page.locator(f"a[href='/cases/{door.number}/']").count() == 1
    assert page.locator(f"a[href='/cases/{verge.number}/']").count() == 1
    for case in (door, verge):
        assert services.case_attachments(case).count() == 1
        act(case, "file", world.dispatcher)
        act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
        evidence = services.attach(case, [photo("整改后.jpg")], actor=world.handler)
        act(case, "apply_close", world.handler, reason="已整改", attachment_ids=[evidence[0].pk])

    page.goto(f"{live_server.url}/cases/{door.number}/")
    page.locator("summary", has_text="复查通过").click()
    page.get_by_role("button", name="确认复查通过").click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / "patrol-recheck-pass-390.png"), full_page=True)

    page.goto(f"{live_server.url}/cases/{verge.number}/")
    page.locator("summary", has_text="复查不通过").click()
    page.locator("details[open] textarea[name=reason]").fill("补植的草皮又被踩坏")
    page.get_by_role("button", name="确认复查不通过").click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / "patrol-recheck-fail-390.png"), full_page=True)
    context.close()

    door.refresh_from_db()
    verge.refresh_from_db()
    assert (door.status, verge.status) == ("patrol_closed", "patrol_fixing")
