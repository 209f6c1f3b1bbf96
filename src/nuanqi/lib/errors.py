"""Errors that every layer raises and the API renders as `{"error": "…", "code": "…"}` with `status`.

On the lowest floor (no Django) so that the directory, the calendar, the engine and the modules share one
error type. Each has a stable `code` for the API and a Chinese message for people."""

from __future__ import annotations


class CaseError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class Conflict(CaseError):
    status = 409
    code = "stale_version"


class Forbidden(CaseError):
    status = 403
    code = "not_allowed"


class NotAllowedNow(CaseError):
    status = 409
    code = "transition_not_allowed"


class Invalid(CaseError):
    status = 422
    code = "invalid"


class NotFound(CaseError):
    status = 404
    code = "not_found"
