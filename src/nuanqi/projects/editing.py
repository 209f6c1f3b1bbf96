"""The office's edits of projects, milestones, plans and programmes (outside /admin/ and the import): one
writer per change, each in a transaction that also writes the audit row (`ProjectChange`: who, when, every
field from what to what). Values arrive typed and within their columns (a form or a schema checked them);
what spans fields or rows is checked here: a plan ends after it starts, a node's parent is in its programme
and not below it, a project with an approved plan changes its dates only by re-planning."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Role, Unit
from nuanqi.cases.errors import Forbidden, Invalid

from .models import Baseline, Milestone, Programme, Project, ProjectChange, ProjectKind
from .services import freeze_baseline

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

PROJECT_FIELDS = (
    "name",
    "kind",
    "programme",
    "parent",
    "theme",
    "description",
    "category",
    "town",
    "owner_unit",
    "owner_name",
    "investment_planned",
    "start",
    "planned_end",
    "sort",
)
PROGRAMME_FIELDS = ("name", "description", "weighting", "lead_unit")
MILESTONE_FIELDS = ("name", "planned_on", "actual_on", "sort")
PLAN_FIELDS = ("start", "planned_end")


def can_edit(user: User) -> bool:
    """The office (营商办 admins and dispatchers) keeps the project ledger."""
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.ADMIN, Role.DISPATCHER))


def _check_office(actor: User) -> None:
    if not can_edit(actor):
        raise Forbidden("只有营商办可以编辑项目")


def _shown(value: Any) -> Any:
    """A field's value as the audit row keeps it (JSON, readable)."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _apply(obj: models.Model, values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, list[Any]]:
    """Set the given fields and return {field: [old, new]} for those that changed."""
    diff: dict[str, list[Any]] = {}
    for name in allowed:
        if name not in values:
            continue
        field = obj._meta.get_field(name)
        unset = isinstance(field, models.ForeignKey) and getattr(obj, field.attname) is None
        old, new = (None if unset else getattr(obj, name)), values[name]
        if isinstance(new, str):
            new = new.strip()
        if old != new:
            diff[name] = [_shown(old), _shown(new)]
            setattr(obj, name, new)
    return diff


