"""The stock request lifecycle, registered with `cases.kinds` like any module's kind. 12345-shaped:
待受理 → 已受理 → 已派单 → 办理中 → 已办结 → 待回访 → 已评价 → 归档.

`who` names relations a person has to a case (see `access.relations`), not bare roles: "lead_unit" is a
handler of the case's lead unit, "commissioner" the 暖企专员 serving the case's company, "requester" the
company's own contact. A transition whose `target` is None leaves the status as it is (督办, 催办, 延期申请).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .kinds import (
    CLOSED,
    HELD,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    KindSpec,
    StatusDef,
    Transition,
    get_kind,
    register_kind,
)
from .kinds import transition as _t
from .models import Kind, Nature, Status

S = Status

__all__ = ["REQUEST_KIND", "REQUEST_WORKFLOW", "Transition", "_t", "register_request_kind", "table_for"]

REQUEST_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(S.NEW, S.NEW.label, OPEN, TURN_OFFICE),
    StatusDef(S.ACCEPTED, S.ACCEPTED.label, OPEN, TURN_OFFICE),
    StatusDef(S.DISPATCHED, S.DISPATCHED.label, OPEN, TURN_LEAD_UNIT),
    StatusDef(S.IN_PROGRESS, S.IN_PROGRESS.label, OPEN, TURN_LEAD_UNIT),
    StatusDef(S.ON_HOLD, S.ON_HOLD.label, HELD),
    StatusDef(S.RESOLVED, S.RESOLVED.label, CLOSED, resolved=True),
    StatusDef(S.VISITING, S.VISITING.label, CLOSED, resolved=True),
    StatusDef(S.RATED, S.RATED.label, CLOSED, resolved=True, rated=True),
    StatusDef(S.ARCHIVED, S.ARCHIVED.label, CLOSED, resolved=True),
    StatusDef(S.REJECTED, S.REJECTED.label, CLOSED),
    # Merged into an earlier case (重复件): closed, and not counted a second time in the KPIs.
    StatusDef(S.DUPLICATE, S.DUPLICATE.label, CLOSED, counted=False),
)

OFFICE = {"admin", "dispatcher"}
HANDLING = (S.IN_PROGRESS,)
OPEN_ONES = (S.NEW, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS)
LIVE = (*OPEN_ONES, S.ON_HOLD)
LIVE_AND_DONE = (*LIVE, S.RESOLVED, S.VISITING, S.RATED, S.ARCHIVED)

REQUEST_WORKFLOW: tuple[Transition, ...] = (
    _t("accept", _("受理"), (S.NEW,), S.ACCEPTED, OFFICE, style="primary"),
    _t(
        "reject", _("不予受理"), (S.NEW, S.ACCEPTED), S.REJECTED, OFFICE, ("reason",), "danger", ("referral",)
    ),
    # 分级: the office sets what the filer may not (a company contact files without channel, unit or
    # priority): importance and urgency (→ priority and the deadlines of its time limits), the channel, and
    # the proposed lead unit, before dispatch.
    _t(
        "triage",
        _("分级定级"),
        (S.NEW, S.ACCEPTED),
        None,
        OFFICE,
        ("importance", "urgency"),
        "",
        ("channel", "lead_unit", "reason"),
    ),
    _t(
        "dispatch",
        _("派单"),
        (S.ACCEPTED,),
        S.DISPATCHED,
        OFFICE,
        ("lead_unit",),
        "primary",
        ("owner", "cohandlers", "reason"),
    ),
    _t("sign", _("签收"), (S.DISPATCHED,), S.IN_PROGRESS, {"lead_unit", "admin"}, style="primary"),
    _t("return", _("退单"), (S.DISPATCHED,), S.ACCEPTED, {"lead_unit", "admin"}, ("reason",), "danger"),
    _t(
        "contact", _("首次联系"), HANDLING, None, {"lead_unit", "owner", "commissioner", "admin"}, ("reason",)
    ),
    _t("note", _("记录进展"), LIVE, None, {"lead_unit", "owner", "commissioner", *OFFICE}, ("reason",)),
    _t(
        "request_extension",
        _("申请延期"),
        HANDLING,
        None,
        {"lead_unit", "owner", "admin"},
        ("days", "reason"),
    ),
    _t("approve_extension", _("批准延期"), HANDLING, None, OFFICE, style="primary"),
    _t("deny_extension", _("驳回延期"), HANDLING, None, OFFICE, ("reason",), "danger"),
    _t("hold", _("挂账"), HANDLING, S.ON_HOLD, OFFICE, ("reason", "review_on")),
    _t("resume", _("恢复办理"), (S.ON_HOLD,), S.IN_PROGRESS, OFFICE),
    _t(
        "resolve",
        _("办结"),
        HANDLING,
        S.RESOLVED,
        {"lead_unit", "owner", "admin"},
        ("result",),
        "primary",
        evidence=True,
    ),
    _t("visit", _("转回访"), (S.RESOLVED,), S.VISITING, {*OFFICE, "commissioner"}),
    _t(
        "rate",
        _("评价"),
        (S.RESOLVED, S.VISITING),
        S.RATED,
        {"requester", "commissioner", *OFFICE},
        ("satisfaction",),
        "primary",
        ("comment",),
    ),
    # 申诉: the lead unit appeals an unfair 不满意 (within NUANQI_APPEAL_WINDOW_DAYS working days of the
    # rating); the office upholds or rejects it. Offered only while the condition holds (permissions.unmet).
    _t(
        "appeal",
        _("申诉"),
        (S.IN_PROGRESS, S.RESOLVED, S.VISITING, S.RATED),
        None,
        {"lead_unit", "admin"},
        ("reason",),
        "",
        evidence=True,
    ),
    _t("uphold_appeal", _("申诉成立"), LIVE_AND_DONE, None, OFFICE, ("reason",), "primary"),
    _t("reject_appeal", _("驳回申诉"), LIVE_AND_DONE, None, OFFICE, ("reason",), "danger"),
    _t("reopen", _("重办"), (S.RESOLVED, S.VISITING, S.RATED), S.IN_PROGRESS, OFFICE, ("reason",), "danger"),
    _t("archive", _("归档"), (S.RATED,), S.ARCHIVED, OFFICE),
    _t(
        "merge",
        _("合并为重复件"),
        (S.NEW, S.ACCEPTED),
        S.DUPLICATE,
        OFFICE,
        ("original",),
        "danger",
        ("reason",),
    ),
    _t("supervise", _("督办"), LIVE, None, {"leader", *OFFICE}, ("reason",), "danger"),
    _t(
        "remind", _("催办"), LIVE, None, {"leader", "commissioner", "requester", *OFFICE}, (), "", ("reason",)
    ),
)

REQUEST_KIND = KindSpec(
    code=Kind.REQUEST,
    label=_("企业诉求"),
    prefix="QY",
    statuses=REQUEST_STATUSES,
    transitions=REQUEST_WORKFLOW,
    initial=S.NEW,
    # 舟山12345: 咨询 3, 求助/一般 5, 投诉/复杂 7 working days.
    sla_days={Nature.CONSULT: 3, Nature.COMPLAINT: 7, Nature.REPORT: 7},
    sla_default_days=5,
    subject_required="company",
    description_label=_("诉求内容"),
    unsatisfied_to=S.IN_PROGRESS,
    filers=frozenset({"admin", "dispatcher", "leader", "commissioner", "enterprise", "handler"}),
)


def register_request_kind() -> None:
    register_kind(REQUEST_KIND)


def table_for(kind: str) -> dict[str, Transition]:
    """The transition table of a registered kind; an unknown kind raises `kinds.UnknownKind`."""
    return get_kind(kind).table
