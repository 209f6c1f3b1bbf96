"""Login hardening with django-axes: the address a request comes from, the lockout answer, and a backend that
leaves local calls alone.

A person is locked out after `AXES_FAILURE_LIMIT` wrong passwords for one account (from anywhere) or from one
address (for any account), until `AXES_COOLOFF_TIME` has passed; a right password resets the count. The web
login answers 429 with the login form and a Chinese message; `POST /api/v1/auth/token` answers 429 with
`{"error", "code": "too_many_attempts"}`; both carry `Retry-After`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The address of the client: REMOTE_ADDR, or — only when that is one of `NUANQI_TRUSTED_PROXIES` — the
    nearest address in X-Forwarded-For that is not a trusted proxy (a client cannot forge its way past it)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = settings.NUANQI_TRUSTED_PROXIES
    if remote not in trusted:
        return remote
    forwarded = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    for hop in reversed(forwarded):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        if hop not in trusted:
            return hop
    return remote


class LoginGuardBackend(AxesStandaloneBackend):
    """Axes' check before the password backends. `authenticate()` without a request is a local call (the
    shell, a management command), not a login over the network: it is not counted."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(request: HttpRequest, original: Any = None, credentials: Any = None) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = max(1, int(cool_off.total_seconds())) if cool_off else 3600
    minutes = (seconds + 59) // 60
    message = f"登录失败次数过多，请 {minutes} 分钟后再试"
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": message, "code": "too_many_attempts"},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        form = AuthenticationForm(request, data=request.POST or None)
        response = render(request, "login.html", {"form": form, "lockout": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
