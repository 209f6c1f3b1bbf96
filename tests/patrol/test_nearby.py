"""Duplicates by place: before a report is saved, the open problems of the same category near it are shown —
within 1 km for staff, 250 m (and only public fields) for the public — and the office merges a repeated report
into the earlier one with the engine's merge."""

from __future__ import annotations

import pytest
from django.test import Client

from nuanqi.cases import services
from nuanqi.cases.errors import Forbidden
from nuanqi.cases.models import Case, CaseLink
from nuanqi.patrol.open311.service import issue_key
from nuanqi.patrol.services import ItemAnswer, submit_patrol

from ..cases.helpers import act
from .conftest import photo

WEIHAI = (30.0031, 122.1122)


def report(key, lat, lon, code="garbage", text="垃圾堆放"):
    r = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": code,
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": text,
        },
    )
    assert r.status_code == 201, r.content
    return Case.objects.get(number=r.json()[0]["service_request_id"])


def garbage_at_weihai(patrols):
    answers = [
        ItemAnswer(patrols.door.pk, "pass"),
        ItemAnswer(patrols.verge.pk, "pass"),
        ItemAnswer(patrols.litter.pk, "fail", "东门垃圾堆放", photo()),
    ]
    patrol, _ = submit_patrol(patrols.leader, patrols.weihai.pk, answers, key="near-1")
    return patrol.results.get(outcome="fail").case


def test_staff_see_open_problems_of_the_category_within_a_kilometre_nearest_first(world, patrols):
    key = issue_key("热线")[1]
    at_point = garbage_at_weihai(patrols)  # 0 m: the point's own coordinates
    north_600 = report(key, WEIHAI[0] + 0.0054, WEIHAI[1])
    report(key, WEIHAI[0] + 0.0150, WEIHAI[1])  # about 1.7 km: too far
    report(key, WEIHAI[0] + 0.0009, WEIHAI[1], code="greenery", text="绿化带裸露")  # another category
    closed = report(key, WEIHAI[0] + 0.0009, WEIHAI[1])
    act(closed, "reject", world.dispatcher, reason="已处理")
    c = world.client(world.dispatcher)
    query = {"category": "垃圾堆放", "lat": WEIHAI[0] + 0.0009, "long": WEIHAI[1]}
    r = c.get("/api/v1/patrol/nearby", query)
    assert r.status_code == 200, r.content
    assert [(n["number"], n["distance_m"]) for n in r.json()] == [
        (at_point.number, 100),
        (north_600.number, 500),
    ]
    narrow = c.get("/api/v1/patrol/nearby", {**query, "radius": 250}).json()
    assert [n["number"] for n in narrow] == [at_point.number]
    # The point leader sees only his points' problems among them.
    mine = world.client(patrols.leader).get("/api/v1/patrol/nearby", query).json()
    assert [n["number"] for n in mine] == [at_point.number]
    assert world.client(world.outsider).get("/api/v1/patrol/nearby", query).json() == []


def test_the_public_sees_only_public_fields_within_250_metres(world, patrols):
    key = issue_key("热线")[1]
    near = report(key, WEIHAI[0] + 0.0018, WEIHAI[1])  # 200 m
    report(key, WEIHAI[0] + 0.0036, WEIHAI[1])  # 400 m
    hidden = report(key, WEIHAI[0] + 0.0009, WEIHAI[1])
    Case.objects.filter(pk=hidden.pk).update(confidential=True)
    r = Client().get(
        "/api/v1/patrol/public/nearby", {"category": "garbage", "lat": WEIHAI[0], "long": WEIHAI[1]}
    )
    assert r.status_code == 200
    (only,) = r.json()
    assert only["number"] == near.number and only["distance_m"] == 200
    assert set(only) == {"number", "category", "status_label", "distance_m", "received_at"}


def test_bad_places_are_refused_in_chinese(world, patrols):
    c = world.client(world.dispatcher)
    r = c.get("/api/v1/patrol/nearby", {"category": "噪音", "lat": 30, "long": 122})
    assert r.status_code == 422 and "问题类别须为" in r.json()["error"]
    r = Client().get("/api/v1/patrol/public/nearby", {"category": "garbage", "lat": 95, "long": 122})
    assert r.status_code == 422 and r.json()["code"] == "invalid_number"


def test_the_patrol_page_shows_open_problems_of_the_same_category_nearby_before_saving(world, patrols):
    key = issue_key("热线")[1]
    nearby = report(key, WEIHAI[0] + 0.0018, WEIHAI[1])
    html = world.client(world.dispatcher).get(f"/patrol/points/{patrols.weihai.pk}/").content.decode()
    assert "附近已有未销号的同类问题" in html and nearby.number in html and "200 米" in html


def test_the_office_merges_a_repeated_report_into_the_earlier_one(world, patrols):
    key = issue_key("热线")[1]
    first = garbage_at_weihai(patrols)
    again = report(key, WEIHAI[0] + 0.0005, WEIHAI[1])
    merged = act(again, "merge", world.dispatcher, original=first.number)
    assert merged.status == "patrol_duplicate" and merged.phase == "closed"
    assert CaseLink.objects.filter(from_case=again, to_case=first, type="duplicate_of").exists()
    shown = Client().get(f"/open311/v2/requests/{again.number}.json").json()[0]
    assert (shown["status"], shown["status_notes"]) == ("closed", "重复件")
    # Only the office merges; a point leader cannot.
    third = report(key, WEIHAI[0] + 0.0005, WEIHAI[1])
    services.perform(third, "file", actor=world.dispatcher, version=third.version)
    third.refresh_from_db()
    with pytest.raises(Forbidden):
        services.perform(third, "merge", actor=patrols.leader, version=third.version, original=first.number)
