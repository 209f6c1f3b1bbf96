from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from .. import kinds
from ..sla import CARD_LABELS

register = template.Library()

_EXTRA: dict[str, Any] = {
    "create": _("登记"),
    "task_add": _("添加协办单位"),
    "task_sign": _("协办签收"),
    "task_done": _("协办完成"),
    "task_return": _("协办退回"),
    "task_remove": _("移除协办单位"),
    "link": _("关联事项"),
    "attach": _("上传附件"),
    "public_message": _("公众留言"),
    "public_reply": _("答复公众"),
    "linked_from": _("被关联"),
    "calendar_recompute": _("节假日安排更新，期限重算"),
    **CARD_LABELS,
}


@register.filter
def action_label(action: str, kind: str = "") -> str:
    """An event's action in the words of the case's kind (`e.action|action_label:case.kind`)."""
    specs = [kinds.get_kind(kind)] if kind in {k.code for k in kinds.all_kinds()} else kinds.all_kinds()
    for spec in specs:
        t = spec.table.get(action)
        if t is not None:
            return str(t.label)
    return str(_EXTRA.get(action, action))


@register.filter
def status_label(status: str, kind: str = "") -> str:
    """A status code in the words of the case's kind (`e.to_status|status_label:case.kind`)."""
    return kinds.status_label(kind, status) if status else "—"


@register.filter
def case_url(number: str) -> str:
    """The page of the case with this number: the engine's case page, or its module's (a tip's)."""
    from django.urls import reverse

    spec = kinds.by_number(str(number))
    return reverse(spec.page if spec else "case_detail", args=[number])
