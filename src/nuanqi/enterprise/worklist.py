"""A company's work list as the seed describes it, and the commissioner's 跑腿 (errand) view of a case.

The list groups a company's items by the 5 大类 and their 小项, counts the two channels (企业求助 — the
company asked; 主动请缨 — the commissioner found and offered) and orders each group 按主次缓急: open items
first, then P1–P4, then the nearest deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction

from nuanqi.accounts.models import Unit
from nuanqi.cases import kinds
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import Case, Category, Channel, Kind, Task, TaskStatus
from nuanqi.cases.permissions import can_act_on_task, relations
from nuanqi.cases.queries import with_list_columns
from nuanqi.cases.rows import case_rows
from nuanqi.cases.visibility import visible_cases

from .models import Company, WorkLogEntry

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

CHANNELS = (Channel.COMPANY_REQUEST, Channel.VOLUNTEERED)


# Closed cases shown per 小项 on the company page; the rest are counted and linked (the page stays light
# however long the company's history).
CLOSED_SHOWN = 3


@dataclass
class Leaf:
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # the shown cases as `cases.rows.case_rows`
    count: int = 0  # every case of the 小项, shown or not
    hidden: int = 0  # closed cases beyond CLOSED_SHOWN
    closed_shown: int = 0


@dataclass
class Group:
    name: str
    leaves: list[Leaf] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)
    open: int = 0

    @property
    def total(self) -> int:
        return sum(leaf.count for leaf in self.leaves)


@dataclass
class WorkList:
    groups: list[Group]
    channels: list[tuple[str, int]]  # (label, count) for 企业求助, 主动请缨, then any other channel used
    total: int
    open: int


def _order(c: Case) -> tuple[int, int, float]:
    due = c.resolve_due.timestamp() if c.resolve_due else float("inf")
    return (0 if c.phase == kinds.OPEN else 1, c.priority, due)


def company_worklist(user: User, company: Company, kind: str = Kind.REQUEST) -> WorkList:
    """The company's cases this user may see, grouped 大类 → 小项, each ordered 按主次缓急."""
    cases = list(
        with_list_columns(
            visible_cases(user).filter(subject_type="company", subject_id=company.pk, kind=kind)
        )[:500]
    )
    cases.sort(key=_order)
    tops = list(Category.objects.filter(kind=kind, parent__isnull=True, active=True).order_by("sort", "id"))
    groups: dict[str, Group] = {t.name: Group(t.name) for t in tops}
    leaves: dict[tuple[str, str], Leaf] = {}
    channel_counts: dict[str, int] = {str(c.label): 0 for c in CHANNELS}
    shown: dict[tuple[str, str], list[Case]] = {}
    for c in cases:
        top = c.category.top.name if c.category else "未分类"
        leaf = c.category.name if c.category and c.category.parent_id else "（未细分）"
        g = groups.setdefault(top, Group(top))
        key = (top, leaf)
        if key not in leaves:
            leaves[key] = Leaf(leaf)
            g.leaves.append(leaves[key])
        row = leaves[key]
        row.count += 1
        if c.phase == kinds.OPEN:
            shown.setdefault(key, []).append(c)
        elif row.closed_shown < CLOSED_SHOWN:
            row.closed_shown += 1
            shown.setdefault(key, []).append(c)
        else:
            row.hidden += 1
        label = str(Channel(c.channel).label)
        g.channels[label] = g.channels.get(label, 0) + 1
        channel_counts[label] = channel_counts.get(label, 0) + 1
        if c.phase == kinds.OPEN:
            g.open += 1
    for key, leaf_cases in shown.items():
        leaves[key].rows = case_rows(leaf_cases)
    return WorkList(
        groups=list(groups.values()),
        channels=list(channel_counts.items()),
        total=len(cases),
        open=sum(g.open for g in groups.values()),
    )


# ---------------------------------------------------------------- 跑腿


@dataclass
class Errands:
    case: Case
    inside: list[Task]  # units still to visit in the district
    outside: list[Task]  # … and outside it (a trip to the city or the province)
    done: int
    total: int


def errands(user: User, case: Case) -> Errands:
    """The units of a co-handled case still to visit: tasks not yet done, inside and outside the district."""
    tasks = list(Task.objects.filter(case=case).select_related("unit").order_by("seq", "id"))
    left = [t for t in tasks if t.status in (TaskStatus.PENDING, TaskStatus.SIGNED)]
    return Errands(
        case=case,
        inside=[t for t in left if t.unit.in_district],
        outside=[t for t in left if not t.unit.in_district],
        done=sum(1 for t in tasks if t.status == TaskStatus.DONE),
        total=len(tasks),
    )


def planned_visits(user: User, case: Case) -> dict[int, list[date]]:
    """{task id: the days} this person already planned visits to the case's co-handling units in his work
    log, today or later: planning the same errand twice is warned of, not refused (a second visit may be
    needed)."""
    from django.utils import timezone

    found: dict[int, list[date]] = {}
    for task_id, day in (
        WorkLogEntry.objects.filter(
            person=user, case=case, planned=True, task__isnull=False, date__gte=timezone.localdate()
        )
        .order_by("date")
        .values_list("task_id", "date")
    ):
        found.setdefault(task_id, []).append(day)
    return found


def plan_errands(
    user: User, case: Case, task_ids: list[int], day: date, *, start: time = time(8, 40)
) -> list[WorkLogEntry]:
    """Put the chosen units into the commissioner's work log for `day`, as a route: district units first,
    about 40 minutes apart, then units outside the district, 90 minutes apart."""
    rel = relations(user, case)
    if "commissioner" not in rel and "admin" not in rel:
        raise Forbidden("只有服务该企业的暖企专员可以安排跑腿路线")
    if not task_ids:
        raise Invalid("请选择要跑的单位", "missing_field", field="tasks")
    chosen = list(
        Task.objects.filter(case=case, pk__in=task_ids, status__in=[TaskStatus.PENDING, TaskStatus.SIGNED])
        .select_related("unit")
        .order_by("seq", "id")
    )
    if len(chosen) != len(set(task_ids)):
        raise Invalid("所选单位须为本事项尚未办完的协办单位", "unknown_task", field="tasks")
    if not all(can_act_on_task(user, t, rel) for t in chosen):
        raise Forbidden("您不能为这些单位安排跑腿")
    chosen.sort(key=lambda t: (not t.unit.in_district, t.seq, t.pk))
    company = (
        Company.objects.filter(pk=case.subject_id).first()
        if case.subject_type == "company" and case.subject_id is not None
        else None
    )
    at = datetime.combine(day, start)
    rows = []
    for t in chosen:
        unit: Unit = t.unit
        where = "区内" if unit.in_district else "区外"
        rows.append(
            WorkLogEntry(
                person=user,
                date=day,
                time=at.time(),
                place=unit.address,
                unit=unit,
                company=company,
                case=case,
                task=t,
                note=f"【计划·{where}】到{unit.label}办理：{t.note or case.title}",
                planned=True,
            )
        )
        at += timedelta(minutes=40 if unit.in_district else 90)
    with transaction.atomic():
        return WorkLogEntry.objects.bulk_create(rows)
