"""Months of lived-in history for the demo: requests received on working days in working hours over the past
months, each moved through the workflow by the same services people use, at realistic times.

The services stamp every event with `timezone.now()`; the demo loader — and only it — runs each step inside
`travel(at)`, which makes "now" the moment the step happened, so the engine's rules (a review date after
today, a deadline from the receipt) apply as they did then and the timeline's chain is the one people would
have made. Times come from the working calendar in force: receipts and steps fall in working sessions on
workdays, never on holidays or weekends. Each unit has its own pace and its companies' satisfaction, so the
12-month chart, the 红黑榜 and the KPIs vary. Every case made here is marked `generated` (the routing model
never learns from it). Afterwards the in-app notices are marked read up to two working days ago, as people
who use the system daily would have left them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.models import Case, Category, Event, Kind
from nuanqi.cases.services import NewCase, create_case, perform
from nuanqi.worktime import TZ

if TYPE_CHECKING:
    from .world import _World

MONTHS = 9
PER_MONTH = 14
SEED = 20230129  # the day the programme began: the same history on every build

_TITLES = (
    "办理{}相关证照",
    "咨询{}扶持政策",
    "协调{}用地问题",
    "解决{}用工招聘困难",
    "反映{}周边道路施工影响",
    "申请{}项目审批加快",
    "协调{}供电扩容",
    "咨询{}税费减免",
    "反映{}排水管网堵塞",
    "协调{}融资贷款",
)
_TOPICS = ("厂房", "仓储", "研发中心", "新生产线", "员工宿舍", "码头", "展厅", "二期工程")


@contextmanager
def travel(at: datetime) -> Iterator[None]:
    """Make `timezone.now()` answer `at` while the demo loader replays a step (single-threaded, demo only)."""
    real = timezone.now
    timezone.now = lambda: at
    try:
        yield
    finally:
        timezone.now = real


class _Clock:
    """Working-time arithmetic on the calendar in force."""

    def __init__(self) -> None:
        self.cal = current_calendar()

    def after(self, at: datetime, hours: float) -> datetime:
        return self.cal.add_working_hours(at, hours)

    def day_after(self, at: datetime, days: float) -> datetime:
        return self.cal.add_working_hours(at, days * 6.5)

    def receipt(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        """A random instant inside working hours between start and end."""
        span = self.cal.working_time_between(start, end).total_seconds() / 3600
        return self.after(start, rng.uniform(0, max(span - 0.01, 0.01)))


def build_history(w: _World, now: datetime | None = None) -> int:
    """Generate the history; returns the number of cases made."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    clock = _Clock()
    units = [label for label in w.handlers if label in w.units]
    # Each unit's pace (a factor on working time) and how often its companies are satisfied.
    pace = {u: rng.choice((0.5, 0.7, 0.9, 1.1, 1.4, 1.8)) for u in units}
    pleased = {u: rng.choice((0.55, 0.7, 0.8, 0.9, 0.97)) for u in units}
    categories = list(Category.objects.filter(kind=Kind.REQUEST, parent__isnull=False).order_by("pk"))
    keys = [k for k in w.companies if k in w.contacts and k in w.serving]
    first = datetime.combine((now - timedelta(days=30 * MONTHS)).date(), time(8, 30), tzinfo=TZ)
    made: list[int] = []
    for month in range(MONTHS):
        lo = first + timedelta(days=30 * month)
        hi = min(lo + timedelta(days=30), now - timedelta(days=3))
        if hi <= lo:
            continue
        for _ in range(PER_MONTH + rng.randint(-4, 4)):
            received = clock.receipt(rng, lo, hi)
            key = rng.choice(keys)
            unit = rng.choice(units)
            case = _one(w, rng, clock, received, now, key, unit, categories, pace[unit], pleased[unit])
            made.append(case.pk)
    Case.objects.filter(pk__in=made).update(generated=True)
    _read_notices(now, clock)
    return len(made)


def _step(case: Case, action: str, actor: Any, at: datetime, now: datetime, **data: Any) -> bool:
    """One workflow step at `at`, unless that is still in the future."""
    if at >= now:
        return False
    case.refresh_from_db()
    with travel(at):
        perform(case, action, actor=actor, version=case.version, **data)
    return True


