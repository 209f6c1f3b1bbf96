"""Tips filed online through the engine's public intake: sealed before storage, read by the group with the
read logged, followed by the reporter with the receipt alone."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from nuanqi.cases.models import Case, CaseClock
from nuanqi.tips.models import Tip, TipRead, TipShare
from nuanqi.tips.workflow import RECEIVED

pytestmark = pytest.mark.django_db

CONTENT = "某局副局长王某某在工程招标中收受红包，时间是去年腊月"


def _file(c: Client, **extra):  # type: ignore[no-untyped-def]
    body = {
        "target_unit": "区住建局",
        "disciplines": ["integrity", "work"],
        "content": CONTENT,
        "accused_post": "副局长",
        "anonymous": False,
        "name": "举报人赵某",
        "phone": "13905800001",
    } | extra
    return c.post("/api/v1/public/tips", json.dumps(body), content_type="application/json")


def test_an_online_tip_is_stored_as_ciphertext_and_its_receipt_opens_it(inspection):
    response = _file(Client())
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["receipt"]) == 16 and data["status"] == RECEIVED
    case = Case.objects.get(number=data["number"])
    assert case.title == "" and case.description == "" and case.requester_name == ""
    assert CONTENT.encode() not in bytes(case.sealed)
    tip = Tip.objects.get(case=case)
    assert tip.named and tip.disciplines == ["integrity", "work"] and tip.group == inspection.group
    holders = set(
        TipShare.objects.filter(tip=tip, purpose=TipShare.CONTENT).values_list("user_id", flat=True)
    )
    # Sealed to the group's members, never to the member whose unit is the reported one.
    assert holders == {inspection.leader.pk, inspection.member.pk}
    identity = set(
        TipShare.objects.filter(tip=tip, purpose=TipShare.IDENTITY).values_list("user_id", flat=True)
    )
    assert identity == {inspection.leader.pk}
    status = Client().post(
        "/api/v1/public/tips/status",
        json.dumps({"receipt": data["receipt"]}),
        content_type="application/json",
    )
    assert status.status_code == 200 and status.json()["status"] == RECEIVED


def test_a_tip_filed_at_eight_in_the_evening_starts_its_clock_at_half_past_eight_next_morning(
    inspection, settings
):
    from unittest import mock

    from django.utils import timezone

    evening = datetime(2026, 12, 1, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday
    inspection.round.window_start = evening.date().replace(day=1)
    inspection.round.window_end = evening.date().replace(day=31)
    inspection.round.save()
    with mock.patch.object(timezone, "now", return_value=evening):
        response = _file(Client(), anonymous=True, name="", phone="")
    assert response.status_code == 201, response.content
    starts = datetime.fromisoformat(response.json()["clock_starts_at"])
    assert starts == datetime(2026, 12, 2, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    case = Case.objects.get(number=response.json()["number"])
    clocks = {c.name: c for c in CaseClock.objects.filter(case=case)}
    assert clocks["transfer"].started_at == starts and clocks["transfer"].stopped_at is None
    # An anonymous tip has nobody to tell of its acceptance: that clock does not run.
    assert clocks["tell_accept"].stopped_at is not None


def test_a_group_member_reads_the_tip_and_the_read_is_logged(inspection):
    data = _file(Client()).json()
    c = inspection.login(inspection.member)
    page = c.get(f"/tips/{data['number']}/")
    assert page.status_code == 200
    assert CONTENT in page.content.decode()
    assert "举报人赵某" not in page.content.decode()  # the identity is the leader's alone
    assert TipRead.objects.filter(user=inspection.member, what=TipRead.CONTENT).count() == 1
