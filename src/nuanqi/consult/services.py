"""Sessions and their items. Sessions are the module's own records; every item is an engine case filed
with `cases.services.create_case` and moved with `perform`, so its timeline is the audit log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext

from nuanqi.accounts.models import Role, Unit
from nuanqi.cases import services as case_services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import Case, CaseClock, Channel, Event, Nature

from .access import PARTICIPANT, SUBJECT, is_consult_office
from .models import Participant, ParticipantRole, Session
from .workflow import ADOPT, ADOPT_PART, CONSULT, DECISIONS, DONE

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

TOPIC_MAX = 200
TEXT_MAX = 4000


def _text(value: Any, label: str, field_: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(f"请填写{label}", "missing_field", field=field_)
    if len(text) > limit:
        raise Invalid(f"{label}不能超过 {limit} 字", "too_long", field=field_)
    return text


def _date(value: Any, label: str, field_: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{label}“{text}”不是有效日期（应形如 2023-03-29）", "invalid_date", field=field_
        ) from None


def _organiser(value: Any) -> Unit:
    if isinstance(value, Unit):
        return value
    text = str(value or "").strip()
    unit = Unit.objects.filter(pk=int(text)).first() if text.isdigit() else None
    unit = unit or Unit.objects.filter(name=text).first() or Unit.objects.filter(short_name=text).first()
    if unit is None:
        raise Invalid(f"找不到组织单位“{text}”", "unknown_unit", field="organiser")
    return unit


def _check_office(actor: User) -> None:
    if not is_consult_office(actor):
        raise Forbidden("只有政协工作人员和管理员可以登记协商活动")


@dataclass
class NewSession:
    topic: str
    held_on: Any
    organiser: Any
    venue: str = ""
    report_summary: str = ""
    minutes: str = ""
    public: bool = False


def create_session(data: NewSession, *, actor: User, report: Any = None) -> Session:
    """A session, with its research report (a file kept as an attachment of the session) if given; a
    refused file leaves no session behind."""
    from nuanqi.attachments.services import store

    _check_office(actor)
    with transaction.atomic():
        session = _new_session(data, actor)
        if report is not None:
            store(report, owner=session, actor=actor)
    return session


def _new_session(data: NewSession, actor: User) -> Session:
    return Session.objects.create(
        topic=_text(data.topic, "协商主题", "topic", TOPIC_MAX),
        held_on=_date(data.held_on, "协商日期", "held_on"),
        organiser=_organiser(data.organiser),
        venue=_text(data.venue, "地点", "venue", 200, required=False),
        report_summary=_text(data.report_summary, "调研报告摘要", "report_summary", TEXT_MAX, required=False),
        minutes=_text(data.minutes, "会议纪要", "minutes", 20000, required=False),
        public=bool(data.public),
        created_by=actor,
    )


def add_participant(
    session: Session,
    *,
    role: str,
    name: str,
    sector: str = "",
    unit: Unit | None = None,
    user: User | None = None,
    actor: User,
) -> Participant:
    _check_office(actor)
    if role not in ParticipantRole.values:
        raise Invalid("身份须为政协委员、界别群众代表、部门负责人或市民", "invalid_choice", field="role")
    return Participant.objects.create(
        session=session,
        role=role,
        name=_text(name, "姓名", "name", 60),
        sector=_text(sector, "界别或职务", "sector", 100, required=False),
        unit=unit,
        user=user,
    )


def update_session(
    session: Session,
    *,
    actor: User,
    minutes: str | None = None,
    venue: str | None = None,
    report_summary: str | None = None,
    public: bool | None = None,
) -> Session:
    """After the session: its minutes (会议纪要), venue, report summary, and whether its summary is public.
    Only what is given changes."""
    _check_office(actor)
    fields = []
    if minutes is not None:
        session.minutes = _text(minutes, "会议纪要", "minutes", 20000, required=False)
        fields.append("minutes")
    if venue is not None:
        session.venue = _text(venue, "地点", "venue", 200, required=False)
        fields.append("venue")
    if report_summary is not None:
        session.report_summary = _text(
            report_summary, "调研报告摘要", "report_summary", TEXT_MAX, required=False
        )
        fields.append("report_summary")
    if public is not None:
        session.public = bool(public)
        fields.append("public")
    if fields:
        session.save(update_fields=fields)
    return session


def participant_account(username: Any) -> User | None:
    """The account of a participant who has one (she then follows and rates the items she raised)."""
    from nuanqi.accounts.models import User as UserModel

    text = str(username or "").strip()
    if not text:
        return None
    user = UserModel.objects.filter(username=text, is_active=True).first()
    if user is None:
        raise Invalid(f"找不到账号“{text[:150]}”", "unknown_user", field="username")
    return user


def raise_item(
    session: Session,
    *,
    title: str,
    actor: User,
    description: str = "",
    raised_by: Participant | None = None,
    raised_by_name: str = "",
    lead_unit: Unit | None = None,
    received_at: Any = None,
) -> Case:
    """File a question or suggestion raised in (or before) the session as a consult case, the session its
    subject and the person who raised it its requester; with `lead_unit` it is 交办 at once."""
    if raised_by is not None and raised_by.session_id != session.pk:
        raise Invalid("提出人不是本次协商活动的参加人员", "unknown_participant", field="raised_by")
    requester = SubjectRef(PARTICIPANT, raised_by.pk, raised_by.name) if raised_by else None
    with transaction.atomic():
        case = case_services.create_case(
            case_services.NewCase(
                kind=CONSULT,
                title=title,
                description=_text(description, "问题或建议", "description", TEXT_MAX, required=False),
                nature=Nature.SUGGESTION,
                channel=Channel.VISIT,
                subject=SubjectRef(SUBJECT, session.pk, session.topic[:200]),
                requester=requester,
                requester_name=_text(raised_by_name, "提出人", "raised_by", 60, required=False),
                received_at=received_at,
            ),
            actor=actor,
        )
        if lead_unit is not None:
            case = case_services.perform(
                case, "dispatch", actor=actor, version=case.version, lead_unit=lead_unit
            )
    return case


def record_on_spot_answer(case: Case, answer: str, *, actor: User, version: Any) -> Case:
    """The unit head's answer at the session, as the staff (or the unit) typed it."""
    text = _text(answer, "现场答复内容", "reason", TEXT_MAX)
    return case_services.perform(case, "answer_on_spot", actor=actor, version=version, reason=text)


