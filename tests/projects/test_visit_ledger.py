"""The research visits list as a ledger and back: a programme's page exports the visits the viewer sees;
the import records new visits and updates known ones through the visits' writer, all rows or none."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.cases.errors import Forbidden
from nuanqi.projects.models import Programme, ResearchVisit
from nuanqi.projects.visit_ledger import run_import

HEADER = ["项目群", "调研日期", "调研主题", "组织单位", "参加人员", "调研情况"]


@pytest.fixture
def visit(world, works):
    npc = Unit.objects.create(name="定海区人大常委会", short_name="区人大常委会", kind=UnitKind.OTHER)
    return ResearchVisit.objects.create(
        programme=works.programme,
        title="东海百里文廊实地调研",
        visited_on=date(2023, 3, 29),
        organiser=npc,
        visitors="人大代表五人",
        findings="马岙段进度偏慢",
    )


def _export(client, programme):  # type: ignore[no-untyped-def]
    r = client.get(reverse("programme_detail", args=[programme.pk]), {"format": "xlsx"})
    if r.status_code != 200:
        return r.status_code, None
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    notes = {row[0].value: row[1].value for row in wb["说明"].iter_rows()}
    assert notes.get("项目群") == programme.name
    return 200, [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]


def _upload(rows):  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("visits.xlsx", buf.getvalue())


def test_the_programmes_visits_export_as_each_persona_sees_them(world, works, visit):
    other = Programme.objects.create(name="海岛公园")
    ResearchVisit.objects.create(
        programme=other, title="海岛公园调研", visited_on=date(2023, 4, 1), organiser=world.office
    )
    for user in (world.admin, world.dispatcher, world.leader, world.handler, world.handler2):
        status, rows = _export(world.client(user), works.programme)
        assert status == 200 and rows[0] == HEADER, user
        assert rows[1][0] == "东海百里文廊" and rows[1][2:] == [
            "东海百里文廊实地调研",
            "定海区人大常委会",
            "人大代表五人",
            "马岙段进度偏慢",
        ]
        assert len(rows) == 2  # the other programme's visit is not on this list
    # A unit with no project in the programme, and people outside the administration: not there.
    for user in (world.commissioner, world.company, world.outsider):
        assert _export(world.client(user), works.programme)[0] == 404, user


def test_the_page_links_the_export_and_the_office_the_import(world, works, visit):
    url = reverse("programme_detail", args=[works.programme.pk])
    body = world.client(world.dispatcher).get(url).content.decode()
    assert "?format=xlsx" in body and reverse("import_page") in body
    body = world.client(world.handler).get(url).content.decode()
    assert "?format=xlsx" in body and reverse("import_page") not in body


def test_an_exported_ledger_imports_back_and_new_rows_are_recorded(world, works, visit):
    r = world.client(world.dispatcher).get(
        reverse("programme_detail", args=[works.programme.pk]), {"format": "xlsx"}
    )
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    ws.cell(row=2, column=6, value="马岙段进度偏慢，已督促")
    ws.append(["东海百里文廊", date(2023, 5, 18), "小沙段复查", "营商办", "", ""])
    ws.append(["", "2023-06-02", "营商环境座谈", "区住建局", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    report = run_import(buf, actor=world.dispatcher)
    assert report.ok and (report.created, report.updated) == (2, 1), report.errors
    visit.refresh_from_db()
    assert visit.findings == "马岙段进度偏慢，已督促" and visit.visitors == "人大代表五人"
    again = ResearchVisit.objects.get(title="小沙段复查")
    assert again.programme == works.programme and again.organiser == world.office
    assert ResearchVisit.objects.get(title="营商环境座谈").programme is None


def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_cell_named(world, works, visit):
    upload = _upload(
        [
            ["东海百里文廊", "2023-05-18", "小沙段复查", "营商办", "", ""],
            ["不存在的项目群", "2023-02-30", "", "不存在的单位", "", ""],
            ["", "2023-06-02", "营商环境座谈", "区住建局", "人" * 501, ""],
        ]
    )
    report = run_import(upload, actor=world.admin)
    cells = {(e.row, e.column): e.reason for e in report.errors}
    assert set(cells) == {
        (3, "项目群"),
        (3, "调研日期"),
        (3, "调研主题"),
        (3, "组织单位"),
        (4, "参加人员"),
    }, cells
    assert cells[3, "调研主题"] == "必填" and cells[3, "组织单位"] == "找不到单位“不存在的单位”"
    assert report.created == 0 and list(ResearchVisit.objects.all()) == [visit]
    # A bad programme is named too (the row's other cells being good).
    report = run_import(
        _upload([["不存在的项目群", "2023-05-18", "复查", "营商办", "", ""]]), actor=world.admin
    )
    assert [str(e) for e in report.errors] == ["第 2 行，“项目群”列：找不到项目群“不存在的项目群”"]
    # The office's import page shows the report and records nothing.
    upload.seek(0)
    body = world.client(world.admin).post(reverse("import_page"), {"kind": "visits", "file": upload}).content
    assert "未导入任何数据" in body.decode() and list(ResearchVisit.objects.all()) == [visit]


def test_only_the_office_imports_visits_and_the_template_lists_the_columns(world, works):
    with pytest.raises(Forbidden):
        run_import(_upload([["", "2023-06-02", "座谈", "营商办", "", ""]]), actor=world.handler)
    assert not ResearchVisit.objects.exists()
    r = world.client(world.admin).get(reverse("import_template", args=["visits"]))
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    assert [str(c.value).rstrip("*") for c in ws[1]] == HEADER
