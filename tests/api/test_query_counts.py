"""Statements per request on the hot paths: intake, and lists whose cost must not grow with their rows.

The counts are budgets, not timings: a change that adds a statement per intake or per row fails here."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from nuanqi.cases.schemas import CasePage

from ..cases.helpers import file_case
from .test_api import api_for

# One intake (POST /api/v1/cases as a commissioner): the token with its person's roles, company, category,
# SLA policy; number (locked read and UPDATE); the KPI roll-up's company facts, delta rows and the open
# case's due-day rows (超期, docs/kpis.md); the case — its chain head and roll-up contribution computed
# before its one INSERT, so no second UPDATE of the case —, search index, event; notification recipients
# (the office's role grants, then the people) and their preferences (the channel switches are read only when
# someone chose an external channel), the outbox rows in one INSERT; savepoint and release; the 201 body's
# relations.
INTAKE_BUDGET = 19


def _body(world: Any) -> dict[str, Any]:
    return {
        "title": "用电增容",
        "company": world.huakang.pk,
        "description": "新建车间需增容 800 千伏安",
        "category": world.certificate.pk,
    }


def test_an_intake_takes_its_budget_of_statements_and_answers_without_reading_the_case_back(
    world, django_assert_max_num_queries
):
    api = api_for(world.commissioner)
    assert api.post("/cases", _body(world)).status_code == 201  # the year's first number is made once
    with django_assert_max_num_queries(INTAKE_BUDGET) as captured:
        r = api.post("/cases", _body(world))
    assert r.status_code == 201
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sql if s.startswith("SELECT") and '"cases_case"' in s.split(" FROM ")[1][:20]]
    assert sum(1 for s in sql if "notify_delivery" in s) <= 1  # the outbox rows in one statement
    # The person's roles are read once, by the token's statement (nuanqi.api.BearerToken), never again.
    assert '"accounts_rolegrant"' in sql[0] and '"accounts_apitoken"' in sql[0]
    assert sum(1 for s in sql if '"accounts_rolegrant"."user_id" = ' in s) == 0
    # The body is what a read of the case gives.
    assert r.json() == api.get(f"/cases/{r.json()['number']}").json()


@pytest.mark.parametrize(
    "path", ["/cases/worklist?limit=50", "/cases?limit=50", "/cases/search?q=%E5%90%88%E8%A7%84&limit=25"]
)
def test_a_list_takes_the_same_statements_for_3_rows_or_15(
    world, path, django_assert_max_num_queries, monkeypatch
):
    # The API writes times to the millisecond (Django's JSON encoder): a time 0.5 ms past the second reads
    # "…:34.000Z", and validated back it is "…:34Z". The clock of this test ticks in whole milliseconds, so
    # that the comparison below through the schema is exact for every row.
    clock = timezone.now
    monkeypatch.setattr(
        timezone, "now", lambda: (t := clock()).replace(microsecond=t.microsecond // 1000 * 1000)
    )
    api = api_for(world.commissioner)
    for _ in range(3):
        file_case(world.commissioner, world.huakang, "开具合规证明")
    api.get(path)
    with django_assert_max_num_queries(7) as small:
        r = api.get(path)
    assert len(r.json()["items"]) == 3
    budget = len(small.captured_queries)
    for _ in range(12):
        file_case(world.commissioner, world.huakang, "开具合规证明")
    # The token's last use is written at most once a minute: on a busy machine the twelve intakes can take
    # longer than that, and the write would land in the measured request. A request first takes it.
    api.get(path)
    with django_assert_max_num_queries(budget):
        r = api.get(path)
    assert len(r.json()["items"]) == 15
    # Rows are written from plain dicts, but exactly as the validated schema would write them.
    page = r.json()
    assert json.loads(json.dumps(CasePage.model_validate(page).model_dump(), cls=NinjaJSONEncoder)) == page
    assert (
        r.content == json.dumps(CasePage.model_validate(page).model_dump(), cls=NinjaJSONEncoder).encode()
    )  # byte for byte


def test_the_worklist_takes_four_statements_and_its_page_eight(world, django_assert_num_queries):
    """The API: the token with its person's roles, the list's ids, the ranking, the page's rows. The page
    (我的清单, a commissioner): the session, the person, her roles, the ids, the ranking, the rows, the
    counts, the bell."""
    for _ in range(3):
        file_case(world.commissioner, world.huakang, "开具合规证明")
    api = api_for(world.commissioner)
    api.get("/cases/worklist?limit=50")  # the token's last use is written at most once a minute: here
    with django_assert_num_queries(4):
        r = api.get("/cases/worklist?limit=2")
    assert len(r.json()["items"]) == 2 and r.json()["next"]
    with django_assert_num_queries(4):
        assert len(api.get(f"/cases/worklist?limit=2&next={r.json()['next']}").json()["items"]) == 1
    client = world.client(world.commissioner)
    client.get("/")
    with django_assert_num_queries(8):
        html = client.get("/").content.decode()
    assert "待办 3 项" in html
