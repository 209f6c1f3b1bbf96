"""Every input of the API states its bound in the OpenAPI schema (issue: validation at the edge, once): a
text its maximum length, a number its range, a list its maximum size, a date its format, and every error
response the one `{"error", "code"}` model. A new field without a bound fails here, naming it."""

from __future__ import annotations

from typing import Any

import pytest

from nuanqi.api import api

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
COMPONENTS = SCHEMA["components"]["schemas"]
# Strings bounded by their form rather than a length: a choice, a pattern, a date, a file.
BOUNDED_FORMATS = ("date", "date-time", "binary", "time")


def _resolve(s: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in s:
        s = COMPONENTS[s["$ref"].split("/")[-1]]
    return s


def _unbounded(s: dict[str, Any], where: str, depth: int = 0) -> list[str]:
    s = _resolve(s)
    if depth > 8:
        return []
    for key in ("anyOf", "oneOf", "allOf"):
        if key in s:
            return [p for x in s[key] for p in _unbounded(x, where, depth + 1)]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        return [
            p
            for name, x in s.get("properties", {}).items()
            for p in _unbounded(x, f"{where}.{name}", depth + 1)
        ]
    if kind == "array":
        own = [] if "maxItems" in s else [f"{where}: a list without maxItems"]
        return own + _unbounded(s.get("items", {}), f"{where}[]", depth + 1)
    if kind == "string":
        if "enum" in s or "const" in s or "pattern" in s or s.get("format") in BOUNDED_FORMATS:
            return []
        return [] if "maxLength" in s else [f"{where}: a text without maxLength"]
    if kind in ("integer", "number"):
        low = "minimum" in s or "exclusiveMinimum" in s
        high = "maximum" in s or "exclusiveMaximum" in s
        return [] if low and high else [f"{where}: a number without minimum and maximum"]
    return []


def _operations() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {path}", op) for path, ops in SCHEMA["paths"].items() for m, op in ops.items()]


def test_every_parameter_and_body_field_states_its_bound():
    problems = []
    for where, op in _operations():
        for p in op.get("parameters", []):
            problems += _unbounded(p.get("schema", {}), f"{where} ?{p['name']}")
        for content in op.get("requestBody", {}).get("content", {}).values():
            problems += _unbounded(content.get("schema", {}), f"{where} body")
    assert problems == []


def test_every_operation_documents_its_errors_with_the_one_error_model():
    for where, op in _operations():
        errors = {k: v for k, v in op["responses"].items() if k >= "400"}
        assert {"400", "404", "422", "500"} <= set(errors), where
        for status, response in errors.items():
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ApiError"
            }, (where, status)
    assert COMPONENTS["ApiError"]["required"] == ["error", "code"]


@pytest.mark.parametrize(
    ("url", "body", "code"),
    [
        ("/api/v1/cases", {"title": "x" * 201}, "too_long"),
        ("/api/v1/cases?limit=0", None, "invalid_number"),
        ("/api/v1/projects/99999999999999999999", None, "invalid_number"),
        ("/api/v1/kpis?date_from=2023-13-01&date_to=2023-03-31", None, "invalid_date"),
        (
            "/api/v1/consult/sessions",
            {"topic": "议题", "held_on": "2023-03-29", "organiser": "x" * 101},
            "too_long",
        ),
    ],
)
def test_a_value_beyond_its_bound_is_a_422_with_its_code(world, url, body, code):
    from nuanqi.accounts.models import ApiToken

    token = ApiToken.issue(world.admin, "t")[1]
    client = world.client(world.admin)
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.post(url, body, content_type="application/json", **h) if body else client.get(url, **h)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code
