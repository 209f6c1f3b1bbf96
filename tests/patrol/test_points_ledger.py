"""Points as a ledger: the office exports them, edits the workbook in Excel and imports it back — a row per
point matched by 镇街 + 名称, all rows or none, each bad cell named by row; GCJ-02 rows are converted to
WGS-84; everyone outside the office gets 404."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from nuanqi.patrol.geo import gcj02_to_wgs84
from nuanqi.patrol.models import Point


def upload(wb) -> SimpleUploadedFile:
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("点位.xlsx", buf.getvalue())


def test_the_office_exports_edits_and_imports_the_points_back(world, patrols):
    c = world.client(world.dispatcher)
    r = c.get("/patrol/points.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("名称*", "点位类型*", "镇街*")
    assert [row[0] for row in rows[1:]] == ["卫海社区", "惠舟社区"]
    weihai = rows[1]
    assert (weihai[5], weihai[6], weihai[7], weihai[8]) == (30.0031, 122.1122, "WGS-84", "pointleader")
    # In Excel: 卫海社区 gets an address, and a new market point is added with coordinates from Amap.
    ws.cell(row=2, column=5, value="环南街道卫海路 1 号")
    ws.append(
        [
            "万泰·三农汇",
            "居民小区",
            "环南街道",
            "",
            "",
            30.0150,
            122.1180,
            "GCJ-02",
            "pointleader2",
            "区经信局",
            "是",
        ]
    )
    r = c.post("/patrol/points/import/", {"file": upload(wb)})
    assert r.status_code == 200, r.content.decode()
    assert "新增 1 条，更新 2 条" in r.content.decode()
    assert Point.objects.get(name="卫海社区").address == "环南街道卫海路 1 号"
    market = Point.objects.get(name="万泰·三农汇")
    w_lat, w_lon = gcj02_to_wgs84(30.0150, 122.1180)
    assert (float(market.latitude), float(market.longitude)) == (round(w_lat, 6), round(w_lon, 6))
    assert (market.leader, market.responsible_unit) == (patrols.leader2, world.jingxin)


def test_a_workbook_with_bad_rows_changes_nothing_and_names_each_bad_cell(world, patrols):
    c = world.client(world.admin)
    wb = load_workbook(io.BytesIO(c.get("/patrol/points/template.xlsx").content))
    ws = wb.active
    ws.append(["甲点", "菜市场", "环南街道", "", "", 30.1, 122.1, "", "pointleader", "区住建局", ""])
    ws.append(["乙点", "居民小区", "火星镇", "", "", 30.1, None, "", "nobody", "区住建局", ""])
    ws.append(["丙点", "居民小区", "环南街道", "", "", 95, 122.1, "北京54", "pointleader", "区住建局", ""])
    r = c.post("/patrol/points/import/", {"file": upload(wb)})
    assert r.status_code == 400
    html = r.content.decode()
    for words in (
        "第 2 行，“点位类型”列：找不到点位类型“菜市场”",
        "第 3 行，“镇街”列：找不到镇街“火星镇”",
        "第 3 行，“点位长账号”列：找不到在用账号“nobody”",
        "第 4 行，“纬度”列：应在 -90 至 90 之间",
        "第 4 行，“坐标系”列：坐标系须为 WGS-84 或 GCJ-02",
    ):
        assert words in html
    assert Point.objects.count() == 2


@pytest.mark.parametrize("who", ["outsider", "leader", "handler", "company", "point_leader"])
def test_people_outside_the_office_get_404(world, patrols, who):
    c = world.client(patrols.leader if who == "point_leader" else getattr(world, who))
    for url in ("/patrol/points.xlsx", "/patrol/points/template.xlsx", "/patrol/points/import/"):
        assert c.get(url).status_code == 404, url
    assert c.post("/patrol/points/import/", {}).status_code == 404
