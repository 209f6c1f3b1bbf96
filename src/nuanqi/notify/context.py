"""The bell: a signed-in person's unread in-app notifications, one indexed COUNT per page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import ChannelKind, Delivery


def unread_count(user_id: int) -> int:
    return Delivery.objects.filter(
        recipient_id=user_id, channel=ChannelKind.IN_APP, read_at__isnull=True
    ).count()


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the bell (e.g. the print-only briefing) do not pay for the query.
    return {"bell_unread": lambda: unread_count(user.pk)}
