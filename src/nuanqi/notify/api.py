"""Notifications in the JSON API: the caller's own in-app notifications and marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Router, Schema
from pydantic import Field

from nuanqi.accounts.models import User
from nuanqi.columns import Code, Fits, Id, Limit

from . import prefs
from .context import unread_count
from .models import OPTIONAL_CHANNELS, ChannelKind, Delivery, Preference

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    case_number: str
    title: str
    body: str
    created_at: datetime
    read: bool


class NotificationList(Schema):
    unread: int
    items: list[NotificationOut]


class ReadIn(Schema):
    ids: Annotated[list[Id], Field(max_length=1000)] | None = None


@router.get("/notifications", response=NotificationList)
def list_notifications(
    request: HttpRequest, unread_only: bool = False, limit: Limit = 50
) -> dict[str, object]:
    user_id = int(request.user.pk or 0)
    qs = Delivery.objects.filter(recipient_id=user_id, channel=ChannelKind.IN_APP)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    items = [
        {
            "id": d.pk,
            "case_number": d.case_number,
            "title": d.title,
            "body": d.body,
            "created_at": d.created_at,
            "read": d.read_at is not None,
        }
        for d in qs.order_by("-id")[: max(1, min(limit, 200))]
    ]
    return {"unread": unread_count(user_id), "items": items}


@router.post("/notifications/read", response=NotificationList)
def read_notifications(request: HttpRequest, payload: ReadIn) -> dict[str, object]:
    qs = Delivery.objects.filter(
        recipient_id=request.user.pk, channel=ChannelKind.IN_APP, read_at__isnull=True
    )
    if payload.ids is not None:
        qs = qs.filter(pk__in=payload.ids)
    qs.update(read_at=timezone.now())
    return list_notifications(request, unread_only=True)


class PreferenceOut(Schema):
    channel: str
    label: str
    enabled: bool
    address: str
    available: bool


class PreferenceIn(Schema):
    channel: Code
    enabled: bool
    address: Annotated[str, Fits(Preference, "address")] = ""


def _preferences(user_id: Id) -> list[dict[str, object]]:
    current = {p.channel: p for p in Preference.objects.filter(user_id=user_id)}
    return [
        {
            "channel": ch.value,
            "label": str(ch.label),
            "enabled": bool(ch in current and current[ch].enabled),
            "address": current[ch].address if ch in current else "",
            "available": prefs.available(ch),
        }
        for ch in OPTIONAL_CHANNELS
    ]


@router.get("/notifications/preferences", response=list[PreferenceOut])
def list_preferences(request: HttpRequest) -> list[dict[str, object]]:
    return _preferences(int(request.user.pk or 0))


# The body: at most one row per channel there could ever be (the schema states the bound).
PREFERENCES = Body(..., max_length=20)


@router.put("/notifications/preferences", response=list[PreferenceOut])
def set_preferences(
    request: HttpRequest, payload: list[PreferenceIn] = PREFERENCES
) -> list[dict[str, object]]:
    """Switch channels on or off. A channel needs a valid address (its own, or the account's): refused
    with `invalid_preference` otherwise, and then nothing is changed."""
    user: User = request.user  # type: ignore[assignment]
    prefs.save(user, {p.channel: (p.enabled, p.address[:200]) for p in payload})
    return _preferences(int(user.pk))
