"""Our own error pages (handler400/403/404/500 in urls.py), in the house style and the user's language.

400, 403 and 404 render through the request (the header, the navigation, the language of the session); 500
renders a page that needs nothing but the template engine, since the database or a context processor may be
what failed. Under /api/ the API's JSON error shape answers instead (middleware.ApiErrors).
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseBadRequest(loader.render_to_string("errors/400.html", {}, request))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseForbidden(loader.render_to_string("errors/403.html", {}, request))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound(loader.render_to_string("errors/404.html", {}, request))


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.render_to_string("errors/500.html", {}))
