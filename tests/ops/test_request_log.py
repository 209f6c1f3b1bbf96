"""One line per request with an id, the path without its query string, the status, the duration and the user
id; no tip content, name, phone, receipt or query in any log."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from tests.tips.conftest import inspection  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_requests_are_logged_without_queries_bodies_or_names(inspection, caplog, settings):  # noqa: F811
    caplog.set_level(logging.INFO)
    body = {
        "target_unit": "区住建局",
        "disciplines": ["integrity"],
        "content": "局长在招标中收受红包的详细经过",
        "anonymous": False,
        "name": "举报人冯某某",
        "phone": "13905801234",
    }
    r = Client().post("/api/v1/public/tips", json.dumps(body), content_type="application/json")
    receipt = r.json()["receipt"]
    Client().post(
        "/api/v1/public/tips/status", json.dumps({"receipt": receipt}), content_type="application/json"
    )
    c = inspection.world.client(inspection.world.dispatcher)
    listed = c.get("/cases/?q=张三丰", HTTP_X_REQUEST_ID="proxy-req-12345678")
    assert listed["X-Request-Id"] == "proxy-req-12345678"
    text = "\n".join(r.getMessage() for r in caplog.records)
    lines = [r.getMessage() for r in caplog.records if r.name == "nuanqi.request"]
    assert any(" POST /api/v1/public/tips 201 " in line for line in lines)
    assert any(line.startswith("proxy-req-12345678 GET /cases/ 200 ") for line in lines)
    assert f"user={inspection.world.dispatcher.pk}" in lines[-1]
    for secret in ("局长在招标", "举报人冯某某", "13905801234", receipt, "张三丰", "q="):
        assert secret not in text


def test_json_lines_when_asked(world, caplog, settings):
    settings.NUANQI_LOG_JSON = True
    caplog.set_level(logging.INFO)
    Client().get("/healthz?token=abc")
    line = json.loads([r.getMessage() for r in caplog.records if r.name == "nuanqi.request"][-1])
    assert line["path"] == "/healthz" and line["status"] == 200 and line["user_id"] is None
    assert set(line) == {"request_id", "method", "path", "status", "duration_ms", "user_id"}
