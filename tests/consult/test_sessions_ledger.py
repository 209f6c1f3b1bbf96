"""The sessions list as a ledger and back: the export holds the sessions the viewer may read; the import
creates new sessions and updates known ones (same date and topic) through the writers, all rows or none."""

from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nuanqi.consult.ledger import run_sessions_import
from nuanqi.consult.models import Session
from nuanqi.consult.services import NewSession, create_session, raise_item

HEADER = ["协商日期", "协商主题", "组织单位", "地点", "公开协商成果", "调研报告摘要", "会议纪要"]


def _export(client) -> tuple[list, list[list]]:  # type: ignore[no-untyped-def]
    r = client.get(reverse("consult_sessions"), {"format": "xlsx"})
    assert r.status_code == 200, r.status_code
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    notes = {row[0].value: row[1].value for row in wb["说明"].iter_rows()}
    assert notes.get("范围") == "您可查看的全部协商活动"
    return rows[0], rows[1:]


def _upload(rows: list[list]) -> SimpleUploadedFile:  # type: ignore[type-arg]
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("sessions.xlsx", buf.getvalue())


def test_the_office_exports_every_session_and_a_unit_only_its_own(world, consult):
    other = create_session(
        NewSession(topic="老旧小区加装电梯", held_on=date(2023, 6, 1), organiser="区政协"),
        actor=consult.staff,
    )
    header, rows = _export(world.client(consult.staff))
    assert header == HEADER
    assert [r[1] for r in rows] == [other.topic, consult.session.topic]
    assert rows[1][2] == "政协舟山市定海区委员会" and rows[1][3] == "区政协会议室" and rows[1][4] == "是"
    assert len(_export(world.client(world.admin))[1]) == 2
    # A unit's handler reads the sessions its head sits in or that put an item to the unit, and no other.
    assert [r[1] for r in _export(world.client(world.handler))[1]] == [consult.session.topic]
    assert _export(world.client(world.handler2))[1] == []
    raise_item(other, title="电梯补贴", lead_unit=world.jingxin, actor=consult.staff)
    assert [r[1] for r in _export(world.client(world.handler2))[1]] == [other.topic]
    # Outside the administration: not there.
    for outsider in (world.company, world.outsider):
        assert world.client(outsider).get(reverse("consult_sessions"), {"format": "xlsx"}).status_code == 404


def test_the_list_links_the_export_and_the_admin_the_import(world, consult):
    body = world.client(world.admin).get(reverse("consult_sessions")).content.decode()
    assert "?format=xlsx" in body and reverse("import_page") in body
    body = world.client(consult.staff).get(reverse("consult_sessions")).content.decode()
    assert "?format=xlsx" in body and reverse("import_page") not in body


def test_an_exported_ledger_imports_back_and_new_rows_are_created(world, consult):
    r = world.client(consult.staff).get(reverse("consult_sessions"), {"format": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    ws.cell(row=2, column=7, value="会议纪要：三项建议当场答复。\n其余会后书面答复。")
    ws.append([date(2023, 9, 12), "夜间经济与街区管理", "区政协", "", "否", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    report = run_sessions_import(buf, actor=consult.staff)
    assert report.ok and (report.created, report.updated) == (1, 1), report.errors
    consult.session.refresh_from_db()
    assert (
        consult.session.minutes == "会议纪要：三项建议当场答复。\n其余会后书面答复。"
        and consult.session.public
    )
    night = Session.objects.get(topic="夜间经济与街区管理")
    assert night.held_on == date(2023, 9, 12) and not night.public and night.created_by == consult.staff


def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_cell_named(world, consult):
    upload = _upload(
        [
            ["2023-09-12", "夜间经济与街区管理", "区政协", "", "是", "", ""],
            ["2023-13-40", "", "不存在的委员会", "", "也许", "", ""],
            ["2023-10-01", "停车难", "不存在的委员会", "", "", "", ""],
        ]
    )
    report = run_sessions_import(upload, actor=world.admin)
    cells = {(e.row, e.column): e.reason for e in report.errors}
    assert set(cells) == {(3, "协商日期"), (3, "协商主题"), (3, "公开协商成果"), (4, "组织单位")}, cells
    assert cells[3, "协商主题"] == "必填" and cells[4, "组织单位"] == "找不到单位“不存在的委员会”"
    assert "应填“是”或“否”" in cells[3, "公开协商成果"]
    assert report.created == 0
    # The office's import page shows the same report, row by row.
    upload.seek(0)
    body = (
        world.client(world.admin)
        .post(reverse("import_page"), {"kind": "consult_sessions", "file": upload})
        .content.decode()
    )
    assert "未导入任何数据" in body and "找不到单位“不存在的委员会”" in body
    assert list(Session.objects.values_list("topic", flat=True)) == [consult.session.topic]


def test_only_the_consult_office_imports_and_the_template_lists_the_columns(world, consult):
    r = world.client(world.dispatcher).post(
        reverse("import_page"),
        {"kind": "consult_sessions", "file": _upload([["2023-09-12", "夜间经济", "区政协", "", "", "", ""]])},
    )
    assert "只有政协工作人员和管理员可以导入协商活动台账" in r.content.decode()
    assert Session.objects.count() == 1
    r = world.client(world.admin).get(reverse("import_template", args=["consult_sessions"]))
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    assert [str(c.value).rstrip("*") for c in ws[1]] == HEADER


def test_the_command_line_imports_as_the_first_administrator(world, consult):
    report = run_sessions_import(
        _upload([["2023-09-12", "夜间经济与街区管理", "区政协", "", "", "", ""]]), actor=None
    )
    assert report.ok and report.created == 1, report.errors
    assert Session.objects.get(topic="夜间经济与街区管理").created_by == world.admin
