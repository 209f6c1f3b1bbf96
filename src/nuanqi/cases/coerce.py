"""Input coercion shared by the API, forms, imports and services: choice fields take code or Chinese label."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection, models

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
            found = _category_row("c.id = %s", [kind, int(text)])
        elif "/" in text or "／" in text:
            top, _, leaf = text.replace("／", "/").partition("/")
            found = _category_row("p.name = %s AND c.name = %s", [kind, top.strip(), leaf.strip()])
        else:
            found = qs.filter(parent__isnull=True, name=text).first() or qs.filter(name=text).first()
    if found is None:
        raise Invalid(f"找不到分类“{value}”", "unknown_category", field="category")
    return found


_CATEGORY_COLUMNS = ("id", "kind", "name", "parent_id", "sort", "active")


@cache
def _category_sql(where: str) -> str:
    cols = ", ".join(f"{t}.{c}" for t in ("c", "p") for c in _CATEGORY_COLUMNS)
    table = Category._meta.db_table
    return (
        f"SELECT {cols} FROM {table} c LEFT JOIN {table} p ON p.id = c.parent_id"
        f" WHERE c.kind = %s AND c.active = %s AND {where} ORDER BY c.kind, c.sort, c.id LIMIT 1"
    )


def _category_row(where: str, params: list[Any]) -> Category | None:
    """The active category of a kind that `where` picks, with its 大类, from SQL text built once per
    process (every intake names one): what `Category.objects.filter(kind=…, active=True)
    .select_related("parent").filter(…).first()` returns."""
    kind, *rest = params
    with connection.cursor() as cur:
        cur.execute(_category_sql(where), [kind, True, *rest])
        row = cur.fetchone()
    if row is None:
        return None
    n = len(_CATEGORY_COLUMNS)
    found = Category.from_db(connection.alias, _CATEGORY_COLUMNS, [*row[: n - 1], bool(row[n - 1])])
    if row[n] is not None:
        found.parent = Category.from_db(connection.alias, _CATEGORY_COLUMNS, [*row[n:-1], bool(row[-1])])
    return found
