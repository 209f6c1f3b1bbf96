"""The daily KPI roll-up: kept by the writer, folded by the worker, recounted after a calendar change, and
never the home of a sealed kind; `imported` cases can be left out."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from nuanqi.calendars.models import CalendarDay
from nuanqi.calendars.services import current_calendar
from nuanqi.cases import kinds, kpis, rollup
from nuanqi.cases.models import Case, KpiRollup, KpiRollupMark
from nuanqi.cli import main

from .helpers import act, dispatched_to, file_case

pytestmark = pytest.mark.django_db


def _same(start: Any, end: Any, by: str | None = None, **kw: Any) -> list[dict[str, Any]]:
    got = rollup.read(start, end, by, **kw)
    assert got is not None
    qs = Case.objects.all()
    if kw.get("imported") is not None:
        qs = qs.filter(imported=kw["imported"])
    want = [k.as_dict() for k in kpis.compute(qs, start, end, by)]
    assert [k.as_dict() for k in got] == want
    return want


def test_the_writer_appends_deltas_and_the_fold_keeps_every_figure(world):
    today = timezone.localdate()
    for title in ("用电增容", "用地审批", "稳岗补贴"):
        case = dispatched_to(file_case(world.commissioner, world.huakang, title), world)
    act(case, "resolve", world.handler, result="已办理")
    act(case, "rate", world.company, satisfaction="unsatisfied")
    rows = KpiRollup.objects.count()
    before = _same(today, today, "unit")
    assert rollup.fold() > 0
    assert KpiRollup.objects.count() < rows
    assert _same(today, today, "unit") == before
    assert rollup.fold() == 0  # nothing new to fold


def test_a_step_that_moves_no_figure_writes_no_row(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    rows = KpiRollup.objects.count()
    act(case, "remind", world.leader)
    assert KpiRollup.objects.count() == rows


def test_a_calendar_change_recounts_the_working_days_from_the_changed_day(world):
    today = timezone.localdate()
    received = timezone.now() - timedelta(days=14)
    case = dispatched_to(file_case(world.commissioner, world.huakang, received_at=received), world)
    act(case, "resolve", world.handler, result="已办理")
    start = timezone.localdate(received)
    assert rollup.calendar_changed_since() is None
    day = start + timedelta(days=1)
    while not current_calendar(force=True).is_workday(day):
        day += timedelta(days=1)
    CalendarDay.objects.create(date=day, workday=False, name="台风停工")
    current_calendar(force=True)
    stale = rollup.read(start, today)
    fresh = kpis.total(Case.objects.all(), start, today)
    assert stale is not None and stale[0].avg_days == (fresh.avg_days or 0) + 1
    assert rollup.calendar_changed_since() == day
    assert rollup.follow_calendar() == day  # what the worker does each round
    _same(start, today)
    assert rollup.calendar_changed_since() is None


def test_rebuild_from_the_command_line_recounts_what_a_bulk_path_wrote(world, capsys):
    today = timezone.localdate()
    file_case(world.commissioner, world.huakang)
    Case.objects.update(kpi_keys=None)  # as if loaded in bulk
    assert rollup.read(today, today) is None  # the roll-up declines; callers count per case
    main(["kpis", "rebuild"])
    assert "1 个事项" in capsys.readouterr().out
    _same(today, today, "commissioner")
    main(["kpis", "rebuild", "--since", str(today)])
    capsys.readouterr()
    _same(today, today)
    main(["kpis", "--from", str(today), "--to", str(today), "--json"])
    assert json.loads(capsys.readouterr().out)["rows"][0]["received"] == 1


def test_imported_cases_are_counted_unless_left_out(world):
    today = timezone.localdate()
    file_case(world.commissioner, world.huakang)
    old = file_case(world.commissioner, world.changhong)
    Case.objects.filter(pk=old.pk).update(imported=True)
    rollup.rebuild()
    assert _same(today, today)[0]["received"] == 2
    assert _same(today, today, imported=False)[0]["received"] == 1
    assert kpis.compute_all(today, today, imported=True)[0].received == 1


def test_a_sealed_kind_is_never_rolled_up(world):
    sealed = kinds.sealed_kinds()
    if not sealed:
        pytest.skip("no sealed kind registered")
    today = timezone.localdate()
    Case.objects.create(
        number="JB2026-000001", kind=sealed[0], title="", status=kinds.get_kind(sealed[0]).initial
    )
    rollup.rebuild()
    assert not KpiRollup.objects.filter(kind__in=sealed).exists()
    assert not Case.objects.filter(kpi_keys__isnull=True).exists()
    assert rollup.read(today, today) is not None


def test_the_rollup_declines_a_dimension_it_does_not_keep(world):
    from nuanqi.cases.kpis import Dimension, register_dimension

    register_dimension(Dimension("priority", "优先级", lambda: kpis.F("priority"), lambda v: {}, ""))
    try:
        today = timezone.localdate()
        file_case(world.commissioner, world.huakang)
        assert rollup.read(today, today, "priority") is None
        assert kpis.compute_all(today, today, "priority")[0].received == 1
    finally:
        kpis._DIMENSIONS.pop("priority")


# ---------------------------------------------------------------- the monthly level

RANGES_BY = (None, "unit", "month", "category")


def _months_agree() -> int:
    """Each month row is the sum of its month's counted (`monthed`) daily rows; returns the month rows."""
    from nuanqi.cases.models import KpiRollupMonth

    want: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in KpiRollup.objects.filter(monthed=True).values():
        key = (r["dim"], r["ikey"], r["skey"], r["kind"], r["day"].replace(day=1), r["imported"])
        tally = want.setdefault(key, dict.fromkeys(rollup.COUNTERS, 0))
        for c in rollup.COUNTERS:
            tally[c] += r[c]
    want = {k: v for k, v in want.items() if any(v.values())}
    got = {
        (r["dim"], r["ikey"], r["skey"], r["kind"], r["month"], r["imported"]): {
            c: r[c] for c in rollup.COUNTERS
        }
        for r in KpiRollupMonth.objects.values()
    }
    assert got == want
    return len(got)


