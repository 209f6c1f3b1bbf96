"""The project ledger round trip: what the list exports imports back (updating by name); new rows create
projects; one bad row and nothing is applied."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nuanqi.projects.models import Project

from ..api.test_api import api_for

HEADER = [
    "项目名称",
    "类型",
    "项目群",
    "上级",
    "主题",
    "镇街",
    "责任单位",
    "计划投资（万元）",
    "计划开工",
    "计划完工",
]


def workbook(rows: list[list[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("projects.xlsx", buf.getvalue())


def test_an_exported_ledger_imports_back_and_updates_by_name(world, works):
    admin = world.client(world.admin)
    r = admin.get(reverse("project_list"), {"format": "xlsx"})
    data = b"".join(r.streaming_content)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "南风知否":
            row[header.index("计划投资（万元）")].value = 3500
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("项目台账.xlsx", buf.getvalue())
    r = admin.post(reverse("project_import"), {"file": upload})
    assert r.status_code == 200, r.content.decode()
    assert "新增 0 条，更新 4 条" in r.content.decode()
    works.nanfeng.refresh_from_db()
    assert works.nanfeng.investment_planned == 3500 and works.nanfeng.parent == works.section


def test_new_rows_create_projects_under_a_programme_and_a_section(world, works):
    upload = workbook(
        [
            [
                "三毛文化园",
                "景观点位",
                "东海百里文廊",
                "东海百里文廊马岙段",
                "",
                "白泉镇",
                "区住建局",
                2600,
                "2023-04-24",
                "2023-12-31",
            ],
        ]
    )
    r = api_for(world.admin).c.post(
        "/api/v1/projects/imports", {"file": upload}, headers=api_for(world.admin).headers
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.content
    site = Project.objects.get(name="三毛文化园")
    assert site.parent == works.section and site.programme == works.programme and site.kind == "site"


def test_one_bad_row_and_nothing_is_applied(world, works):
    upload = workbook(
        [
            ["南风知否", "景观点位", "", "", "", "", "区住建局", 9999, "2023-04-24", "2023-05-12"],
            ["新项目", "民生实事", "", "", "", "", "不存在的局", 10, "2023-05-01", "2023-04-01"],
        ]
    )
    r = world.client(world.admin).post(reverse("project_import"), {"file": upload})
    body = r.content.decode()
    assert r.status_code == 400 and "未导入任何数据" in body
    assert "第 3 行，“责任单位”列：找不到单位“不存在的局”" in body and "计划完工须晚于计划开工" in body
    works.nanfeng.refresh_from_db()
    assert works.nanfeng.investment_planned == 3000 and not Project.objects.filter(name="新项目").exists()


def test_only_the_office_imports(world, works):
    assert world.client(world.handler).get(reverse("project_import")).status_code == 404
    r = api_for(world.handler).c.post(
        "/api/v1/projects/imports", {"file": workbook([])}, headers=api_for(world.handler).headers
    )
    assert r.status_code in (403, 422)


def test_a_programmes_ledger_holds_its_whole_tree_and_a_new_programme_imports_from_it(world, works):
    admin = world.client(world.admin)
    page = admin.get(reverse("programme_detail", args=[works.programme.pk])).content.decode()
    assert f"?programme={works.programme.pk}&amp;format=xlsx" in page
    r = admin.get(reverse("project_list"), {"programme": works.programme.pk, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2) if row[0].value]
    names = [r[0] for r in rows]
    # Sections before their sites, so the file imports back as the same tree.
    assert names.index("东海百里文廊马岙段") < names.index("南风知否")
    assert set(names) == {"东海百里文廊马岙段", "南风知否", "文廊集市", "东海百里文廊小沙段"}
    # The same rows under another programme's name (renamed) build a second tree, all rows or none.
    from nuanqi.projects.models import Programme

    Programme.objects.create(name="海岛公园")
    header = [c.value for c in ws[1]]
    renamed = []
    for row in rows:
        row = list(row)
        row[header.index("项目名称")] = "海岛" + row[header.index("项目名称")]
        row[header.index("项目群")] = "海岛公园"
        if row[header.index("上级")]:
            row[header.index("上级")] = "海岛" + row[header.index("上级")]
        renamed.append(row)
    r = admin.post(reverse("project_import"), {"file": workbook(renamed, header)})
    assert r.status_code == 200, r.content.decode()
    site = Project.objects.get(name="海岛南风知否")
    assert site.parent.name == "海岛东海百里文廊马岙段" and site.programme.name == "海岛公园"
    before = Project.objects.count()
    renamed[-1][header.index("责任单位")] = "不存在的局"
    renamed[0][header.index("项目名称")] = "又一个分段"
    r = admin.post(reverse("project_import"), {"file": workbook(renamed, header)})
    assert r.status_code == 400 and Project.objects.count() == before
