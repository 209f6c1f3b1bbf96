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
        problem = _first_problem(request)
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
