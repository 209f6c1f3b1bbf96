"""Workflow as data: one transition table per kind, enforced by `services.perform`.

`who` names relations a person has to a case (see `access.relations`), not bare roles: "lead_unit" is a
handler of the case's lead unit, "commissioner" the 暖企专员 serving the case's company, "requester" the
company's own contact. A transition whose `target` is None leaves the status as it is (督办, 催办, 延期申请).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATUSES, Kind, Status

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any  # a lazy translation: rendered in the reader's language
    sources: tuple[str, ...]
    target: str | None
    who: frozenset[str]
    required: tuple[str, ...] = ()
    style: str = ""
    fields: tuple[str, ...] = field(default=())  # optional inputs the form offers besides `required`

    def allows_from(self, status: str) -> bool:
        return status in self.sources


def _t(
    action: str,
    label: Any,
    sources: tuple[str, ...],
    target: str | None,
    who: set[str],
    required: tuple[str, ...] = (),
    style: str = "",
    fields: tuple[str, ...] = (),
) -> Transition:
    return Transition(action, label, sources, target, frozenset(who), required, style, fields)


OFFICE = {"admin", "dispatcher"}
HANDLING = (S.IN_PROGRESS,)
LIVE = (*OPEN_STATUSES, S.ON_HOLD)

REQUEST_WORKFLOW: tuple[Transition, ...] = (
    _t("accept", _("受理"), (S.NEW,), S.ACCEPTED, OFFICE, style="primary"),
    _t(
        "reject", _("不予受理"), (S.NEW, S.ACCEPTED), S.REJECTED, OFFICE, ("reason",), "danger", ("referral",)
    ),
    _t(
        "dispatch",
        _("派单"),
        (S.ACCEPTED,),
        S.DISPATCHED,
        OFFICE,
        ("lead_unit",),
        "primary",
        ("owner", "reason"),
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
    _t("resolve", _("办结"), HANDLING, S.RESOLVED, {"lead_unit", "owner", "admin"}, ("result",), "primary"),
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
    _t("reopen", _("重办"), (S.RESOLVED, S.VISITING, S.RATED), S.IN_PROGRESS, OFFICE, ("reason",), "danger"),
    _t("archive", _("归档"), (S.RATED,), S.ARCHIVED, OFFICE),
    _t("supervise", _("督办"), LIVE, None, {"leader", *OFFICE}, ("reason",), "danger"),
    _t(
        "remind", _("催办"), LIVE, None, {"leader", "commissioner", "requester", *OFFICE}, (), "", ("reason",)
    ),
)

WORKFLOWS: dict[str, dict[str, Transition]] = {
    Kind.REQUEST: {t.action: t for t in REQUEST_WORKFLOW},
}


def table_for(kind: str) -> dict[str, Transition]:
    try:
        return WORKFLOWS[kind]
    except KeyError:
        return WORKFLOWS[Kind.REQUEST]


def register_workflow(kind: str, transitions: tuple[Transition, ...]) -> None:
    """Modules built on the engine (patrol, tips …) add their own tables here."""
    WORKFLOWS[kind] = {t.action: t for t in transitions}
