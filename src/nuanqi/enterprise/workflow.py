"""The department-task workflow (部门任务, kind `task`): a department posts a task to a company, the
commissioner relays it, the company carries it out, the department confirms. Registered from apps.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.kinds import (
    CLOSED,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    KindSpec,
    StatusDef,
    Transition,
)
from nuanqi.cases.kinds import transition as _t
from nuanqi.cases.models import Status

TASK = "task"

S = Status
OFFICE = {"admin", "dispatcher"}
LIVE = (S.NEW, S.IN_PROGRESS)

TASK_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(S.NEW, S.NEW.label, OPEN, TURN_OFFICE),
    StatusDef(S.IN_PROGRESS, S.IN_PROGRESS.label, OPEN, TURN_LEAD_UNIT),
    StatusDef(S.RESOLVED, S.RESOLVED.label, CLOSED, resolved=True),
    StatusDef(S.ARCHIVED, S.ARCHIVED.label, CLOSED, resolved=True),
    StatusDef(S.REJECTED, S.REJECTED.label, CLOSED),
)

TASK_WORKFLOW: tuple[Transition, ...] = (
    _t("relay", _("转达企业"), (S.NEW,), S.IN_PROGRESS, {"commissioner", *OFFICE}, style="primary"),
    _t("note", _("记录进展"), LIVE, None, {"lead_unit", "commissioner", "requester", *OFFICE}, ("reason",)),
    _t(
        "resolve",
        _("企业已落实"),
        (S.IN_PROGRESS,),
        S.RESOLVED,
        {"requester", "commissioner", "admin"},
        ("result",),
        "primary",
    ),
    _t("archive", _("部门确认"), (S.RESOLVED,), S.ARCHIVED, {"lead_unit", *OFFICE}, style="primary"),
    _t("reopen", _("退回重办"), (S.RESOLVED,), S.IN_PROGRESS, {"lead_unit", *OFFICE}, ("reason",), "danger"),
    _t(
        "reject",
        _("撤回任务"),
        (S.NEW, S.IN_PROGRESS),
        S.REJECTED,
        {"lead_unit", "admin"},
        ("reason",),
        "danger",
    ),
    _t("remind", _("催办"), LIVE, None, {"lead_unit", "commissioner", *OFFICE}, (), "", ("reason",)),
)


TASK_KIND = KindSpec(
    code=TASK,
    label=_("部门任务"),
    prefix="RW",
    statuses=TASK_STATUSES,
    transitions=TASK_WORKFLOW,
    initial=S.NEW,
    sla_default_days=5,
    subject_required="company",
    # Departments post tasks on their own page (`/tasks/new/`), not on the generic new-case form.
    filers=frozenset(),
    generic_form=False,
)
