"""The weekly 督查通报: its figures per unit and per street equal a recount from the cases themselves, for
every week around the work; it is a page (its own print layout) and a real .xlsx for any week, for the office
and the leaders only; the leader's dashboard shows this week's patrol panel."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.cases import services
from nuanqi.cases.models import Case, CaseLink
from nuanqi.patrol.models import Point
from nuanqi.patrol.report import METRICS, NO_STREET, NO_UNIT, build, monday_of, week_bounds
from nuanqi.patrol.services import ItemAnswer, submit_patrol

from ..cases.helpers import act
from .conftest import photo


def walk(patrols, key, fails):
    """A patrol of 卫海社区 failing the items in `fails` ({item: note}); the cases it filed, by item."""
    answers = [
        ItemAnswer(i.pk, "fail", fails[i], photo()) if i in fails else ItemAnswer(i.pk, "pass")
        for i in (patrols.door, patrols.verge, patrols.litter)
    ]
    patrol, _ = submit_patrol(patrols.leader, patrols.weihai.pk, answers, key=key)
    return {r.item_id: r.case for r in patrol.results.filter(outcome="fail")}


def rectify(case, world, reason="已整改"):
    evidence = services.attach(case, [photo("整改后.jpg")], actor=world.handler)
    return act(case, "apply_close", world.handler, reason=reason, attachment_ids=[evidence[0].pk])


def recount(monday, now):
    """The figures counted case by case, straight from each case's dates, clocks, links and timeline."""
    start, end = week_bounds(monday)
    until = min(end, now)
    units: dict[str, Counter] = defaultdict(Counter)
    streets: dict[str, Counter] = defaultdict(Counter)
    for case in Case.objects.filter(kind="patrol"):
        counts: Counter = Counter()
        if start <= case.received_at < end:
            counts["found"] += 1
            counts["relapses"] += CaseLink.objects.filter(from_case=case, type="relapse_of").exists()
        fix = case.clocks.filter(name="fix").first()
        met = fix is not None and fix.stopped_at is not None and fix.stopped_at <= fix.due_at
        if case.status == "patrol_closed" and start <= case.resolved_at < end and met:
            counts["on_time"] += 1
        if fix is not None and start <= fix.due_at < until and not met:
            counts["overdue"] += 1
        counts["recheck_failed"] += sum(
            1 for e in case.events.all() if e.action == "recheck_fail" and start <= e.at < end
        )
        unit = case.lead_unit.name if case.lead_unit else NO_UNIT
        point = Point.objects.filter(pk=case.subject_id).first() if case.subject_type == "point" else None
        street = point.town.name if point else NO_STREET
        units[unit].update(counts)
        streets[street].update(counts)

    def table(rows):
        return {name: [c[m] for m in METRICS] for name, c in rows.items() if any(c[m] for m in METRICS)}

    return table(units), table(streets)


def figures(rows):
    return {r.name: r.values() for r in rows}


@pytest.fixture
def work(world, patrols):
    """Two weeks of patrol work: a problem rectified after one failed 复查, one left to run overdue, a
    relapse, a public report with no point yet, and a problem from two weeks ago."""
    first = walk(patrols, "p1", {patrols.door: "网络通信箱箱门缺失", patrols.verge: "绿化带裸露"})
    door, verge = first[patrols.door.pk], first[patrols.verge.pk]
    for case in (door, verge):
        act(case, "file", world.dispatcher)
        act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    rectify(door, world)
    act(door, "recheck_fail", patrols.leader, reason="箱门未上锁")
    rectify(door, world, "已加锁")
    act(door, "recheck_pass", patrols.leader)
    relapse = walk(patrols, "p2", {patrols.door: "箱门又缺失"})[patrols.door.pk]
    public = services.create_case(
        services.NewCase(kind="patrol", title="垃圾堆放：东门", channel="online"), actor=world.dispatcher
    )
    old = services.create_case(
        services.NewCase(
            kind="patrol", title="旧问题", channel="patrol", received_at=timezone.now() - timedelta(days=14)
        ),
        actor=world.dispatcher,
    )
    verge.refresh_from_db()
    return {"door": door, "verge": verge, "relapse": relapse, "public": public, "old": old}


def test_the_figures_equal_a_recount_from_the_cases_for_every_week_around_the_work(work):
    overdue_due = work["verge"].clocks.get(name="fix").due_at
    later = overdue_due + timedelta(hours=1)  # the day the report is read: the 绿化带 deadline has passed
    today = timezone.localdate()
    for weeks in range(-3, 3):
        monday = monday_of(today + timedelta(weeks=weeks))
        report = build(monday, now=later)
        units, streets = recount(monday, later)
        assert figures(report.units) == units, monday
        assert figures(report.streets) == streets, monday
        assert report.total.values() == [sum(v[i] for v in units.values()) for i in range(len(METRICS))]

    this_week = build(today, now=later)
    assert this_week.total.found == 4 and this_week.total.relapses == 1
    assert this_week.total.on_time == 1 and this_week.total.recheck_failed == 1
    assert figures(this_week.streets)["环南街道"][:1] == [3] and figures(this_week.streets)[NO_STREET][0] == 1
    overdue_week = build(timezone.localtime(overdue_due).date(), now=later)
    assert figures(overdue_week.units)["区住建局"][METRICS.index("overdue")] == 1
    assert build(today - timedelta(days=14), now=later).total.found == 1


def test_the_page_and_the_workbook_show_the_same_figures_for_any_week(work, world):
    c = world.client(world.leader)
    monday = monday_of(timezone.localdate())
    page = c.get("/patrol/report/", {"week": (monday + timedelta(days=3)).isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "文明城市点位巡查督查通报" in html and "环南街道" in html and "window.print()" in html
    report = build(monday)
    r = c.get("/patrol/report.xlsx", {"week": monday.isoformat()})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["按责任单位", "按街道", "说明"]
    rows = list(wb["按街道"].iter_rows(values_only=True))
    assert rows[0] == ("街道", "发现问题", "按时整改", "逾期", "复发", "复查不通过")
    assert {row[0]: list(row[1:]) for row in rows[1:-1]} == figures(report.streets)
    assert list(rows[-1][1:]) == report.total.values()
    last_year = c.get("/patrol/report/", {"week": "2025-06-04"})
    assert last_year.status_code == 200 and "2025年6月2日" in last_year.content.decode()


def test_a_bad_week_is_refused_in_chinese(world):
    c = world.client(world.dispatcher)
    r = c.get("/patrol/report/", {"week": "上周"})
    assert r.status_code == 400 and "格式不正确" in r.content.decode()
    r = c.get("/patrol/report.xlsx", {"week": "2026-13-45"})
    assert r.status_code == 400 and "格式不正确" in r.content.decode()


@pytest.mark.parametrize("who", ["outsider", "handler", "company", "commissioner", "point_leader"])
def test_people_outside_the_office_and_the_leaders_get_404(world, patrols, who):
    user = patrols.leader if who == "point_leader" else getattr(world, who)
    c = world.client(user)
    assert c.get("/patrol/report/").status_code == 404
    assert c.get("/patrol/report.xlsx").status_code == 404
    assert Client().get("/patrol/report/").status_code == 302  # to the login page


def test_the_leaders_dashboard_has_a_patrol_panel_for_this_week(work, world):
    html = world.client(world.leader).get("/dashboard/").content.decode()
    assert 'id="patrol-panel"' in html and "发现问题 4 个" in html and "/patrol/report/" in html