def _shanghai(d: Any, hour: int = 10) -> Any:
    return datetime.combine(d, time(hour), tzinfo=kpis.TZ)


def test_the_months_the_edge_days_and_the_fresh_rows_add_up_to_the_per_case_figures(world):
    today = timezone.localdate()
    m0 = (today.replace(day=1) - timedelta(days=40)).replace(day=1)  # the month before last
    m1 = (m0 + timedelta(days=32)).replace(day=1)
    m2 = (m1 + timedelta(days=32)).replace(day=1)
    days = [m0, m0 + timedelta(days=9), m0 + timedelta(days=20), m1 - timedelta(days=1), m1]
    days += [m1 + timedelta(days=14), m2 - timedelta(days=1), m2, min(m2 + timedelta(days=9), today), today]
    cases = [
        dispatched_to(
            file_case(world.commissioner, world.huakang, f"诉求{i}", received_at=_shanghai(d)), world
        )
        for i, d in enumerate(days)
    ]
    ranges = [
        (m0, today),  # whole months and the current one
        (m0 + timedelta(days=9), m1 + timedelta(days=19)),  # mid-month to mid-month
        (m0 + timedelta(days=1), m2 - timedelta(days=2)),  # edges read as a month less a day
        (m0 + timedelta(days=20), m2 + timedelta(days=9)),
        (m1, m2 - timedelta(days=1)),  # one whole month
        (m1 + timedelta(days=14), m1 + timedelta(days=14)),  # one day
        (m1 - timedelta(days=1), m2),  # the last day of one month to the first of the next
    ]
    whole, _days, outside = rollup.plan(m0 + timedelta(days=1), m2 - timedelta(days=2), today)
    assert whole and outside  # the subtraction is exercised

    def check() -> None:
        for start, end in ranges:
            for by in RANGES_BY:
                _same(start, end, by)

    check()  # nothing folded: every figure from the writer's delta rows
    assert rollup.fold() > 0
    assert _months_agree() > 0
    check()  # from the months, the edge days and nothing fresh
    # Changes to cases of folded days, and a new case on a folded day: fresh deltas (some negative) beside
    # the months, on days that are read, subtracted and inside whole months.
    act(cases[3], "resolve", world.handler, result="已办理")
    act(cases[3], "rate", world.company, satisfaction="unsatisfied")
    act(cases[1], "resolve", world.handler, result="已办理")
    act(cases[6], "resolve", world.handler, result="已办理")
    file_case(world.commissioner, world.changhong, "新诉求", received_at=_shanghai(m0 + timedelta(days=1)))
    assert KpiRollup.objects.filter(monthed=False).exists()
    check()
    assert rollup.fold() > 0
    _months_agree()
    assert not KpiRollup.objects.filter(monthed=False).exists()
    check()
    # Read again under the same token, the counted part is the one kept from the last read: the statement
    # reads the fresh rows and the token only.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    file_case(world.commissioner, world.changhong, "又一件", received_at=_shanghai(m1 + timedelta(days=3)))
    with CaptureQueriesContext(connection) as ctx:
        _same(m0 + timedelta(days=1), m2 - timedelta(days=2), "unit")
    roll = [q["sql"] for q in ctx.captured_queries if "kpirollup" in q["sql"]]
    assert roll and not any("kpirollupmonth" in q for q in roll)


