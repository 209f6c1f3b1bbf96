"""Pages of notifications: the person's inbox, channel preferences, and the admins' dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import Role, User
from nuanqi.cases.errors import Invalid

from . import prefs
from .models import (
    OPTIONAL_CHANNELS,
    ChannelConfig,
    ChannelKind,
    Delivery,
    DeliveryStatus,
    EndpointState,
    Preference,
)
from .outbox import retry_dead


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = list(Delivery.objects.filter(recipient=user, channel=ChannelKind.IN_APP).order_by("-id")[:100])
    return render(request, "notify/inbox.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = Delivery.objects.filter(recipient=user, channel=ChannelKind.IN_APP, read_at__isnull=True)
    if request.POST.get("id"):
        qs = qs.filter(pk=request.POST["id"])
    n = qs.update(read_at=timezone.now())
    messages.success(request, f"已标记 {n} 条为已读")
    return redirect("notify_inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    configured = set(ChannelConfig.objects.filter(enabled=True).values_list("kind", flat=True))
    current = {p.channel: p for p in Preference.objects.filter(user=user)}
    posted: dict[str, tuple[bool, str]] = {}
    if request.method == "POST":
        posted = {
            ch.value: (
                request.POST.get(f"on_{ch}") == "1",
                (request.POST.get(f"addr_{ch}") or "").strip()[:200],
            )
            for ch in OPTIONAL_CHANNELS
        }
        try:
            prefs.save(user, posted)
        except Invalid as exc:
            # Nothing is saved; the page comes back with what was typed and the reason.
            messages.error(request, f"未保存：{exc.message}")
        else:
            messages.success(request, "通知偏好已保存")
            return redirect("notify_preferences")
    rows = [
        {
            "code": ch.value,
            "label": ch.label,
            "on": posted[ch][0] if posted else bool(current.get(ch) and current[ch].enabled),
            "address": posted[ch][1] if posted else (current[ch].address if ch in current else ""),
            "available": ch == ChannelKind.EMAIL or ch in configured,
        }
        for ch in OPTIONAL_CHANNELS
    ]
    return render(request, "notify/preferences.html", {"rows": rows}, status=400 if posted else 200)


def channel_health(now: datetime | None = None) -> list[dict[str, object]]:
    """Per external channel over the last day: delivered, waiting, dead, the pause and the last error."""
    now = now or timezone.now()
    day = now - timedelta(days=1)
    counts = {
        row["channel"]: row
        for row in Delivery.objects.exclude(channel=ChannelKind.IN_APP)
        .values("channel")
        .annotate(
            delivered=Count("pk", filter=Q(status=DeliveryStatus.SENT, sent_at__gte=day)),
            waiting=Count("pk", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED])),
            dead=Count("pk", filter=Q(status=DeliveryStatus.DEAD, created_at__gte=day)),
        )
    }
    states = {s.channel: s for s in EndpointState.objects.all()}
    out = []
    for ch in OPTIONAL_CHANNELS:
        row: dict[str, Any] = dict(counts.get(ch, {}))
        state = states.get(ch)
        paused = state is not None and state.paused_until is not None and state.paused_until > now
        last = (
            Delivery.objects.filter(channel=ch)
            .exclude(last_error="")
            .order_by("-id")
            .values("last_error")
            .first()
        )
        out.append(
            {
                "code": ch.value,
                "label": ch.label,
                "delivered": row.get("delivered", 0),
                "waiting": row.get("waiting", 0),
                "dead": row.get("dead", 0),
                "paused_until": state.paused_until if paused and state else None,
                "pause_reason": state.pause_reason if paused and state else "",
                "last_error": last["last_error"] if last else "",
            }
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def dead_letters(request: HttpRequest) -> HttpResponse:
    """The admins' view of the channels, and the dead notices to re-queue once the cause is fixed."""
    user = _user(request)
    if not user.has_role(Role.ADMIN):
        raise Http404
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        if request.POST.get("channel") in {c.value for c in OPTIONAL_CHANNELS}:
            ids = list(
                Delivery.objects.filter(
                    status=DeliveryStatus.DEAD, channel=request.POST["channel"]
                ).values_list("pk", flat=True)
            )
        n = retry_dead(ids)
        messages.success(request, f"已重新排队 {n} 条")
        return redirect("notify_dead")
    dead = Delivery.objects.filter(status=DeliveryStatus.DEAD).select_related("recipient").order_by("-id")
    channel = request.GET.get("channel", "")
    if channel:
        dead = dead.filter(channel=channel)
    return render(
        request,
        "notify/dead.html",
        {"items": list(dead[:200]), "health": channel_health(), "channel": channel},
    )
