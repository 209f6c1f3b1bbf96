"""The `/open311/v2/` endpoints. No session, no CSRF (a POST carries its client's `api_key`); errors are the
spec's arrays, never the product's own JSON error shape."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from nuanqi.attachments.api import file_response
from nuanqi.attachments.models import Attachment

from . import service
from .render import answer, error

View = Callable[..., HttpResponse]


def spec_errors(view: View) -> View:
    """Open311Error → the spec's error array, in the format the path asked for."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except service.Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    return wrapped


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311_root"))


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """`/open311/v2/` itself: where the discovery document is."""
    return answer("json", "discovery", {"discovery": f"{_base(request)}discovery.json"})


@require_GET
@spec_errors
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    body = {
        "changeset": service.CHANGESET,
        "contact": "请联系本平台管理员申请 api_key",
        "key_service": "请联系本平台管理员（nuanqi open311 key create）",
        "endpoints": [
            {
                "specification": service.SPEC,
                "url": _base(request).rstrip("/"),
                "changeset": service.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return answer(fmt, "discovery", body)


@require_GET
@spec_errors
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return answer(fmt, "services", service.services())


@require_GET
@spec_errors
def definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return answer(fmt, "service_definition", service.definition(code))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@spec_errors
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        case = service.file_request(request.POST)
        body = [{"service_request_id": case.number, "service_notice": "", "account_id": None}]
        return answer(fmt, "service_requests", body, status=201)
    found = service.find_requests(request.GET)
    return answer(fmt, "service_requests", service.requests_out(found, _base(request)))


@require_GET
@spec_errors
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    found = service.fetch(service.public_cases().filter(number=number))
    if not found:
        raise service.Open311Error(404, f"没有编号为“{number}”的请求 (unknown service_request_id)")
    return answer(fmt, "service_requests", service.requests_out(found, _base(request)))


@require_GET
@spec_errors
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    return answer(fmt, "service_request_updates", service.updates(request.GET))


@require_GET
def media(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Our own thumbnail of a public problem's photo (re-encoded, so without EXIF and its location)."""
    try:
        attachment = service.public_photo(attachment_id)
    except Attachment.DoesNotExist:
        raise Http404 from None
    return file_response(attachment, thumbnail=True)


@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """404 as the spec's error array: XML when the path ends in .xml, JSON otherwise."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, 404, "没有这个资源或格式：资源以 .json 或 .xml 结尾 (unknown resource or format)")
