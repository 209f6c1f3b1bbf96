"""Panels that modules add to the leader's overview (the projects' lights, the consultations' figures),
registered from their `AppConfig.ready()` so the dashboard names no module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    # (user, today) → the template's context, or None when the panel has nothing to show this person.
    context: Callable[..., dict[str, Any] | None]


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.name] = panel


def rendered(user: User, today: Any) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of each registered panel with something to show."""
    out = []
    for panel in _panels.values():
        ctx = panel.context(user, today)
        if ctx is not None:
            out.append((panel.template, ctx))
    return out
