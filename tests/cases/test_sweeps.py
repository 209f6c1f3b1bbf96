"""The worker's SLA sweeps: yellow card a working day before the deadline, red card when overdue, automatic
催办, and 督办 escalation to the office — each once per deadline, each an event on the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nuanqi.cases import sweeps
from nuanqi.cases.models import Case
from nuanqi.cases.timeline import verify
from tests.cases.helpers import act, dispatched_to, file_case

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2023, 3, 27, 9, 0, tzinfo=TZ)


@pytest.fixture
def case(world) -> Case:
    # 求助: 5 working days counted from the next day → due Monday 2023-04-03 17:00.
    c = file_case(world.commissioner, world.huakang, received_at=MONDAY)
    return dispatched_to(c, world)


def _actions(case: Case) -> list[str]:
    return list(case.events.order_by("seq").values_list("action", flat=True))


def test_nothing_is_raised_while_the_deadline_is_far(case):
    assert sweeps.sweep(MONDAY + timedelta(hours=3)).total == 0


def test_the_yellow_card_comes_one_working_day_before_the_deadline_and_only_once(case):
    case.refresh_from_db()
    assert case.warn_at is not None and case.resolve_due is not None
    before = case.warn_at - timedelta(minutes=1)
    assert sweeps.sweep(before).raised[sweeps.YELLOW] == 0
    assert sweeps.sweep(case.warn_at + timedelta(minutes=1)).raised[sweeps.YELLOW] == 1
    assert sweeps.sweep(case.warn_at + timedelta(minutes=2)).total == 0
    assert _actions(case)[-1] == "sla_yellow"


def test_the_red_card_comes_when_overdue_then_reminders_then_escalation_to_the_office(case, settings):
    settings.NUANQI_ESCALATE_AFTER_DAYS = 2
    settings.NUANQI_REMIND_EVERY_DAYS = 1
    case.refresh_from_db()
    due = case.resolve_due
    version = case.version
    r = sweeps.sweep(due + timedelta(minutes=5))
    assert r.raised[sweeps.RED] == 1 and r.raised[sweeps.YELLOW] == 0  # late sweep: red, not a stale yellow
    case.refresh_from_db()
    assert case.version == version  # a card is a notice: open forms do not turn stale
    # One working day later (Tuesday 4-04 17:00 — 4-05 is 清明): the first automatic 催办.
    r = sweeps.sweep(datetime(2023, 4, 4, 17, 30, tzinfo=TZ))
    assert (r.raised[sweeps.REMIND], r.raised[sweeps.ESCALATE]) == (1, 0)
    # Two working days overdue (4-06 17:00, the holiday skipped): 督办, and a second 催办.
    r = sweeps.sweep(datetime(2023, 4, 6, 17, 30, tzinfo=TZ))
    assert (r.raised[sweeps.REMIND], r.raised[sweeps.ESCALATE]) == (1, 1)
    case.refresh_from_db()
    assert case.supervised and case.remind_count == 2 and case.version == version + 1
    assert sweeps.sweep(datetime(2023, 4, 6, 17, 40, tzinfo=TZ)).total == 0
    assert _actions(case)[-4:] == ["sla_red", "sla_remind", "sla_escalate", "sla_remind"]
    assert list(verify()) == []  # the worker's events keep the hash chain whole


def test_an_approved_extension_re_arms_the_cards_for_the_new_deadline(world):
    # Received now: an extension must be asked before the yellow card's day, so this case is current.
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    case.refresh_from_db()
    first_warn = case.warn_at
    assert sweeps.sweep(first_warn + timedelta(minutes=1)).raised[sweeps.YELLOW] == 1
    act(case, "request_extension", world.handler, days=3, reason="需市级部门会签")
    act(case, "approve_extension", world.dispatcher)
    case.refresh_from_db()
    assert case.warn_at > first_warn
    assert sweeps.sweep(case.warn_at + timedelta(minutes=1)).raised[sweeps.YELLOW] == 1


def test_closed_cases_get_no_cards(case, world):
    act(case, "resolve", world.handler, result="已办结")
    case.refresh_from_db()
    assert sweeps.sweep(case.resolve_due + timedelta(days=10)).total == 0


def test_a_card_already_raised_by_another_worker_is_not_raised_again(case):
    from nuanqi.cases import services

    case.refresh_from_db()
    late = case.resolve_due + timedelta(minutes=5)
    assert services.sla_sweep_event(case.pk, sweeps.RED, now=late) is not None
    # A second worker that picked the same candidate re-checks under the row lock and does nothing.
    assert services.sla_sweep_event(case.pk, sweeps.RED, now=late) is None
    assert _actions(case).count("sla_red") == 1
