"""Edge checks derived from the model columns: a schema, a page or an import accepts what the column holds.

One check (`nuanqi.lib.numbers`) behind every door:
- `Annotated[Decimal, Fits(Model, "field")]`, `Annotated[str, Fits(Model, "field")]` — the API's schema
  fields, with the range or length in the OpenAPI schema and a stable error code (`invalid_number`,
  `too_long`, `invalid_text`);
- `decimal_value(Model, "field", value)` — the same check for pages and writers, raising `Invalid` (422);
- `decimal_cell(Model, "field")` — the import's cell parser, raising `CellError` (text cells get their
  column's `max_length` through the template's `Field`);
- `guard` — a `pre_save` net on every nuanqi model: a character column longer than its `max_length`, a decimal
  beyond its digits, or a NUL byte / lone surrogate in any text is refused as `Invalid` before the database
  sees it (PostgreSQL would answer an error, SQLite would store a value every later read chokes on).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from pydantic import AfterValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from nuanqi.cases.errors import Invalid
from nuanqi.lib.cells import CellError
from nuanqi.lib.numbers import NumberError, TextError, check_decimal, check_text, decimal_bounds, text_problem
from nuanqi.lib.phone import MESSAGE as PHONE_MESSAGE
from nuanqi.lib.phone import is_phone

# Free text (TextField) has no limit in the database; people's notes and results get this one.
TEXT_MAX = 10_000


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def _limits(model: type[models.Model], name: str) -> tuple[int, int]:
    f = _field(model, name)
    if not isinstance(f, models.DecimalField):
        raise TypeError(f"{model.__name__}.{name} is not a DecimalField")
    return int(f.max_digits or 0), int(f.decimal_places or 0)


def max_length(model: type[models.Model], name: str) -> int:
    f = _field(model, name)
    return int(getattr(f, "max_length", None) or TEXT_MAX)


def label(model: type[models.Model], name: str) -> str:
    return str(_field(model, name).verbose_name)


# ---------------------------------------------------------------- pydantic metadata (API)


class Fits:
    """Annotated metadata for a schema field: `Annotated[Decimal, Fits(Indicator, "value", minimum=0)]`,
    `Annotated[str, Fits(Company, "name")]` or `Annotated[str, Fits(length=500)]`. The value is checked
    against the column before pydantic's own validation; the OpenAPI schema states the range or length."""

    def __init__(
        self,
        model: type[models.Model] | None = None,
        name: str = "",
        *,
        minimum: int | Decimal | None = None,
        length: int | None = None,
    ) -> None:
        self.minimum = minimum
        self.digits: tuple[int, int] | None = None
        self.length: int | None = None
        if model is not None and isinstance(_field(model, name), models.DecimalField):
            self.digits = _limits(model, name)
        else:
            self.length = length if length is not None else (max_length(model, name) if model else TEXT_MAX)

    def validate(self, value: Any) -> Any:
        if self.digits is not None:
            if value is None:
                return value
            digits, places = self.digits
            try:
                return check_decimal(value, max_digits=digits, decimal_places=places, minimum=self.minimum)
            except NumberError as exc:
                raise PydanticCustomError("invalid_number", str(exc)) from None
        if isinstance(value, str):
            try:
                check_text(value, max_length=self.length)
            except TextError as exc:
                raise PydanticCustomError(exc.code, str(exc)) from None
            # One spelling for what looks the same (NFC; NFKC would fold a company's full-width （）).
            return unicodedata.normalize("NFC", value)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        if self.digits is not None:
            digits, places = self.digits
            largest = decimal_bounds(digits, places)
            low = Decimal(self.minimum) if self.minimum is not None else -largest
            return {
                "type": "number",
                "minimum": float(low),
                "maximum": float(largest),
                "description": f"最多 {digits - places} 位整数、{places} 位小数",
            }
        out = handler(schema)
        if out.get("type") == "string":
            out["maxLength"] = self.length
        return out


def _phone(value: str) -> str:
    if value.strip() and not is_phone(value):
        raise PydanticCustomError("invalid_phone", PHONE_MESSAGE)
    return value.strip()


# A phone number as the API takes it: empty, or what `lib.phone` accepts (the one rule of the product).
Phone = Annotated[str, AfterValidator(_phone)]

