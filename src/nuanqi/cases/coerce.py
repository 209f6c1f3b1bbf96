"""Input coercion shared by the API, forms, imports and services: choice fields take code or Chinese label."""

from __future__ import annotations

from typing import Any

from django.db import models

from nuanqi.accounts.models import Unit

from .errors import Invalid
from .models import Category


def choice(cls: type[models.Choices], value: Any, label: str, field: str) -> str:
    """Return the stored code for a choice given either its code or its (Chinese) label."""
    text = str(value).strip() if value is not None else ""
    for code, name in cls.choices:
        if text == str(code) or text == str(name):
            return str(code)
    options = "、".join(str(n) for _, n in cls.choices)
    raise Invalid(f"{label}“{text}”不在可选范围内（可选：{options}）", "invalid_choice", field=field)


def unit(value: Any, field: str = "lead_unit", label: str = "单位") -> Unit:
    """A unit by id, full name or short name."""
    if isinstance(value, Unit):
        return value
    text = str(value).strip() if value is not None else ""
    if not text:
        raise Invalid(f"请选择{label}", "missing_field", field=field)
    found: Unit | None = None
    if text.isdigit():
        found = Unit.objects.filter(pk=int(text), active=True).first()
    if found is None:
        found = Unit.objects.filter(name=text, active=True).first() or (
            Unit.objects.filter(short_name=text, active=True).first()
        )
    if found is None:
        raise Invalid(f"找不到{label}“{text}”", "unknown_unit", field=field)
    return found


def category(kind: str, value: Any) -> Category | None:
    """A category of this kind by id, 小项 name, 大类 name or "大类/小项"."""
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        found: Category | None = value if value.kind == kind else None
    else:
        text = str(value).strip()
        qs = Category.objects.filter(kind=kind, active=True).select_related("parent")
        found = None
        if text.isdigit():
            found = qs.filter(pk=int(text)).first()
        elif "/" in text or "／" in text:
            top, _, leaf = text.replace("／", "/").partition("/")
            found = qs.filter(parent__name=top.strip(), name=leaf.strip()).first()
        else:
            found = qs.filter(parent__isnull=True, name=text).first() or qs.filter(name=text).first()
    if found is None:
        raise Invalid(f"找不到分类“{value}”", "unknown_category", field="category")
    return found
