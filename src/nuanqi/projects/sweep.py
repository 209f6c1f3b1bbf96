"""The worker's projects sweep: once a day per project (and again after a new report), a 序时进度 light that
turned worse — to yellow or to red — files a `project` case for the owner unit, so the warning reaches
people through the engine's notifications and is followed like any other item. Registered with the
engine's sweeps from apps.py."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nuanqi.cases import services as case_services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.models import Channel, Nature
from nuanqi.lib.progress import GREEN, RED, SEVERITY, YELLOW

from .models import Project, ProjectKind, ProjectStatus
from .services import project_progress, thresholds
from .visits import SUBJECT
from .workflow import PROJECT_ISSUE

WORDS = {YELLOW: "黄灯", RED: "红灯"}


def sweep_lights(now: datetime, *, batch: int = 500) -> int:
    """Check the projects not checked today; returns the warnings filed."""
    today = timezone.localdate(now)
    rule = thresholds()
    due = (
        Project.objects.exclude(kind=ProjectKind.SECTION)
        .exclude(status=ProjectStatus.DONE)
        .filter(start__isnull=False, planned_end__isnull=False)
        .filter(Q(light_checked_on__isnull=True) | Q(light_checked_on__lt=today))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    filed = 0
    for pk in list(due):
        with transaction.atomic():
            # Under the row lock, so two workers check a project once and warn once.
            p = Project.objects.select_for_update().select_related("owner_unit").filter(pk=pk).first()
            if p is None or p.light_checked_on == today:
                continue
            status = project_progress(p, today, rule)
            if status is None:
                continue
            seen = p.light_seen or GREEN
            worse = status.light in WORDS and SEVERITY[status.light] < SEVERITY.get(seen, SEVERITY[GREEN])
            p.light_seen = status.light
            p.light_checked_on = today
            p.save(update_fields=["light_seen", "light_checked_on"])
            if worse:
                _warn(p, status.light, status.planned, status.reported, status.slip_days)
                filed += 1
    return filed


def _warn(p: Project, light: str, planned: float, reported: float, slip: int) -> None:
    case_services.create_case(
        case_services.NewCase(
            kind=PROJECT_ISSUE,
            title=f"序时进度{WORDS[light]}：{p.name}"[:200],
            description=(
                f"形象进度 {reported:g}%，序时进度 {planned:g}%，落后 {planned - reported:.1f} 个百分点，"
                f"滞后 {slip} 个工作日。请说明原因和赶工措施。"
            ),
            nature=Nature.SUGGESTION,
            channel=Channel.DEPARTMENT,
            lead_unit=p.owner_unit,
            subject=SubjectRef(SUBJECT, p.pk, p.name),
        ),
        actor=None,
        system=True,
    )
