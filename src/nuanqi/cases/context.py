"""The public channels (kinds open to people without an account), for the login page's links: a resident
who lands on the site finds where to report without an account, and the accessibility crawl reaches those
pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .public import public_intakes


def public_channels(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {}
    return {"public_channels": [(intake.slug, intake.title) for _spec, intake in public_intakes()]}
