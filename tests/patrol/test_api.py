"""The patrol API: a point leader lists his points with their checklists and posts a patrol once, with an
Idempotency-Key header; others get 404."""

from __future__ import annotations

from django.test import Client

from nuanqi.accounts.models import ApiToken
from nuanqi.cases.models import Case
from nuanqi.patrol.models import Patrol

from .test_patrols import walk


def client_for(user) -> tuple[Client, dict[str, str]]:
    return Client(), {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


def test_a_point_leader_lists_his_points_with_their_checklists(world, patrols):
    c, auth = client_for(patrols.leader)
    points = c.get("/api/v1/patrol/points", headers=auth).json()
    assert [p["name"] for p in points] == ["卫海社区"]
    assert [i["topic_label"] for i in points[0]["items"]] == ["设施完好", "绿化管护", "垃圾堆放"]
    assert (points[0]["latitude"], points[0]["longitude"]) == (30.0031, 122.1122)


def test_a_patrol_posted_twice_with_the_same_key_is_one_patrol(world, patrols):
    c, auth = client_for(patrols.leader)
    url = f"/api/v1/patrol/points/{patrols.weihai.pk}/patrols"
    first = c.post(url, walk(patrols, fail=("litter",)), headers={**auth, "Idempotency-Key": "p-1"})
    assert first.status_code == 201, first.content
    body = first.json()
    [failed] = [r for r in body["results"] if r["outcome"] == "fail"]
    assert failed["case"].startswith("XC") and not failed["relapse"]
    again = c.post(url, walk(patrols, fail=("litter",)), headers={**auth, "Idempotency-Key": "p-1"})
    assert again.status_code == 200 and again.json() == body
    assert Patrol.objects.count() == 1 and Case.objects.count() == 1


def test_a_patrol_without_a_key_is_refused_in_chinese(world, patrols):
    c, auth = client_for(patrols.leader)
    data = walk(patrols, fail=())
    del data["idempotency_key"]
    r = c.post(f"/api/v1/patrol/points/{patrols.weihai.pk}/patrols", data, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "missing_idempotency_key"
    assert "Idempotency-Key" in r.json()["error"] and Patrol.objects.count() == 0


def test_another_points_leader_and_outsiders_get_404_and_see_no_points(world, patrols):
    for user in (patrols.leader2, world.handler, world.outsider):
        c, auth = client_for(user)
        r = c.post(
            f"/api/v1/patrol/points/{patrols.weihai.pk}/patrols",
            walk(patrols, fail=()),
            headers={**auth, "Idempotency-Key": "x"},
        )
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert "卫海社区" not in c.get("/api/v1/patrol/points", headers=auth).content.decode()
    assert Patrol.objects.count() == 0


def test_a_problems_photo_is_downloaded_only_by_those_who_see_the_problem(world, patrols):
    c, auth = client_for(patrols.leader)
    c.post(
        f"/api/v1/patrol/points/{patrols.weihai.pk}/patrols",
        walk(patrols, fail=("door",)),
        headers={**auth, "Idempotency-Key": "p-2"},
    )
    from nuanqi.cases.services import case_attachments

    attachment = case_attachments(Case.objects.get()).get()
    for user in (patrols.leader, world.handler, world.dispatcher):
        assert world.client(user).get(f"/files/{attachment.pk}/").status_code == 200
    for user in (patrols.leader2, world.handler2, world.outsider):
        assert world.client(user).get(f"/files/{attachment.pk}/").status_code == 404
