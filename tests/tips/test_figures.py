"""The inspection office's figures are counts a recount from the tips confirms; a member from an inspected
unit cannot join the group that inspects it."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from nuanqi.accounts.models import User
from nuanqi.tips.figures import of_round
from nuanqi.tips.models import GroupMember, Tip

pytestmark = pytest.mark.django_db


def _file(disciplines: list[str], named: bool) -> str:
    body = {
        "target_unit": "区住建局",
        "disciplines": disciplines,
        "content": "反映问题",
        "anonymous": not named,
    }
    if named:
        body |= {"name": "实名人", "phone": "13905800011"}
    r = Client().post("/api/v1/public/tips", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return str(r.json()["number"])


def test_the_figures_equal_a_recount_and_carry_no_content(inspection):
    numbers = [_file(["integrity"], True), _file(["integrity", "work"], False), _file(["life"], True)]
    member = inspection.login(inspection.member)
    member.post(f"/tips/{numbers[0]}/act/", {"action": "accept", "version": 1})
    member.post(f"/tips/{numbers[0]}/reply/", {"text": "已受理", "tells": "accept"})
    member.post(f"/tips/{numbers[1]}/act/", {"action": "transfer", "note": "转区信访局", "version": 1})
    f = of_round(inspection.round)
    tips = list(Tip.objects.all())
    assert f.total == len(tips) == 3
    assert f.named == sum(t.named for t in tips) == 2
    assert dict(f.by_discipline)["廉洁纪律"] == sum("integrity" in t.disciplines for t in tips) == 2
    assert f.in_scope == 1 and f.out_of_scope == 1
    assert (f.decided, f.decided_in_time) == (2, 2)
    assert (f.told, f.told_in_time) == (1, 1)
    page = inspection.login(inspection.leader).get("/tips/figures/")
    assert page.status_code == 200 and "反映问题" not in page.content.decode()
    # Counts are for the inspection office (inspectors), not for everyone.
    assert inspection.world.client(inspection.world.admin).get("/tips/figures/").status_code == 404


def test_a_member_of_an_inspected_unit_cannot_join_the_group_that_inspects_it(inspection):
    person = User.objects.create_user(username="zhujian_staff", password="x" * 10, unit=inspection.target)
    with pytest.raises(ValidationError):
        GroupMember(group=inspection.group, user=person).full_clean()
    GroupMember(group=inspection.other_group, user=person).full_clean()  # another group: no conflict


def test_the_list_puts_open_named_tips_first(inspection):
    anonymous = _file(["work"], False)
    named = _file(["work"], True)
    closed_named = _file(["work"], True)
    member = inspection.login(inspection.member)
    member.post(f"/tips/{closed_named}/act/", {"action": "transfer", "note": "转信访局", "version": 1})
    html = member.get("/tips/").content.decode()
    assert html.index(named) < html.index(anonymous) < html.index(closed_named)
