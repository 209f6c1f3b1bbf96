"""申诉: a unit appeals an unfair 不满意; the office upholds it; the unit's 满意率 no longer counts
that rating."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from nuanqi.cases import services
from nuanqi.cases.models import Event

from ..api.test_api import api_for
from .helpers import act, dispatched_to, file_case


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


def _unit_satisfaction(world) -> str:
    """The 区住建局 row's 满意率 on the leader's KPI page."""
    today = timezone.localdate()
    html = unescape(
        world.client(world.leader)
        .get("/dashboard/kpis/", {"by": "unit", "from": today - timedelta(days=7), "to": today})
        .content.decode()
    )
    header = _cells(html.split("<thead>")[1].split("</thead>")[0])
    row = next(_cells(r) for r in html.split("<tr>") if "区住建局" in r)
    return row[header.index("满意率")]


def _rated(world, title: str, satisfaction: str):
    case = dispatched_to(file_case(world.commissioner, world.huakang, title), world)
    act(case, "resolve", world.handler, result="已办理")
    return act(case, "rate", world.company, satisfaction=satisfaction)


def test_an_upheld_appeal_takes_the_unfair_rating_out_of_the_units_satisfaction_rate(world):
    _rated(world, "施工许可咨询", "satisfied")
    unfair = _rated(world, "要求减免全部税款", "unsatisfied")  # 不满意 → 重办
    assert unfair.status == "in_progress" and unfair.reopen_count == 1
    assert _unit_satisfaction(world) == "50.0%"

    handler = api_for(world.handler)
    detail = handler.get(f"/cases/{unfair.number}").json()
    assert "appeal" in [a["action"] for a in detail["actions"]]
    evidence = handler.c.post(
        f"/api/v1/cases/{unfair.number}/attachments",
        {"file": _pdf()},
        headers=handler.headers,
    ).json()
    r = handler.post(
        f"/cases/{unfair.number}/actions",
        {
            "action": "appeal",
            "version": detail["version"],
            "reason": "税款减免不属本单位职权，已书面解释政策依据",
            "attachment_ids": [evidence["id"]],
        },
    )
    assert r.status_code == 200, r.content
    assert "appeal" not in [a["action"] for a in r.json()["actions"]]  # once only

    office = api_for(world.dispatcher)
    version = office.get(f"/cases/{unfair.number}").json()["version"]
    r = office.post(
        f"/cases/{unfair.number}/actions",
        {"action": "uphold_appeal", "version": version, "reason": "诉求超出法定职权，评价不计入"},
    )
    assert r.status_code == 200, r.content
    assert _unit_satisfaction(world) == "100.0%"

    actions = list(Event.objects.filter(case=unfair).values_list("action", flat=True))
    assert actions[-3:] == ["attach", "appeal", "uphold_appeal"]
    appeal = Event.objects.get(case=unfair, action="appeal")
    assert appeal.changes["attachments"][0]["sha256"] == evidence["sha256"]
    page = world.client(world.leader).get("/dashboard/kpis/", {"by": "unit"}).content.decode()
    assert "申诉成立" in page


def test_a_rejected_appeal_leaves_the_rating_counted(world):
    unfair = _rated(world, "催办过多", "unsatisfied")
    act(unfair, "appeal", world.handler, reason="已按期办理")
    act(unfair, "reject_appeal", world.dispatcher, reason="企业反映属实")
    assert _unit_satisfaction(world) == "0.0%"


def test_an_appeal_outside_its_window_or_on_a_fair_rating_is_refused(world, settings):
    fair = _rated(world, "用电增容", "basic")
    with pytest.raises(services.NotAllowedNow):
        act(fair, "appeal", world.handler, reason="想申诉")
    late = _rated(world, "用地指标", "unsatisfied")
    late.rated_at = timezone.now() - timedelta(days=30)
    late.save(update_fields=["rated_at"])
    with pytest.raises(services.NotAllowedNow) as exc:
        act(late, "appeal", world.handler, reason="迟到的申诉")
    assert exc.value.code == "appeal_window_passed"
    with pytest.raises(services.Forbidden):
        act(_rated(world, "另一件", "unsatisfied"), "appeal", world.company, reason="企业不能申诉")


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("政策依据.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
