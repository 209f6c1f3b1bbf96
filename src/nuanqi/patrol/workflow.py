"""The patrol-problem lifecycle (巡查问题, kind `patrol`), after the national 数字城管 flow:
发现 → 立案 / 不予立案 → 派遣 → 整改中 → 申请销号 (with a rectification photo) → 复查通过 (销号) or
复查不通过 (back to 整改中), with the engine's 延期 and 挂账. Registered from apps.py.

Status codes carry a `patrol_` prefix: their meanings differ from the request kind's (待复查 is the office's
and the point leader's turn, not the lead unit's), and a code shared across kinds must mean the same phase
and turn everywhere. 挂账 (`on_hold`) means the same in both kinds and is shared.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.kinds import (
    CLOSED,
    HELD,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    WORKING_DAYS,
    WORKING_HOURS,
    Clock,
    KindSpec,
    StatusDef,
    Transition,
)
from nuanqi.cases.kinds import transition as _t

from .intake import PATROL_INTAKE

PATROL = "patrol"

FOUND = "patrol_found"  # 发现: reported by a point leader, a patroller or the public
FILED = "patrol_filed"  # 已立案: the office accepted it as a problem, waiting to be dispatched
FIXING = "patrol_fixing"  # 整改中: the responsible unit's work
REVIEW = "patrol_review"  # 待复查: the unit applied for 销号 with its evidence
CLOSED_OK = "patrol_closed"  # 已销号: the re-check passed
DISMISSED = "patrol_dismissed"  # 不予立案
DUPLICATE = "patrol_duplicate"  # 重复件: merged into an earlier report of the same problem
ON_HOLD = "on_hold"  # 挂账, as in the engine's request kind

OFFICE = {"admin", "dispatcher"}
LIVE = (FOUND, FILED, FIXING, REVIEW, ON_HOLD)

PATROL_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(FOUND, _("发现"), OPEN, TURN_OFFICE),
    StatusDef(FILED, _("已立案"), OPEN, TURN_OFFICE),
    StatusDef(FIXING, _("整改中"), OPEN, TURN_LEAD_UNIT),
    StatusDef(REVIEW, _("待复查"), OPEN, TURN_OFFICE),
    StatusDef(ON_HOLD, _("挂账"), HELD),
    StatusDef(CLOSED_OK, _("已销号"), CLOSED, resolved=True),
    StatusDef(DISMISSED, _("不予立案"), CLOSED),
    StatusDef(DUPLICATE, _("重复件"), CLOSED),
)

PATROL_WORKFLOW: tuple[Transition, ...] = (
    _t("file", _("立案"), (FOUND,), FILED, OFFICE, style="primary"),
    _t("reject", _("不予立案"), (FOUND,), DISMISSED, OFFICE, ("reason",), "danger"),
    # The engine's dispatch handler sets the lead unit (the point's responsible unit is proposed).
    # Duplicates by place (`nearby.py`): the engine's merge closes the later report pointing at the earlier.
    _t("merge", _("合并为重复件"), (FOUND, FILED), DUPLICATE, OFFICE, ("original",), "danger", ("reason",)),
    _t("dispatch", _("派遣"), (FILED,), FIXING, OFFICE, ("lead_unit",), "primary", ("reason",)),
    _t("note", _("记录进展"), LIVE, None, {"lead_unit", "point_leader", *OFFICE}, ("reason",)),
    _t("request_extension", _("申请延期"), (FIXING,), None, {"lead_unit", "admin"}, ("days", "reason")),
    _t("approve_extension", _("批准延期"), (FIXING,), None, OFFICE, style="primary"),
    _t("deny_extension", _("驳回延期"), (FIXING,), None, OFFICE, ("reason",), "danger"),
    _t("hold", _("挂账"), (FIXING,), ON_HOLD, OFFICE, ("reason", "review_on")),
    _t("resume", _("恢复整改"), (ON_HOLD,), FIXING, OFFICE),
    _t(
        "apply_close",
        _("申请销号"),
        (FIXING,),
        REVIEW,
        {"lead_unit", "admin"},
        ("reason",),
        "primary",
        evidence=True,
    ),
    _t("recheck_pass", _("复查通过"), (REVIEW,), CLOSED_OK, {"point_leader", *OFFICE}, style="primary"),
    _t("recheck_fail", _("复查不通过"), (REVIEW,), FIXING, {"point_leader", *OFFICE}, ("reason",), "danger"),
    _t("supervise", _("督办"), LIVE, None, {"leader", *OFFICE}, ("reason",), "danger"),
    _t("remind", _("催办"), LIVE, None, {"leader", "point_leader", *OFFICE}, (), "", ("reason",)),
)

# 立案 within 30 working minutes of 发现 (数字城管's minutes-level limit); 整改 3 working days from 派遣
# by default. 申请销号 stops the 整改 clock; 复查不通过 starts a new period for the rework.
FILE_CLOCK = Clock("file", _("立案"), ("create",), ("file", "reject"), 0.5, WORKING_HOURS)
FIX_CLOCK = Clock(
    "fix", _("整改"), ("dispatch", "recheck_fail", "resume"), ("apply_close", "hold"), 3, WORKING_DAYS
)

PATROL_KIND = KindSpec(
    code=PATROL,
    label=_("巡查问题"),
    prefix="XC",
    description_label=_("问题描述"),
    statuses=PATROL_STATUSES,
    transitions=PATROL_WORKFLOW,
    initial=FOUND,
    sla_default_days=5,
    clocks=(FILE_CLOCK, FIX_CLOCK),
    filers=frozenset({"admin", "dispatcher", "point_leader", "patroller"}),
    public=PATROL_INTAKE,
)
