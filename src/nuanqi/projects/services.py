"""Projects' progress: reports from the owner (with photos), 停工 and 复工, re-planning with a frozen
baseline, and the 序时进度 status of each project and of each node of a programme tree (`lib.progress`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.lib import progress as P

from .access import can_report
from .models import (
    Baseline,
    LightRule,
    Programme,
    ProgressReport,
    Project,
    ProjectKind,
    ProjectStatus,
    Stoppage,
    Weighting,
)

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

TEXT_MAX = 4000


def thresholds() -> P.Thresholds:
    rule = LightRule.objects.first()
    if rule is None:
        return P.Thresholds()
    return P.Thresholds(float(rule.yellow), float(rule.red), int(rule.not_started_months))


def _pauses(project: Project) -> list[P.Period]:
    return [P.Period(s.start, s.end) for s in project.stoppages.all()]


def project_progress(
    project: Project, today: date | None = None, rule: P.Thresholds | None = None
) -> P.Progress | None:
    """The 序时进度 of a project with a plan (start and planned completion); None without one."""
    if project.start is None or project.planned_end is None:
        return None
    reported = 100.0 if project.status == ProjectStatus.DONE else project.percent
    return P.progress(
        start=project.start,
        planned_end=project.planned_end,
        reported=float(reported) if reported is not None else None,
        today=today or timezone.localdate(),
        is_workday=current_calendar().is_workday,
        pauses=_pauses(project),
        thresholds=rule or thresholds(),
    )


# ---------------------------------------------------------------- trees


@dataclass
class Node:
    """A project, a section or a programme with its figures: `percent` reported or rolled up, `planned` the
    序时 plan (rolled up the same way for parents), the light from their gap."""

    project: Project | None
    name: str
    theme: str = ""
    percent: float = 0.0
    planned: float = 0.0
    light: str = P.GREEN
    slip_days: int | None = None
    weight: float = 1.0
    children: list[Node] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return round(self.planned - self.percent, 1)


def _light(planned: float, percent: float, rule: P.Thresholds) -> str:
    gap = round(planned - percent, 1)
    if percent >= 100:
        return P.DONE
    if gap > rule.red:
        return P.RED
    if gap >= rule.yellow:
        return P.YELLOW
    return P.GREEN


def _weight(project: Project, weighting: str) -> float:
    return float(project.investment_planned or 0) if weighting == Weighting.INVESTMENT else 1.0


def _node(
    project: Project, kids: dict[int | None, list[Project]], weighting: str, today: date, rule: Any
) -> Node:
    node = Node(project, project.name, project.theme, weight=_weight(project, weighting))
    children = [_node(c, kids, weighting, today, rule) for c in kids.get(project.pk, [])]
    if children:
        node.children = children
        node.percent = P.roll_up([(c.percent, c.weight) for c in children])
        node.planned = P.roll_up([(c.planned, c.weight) for c in children])
        node.light = _light(node.planned, node.percent, rule)
        if weighting == Weighting.INVESTMENT and not node.weight:
            node.weight = sum(c.weight for c in children)
        return node
    p = project_progress(project, today, rule)
    if p is not None:
        node.percent, node.planned, node.light, node.slip_days = p.reported, p.planned, p.light, p.slip_days
    else:
        node.percent = float(project.percent or 0)
    return node


def programme_tree(programme: Programme, today: date | None = None) -> Node:
    """The programme as a tree of nodes, each with its percent, plan and light, rolled up from the leaves."""
    today = today or timezone.localdate()
    rule = thresholds()
    projects = list(
        Project.objects.filter(programme=programme).select_related("town").prefetch_related("stoppages")
    )
    kids: dict[int | None, list[Project]] = {}
    for p in projects:
        kids.setdefault(p.parent_id, []).append(p)
    top = [_node(p, kids, programme.weighting, today, rule) for p in kids.get(None, [])]
    root = Node(None, programme.name, children=top)
    root.percent = P.roll_up([(c.percent, c.weight) for c in top])
    root.planned = P.roll_up([(c.planned, c.weight) for c in top])
    root.light = _light(root.planned, root.percent, rule)
    return root


def walk(node: Node, depth: int = 0) -> list[tuple[int, Node]]:
    out = [(depth, node)]
    for c in node.children:
        out.extend(walk(c, depth + 1))
    return out


# ---------------------------------------------------------------- writers


def _percent(value: Any) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("形象进度须为 0–100 的数字", "invalid_number", field="percent") from None
    if not d.is_finite() or d < 0 or d > 100:
        raise Invalid("形象进度须为 0–100 的数字", "invalid_number", field="percent")
    return d.quantize(Decimal("0.1"))


def _money(value: Any, field_: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("投资额须为数字（万元）", "invalid_number", field=field_) from None
    if not d.is_finite() or d < 0 or d >= Decimal("1e12"):
        raise Invalid("投资额须为不小于 0 的数字（万元）", "invalid_number", field=field_)
    return d.quantize(Decimal("0.01"))


def post_report(
    project: Project,
    *,
    percent: Any,
    text: str,
    actor: User,
    photos: list[Any] | None = None,
    investment_done: Any = None,
    reported_on: date | None = None,
) -> ProgressReport:
    """A progress report from the owner: percent, text and photos, in one transaction; the project's
    percent (and status: 在建, or 已完工 at 100) follow the newest report."""
    from nuanqi.attachments.services import max_per_event, store

    if not can_report(actor, project):
        raise Forbidden("只有项目责任单位可以填报进度")
    if project.children.exists():
        raise Invalid("分段和项目群的进度由下属项目汇总，不能直接填报", "rolled_up", field="percent")
    value = _percent(percent)
    words = str(text or "").strip()
    if not words:
        raise Invalid("请填写进展情况", "missing_field", field="text")
    if len(words) > TEXT_MAX:
        raise Invalid(f"进展情况不能超过 {TEXT_MAX} 字", "too_long", field="text")
    money = _money(investment_done, "investment_done")
    files = [f for f in (photos or []) if f]
    if len(files) > max_per_event():
        raise Invalid(f"一次最多上传 {max_per_event()} 个文件", "too_many_files", field="photos")
    today = reported_on or timezone.localdate()
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        report = ProgressReport.objects.create(
            project=locked, reported_on=today, percent=value, investment_done=money, text=words, by=actor
        )
        for f in files:
            store(f, owner=report, actor=actor)
        newest = ProgressReport.objects.filter(project=locked).order_by("-reported_on", "-id").first()
        assert newest is not None
        locked.percent = newest.percent
        locked.reported_on = newest.reported_on
        if newest.investment_done is not None:
            locked.investment_done = newest.investment_done
        if locked.status != ProjectStatus.STOPPED:
            locked.status = ProjectStatus.DONE if newest.percent >= 100 else ProjectStatus.ACTIVE
        locked.light_checked_on = None
        locked.save(update_fields=["percent", "reported_on", "investment_done", "status", "light_checked_on"])
    return report


def parse_day(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"日期“{text}”无效（应形如 2023-05-04）", "invalid_date", field="on") from None


def stop(project: Project, *, on: date, reason: str, actor: User) -> Stoppage:
    """停工: the clock stops from `on` until 复工."""
    if not can_report(actor, project):
        raise Forbidden("只有项目责任单位可以登记停工")
    if not str(reason or "").strip():
        raise Invalid("请填写停工原因", "missing_field", field="reason")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.stoppages.filter(end__isnull=True).exists():
            raise Invalid("该项目已处于停工状态", "already_stopped", field="start")
        s = Stoppage.objects.create(project=locked, start=on, reason=str(reason).strip()[:500])
        locked.status = ProjectStatus.STOPPED
        locked.save(update_fields=["status"])
    return s


def resume(project: Project, *, on: date, actor: User) -> Stoppage:
    """复工 on `on`: the stoppage ends the day before."""
    from datetime import timedelta

    if not can_report(actor, project):
        raise Forbidden("只有项目责任单位可以登记复工")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        s = locked.stoppages.filter(end__isnull=True).first()
        if s is None:
            raise Invalid("该项目没有未结束的停工记录", "not_stopped", field="end")
        if on <= s.start:
            raise Invalid("复工日期须晚于停工日期", "invalid_date", field="end")
        s.end = on - timedelta(days=1)
        s.save(update_fields=["end"])
        locked.status = ProjectStatus.DONE if (locked.percent or 0) >= 100 else ProjectStatus.ACTIVE
        locked.save(update_fields=["status"])
    return s


def freeze_baseline(project: Project, *, approved_on: date, note: str = "") -> Baseline:
    """Keep the approved plan as it stands (dates and milestones); re-planning adds another."""
    if project.start is None or project.planned_end is None:
        raise Invalid("项目须有计划开工和计划完工日期", "missing_field", field="start")
    return Baseline.objects.create(
        project=project,
        approved_on=approved_on,
        start=project.start,
        planned_end=project.planned_end,
        milestones=[
            {"name": m.name, "planned_on": m.planned_on.isoformat()} for m in project.milestones.all()
        ],
        note=note[:500],
    )


LEAF_KINDS = (ProjectKind.LIVELIHOOD, ProjectKind.KEY, ProjectKind.SITE)