def test_rebuilds_recount_the_months_they_touch(world):
    today = timezone.localdate()
    received = _shanghai(today.replace(day=1) - timedelta(days=20))
    case = dispatched_to(file_case(world.commissioner, world.huakang, received_at=received), world)
    act(case, "resolve", world.handler, result="已办理")
    file_case(world.commissioner, world.changhong)
    rollup.fold()
    start = timezone.localdate(received)
    # A typhoon day after the receipt: the working days of the earlier month's case change.
    day = start + timedelta(days=1)
    while not current_calendar(force=True).is_workday(day):
        day += timedelta(days=1)
    CalendarDay.objects.create(date=day, workday=False, name="台风停工")
    assert rollup.follow_calendar() == day
    _months_agree()
    _same(start.replace(day=1), today)
    _same(start + timedelta(days=1), today, "month")
    # A full rebuild, and the monthly level recounted from the daily rows (as after a bulk load).
    rollup.rebuild()
    _months_agree()
    from nuanqi.cases.models import KpiRollupMonth

    KpiRollupMonth.objects.update(received=99)
    assert rollup.rebuild_months(start) > 0
    _months_agree()
    _same(start.replace(day=1), today, "unit")
    KpiRollupMonth.objects.all().delete()
    KpiRollup.objects.update(monthed=False)  # daily rows written around the writer
    # Surgery on the counted part writes a new token, as every path of the house that changes it does.
    KpiRollupMark.objects.update(token="surgery")
    _same(start.replace(day=1), today, "unit")
    assert rollup.fold() > 0
    _months_agree()
    _same(start.replace(day=1), today, "unit")


# ---------------------------------------------------------------- 在办 and 超期


def _agree_at(now: Any, start: Any, end: Any) -> list[dict[str, Any]]:
    """The roll-up's figures at `now` equal the per-case count at the same `now`, for every dimension."""
    rows: list[dict[str, Any]] = []
    for by in (None, "unit", "month", "commissioner", "channel"):
        got = rollup.read(start, end, by, now=now)
        assert got is not None
        want = [k.as_dict() for k in kpis.compute(Case.objects.all(), start, end, by, now=now)]
        assert [k.as_dict() for k in got] == want, (by, now)
        if by is None:
            rows = want
    return rows


