"""Questions from the public before a session (意见征集): `/public/consult-questions/` and
`POST /api/v1/public/consult-questions`. A question joins the next public session that is still to be held,
at 已提出, and the staff assign it like any other item."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Channel, Nature
from nuanqi.cases.public import PublicField, PublicIntake
from nuanqi.cases.services import NewCase


def _to_case(values: dict[str, str]) -> NewCase:
    from .access import SUBJECT, public_sessions

    session = public_sessions().filter(held_on__gte=timezone.localdate()).order_by("held_on", "id").first()
    if session is None:
        raise Invalid("目前没有正在征集意见的协商活动", "no_open_session", field="question")
    question = values["question"]
    return NewCase(
        kind="consult",
        title=question.splitlines()[0][:80],
        description=question,
        nature=Nature.SUGGESTION,
        channel=Channel.ONLINE,
        subject=SubjectRef(SUBJECT, session.pk, session.topic[:200]),
        requester_name=f"市民 {values.get('contact_name') or ''}".strip(),
        requester_phone=values.get("contact_phone", ""),
    )


CONSULT_INTAKE = PublicIntake(
    slug="consult-questions",
    title=_("请你来协商·意见征集"),
    intro=_("区政协近期将围绕群众关心的问题开展协商。请写下您的问题或建议，我们会在协商时交相关部门答复。"),
    fields=(
        PublicField("question", _("问题或建议"), kind="textarea", max_length=2000),
        PublicField("contact_name", _("称呼"), required=False, max_length=20),
        PublicField("contact_phone", _("联系电话"), kind="phone", required=False, max_length=20),
    ),
    to_case=_to_case,
    photos=False,
)
