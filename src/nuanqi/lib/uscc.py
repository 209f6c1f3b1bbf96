"""统一社会信用代码 (GB 32100-2015) validation with Chinese messages. Pure Python."""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as _uscc


class UsccError(ValueError):
    pass


def normalize(value: str) -> str:
    """Full-width characters to half-width, spaces and dashes removed, letters upper-cased."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_").upper()


# GB 32100-2015: the registering authority (登记管理部门) is 1–9, A (中央军委改革和编制办公室),
# N (农业农村, e.g. 村级股份经济合作社) or Y (其他); the category (机构类别) after it is a digit 1–9 whose
# meaning varies with the authority; then the 6-digit administrative division, the 9-character subject
# identifier and the check character. python-stdnum's `validate` insists on eight leading digits, so the
# format rule is ours and only its check-digit function is used.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_FORMAT = re.compile(r"^[1-9ANY][1-9][0-9]{6}[0-9A-HJ-NP-RTUW-Y]{9}[0-9A-HJ-NP-RTUW-Y]$")


def validate(value: str) -> str:
    """Return the normalised code, or raise UsccError naming what is wrong."""
    code = normalize(value)
    if not code:
        raise UsccError("请填写统一社会信用代码")
    if len(code) != 18:
        raise UsccError(f"统一社会信用代码应为 18 位，“{code}”为 {len(code)} 位")
    if any(ch not in _ALPHABET for ch in code):
        raise UsccError(
            f"统一社会信用代码“{code}”含有不允许的字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）"
        )
    if not _FORMAT.match(code):
        raise UsccError(
            f"统一社会信用代码“{code}”的登记管理部门（首位应为 1–9、A、N 或 Y）、机构类别（第 2 位应为 1–9）"
            "或行政区划码（第 3–8 位应为数字）无效"
        )
    expected = _uscc.calc_check_digit(code[:17])
    if code[-1] != expected:
        raise UsccError(f"统一社会信用代码“{code}”校验位错误：末位应为 {expected}，实为 {code[-1]}")
    return code


def with_check_digit(first17: str) -> str:
    """Complete a 17-character body with its check digit (for demo and test data)."""
    body = normalize(first17)
    if len(body) != 17 or not set(body) <= set(_ALPHABET):
        raise UsccError(f"“{first17}”不是 17 位的信用代码主体（只能是数字和除 I、O、Z、S、V 以外的大写字母）")
    return body + str(_uscc.calc_check_digit(body))
