"""The JSON API over real HTTP semantics (Django test client): tokens, cases, tasks, ratings, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from nuanqi.accounts.models import ApiToken, Role, RoleGrant, User
from nuanqi.cases.models import Case

from ..conftest import PASSWORD


class Api:
    def __init__(self, token: str | None = None) -> None:
        self.c = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.c.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.c.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


def api_for(user) -> Api:
    return Api(ApiToken.issue(user)[1])


def new_case(api: Api, world, **over: Any) -> dict[str, Any]:
    body = {
        "kind": "request",
        "title": "开具合规证明",
        "description": "涉及15家单位",
        "category": "政府审批",
        "nature": "求助",
        "channel": "主动请缨",
        "company": world.huakang.pk,
        "importance": "重要",
        "urgency": "紧急",
        **over,
    }
    r = api.post("/cases", body)
    assert r.status_code == 201, r.content
    return r.json()


def test_a_token_is_issued_for_a_username_and_password(world):
    r = Api().post("/auth/token", {"username": "commissioner", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    me = Api(token).get("/me").json()
    assert me["username"] == "commissioner" and me["roles"] == ["commissioner"]


def test_a_wrong_password_gets_a_chinese_error_with_a_code(world):
    r = Api().post("/auth/token", {"username": "commissioner", "password": "nope"})
    assert r.status_code == 401
    assert r.json() == {"error": "用户名或密码错误", "code": "bad_credentials"}


def test_a_bad_or_revoked_token_answers_401(world):
    assert Api("nq_bogus").get("/cases").status_code == 401
    token, raw = ApiToken.issue(world.dispatcher)
    token.revoked = True
    token.save()
    assert Api(raw).get("/cases").status_code == 401


def test_a_token_answers_for_its_person_as_she_is_now_not_as_she_was(world):
    """The token's one statement reads the person, her unit and her roles on every request: nothing about
    her is kept from one request to the next."""
    api = api_for(world.handler)
    me = api.get("/me").json()
    assert me["roles"] == ["handler"] and me["unit"] == world.handler.unit.name
    RoleGrant.objects.create(user=world.handler, role=Role.DISPATCHER)
    assert api.get("/me").json()["roles"] == ["dispatcher", "handler"]
    RoleGrant.objects.filter(user=world.handler).delete()
    assert api.get("/me").json()["roles"] == []
    User.objects.filter(pk=world.handler.pk).update(unit=None)
    assert api.get("/me").json()["unit"] is None
    User.objects.filter(pk=world.handler.pk).update(is_active=False)
    assert api.get("/me").status_code == 401


def test_a_superusers_token_holds_the_admin_role_as_her_session_does(world):
    User.objects.filter(pk=world.commissioner.pk).update(is_superuser=True)
    assert api_for(world.commissioner).get("/me").json()["roles"] == ["admin", "commissioner"]


def test_creating_a_case_with_chinese_labels_returns_number_priority_version_and_deadlines(world):
    data = new_case(api_for(world.commissioner), world)
    assert data["number"].startswith("QY") and data["status"] == "new"
    assert data["priority"] == "P1" and data["version"] == 1
    assert data["channel"] == "volunteered" and data["nature"] == "help"
    assert data["category"] == "政府审批"
    assert data["resolve_due"] and data["contact_due"]
    assert data["events"][0]["action"] == "create"


def test_a_bad_field_is_refused_in_chinese_and_nothing_is_created(world):
    r = api_for(world.commissioner).post(
        "/cases", {"title": "x", "company": world.huakang.pk, "urgency": "特急"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_choice" and "紧急性" in r.json()["error"]
    r = api_for(world.commissioner).post("/cases", {"company": world.huakang.pk})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert Case.objects.count() == 0


def test_a_commissioner_cannot_file_for_a_company_he_does_not_serve(world):
    r = api_for(world.commissioner2).post("/cases", {"title": "x", "company": world.huakang.pk})
    assert r.status_code == 422 and r.json()["code"] == "unknown_company"


def test_a_company_contact_files_for_its_own_company_without_naming_it(world):
    r = api_for(world.company).post("/cases", {"title": "申请用电增容", "category": "要素保障"})
    assert r.status_code == 201
    assert r.json()["subject"]["label"] == world.huakang.name


def test_actions_move_the_case_and_a_stale_version_answers_409(world):
    number = new_case(api_for(world.commissioner), world)["number"]
    office = api_for(world.dispatcher)
    r = office.post(f"/cases/{number}/actions", {"action": "accept", "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["version"] == 2
    r = office.post(f"/cases/{number}/actions", {"action": "dispatch", "version": 1, "lead_unit": "区住建局"})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = office.post(f"/cases/{number}/actions", {"action": "dispatch", "version": 2, "lead_unit": "区住建局"})
    assert r.status_code == 200 and r.json()["lead_unit"]["name"] == "区住建局"
    assert [a["action"] for a in r.json()["actions"]] == ["note", "supervise", "remind"]


def test_a_forbidden_transition_and_a_forbidden_role_answer_4xx_with_codes(world):
    number = new_case(api_for(world.commissioner), world)["number"]
    r = api_for(world.admin).post(
        f"/cases/{number}/actions", {"action": "resolve", "version": 1, "result": "x"}
    )
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = api_for(world.commissioner).post(f"/cases/{number}/actions", {"action": "accept", "version": 1})
    assert r.status_code == 403 and r.json()["code"] == "not_allowed"
    r = api_for(world.dispatcher).post(f"/cases/{number}/actions", {"action": "fly", "version": 1})
    assert r.status_code == 422 and r.json()["code"] == "unknown_action"


def test_tasks_show_progress_and_are_completed_by_the_commissioner(world):
    commissioner = api_for(world.commissioner)
    office = api_for(world.dispatcher)
    number = new_case(commissioner, world)["number"]
    office.post(f"/cases/{number}/actions", {"action": "accept", "version": 1})
    ids = []
    for unit in ("区住建局", "区经信局", world.outside.pk):
        r = office.post(f"/cases/{number}/tasks", {"unit": unit, "note": "出具证明"})
        assert r.status_code == 201
        ids.append(r.json()["id"])
    r = commissioner.post(f"/cases/{number}/tasks/{ids[0]}/actions", {"action": "done", "note": "已取回"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    detail = commissioner.get(f"/cases/{number}").json()
    assert (detail["tasks_done"], detail["tasks_total"]) == (1, 3)
    assert [t["in_district"] for t in detail["tasks"]] == [True, True, False]
    r = api_for(world.handler2).post(f"/cases/{number}/tasks/{ids[0]}/actions", {"action": "sign"})
    assert r.status_code == 403
    r = commissioner.post(f"/cases/{number}/tasks/999999/actions", {"action": "done"})
    assert r.status_code == 404


def test_rating_unsatisfied_reopens_through_the_rating_endpoint(world):
    # A company files through its own channel: the office chooses the channel and lead unit.
    # (Nor the priority: that is the office's triage too.)
    number = new_case(
        api_for(world.company), world, company=None, channel="企业求助", importance="一般", urgency="不紧急"
    )["number"]
    office = api_for(world.dispatcher)
    office.post(f"/cases/{number}/actions", {"action": "accept", "version": 1})
    office.post(f"/cases/{number}/actions", {"action": "dispatch", "version": 2, "lead_unit": "区住建局"})
    handler = api_for(world.handler)
    handler.post(f"/cases/{number}/actions", {"action": "sign", "version": 3})
    handler.post(f"/cases/{number}/actions", {"action": "resolve", "version": 4, "result": "已答复"})
    r = api_for(world.company).post(
        f"/cases/{number}/rating", {"version": 5, "satisfaction": "不满意", "comment": "没解决"}
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress"


def test_the_list_filters_and_pages_by_keyset(world):
    api = api_for(world.commissioner)
    numbers = [new_case(api, world, title=f"事项{i}")["number"] for i in range(5)]
    page1 = api.get("/cases", limit=2).json()
    assert [c["number"] for c in page1["items"]] == numbers[::-1][:2]
    page2 = api.get("/cases", limit=2, next=page1["next"]).json()
    assert [c["number"] for c in page2["items"]] == numbers[::-1][2:4]
    page3 = api.get("/cases", limit=2, next=page2["next"]).json()
    assert page3["next"] is None and len(page3["items"]) == 1
    assert len(api.get("/cases", status="待受理").json()["items"]) == 5
    assert api.get("/cases", owner="me").json()["items"] == []
    assert api.get("/cases", overdue="true").json()["items"] == []
    assert len(api.get("/cases", company=world.huakang.pk).json()["items"]) == 5
    assert api.get("/cases", company=world.changhong.pk).json()["items"] == []
    assert api.get("/cases", status="飞了").status_code == 422
    assert api.get("/cases", next="abc").json()["code"] == "invalid_cursor"


def test_companies_are_listed_created_with_a_checked_uscc_and_hidden_from_outsiders(world):
    office = api_for(world.dispatcher)
    r = office.post("/companies", {"name": "舟山良海粮油有限公司", "uscc": "91330902MA2A1B2C3X"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_uscc" and "校验位" in r.json()["error"]
    r = office.post("/companies", {"name": "舟山良海粮油有限公司", "uscc": "9133090212345"})
    assert "18 位" in r.json()["error"]
    from nuanqi.lib.uscc import with_check_digit

    good = with_check_digit("91330902MA2A9X8Y7")
    r = office.post("/companies", {"name": "舟山良海粮油有限公司", "uscc": good.lower(), "town": "白泉镇"})
    assert r.status_code == 201 and r.json()["uscc"] == good and r.json()["town"] == "白泉镇"
    assert {c["name"] for c in api_for(world.commissioner).get("/companies").json()} == {world.huakang.name}
    assert api_for(world.commissioner).post("/companies", {"name": "x", "uscc": good}).status_code == 403


def test_units_are_listed(world):
    names = [u["name"] for u in api_for(world.outsider).get("/units").json()]
    assert "区住建局" in names and "舟山市市场监督管理局" in names


def test_the_work_log_records_the_day_and_refuses_the_future(world):
    api = api_for(world.commissioner)
    number = new_case(api, world)["number"]
    r = api.post(
        "/worklog",
        {"date": "2023-01-30", "time": "09:10", "unit": "区住建局", "case": number, "note": "取证明"},
    )
    assert r.status_code == 201 and r.json()["company"] == world.huakang.name
    assert api.post("/worklog", {"date": "2099-01-01", "note": "x"}).json()["code"] == "invalid_date"
    r = api_for(world.commissioner2).post("/worklog", {"date": "2023-01-30", "case": number, "note": "x"})
    assert r.json()["code"] == "unknown_case"
    assert len(api.get("/worklog", date_from="2023-01-01", date_to="2023-12-31").json()) == 1
    assert api_for(world.commissioner2).get("/worklog").json() == []


def test_the_calendar_endpoint_counts_working_days_from_the_next_day(world):
    api = api_for(world.outsider)
    r = api.get("/calendar/deadline", start="2023-01-20T10:00:00+08:00", working_days=1)
    assert r.json()["deadline"].startswith("2023-01-28T17:00:00")
    r = api.get("/calendar/deadline", start="2023-01-20T10:00:00+08:00")
    assert r.status_code == 422
    r = api.get("/calendar/day", date="2023-05-06")
    assert r.json()["workday"] is True


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_and_docs_are_served(world, path):
    r = Client().get(path)
    assert r.status_code == 200
    if path.endswith(".json"):
        assert "/api/v1/cases/{number}/actions" in r.json()["paths"]


def test_a_malformed_json_body_is_a_clear_error(world):
    api = api_for(world.commissioner)
    r = api.c.post("/api/v1/cases", "{nope", content_type="application/json", headers=api.headers)
    assert r.status_code in (400, 422) and "code" in r.json()
