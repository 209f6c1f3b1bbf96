"""Prometheus metrics at `/metrics` (prometheus-client, in its multiprocess mode so that every gunicorn worker
and the background worker count into one exposition).

Answered only to `Authorization: Bearer $NUANQI_METRICS_TOKEN`; 404 when no token is set (behind a reverse
proxy every request comes from loopback, so an address proves nothing). What it exposes:

- `nuanqi_request_seconds{view,method,status}` — request latency per view (histogram);
- `nuanqi_db_seconds{view}` — database time per request (histogram);
- `nuanqi_sweeps_total` — SLA sweep rounds run by workers (counter);
- `nuanqi_outbox_deliveries{channel,state}` — deliveries waiting or dead, per channel (read at scrape);
- `nuanqi_worker_heartbeat_age_seconds` — seconds since the worker's last round (read at scrape).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values as _values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Whether this process counts into the shared directory: prometheus-client decided when it was imported (an
# environment variable set later, by an in-process worker say, changes nothing for the metrics above).
MULTIPROCESS = _values.ValueClass is not _values.MutexValue

REQUEST_SECONDS = Histogram("nuanqi_request_seconds", "Request latency by view", ["view", "method", "status"])
DB_SECONDS = Histogram("nuanqi_db_seconds", "Database time per request by view", ["view"])
SWEEPS = Counter("nuanqi_sweeps", "SLA sweep rounds run by the worker")


class MetricsMiddleware:
    """Times each request and the database work inside it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        spent = [0.0]

        def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - start

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            response: HttpResponse = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        REQUEST_SECONDS.labels(view, request.method or "", str(response.status_code)).observe(
            time.perf_counter() - started
        )
        DB_SECONDS.labels(view).observe(spent[0])
        return response


class _LiveCollector:
    """Gauges read from the database at scrape time (the same in every process, so not multiprocess)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count
        from django.utils import timezone

        from nuanqi.notify.models import Delivery, DeliveryStatus

        from .models import Heartbeat

        outbox = GaugeMetricFamily(
            "nuanqi_outbox_deliveries", "Deliveries waiting or dead, per channel", labels=["channel", "state"]
        )
        rows = (
            Delivery.objects.filter(
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.DEAD]
            )
            .values("channel", "status")
            .annotate(n=Count("id"))
        )
        for row in rows:
            state = "dead" if row["status"] == DeliveryStatus.DEAD else "waiting"
            outbox.add_metric([row["channel"], state], row["n"])
        yield outbox
        hb = Heartbeat.objects.filter(name="worker").first()
        age = GaugeMetricFamily(
            "nuanqi_worker_heartbeat_age_seconds", "Seconds since the worker's last round"
        )
        age.add_metric([], (timezone.now() - hb.beat_at).total_seconds() if hb else float("nan"))
        yield age


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if MULTIPROCESS and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:  # one process (tests, `nuanqi serve` without the multiprocess directory): our metrics only
        for collector in (REQUEST_SECONDS, DB_SECONDS, SWEEPS):
            registry.register(collector)
    registry.register(_LiveCollector())
    return registry


def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "NUANQI_METRICS_TOKEN", "") or ""
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse(
            "需要令牌 / token required\n", status=403, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
