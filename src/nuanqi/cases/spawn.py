"""派生: a case that becomes another case of another kind (a consultation item an enterprise request or a
project issue). The new case is filed with `create_case` and linked `spawned_from` its origin, both timelines
saying so. Which kinds a kind may become is data on its spec (`KindSpec.spawns`); nothing here names one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from . import kinds, timeline
from .errors import Forbidden, Invalid
from .links import record_link
from .models import Case, LinkType
from .permissions import relations

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .services import NewCase


def spawnable_kinds(user: User, case: Case) -> list[kinds.KindSpec]:
    """The kinds this person may spawn from `case`: those its kind lists, that she may file."""
    spec = kinds.get_kind(case.kind)
    if not spec.spawns or not (relations(user, case) & spec.spawners):
        return []
    from .services import CREATOR_ROLES

    have = set(user.roles)
    out = []
    for code in spec.spawns:
        try:
            target = kinds.get_kind(code)
        except kinds.UnknownKind:
            continue
        if have & set(target.filers or CREATOR_ROLES) and not target.sealed:
            out.append(target)
    return out


def spawn_case(origin: Case, data: NewCase, *, actor: User) -> Case:
    """File `data` as a new case spawned from `origin` (visible to `actor`), in one transaction with its
    link."""
    from .services import create_case

    allowed = {k.code for k in spawnable_kinds(actor, origin)}
    if not allowed:
        raise Forbidden("您无权由该事项派生新事项")
    if data.kind not in allowed:
        raise Invalid("该事项不能派生为所选类别", "invalid_choice", field="kind")
    with transaction.atomic():
        case = create_case(data, actor=actor)
        now = timezone.now()
        record_link(case, origin, LinkType.SPAWNED_FROM, actor, now)
        timeline.notice(
            case,
            actor=actor,
            action="link",
            changes={
                "type": LinkType.SPAWNED_FROM,
                "label": str(LinkType.SPAWNED_FROM.label),
                "number": origin.number,
            },
            at=now,
        )
    return case
