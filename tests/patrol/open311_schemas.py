"""JSON Schemas of the Open311 GeoReport v2 answers, written from the specification's field tables
(http://wiki.open311.org/GeoReport_v2/ — GET Service List, GET Service Definition, POST Service Request,
GET Service Requests, GET Service Request, the error arrays; http://wiki.open311.org/Service_Discovery/) and
FixMyStreet's `servicerequestupdates` extension, described at
https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311
No package on the registry ships them. XML answers are checked against the same schemas after
`from_xml` turns their text back into numbers and booleans where the spec's field is one."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
TEXT = {"type": "string"}
WHEN = {"type": "string", "pattern": W3C_DATETIME}
STATUS = {"enum": ["open", "closed"]}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": WHEN,
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": WHEN,
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
                },
            },
        },
    },
}

SERVICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": TEXT,
            "service_name": TEXT,
            "description": TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": TEXT,
            "group": TEXT,
        },
        "additionalProperties": False,
    },
}

DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": TEXT,
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": TEXT,
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": TEXT,
                    "order": {"type": "integer", "minimum": 0},
                    "description": TEXT,
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": TEXT, "name": TEXT},
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

POSTED = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id"],
        "properties": {
            "service_request_id": TEXT,
            "token": TEXT,
            "service_notice": TEXT,
            "account_id": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
    },
}

REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "service_request_id",
            "status",
            "service_name",
            "service_code",
            "requested_datetime",
            "updated_datetime",
        ],
        "properties": {
            "service_request_id": TEXT,
            "status": STATUS,
            "status_notes": TEXT,
            "service_name": TEXT,
            "service_code": TEXT,
            "description": {"type": "string", "maxLength": 4000},
            "agency_responsible": TEXT,
            "service_notice": TEXT,
            "requested_datetime": WHEN,
            "updated_datetime": WHEN,
            "expected_datetime": WHEN,
            "address": TEXT,
            "address_id": TEXT,
            "zipcode": TEXT,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "media_url": {"type": "string", "pattern": "^https?://"},
        },
        "additionalProperties": False,
    },
}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": TEXT},
        "additionalProperties": False,
    },
}

UPDATES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime", "description"],
        "properties": {
            "update_id": TEXT,
            "service_request_id": TEXT,
            "status": {
                "enum": [
                    "OPEN",
                    "INVESTIGATING",
                    "IN_PROGRESS",
                    "ACTION_SCHEDULED",
                    "FIXED",
                    "CLOSED",
                    "NOT_COUNCILS_RESPONSIBILITY",
                    "DUPLICATE",
                ]
            },
            "updated_datetime": WHEN,
            "description": TEXT,
            "media_url": TEXT,
        },
        "additionalProperties": False,
    },
}

# Fields whose XML text stands for a JSON number or boolean; lists and the element names of their items.
_NUMBER = {"lat": float, "long": float, "order": int, "code": int}
_BOOL = {"metadata", "variable", "required"}
_LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
}


def _value(element: ET.Element, parent_list: bool = False) -> Any:
    tag = element.tag
    if tag in _LISTS:
        items = list(element)
        assert all(i.tag == _LISTS[tag] for i in items), f"<{tag}> holds only <{_LISTS[tag]}>"
        return [_value(i, True) for i in items]
    if len(element):
        return {child.tag: _value(child) for child in element}
    text = element.text or ""
    if tag in _BOOL:
        assert text in ("true", "false"), f"<{tag}> is true or false"
        return text == "true"
    if tag in _NUMBER and text and not parent_list and text.lstrip("-").replace(".", "").isdigit():
        return _NUMBER[tag](text)
    return text


def from_xml(body: bytes, root: str) -> Any:
    """An XML answer as the JSON the spec's Spark convention maps it to (empty elements dropped, as the
    spec's optional fields are)."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(body)
    assert element.tag == root, f"root <{element.tag}>, expected <{root}>"
    return _drop_empty(_value(element))


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value
