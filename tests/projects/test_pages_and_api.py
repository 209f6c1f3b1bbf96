"""Project pages and API by persona: the owner unit sees and reports its projects, the office all,
other units and outsiders get 404 (pages, API, photos)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from ..api.test_api import api_for


def photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buf, "JPEG")
    return SimpleUploadedFile("现场.jpg", buf.getvalue(), content_type="image/jpeg")


def test_the_owner_sees_his_projects_and_not_the_other_units(world, works):
    body = world.client(world.handler).get(reverse("project_list")).content.decode()
    assert (
        "南风知否" in body and "白泉镇鸭东线老碶头1号桥扩建工程" in body and "东海百里文廊小沙段" not in body
    )
    names = [p["name"] for p in api_for(world.handler).get("/projects").json()]
    assert set(names) == {"南风知否", "文廊集市", "白泉镇鸭东线老碶头1号桥扩建工程"}


def test_the_api_lists_each_project_with_its_plan_percent_light_and_slip(world, works):
    rows = api_for(world.admin).get("/projects", q="南风").json()
    [row] = rows
    assert {"start", "planned_end", "percent", "light", "slip_days", "planned_percent"} <= row.keys()
    assert (
        row["start"] == "2023-04-24" and row["percent"] == 40.0 and row["light"] in ("red", "yellow", "green")
    )
    assert [r["name"] for r in api_for(world.admin).get("/projects", kind="livelihood").json()] == [
        "白泉镇鸭东线老碶头1号桥扩建工程"
    ]
    assert len(api_for(world.admin).get("/projects", town="白泉镇").json()) == 4
    assert all(r["light"] == "red" for r in api_for(world.admin).get("/projects", status="red").json())


def test_the_owner_reports_with_a_photo_on_the_page_and_the_photo_is_his_units_only(world, works):
    c = world.client(world.handler)
    url = reverse("project_detail", args=[works.nanfeng.pk])
    r = c.post(url, {"percent": "70", "text": "景观点主体完成", "photos": photo()})
    assert r.status_code == 302
    works.nanfeng.refresh_from_db()
    assert float(works.nanfeng.percent) == 70.0
    detail = api_for(world.handler).get(f"/projects/{works.nanfeng.pk}").json()
    [report] = detail["reports"]
    [pid] = report["photos"]
    assert c.get(reverse("attachment_download", args=[pid])).status_code == 200
    for who in (world.handler2, world.outsider, world.company):
        assert world.client(who).get(reverse("attachment_download", args=[pid])).status_code == 404


def test_a_bad_report_shows_a_chinese_error_and_changes_nothing(world, works):
    r = world.client(world.handler).post(
        reverse("project_detail", args=[works.nanfeng.pk]), {"percent": "120", "text": "x"}
    )
    assert r.status_code == 400 and "形象进度须为 0–100 的数字" in r.content.decode()
    r = api_for(world.handler).c.post(
        f"/api/v1/projects/{works.nanfeng.pk}/reports",
        {"percent": "50"},
        headers=api_for(world.handler).headers,
    )
    assert r.status_code == 422 and r.json() == {
        "error": "请填写进展情况",
        "code": "missing_field",
        "field": "text",
    }
    works.nanfeng.refresh_from_db()
    assert float(works.nanfeng.percent) == 40.0


def test_the_programme_page_and_api_show_the_tree_with_themes_lights_and_percents(world, works):
    body = (
        world.client(world.leader)
        .get(reverse("programme_detail", args=[works.programme.pk]))
        .content.decode()
    )
    assert "千年马岙" in body and "南风知否" in body and "人文锦沙" in body
    tree = api_for(world.leader).get(f"/programmes/{works.programme.pk}").json()
    section = tree["tree"][0]
    assert section["theme"] == "千年马岙" and [c["name"] for c in section["children"]] == [
        "南风知否",
        "文廊集市",
    ]
    assert section["percent"] == 50.0 and {"light", "planned_percent"} <= section.keys()
    assert [g["name"] for g in api_for(world.handler).get("/programmes").json()] == ["东海百里文廊"]


@pytest.mark.parametrize("who", ["outsider", "company", "commissioner"])
def test_outsiders_get_404_for_projects_and_programmes(world, works, who):
    user = getattr(world, who)
    c, api = world.client(user), api_for(user)
    for url in (
        reverse("project_list"),
        reverse("project_detail", args=[works.nanfeng.pk]),
        reverse("programme_list"),
        reverse("programme_detail", args=[works.programme.pk]),
    ):
        assert c.get(url).status_code == 404, url
    assert api.get(f"/projects/{works.nanfeng.pk}").status_code == 404
    assert api.get(f"/programmes/{works.programme.pk}").status_code == 404
    assert api.get("/projects").json() == [] and api.get("/programmes").json() == []
    assert (
        api.c.post(
            f"/api/v1/projects/{works.nanfeng.pk}/reports",
            {"percent": "50", "text": "x"},
            headers=api.headers,
        ).status_code
        == 404
    )


def test_another_unit_gets_404_for_a_project_it_does_not_own(world, works):
    assert (
        world.client(world.handler2).get(reverse("project_detail", args=[works.nanfeng.pk])).status_code
        == 404
    )
    assert (
        world.client(world.handler2)
        .post(reverse("project_detail", args=[works.nanfeng.pk]), {"percent": "90", "text": "x"})
        .status_code
        == 404
    )


def test_the_project_ledger_exports_with_its_filters(world, works):
    r = world.client(world.admin).get(reverse("project_list"), {"kind": "site", "format": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in rows) == ["南风知否", "文廊集市"]
    assert ("kind", "site") in [tuple(x) for x in wb["说明"].iter_rows(values_only=True)]


def test_the_leaders_dashboard_has_a_projects_panel_by_town_and_category(world, works):
    body = world.client(world.leader).get(reverse("dashboard")).content.decode()
    assert 'id="projects-panel"' in body and "共 4 个" in body and "白泉镇" in body


def test_the_owner_stops_and_resumes_a_project_on_the_page_and_through_the_api(world, works):
    c = world.client(world.handler)
    url = reverse("project_detail", args=[works.bridge.pk])
    assert c.post(url, {"op": "stop", "on": "2023-05-04", "reason": "汛期停工"}).status_code == 302
    works.bridge.refresh_from_db()
    assert works.bridge.status == "stopped" and "登记复工" in c.get(url).content.decode()
    bad = c.post(url, {"op": "resume", "on": "2023-05-32"})
    assert bad.status_code == 400 and "日期“2023-05-32”无效" in bad.content.decode()
    r = api_for(world.handler).post(f"/projects/{works.bridge.pk}/resume", {"on": "2023-05-08"})
    assert r.status_code == 200 and r.json()["stoppages"] == [
        {"start": "2023-05-04", "end": "2023-05-07", "reason": "汛期停工"}
    ]
    assert (
        api_for(world.handler2).post(f"/projects/{works.bridge.pk}/stop", {"on": "2023-06-01"}).status_code
        == 404
    )


def test_the_project_list_and_the_programme_tree_take_a_fixed_number_of_queries(
    world, works, django_assert_max_num_queries
):
    from .conftest import leaf

    for i in range(12):
        leaf(world, f"新增点位{i}", world.zhujian, 100, programme=works.programme, parent=works.section)
    c = world.client(world.admin)
    with django_assert_max_num_queries(14):
        assert c.get(reverse("project_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get(reverse("programme_detail", args=[works.programme.pk])).status_code == 200
