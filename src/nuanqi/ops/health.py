"""Liveness and readiness, for load balancers and monitors (GitLab's /-/liveness and /-/readiness).

- `/healthz`: the process answers; touches no database.
- `/readyz`: the database answers, every migration is applied, the worker's heartbeat is younger than
  `NUANQI_WORKER_STALE_SECONDS` (default 300), and the outbox's backlog and dead letters, as counts. 200 when
  ready, 503 otherwise. No authentication and nothing sensitive: counts and ages only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def stale_after() -> int:
    return int(getattr(settings, "NUANQI_WORKER_STALE_SECONDS", 300))


def readiness() -> dict[str, Any]:
    """{"ready": bool, "checks": {...}}: what `/readyz` and `nuanqi status` report."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return {"ready": False, "checks": checks}
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    checks["migrations"] = {"ok": not pending, "pending": len(pending)}
    from .models import Heartbeat

    hb = Heartbeat.objects.filter(name="worker").first() if not pending else None
    age = (timezone.now() - hb.beat_at).total_seconds() if hb else None
    checks["worker"] = {
        "ok": age is not None and age <= stale_after(),
        "heartbeat_age_seconds": round(age, 1) if age is not None else None,
        "stale_after_seconds": stale_after(),
    }
    if not pending:
        from nuanqi.notify.models import Delivery, DeliveryStatus

        waiting = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]).count()
        dead = Delivery.objects.filter(status=DeliveryStatus.DEAD).count()
        checks["outbox"] = {"ok": True, "waiting": waiting, "dead": dead}
    return {"ready": all(c.get("ok") for c in checks.values()), "checks": checks}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness()
    return JsonResponse(report, status=200 if report["ready"] else 503)
