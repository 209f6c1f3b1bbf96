from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from nuanqi.accounts.models import Role


def calendar_warnings(request: HttpRequest) -> dict[str, Any]:
    """Admins see a banner when the working calendar of a year in use is not yet published."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(Role.ADMIN):
        return {}
    from .services import unconfirmed_year_warnings

    return {"calendar_unconfirmed_years": unconfirmed_year_warnings()}
