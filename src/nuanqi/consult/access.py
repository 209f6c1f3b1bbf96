"""Who sees which sessions and items: the office and the 政协 staff all, a unit handler the sessions in which
his unit answers (lead or co-handling), everyone else none (404). Items name their session as subject; a
unit sees its items through the engine's own lead-unit and task relations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from nuanqi.accounts.models import Role
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Case, Task

from .models import Participant, Session
from .workflow import CONSULT, CONSULT_KIND

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

SUBJECT = "consult_session"
# An item's requester: the participant who raised it (`Participant`; a person with an account rates it).
PARTICIPANT = "consult_participant"


def is_consult_office(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.ADMIN, Role.CONSULT_STAFF))


def visible_sessions(user: User) -> QuerySet[Session]:
    """Every session this person may read (anyone else gets 404)."""
    if not user.is_authenticated or not user.is_active:
        return Session.objects.none()
    if user.sees_everything or user.has_role(Role.CONSULT_STAFF):
        return Session.objects.all()
    if user.unit_id and user.has_role(Role.HANDLER):
        mine = Case.objects.filter(kind=CONSULT, subject_type=SUBJECT).filter(
            Q(lead_unit_id=user.unit_id)
            | Q(pk__in=Task.objects.filter(unit_id=user.unit_id).values("case_id"))
        )
        return Session.objects.filter(
            Q(pk__in=mine.values("subject_id")) | Q(participants__unit_id=user.unit_id)
        ).distinct()
    return Session.objects.none()


def public_sessions() -> QuerySet[Session]:
    """Sessions whose summary the public may read."""
    return Session.objects.filter(public=True)


class ConsultAccess:
    """The 政协 staff read and work every consultation item (the engine's office roles already do)."""

    def visible_q(self, user: User) -> Q | None:
        if user.has_role(Role.CONSULT_STAFF):
            return Q(kind=CONSULT)
        # A member with an account reads the items she raised (to follow and rate the answer).
        return Q(
            kind=CONSULT,
            requester_type=PARTICIPANT,
            requester_id__in=Participant.objects.filter(user_id=user.pk).values("pk"),
        )

    def worklist_q(self, user: User) -> Q | None:
        if not user.has_role(Role.CONSULT_STAFF):
            return None
        return Q(kind=CONSULT, status__in=CONSULT_KIND.status_codes(turn="office"))

    def relations(self, user: User, case: Case) -> set[str]:
        if case.kind != CONSULT:
            return set()
        rel = {"consult_staff"} if user.has_role(Role.CONSULT_STAFF) else set()
        if (
            case.requester_type == PARTICIPANT
            and case.requester_id is not None
            and Participant.objects.filter(pk=case.requester_id, user_id=user.pk).exists()
        ):
            rel.add("requester")
        return rel


def can_view_session_file(user: User, session: Session) -> bool:
    return visible_sessions(user).filter(pk=session.pk).exists()


def resolve_session(user: User, value: object) -> SubjectRef:
    """A session the user may raise an item in, by id."""
    text = str(value).strip() if value is not None else ""
    session = visible_sessions(user).filter(pk=int(text)).first() if text.isdigit() else None
    if session is None:
        raise Invalid(f"找不到协商活动“{text}”，或您无权为其登记事项", "unknown_session", field="session")
    return SubjectRef(SUBJECT, session.pk, session.topic[:100])
