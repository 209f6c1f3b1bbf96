"""The JSON API root: /api/v1, OpenAPI at /api/v1/docs and /api/v1/openapi.json.

One error shape everywhere: {"error": "中文说明", "code": "stable_code"} (plus "field" where one field is at
fault). Clients authenticate with `Authorization: Bearer <token>`; a logged-in browser session works too
(with CSRF on writes).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, connection
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from nuanqi.accounts.models import ApiToken, Unit, User, hash_token
from nuanqi.cases.errors import CaseError
from nuanqi.lib.compiled import CompiledQuery


def _token_query(key_hash: str) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=key_hash, revoked=False, user__is_active=True)
        .annotate(granted_role=F("user__role_grants__role"))
        .order_by()
    )


class _TokenStatement:
    """The bearer token's statement, compiled once per process and database: the live token with this hash
    (not revoked, its person active), its person and unit, and the person's roles by a LEFT JOIN (one row
    per role, one row with NULL for a person with none). It runs on every request, so a revoked token or a
    deactivated person is refused at once; only the SQL text is kept, never a person or a token."""

    def __init__(self) -> None:
        # Two hashes no token has (hashes are hex digits) as the markers.
        self.query = CompiledQuery(_token_query, {"key_hash": "-" * 64}, {"key_hash": "=" * 64})
        compiler = self.query.compiler
        info = compiler.klass_info
        assert info is not None
        user_info = info["related_klass_infos"][0]
        unit_info = user_info["related_klass_infos"][0]
        self.token_cols: list[int] = list(info["select_fields"])
        self.user_cols: list[int] = list(user_info["select_fields"])
        self.unit_cols: list[int] = list(unit_info["select_fields"])
        self.role_col: int = compiler.annotation_col_map["granted_role"]
        self.names = {m: [f.attname for f in m._meta.concrete_fields] for m in (ApiToken, User, Unit)}

    def run(self, key_hash: str) -> ApiToken | None:
        rows = self.query.rows(key_hash=key_hash)
        if not rows:
            return None
        first, db = rows[0], connection.alias
        names = self.names
        token = ApiToken.from_db(db, names[ApiToken], [first[i] for i in self.token_cols])
        user = User.from_db(db, names[User], [first[i] for i in self.user_cols])
        unit_values = [first[i] for i in self.unit_cols]
        unit = Unit.from_db(db, names[Unit], unit_values) if unit_values[0] is not None else None
        User._meta.get_field("unit").set_cached_value(user, unit)  # as select_related sets it
        ApiToken._meta.get_field("user").set_cached_value(token, user)
        user.set_granted_roles(r[self.role_col] for r in rows if r[self.role_col] is not None)
        return token


# Database vendor → the compiled statement.
_TOKEN_STATEMENTS: dict[str, _TokenStatement] = {}


def live_token(raw: str) -> ApiToken | None:
    """The token (its person, unit and roles loaded) for this raw bearer token, if it is not revoked and
    its person is active; expiry is the caller's check (`ApiToken.expired`). One statement."""
    statement = _TOKEN_STATEMENTS.get(connection.vendor)
    if statement is None:
        statement = _TOKEN_STATEMENTS[connection.vendor] = _TokenStatement()
    return statement.run(hash_token(raw))


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = live_token(token)
        if found is None or found.expired:
            return None
        now = timezone.now()
        # Touch last_used at most once a minute so a busy client does not write on every request.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser's login session; writes still need the CSRF token."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


# Every error response, whatever its status, has this body.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "ApiError",
    "type": "object",
    "description": "错误：中文说明与稳定代码（字段有误时另有 field 与 details）",
    "properties": {
        "error": {"type": "string", "description": "中文说明"},
        "code": {"type": "string", "description": "稳定代码，如 not_found、invalid_number、too_long"},
        "field": {"type": "string", "description": "出错的字段"},
        "details": {"type": "array", "items": {"type": "object"}, "description": "逐项校验结果"},
    },
    "required": ["error", "code"],
}

# The statuses any operation may answer besides its own, and those only some may. One rule (docs/api.md):
# 400 a body that is not well-formed, 422 a field's value, 413 a body over the upload limit.
_ERRORS_ALWAYS = {
    "400": "请求格式不正确（如请求体不是 JSON）",
    "404": "未找到，或您无权查看",
    "405": "此地址不支持该请求方法",
    "422": "字段的值不正确（code 说明原因：invalid_number、too_long、invalid_date、invalid_text……）",
    "429": "请求过于频繁（Retry-After 说明等待秒数）",
    "500": "服务器内部错误",
}
_ERRORS_AUTH = {"401": "未登录或访问令牌无效、已过期、已撤销", "403": "无权执行此操作"}
_ERRORS_WRITE = {"409": "数据已被他人修改或状态不允许（请刷新后重试）", "413": "请求体过大"}


class NuanqiAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """Ninja's schema, with every error response each operation can give documented with the one error
        model, so a client (or a schema fuzzer) knows the whole contract, not only the success."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/ApiError"}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                statuses = dict(_ERRORS_ALWAYS)
                if operation.get("security"):
                    statuses.update(_ERRORS_AUTH)
                if method in ("post", "put", "patch", "delete"):
                    statuses.update(_ERRORS_WRITE)
                # Ninja keys its own responses by int; JSON has only strings, so one key per status.
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                operation["responses"] = responses
                for status, text in statuses.items():
                    responses.setdefault(status, {"description": text})
                for status, response in responses.items():
                    if status >= "400":
                        response["content"] = {"application/json": {"schema": ref}}
        return schema


api = NuanqiAPI(
    title="暖企 nuanqi API",
    version="1",
    description='清单引擎与暖企工程的接口。错误统一为 {"error": 说明, "code": 代码}。',
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


def error(request: HttpRequest, status: int, message: str, code: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"error": message, "code": code, **extra}, status=status)


@api.exception_handler(CaseError)
def _case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    return error(request, exc.status, exc.message, exc.code, **extra)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for e in exc.errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload", "query", "path"))
        problems.append(f"{loc or '请求'}：{_zh(e)}")
    codes = {_code(e) for e in exc.errors}
    code = codes.pop() if len(codes) == 1 else "validation_error"
    return error(request, 422, "请求数据不正确：" + "；".join(problems), code, details=exc.errors)


# Our own checks (nuanqi.columns.Fits) name their code; pydantic's own kinds map to the same codes.
_OWN_CODES = {"invalid_number", "too_long", "invalid_text", "invalid_date", "invalid_phone"}


def _code(e: dict[str, Any]) -> str:
    kind = str(e.get("type", ""))
    if kind in _OWN_CODES:
        return kind
    if kind == "string_too_long":
        return "too_long"
    if kind.startswith(("int", "float", "decimal", "greater_than", "less_than", "finite")):
        return "invalid_number"
    if kind.startswith(("date", "time")):
        return "invalid_date"
    return "validation_error"


def _zh(e: dict[str, Any]) -> str:
    kind = str(e.get("type", ""))
    if kind in _OWN_CODES:
        return str(e.get("msg", "格式不正确"))
    if kind == "string_too_long":
        return f"不能超过 {(e.get('ctx') or {}).get('max_length', '')} 个字"
    if kind == "missing":
        return "必填"
    if "int" in kind:
        return "应为整数"
    if "float" in kind or "decimal" in kind:
        return "应为数字"
    if "datetime" in kind or "date" in kind:
        return "日期时间格式不正确（应为 ISO 8601，如 2023-03-27T09:00:00+08:00）"
    if "bool" in kind:
        return "应为 true 或 false"
    if "string" in kind:
        return "应为文本"
    if "json" in kind:
        return "不是有效的 JSON"
    return str(e.get("msg", "格式不正确"))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "请先登录或提供有效的访问令牌", "unauthorized")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 404, "未找到，或您无权查看", "not_found")


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 404, "未找到，或您无权查看", "not_found")


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: Exception) -> HttpResponse:
    # An id or count beyond what the database's integers hold (SQLite raises OverflowError).
    return error(request, 422, "数值超出范围", "invalid_number")


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # PostgreSQL refusing a value (an integer out of range): the input's fault, never a server error.
    return error(request, 422, "数值超出范围", "invalid_number")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 405: "method_not_allowed"}
    message = str(exc.message)
    if message == "Cannot parse request body":  # django-ninja's words for a body that is not JSON
        message = "请求体不是有效的 JSON"
    elif message == "CSRF check Failed":
        message = "缺少或无效的 CSRF 令牌"
    return error(request, exc.status_code, message, codes.get(exc.status_code, "error"))


def _register() -> None:
    from nuanqi.accounts.api import router as accounts_router
    from nuanqi.attachments.api import router as attachments_router
    from nuanqi.calendars.api import router as calendar_router
    from nuanqi.cases.api import router as cases_router
    from nuanqi.cases.public_api import router as public_router
    from nuanqi.enterprise.api import router as enterprise_router

    api.add_router("/", accounts_router)
    # Before the cases router: its /cases/{number} would otherwise take /cases/duplicates.
    from nuanqi.routing.api import router as routing_router

    api.add_router("/", routing_router)
    api.add_router("/cases", cases_router)
    api.add_router("/attachments", attachments_router)
    api.add_router("/public", public_router)

    from nuanqi.tips.api import router as tips_router

    api.add_router("/tips", tips_router)
    api.add_router("/", enterprise_router)
    api.add_router("/calendar", calendar_router)

    from nuanqi.dashboard.api import router as dashboard_router
    from nuanqi.notify.api import router as notify_router

    api.add_router("/", dashboard_router)
    api.add_router("/", notify_router)

    from nuanqi.patrol.api import public_router as patrol_public_router
    from nuanqi.patrol.api import router as patrol_router

    api.add_router("/patrol/public", patrol_public_router)
    api.add_router("/patrol", patrol_router)

    from nuanqi.consult.api import router as consult_router

    api.add_router("/consult", consult_router)

    from nuanqi.projects.api import router as projects_router

    api.add_router("/", projects_router)


_register()
