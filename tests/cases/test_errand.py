"""The commissioner's errand: the seed's commissioner ran the 15-unit compliance certificate herself,
adding the units to her company's case and marking them done as she went — "一上午跑完了6家"."""

from __future__ import annotations

from nuanqi.accounts.models import Unit, UnitKind

from ..api.test_api import api_for
from .helpers import file_case


def test_the_commissioner_adds_fifteen_units_and_marks_six_done(world):
    case = file_case(world.commissioner, world.huakang, "开具15家单位合规证明")
    units = [
        Unit.objects.create(name=f"合规证明出具单位{i:02d}", kind=UnitKind.DEPARTMENT) for i in range(15)
    ]
    api = api_for(world.commissioner)
    ids = []
    for unit in units:
        r = api.post(f"/cases/{case.number}/tasks", {"unit": unit.pk, "note": "出具无违法违规证明"})
        assert r.status_code == 201, r.content
        ids.append(r.json()["id"])
    for task_id in ids[:6]:
        r = api.post(
            f"/cases/{case.number}/tasks/{task_id}/actions", {"action": "done", "note": "已取得证明"}
        )
        assert r.status_code == 200, r.content
    detail = api.get(f"/cases/{case.number}").json()
    assert (detail["tasks_done"], detail["tasks_total"]) == (6, 15)
    page = world.client(world.commissioner).get(f"/cases/{case.number}/").content.decode()
    assert "6/15" in page

    # A unit that turned out not to be needed comes off; a finished one stays on the record.
    assert (
        api.c.delete(f"/api/v1/cases/{case.number}/tasks/{ids[-1]}", headers=api.headers).status_code == 204
    )
    refused = api.c.delete(f"/api/v1/cases/{case.number}/tasks/{ids[0]}", headers=api.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "task_done"
    detail = api.get(f"/cases/{case.number}").json()
    assert (detail["tasks_done"], detail["tasks_total"]) == (6, 14)
    assert detail["events"][-1]["action"] == "task_remove"


def test_another_commissioner_may_not_run_the_errand(world):
    case = file_case(world.commissioner, world.huakang)
    r = api_for(world.commissioner2).post(f"/cases/{case.number}/tasks", {"unit": world.jingxin.pk})
    assert r.status_code == 404
    r = api_for(world.company).post(f"/cases/{case.number}/tasks", {"unit": world.jingxin.pk})
    assert r.status_code == 403
    task = api_for(world.commissioner).post(f"/cases/{case.number}/tasks", {"unit": world.jingxin.pk}).json()
    for person in (world.commissioner2, world.outsider):
        api = api_for(person)
        gone = api.c.delete(f"/api/v1/cases/{case.number}/tasks/{task['id']}", headers=api.headers)
        assert gone.status_code == 404
