"""Chinese numerals as official documents write ordinals: 第一, 第十四, 第二十一 (1–99)."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int | None) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十, 21 → 二十一. Raises ValueError outside 1–99."""
    if n is None or not 1 <= int(n) <= 99:
        raise ValueError(f"ordinal out of range: {n}")
    tens, ones = divmod(int(n), 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
