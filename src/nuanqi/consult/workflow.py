"""The consultation-item lifecycle (协商事项, kind `consult`), registered from apps.py:

提出 → 交办 (to a responding unit) → 现场答复 (recorded at the session) → 书面答复 (a named clock) →
采纳 / 部分采纳 (then 落实, with evidence) or 留作参考 / 不予采纳 (a reason required) → closed.
The member who raised the item rates the answer (once per answer); 不满意 sends it back to the unit
(重新答复).

The adoption decision is the action taken from 已书面答复: the timeline keeps it, and `services.decision_of`
reads it back, so the decision has one writer (`cases.services.perform`) like every other state.
Status codes carry a `consult_` prefix: their turns differ from other kinds' statuses of similar names.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.kinds import (
    CLOSED,
    OPEN,
    REOPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    WORKING_DAYS,
    Clock,
    KindSpec,
    StatusDef,
    Transition,
)
from nuanqi.cases.kinds import transition as _t

from .intake import CONSULT_INTAKE

CONSULT = "consult"

RAISED = "consult_raised"  # 已提出: raised at or before the session, not yet assigned
ASSIGNED = "consult_assigned"  # 已交办: the responding unit prepares its answer
SPOT = "consult_spot"  # 已现场答复: answered at the session, the written answer is due
ANSWERED = "consult_answered"  # 已书面答复: the office decides on adoption
ADOPTED = "consult_adopted"  # 采纳落实中: (partly) adopted, implementation under way
DONE = "consult_done"  # 已落实
REFERENCE = "consult_reference"  # 留作参考
DECLINED = "consult_declined"  # 不予采纳
WITHDRAWN = "consult_withdrawn"  # 不予受理 (a duplicate, out of scope)

# Office of the consultations: the 政协 staff beside the engine's office roles.
OFFICE = {"admin", "dispatcher", "consult_staff"}
LIVE = (RAISED, ASSIGNED, SPOT, ANSWERED, ADOPTED)

# The adoption decisions: action → (public label, the decision's code in APIs and figures).
ADOPT, ADOPT_PART, KEEP, DECLINE = "adopt", "adopt_part", "keep_reference", "decline"
DECISIONS = {
    ADOPT: _("采纳"),
    ADOPT_PART: _("部分采纳"),
    KEEP: _("留作参考"),
    DECLINE: _("不予采纳"),
}

CONSULT_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(RAISED, _("已提出"), OPEN, TURN_OFFICE),
    StatusDef(ASSIGNED, _("已交办"), OPEN, TURN_LEAD_UNIT),
    StatusDef(SPOT, _("已现场答复"), OPEN, TURN_LEAD_UNIT),
    StatusDef(ANSWERED, _("已书面答复"), OPEN, TURN_OFFICE),
    StatusDef(ADOPTED, _("采纳落实中"), OPEN, TURN_LEAD_UNIT),
    StatusDef(DONE, _("已落实"), CLOSED, resolved=True),
    StatusDef(REFERENCE, _("留作参考"), CLOSED, resolved=True),
    StatusDef(DECLINED, _("不予采纳"), CLOSED, resolved=True),
    StatusDef(WITHDRAWN, _("不予受理"), CLOSED),
)

UNIT = {"lead_unit", *OFFICE}

CONSULT_WORKFLOW: tuple[Transition, ...] = (
    # The engine's dispatch handler sets the responding (lead) unit; co-handling units are engine tasks.
    _t("dispatch", _("交办"), (RAISED,), ASSIGNED, OFFICE, ("lead_unit",), "primary", ("reason",)),
    _t("reject", _("不予受理"), (RAISED,), WITHDRAWN, OFFICE, ("reason",), "danger"),
    # Recorded at the session, often by the staff on a phone: the unit head's words are the reason text.
    _t("answer_on_spot", _("记录现场答复"), (ASSIGNED,), SPOT, UNIT, ("reason",), "primary"),
    _t("answer", _("书面答复"), (ASSIGNED, SPOT), ANSWERED, UNIT, ("reason",), "primary", evidence=True),
    _t(ADOPT, DECISIONS[ADOPT], (ANSWERED,), ADOPTED, OFFICE, (), "primary", ("reason",)),
    _t(ADOPT_PART, DECISIONS[ADOPT_PART], (ANSWERED,), ADOPTED, OFFICE, ("reason",)),
    _t(KEEP, DECISIONS[KEEP], (ANSWERED,), REFERENCE, OFFICE, ("reason",)),
    _t(DECLINE, DECISIONS[DECLINE], (ANSWERED,), DECLINED, OFFICE, ("reason",), "danger"),
    _t("implement", _("落实完成"), (ADOPTED,), DONE, UNIT, ("reason",), "primary", evidence=True),
    # The member (or the representative, or the citizen through the staff's 回访) rates the answer; a
    # 不满意 sends the item back to the unit to answer again (`unsatisfied_to`), with the written clock anew.
    _t(
        "rate",
        _("评价答复"),
        (ANSWERED, ADOPTED, DONE, REFERENCE, DECLINED),
        None,
        {"requester", *OFFICE},
        ("satisfaction",),
        "",
        ("comment",),
    ),
    _t("note", _("记录进展"), LIVE, None, UNIT, ("reason",)),
    _t("remind", _("催办"), LIVE, None, {"leader", *OFFICE}, (), "", ("reason",)),
    _t("supervise", _("督办"), LIVE, None, {"leader", *OFFICE}, ("reason",), "danger"),
)

# The written answer within 15 working days of 交办 (the committee's follow-up rule; an SLA policy row of
# the kind changes the overall limit, this clock the answer's).
WRITTEN_CLOCK = Clock("written", _("书面答复"), ("dispatch", REOPEN), ("answer", "reject"), 15, WORKING_DAYS)
# Implementation within 60 working days of adoption.
IMPLEMENT_CLOCK = Clock("implement", _("落实"), (ADOPT, ADOPT_PART), ("implement",), 60, WORKING_DAYS)

CONSULT_KIND = KindSpec(
    code=CONSULT,
    label=_("协商事项"),
    prefix="XS",
    description_label=_("问题或建议"),
    statuses=CONSULT_STATUSES,
    transitions=CONSULT_WORKFLOW,
    initial=RAISED,
    sla_default_days=80,
    clocks=(WRITTEN_CLOCK, IMPLEMENT_CLOCK),
    unsatisfied_to=ASSIGNED,
    # An item may become an enterprise request or a project issue (派生), linked `spawned_from` it.
    spawns=("request", "project"),
    spawners=frozenset(OFFICE),
    subject_required="consult_session",
    filers=frozenset({"admin", "dispatcher", "consult_staff"}),
    generic_form=False,
    public=CONSULT_INTAKE,
)
