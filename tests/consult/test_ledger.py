"""A session's items as a ledger: the export holds each item's answers and decision; the import files new
items from the same columns, all rows or none."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from nuanqi.cases.models import Case
from nuanqi.consult.services import raise_item, record_on_spot_answer

from ..api.test_api import api_for


def workbook(rows: list[list[str]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["问题或建议*", "具体内容", "提出人", "答复单位"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("items.xlsx", buf.getvalue())


def test_the_ledger_holds_every_item_with_its_on_the_spot_answer(world, consult):
    item = raise_item(
        consult.session, title="体育设施规划", description="场地少", raised_by=consult.representative,
        lead_unit=world.zhujian, actor=consult.staff,
    )  # fmt: skip
    record_on_spot_answer(item, "已建成环浙步道。", actor=consult.staff, version=item.version)
    r = world.client(consult.staff).get(reverse("consult_ledger", args=[consult.session.pk]))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    header, row = [c.value for c in ws[1]], [c.value for c in ws[2]]
    assert header[:7] == ["编号", "问题或建议", "具体内容", "提出人", "答复单位", "状态", "现场答复"]
    assert row[:7] == [
        item.number,
        "体育设施规划",
        "场地少",
        "代表乙",
        "区住建局",
        "已现场答复",
        "已建成环浙步道。",
    ]


def test_an_import_files_every_row_and_assigns_the_named_units(world, consult):
    upload = workbook(
        [["公园健身设施少", "增设健身路径", "委员甲", "区住建局"], ["新建体育馆", "", "市民张", ""]]
    )
    r = world.client(consult.staff).post(
        reverse("consult_import", args=[consult.session.pk]), {"file": upload}
    )
    assert r.status_code == 200 and "导入成功：共 2 行，新增 2 条" in r.content.decode()
    parks = Case.objects.get(title="公园健身设施少")
    assert parks.status == "consult_assigned" and parks.requester_name == "委员甲"
    assert parks.requester_type == "consult_participant"
    assert Case.objects.get(title="新建体育馆").status == "consult_raised"


def test_an_import_with_one_bad_row_files_nothing_and_names_the_cell(world, consult):
    upload = workbook([["公园健身设施少", "", "", "区住建局"], ["新建体育馆", "", "", "不存在的局"]])
    r = world.client(consult.staff).post(
        reverse("consult_import", args=[consult.session.pk]), {"file": upload}
    )
    body = r.content.decode()
    assert (
        r.status_code == 400
        and "未导入任何数据" in body
        and "第 3 行，“答复单位”列：找不到单位“不存在的局”" in body
    )
    assert not Case.objects.filter(kind="consult").exists()


def test_an_import_through_the_api_with_a_title_too_long_files_nothing(world, consult):
    upload = workbook([["公园健身设施少", "", "", ""], ["标" * 201, "", "", ""]])
    r = api_for(consult.staff).c.post(
        f"/api/v1/consult/sessions/{consult.session.pk}/imports",
        {"file": upload},
        headers=api_for(consult.staff).headers,
    )
    assert r.status_code == 422 and not r.json()["ok"], r.content
    assert not Case.objects.filter(kind="consult").exists()


def test_a_file_that_is_not_a_workbook_gets_a_clear_error(world, consult):
    upload = SimpleUploadedFile("items.xlsx", b"not a workbook")
    r = world.client(consult.staff).post(
        reverse("consult_import", args=[consult.session.pk]), {"file": upload}
    )
    assert r.status_code == 400 and "无法读取表格文件" in r.content.decode()
