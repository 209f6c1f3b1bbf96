"""How modules built on the engine tell it who is related to a case.

The engine knows units, owners and office roles. A module that defines subjects (the enterprise module's
companies, later points and projects) registers an `AccessProvider` so that, e.g., a commissioner sees the
cases of the companies he serves, without `cases` importing the module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.db.models import Q

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .models import Case


class AccessProvider(Protocol):
    def visible_q(self, user: User) -> Q | None:
        """Cases this user may read through the module's relations (None: none)."""

    def worklist_q(self, user: User) -> Q | None:
        """Open cases that belong on this user's 我的清单 through the module's relations."""

    def relations(self, user: User, case: Case) -> set[str]:
        """Relation names (e.g. "commissioner", "requester") the user has to this case."""


@dataclass(frozen=True)
class SubjectRef:
    type: str
    id: int
    label: str


# A resolver turns what a client sent ("12", a name, a 信用代码) into a subject the user may reference,
# or raises CaseError. Registered per subject type.
SubjectResolver = Callable[["User", object], SubjectRef]

_providers: list[AccessProvider] = []
_subjects: dict[str, SubjectResolver] = {}


def register_provider(provider: AccessProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def providers() -> list[AccessProvider]:
    return list(_providers)


def register_subject(type_: str, resolver: SubjectResolver) -> None:
    _subjects[type_] = resolver


def resolve_subject(type_: str, user: User, value: object) -> SubjectRef:
    from .errors import Invalid

    try:
        resolver = _subjects[type_]
    except KeyError as exc:
        raise Invalid(f"未知的对象类型：{type_}", "unknown_subject_type") from exc
    return resolver(user, value)
