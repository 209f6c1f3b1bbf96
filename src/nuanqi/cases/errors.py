"""The engine's errors are the project's shared error types (`nuanqi.lib.errors`); kept here for the modules
that import them from the engine."""

from nuanqi.lib.errors import CaseError, Conflict, Forbidden, Invalid, NotAllowedNow, NotFound

__all__ = ["CaseError", "Conflict", "Forbidden", "Invalid", "NotAllowedNow", "NotFound"]
