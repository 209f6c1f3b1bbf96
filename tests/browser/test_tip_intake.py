"""A reporter, not logged in, files a tip at 20:00 on a working day inside the window in real Chromium: the
clock starts at 08:30 next morning; with the receipt, in a fresh browser, the reporter reads the group's reply
and answers. A tip to the seed's closed 2023 round is refused with the standing channel (12388)."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.tips import services
from nuanqi.tips.keys import ensure_member_key
from nuanqi.tips.models import InspectionGroup, Round, Tip, TipMessage
from tests.conftest import PASSWORD, world  # noqa: F401  (fixtures)
from tests.tips.conftest import inspection  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 12, 1, 20, 0, tzinfo=SHANGHAI)  # a Tuesday, a working day


def test_a_reporter_files_at_eight_in_the_evening_and_follows_the_tip_with_the_receipt(
    inspection,  # noqa: F811
    live_server,
    browser,
    shots,
):
    inspection.round.window_start = date(2026, 11, 20)
    inspection.round.window_end = date(2026, 12, 31)
    inspection.round.save()
    first = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = first.new_page()
    with mock.patch.object(timezone, "now", return_value=EVENING):
        page.goto(f"{live_server.url}/public/tips/")
        page.get_by_label("被巡察单位").select_option(label="区住建局")
        page.get_by_label("廉洁纪律").check()
        page.get_by_label("被反映人职务").fill("副局长")
        page.get_by_label("举报内容").fill("副局长在安置房项目验收中收受红包")
        page.get_by_label("实名或匿名").select_option(label="匿名")
        page.screenshot(path=str(shots / "tip-form-390.png"), full_page=True)
        page.get_by_role("button", name="提交").click()
        receipt = page.locator(".receipt-code strong").inner_text()
    assert len(receipt.replace(" ", "")) == 16 and receipt.replace(" ", "") not in page.url
    assert "2026-12-02 08:30" in page.locator(".receipt").inner_text()
    page.screenshot(path=str(shots / "tip-receipt-390.png"), full_page=True)
    first.close()

    tip = Tip.objects.get()
    assert tip.case.clocks.get(name="transfer").started_at == datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI)
    private = ensure_member_key(inspection.member, PASSWORD)
    services.reply(
        inspection.member, services.open_tip(inspection.member, tip, private), "已收到，请补充具体时间"
    )

    fresh = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = fresh.new_page()
    page.goto(f"{live_server.url}/public/tips/status/")
    page.get_by_label("回执码（16 位数字）").fill(receipt)
    page.get_by_role("button", name="查询").click()
    assert "已收到，请补充具体时间" in page.locator("#messages").inner_text()
    page.get_by_label("补充情况或留言").fill("时间是去年十二月验收当天")
    page.get_by_role("button", name="发送留言").click()
    assert "时间是去年十二月验收当天" in page.locator("#messages").inner_text()
    page.screenshot(path=str(shots / "tip-status-390.png"), full_page=True)
    fresh.close()
    assert TipMessage.objects.filter(direction=TipMessage.FROM_PUBLIC).count() == 1
    assert "时间是去年十二月".encode() not in bytes(TipMessage.objects.get(direction="in").sealed)


def test_a_tip_to_the_seeds_closed_round_is_refused_with_12388(inspection, live_server, browser):  # noqa: F811
    seed = Round.objects.create(
        term="十四届区委",
        round_no=4,
        batch_no=2,
        window_start=date(2023, 3, 27),
        window_end=date(2023, 5, 10),
    )
    g = InspectionGroup.objects.create(
        round=seed, number=1, phone="18058081373", postal_address="定海区昌国路61号", postcode="316000"
    )
    g.target_units.add(
        Unit.objects.create(name="定海区发展和改革局", short_name="区发改局", kind=UnitKind.DEPARTMENT)
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/tips/notice/{seed.pk}/")
    assert "12388" in page.content()
    # A stale link to the closed round's form: the form answers with the standing channel.
    page.goto(f"{live_server.url}/public/tips/?round={seed.pk}")
    page.get_by_label("被巡察单位").select_option(index=0)
    page.get_by_label("工作纪律").check()
    page.get_by_label("举报内容").fill("反映问题")
    page.get_by_role("button", name="提交").click()
    assert "12388" in page.locator("#error-summary").inner_text()
    context.close()
    assert not Tip.objects.exists()


def test_the_group_leader_reads_accepts_and_answers_a_tip_in_the_browser(
    inspection,  # noqa: F811
    live_server,
    browser,
    shots,
):
    import json

    from django.test import Client

    body = {
        "target_unit": "区住建局",
        "disciplines": ["integrity"],
        "content": "副局长在验收中收受红包",
        "accused_post": "副局长",
        "anonymous": False,
        "name": "实名人钱某",
        "phone": "13905800008",
    }
    number = (
        Client()
        .post("/api/v1/public/tips", json.dumps(body), content_type="application/json")
        .json()["number"]
    )
    for width, height in ((390, 844), (1366, 900)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", inspection.leader.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.goto(f"{live_server.url}/tips/")
        page.get_by_role("link", name=number).click()
        assert "副局长在验收中收受红包" in page.content()
        if width == 390:
            page.get_by_role("button", name="查看举报人身份（将记录）").click()
            assert "13905800008" in page.locator("#identity").inner_text()
            page.get_by_label("说明（转办须写明转往何处及理由；加密保存）").fill("属于受理范围")
            page.get_by_role("button", name="受理").click()
            page.get_by_label("答复举报人（举报人凭回执码查看）").fill("您反映的问题已受理")
            page.get_by_label("这条答复是").select_option(label="受理告知")
            page.get_by_role("button", name="发送答复").click()
            assert "您反映的问题已受理" in page.content() and "已受理" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / f"tip-detail-{width}.png"), full_page=True)
        context.close()
    tip = Tip.objects.get()
    assert tip.case.clocks.get(name="tell_accept").stopped_at is not None
