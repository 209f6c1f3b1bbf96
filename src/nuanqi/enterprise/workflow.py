"""The department-task workflow (部门任务, kind `task`): a department posts a task to a company, the
commissioner relays it, the company carries it out, the department confirms. Registered from apps.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.models import OPEN_STATUSES, Status
from nuanqi.cases.workflow import Transition, _t

S = Status
OFFICE = {"admin", "dispatcher"}
LIVE = (*OPEN_STATUSES, S.ON_HOLD)

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
