"""Who sees which projects: the office and leaders all; a unit handler the projects his unit owns; nobody
else (404). A programme is visible to whoever sees one of its projects, and then as a whole tree: the
sections and sites of a programme are one shared undertaking, not each owner's business."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from nuanqi.accounts.models import Role

from .models import Programme, Project

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def visible_projects(user: User) -> QuerySet[Project]:
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if user.sees_everything:
        return Project.objects.all()
    if user.unit_id and user.has_role(Role.HANDLER):
        return Project.objects.filter(owner_unit_id=user.unit_id)
    return Project.objects.none()


def visible_programmes(user: User) -> QuerySet[Programme]:
    if not user.is_authenticated or not user.is_active:
        return Programme.objects.none()
    if user.sees_everything:
        return Programme.objects.all()
    return Programme.objects.filter(pk__in=visible_projects(user).values("programme_id"))


def can_report(user: User, project: Project) -> bool:
    """The owner unit's handlers report progress; the office may correct it."""
    if user.has_role(Role.ADMIN, Role.DISPATCHER):
        return True
    return bool(user.unit_id and user.has_role(Role.HANDLER) and project.owner_unit_id == user.unit_id)


def can_view_report_file(user: User, report: object) -> bool:
    project_id = getattr(report, "project_id", None)
    return project_id is not None and visible_projects(user).filter(pk=int(project_id)).exists()
