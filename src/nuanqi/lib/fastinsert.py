"""INSERTs of model instances from SQL text built once per process, for the hot write paths (intake).

The ORM compiles an INSERT anew for every `save()` and `bulk_create()`: on one intake that is about a fifth
of its CPU. These two functions write the same rows with the same values — each field's own
`pre_save` and `get_db_prep_save`, so dates, JSON and booleans are stored exactly as the ORM stores them on
SQLite and PostgreSQL — from an `INSERT` whose text is cached per (model, row count). They run on the
caller's connection, inside the caller's transaction.

- `insert(obj)` is `obj.save()` for a new row: it sends `pre_save` (the column guard of `nuanqi.columns`)
  and `post_save` (e.g. the notification fan-out on an event) as `save()` does, and sets the primary key.
- `insert_many(objs)` is `bulk_create(objs)`: no signals, no primary keys read back; `ignore_conflicts`
  skips rows that would break a unique constraint, as `bulk_create(..., ignore_conflicts=True)` does.

Neither handles multi-table inheritance, deferred expressions as values or a caller-set primary key."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save


@cache
def _fields(model: type[models.Model]) -> tuple[Any, ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


# Fields whose `pre_save` returns the attribute and whose `get_db_prep_save` returns a value of this exact
# type unchanged (CharField.to_python(str), int(int), bool(bool); a foreign key to an integer key): for them
# the value is passed as it is, the only difference being the CPU of four calls. Any other field or value
# type (dates, JSON, decimals, bytes, a subclass) goes through the field's own methods.
_PLAIN: dict[type[Any], type[Any]] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}


@cache
def _preparers(model: type[models.Model]) -> tuple[tuple[str, type[Any] | None, Any], ...]:
    out = []
    for f in _fields(model):
        plain = _PLAIN.get(type(f))
        if type(f) in (models.ForeignKey, models.OneToOneField) and type(f.target_field) in (
            models.AutoField,
            models.BigAutoField,
        ):
            plain = int
        out.append((f.attname, plain, f))
    return tuple(out)


@cache
def _sql(model: type[models.Model], rows: int, ignore: bool, returning: bool, vendor: str) -> str:
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore else None
    fields = _fields(model)
    qn = ops.quote_name
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {qn(model._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join([one] * rows)}"
    )
    suffix = ops.on_conflict_suffix_sql(fields, on_conflict, None, None) if ignore else ""
    if suffix:
        sql += " " + suffix
    if returning:
        sql += f" RETURNING {qn(str(model._meta.pk.column))}"
    return sql


def _values(obj: models.Model) -> list[Any]:
    out: list[Any] = []
    for attname, plain, f in _preparers(type(obj)):
        value = getattr(obj, attname)
        if value is None and plain is not None:
            out.append(None)
        elif plain is not None and type(value) is plain:
            out.append(value)
        else:
            out.append(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
    return out


def insert(obj: models.Model) -> models.Model:
    """Write one new row as `obj.save()` would (signals included); returns `obj` with its primary key."""
    model = type(obj)
    pre_save.send(sender=model, instance=obj, raw=False, using=connection.alias, update_fields=None)
    returning = bool(connection.features.can_return_columns_from_insert)
    with connection.cursor() as cur:
        cur.execute(_sql(model, 1, False, returning, connection.vendor), _values(obj))
        pk = cur.fetchone()[0] if returning else cur.lastrowid
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=connection.alias
    )
    return obj


def insert_many(objs: Sequence[models.Model], *, ignore_conflicts: bool = False) -> None:
    """Write new rows of one model in one statement as `bulk_create` would (no signals, no keys back)."""
    if not objs:
        return
    model = type(objs[0])
    fields = _fields(model)
    batch = max(1, connection.ops.bulk_batch_size(list(fields), objs))
    with connection.cursor() as cur:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params: list[Any] = []
            for obj in chunk:
                params.extend(_values(obj))
            cur.execute(_sql(model, len(chunk), ignore_conflicts, False, connection.vendor), params)
