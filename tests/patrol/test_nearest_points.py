"""Choosing the point, nearest first when the phone gives its location: the patrol page and the API order the
points by distance from the phone (WGS-84), points without coordinates last; without a location (or with a
garbled one) the list keeps its order."""

from __future__ import annotations

from decimal import Decimal

from nuanqi.patrol.models import Point

WEIHAI = (30.0031, 122.1122)


def test_the_office_sees_the_points_nearest_first_from_the_phones_place(world, patrols):
    Point.objects.create(
        name="万泰·三农汇",
        point_type=patrols.estate,
        town=patrols.town,
        latitude=Decimal("30.012100"),
        longitude=Decimal("122.112200"),
        leader=patrols.leader,
        responsible_unit=world.zhujian,
    )
    c = world.client(world.dispatcher)
    near_market = {"lat": "30.0120", "long": "122.1122"}
    names = [p["name"] for p in c.get("/api/v1/patrol/points", near_market).json()]
    assert names == ["万泰·三农汇", "卫海社区", "惠舟社区"]  # 惠舟社区 has no coordinates: last
    distances = [p["distance_m"] for p in c.get("/api/v1/patrol/points", near_market).json()]
    assert distances[0] == 11 and 990 <= distances[1] <= 1000 and distances[2] is None
    html = c.get("/patrol/", near_market).content.decode()
    assert html.index("万泰·三农汇") < html.index("卫海社区") < html.index("惠舟社区")
    assert "已按距离排序" in html and "距您约 11 米" in html


def test_without_a_location_or_with_a_garbled_one_the_list_keeps_its_order(world, patrols):
    c = world.client(patrols.leader)
    for query in (
        {},
        {"lat": "北纬30", "long": "122"},
        {"lat": "95", "long": "122"},
        {"lat": "nan", "long": "1"},
    ):
        r = c.get("/patrol/", query)
        assert r.status_code == 200 and "已按距离排序" not in r.content.decode()
        assert [p["distance_m"] for p in c.get("/api/v1/patrol/points", query).json()] == [None]
