"""The scale generator writes, through bulk paths, the same world the services would have written."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db.models import F, Q
from django.utils import timezone

from nuanqi.cases import kinds, kpis, sla
from nuanqi.cases.models import Case, Event, NumberCounter, Status, Task, TaskStatus
from nuanqi.cases.search import like_q, matching_ids
from nuanqi.cases.timeline import verify
from nuanqi.demo.scale import build_scale
from nuanqi.enterprise.models import Assignment, Company

pytestmark = pytest.mark.django_db(transaction=False)

CASES = 1500


@pytest.fixture
def scale_world(db: None) -> dict[str, Any]:
    # Four chunks over two worker processes: the parallel path, the parent writing (inside the test's
    # transaction no other connection could).
    return build_scale(CASES, companies=400, commissioners=20, workers=2, chunk=400, log=lambda _line: None)


def test_the_world_depends_on_the_seed_not_on_the_workers(db: None) -> None:
    from django.db import transaction

    now = timezone.now()

    def heads(workers: int) -> list[tuple[str, str, int]]:
        build_scale(
            1200, now=now, companies=60, commissioners=6, workers=workers, chunk=300, log=lambda _l: None
        )
        return list(Case.objects.order_by("number").values_list("number", "event_head", "event_count"))

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            alone = heads(0)
            raise Undo
    except Undo:
        pass
    assert not Case.objects.exists()
    assert heads(2) == alone
    assert len(alone) == 1200


def test_receipts_are_in_order_and_numbered_per_year(db: None) -> None:
    from nuanqi.demo.scale import Plan

    now = timezone.now()
    plan = Plan(5000, 3, now)
    received = [plan.received(k) for k in range(plan.n)]
    assert all(a <= b for a, b in pairwise(received))
    assert received[-1] <= now
    numbers = [plan.number(k, r.date()) for k, r in enumerate(received)]
    assert len(set(numbers)) == plan.n
    for year, count in plan.counters().items():
        mine = [n for n in numbers if n.startswith(f"QY{year}-")]
        assert len(mine) == count
        assert mine[-1] == f"QY{year}-{count:06d}"


def test_it_makes_the_world_it_reports(scale_world: dict[str, Any]) -> None:
    assert Case.objects.count() == CASES == scale_world["cases"]
    assert Event.objects.count() == scale_world["events"]
    assert Task.objects.count() == scale_world["tasks"]
    assert Company.objects.count() == 400
    assert Assignment.objects.filter(ended_on__isnull=True).count() == 400
    assert 5 <= scale_world["events"] / CASES <= 12
    assert 1.0 <= scale_world["tasks"] / CASES <= 2.0


def test_every_hash_chain_verifies(scale_world: dict[str, Any]) -> None:
    assert list(verify()) == []


def test_a_tampered_event_is_still_caught(scale_world: dict[str, Any]) -> None:
    Event.objects.filter(pk=Event.objects.order_by("id").values("id")[5:6]).update(reason="改过的记录")
    assert len(list(verify())) == 1


def test_the_status_mix_is_mostly_closed_with_open_work_left(scale_world: dict[str, Any]) -> None:
    counts = scale_world["status"]
    closed = sum(v for k, v in counts.items() if k in kinds.statuses(kinds.CLOSED))
    assert closed / CASES > 0.8
    assert counts.get(Status.IN_PROGRESS, 0) > 0
    assert "" not in counts


def test_status_and_timestamps_tell_the_same_story(scale_world: dict[str, Any]) -> None:
    done = (Status.RESOLVED, Status.VISITING, Status.RATED, Status.ARCHIVED)
    assert not Case.objects.filter(status__in=done, resolved_at__isnull=True).exists()
    assert not Case.objects.filter(status=Status.RATED, satisfaction="").exists()
    assert not Case.objects.filter(
        status__in=(Status.ARCHIVED, Status.REJECTED), closed_at__isnull=True
    ).exists()
    assert not Case.objects.filter(status=Status.IN_PROGRESS, signed_at__isnull=True).exists()
    assert not Case.objects.filter(resolved_at__lt=F("received_at")).exists()
    assert not Case.objects.exclude(version=F("event_count")).exists()
    # A resolved case has no open co-handling task (services.perform refuses to resolve it otherwise).
    open_tasks = Task.objects.filter(status__in=[TaskStatus.PENDING, TaskStatus.SIGNED])
    assert not open_tasks.filter(case__status__in=done).exists()


def test_counters_agree_with_the_events(scale_world: dict[str, Any]) -> None:
    for case in Case.objects.filter(Q(return_count__gt=0) | Q(extension_days__gt=0) | Q(reopen_count__gt=0)):
        actions = list(case.events.values_list("action", flat=True))
        assert actions.count("return") == case.return_count
        assert (case.extension_days > 0) == ("approve_extension" in actions)
        assert case.reopen_count == sum(
            1 for e in case.events.filter(action="rate") if e.changes.get("reopened")
        )


def test_deadlines_come_from_the_working_calendar(scale_world: dict[str, Any]) -> None:
    for case in Case.objects.filter(extension_days=0, reopen_count=0).order_by("id")[:200]:
        limits = sla.limits_for(case.kind, case.nature, case.priority)
        assert case.resolve_due == sla.resolve_deadline(case.received_at, limits)
        assert case.warn_at == sla.warn_at(case.resolve_due)


def test_the_kpis_agree_with_the_per_case_rules(scale_world: dict[str, Any]) -> None:
    today = timezone.localdate()
    k = kpis.total(Case.objects.all(), today - timedelta(days=3 * 365 + 2), today)
    # The same figures read from each case's own timeline, the way the services wrote it.
    resolved = returned = extended = rated = satisfied = 0
    for actions in _timelines().values():
        names = [a for a, _c in actions]
        last_resolve = max((i for i, a in enumerate(names) if a == "resolve"), default=-1)
        reopened_after = any(a == "rate" and c.get("reopened") for a, c in actions[last_resolve + 1 :])
        resolved += last_resolve >= 0 and not reopened_after
        returned += "return" in names
        extended += "approve_extension" in names
        ratings = [c["satisfaction"] for a, c in actions if a == "rate"]
        rated += bool(ratings)
        satisfied += bool(ratings) and ratings[-1] in ("satisfied", "basic")
    assert k.received == CASES
    assert (k.resolved, k.returned, k.extended, k.rated, k.satisfied) == (
        resolved,
        returned,
        extended,
        rated,
        satisfied,
    )
    assert 0.8 < (k.rates["satisfaction"] or 0) <= 1


def test_the_roll_up_gives_the_per_case_figures(scale_world: dict[str, Any]) -> None:
    from nuanqi.cases import rollup

    today = timezone.localdate()
    spans = [
        (today - timedelta(days=3 * 365 + 2), today),
        (today - timedelta(days=400), today - timedelta(days=30)),
    ]
    # 在办 and 超期 at several moments: now, a few days on (deadlines passed with no write), and a minute
    # before and after the deadline of the open case due soonest (due that day: the live part of 超期).
    now = timezone.now()
    soonest = (
        Case.objects.filter(status__in=kinds.statuses(kinds.OPEN), resolve_due__gt=now)
        .order_by("resolve_due")
        .first()
    )
    assert soonest is not None and soonest.resolve_due is not None
    moments = [now, now + timedelta(days=3), soonest.resolve_due - timedelta(minutes=1)]
    moments.append(soonest.resolve_due + timedelta(minutes=1))
    overdue = []
    for at in moments:
        for by in [None, *kpis.dimensions()]:
            for start, end in spans:
                got = rollup.read(start, end, by, now=at)
                assert got is not None
                want = kpis.compute(Case.objects.all(), start, end, by, now=at)
                assert [k.as_dict() for k in got] == [k.as_dict() for k in want], (by, at)
                if by is None and start == spans[0][0]:
                    overdue.append(got[0].overdue)
    assert overdue[0] > 0 and overdue[3] > overdue[2]  # the world has overdue cases, and one more passes


def _timelines() -> dict[int, list[tuple[str, dict[str, Any]]]]:
    out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for case_id, action, changes in Event.objects.order_by("case_id", "seq").values_list(
        "case_id", "action", "changes"
    ):
        out.setdefault(case_id, []).append((action, changes))
    return out


def test_number_counters_continue_after_the_seeded_numbers(scale_world: dict[str, Any]) -> None:
    for counter in NumberCounter.objects.all():
        last = Case.objects.filter(number__startswith=f"{counter.prefix}{counter.year}-").order_by("-number")
        assert last.first().number == f"{counter.prefix}{counter.year}-{counter.value:06d}"  # type: ignore[union-attr]


@pytest.mark.parametrize("word", ["环评", "人才公寓", "消防", "码头", "稳岗补贴"])
def test_search_finds_exactly_what_a_like_scan_finds(scale_world: dict[str, Any], word: str) -> None:
    like = set(Case.objects.filter(like_q(word)).values_list("id", flat=True))
    assert like
    assert set(matching_ids(word)) == like


def test_it_builds_on_a_new_home_that_already_holds_the_district_defaults(db: None) -> None:
    """A new home's migrations give it the default categories and time limits (nuanqi.defaults); the
    generator completes them instead of creating them a second time."""
    from nuanqi import defaults
    from nuanqi.cases.models import Category, SlaPolicy

    defaults.ensure()
    categories, policies = Category.objects.count(), SlaPolicy.objects.count()
    world = build_scale(50, companies=40, commissioners=4, log=lambda _line: None)
    assert world["cases"] == Case.objects.count() == 50
    assert (Category.objects.count(), SlaPolicy.objects.count()) == (categories, policies)


def test_the_seeded_roll_up_is_what_a_recount_gives(scale_world: dict[str, Any]) -> None:
    """The seeder writes each case's snapshot and the daily rows as it generates the cases; a full recount
    from the cases (`rollup.rebuild`) must give the same snapshots and the same sums per row key."""
    from django.db.models import Sum

    from nuanqi.cases import rollup
    from nuanqi.cases.models import KpiOpenDue, KpiRollup

    def rows() -> dict[tuple[Any, ...], dict[str, int]]:
        keys = ("dim", "ikey", "skey", "kind", "day", "imported")
        out = {}
        for r in KpiRollup.objects.values(*keys).annotate(**{f"s_{c}": Sum(c) for c in rollup.COUNTERS}):
            out[tuple(r[k] for k in keys)] = {c: r[f"s_{c}"] for c in rollup.COUNTERS}
        return out

    def open_due() -> dict[tuple[Any, ...], int]:
        keys = ("dim", "ikey", "skey", "kind", "day", "due", "imported")
        sums = KpiOpenDue.objects.values(*keys).annotate(s=Sum("n"))
        return {tuple(r[k] for k in keys): r["s"] for r in sums if r["s"]}

    assert not rollup.pending()
    seeded_keys = dict(Case.objects.values_list("id", "kpi_keys"))
    seeded_rows = rows()
    seeded_due = open_due()
    assert scale_world["rollup_rows"] == KpiRollup.objects.count() == len(seeded_rows)
    assert seeded_due and KpiOpenDue.objects.count() == len(seeded_due)  # one merged row per key
    rollup.rebuild()
    assert dict(Case.objects.values_list("id", "kpi_keys")) == seeded_keys
    assert rows() == seeded_rows
    assert open_due() == seeded_due
