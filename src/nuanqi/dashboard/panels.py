"""Panels the modules add to the leader's dashboard (the dashboard names no module): a template and a function
giving its context for a person, or None where the panel is not shown to that person."""

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
    context: Callable[[User], dict[str, Any] | None]


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.name] = panel


def panels_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in _PANELS.values():
        context = panel.context(user)
        if context is not None:
            out.append((panel.template, context))
    return out
