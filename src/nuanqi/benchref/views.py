"""The ceiling the framework allows on this machine: the same server, middleware and database as the app,
with the application doing (almost) nothing. Mounted only when NUANQI_BENCH=1."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Row


@csrf_exempt
@require_POST
def insert(request: HttpRequest) -> JsonResponse:
    row = Row._default_manager.create(note="bench")
    return JsonResponse({"id": row.pk}, status=201)


@require_GET
def const(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "name": "暖企"})


urlpatterns = [
    path("insert/", insert, name="benchref_insert"),
    path("const/", const, name="benchref_const"),
]
