"""Dashboards for the leader, the office, a unit and a commissioner: each renders, links every number to
its list, refuses people it is not for, and stays within a query budget that does not grow with the data."""

from __future__ import annotations

import re

import pytest

from nuanqi.calendars.services import current_calendar
from tests.cases.helpers import act, dispatched_to, file_case


def _some_cases(world, n: int) -> None:
    for i in range(n):
        c = file_case(world.commissioner, world.huakang, title=f"看板事项 {i}", category=world.certificate.pk)
        if i % 2 == 0:
            dispatched_to(c, world)
        if i % 3 == 0:
            act(c, "resolve", world.handler, result="已办结") if i % 2 == 0 else None


PAGES = [
    ("leader", "/dashboard/", "领导看板"),
    ("dispatcher", "/dashboard/office/", "受理派单台"),
    ("handler", "/dashboard/unit/", "单位看板"),
    ("commissioner", "/dashboard/week/", "本周工作"),
    ("leader", "/dashboard/kpis/?by=unit", "考核指标"),
    ("leader", "/briefing/", "暖企工程工作简报"),
]


@pytest.mark.parametrize(("persona", "url", "heading"), PAGES)
def test_each_dashboard_renders_for_its_persona(world, persona, url, heading):
    _some_cases(world, 4)
    page = world.client(getattr(world, persona)).get(url)
    assert page.status_code == 200
    assert heading in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("outsider", "/dashboard/"),
        ("handler", "/dashboard/"),
        ("commissioner", "/dashboard/office/"),
        ("outsider", "/dashboard/unit/"),
        ("handler", "/dashboard/week/"),
        ("commissioner", "/briefing/"),
        ("company", "/briefing.xlsx"),
    ],
)
def test_a_dashboard_is_404_to_people_it_is_not_for(world, persona, url):
    assert world.client(getattr(world, persona)).get(url).status_code == 404


@pytest.mark.parametrize(("persona", "url", "heading"), PAGES)
def test_each_dashboard_stays_within_its_query_budget(
    world, persona, url, heading, django_assert_max_num_queries
):
    client = world.client(getattr(world, persona))
    _some_cases(world, 3)
    current_calendar(force=True)
    client.get(url)  # warm: session, calendar
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    budget = len(small.captured_queries)  # read now: the next request resets Django's query log
    _some_cases(world, 12)
    current_calendar(force=True)
    client.get(url)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_every_number_on_the_leaders_overview_links_to_the_list_it_counts(world):
    _some_cases(world, 6)
    client = world.client(world.leader)
    page = client.get("/dashboard/").content.decode()
    tiles = re.findall(r'<a class="tile[^"]*" href="([^"]+)"><span class="n">(\d+)</span>', page)
    assert len(tiles) == 5
    for href, n in tiles:
        listed = client.get(href.replace("&amp;", "&")).content.decode()
        assert listed.count('<li class="row') == int(n), href


def test_the_units_tiles_link_to_its_lists(world):
    _some_cases(world, 4)
    client = world.client(world.handler)
    page = client.get("/dashboard/unit/").content.decode()
    tiles = re.findall(r'<a class="tile[^"]*" href="([^"]+)"><span class="n">(\d+)</span>', page)
    for href, n in tiles:
        assert client.get(href.replace("&amp;", "&")).content.decode().count('<li class="row') == int(n), href


def test_the_kpi_table_links_each_group_to_its_cases(world):
    _some_cases(world, 4)
    client = world.client(world.leader)
    page = client.get("/dashboard/kpis/?by=category").content.decode()
    assert "政府审批" in page
    link = re.search(r'href="(/cases/\?category=[^"]+)">(\d+)<', page)
    assert link is not None
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert listed.count('<li class="row') == int(link.group(2))


def test_a_bad_period_is_explained_not_crashed(world):
    page = world.client(world.leader).get("/dashboard/kpis/?from=2023-04-01&to=2023-03-01")
    assert page.status_code == 200 and "结束日期不能早于开始日期" in page.content.decode()
    assert world.client(world.leader).get("/dashboard/kpis/?from=昨天").status_code == 200


def test_the_units_to_sign_counts_co_handling_tasks_waiting_for_its_sign(world):
    from nuanqi.cases import services

    from ..cases.helpers import dispatched_to, file_case

    led = file_case(world.commissioner, world.huakang, "厂房消防验收")
    services.perform(led, "accept", actor=world.dispatcher, version=led.version)
    led.refresh_from_db()
    services.perform(led, "dispatch", actor=world.dispatcher, version=led.version, lead_unit=world.zhujian.pk)
    other = dispatched_to(file_case(world.commissioner, world.changhong, "用地审批"), world)
    services.add_task(other, actor=world.dispatcher, unit=world.jingxin)  # waits for 经信's 签收
    client = world.client(world.handler2)  # 区经信局
    page = client.get("/dashboard/unit/").content.decode()
    tiles = re.findall(r'<a class="tile[^"]*" href="([^"]+)"><span class="n">(\d+)</span>', page)
    href, n = tiles[0]
    assert n == "1"
    listed = client.get(href.replace("&amp;", "&")).content.decode()
    assert listed.count('<li class="row') == 1 and other.number in listed
    # The 住建 handler's tile counts the case dispatched to his unit and not yet signed.
    page = world.client(world.handler).get("/dashboard/unit/").content.decode()
    assert re.findall(r'<a class="tile[^"]*" href="[^"]+"><span class="n">(\d+)</span>', page)[0] == "1"
