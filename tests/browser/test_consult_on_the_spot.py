"""The 政协 staff member records the answer a unit head gives during the session, on a phone (390×844) in
real Chromium: from the sessions list to the item, the answer typed and saved, then shown on the session page
and on the public summary."""

from __future__ import annotations

import re
from datetime import date

import pytest

from nuanqi.accounts.models import Role, Unit, UnitKind
from nuanqi.cases.models import Case
from nuanqi.consult.models import ParticipantRole
from nuanqi.consult.services import NewSession, add_participant, create_session, raise_item

from ..conftest import PASSWORD, _person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "目前推进中的定海湾滨海绿道、海滨公园体育设施改造等建设，已基本形成公共体育空间体系。"


def test_the_staff_record_an_on_the_spot_answer_on_a_phone_during_the_session(
    world, live_server, browser, shots
):
    cppcc = Unit.objects.create(name="政协舟山市定海区委员会", short_name="区政协", kind=UnitKind.OTHER)
    staff = _person("consultstaff", "政协工作人员壬", Role.CONSULT_STAFF, unit=cppcc)
    session = create_session(
        NewSession(topic="深化“运动定海”建设", held_on=date(2023, 3, 29), organiser="区政协", public=True),
        actor=staff,
    )
    rep = add_participant(session, role=ParticipantRole.REPRESENTATIVE, name="代表乙", actor=staff)
    add_participant(session, role=ParticipantRole.UNIT_HEAD, name="局长丙", unit=world.zhujian, actor=staff)
    item = raise_item(
        session, title="体育场地设施供给不足，规划中还有哪些计划？", raised_by=rep, lead_unit=world.zhujian,
        actor=staff,
    )  # fmt: skip

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultstaff")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="请你来协商").first.click()
    page.get_by_role("link", name=re.compile("运动定海")).click()
    page.get_by_role("link", name="记录现场答复").click()
    page.wait_for_url(re.compile(r".*/consult/items/XS.*/spot/$"))
    page.get_by_label("现场答复内容").fill(ANSWER)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "consult-spot-answer-390.png"), full_page=True)
    page.get_by_role("button", name="保存现场答复").click()
    page.wait_for_url(re.compile(rf".*/consult/sessions/{session.pk}/#item-{item.number}$"))
    assert ANSWER in page.locator(f"#item-{item.number}").inner_text()
    assert "已现场答复" in page.locator(f"#item-{item.number}").inner_text()
    page.screenshot(path=str(shots / "consult-session-390.png"), full_page=True)
    assert Case.objects.get(pk=item.pk).status == "consult_spot"

    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/consultations/{session.pk}/")
    assert ANSWER in public.content()
    context.close()