def _clean(obj: models.Model) -> None:
    """The model's own column checks (lengths, digits, choices), as the API's one error shape."""
    try:
        obj.full_clean(validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = getattr(obj._meta.get_field(field), "verbose_name", "") if field != "__all__" else ""
        raise Invalid(
            f"{label}：{messages[0]}" if label else messages[0], "invalid_value", field=field
        ) from None


def _record(
    actor: User, action: str, changes: dict[str, Any], *, project: Any = None, programme: Any = None
) -> None:
    ProjectChange.objects.create(
        project=project, programme=programme, action=action, changes=changes, actor=actor, at=timezone.now()
    )


# ---------------------------------------------------------------- projects and programme nodes


def _check_tree(project: Project) -> None:
    parent = project.parent
    if parent is None:
        return
    if project.programme_id is None or parent.programme_id != project.programme_id:
        raise Invalid("上级须是同一项目群中的分段", "invalid_parent", field="parent")
    node: Project | None = parent
    while node is not None:  # a node may not sit below itself
        if project.pk is not None and node.pk == project.pk:
            raise Invalid("上级不能是本项目或其下属项目", "invalid_parent", field="parent")
        node = node.parent


def save_project(project: Project | None, *, actor: User, **values: Any) -> Project:
    """Create a project (or a programme's section or site) or change one. A new project with dates has its
    plan frozen as the first baseline; once a baseline exists the dates change only through `replan`."""
    _check_office(actor)
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise Invalid(
            f"不能编辑的字段：{'、'.join(sorted(unknown))}", "unknown_field", field=sorted(unknown)[0]
        )
    with transaction.atomic():
        creating = project is None
        target = Project() if project is None else Project.objects.select_for_update().get(pk=project.pk)
        if not creating and target.baselines.exists():
            for name in PLAN_FIELDS:
                if name in values and values[name] != getattr(target, name):
                    raise Invalid(
                        "该项目已有批准的计划基线，请通过“调整计划”修改工期（原基线保留）",
                        "use_replan",
                        field=name,
                    )
        diff = _apply(target, values, PROJECT_FIELDS)
        if target.start and target.planned_end and target.planned_end <= target.start:
            raise Invalid("计划完工须晚于计划开工", "invalid_date", field="planned_end")
        if target.kind == ProjectKind.SECTION and target.programme_id is None:
            raise Invalid("项目群分段须属于一个项目群", "missing_field", field="programme")
        _check_tree(target)
        _clean(target)
        if not diff and not creating:
            return target
        target.light_checked_on = None  # the sweep looks at the changed plan again
        target.save()
        _record(actor, "create" if creating else "edit", diff, project=target, programme=target.programme)
        if creating and target.start and target.planned_end:
            freeze_baseline(target, approved_on=timezone.localdate(), note="初始计划")
    return target


def replan(
    project: Project,
    *,
    planned_end: date,
    approved_on: date,
    note: str,
    actor: User,
    start: date | None = None,
) -> Baseline:
    """An approved change of plan (调整计划): the new dates, frozen as a new baseline with the milestones as
    they now stand; the old baselines stay visible."""
    _check_office(actor)
    words = str(note or "").strip()
    if not words:
        raise Invalid("请填写调整说明", "missing_field", field="note")
    if len(words) > 500:
        raise Invalid("调整说明不能超过 500 字", "too_long", field="note")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        new_start = start or locked.start
        if new_start is None:
            raise Invalid("请填写计划开工日期", "missing_field", field="start")
        if planned_end <= new_start:
            raise Invalid("计划完工须晚于计划开工", "invalid_date", field="planned_end")
        diff = _apply(locked, {"start": new_start, "planned_end": planned_end}, PLAN_FIELDS)
        locked.light_checked_on = None
        locked.save(update_fields=["start", "planned_end", "light_checked_on"])
        baseline = freeze_baseline(locked, approved_on=approved_on, note=words)
        _record(
            actor,
            "replan",
            {**diff, "approved_on": approved_on.isoformat(), "note": words},
            project=locked,
            programme=locked.programme,
        )
    return baseline


# ---------------------------------------------------------------- milestones


def save_milestone(project: Project, milestone: Milestone | None, *, actor: User, **values: Any) -> Milestone:
    """Add a milestone to the plan or change one (its actual date when reached)."""
    _check_office(actor)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        creating = milestone is None
        target = Milestone(project=project) if milestone is None else Milestone.objects.get(pk=milestone.pk)
        if target.project_id != project.pk:
            raise Invalid("该节点不属于本项目", "unknown_milestone", field="milestone")
        diff = _apply(target, values, MILESTONE_FIELDS)
        if not target.name:
            raise Invalid("请填写节点名称", "missing_field", field="name")
        _clean(target)
        if not diff and not creating:
            return target
        target.save()
        _record(
            actor,
            "milestone_add" if creating else "milestone_edit",
            diff if creating else {"milestone": target.name, **diff},
            project=project,
            programme=project.programme,
        )
    return target


def delete_milestone(project: Project, milestone: Milestone, *, actor: User) -> None:
    """Remove a milestone from the current plan (the baselines keep it as approved)."""
    _check_office(actor)
    if milestone.project_id != project.pk:
        raise Invalid("该节点不属于本项目", "unknown_milestone", field="milestone")
    with transaction.atomic():
        _record(
            actor,
            "milestone_delete",
            {"milestone": milestone.name, "planned_on": milestone.planned_on.isoformat()},
            project=project,
            programme=project.programme,
        )
        milestone.delete()


# ---------------------------------------------------------------- programmes


def save_programme(programme: Programme | None, *, actor: User, **values: Any) -> Programme:
    """Create a programme (the tree's root: its name, description, lead unit and roll-up weighting) or
    change one; its sections and sites are projects naming it."""
    _check_office(actor)
    with transaction.atomic():
        creating = programme is None
        target = (
            Programme() if programme is None else Programme.objects.select_for_update().get(pk=programme.pk)
        )
        diff = _apply(target, values, PROGRAMME_FIELDS)
        if not target.name:
            raise Invalid("请填写项目群名称", "missing_field", field="name")
        if Programme.objects.filter(name=target.name).exclude(pk=target.pk).exists():
            raise Invalid(f"已有名为“{target.name}”的项目群", "duplicate", field="name")
        _clean(target)
        if not diff and not creating:
            return target
        target.save()
        _record(actor, "programme_create" if creating else "programme_edit", diff, programme=target)
    return target


def unit_by_id(value: Any, field: str) -> Unit | None:
    """A unit named by id in an API body (None for none)."""
    if value in (None, ""):
        return None
    unit = Unit.objects.filter(pk=value, active=True).exclude(kind="enterprise").first()
    if unit is None:
        raise Invalid(f"找不到编号为 {value} 的单位", "unknown_unit", field=field)
    return unit


ACTION_LABELS = {
    "create": _("新建项目"),
    "edit": _("编辑项目"),
    "replan": _("调整计划"),
    "milestone_add": _("新增节点"),
    "milestone_edit": _("修改节点"),
    "milestone_delete": _("删除节点"),
    "programme_create": _("新建项目群"),
    "programme_edit": _("编辑项目群"),
}


def _field(action: str, name: str) -> Any:
    """The model field a change names: a milestone's fields for milestone actions, a programme's for programme
    actions, else a project's (a re-plan's note and date are its baseline's)."""
    order: tuple[type[models.Model], ...] = (Project, Baseline)
    if action.startswith("milestone"):
        order = (Milestone,)
    elif action.startswith("programme"):
        order = (Programme,)
    for model in order:
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _readable(field: Any, value: Any) -> Any:
    """A choice's label instead of its code (类型：景观点位, not site)."""
    choices = dict(getattr(field, "choices", None) or ())
    return choices.get(value, value) if choices else value


def change_rows(changes: Iterable[ProjectChange]) -> list[dict[str, Any]]:
    """The audit rows as a page shows them: the action's label and each field's label with its old value
    (none for a creation) and its new one."""
    rows = []
    for c in changes:
        fields = []
        creating = c.action.endswith(("create", "_add"))
        for name, value in (c.changes or {}).items():
            field = _field(c.action, name)
            label = field.verbose_name if field is not None else {"milestone": _("节点")}.get(name, name)
            pair = isinstance(value, list) and len(value) == 2
            old, new = value if pair else (None, value)
            shown_old = (_readable(field, old) or "—") if pair and not creating else None
            fields.append((label, shown_old, _readable(field, new)))
        rows.append({"change": c, "label": ACTION_LABELS.get(c.action, c.action), "fields": fields})
    return rows
