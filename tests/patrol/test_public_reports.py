"""The public reports patrol problems through the engine's public intake (`patrol-reports`): filed at 发现
with a receipt, a category from the checklist topics, a place, a description, photos; nothing internal
shown."""

from __future__ import annotations

import json

from django.test import Client

from nuanqi.cases import services
from nuanqi.cases.models import Case, PublicReceipt
from nuanqi.cases.visibility import visible_cases

from .conftest import photo

URL = "/api/v1/public/patrol-reports"
REPORT = {"category": "垃圾堆放", "place": "双桥街道万泰·三农汇市场东门", "description": "门口垃圾堆了两天"}


def post(body, addr="10.9.0.1"):
    return Client().post(URL, json.dumps(body), content_type="application/json", REMOTE_ADDR=addr)


def test_a_public_report_is_filed_at_found_as_a_patrol_problem(world, patrols):
    r = post({**REPORT, "contact_phone": "13905800000"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("XC") and body["status"] == "patrol_found"
    assert body["status_label"] == "发现"
    case = Case.objects.get(number=body["number"])
    assert (case.kind, case.channel, str(case.category)) == ("patrol", "online", "垃圾堆放")
    assert "万泰·三农汇市场东门" in case.description and case.requester_phone == "13905800000"
    assert PublicReceipt.objects.filter(case=case).exists()
    assert visible_cases(world.dispatcher).filter(pk=case.pk).exists()
    assert not visible_cases(patrols.leader).filter(pk=case.pk).exists()  # no point named yet

    # It goes through 立案 like any other problem, and the public follows it with its receipt.
    services.perform(case, "file", actor=world.dispatcher, version=case.version)
    seen = Client().post(
        f"{URL}/status", json.dumps({"receipt": body["receipt"]}), content_type="application/json"
    )
    assert seen.status_code == 200 and seen.json()["status_label"] == "已立案"
    assert world.dispatcher.display_name not in seen.content.decode()


def test_a_category_outside_the_checklist_topics_is_refused_and_nothing_kept(world, patrols):
    r = post({**REPORT, "category": "噪音扰民"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_choice"
    assert "垃圾堆放" in r.json()["error"]
    assert Case.objects.count() == 0


def test_the_public_page_files_a_report_with_its_photo(world, patrols):
    c = Client()
    form = c.get("/public/patrol-reports/").content.decode()
    assert "问题类别" in form and "僵尸车" in form and "绿化管护" in form
    ok = c.post(
        "/public/patrol-reports/",
        {
            "category": "zombie_car",
            "place": "惠舟社区 12 幢旁",
            "description": "一辆车停了三个月",
            "file": photo(),
        },
    )
    assert ok.status_code == 200 and 'class="receipt-code"' in ok.content.decode()
    case = Case.objects.get()
    assert str(case.category) == "僵尸车" and services.case_attachments(case).count() == 1
