"""Open311 conformance: a third-party GeoReport v2 client from the package registry (`georeport`) reads our
endpoint over a live server, in JSON and in XML, and every body it reads is valid against the Open311 JSON
schemas (`open311_schemas`, from the spec). Reports are posted form-encoded, as the spec says, with each of
its three forms of location; its error cases answer 403, 404 and 400 with the error array."""

from __future__ import annotations

import jsonschema
import pytest
import requests
from georeport import GeoReport

from nuanqi.cases.models import Case
from nuanqi.patrol.open311.service import issue_key

from . import open311_schemas as S

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server, patrols) -> str:
    return f"{live_server.url}/open311/v2"


def post(endpoint: str, fmt: str, **data: str) -> requests.Response:
    r = requests.post(f"{endpoint}/requests.{fmt}", data=data, timeout=30)
    assert r.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return r


def test_a_georeport_client_reads_services_definitions_and_requests_in_json_and_xml(endpoint, patrols):
    key = issue_key("第三方客户端")[1]
    # Seed three reports, one with each form of location (the client's XML path needs two or more).
    locations = (
        {"lat": "30.003100", "long": "122.112200"},
        {"address_string": "双桥街道万泰·三农汇市场东门"},
        {"address_id": str(patrols.weihai.pk)},
    )
    numbers = []
    for i, location in enumerate(locations):
        fmt = ("json", "xml")[i % 2]
        r = post(endpoint, fmt, api_key=key, service_code="garbage", description=f"垃圾堆放 {i}", **location)
        assert r.status_code == 201, r.text
        body = r.json() if fmt == "json" else S.from_xml(r.content, "service_requests")
        jsonschema.validate(body, S.POSTED)
        numbers.append(body[0]["service_request_id"])
    assert Case.objects.filter(number__in=numbers, status="patrol_found").count() == 3

    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        raw = requests.get(f"{endpoint}/services.{fmt}", timeout=30)
        jsonschema.validate(raw.json() if fmt == "json" else S.from_xml(raw.content, "services"), S.SERVICES)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} >= {"garbage", "greenery", "facilities", "zombie_car"}

        definition = client.get_service_definition("garbage")
        raw = requests.get(f"{endpoint}/services/garbage.{fmt}", timeout=30)
        parsed = raw.json() if fmt == "json" else S.from_xml(raw.content, "service_definition")
        jsonschema.validate(parsed, S.DEFINITION)
        assert definition["service_code"] == "garbage"

        listed = client.get_service_requests(service_code="garbage", status="open")
        assert sorted(r["service_request_id"] for r in listed) == sorted(numbers)
        raw = requests.get(f"{endpoint}/requests.{fmt}", timeout=30)
        jsonschema.validate(
            raw.json() if fmt == "json" else S.from_xml(raw.content, "service_requests"), S.REQUESTS
        )

        one = client.get_service_request(numbers[2])
        assert one["service_request_id"] == numbers[2] and one["status"] == "open"
        assert one["address_id"] == str(patrols.weihai.pk) and one["agency_responsible"] == "区住建局"
        raw = requests.get(f"{endpoint}/requests/{numbers[2]}.{fmt}", timeout=30)
        jsonschema.validate(
            raw.json() if fmt == "json" else S.from_xml(raw.content, "service_requests"), S.REQUESTS
        )

    discovery = requests.get(f"{endpoint}/discovery.json", timeout=30).json()
    jsonschema.validate(discovery, S.DISCOVERY)
    assert discovery["endpoints"][0]["url"] == endpoint


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_specs_error_cases_over_http(endpoint, fmt):
    key = issue_key(f"客户端-{fmt}")[1]
    cases = (
        ({"service_code": "garbage", "address_string": "东门"}, 403),  # no api_key
        ({"api_key": key, "service_code": "noise", "address_string": "东门"}, 404),  # unknown service
        ({"api_key": key, "service_code": "garbage"}, 400),  # no location
    )
    for data, status in cases:
        r = post(endpoint, fmt, **data)
        assert r.status_code == status
        errors = r.json() if fmt == "json" else S.from_xml(r.content, "errors")
        jsonschema.validate(errors, S.ERRORS)
        assert errors[0]["code"] == status
    assert not Case.objects.exists()
