"""The project-issue lifecycle (项目问题, kind `project`): a suggestion from a research visit (调研) or a
problem found on a project, 提出 → 交办 (to the owner or another unit) → 答复 (with evidence), within a
named clock. Registered from apps.py. Status codes carry a `project_` prefix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.kinds import (
    CLOSED,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    WORKING_DAYS,
    Clock,
    KindSpec,
    StatusDef,
    Transition,
)
from nuanqi.cases.kinds import transition as _t

PROJECT_ISSUE = "project"

RAISED = "project_raised"
ASSIGNED = "project_assigned"
ANSWERED = "project_answered"
DISMISSED = "project_dismissed"

OFFICE = {"admin", "dispatcher"}
LIVE = (RAISED, ASSIGNED)

STATUSES: tuple[StatusDef, ...] = (
    StatusDef(RAISED, _("已提出"), OPEN, TURN_OFFICE),
    StatusDef(ASSIGNED, _("办理中"), OPEN, TURN_LEAD_UNIT),
    StatusDef(ANSWERED, _("已答复"), CLOSED, resolved=True),
    StatusDef(DISMISSED, _("不予受理"), CLOSED),
)

WORKFLOW: tuple[Transition, ...] = (
    _t("dispatch", _("交办"), (RAISED,), ASSIGNED, OFFICE, ("lead_unit",), "primary", ("reason",)),
    _t("reject", _("不予受理"), (RAISED,), DISMISSED, OFFICE, ("reason",), "danger"),
    _t(
        "answer",
        _("答复"),
        (ASSIGNED,),
        ANSWERED,
        {"lead_unit", *OFFICE},
        ("reason",),
        "primary",
        evidence=True,
    ),
    _t("note", _("记录进展"), LIVE, None, {"lead_unit", *OFFICE}, ("reason",)),
    _t("remind", _("催办"), LIVE, None, {"leader", *OFFICE}, (), "", ("reason",)),
    _t("supervise", _("督办"), LIVE, None, {"leader", *OFFICE}, ("reason",), "danger"),
)

ANSWER_CLOCK = Clock("answer", _("答复"), ("dispatch",), ("answer", "reject"), 10, WORKING_DAYS)

PROJECT_KIND = KindSpec(
    code=PROJECT_ISSUE,
    label=_("项目问题"),
    prefix="XM",
    description_label=_("问题或建议"),
    statuses=STATUSES,
    transitions=WORKFLOW,
    initial=RAISED,
    sla_default_days=20,
    clocks=(ANSWER_CLOCK,),
    subject_required="project",
    filers=frozenset({"admin", "dispatcher"}),
    generic_form=False,
)
