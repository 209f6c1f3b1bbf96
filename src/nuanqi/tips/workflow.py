"""The tip lifecycle (举报, kind `tip`), registered with the engine as a *sealed* kind:
待受理 → 已受理 → 核查中 → 办结, with 转办 (out of the group's scope: to whom and why, in the sealed note)
and 存查 (a repeat of an earlier tip, linked with the engine's `repeat_of` and filed, not handled again).

Rules (中国共产党纪律检查机关监督执纪工作规则; 纪检监察机关处理检举控告工作规则):
- 转办 within 5 working days of receipt (`transfer` clock: stopped by 受理, 转办 or 存查);
- a named reporter is told of acceptance within 15 working days of receipt (`tell_accept`) and of the result
  within 15 working days of 办结 (`tell_result`, a clock that runs after the case closed). The telling goes
  through the receipt page: the server cannot send an SMS to a number it cannot read.

Everything a member writes is ciphertext (the engine's `sealed` note); the engine sees statuses and dates.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.kinds import CLOSED, OPEN, WORKING_DAYS, Clock, KindSpec, StatusDef
from nuanqi.cases.kinds import transition as _t

TIP = "tip"

RECEIVED = "tip_received"  # 待受理
ACCEPTED = "tip_accepted"  # 已受理
CHECKING = "tip_checking"  # 核查中
DONE = "tip_done"  # 办结
TRANSFERRED = "tip_transferred"  # 已转办
FILED = "tip_filed"  # 存查: a repeat, registered and filed

MEMBER = "tip_member"
LEADER = "tip_leader"
GROUP = {MEMBER, LEADER}
LIVE = (RECEIVED, ACCEPTED, CHECKING)

TIP_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(RECEIVED, _("待受理"), OPEN),
    StatusDef(ACCEPTED, _("已受理"), OPEN),
    StatusDef(CHECKING, _("核查中"), OPEN),
    StatusDef(DONE, _("办结"), CLOSED, resolved=True),
    StatusDef(TRANSFERRED, _("已转办"), CLOSED, resolved=True),
    StatusDef(FILED, _("存查"), CLOSED, counted=False),
)

TIP_WORKFLOW = (
    _t("accept", _("受理"), (RECEIVED,), ACCEPTED, GROUP, style="primary"),
    _t("start_check", _("开始核查"), (ACCEPTED,), CHECKING, GROUP, style="primary"),
    _t("conclude", _("办结"), (ACCEPTED, CHECKING), DONE, {LEADER}, style="primary"),
    _t("transfer", _("转办"), (RECEIVED, ACCEPTED), TRANSFERRED, GROUP, style="danger"),
    _t("file_repeat", _("存查"), (RECEIVED, ACCEPTED), FILED, GROUP),
    _t("note", _("记录"), LIVE, None, GROUP),
    # Telling the named reporter, through the receipt page (a reply marked as the notice).
    _t("tell_accept", _("告知受理"), (ACCEPTED, CHECKING, DONE, TRANSFERRED), None, GROUP),
    _t("tell_result", _("告知结果"), (DONE, TRANSFERRED), None, GROUP),
)

TRANSFER_CLOCK = Clock("transfer", _("受理或转办"), ("create",), ("accept", "transfer", "file_repeat"), 5)
TELL_ACCEPT_CLOCK = Clock(
    "tell_accept",
    _("告知受理"),
    ("create",),
    ("tell_accept", "transfer", "file_repeat"),
    15,
    runs_closed=True,  # a tip concluded before its reporter was told still owes the notice
)
TELL_RESULT_CLOCK = Clock(
    "tell_result",
    _("告知结果"),
    ("conclude", "transfer"),
    ("tell_result",),
    15,
    WORKING_DAYS,
    runs_closed=True,
)


# The events the group hears of: a new tip, the reporter writing, a clock's card. (Members' own actions are
# seen on the tip.) Each notice carries no content: "您有一条新的举报待受理", "有待办事项".
NOTIFIED = frozenset({"create", "public_message", "clock_yellow", "clock_red"})


def _notify(event: Any, case: Any) -> list[int]:
    from .access import readers_of

    return readers_of(case) if event.action in NOTIFIED else []


def tip_kind() -> KindSpec:
    from .intake import TIP_INTAKE

    return KindSpec(
        code=TIP,
        label=_("巡察举报"),
        prefix="JB",
        statuses=TIP_STATUSES,
        transitions=TIP_WORKFLOW,
        initial=RECEIVED,
        sla_default_days=15,
        clocks=(TRANSFER_CLOCK, TELL_ACCEPT_CLOCK, TELL_RESULT_CLOCK),
        sealed=True,
        sealed_label=_("您有一条新的举报待受理"),
        description_label=_("举报内容"),
        filers=frozenset({"inspector"}),
        generic_form=False,
        public=TIP_INTAKE,
        notify=_notify,
        page="tip_detail",
    )


TIP_STATUS_CHOICES = [(s.code, s.label) for s in TIP_STATUSES]
CLOCK_LABELS = {c.name: c.label for c in (TRANSFER_CLOCK, TELL_ACCEPT_CLOCK, TELL_RESULT_CLOCK)}
# What a tip's timeline calls its events (the engine's names for what it records, the table's for actions).
EVENT_LABELS: dict[str, Any] = {t.action: t.label for t in TIP_WORKFLOW} | {
    "create": _("收到举报"),
    "attach": _("附件"),
    "public_message": _("举报人留言"),
    "public_reply": _("答复举报人"),
    "identity_release": _("授权查看举报人身份"),
    "link": _("关联"),
    "linked_from": _("被关联"),
    "clock_yellow": _("时限黄牌"),
    "clock_red": _("时限红牌"),
}
