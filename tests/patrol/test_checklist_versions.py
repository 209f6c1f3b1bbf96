"""Versioned checklists: editing a checklist item in /admin/ makes a new version of its point type's list; a
patrol records the version it walked, and an old patrol keeps the words it was made with."""

from __future__ import annotations

from nuanqi.patrol.models import PointType
from nuanqi.patrol.services import ItemAnswer, submit_patrol

from .conftest import photo


def walk(patrols, key):
    answers = [
        ItemAnswer(patrols.door.pk, "fail", "箱门缺失", photo()),
        ItemAnswer(patrols.verge.pk, "pass"),
        ItemAnswer(patrols.litter.pk, "pass"),
    ]
    return submit_patrol(patrols.leader, patrols.weihai.pk, answers, key=key)[0]


def test_an_old_patrol_keeps_the_checklist_it_was_made_with(world, patrols):
    before = PointType.objects.get(pk=patrols.estate.pk).checklist_version
    old = walk(patrols, "v1")
    assert old.checklist_version == before

    edited = {"point_type": patrols.estate.pk, "topic": "facilities", "sort": 1, "active": "on"}
    edited["text"] = "通信箱、配电箱箱门齐全并上锁"
    r = world.client(world.admin).post(f"/admin/patrol/checkitem/{patrols.door.pk}/change/", edited)
    assert r.status_code == 302, r.content.decode()[:500]
    after = PointType.objects.get(pk=patrols.estate.pk).checklist_version
    assert after == before + 1

    new = walk(patrols, "v2")
    assert new.checklist_version == after
    c = world.client(patrols.leader)
    old_page = c.get(f"/patrol/patrols/{old.pk}/").content.decode()
    new_page = c.get(f"/patrol/patrols/{new.pk}/").content.decode()
    assert "网络通信箱等设施完好" in old_page and "通信箱、配电箱箱门齐全并上锁" not in old_page
    assert f"检查清单第 {before} 版" in old_page
    assert "通信箱、配电箱箱门齐全并上锁" in new_page and f"检查清单第 {after} 版" in new_page
    assert old.results.get(outcome="fail").item_topic == "facilities"
