"""Login hardening with django-axes: the address a request comes from, the lockout answer, and a backend that
leaves local calls alone.

A person is locked out after `AXES_FAILURE_LIMIT` wrong passwords for one account (from anywhere) or from one
address (for any account), until `AXES_COOLOFF_TIME` has passed; a right password resets the count. The web
login answers 429 with the login form and a Chinese message; `POST /api/v1/auth/token` answers 429 with
`{"error", "code": "too_many_attempts"}`; both carry `Retry-After`.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from nuanqi.clientaddr import client_address


def client_ip(request: HttpRequest) -> str:
    """The client's address for axes: the product's one rule (`nuanqi.clientaddr`), which believes
    X-Forwarded-For only from `NUANQI_TRUSTED_PROXIES`."""
    return client_address(request)


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
