"""KPI definitions hold on any lifecycle.

A hypothesis state machine files cases and drives them through random workflow steps (returns, extensions,
重办, appeals, merges) through the one writer; after every step it checks that every rate lies in [0, 1], that
each count equals a recount from the cases' own timelines, and that the daily roll-up the writer keeps gives
exactly the per-case figures (after every step, and at the end of each lifecycle also days later, when open
cases have become overdue by the clock)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings, target
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from nuanqi.cases import kinds, kpis, rollup
from nuanqi.cases.errors import CaseError
from nuanqi.cases.models import Case, Event
from nuanqi.cases.workflow import table_for

from .helpers import act, file_case

# (action, who tries it, data, weight): the steps a random lifecycle is made of. Steps the workflow refuses at
# that moment (wrong status, window passed, tasks open …) change nothing, as in real use.
STEPS: list[tuple[str, str, dict[str, Any], int]] = [
    ("accept", "dispatcher", {}, 6),
    ("dispatch", "dispatcher", {"lead_unit": "zhujian"}, 4),
    ("dispatch", "dispatcher", {"lead_unit": "jingxin"}, 2),
    ("sign", "lead", {}, 6),
    ("return", "lead", {"reason": "不属于本单位职责"}, 2),
    ("request_extension", "lead", {"days": 2, "reason": "需现场核实"}, 2),
    ("approve_extension", "dispatcher", {}, 3),
    ("deny_extension", "dispatcher", {}, 1),
    ("resolve", "lead", {"result": "已办理"}, 6),
    ("rate", "company", {"satisfaction": "satisfied"}, 3),
    ("rate", "company", {"satisfaction": "basic"}, 2),
    ("rate", "company", {"satisfaction": "unsatisfied"}, 3),
    ("appeal", "lead", {"reason": "企业诉求超出政策范围"}, 3),
    ("uphold_appeal", "dispatcher", {"reason": "申诉理由成立"}, 1),
    ("reject_appeal", "dispatcher", {"reason": "申诉理由不成立"}, 1),
    ("reopen", "dispatcher", {"reason": "复核未解决"}, 3),
    ("archive", "dispatcher", {}, 1),
    ("reject", "dispatcher", {"reason": "不属于受理范围"}, 1),
    ("merge", "dispatcher", {"original": "first"}, 1),
    ("supervise", "leader", {"reason": "督办"}, 1),
]


def recount(case: Case) -> dict[str, int]:
    """The counted figures of one case read from its timeline alone (docs/kpis.md)."""
    rows = list(case.events.order_by("seq").values_list("action", "changes", "to_status"))
    events = [(a, c) for a, c, _s in rows]
    names = [a for a, _c in events]
    status = [s for _a, _c, s in rows if s][-1]

    def last(*actions: str, where: Any = None) -> int:
        return max(
            (i for i, (a, c) in enumerate(events) if a in actions and (where is None or where(c))), default=-1
        )

    if "merge" in names:
        return {}
    last_resolve = last("resolve")
    last_reopen = max(last("reopen"), last("rate", where=lambda c: c.get("reopened")))
    resolved = last_resolve > last_reopen
    last_rate = last("rate")
    rated = last_rate >= 0  # the standing rating: the last one, until a new rating replaces it
    appeal = [a for a, _c in events[last_rate + 1 :] if a in ("appeal", "uphold_appeal", "reject_appeal")]
    upheld = bool(appeal) and appeal[-1] == "uphold_appeal"
    rating = events[last_rate][1].get("satisfaction") if rated else ""
    return {
        "received": 1,
        "signed": last("sign") > last("dispatch") >= 0,
        "dispatched": "dispatch" in names,
        "returned": "return" in names,
        "resolved": resolved,
        "completed": last_resolve >= 0,
        "reopened": last_reopen >= 0,
        "extended": any(a == "approve_extension" and c.get("days") for a, c in events),
        "rated": rated,
        "rated_counted": rated and not upheld,
        "satisfied": rated and rating in ("satisfied", "basic"),
        "appealed": bool(appeal),
        "appeal_upheld": upheld,
        "open": kinds.phase_of(case.kind, status) == kinds.OPEN,
    }


@pytest.mark.django_db(transaction=False)
def test_kpis_hold_on_random_lifecycles(world: Any) -> None:
    people = {
        "dispatcher": world.dispatcher,
        "handler": world.handler,
        "handler2": world.handler2,
        "company": world.company,
        "leader": world.leader,
    }
    units = {"zhujian": world.zhujian.pk, "jingxin": world.jingxin.pk}
    today = timezone.localdate()

    class Lifecycles(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.cases: list[Case] = []
            self.edge = 0

        def teardown(self) -> None:
            try:
                target(self.edge, label="ratings and 重办 beyond 办结量")
                # Later moments, once the open cases' deadlines have passed (超期 by the clock): the roll-up's
                # due days give what the per-case definition gives then too. Checked once per lifecycle, at
                # its end, because the clock moves no counter the steps write.
                if self.cases:
                    now = timezone.now()
                    self.roll_up_agrees(now + timedelta(days=9), now + timedelta(days=40))
            finally:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)

        def roll_up_agrees(self, *moments: Any) -> None:
            for at in moments:
                for by in (None, "unit", "category", "commissioner", "month"):
                    got = rollup.read(today, today, by, now=at)
                    assert got is not None
                    per_case = kpis.compute(Case.objects.all(), today, today, by, now=at)
                    assert [k.as_dict() for k in got] == [k.as_dict() for k in per_case], (by, at)

        @initialize(companies=st.lists(st.sampled_from(["huakang", "changhong"]), min_size=2, max_size=3))
        def file(self, companies: list[str]) -> None:
            for company in companies:
                self.cases.append(file_case(world.commissioner, getattr(world, company), "用电增容"))

        @rule(i=st.integers(0, 2), draw=st.data())
        def step(self, i: int, draw: st.DataObject) -> None:
            if not self.cases:
                return
            case = self.cases[i % len(self.cases)]
            case.refresh_from_db()
            # Steps the case's status allows (the rest would only be refused), so lifecycles go far.
            table = table_for(case.kind)
            options = [
                (a, who, data)
                for a, who, data, weight in STEPS
                if (t := table.get(a)) is not None and t.allows_from(case.status)
                for _ in range(weight)
            ]
            if not options:
                return
            action, who, data = draw.draw(st.sampled_from(options))
            if who == "lead":
                who = "handler" if case.lead_unit_id == world.zhujian.pk else "handler2"
            data = dict(data)
            if "lead_unit" in data:
                data["lead_unit"] = units[data["lead_unit"]]
            if data.get("original") == "first":
                data["original"] = self.cases[0].number
            with contextlib.suppress(CaseError):
                act(case, action, people[who], **data)

        @rule(i=st.integers(0, 2), satisfaction=st.sampled_from(["satisfied", "basic", "unsatisfied"]))
        def advance(self, i: int, satisfaction: str) -> None:
            """The next step of the plain path (受理, 派单, 签收, 办结, 评价), so lifecycles get far."""
            if not self.cases:
                return
            case = self.cases[i % len(self.cases)]
            case.refresh_from_db()
            lead = world.handler if case.lead_unit_id == world.zhujian.pk else world.handler2
            plan: dict[str, tuple[str, Any, dict[str, Any]]] = {
                "new": ("accept", world.dispatcher, {}),
                "accepted": ("dispatch", world.dispatcher, {"lead_unit": world.zhujian.pk}),
                "dispatched": ("sign", lead, {}),
                "in_progress": ("resolve", lead, {"result": "已办理"}),
                "resolved": ("rate", world.company, {"satisfaction": satisfaction}),
            }
            if case.status in plan:
                action, actor, data = plan[case.status]
                with contextlib.suppress(CaseError):
                    act(case, action, actor, **data)

        @invariant()
        def figures_are_definitions(self) -> None:
            if not self.cases:
                return
            total = kpis.total(Case.objects.all(), today, today)
            # Steer the search towards the corners where rates broke before: ratings and 重办 beyond 办结量.
            self.edge = max(self.edge, total.rated - total.resolved, total.reopened - total.resolved)
            by_unit = kpis.compute(Case.objects.all(), today, today, "unit")
            for k in [total, *by_unit]:
                for name, rate in k.rates.items():
                    assert rate is None or 0 <= rate <= 1, (name, k.as_dict())
            want: dict[str, int] = {}
            for case in Case.objects.all():
                for f, v in recount(case).items():
                    want[f] = want.get(f, 0) + int(v)
            for f, v in want.items():
                assert getattr(total, f) == v, (f, total.as_dict(), want)
            # The writer's roll-up, kept step by step, gives the same figures as the per-case definition
            # after every step (and at later moments at the end of the lifecycle: teardown).
            self.roll_up_agrees(timezone.now())

    run_state_machine_as_test(
        Lifecycles,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    assert not Event.objects.exists()  # every example rolled back


@pytest.mark.django_db(transaction=False)
def test_a_rating_sent_back_for_rework_keeps_every_rate_within_bounds(world):
    """Two cases resolved and rated, one 不满意 → 重办 (参评率 showed 200 %, 重办率 100 % with 办结量 1)."""
    from .helpers import dispatched_to

    today = timezone.localdate()
    cases = [dispatched_to(file_case(world.commissioner, world.huakang, t), world) for t in ("用电", "用地")]
    for case in cases:
        act(case, "resolve", world.handler, result="已办理")
    act(cases[0], "rate", world.company, satisfaction="satisfied")
    act(cases[1], "rate", world.company, satisfaction="unsatisfied")  # → 重办
    k = kpis.total(Case.objects.all(), today, today)
    assert (k.resolved, k.rated, k.reopened, k.completed) == (1, 2, 1, 2)
    # The standing 不满意 still counts (it can be appealed) until a new rating replaces it.
    assert (k.rates["rating"], k.rates["reopen"], k.rates["satisfaction"]) == (1.0, 0.5, 0.5)
    act(cases[1], "resolve", world.handler, result="重新办理")
    act(cases[1], "rate", world.company, satisfaction="basic")
    k = kpis.total(Case.objects.all(), today, today)
    assert (k.resolved, k.rated, k.satisfied, k.completed) == (2, 2, 2, 2)
    assert (k.rates["rating"], k.rates["reopen"], k.rates["satisfaction"]) == (1.0, 0.5, 1.0)
    got = rollup.read(today, today)
    assert got is not None and got[0].as_dict() == k.as_dict()
