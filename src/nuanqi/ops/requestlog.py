"""One log line per request: request id, method, path without its query string (`/cases/?q=张三` carries
personal data), status, duration and user id — never a body, a receipt or a name. `NUANQI_LOG_JSON=1` writes
JSON lines for a log collector. The request id comes from a proxy's `X-Request-Id` when it looks like one, and
is echoed back in the response."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("nuanqi.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-Id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        started = time.perf_counter()
        response: HttpResponse = self.get_response(request)
        ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        uid = user.pk if user is not None and user.is_authenticated else None
        fields = {
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": ms,
            "user_id": uid,
        }
        if getattr(settings, "NUANQI_LOG_JSON", False):
            logger.info(json.dumps(fields, ensure_ascii=False))
        else:
            logger.info(
                f"{rid} {request.method} {request.path} {response.status_code} {ms}ms user={uid or '-'}"
            )
        response["X-Request-Id"] = rid
        return response
