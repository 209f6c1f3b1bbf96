"""What modules above the engine add to the case pages without the engine naming them: panels on the case
page (the dispatch step's suggestions, likely duplicates with a one-click merge) and a duplicate check on the
new-case form. `nuanqi.routing` registers them from its `apps.py`; with nothing registered the pages are the
engine's own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .access import SubjectRef
    from .models import Case


@dataclass(frozen=True)
class DetailPanel:
    name: str
    template: str
    context: Callable[[User, Case], dict[str, Any] | None]  # None: nothing to show on this case


_PANELS: dict[str, DetailPanel] = {}
# finder(user, *, title, description, kind, subject) -> [{"number", "title", "status_label", "score"}…]
DuplicateFinder = Callable[..., list[dict[str, Any]]]
_FINDERS: dict[str, DuplicateFinder] = {}
_FORM_ASSETS: dict[str, str] = {}


def register_detail_panel(panel: DetailPanel) -> None:
    _PANELS[panel.name] = panel


def register_duplicate_finder(name: str, finder: DuplicateFinder, form_asset: str = "") -> None:
    """A check run before a new case is saved from the form; `form_asset` a template the form includes (its
    script fetching suggestions as the user types)."""
    _FINDERS[name] = finder
    if form_asset:
        _FORM_ASSETS[name] = form_asset


def detail_panels(user: User, case: Case) -> list[dict[str, Any]]:
    out = []
    for panel in _PANELS.values():
        ctx = panel.context(user, case)
        if ctx is not None:
            out.append({"template": panel.template, "context": ctx})
    return out


def duplicates(
    user: User, *, title: str, description: str, kind: str, subject: SubjectRef | None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for finder in _FINDERS.values():
        found.extend(finder(user, title=title, description=description, kind=kind, subject=subject))
    return found


def form_assets() -> list[str]:
    return list(_FORM_ASSETS.values())
