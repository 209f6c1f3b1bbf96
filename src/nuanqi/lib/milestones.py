"""Milestones (plan vs actual), shared by the 暖企 company projects and the 民生实事 / 重点工程 projects:
both apps keep their own rows and ask these functions the same questions."""

from __future__ import annotations

from datetime import date


def days_ahead(planned: date | None, actual: date | None, today: date) -> int | None:
    """Positive: done that many days before plan (提前); negative: late. Unfinished and overdue counts as
    late by the days since the plan; unfinished and not yet due is None."""
    if planned is None:
        return None
    if actual is not None:
        return (planned - actual).days
    if today > planned:
        return (planned - today).days
    return None


def is_late(planned: date | None, actual: date | None, today: date) -> bool:
    return actual is None and planned is not None and planned < today
