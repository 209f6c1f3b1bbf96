"""Every error under /api/ is the API's JSON `{"error", "code"}`, whoever answered: the router, Django, the
body limit or a server error; and the OpenAPI schema documents each with that model."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from nuanqi.api import api

pytestmark = pytest.mark.django_db


def _body(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) >= {"error", "code"}
    return body


def test_an_unknown_api_path_is_a_json_404(world):
    for path in ("/api/v1/no-such-thing", "/api/", "/api/v2/cases"):
        response = world.client(world.handler).get(path)
        assert response.status_code == 404
        assert _body(response) == {"error": "未找到，或您无权查看", "code": "not_found"}


def test_a_method_an_endpoint_does_not_take_is_a_json_405_with_allow(world):
    response = world.client(world.handler).delete("/api/v1/cases/worklist")
    assert response.status_code == 405
    assert _body(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_body_over_the_upload_limit_is_a_json_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"name": "华" * 2000, "uscc": "x"})
    response = world.client(world.admin).post("/api/v1/companies", payload, content_type="application/json")
    assert response.status_code == 413
    assert _body(response)["code"] == "too_large"


def test_a_body_that_is_not_json_is_a_chinese_400(world):
    response = world.client(world.admin).post("/api/v1/companies", "{不是", content_type="application/json")
    assert response.status_code == 400
    assert _body(response) == {"error": "请求体不是有效的 JSON", "code": "bad_request"}


@override_settings(ROOT_URLCONF="tests.hardening.api_error_urls")
def test_a_server_error_is_a_json_500_and_pages_keep_their_own(world):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/broken-for-test")
    assert response.status_code == 500
    assert _body(response)["code"] == "server_error"
    # Outside /api/ a page's 404 stays a page.
    page = world.client(world.handler).get("/no-such-page/")
    assert page.status_code == 404
    assert not page["Content-Type"].startswith("application/json")


def test_the_schema_documents_every_error_with_the_one_model():
    schema = api.get_openapi_schema()
    assert schema["components"]["schemas"]["ApiError"]["required"] == ["error", "code"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "404", "422", "500"} <= statuses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= statuses, (method, path)
            for status, response in operation["responses"].items():
                if status >= "400":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ApiError"), (method, path, status)
