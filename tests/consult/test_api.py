"""The consultation API: sessions with their items, filing items, acting through the engine's actions
endpoint, and 404 for outsiders."""

from __future__ import annotations

from nuanqi.consult.services import raise_item, record_on_spot_answer

from ..api.test_api import api_for


def test_the_staff_list_sessions_and_read_one_with_its_items(world, consult):
    item = raise_item(
        consult.session, title="体育设施规划", description="", raised_by=consult.representative,
        lead_unit=world.zhujian, actor=consult.staff,
    )  # fmt: skip
    record_on_spot_answer(item, "已建成环浙步道。", actor=consult.staff, version=item.version)
    api = api_for(consult.staff)
    [listed] = api.get("/consult/sessions").json()
    assert listed["topic"] == consult.session.topic and listed["items"] == 1
    detail = api.get(f"/consult/sessions/{consult.session.pk}").json()
    assert {p["name"] for p in detail["participants"]} == {"委员甲", "代表乙", "局长丙"}
    [row] = detail["item_list"]
    assert row["number"] == item.number and row["spot_answer"] == "已建成环浙步道。"
    assert row["status"] == "consult_spot" and row["raised_by"] == "代表乙" and row["lead_unit"] == "区住建局"


def test_an_item_is_filed_and_answered_through_the_api(world, consult):
    api = api_for(consult.staff)
    r = api.post(
        f"/consult/sessions/{consult.session.pk}/items",
        {"title": "公园健身设施少", "raised_by": consult.member.pk, "lead_unit": "区住建局"},
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    case = api.get(f"/cases/{number}").json()
    acted = api.post(
        f"/cases/{number}/actions",
        {"action": "answer_on_spot", "version": case["version"], "reason": "今年增设健身路径。"},
    )
    assert acted.status_code == 200, acted.content
    detail = api.get(f"/consult/sessions/{consult.session.pk}").json()
    assert detail["item_list"][0]["spot_answer"] == "今年增设健身路径。"


def test_bad_items_get_a_chinese_error_and_nothing_is_filed(world, consult):
    api = api_for(consult.staff)
    path = f"/consult/sessions/{consult.session.pk}/items"
    r = api.post(path, {"title": "x", "lead_unit": "不存在的局"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    r = api.post(path, {"title": ""})
    assert r.status_code == 422 and r.json()["error"] == "请填写标题"
    assert api.get(f"/consult/sessions/{consult.session.pk}").json()["items"] == 0


def test_a_unit_handler_reads_only_the_sessions_his_unit_answers_in(world, consult):
    raise_item(consult.session, title="规划", description="", lead_unit=world.zhujian, actor=consult.staff)
    assert [s["id"] for s in api_for(world.handler).get("/consult/sessions").json()] == [consult.session.pk]
    assert api_for(world.handler2).get("/consult/sessions").json() == []
    r = api_for(world.handler).post(f"/consult/sessions/{consult.session.pk}/items", {"title": "我来提"})
    assert r.status_code == 403


def test_outsiders_get_404_for_a_session_and_cannot_file_items(world, consult):
    for who in (world.outsider, world.company, world.handler2, world.commissioner):
        api = api_for(who)
        assert api.get(f"/consult/sessions/{consult.session.pk}").status_code == 404
        assert api.post(f"/consult/sessions/{consult.session.pk}/items", {"title": "x"}).status_code == 404
    assert api_for(world.outsider).get("/consult/sessions").json() == []
