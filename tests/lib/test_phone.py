"""One phone rule: mainland mobiles and fixed lines with their area code, as people type them."""

from __future__ import annotations

import pytest

from nuanqi.lib.phone import is_phone, mainland_mobile

VALID = [
    "13905801234",
    "139 0580 1234",
    "+86 139 0580 1234",
    "0580-2281234",
    "0580 2281234",
    "(0580)2281234",
    "010-66012345",
    "021-63210000",
    "+86 580 2281234",
    "12345",
]
INVALID = [
    "",
    "1390580123",
    "139058012345",
    "23905801234",
    "0580-228",
    "2281234",
    "abc",
    "+1 650 253 0000",
    "00000",
]


@pytest.mark.parametrize("text", VALID)
def test_a_mainland_number_as_people_type_it_is_a_phone(text: str) -> None:
    assert is_phone(text)


@pytest.mark.parametrize("text", INVALID)
def test_what_no_mainland_phone_can_be_is_refused(text: str) -> None:
    assert not is_phone(text)


def test_only_a_mobile_has_a_mobile_form() -> None:
    assert mainland_mobile("+86 139-0580-1234") == "13905801234"
    assert mainland_mobile("0580-2281234") is None
    assert mainland_mobile("12345") is None
