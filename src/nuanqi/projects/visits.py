"""Research visits (调研) and their suggestions: each suggestion is a `project` case about the project it
concerns, assigned to a unit (the project's owner by default) and followed to an answer by the engine."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet

from nuanqi.accounts.models import Role, Unit
from nuanqi.cases import services as case_services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import Case, Channel, Nature

from .access import visible_programmes, visible_projects
from .models import Programme, Project, ResearchVisit, Suggestion
from .workflow import PROJECT_ISSUE

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

SUBJECT = "project"


def visible_visits(user: User) -> QuerySet[ResearchVisit]:
    """Visits of the programmes this person sees; visits about no programme are the office's."""
    if not user.is_authenticated or not user.is_active:
        return ResearchVisit.objects.none()
    if user.sees_everything:
        return ResearchVisit.objects.all()
    return ResearchVisit.objects.filter(programme__in=visible_programmes(user))


def resolve_project(user: User, value: object) -> SubjectRef:
    text = str(value).strip() if value is not None else ""
    project = visible_projects(user).filter(pk=int(text)).first() if text.isdigit() else None
    if project is None:
        raise Invalid(f"找不到项目“{text}”，或您无权为其登记事项", "unknown_project", field="project")
    return SubjectRef(SUBJECT, project.pk, project.name)


def add_suggestion(
    visit: ResearchVisit, *, project: Any, text: str, actor: User, lead_unit: Unit | None = None
) -> Case:
    """File one suggestion of the visit as a `project` case about `project`, 交办 to `lead_unit` (the
    project's owner unless another is named)."""
    if not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办可以登记调研建议")
    target = project if isinstance(project, Project) else None
    if target is None and str(project or "").strip().isdigit():
        target = Project.objects.filter(pk=int(str(project))).first()
    if target is None or (visit.programme_id and target.programme_id != visit.programme_id):
        raise Invalid("请选择本次调研涉及的项目", "unknown_project", field="project")
    words = str(text or "").strip()
    if not words:
        raise Invalid("请填写建议内容", "missing_field", field="text")
    if len(words) > 2000:
        raise Invalid("建议内容不能超过 2000 字", "too_long", field="text")
    with transaction.atomic():
        case = case_services.create_case(
            case_services.NewCase(
                kind=PROJECT_ISSUE,
                title=f"{target.name}：{words.splitlines()[0][:60]}",
                description=f"{visit.title}（{visit.visited_on:%Y-%m-%d}）\n{words}",
                nature=Nature.SUGGESTION,
                channel=Channel.VISIT,
                subject=SubjectRef(SUBJECT, target.pk, target.name),
                requester_name=visit.organiser.short_name or visit.organiser.name,
            ),
            actor=actor,
        )
        case = case_services.perform(
            case, "dispatch", actor=actor, version=case.version, lead_unit=lead_unit or target.owner_unit
        )
        Suggestion.objects.create(visit=visit, case=case)
    return case


def save_visit(
    *,
    programme: Programme | None,
    title: str,
    visited_on: date,
    organiser: Unit,
    visitors: str = "",
    findings: str = "",
    actor: User | None,
) -> tuple[ResearchVisit, bool]:
    """Record a research visit, or update the one of the same programme, date and title; (visit, created).
    `actor` None is the command line (whoever runs it operates the server)."""
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办可以登记调研")
    words = str(title or "").strip()
    if not words:
        raise Invalid("请填写调研主题", "missing_field", field="title")
    checks = (("title", words, 200, "调研主题"), ("visitors", visitors, 500, "参加人员"))
    for field, text, limit, label in (*checks, ("findings", findings, 8000, "调研情况")):
        if len(text or "") > limit:
            raise Invalid(f"{label}不能超过 {limit} 字", "too_long", field=field)
    visit, created = ResearchVisit.objects.update_or_create(
        programme=programme,
        visited_on=visited_on,
        title=words,
        defaults={"organiser": organiser, "visitors": visitors or "", "findings": findings or ""},
    )
    return visit, created
