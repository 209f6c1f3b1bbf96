"""One phone rule for the whole product (phonenumbers): a mainland mobile, or a fixed line with its area code
(0580-2281234, 0580 2281234, +86 580 2281234), or a 5-digit service line (12345). Pure Python."""

from __future__ import annotations

import re

import phonenumbers

MESSAGE = "应为手机号或带区号的固定电话（如 13905801234、0580-2281234）"
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_SERVICE = re.compile(r"^1\d{4}$")  # 12345, 12315 …: the government's service lines
_SEPARATORS = re.compile(r"[\s\-()（）]")


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    return number


def is_phone(text: str) -> bool:
    """A mainland mobile or fixed-line number (or a service line), as people type them."""
    compact = _SEPARATORS.sub("", text.strip())
    return bool(compact) and (bool(_SERVICE.match(compact)) or _parse(compact) is not None)


def mainland_mobile(text: str) -> str | None:
    """The 11-digit national form of a mainland mobile number (SMS, @-mentions), or None."""
    number = _parse(_SEPARATORS.sub("", text.strip()))
    if number is None or phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return str(number.national_number)
