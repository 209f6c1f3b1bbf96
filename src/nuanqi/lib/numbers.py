"""Numbers and text as a column can hold them: one check used by the API's schemas, the pages, the imports and
the model guard, so a value that would break the database (or every later read of it) never gets that far.

Pure Python, no Django. `check_decimal` turns what a person or a client sent into a Decimal that fits a
DECIMAL(max_digits, decimal_places) column or raises `NumberError`; `check_text` refuses what no column should
hold (NUL bytes, lone surrogates) and text longer than the column. Messages are Chinese, for people.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any


class NumberError(ValueError):
    """The value is not a number the column can hold; the message says why, in Chinese."""

    code = "invalid_number"


class TextError(ValueError):
    """The text cannot be stored (control bytes, broken Unicode, too long)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def decimal_bounds(max_digits: int, decimal_places: int) -> Decimal:
    """The largest magnitude a DECIMAL(max_digits, decimal_places) holds: 10^(digits-places) - 10^-places."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places


def check_decimal(
    value: Any,
    *,
    max_digits: int,
    decimal_places: int,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    round_floats: bool = False,
    round_all: bool = False,
) -> Decimal:
    """`value` as a Decimal that fits the column, or NumberError.

    Refused: booleans, text that is not a number, NaN and infinities, more whole digits than the column holds,
    more decimals than it keeps (`round_floats` rounds binary floats instead — a spreadsheet's 0.1+0.2;
    `round_all` rounds any value, as the database would), and values outside [minimum, maximum]."""
    if isinstance(value, bool) or value is None:
        raise NumberError("应为数字")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError("应为有限的数字")
        number = Decimal(repr(value))
    elif isinstance(value, (int, Decimal)):
        number = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        if not text or len(text) > 100:
            raise NumberError("应为数字")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise NumberError(f"“{text[:20]}”不是数字") from None
    if not number.is_finite():
        raise NumberError("应为有限的数字")
    largest = decimal_bounds(max_digits, decimal_places)
    if abs(number) > largest:
        raise NumberError(f"数值过大（绝对值不能超过 {_fmt(largest)}）")
    if round_all or (round_floats and isinstance(value, float)):
        # Within the column's magnitude, so quantize stays inside the default 28-digit context.
        number = number.quantize(Decimal(10) ** -decimal_places)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > decimal_places:
        if decimal_places == 0:
            raise NumberError("应为整数")
        raise NumberError(f"最多保留 {decimal_places} 位小数")
    if minimum is not None and number < minimum:
        raise NumberError(f"不能小于 {_fmt(Decimal(minimum))}")
    if maximum is not None and number > maximum:
        raise NumberError(f"不能大于 {_fmt(Decimal(maximum))}")
    return number


def check_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer within [minimum, maximum] (a 64-bit column when no bounds are given), or NumberError."""
    lo = -(2**63) if minimum is None else minimum
    hi = 2**63 - 1 if maximum is None else maximum
    number = check_decimal(value, max_digits=20, decimal_places=0, minimum=lo, maximum=hi)
    return int(number)


# Lone surrogates come from JSON escapes such as "\ud800"; no encoder can write them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> TextError | None:
    """Why no column should hold `text` (a NUL byte, a lone surrogate), or None."""
    if "\x00" in text:
        return TextError("不能包含空字符（NUL）", "invalid_text")
    if _SURROGATE.search(text):
        return TextError("含有无效的 Unicode 字符", "invalid_text")
    return None


def check_text(value: str, *, max_length: int | None = None) -> str:
    """`value` unchanged if a column of `max_length` characters can hold it, else TextError."""
    problem = text_problem(value)
    if problem is not None:
        raise problem
    if max_length is not None and len(value) > max_length:
        raise TextError(f"不能超过 {max_length} 个字（现有 {len(value)} 个）", "too_long")
    return value