def test_open_and_overdue_agree_with_the_per_case_count_as_deadlines_pass(world):
    from nuanqi.cases.models import KpiOpenDue

    today = timezone.localdate()
    start = today - timedelta(days=60)
    old = dispatched_to(
        file_case(
            world.commissioner, world.huakang, "用地审批", received_at=_shanghai(today - timedelta(days=45))
        ),
        world,
    )
    fresh = dispatched_to(file_case(world.commissioner, world.changhong, "用电增容"), world)
    closed = dispatched_to(
        file_case(
            world.commissioner, world.huakang, "稳岗补贴", received_at=_shanghai(today - timedelta(days=30))
        ),
        world,
    )
    act(closed, "resolve", world.handler, result="已办理")
    new = file_case(world.commissioner, world.changhong, "开具合规证明")  # open, not yet dispatched
    now = timezone.now()
    first = _agree_at(now, start, today)[0]
    assert (first["open"], first["overdue"]) == (3, 1)  # the 45-day-old case is past its deadline

    # The fresh case's deadline passes between two reads, with no write between them: a minute before it,
    # due that day and not yet past (the live part); a minute after, the same day and past; a day later, due
    # before that day (the rows).
    fresh.refresh_from_db()
    due = fresh.resolve_due
    assert due is not None and due > now
    before = _agree_at(due - timedelta(minutes=1), start, today)[0]
    after = _agree_at(due + timedelta(minutes=1), start, today)[0]
    later = _agree_at(due + timedelta(days=1), start, today)[0]
    assert before["overdue"] < after["overdue"] <= later["overdue"]
    # At midnight of the due day: nothing of that day is past yet.
    midnight = datetime.combine(timezone.localdate(due), time.min, tzinfo=kpis.TZ)
    _agree_at(midnight, start, today)

    # An extension moves the deadline (and the case to another due day); a 重办 gives a new one; a hold takes
    # the case out of the open phase and a resume brings it back with a new deadline; a merge stops counting
    # the duplicate; a return keeps it open.
    act(fresh, "request_extension", world.handler, days=3, reason="需现场核实")
    act(fresh, "approve_extension", world.dispatcher)
    fresh.refresh_from_db()
    assert fresh.resolve_due != due
    for at in (
        due + timedelta(minutes=1),
        fresh.resolve_due - timedelta(minutes=1),
        fresh.resolve_due + timedelta(days=2),
    ):
        _agree_at(at, start, today)
    act(closed, "rate", world.company, satisfaction="unsatisfied")  # → 重办: open again, a fresh deadline
    act(new, "accept", world.dispatcher)
    act(new, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    act(new, "return", world.handler, reason="不属于本单位职责")
    act(old, "hold", world.dispatcher, reason="等待规划调整", review_on=str(today + timedelta(days=7)))
    _agree_at(timezone.now(), start, today)
    act(old, "resume", world.dispatcher)
    dup = file_case(world.commissioner, world.huakang, "用电增容")
    act(dup, "merge", world.dispatcher, original=old.number)
    _agree_at(timezone.now(), start, today)
    assert rollup.fold() >= 0
    closed.refresh_from_db()
    for at in (
        timezone.now(),
        closed.resolve_due - timedelta(minutes=1),
        closed.resolve_due + timedelta(minutes=1),
    ):
        _agree_at(at, start, today)

    # The fold merged each key's rows and dropped the keys whose cases closed or moved: the open cases with a
    # deadline, one row per dimension (one case per key here).
    rows = list(KpiOpenDue.objects.values("dim", "ikey", "skey", "kind", "day", "due", "imported", "n"))
    assert not KpiOpenDue.objects.filter(fresh=True).exists()
    assert all(r["n"] > 0 for r in rows)
    opened = [c for c in Case.objects.all() if c.status in kinds.statuses(kinds.OPEN) and c.resolve_due]
    assert len(rows) == len(opened) * len(rollup.rolled_dimensions())
    # A full rebuild writes the same rows.
    rollup.rebuild()
    assert sorted(
        map(str, KpiOpenDue.objects.values("dim", "ikey", "skey", "kind", "day", "due", "imported", "n"))
    ) == sorted(map(str, rows))
    _agree_at(timezone.now(), start, today)


def test_a_calendar_notice_that_moves_deadlines_moves_the_open_cases_due_day(world):
    from nuanqi.cases import recalendar
    from nuanqi.worktime import WorkCalendar

    today = timezone.localdate()
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    case.refresh_from_db()
    old = current_calendar(force=True)
    due_day = timezone.localdate(case.resolve_due)
    # The due day becomes a holiday: the deadline moves to a later working day.
    CalendarDay.objects.create(date=due_day, workday=False, name="台风停工")
    new = current_calendar(force=True)
    assert isinstance(new, WorkCalendar)
    assert recalendar.recompute_year(old, new, due_day.year) == 1
    case.refresh_from_db()
    assert timezone.localdate(case.resolve_due) > due_day
    assert case.kpi_keys["due"] == timezone.localdate(case.resolve_due).isoformat()
    for at in (
        timezone.now(),
        case.resolve_due - timedelta(minutes=1),
        case.resolve_due + timedelta(minutes=1),
    ):
        _agree_at(at, today, today)
