"""我的清单 over the API with its keyset cursor, full-text search, query budgets, the bench endpoints."""

from __future__ import annotations

import pytest
from django.test import Client

from nuanqi.cases.models import Case
from nuanqi.cases.search import like_q, matching_ids
from nuanqi.cases.visibility import my_worklist
from tests.cases.helpers import act, dispatched_to, file_case
from tests.conftest import World


def _numbers(client: Client, path: str) -> list[str]:
    out: list[str] = []
    nxt: str | None = ""
    while nxt is not None:
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}next={nxt}" if nxt else path)
        assert r.status_code == 200, r.content
        body = r.json()
        out += [item["number"] for item in body["items"]]
        nxt = body["next"]
    return out


def test_the_worklist_api_pages_through_the_same_order_as_the_page(world: World) -> None:
    for i in range(7):
        c = file_case(
            world.commissioner, world.huakang, f"申请用地指标{i}", urgency="urgent" if i % 2 else "normal"
        )
        if i % 3 == 0:
            dispatched_to(c, world)
    expected = [c.number for c in my_worklist(world.handler)]
    assert expected
    assert _numbers(world.client(world.handler), "/api/v1/cases/worklist?limit=2") == expected
    mine = [c.number for c in my_worklist(world.commissioner)]
    assert len(mine) == 7
    assert _numbers(world.client(world.commissioner), "/api/v1/cases/worklist?limit=3") == mine


def test_the_worklist_api_shows_an_outsider_nothing(world: World) -> None:
    file_case(world.commissioner, world.huakang)
    r = world.client(world.outsider).get("/api/v1/cases/worklist")
    assert r.status_code == 200
    assert r.json() == {"items": [], "next": None}


def test_the_worklist_api_refuses_a_forged_cursor(world: World) -> None:
    r = world.client(world.commissioner).get("/api/v1/cases/worklist?next=abc")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_cursor"


def test_the_worklist_keeps_its_query_budget_however_long_it_is(
    world: World, django_assert_max_num_queries: object
) -> None:
    for i in range(30):
        dispatched_to(file_case(world.commissioner, world.huakang, f"协调用电{i}"), world)
    client = world.client(world.handler)
    client.get("/api/v1/cases/worklist")
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        r = client.get("/api/v1/cases/worklist?limit=50")
    assert len(r.json()["items"]) == 30
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        page = client.get("/")
    assert page.status_code == 200


def test_search_finds_a_word_inside_titles_and_descriptions(world: World) -> None:
    a = file_case(world.commissioner, world.huakang, "申请环评审批", description="新厂房需要环评")
    b = file_case(world.commissioner, world.huakang, "协调用地", description="人才公寓用地指标")
    file_case(world.commissioner, world.huakang, "咨询稳岗补贴")
    client = world.client(world.commissioner)
    assert [i["number"] for i in client.get("/api/v1/cases/search", {"q": "环评"}).json()["items"]] == [
        a.number
    ]
    assert [i["number"] for i in client.get("/api/v1/cases/search", {"q": "人才公寓"}).json()["items"]] == [
        b.number
    ]
    both = client.get("/api/v1/cases/search", {"q": "华康"}).json()["items"]
    assert len(both) == 3  # the subject (company name) is searchable too


def test_search_agrees_with_a_like_scan_for_words_and_phrases(world: World) -> None:
    titles = ["环评批复变更", "排污许可证", "环保整改复查", "环评", "变更登记", "人才安居补贴"]
    for t in titles:
        file_case(world.commissioner, world.huakang, t)
    for word in ("环评", "变更", "许可证", "评批", "环评批复", "补贴", "安居"):
        like = set(Case.objects.filter(like_q(word)).values_list("id", flat=True))
        assert set(matching_ids(word)) == like, word


def test_search_shows_other_commissioners_nothing(world: World) -> None:
    file_case(world.commissioner, world.huakang, "申请环评审批")
    for user in (world.commissioner2, world.outsider):
        assert world.client(user).get("/api/v1/cases/search", {"q": "环评"}).json()["items"] == []


def test_search_of_a_single_character_falls_back_to_a_scan(world: World) -> None:
    c = file_case(world.commissioner, world.huakang, "用电")
    r = world.client(world.commissioner).get("/api/v1/cases/search", {"q": "电"})
    assert [i["number"] for i in r.json()["items"]] == [c.number]


def test_search_pages_newest_first_with_a_cursor(world: World) -> None:
    made = [file_case(world.commissioner, world.huakang, f"码头改造用海{i}").number for i in range(5)]
    assert _numbers(world.client(world.leader), "/api/v1/cases/search?q=码头&limit=2") == made[::-1]


def test_search_refuses_an_empty_query(world: World) -> None:
    r = world.client(world.commissioner).get("/api/v1/cases/search", {"q": "  "})
    assert r.status_code == 422
    assert r.json()["code"] == "missing_field"


def test_search_keeps_its_query_budget(world: World, django_assert_max_num_queries: object) -> None:
    for i in range(40):
        file_case(world.commissioner, world.huakang, f"申请环评审批{i}")
    client = world.client(world.leader)
    client.get("/api/v1/cases/search", {"q": "环评"})
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        r = client.get("/api/v1/cases/search", {"q": "环评", "limit": 25})
    assert len(r.json()["items"]) == 25


def test_the_all_cases_page_has_a_search_box_that_searches(world: World) -> None:
    c = file_case(world.commissioner, world.huakang, "申请环评审批")
    file_case(world.commissioner, world.huakang, "协调用地")
    page = world.client(world.commissioner).get("/cases/", {"q": "环评"})
    html = page.content.decode()
    assert 'name="q"' in html
    assert c.number in html
    assert "协调用地" not in html


def test_a_case_changed_after_filing_is_still_found_by_its_title(world: World) -> None:
    c = file_case(world.commissioner, world.huakang, "申请施工许可证")
    dispatched_to(c, world)
    act(c, "note", world.handler, reason="已联系企业")
    assert matching_ids("施工许可") == [c.pk]


@pytest.mark.parametrize("path", ["/bench/const/", "/bench/insert/"])
def test_the_bench_reference_endpoints_do_not_exist_in_production(world: World, path: str) -> None:
    assert world.client(world.admin).get(path).status_code == 404


def test_the_worklist_page_shows_fifty_with_a_next_link_and_counts_the_whole_list(world: World) -> None:
    for i in range(55):
        file_case(world.commissioner, world.huakang, f"申请融资{i}")
    client = world.client(world.commissioner)
    first = client.get("/")
    html = first.content.decode()
    assert html.count("申请融资") == 50
    assert "待办 55 项" in html
    nxt = first.context["next"]
    assert nxt
    rest = client.get("/", {"next": nxt}).content.decode()
    assert rest.count("申请融资") == 5