# ---------------------------------------------------------------- reading back


def session_items(session: Session, cases: Any) -> list[Case]:
    """The session's items among `cases` (a visibility-filtered queryset), in the order raised."""
    return list(
        cases.filter(kind=CONSULT, subject_type=SUBJECT, subject_id=session.pk)
        .select_related("lead_unit")
        .order_by("received_at", "id")
    )


@dataclass
class ItemFacts:
    """What the timeline says of an item: the on-the-spot answer, the written answer, the adoption
    decision (its action code), what was done, and whether the written answer came in time."""

    spot_answer: str = ""
    written_answer: str = ""
    decision: str = ""
    decision_reason: str = ""
    implemented: str = ""
    answered_on_time: bool | None = None


def facts(cases: list[Case]) -> dict[int, ItemFacts]:
    """ItemFacts per case id, in two queries whatever the number of items."""
    out: dict[int, ItemFacts] = defaultdict(ItemFacts)
    ids = [c.pk for c in cases]
    wanted = ("answer_on_spot", "answer", "implement", *DECISIONS)
    for ev in Event.objects.filter(case_id__in=ids, action__in=wanted).order_by("case_id", "seq"):
        f = out[ev.case_id]
        if ev.action == "answer_on_spot":
            f.spot_answer = ev.reason
        elif ev.action == "answer":
            f.written_answer = ev.reason
        elif ev.action == "implement":
            f.implemented = ev.reason
        else:
            f.decision, f.decision_reason = ev.action, ev.reason
    for clock in CaseClock.objects.filter(case_id__in=ids, name="written", stopped_at__isnull=False):
        out[clock.case_id].answered_on_time = bool(clock.stopped_at and clock.stopped_at <= clock.due_at)
    return {pk: out[pk] for pk in ids}


def decision_label(code: str) -> str:
    return str(DECISIONS[code]) if code in DECISIONS else ""


@dataclass
class UnitFigures:
    unit: str
    items: int = 0
    answered: int = 0
    on_time: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    implemented: int = 0

    @property
    def adopted(self) -> int:
        return self.decisions.get(ADOPT, 0) + self.decisions.get(ADOPT_PART, 0)


def unit_figures(cases: list[Case], known: dict[int, ItemFacts]) -> list[UnitFigures]:
    """Per responding unit: items, answered (in writing) and on time, adoption mix, implemented."""
    rows: dict[str, UnitFigures] = {}
    for case in cases:
        name = case.lead_unit.name if case.lead_unit_id and case.lead_unit else gettext("未交办")
        row = rows.setdefault(name, UnitFigures(name))
        f = known.get(case.pk, ItemFacts())
        row.items += 1
        if f.written_answer:
            row.answered += 1
        if f.answered_on_time:
            row.on_time += 1
        if f.decision:
            row.decisions[f.decision] = row.decisions.get(f.decision, 0) + 1
        if case.status == DONE:
            row.implemented += 1
    return sorted(rows.values(), key=lambda r: (-r.items, r.unit))


def can_record(user: User) -> bool:
    """Who records on-the-spot answers and raises items: the 政协 staff and the office."""
    return bool(user.is_authenticated and user.has_role(Role.ADMIN, Role.DISPATCHER, Role.CONSULT_STAFF))
