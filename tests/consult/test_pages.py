"""The consultation pages by persona: the staff raise items and record on-the-spot answers, a unit handler
sees the sessions his unit answers in, the public reads the public summary only, outsiders get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from nuanqi.cases.models import Case
from nuanqi.consult.services import raise_item

from ..cases.helpers import act


@pytest.fixture
def item(world, consult):
    return raise_item(
        consult.session,
        title="体育场地设施供给不足",
        description="内部说明：请住建局牵头",
        raised_by=consult.representative,
        lead_unit=world.zhujian,
        actor=consult.staff,
    )


def test_the_staff_raise_an_item_from_the_session_page_and_it_is_assigned(world, consult):
    c = world.client(consult.staff)
    url = reverse("consult_session", args=[consult.session.pk])
    page = c.get(url)
    assert page.status_code == 200 and "登记事项" in page.content.decode()
    r = c.post(
        url,
        {"title": "公园健身设施少", "raised_by": consult.member.pk, "lead_unit": world.zhujian.pk},
    )
    assert r.status_code == 302
    case = Case.objects.get(kind="consult", title="公园健身设施少")
    assert case.status == "consult_assigned" and case.requester_name == "委员甲"
    assert "公园健身设施少" in c.get(url).content.decode()


def test_a_blank_item_is_refused_with_a_chinese_message_and_nothing_filed(world, consult):
    r = world.client(consult.staff).post(reverse("consult_session", args=[consult.session.pk]), {"title": ""})
    assert r.status_code == 400 and "请填写标题" in r.content.decode()
    assert not Case.objects.filter(kind="consult").exists()


def test_the_staff_record_an_on_the_spot_answer_on_the_phone_page(world, consult, item):
    c = world.client(consult.staff)
    url = reverse("consult_spot_answer", args=[item.number])
    page = c.get(url).content.decode()
    assert "局长丙" in page and "保存现场答复" in page
    r = c.post(url, {"answer": "已建成环浙步道。", "version": item.version})
    assert r.status_code == 302 and r["Location"].endswith(f"#item-{item.number}")
    item.refresh_from_db()
    assert item.status == "consult_spot"
    assert "已建成环浙步道。" in c.get(reverse("consult_session", args=[consult.session.pk])).content.decode()


def test_a_stale_on_the_spot_answer_is_refused_and_changes_nothing(world, consult, item):
    url = reverse("consult_spot_answer", args=[item.number])
    r = world.client(consult.staff).post(url, {"answer": "答复", "version": item.version + 5})
    assert r.status_code == 400
    item.refresh_from_db()
    assert item.status == "consult_assigned"


def test_the_answering_units_handler_sees_the_session_and_its_item(world, consult, item):
    c = world.client(world.handler)
    assert (
        "体育场地设施供给不足"
        in c.get(reverse("consult_session", args=[consult.session.pk])).content.decode()
    )
    assert consult.session.topic in c.get(reverse("consult_sessions")).content.decode()
    # Seeing is not recording: the phone page is the staff's.
    assert c.get(reverse("consult_spot_answer", args=[item.number])).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "company", "handler2", "commissioner"])
def test_people_without_a_part_in_the_session_get_404(world, consult, item, who):
    c = world.client(getattr(world, who))
    for url in (
        reverse("consult_session", args=[consult.session.pk]),
        reverse("consult_spot_answer", args=[item.number]),
        reverse("consult_ledger", args=[consult.session.pk]),
        reverse("consult_import", args=[consult.session.pk]),
        reverse("case_detail", args=[item.number]),
    ):
        assert c.get(url).status_code == 404, url
    assert c.post(reverse("consult_session", args=[consult.session.pk]), {"title": "x"}).status_code == 404


def test_outsiders_get_404_for_the_sessions_list_and_the_new_session_form(world, consult):
    assert world.client(world.outsider).get(reverse("consult_sessions")).status_code == 404
    assert world.client(world.company).get(reverse("consult_sessions")).status_code == 404
    assert world.client(world.handler).get(reverse("consult_session_new")).status_code == 404


def test_the_staff_register_a_session_and_bad_dates_are_refused(world, consult):
    c = world.client(consult.staff)
    url = reverse("consult_session_new")
    bad = c.post(url, {"topic": "推进东海百里文廊", "held_on": "2023-02-30", "organiser": consult.cppcc.pk})
    assert bad.status_code == 400 and "不是有效日期" in bad.content.decode()
    ok = c.post(url, {"topic": "推进东海百里文廊", "held_on": "2023-04-20", "organiser": consult.cppcc.pk})
    assert ok.status_code == 302


def test_the_public_summary_shows_answers_and_decisions_but_no_internal_notes(world, consult, item):
    item = act(item, "answer", world.handler, reason="书面答复：列入年度计划。")
    act(item, "adopt", consult.staff, reason="内部意见：请抓紧")
    anonymous = Client()
    listing = anonymous.get(reverse("consult_public_list")).content.decode()
    assert consult.session.topic in listing
    page = anonymous.get(reverse("consult_public_summary", args=[consult.session.pk])).content.decode()
    assert "体育场地设施供给不足" in page and "书面答复：列入年度计划。" in page and "采纳" in page
    assert "界别群众代表 代表乙" in page
    assert "内部说明" not in page and "内部意见" not in page and item.number not in page
    assert "区住建局" in page  # the answering unit is public; its figures are in the table


def test_a_session_not_made_public_is_404_to_the_public(world, consult):
    consult.session.public = False
    consult.session.save()
    assert Client().get(reverse("consult_public_summary", args=[consult.session.pk])).status_code == 404
    assert consult.session.topic not in Client().get(reverse("consult_public_list")).content.decode()


def test_the_leaders_dashboard_has_a_consultation_panel(world, consult, item):
    act(item, "answer", world.handler, reason="书面答复。")
    body = world.client(world.leader).get(reverse("dashboard")).content.decode()
    assert 'id="consult-panel"' in body and "协商事项 1 件，在办 1 件" in body
    assert "已书面答复 1 件，其中按期 1 件" in body


def test_the_research_report_file_is_kept_with_the_session_and_readable_only_by_those_who_see_it(
    world, consult, item
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buf, "PNG")
    c = world.client(consult.staff)
    r = c.post(
        reverse("consult_session_new"),
        {
            "topic": "推进东海百里文廊",
            "held_on": "2023-04-20",
            "organiser": consult.cppcc.pk,
            "report": SimpleUploadedFile("调研报告.png", buf.getvalue(), content_type="image/png"),
        },
    )
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "调研报告.png" in page
    from nuanqi.attachments.models import Attachment

    file_id = Attachment.objects.get(name="调研报告.png").pk
    assert c.get(reverse("attachment_download", args=[file_id])).status_code == 200
    assert world.client(world.outsider).get(reverse("attachment_download", args=[file_id])).status_code == 404
    bad = c.post(
        reverse("consult_session_new"),
        {"topic": "坏文件", "held_on": "2023-04-21", "organiser": consult.cppcc.pk,
         "report": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", content_type="application/octet-stream")},
    )  # fmt: skip
    assert bad.status_code == 400
    from nuanqi.consult.models import Session

    assert not Session.objects.filter(topic="坏文件").exists()


def test_the_session_page_takes_a_fixed_number_of_queries(world, consult, django_assert_max_num_queries):
    for i in range(10):
        raise_item(consult.session, title=f"问题{i}", lead_unit=world.zhujian, actor=consult.staff)
    c = world.client(consult.staff)
    with django_assert_max_num_queries(16):
        assert c.get(reverse("consult_session", args=[consult.session.pk])).status_code == 200
