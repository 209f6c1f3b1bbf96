"""Request middleware: Chinese first, and text no column can hold refused at the door.

Chinese first: the interface is zh-hans unless the person chose another language in the footer menu.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many office machines run English
browsers; the district's users expect Chinese, so only an explicit choice (the language cookie) switches.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation

from nuanqi.lib.numbers import text_problem


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        if code not in self.known:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        translation.deactivate()
        return response


class RefuseBadTextMiddleware:
    """A path, query, form value or JSON string (key or value) with a NUL byte or a lone surrogate (JSON's
    escapes \\u0000, \\ud800) is refused before any view runs: no column can hold it (PostgreSQL answers
    an error, SQLite stores what every later read chokes on). The API answers its JSON error (422,
    `invalid_text`); Open311 its spec error array (400); a page answers 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            problem = _first_problem(request)
        except RequestDataTooBig:
            if request.path.startswith("/api/"):
                return api_error_response(413)
            raise
        if problem is not None:
            if request.path.startswith("/api/"):
                body = json.dumps({"error": f"请求：{problem}", "code": "invalid_text"}, ensure_ascii=False)
                return HttpResponse(body, status=422, content_type="application/json; charset=utf-8")
            if request.path.startswith("/open311/"):  # the spec's error array, in the format asked for
                from nuanqi.patrol.open311.render import error

                return error("xml" if request.path.endswith(".xml") else "json", 400, f"请求：{problem}")
            return HttpResponseBadRequest(f"请求无效：{problem}", content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _first_problem(request: HttpRequest) -> str | None:
    texts: list[str] = [request.path]
    for data in (request.GET, request.POST if request.method == "POST" else None):
        if data is None:
            continue
        for key, values in data.lists():
            texts.append(key)
            texts.extend(v for v in values if isinstance(v, str))
    if request.method in ("POST", "PUT", "PATCH") and "json" in (request.content_type or ""):
        with contextlib.suppress(ValueError):  # not JSON: the API answers 400 for the body itself
            _strings(json.loads(request.body), texts)
    for text in texts:
        problem = text_problem(text)
        if problem is not None:
            return str(problem)
    return None


def _strings(data: object, out: list[str]) -> None:
    if isinstance(data, str):
        out.append(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            out.append(str(key))
            _strings(value, out)
    elif isinstance(data, list):
        for item in data:
            _strings(item, out)


# The API's own answer for each status that Django or the router give before (or instead of) an endpoint.
_API_ERRORS: dict[int, tuple[str, str]] = {
    400: ("请求格式不正确", "bad_request"),
    403: ("无权执行此操作（或缺少 CSRF 令牌）", "forbidden"),
    404: ("未找到，或您无权查看", "not_found"),
    405: ("此地址不支持该请求方法", "method_not_allowed"),
    413: ("请求体过大", "too_large"),
    500: ("服务器内部错误，已记录，请稍后再试", "server_error"),
}


def api_error_response(status: int) -> HttpResponse:
    message, code = _API_ERRORS.get(status, ("请求未能完成", "error"))
    if status == 413:
        message += f"（上限 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB）"
    body = json.dumps({"error": message, "code": code}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


class ApiErrorMiddleware:
    """Under /api/ every error is the API's JSON `{"error", "code"}`, whoever produced it: Django's 404 for a
    path no route matches, the router's 405, an oversize body (413), a server error (500, after Django logged
    it), a CSRF refusal. The endpoints' own errors are JSON already and pass untouched. /open311/v2/ is not
    under /api/: the Open311 spec's error array rules there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or getattr(response, "streaming", False)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        replaced = api_error_response(response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced
