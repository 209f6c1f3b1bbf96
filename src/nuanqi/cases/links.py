"""Links between cases (重复, 重复来件, 派生, 复发), each recorded on both timelines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from . import coerce, kinds, timeline
from .errors import Forbidden, Invalid
from .models import Case, CaseLink, LinkType
from .permissions import relations

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def record_link(case: Case, other: Case, type_: str, actor: User | None, now: datetime) -> CaseLink:
    """Record the link and tell the other case's timeline (the caller has `case` locked and saves it)."""
    if other.pk == case.pk:
        raise Invalid("不能关联到本事项自身", "invalid_link", field="original")
    if (kinds.is_sealed(other.kind) or kinds.is_sealed(case.kind)) and other.kind != case.kind:
        # A sealed case links only to one of its own kind (a repeated tip to the earlier tip).
        raise Invalid("密封类事项不能与其他类别的事项关联", "invalid_link", field="original")
    link, created = CaseLink.objects.get_or_create(
        from_case=case, to_case=other, type=type_, defaults={"created_by": actor, "created_at": now}
    )
    if not created:
        raise Invalid(f"已与 {other.number} 关联", "duplicate_link", field="original")
    target = Case.objects.select_for_update().get(pk=other.pk)
    timeline.notice(
        target,
        actor=actor,
        action="linked_from",
        changes={"type": type_, "label": str(LinkType(type_).label), "number": case.number},
        at=now,
    )
    return link


def link_cases(case: Case, other_number: str, type_: str, *, actor: User) -> CaseLink:
    """Link `case` to an earlier case (`duplicate_of`, `repeat_of`, `spawned_from`, `relapse_of`); both
    timelines record it. The office, or whoever may act on both cases, links them."""
    type_ = coerce.choice(LinkType, type_, "关联类型", "type")
    from .visibility import visible_cases

    other = visible_cases(actor).filter(number=str(other_number or "").strip()).first()
    if other is None:
        raise Invalid(f"找不到事项“{other_number}”", "unknown_case", field="original")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        rel = relations(actor, locked)
        # Whoever filed the case may also say what it repeats (a patrol's relapse is linked by its patroller).
        if not rel & {"admin", "dispatcher", "owner", "lead_unit", "creator"}:
            raise Forbidden("只有受理派单员、责任人、主办单位或登记人可以关联事项")
        now = timezone.now()
        link = record_link(locked, other, type_, actor, now)
        timeline.notice(
            locked,
            actor=actor,
            action="link",
            changes={"type": type_, "label": str(LinkType(type_).label), "number": other.number},
            at=now,
        )
    return link
