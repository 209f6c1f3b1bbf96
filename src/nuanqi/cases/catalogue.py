"""The writers of the engine's settings the office maintains on its own pages: categories (大类 → 小项) and
time limits (SLA rules). Each change is validated, atomic, and leaves one `SettingChange` row (who, when,
old → new) in the same transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from nuanqi.accounts.models import Role, record_setting_change

from .errors import Forbidden, Invalid
from .models import Category, SlaPolicy

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

CATEGORY_FIELDS = ("kind", "name", "parent", "sort", "active")
SLA_FIELDS = (
    "kind",
    "nature",
    "priority",
    "sign_hours",
    "contact_hours",
    "resolve_days",
    "resolve_hours",
    "count_from",
    "clock",
    "note",
)


def may_maintain(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.DISPATCHER)


def _plain(value: Any) -> Any:
    if isinstance(value, Category):
        return str(value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def _save(
    actor: User, obj: Any, fields: tuple[str, ...], data: dict[str, Any], subject: str, duplicate: str
) -> Any:
    if not may_maintain(actor):
        raise Forbidden("只有营商办可以维护分类和时限规则")
    creating = obj.pk is None
    changes: dict[str, Any] = {}
    for f in fields:
        if f not in data:
            continue
        old, new = (None if creating else getattr(obj, f)), data[f]
        if creating or _plain(old) != _plain(new):
            changes[f] = _plain(new) if creating else [_plain(old), _plain(new)]
        setattr(obj, f, new)
    if not changes:
        return obj
    try:
        with transaction.atomic():
            obj.save()
            record_setting_change(actor, subject, obj, str(obj), "create" if creating else "update", changes)
    except IntegrityError:
        raise Invalid(duplicate, "duplicate", field="name") from None
    return obj


def save_category(actor: User, data: dict[str, Any], category: Category | None = None) -> Category:
    """Create a category (a 大类 without parent, a 小项 under one) or change one; deactivating keeps the
    cases filed under it."""
    category = category or Category()
    parent = data.get("parent", category.parent if category.pk else None)
    if parent is not None:
        if parent.parent_id is not None:
            raise Invalid("小项只能归入大类（两级分类）", "invalid_parent", field="parent")
        if category.pk and parent.pk == category.pk:
            raise Invalid("分类不能归入自身", "invalid_parent", field="parent")
        if category.pk and category.children.exists():
            raise Invalid("该大类下已有小项，不能再归入其他大类", "invalid_parent", field="parent")
        if parent.kind != data.get("kind", category.kind):
            raise Invalid("小项须与其大类属于同一事项类别", "invalid_parent", field="parent")
    return _save(actor, category, CATEGORY_FIELDS, data, "category", "同一位置已有同名分类")


def save_sla_policy(actor: User, data: dict[str, Any], policy: SlaPolicy | None = None) -> SlaPolicy:
    """Create or change a time-limit rule; deadlines of cases filed from now on follow it."""
    policy = policy or SlaPolicy()
    if data.get("clock", policy.clock) == "calendar" and not data.get("resolve_hours", policy.resolve_hours):
        raise Invalid(
            "自然时间（7×24）计时须填写办结时限（自然小时）", "missing_field", field="resolve_hours"
        )
    return _save(actor, policy, SLA_FIELDS, data, "sla_policy", "已有相同类别、性质和优先级的规则")