def _one(
    w: _World,
    rng: random.Random,
    clock: _Clock,
    received: datetime,
    now: datetime,
    key: str,
    unit: str,
    categories: list[Category],
    pace: float,
    pleased: float,
) -> Case:
    company = w.companies[key]
    by_company = rng.random() < 0.6
    filer = w.contacts[key] if by_company else w.serving[key]
    title = rng.choice(_TITLES).format(rng.choice(_TOPICS))
    importance = rng.choice(("一般", "一般", "重要"))
    urgency = rng.choice(("不紧急", "不紧急", "紧急"))
    # A company files without a priority; the office sets it (分级定级) when it accepts the request.
    triage = by_company and (importance, urgency) != ("一般", "不紧急")
    with travel(received):
        case = create_case(
            NewCase(
                title=title,
                description=f"{company.name}：{title}，请协调办理。",
                category=rng.choice(categories) if categories else None,
                nature=rng.choice(("求助", "求助", "咨询", "投诉")),
                channel="企业求助" if by_company else "主动请缨",
                importance="一般" if by_company else importance,
                urgency="不紧急" if by_company else urgency,
                subject=resolve_subject("company", filer, company.pk),
                requester_name=company.contact_name,
                requester_phone=company.contact_phone,
                received_at=received,
            ),
            actor=filer,
        )
    dispatcher = w.people["dispatcher"]
    handler = w.handlers[unit]
    lead = w.unit(unit)
    t = clock.after(received, rng.uniform(0.2, 3))
    if triage and not _step(case, "triage", dispatcher, t, now, importance=importance, urgency=urgency):
        return case
    if not _step(case, "accept", dispatcher, t, now):
        return case
    t = clock.after(t, rng.uniform(0.1, 2))
    if not _step(case, "dispatch", dispatcher, t, now, lead_unit=lead.pk, reason=f"请{lead.label}牵头办理"):
        return case
    if rng.random() < 0.06:  # 退单: not this unit's remit; the office sends it on
        t = clock.after(t, rng.uniform(0.5, 3))
        if not _step(case, "return", handler, t, now, reason="不属于本单位职责，建议转相关部门"):
            return case
        other = rng.choice([u for u in w.handlers if u != unit and u in w.units] or [unit])
        unit, handler, lead = other, w.handlers[other], w.unit(other)
        t = clock.after(t, rng.uniform(0.3, 2))
        if not _step(case, "dispatch", dispatcher, t, now, lead_unit=lead.pk, reason=f"改由{lead.label}办理"):
            return case
    t = clock.after(t, rng.uniform(0.1, 3.5) * pace)
    if not _step(case, "sign", handler, t, now):
        return case
    t = clock.after(t, rng.uniform(0.3, 5) * pace)
    reason = f"已与企业联系人{company.contact_name}电话联系，了解具体需求"
    if not _step(case, "contact", handler, t, now, reason=reason):
        return case
    case.refresh_from_db()
    due = case.resolve_due
    days = clock.cal.working_time_between(t, due).total_seconds() / 3600 / 6.5 if due and due > t else 3.0
    t = clock.day_after(t, max(0.3, rng.uniform(0.3, 1.25) * days * pace))
    result = f"“{title}”已协调办理完毕，已告知企业。"
    if not _step(case, "resolve", handler, t, now, result=result):
        return case
    t = clock.day_after(t, rng.uniform(0.2, 2))
    if not _step(case, "visit", dispatcher, t, now):
        return case
    roll = rng.random()
    rating = "满意" if roll < pleased else ("基本满意" if roll < (pleased + 1) / 2 else "不满意")
    t = clock.day_after(t, rng.uniform(0, 1.5))
    rater = w.contacts[key]
    if not _step(case, "rate", rater, t, now, satisfaction=rating, comment=rating):
        return case
    if rating != "不满意" and rng.random() < 0.7:
        _step(case, "archive", dispatcher, clock.day_after(t, rng.uniform(1, 5)), now)
    case.refresh_from_db()
    return case


def _read_notices(now: datetime, clock: _Clock, keep: int = 5) -> None:
    """People read their notices: everything older than two working days is read an hour after it came,
    and nobody has more than `keep` unread."""
    from nuanqi.notify.models import ChannelKind, Delivery

    cutoff = clock.cal.sub_working_hours(now, 2 * 6.5)
    unread = Delivery.objects.filter(channel=ChannelKind.IN_APP, read_at__isnull=True).order_by(
        "recipient_id", "-event_id"
    )
    when = dict(Event.objects.filter(pk__in=unread.values("event_id")).values_list("pk", "at"))
    seen: dict[int, int] = {}
    changed = []
    for d in unread:
        at = when.get(d.event_id, now)
        seen[d.recipient_id] = seen.get(d.recipient_id, 0) + 1
        if at < cutoff or seen[d.recipient_id] > keep:
            d.read_at = min(at + timedelta(hours=1), now)
            changed.append(d)
    Delivery.objects.bulk_update(changed, ["read_at"], batch_size=500)
