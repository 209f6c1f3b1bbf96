"""Online tips through the engine's public intake (slug `tips`): `/public/tips/` and
`POST /api/v1/public/tips`. The engine keeps the receipt, the throttle and the pages; this module checks the
round's window, seals the content and the identity, and reads the progress with the receipt key.

Rules: a tip is taken only inside its round's acceptance dates — outside them the answer names the standing
channel (12388 and the district 纪委) with the code `outside_window`; inside the dates a tip sent out of
working hours is accepted and its clocks start at the next working instant.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Unit
from nuanqi.cases import coerce
from nuanqi.cases.errors import Invalid
from nuanqi.cases.public import PublicField, PublicIntake, SealedIntake

from .models import DEFAULT_STANDING_CHANNEL, Discipline, InspectionGroup, Round


def _unit_options() -> tuple[tuple[str, Any], ...]:
    """Units inspected by a round whose window is open or upcoming (what the form offers)."""
    today = timezone.localdate()
    units = (
        Unit.objects.filter(
            inspection_groups__round__published=True, inspection_groups__round__window_end__gte=today
        )
        .distinct()
        .order_by("name")
    )
    return tuple((str(u.pk), u.name) for u in units)


def _outside(rnd: Round) -> Invalid:
    today = timezone.localdate()
    standing = rnd.standing_channel or DEFAULT_STANDING_CHANNEL
    when = "尚未开始" if today < rnd.window_start else "已经结束"
    return Invalid(
        f"{rnd.name}的受理期（{rnd.window_start:%Y-%m-%d} 至 {rnd.window_end:%Y-%m-%d}）{when}。{standing}",
        "outside_window",
        field="target_unit",
    )


def validate(values: dict[str, str]) -> dict[str, str]:
    """The round's window (first: a closed round's answer is the standing channel, whatever else was
    sent), the unit's group, and a named tip's name and phone."""
    from .services import current_round_for

    round_id = None
    if values.get("round"):
        given = Round.objects.filter(pk=int(values["round"])).first() if values["round"].isdigit() else None
        if given is None or not given.published:
            raise Invalid("巡察轮次无效", "invalid_choice", field="round")
        if not given.is_open_on(timezone.localdate()):
            raise _outside(given)
        round_id = given.pk
    unit = coerce.unit(values.get("target_unit", ""), field="target_unit", label="被巡察单位")
    found = current_round_for(unit, round_id)
    if found is None:
        raise Invalid(
            f"{unit.name}不是{'本轮' if round_id else ''}巡察对象", "not_inspected", field="target_unit"
        )
    rnd, group = found
    if not rnd.is_open_on(timezone.localdate()):
        raise _outside(rnd)
    named = values.get("anonymous") == "false"
    if named and not values.get("name"):
        raise Invalid("实名举报请填写姓名", "missing_field", field="name")
    if named and not values.get("phone"):
        raise Invalid("实名举报请填写联系电话", "missing_field", field="phone")
    return values | {"round": str(rnd.pk), "target_unit": str(unit.pk), "group": str(group.pk)}


def _file(values: dict[str, str], files: list[Any], key: bytes) -> Any:
    from .services import TipInput, file_tip

    named = values.get("anonymous") == "false"
    group = InspectionGroup.objects.select_related("round").get(pk=int(values["group"]))
    return file_tip(
        TipInput(
            group=group,
            target_unit=Unit.objects.get(pk=int(values["target_unit"])),
            disciplines=[d for d in values.get("disciplines", "").split(",") if d],
            content=values["content"],
            accused_post=values.get("accused_post", ""),
            accused_name=values.get("accused_name", ""),
            named=named,
            name=values.get("name", "") if named else "",
            phone=values.get("phone", "") if named else "",
            files=files,
        ),
        actor=None,
        receipt_key=key,
    )


def _progress(opened: Any) -> dict[str, Any]:
    from .services import reporter_progress

    return reporter_progress(opened)


def _message(opened: Any, text: str, files: list[Any]) -> None:
    from .services import reporter_message

    reporter_message(opened, text, files)


TIP_INTAKE = PublicIntake(
    slug="tips",
    title=_("向巡察组网上举报"),
    intro=_(
        "巡察组受理反映被巡察单位领导班子及其成员、下一级党组织主要负责人和重要岗位领导干部问题的举报。"
        "举报内容在存入系统之前即加密，只有负责该单位的巡察组成员能够阅读；实名举报优先办理，"
        "您的姓名和电话另行加密，只有组长能够查看。提交后请保存回执码，凭回执码查看答复。"
    ),
    fields=(
        PublicField("round", _("巡察轮次"), kind="hidden", required=False, max_length=12),
        PublicField("target_unit", _("被巡察单位"), kind="choice", choices=_unit_options, strict=False),
        PublicField("accused_post", _("被反映人职务"), required=False, max_length=100),
        PublicField("accused_name", _("被反映人姓名（可不填）"), required=False, max_length=50),
        PublicField(
            "disciplines", _("涉及的纪律（可多选）"), kind="multichoice", choices=tuple(Discipline.choices)
        ),
        PublicField("content", _("举报内容"), kind="textarea", max_length=10_000),
        PublicField(
            "anonymous",
            _("实名或匿名"),
            kind="choice",
            choices=(("false", _("实名（优先办理）")), ("true", _("匿名"))),
            help=_("实名举报的姓名和电话单独加密，只有组长能够查看。"),
        ),
        PublicField("name", _("姓名（实名举报填写）"), required=False, max_length=50),
        PublicField("phone", _("联系电话（实名举报填写）"), kind="phone", required=False, max_length=20),
    ),
    validate=validate,
    sealed=SealedIntake(file=_file, progress=_progress, message=_message),
)
