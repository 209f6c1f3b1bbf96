"""How modules built on the engine tell it who is related to a case.

The engine knows units, owners and office roles. A module that defines subjects (the enterprise module's
companies, later points and projects) registers an `AccessProvider` so that, e.g., a commissioner sees the
cases of the companies he serves, without `cases` importing the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Q

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .models import Case


class AccessProvider(Protocol):
    def visible_q(self, user: User) -> Q | None:
        """Cases this user may read through the module's relations (None: none). Like `worklist_q`, a
        function of the user's id, unit and roles only: the work list's compiled statements are reused for
        the same person (`visibility.WorkList`)."""

    def worklist_q(self, user: User) -> Q | None:
        """Open cases that belong on this user's 我的清单 through the module's relations. A function of the
        user's id, unit and roles only (relations as subqueries, no values read in Python, no clock): its
        compiled statement is reused for the same person (`visibility._worklist_ids`)."""

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
# What a subject type is called on the case page (企业, 点位) and where its own page is (a URL from its id).
_subject_words: dict[str, Any] = {}
_subject_pages: dict[str, Callable[[int], str]] = {}
# The subjects of a type a person may pick on a form: (id, label) pairs (the spawn form's 企业 or 项目).
_subject_choices: dict[str, Callable[[User], list[tuple[int, str]]]] = {}
# A page of the module's for running a co-handled case's errands (跑腿), by case number.
_subject_errands: dict[str, Callable[[str], str]] = {}
# The people who follow a subject's cases on the requester's side (a company's commissioner and contacts):
# user ids, by subject id.
_subject_followers: dict[str, Callable[[int], Iterable[int]]] = {}


def register_provider(provider: AccessProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def providers() -> list[AccessProvider]:
    return list(_providers)


def register_subject(
    type_: str,
    resolver: SubjectResolver,
    *,
    word: Any = "",
    page: Callable[[int], str] | None = None,
    choices: Callable[[User], list[tuple[int, str]]] | None = None,
    errands: Callable[[str], str] | None = None,
    followers: Callable[[int], Iterable[int]] | None = None,
) -> None:
    """A subject type a module defines: how the API resolves it, what the case page calls it (`word`), the
    URL of the subject's own page (`page(id)`), if it has one, the subjects a person may pick on a form
    (`choices(user)`), if forms offer it, the URL of a case's errand page (`errands(number)`), and the ids
    of the people who hear of its cases on the requester's side (`followers(subject id)`: the notification
    audience "requester", beside the filer)."""
    _subjects[type_] = resolver
    if choices is not None:
        _subject_choices[type_] = choices
    if word:
        _subject_words[type_] = word
    if page is not None:
        _subject_pages[type_] = page
    if errands is not None:
        _subject_errands[type_] = errands
    if followers is not None:
        _subject_followers[type_] = followers


def subject_word(type_: str) -> Any:
    from django.utils.translation import gettext_lazy as _

    return _subject_words.get(type_, _("对象"))


def subject_page(type_: str, id_: int | None) -> str:
    page = _subject_pages.get(type_)
    return page(id_) if page is not None and id_ is not None else ""


def subject_choices(type_: str, user: User) -> list[tuple[int, str]]:
    """The subjects of `type_` this person may pick ([] for a type that offers none)."""
    choices = _subject_choices.get(type_)
    return choices(user) if choices is not None else []


def subject_followers(type_: str, id_: int | None) -> list[int]:
    """User ids of the people who follow the cases of subject `id_` of `type_` ([] for a type that names
    none, or no subject)."""
    followers = _subject_followers.get(type_)
    return list(followers(id_)) if followers is not None and id_ is not None else []


def errand_page(type_: str, number: str) -> str:
    page = _subject_errands.get(type_)
    return page(number) if page is not None else ""


def resolve_subject(type_: str, user: User, value: object) -> SubjectRef:
    from .errors import Invalid

    try:
        resolver = _subjects[type_]
    except KeyError as exc:
        raise Invalid(f"未知的对象类型：{type_}", "unknown_subject_type") from exc
    return resolver(user, value)