# A row id in a request body: a positive 64-bit integer (what both databases' keys hold), so a larger one is
# invalid_number at the edge instead of an overflow in the query.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# Bounded inputs of the API, so that the OpenAPI schema states every length and range and a value beyond it is
# a 422 at the edge (`tests/hardening/test_openapi_bounds.py` fails on an input field without a bound).
Code = Annotated[str, Field(max_length=40)]  # a choice's code, or its label (kind, status, nature …)
CaseNumber = Annotated[str, Field(max_length=20)]  # QY2023-000123
Cursor = Annotated[str, Field(max_length=100)]  # a keyset page's `next`
Search = Annotated[str, Field(max_length=100)]  # a search or filter text
RowRef = Annotated[str, Field(max_length=100)] | Id  # a row by id, or by its name or code
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]  # what a PositiveIntegerField holds (a version, days)
Limit = Annotated[int, Field(ge=1, le=200)]  # a page's size


def _wall_clock(value: dt.time) -> dt.time:
    # A time of day is Beijing's wall clock (the columns hold no zone): "09:30Z" would be read as 09:30 here.
    if value.tzinfo is not None:
        raise PydanticCustomError("invalid_date", "时间应为北京时间的“时:分”，不带时区（如 09:30）")
    return value


# A time of day without a zone. OpenAPI's "format: time" is RFC 3339's full-time, which demands an offset;
# the pattern states what we take and give.
LocalTime = Annotated[
    dt.time,
    AfterValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "北京时间 时:分[:秒]，如 09:30",
        }
    ),
]

# Years a date in a request may name: beyond them a deadline or a period is a typing error (a serial, a
# missing digit), and the zone database answers historical offsets (+08:05:43) no client expects.
SANE_YEARS = (1900, 2200)


def sane_date(value: Any) -> Any:
    """A date or date-time whose year is within SANE_YEARS (pydantic's after-validator for both)."""
    if isinstance(value, dt.date) and not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
        raise PydanticCustomError("invalid_date", f"年份应在 {SANE_YEARS[0]}–{SANE_YEARS[1]} 之间")
    return value


SaneDateTime = Annotated[dt.datetime, AfterValidator(sane_date)]
SaneDate = Annotated[dt.date, AfterValidator(sane_date)]


# ---------------------------------------------------------------- pages and writers


def decimal_value(
    model: type[models.Model],
    name: str,
    value: Any,
    *,
    minimum: int | Decimal | None = None,
    field: str | None = None,
) -> Decimal:
    """`value` as the column holds it, or Invalid("“数值”数值过大…", "invalid_number")."""
    digits, places = _limits(model, name)
    try:
        return check_decimal(value, max_digits=digits, decimal_places=places, minimum=minimum)
    except NumberError as exc:
        raise Invalid(f"“{label(model, name)}”{exc}", "invalid_number", field=field or name) from None


# ---------------------------------------------------------------- import cells


def decimal_cell(
    model: type[models.Model], name: str, *, minimum: int | Decimal | None = None
) -> Callable[[Any], Decimal]:
    digits, places = _limits(model, name)

    def parse(value: Any) -> Decimal:
        try:
            return check_decimal(
                value, max_digits=digits, decimal_places=places, minimum=minimum, round_floats=True
            )
        except NumberError as exc:
            raise CellError(str(exc)) from None

    return parse


# ---------------------------------------------------------------- the net under everything


# Texts the system composes itself (notification bodies, delivery errors) are not people's input: uncapped.
_COMPOSED_APPS = {"notify"}


def check_instance(instance: models.Model) -> None:
    """Refuse (Invalid) a value no column of this row can hold; see the module's docstring."""
    meta = instance._meta
    for f in meta.concrete_fields:
        value = getattr(instance, f.attname, None)
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                raise Invalid(f"“{f.verbose_name}”{problem}", problem.code, field=f.name)
            limit = getattr(f, "max_length", None)
            if isinstance(f, models.TextField) and meta.app_label not in _COMPOSED_APPS:
                limit = TEXT_MAX
            if limit and len(value) > limit:
                reason = f"不能超过 {limit} 个字（现有 {len(value)} 个）"
                raise Invalid(f"“{f.verbose_name}”{reason}", "too_long", field=f.name)
        elif isinstance(f, models.DecimalField) and isinstance(value, (Decimal, int, float, str)):
            try:
                check_decimal(
                    value,
                    max_digits=int(f.max_digits or 0),
                    decimal_places=int(f.decimal_places or 0),
                    round_all=True,
                )
            except NumberError as exc:
                raise Invalid(f"“{f.verbose_name}”{exc}", "invalid_number", field=f.name) from None


def guard(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or not sender.__module__.startswith("nuanqi."):
        return
    check_instance(instance)
