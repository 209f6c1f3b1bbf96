"""Notifications in the JSON API: the caller's own in-app notifications and marking them read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from .context import unread_count
from .models import ChannelKind, Delivery

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
    ids: list[int] | None = None


@router.get("/notifications", response=NotificationList)
def list_notifications(request: HttpRequest, unread_only: bool = False, limit: int = 50) -> dict[str, object]:
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
