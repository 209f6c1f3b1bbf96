"""统一社会信用代码 (GB 32100-2015) validation with Chinese messages. Pure Python."""

from __future__ import annotations

import unicodedata

from stdnum import exceptions
from stdnum.cn import uscc as _uscc


class UsccError(ValueError):
    pass


def normalize(value: str) -> str:
    """Full-width characters to half-width, spaces and dashes removed, letters upper-cased."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_").upper()


def validate(value: str) -> str:
    """Return the normalised code, or raise UsccError naming what is wrong."""
    code = normalize(value)
    if not code:
        raise UsccError("请填写统一社会信用代码")
    if len(code) != 18:
        raise UsccError(f"统一社会信用代码应为 18 位，“{code}”为 {len(code)} 位")
    try:
        return str(_uscc.validate(code))
    except exceptions.InvalidChecksum:
        expected = _uscc.calc_check_digit(code[:17])
        raise UsccError(f"统一社会信用代码“{code}”校验位错误：末位应为 {expected}，实为 {code[-1]}") from None
    except exceptions.InvalidComponent:
        raise UsccError(f"统一社会信用代码“{code}”的登记管理部门或机构类别代码无效") from None
    except exceptions.ValidationError:
        raise UsccError(
            f"统一社会信用代码“{code}”含有不允许的字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）"
        ) from None


def with_check_digit(first17: str) -> str:
    """Complete a 17-character body with its check digit (for demo and test data)."""
    body = normalize(first17)
    allowed = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
    if len(body) != 17 or not set(body) <= allowed:
        raise UsccError(f"“{first17}”不是 17 位的信用代码主体（只能是数字和除 I、O、Z、S、V 以外的大写字母）")
    return body + str(_uscc.calc_check_digit(body))
