from __future__ import annotations

from django import template

from ..models import Status
from ..workflow import WORKFLOWS

register = template.Library()

_EXTRA = {
    "create": "登记",
    "task_add": "添加协办单位",
    "task_sign": "协办签收",
    "task_done": "协办完成",
    "task_return": "协办退回",
}


@register.filter
def action_label(action: str) -> str:
    for table in WORKFLOWS.values():
        if action in table:
            return table[action].label
    return _EXTRA.get(action, action)


@register.filter
def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status or "—"
