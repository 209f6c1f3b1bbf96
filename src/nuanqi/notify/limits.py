"""Each channel's documented size limits, kept by shortening on a character boundary — never by failing.

- DingTalk robot: text content up to 20,000 bytes (errcode 460101 beyond).
- WeCom robot: text content up to 2,048 bytes, markdown up to 4,096 bytes (errcode 40058 beyond).
- SMS: `NUANQI_SMS_MAX_CHARS` characters (gateways split long texts into 67-character parts and charge each).
- Mail: no limit that a notice can reach.
"""

from __future__ import annotations

from django.conf import settings

from .models import ChannelKind

ELLIPSIS = "…"
BYTES = {ChannelKind.DINGTALK: 20_000, ChannelKind.WECOM: 2_048}


def byte_limit(channel: str) -> int | None:
    return BYTES.get(channel)  # type: ignore[call-overload]


def char_limit(channel: str) -> int | None:
    return int(getattr(settings, "NUANQI_SMS_MAX_CHARS", 300)) if channel == ChannelKind.SMS else None


def cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes (never half a character)."""
    return text.encode()[: max(0, limit)].decode(errors="ignore")


def shorten(text: str, channel: str, tail: str = "") -> str:
    """`text` + `tail` within the channel's limits; when too long, the text is cut and marked with "…" and
    the tail (the case's link) is kept whole."""
    joined = text + tail
    chars, size = char_limit(channel), byte_limit(channel)
    if (chars is None or len(joined) <= chars) and (size is None or len(joined.encode()) <= size):
        return joined
    room = text
    if chars is not None:
        room = room[: max(0, chars - len(tail) - len(ELLIPSIS))]
    if size is not None:
        room = cut_bytes(room, size - len(tail.encode()) - len(ELLIPSIS.encode()))
    return room + ELLIPSIS + tail


def case_link(case_number: str) -> str:
    site = getattr(settings, "NUANQI_SITE_URL", "")
    return f"{site}/cases/{case_number}/"
