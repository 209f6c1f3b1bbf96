"""A person's channels: switched on only with an address that can work — e-mail syntax for mail, a mainland
mobile number (checked by `phonenumbers`) for SMS and for a robot's @-mention. Without an address of its own
a preference uses the account's e-mail or mobile, which must then be valid."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from nuanqi.accounts.models import User
from nuanqi.cases.errors import Invalid
from nuanqi.lib.phone import mainland_mobile

from .models import OPTIONAL_CHANNELS, ChannelConfig, ChannelKind, Preference


def clean(user: User, channel: str, enabled: bool, address: str) -> str:
    """The address to store for `channel`, or `Invalid` with a Chinese reason. A switched-off channel keeps
    whatever was typed, as long as it is not nonsense."""
    address = address.strip()
    label = ChannelKind(channel).label
    if channel == ChannelKind.EMAIL:
        effective = address or (user.email or "")
        try:
            validate_email(effective)
        except ValidationError:
            if enabled or address:
                why = "未填写邮箱，账号也没有邮箱" if not effective else f"“{effective}”不是有效的邮箱地址"
                raise Invalid(f"{label}：{why}", "invalid_email", field=channel) from None
        return address
    effective = address or (user.phone or "")
    mobile = mainland_mobile(effective) if effective else None
    needs = channel == ChannelKind.SMS and enabled
    if (needs and mobile is None) or (address and mobile is None):
        why = "未填写手机号，账号也没有手机号" if not effective else f"“{effective}”不是有效的大陆手机号"
        raise Invalid(f"{label}：{why}", "invalid_mobile", field=channel)
    return mobile if address and mobile else address


def available(channel: str) -> bool:
    if channel == ChannelKind.EMAIL:
        return True
    return ChannelConfig.objects.filter(kind=channel, enabled=True).exists()


def save(user: User, choices: dict[str, tuple[bool, str]]) -> None:
    """Save several channels at once: all valid, or `Invalid` (every problem named) and nothing saved."""
    problems, clean_rows = [], {}
    current = {p.channel for p in Preference.objects.filter(user=user)}
    for channel, (on, address) in choices.items():
        if channel not in OPTIONAL_CHANNELS:
            problems.append(f"未知渠道 {channel}")
            continue
        if on and not available(channel):
            problems.append(f"{ChannelKind(channel).label}：管理员尚未配置该渠道")
            continue
        try:
            clean_rows[channel] = (on, clean(user, channel, on, address))
        except Invalid as exc:
            problems.append(exc.message)
    if problems:
        raise Invalid("；".join(problems), "invalid_preference")
    for channel, (on, address) in clean_rows.items():
        if on or channel in current:
            Preference.objects.update_or_create(
                user=user, channel=channel, defaults={"enabled": on, "address": address}
            )
