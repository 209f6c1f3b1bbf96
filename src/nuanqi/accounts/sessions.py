"""The login session's store (`SESSION_ENGINE`): Django's database store, the same table and the same rows,
with its one read per request compiled once per process (`lib.compiled`) instead of on every page.

Nothing about a session is kept between requests: each request reads its row, so a logout, an expiry or a
session deleted on the server ends it at once, as with Django's own store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from nuanqi.lib.compiled import CompiledQuery

# (database vendor, session model) → the compiled read.
_STATEMENTS: dict[tuple[str, type[Model]], CompiledQuery] = {}


class SessionStore(db.SessionStore):
    def _read(self) -> CompiledQuery:
        model = self.model

        def build(key: str, now: datetime) -> QuerySet[Any]:
            return model.objects.filter(session_key=key, expire_date__gt=now).values_list("session_data")

        found = _STATEMENTS.get((connection.vendor, model))
        if found is None:
            # Markers: keys no session has (real keys are 32 letters and digits), instants long past.
            a = {"key": "-marker-a-", "now": datetime(1901, 1, 1, tzinfo=UTC)}
            b = {"key": "-marker-b-", "now": datetime(1901, 1, 2, tzinfo=UTC)}
            found = _STATEMENTS[(connection.vendor, model)] = CompiledQuery(build, a, b)
        return found

    def _get_session_from_db(self) -> Any:
        """The session's row (its data only) if it exists and has not expired; else None, and the key is
        dropped, as Django's store does."""
        key = self.session_key
        rows = self._read().rows(key=key, now=timezone.now()) if key is not None else []
        if key is None or not rows:
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=rows[0][0])
